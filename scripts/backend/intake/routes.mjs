// The intake routes on the /api/v1 scope:
//
//   POST /intake/wecom/messages          the archive puller delivers a signed batch
//                                        (no session: the HMAC of the shared secret)
//   GET  /staff/group-messages           the nurse's review queue, with the core's spans
//   POST /staff/group-messages/resolve   a review item closed (removed / kept), once
//   GET  /staff/groups                   connected groups and their doctor's Q&A slots
//   PUT  /staff/groups/qa-slots          a group's doctor and slots, checked by the core
//   POST /staff/group-messages/simulate  DEMO MODE ONLY: a synthetic group message
//                                        arrives through the same intake (the demo's
//                                        recording channel says what the bot sent)
//
// Staff routes go through the server's guard (role policy, audit) and the
// mutations through runMutation (one answer per Idempotency-Key).

import { randomBytes } from 'node:crypto';

import { inTransaction } from '../db.mjs';
import { runMutation } from '../mutations.mjs';
import { ApiError } from '../service.mjs';
import { RecordingChannel, channelFromEnv } from './channel.mjs';
import {
  decodeUtf8,
  deliverPending,
  listGroups,
  listReviewQueue,
  parseBatch,
  recordBatch,
  resolveReviewItem,
  setGroupQaSlots,
  verifyBatchSignature,
} from './intake.mjs';

export const INTAKE_ROUTES = Object.freeze([
  { method: 'POST', path: '/intake/wecom/messages' },
  { method: 'GET', path: '/staff/group-messages' },
  { method: 'POST', path: '/staff/group-messages/resolve' },
  { method: 'GET', path: '/staff/groups' },
  { method: 'PUT', path: '/staff/groups/qa-slots' },
  { method: 'POST', path: '/staff/group-messages/simulate' },
]);

/** What each staff intake route does, for the audit log. */
export const INTAKE_STAFF_OPERATIONS = Object.freeze({
  'GET /staff/group-messages': 'getGroupMessageQueue',
  'POST /staff/group-messages/resolve': 'resolveGroupMessage',
  'GET /staff/groups': 'getIntakeGroups',
  'PUT /staff/groups/qa-slots': 'setGroupQaSlots',
  'POST /staff/group-messages/simulate': 'simulateGroupMessage',
});

/**
 * The intake configuration of a server: the shared secret of the archive
 * puller (CARECIRCLE_INTAKE_SECRET, ≥ 32 characters) and the channel the bot
 * speaks through. Demo mode without a channel records what it would send.
 * @param {{secret?: string|null, channel?: object|null}} options
 * @param {{demo: boolean, env?: NodeJS.ProcessEnv}} context
 */
export function intakeConfig(options = {}, { demo, env = process.env }) {
  const secret = options.secret ?? env.CARECIRCLE_INTAKE_SECRET ?? null;
  if (secret !== null && (typeof secret !== 'string' || secret.length < 32)) throw new Error('the intake secret must have at least 32 characters');
  const channel = options.channel ?? channelFromEnv(env) ?? (demo ? new RecordingChannel() : null);
  return { secret, channel, demo };
}

/**
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, ctx: object, guard: Function, send: Function,
 *   intake: {secret: string|null, channel: object|null, demo: boolean}}} deps
 */
export function registerIntakeRoutes(api, { pool, ctx, guard, send, intake }) {
  const deliver = () =>
    deliverPending(pool, ctx, intake.channel).catch((error) => {
      api.log.warn({ msg: String(error?.message ?? error) }, 'intake delivery round failed');
      return { sent: 0, failed: 0 };
    });

  // The signed delivery reads its body as bytes: the signature covers them and
  // they must be well-formed UTF-8 before anyone reads the words.
  api.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => done(null, body));
    scope.post('/intake/wecom/messages', async (request, reply) => {
      if (!intake.secret) throw new ApiError(503, 'intake.not_configured', '这个服务没有配置群消息接入（缺少接入密钥）');
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      verifyBatchSignature({
        secret: intake.secret,
        timestamp: request.headers['x-carecircle-timestamp'],
        signature: request.headers['x-carecircle-signature'],
        rawBody,
        nowMs: ctx.nowMs(),
      });
      const messages = parseBatch(decodeUtf8(rawBody));
      const recorded = await inTransaction(pool, (client) => recordBatch(client, ctx, messages), { retryConflicts: true });
      const delivery = await deliver();
      return send(reply, 200, { ...recorded, delivered: delivery.sent, deliveryFailed: delivery.failed });
    });
  });

  api.get('/staff/group-messages', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const after = Array.isArray(request.query?.after) ? request.query.after[0] : request.query?.after;
    const value = await inTransaction(pool, (client) => listReviewQueue(client, { after: after ?? null }), { readOnly: true });
    return send(reply, 200, value);
  });

  api.get('/staff/groups', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const value = await inTransaction(pool, (client) => listGroups(client, ctx), { readOnly: true });
    return send(reply, 200, value);
  });

  const mutation = (method, path, name, run) =>
    api.route({
      method,
      url: path,
      onRequest: guard('staff', { mutation: true }),
      handler: async (request, reply) => {
        const result = await runMutation(pool, ctx, request.who, { name, run }, request.idempotencyKey, request.body ?? null);
        return send(reply, result.status, { ...result.body, ...(result.replayed ? { replayed: true } : {}) });
      },
    });
  mutation('POST', '/staff/group-messages/resolve', 'resolveGroupMessage', (client, c, who, body) => resolveReviewItem(client, c, who.subjectId, body));
  mutation('PUT', '/staff/groups/qa-slots', 'setGroupQaSlots', (client, c, who, body) => setGroupQaSlots(client, c, who.subjectId, body));

  // Demo mode: a synthetic message through the same intake, then the same delivery.
  api.post('/staff/group-messages/simulate', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) => {
    if (!intake.demo) throw new ApiError(404, 'request.not_found', '只有演示模式可以模拟群消息');
    const body = request.body;
    if (!body || typeof body !== 'object' || Array.isArray(body) || Object.keys(body).some((k) => k !== 'groupId' && k !== 'text')) {
      throw new ApiError(400, 'request.bad_body', '请求内容应为 {groupId, text}');
    }
    const msgId = `demo-${request.idempotencyKey}`.slice(0, 128).replace(/[^A-Za-z0-9_.:@=+/-]/g, '-');
    const messages = parseBatch(
      JSON.stringify({
        messages: [{ msgid: msgId, roomid: body.groupId, from: `demo-member-${randomBytes(2).toString('hex')}`, msgtime: ctx.nowMs(), msgtype: 'text', text: { content: body.text } }],
      }),
    );
    const { results } = await inTransaction(pool, (client) => recordBatch(client, ctx, messages), { retryConflicts: true });
    await deliver();
    const { rows } = await pool.query('SELECT kind, to_member, text, sent_at_ms FROM group_outbound WHERE message_id = $1 ORDER BY id', [msgId]);
    return send(reply, 200, {
      result: results[0],
      sent: rows.map((r) => ({ kind: r.kind, toMember: r.to_member, text: r.text, delivered: r.sent_at_ms !== null })),
    });
  });
}
