// The hospital information system's webhook (HIS → POST
// /integrations/his/events): the same hospital events as the console's CSV
// import, pushed as they happen. No staff session: each delivery is signed
// with the deployment's shared secret (docs/integrator-guide.md):
//
//   X-CareCircle-Timestamp: <epoch ms>
//   X-CareCircle-Nonce:     <16–128 of A–Z a–z 0–9 _ . : ->
//   X-CareCircle-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + nonce + "." + raw body)>
//
// Refused, with nothing applied: a missing or wrong signature (401), a
// timestamp more than WEBHOOK_SKEW_MS from the server's clock (401), a nonce
// seen before (409: a replay). The nonce is stored in the same transaction
// that applies the events, so a delivery is applied once or not at all.
// Each event runs like a CSV row (events.mjs applyEvents, the core's check): refused events
// are listed with their reason, the others applied.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

import { inTransaction } from '../db.mjs';
import { ApiError } from '../service.mjs';
import { applyEvents, recordImport } from './events.mjs';

/** How far a delivery's timestamp may be from the server's clock. */
export const WEBHOOK_SKEW_MS = 5 * 60_000;
/** Nonces are kept this long (twice the window: an older delivery fails on its timestamp anyway). */
export const NONCE_KEEP_MS = 2 * WEBHOOK_SKEW_MS;
/** Events in one delivery. */
export const MAX_WEBHOOK_EVENTS = 1000;
/** Bytes of one delivery. */
export const MAX_WEBHOOK_BYTES = 256 * 1024;
/** The shortest secret accepted (bytes of text): 32, i.e. 256 bits as hex would be 64. */
export const MIN_SECRET_LENGTH = 32;
/** Where a deployment puts its secret (or the server's `hisWebhookSecret` option). */
export const SECRET_ENV = 'CARECIRCLE_HIS_WEBHOOK_SECRET';
/** Who the events are recorded by (hospital_events.recorded_by). */
export const WEBHOOK_RECORDER = 'his-webhook';

const NONCE = /^[A-Za-z0-9_.:-]{16,128}$/;

export const WEBHOOK_SCHEMA = `
-- Nonces of signed HIS webhook deliveries: one row each, so a replayed
-- delivery is refused. Rows older than the clock window are deleted.
CREATE TABLE IF NOT EXISTS his_webhook_nonces (
  nonce          text PRIMARY KEY CHECK (nonce ~ '^[A-Za-z0-9_.:-]{16,128}$'),
  received_at_ms bigint NOT NULL CHECK (received_at_ms >= 0)
);
CREATE INDEX IF NOT EXISTS his_webhook_nonces_age ON his_webhook_nonces (received_at_ms);
`;

/** The signature header's value for a delivery (what the hospital system computes). */
export function signDelivery(secret, timestamp, nonce, rawBody) {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.${nonce}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

const header = (request, name) => {
  const v = request.headers[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
};

/**
 * Checks a delivery's signature and timestamp; returns the nonce. Throws 401
 * webhook.* for anything that does not hold.
 */
export function verifyDelivery(secret, request, rawBody, nowMs) {
  const timestamp = header(request, 'x-carecircle-timestamp');
  const nonce = header(request, 'x-carecircle-nonce');
  const signature = header(request, 'x-carecircle-signature');
  if (!timestamp || !nonce || !signature) {
    throw new ApiError(401, 'webhook.unsigned', '缺少签名请求头（X-CareCircle-Timestamp、X-CareCircle-Nonce、X-CareCircle-Signature）');
  }
  if (!NONCE.test(nonce)) throw new ApiError(401, 'webhook.bad_nonce', 'X-CareCircle-Nonce 应为16–128个字母、数字或 _.:-');
  const expected = Buffer.from(signDelivery(secret, timestamp, nonce, rawBody));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ApiError(401, 'webhook.bad_signature', '签名不正确');
  }
  if (!/^\d{1,15}$/.test(timestamp) || Math.abs(Number(timestamp) - nowMs) > WEBHOOK_SKEW_MS) {
    throw new ApiError(401, 'webhook.stale', `时间戳与服务器时间相差超过${WEBHOOK_SKEW_MS / 60_000}分钟`, { serverTimeMs: nowMs });
  }
  return nonce;
}

/** The delivery's JSON: {events: [{patientId | referralId, event, atMs}]}. */
function readDelivery(rawBody) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
  } catch {
    throw new ApiError(400, 'request.bad_body', '请求内容不是有效的 UTF-8');
  }
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'request.bad_json', '请求内容不是有效的 JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body) || !Array.isArray(body.events) || Object.keys(body).length !== 1) {
    throw new ApiError(400, 'request.bad_body', '请求内容应为 {events: [...]}', { path: '/events' });
  }
  if (body.events.length < 1 || body.events.length > MAX_WEBHOOK_EVENTS) {
    throw new ApiError(400, 'request.bad_body', `events 应有1–${MAX_WEBHOOK_EVENTS}项`, { path: '/events' });
  }
  return body.events.map((e, index) => {
    const ok = e !== null && typeof e === 'object' && !Array.isArray(e);
    const str = (v) => (typeof v === 'string' && v.length <= 128 && !v.includes('\u0000') ? v : '');
    // The core checks each event (checkHospitalEvents): an atMs that is not a
    // whole number goes as its JSON text, which is no time (the reason echoes it).
    return {
      index,
      patientId: ok ? str(e.patientId) : '',
      referralId: ok ? str(e.referralId) : '',
      eventText: ok && typeof e.event === 'string' ? e.event : '',
      ...(ok && Number.isSafeInteger(e.atMs) ? { atMs: e.atMs } : { atText: ok && e.atMs !== undefined ? JSON.stringify(e.atMs) : '' }),
    };
  });
}

export const WEBHOOK_ROUTES = Object.freeze([{ method: 'POST', path: '/integrations/his/events' }]);

/** The deployment's secret: the option, else the environment; null when none (the route then refuses). */
export function webhookSecret(option) {
  const secret = option ?? process.env[SECRET_ENV] ?? null;
  if (secret === null || secret === '') return null;
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`the HIS webhook secret must be at least ${MIN_SECRET_LENGTH} characters (${SECRET_ENV})`);
  }
  return secret;
}

/**
 * Registers POST /integrations/his/events in its own scope, where the body is
 * read as raw bytes (the signature covers them exactly as sent).
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, ctx: object, send: Function, hisWebhookSecret?: string}} deps
 */
export function registerWebhookRoutes(api, { pool, ctx, send, hisWebhookSecret }) {
  const secret = webhookSecret(hisWebhookSecret);
  api.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: MAX_WEBHOOK_BYTES }, (request, body, done) => done(null, body));
    scope.post('/integrations/his/events', async (request, reply) => {
      if (!secret) throw new ApiError(503, 'webhook.not_configured', '本院尚未配置医院系统对接密钥');
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const nowMs = ctx.nowMs();
      const nonce = verifyDelivery(secret, request, rawBody, nowMs);
      const items = readDelivery(rawBody);
      const value = await inTransaction(
        pool,
        async (client) => {
          await client.query('DELETE FROM his_webhook_nonces WHERE received_at_ms < $1', [nowMs - NONCE_KEEP_MS]);
          const fresh = await client.query('INSERT INTO his_webhook_nonces (nonce, received_at_ms) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING', [nonce, nowMs]);
          if (fresh.rowCount === 0) throw new ApiError(409, 'webhook.replayed', '这个 Nonce 已经使用过（重放的请求），没有重复记录');
          const { results, counts } = await applyEvents(client, ctx, WEBHOOK_RECORDER, items);
          const importId = await recordImport(client, {
            source: 'webhook',
            fileName: '',
            sha256: createHash('sha256').update(rawBody).digest('hex'),
            recordedBy: WEBHOOK_RECORDER,
            nowMs,
            rowCount: items.length,
            counts,
          });
          return { importId, rows: items.length, ...counts, results };
        },
        { retryConflicts: true },
      );
      return send(reply, 200, value);
    });
  });
}
