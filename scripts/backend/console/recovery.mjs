// The recovery list (失败挽回): referrals that lapsed — 48 hours after their
// last step without a visit — for staff to call within the time the offer is
// held. Which referrals lapsed, when, and until when the offer is held are
// the core's answer (recoveryList over the hospital's full records: staff
// see every fact, G7 limits only what a referrer's phone receives). The
// friend's consent to share progress with the referrer is shown so that the
// caller knows what may be said to the referrer. Each call's outcome is
// recorded (who, when, what); the newest is shown on the list.

import { inTransaction } from '../db.mjs';
import { ApiError, getHospitalForest } from '../service.mjs';

/** Call outcomes and their Chinese labels (the screen shows the label). */
export const CALL_OUTCOMES = Object.freeze({
  willVisit: '已联系，愿意就诊',
  declined: '已联系，暂不考虑',
  noAnswer: '未接通',
  wrongNumber: '号码有误',
  callBack: '约定再联系',
});
const MAX_NOTE = 200;

export const RECOVERY_SCHEMA = `
-- Calls made from the recovery list: one row per call, never changed.
CREATE TABLE IF NOT EXISTS recovery_calls (
  id             bigserial PRIMARY KEY,
  referral_id    text NOT NULL REFERENCES referrals (id),
  outcome        text NOT NULL CHECK (outcome IN ('willVisit', 'declined', 'noAnswer', 'wrongNumber', 'callBack')),
  note           text NOT NULL DEFAULT '' CHECK (length(note) <= ${MAX_NOTE}),
  recorded_by    text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 128),
  recorded_at_ms bigint NOT NULL CHECK (recorded_at_ms >= 0)
);
CREATE INDEX IF NOT EXISTS recovery_calls_referral ON recovery_calls (referral_id, recorded_at_ms);
`;

/** The core's recovery list over every referral of the hospital. */
async function lapsedNow(client, ctx) {
  const { records, patients } = await getHospitalForest(client);
  const envelope = ctx.core.call('recoveryList', { nowMs: ctx.nowMs(), records, patients });
  if (!envelope.ok) throw new ApiError(500, envelope.error.code, envelope.error.message);
  return envelope.value;
}

/** GET /staff/recovery: the lapsed referrals, newest lapse first, each with its latest call. */
export async function getRecoveryList(client, ctx) {
  const list = await lapsedNow(client, ctx);
  const ids = list.items.map((i) => i.recordId);
  const calls = ids.length
    ? (
        await client.query(
          `SELECT DISTINCT ON (referral_id) referral_id, outcome, note, recorded_by, recorded_at_ms,
                  count(*) OVER (PARTITION BY referral_id) AS call_count
             FROM recovery_calls WHERE referral_id = ANY($1::text[])
            ORDER BY referral_id, recorded_at_ms DESC, id DESC`,
          [ids],
        )
      ).rows
    : [];
  const latest = new Map(calls.map((c) => [c.referral_id, c]));
  return {
    count: list.count,
    lapseAfterHours: list.lapseAfterHours,
    offerHoldDays: list.offerHoldDays,
    items: list.items.map((item) => {
      const c = latest.get(item.recordId);
      return {
        ...item,
        calls: c ? Number(c.call_count) : 0,
        lastCall: c
          ? { outcome: c.outcome, label: CALL_OUTCOMES[c.outcome], note: c.note, recordedBy: c.recorded_by, recordedAtMs: Number(c.recorded_at_ms) }
          : null,
      };
    }),
  };
}

/**
 * POST /staff/recovery/calls {referralId, outcome, note?}: records a call on a
 * referral the core lists as lapsed now (another: 409 recovery.not_lapsed).
 */
export async function recordRecoveryCall(client, ctx, staffId, body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'request.bad_body', '请求内容应为 {referralId, outcome, note?}');
  const unknown = Object.keys(body).find((k) => !['referralId', 'outcome', 'note'].includes(k));
  if (unknown) throw new ApiError(400, 'request.bad_body', `含有未知字段 ${unknown.slice(0, 64)}`, { path: `/${unknown.slice(0, 64)}` });
  if (typeof body.referralId !== 'string' || body.referralId.length < 1 || body.referralId.length > 128) {
    throw new ApiError(400, 'request.bad_body', 'referralId 应为推荐记录编号', { path: '/referralId' });
  }
  if (!Object.hasOwn(CALL_OUTCOMES, body.outcome)) {
    throw new ApiError(400, 'request.bad_body', `outcome 应为 ${Object.keys(CALL_OUTCOMES).join(' / ')}`, { path: '/outcome' });
  }
  const note = body.note ?? '';
  if (typeof note !== 'string' || note.length > MAX_NOTE || note.includes('\u0000')) {
    throw new ApiError(400, 'request.bad_body', `备注最多${MAX_NOTE}个字`, { path: '/note' });
  }
  // One call at a time per referral: the list and the insert see the same facts.
  const locked = await client.query('SELECT id FROM referrals WHERE id = $1 FOR UPDATE', [body.referralId]);
  if (locked.rowCount === 0) throw new ApiError(404, 'referral.unknown', '没有找到这条推荐记录');
  const list = await lapsedNow(client, ctx);
  const item = list.items.find((i) => i.recordId === body.referralId);
  if (!item) throw new ApiError(409, 'recovery.not_lapsed', '这条推荐没有失效（已就诊、已作废或仍在48小时内），不需要挽回');
  const nowMs = ctx.nowMs();
  await client.query('INSERT INTO recovery_calls (referral_id, outcome, note, recorded_by, recorded_at_ms) VALUES ($1, $2, $3, $4, $5)', [
    body.referralId,
    body.outcome,
    note,
    staffId,
    nowMs,
  ]);
  return { referralId: body.referralId, outcome: body.outcome, label: CALL_OUTCOMES[body.outcome], note, recordedAtMs: nowMs, heldUntilDate: item.heldUntilDate };
}

export const RECOVERY_ROUTES = Object.freeze([
  { method: 'GET', path: '/staff/recovery' },
  { method: 'POST', path: '/staff/recovery/calls' },
]);

/**
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, ctx: object, guard: Function, send: Function}} deps
 */
export function registerRecoveryRoutes(api, { pool, ctx, guard, send }) {
  api.get('/staff/recovery', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => getRecoveryList(client, ctx), { readOnly: true })),
  );
  api.post('/staff/recovery/calls', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => recordRecoveryCall(client, ctx, request.who.subjectId, request.body), { retryConflicts: true })),
  );
}
