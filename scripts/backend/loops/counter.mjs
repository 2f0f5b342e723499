// Redeeming at the counter (到店核销). The patient's coupon sheet shows a
// counter code for ONE of their issued vouchers: a QR and the same code to
// read aloud (8 symbols of the referral codes' alphabet, 40 random bits from
// the server's CSPRNG). A code lives COUNTER_CODE_TTL_MS; the sheet asks for
// the current code every minute (a fresh one once the current has less than
// COUNTER_CODE_MIN_LEFT_MS left), so a screenshot from yesterday, or from an
// hour ago, is refused as expired.
//
// Staff (护士, 客服) scan the QR or type the code: the server finds the grant
// and redeems it through the ordinary once-only redemption (redeemVoucher:
// the core must list it "available" in the owner's wallet; the schema makes
// a second redemption impossible). The patient's sheet polls the same route
// and shows 已使用 as soon as the status changes.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { inTransaction } from '../db.mjs';
import { ApiError, evaluateFor, redeemVoucher } from '../service.mjs';

const SCHEMA_FILE = new URL('./schema.sql', import.meta.url);

/** How long a counter code is accepted. */
export const COUNTER_CODE_TTL_MS = 90_000;
/** A code with less than this left is replaced by a fresh one when the patient's screen asks. */
export const COUNTER_CODE_MIN_LEFT_MS = 30_000;
/** When the patient's screen should ask again (the QR changes about every minute). */
export const COUNTER_REFRESH_MS = 60_000;
/** The QR's text: this prefix and the code (a referral code's QR is a link: the two cannot be mixed up). */
export const COUNTER_QR_PREFIX = 'CCV1:';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE = /^[0-9A-HJKMNP-TV-Z]{8}$/;

export async function applyLoopsSchema(pool) {
  await pool.query(readFileSync(SCHEMA_FILE, 'utf8'));
}

/** 8 symbols from 40 random bits. */
function newCounterCode() {
  const bytes = randomBytes(5);
  let bits = 0n;
  for (const b of bytes) bits = (bits << 8n) | BigInt(b);
  let code = '';
  for (let i = 7; i >= 0; i -= 1) code += ALPHABET[Number((bits >> BigInt(5 * i)) & 31n)];
  return code;
}

/**
 * A typed or scanned counter code, normalised (case, O→0, I/L→1, spaces and
 * hyphens, the QR's prefix), or null when it cannot be one.
 * @param {unknown} input
 */
export function readCounterCode(input) {
  if (typeof input !== 'string' || input.length > 64) return null;
  let text = input.trim();
  if (text.toUpperCase().startsWith(COUNTER_QR_PREFIX)) text = text.slice(COUNTER_QR_PREFIX.length);
  const code = text
    .toUpperCase()
    .replace(/[\s\-－　]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  return CODE.test(code) ? code : null;
}

/** "ABCD-EFGH": read aloud in two groups. */
export function displayCounterCode(code) {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * GET /me/vouchers/counter-code?grantKey=…: the current counter code of the
 * caller's voucher, and the voucher's status. A used or void voucher gets no
 * code (its status says why); one the core does not list as available gets
 * 409 with the core's reason.
 */
export async function currentCounterCode(client, ctx, patientId, grantKey) {
  if (typeof grantKey !== 'string' || grantKey.length < 1 || grantKey.length > 300) {
    throw new ApiError(400, 'request.bad_query', '缺少券的编号 grantKey', { path: '/grantKey' });
  }
  const row = await client.query('SELECT status, used_at_ms FROM issued_rewards WHERE patient_id = $1 AND grant_key = $2 FOR UPDATE', [
    patientId,
    grantKey,
  ]);
  if (row.rowCount === 0) throw new ApiError(404, 'voucher.not_found', '没有找到这张券');
  const { status, used_at_ms: usedAtMs } = row.rows[0];
  if (status !== 'issued') {
    return { grantKey, status, usedAtMs: usedAtMs === null ? null : Number(usedAtMs), code: null, display: null, qrPayload: null, expiresAtMs: null, refreshAfterMs: null };
  }
  const { eligibility } = await evaluateFor(client, ctx, patientId);
  const item = eligibility.wallet.find((w) => w.key === grantKey);
  if (!item) throw new ApiError(409, 'voucher.not_redeemable', '这项奖励不是可核销的券');
  if (item.status !== 'available') {
    throw new ApiError(409, 'voucher.not_available', item.why || '这张券现在不能使用', { walletStatus: item.status });
  }
  const nowMs = ctx.nowMs();
  const current = await client.query(
    `SELECT code, issued_at_ms, expires_at_ms FROM counter_codes
      WHERE patient_id = $1 AND grant_key = $2 AND expires_at_ms > $3 ORDER BY expires_at_ms DESC LIMIT 1`,
    [patientId, grantKey, nowMs + COUNTER_CODE_MIN_LEFT_MS],
  );
  let code;
  let issuedAtMs;
  let expiresAtMs;
  if (current.rowCount === 1) {
    ({ code } = current.rows[0]);
    issuedAtMs = Number(current.rows[0].issued_at_ms);
    expiresAtMs = Number(current.rows[0].expires_at_ms);
  } else {
    // Expired codes of this voucher go; a new one is made (a collision of 40 random bits: try again).
    await client.query('DELETE FROM counter_codes WHERE patient_id = $1 AND grant_key = $2 AND expires_at_ms <= $3', [patientId, grantKey, nowMs]);
    issuedAtMs = nowMs;
    expiresAtMs = nowMs + COUNTER_CODE_TTL_MS;
    for (let attempt = 0; ; attempt += 1) {
      code = newCounterCode();
      const inserted = await client.query(
        `INSERT INTO counter_codes (code, patient_id, grant_key, issued_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO NOTHING`,
        [code, patientId, grantKey, issuedAtMs, expiresAtMs],
      );
      if (inserted.rowCount === 1) break;
      if (attempt >= 4) throw new Error('counter code: no free code after 5 attempts');
    }
  }
  return {
    grantKey,
    status,
    usedAtMs: null,
    code,
    display: displayCounterCode(code),
    qrPayload: `${COUNTER_QR_PREFIX}${code}`,
    expiresAtMs,
    refreshAfterMs: Math.min(issuedAtMs + COUNTER_REFRESH_MS, expiresAtMs - COUNTER_CODE_MIN_LEFT_MS),
  };
}

/**
 * POST /staff/vouchers/counter-redeem {counterCode}: staff redeem the voucher
 * a counter code stands for, once. Unknown → 404 counter.unknown_code,
 * expired → 410 counter.expired, used → 409 voucher.already_used. Like every
 * mutation it carries an Idempotency-Key; it needs no replay store: a retry
 * of a redemption that went through is 409 voucher.already_used.
 */
export async function redeemByCounterCode(client, ctx, staffId, body) {
  const keys = body && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : null;
  if (!keys || keys.length !== 1 || keys[0] !== 'counterCode') {
    throw new ApiError(400, 'request.bad_body', '请求内容应为 {counterCode}', { path: '/counterCode' });
  }
  const code = readCounterCode(body.counterCode);
  if (!code) throw new ApiError(422, 'counter.bad_code', '核销码应为8位数字和字母，请核对后重新输入', { path: '/counterCode' });
  const found = await client.query('SELECT patient_id, grant_key, expires_at_ms FROM counter_codes WHERE code = $1', [code]);
  if (found.rowCount === 0) throw new ApiError(404, 'counter.unknown_code', '没有找到这个核销码，请患者刷新后再出示');
  const { patient_id: patientId, grant_key: grantKey, expires_at_ms: expiresAtMs } = found.rows[0];
  if (Number(expiresAtMs) <= ctx.nowMs()) throw new ApiError(410, 'counter.expired', '核销码已过期，请患者刷新后再出示');
  const redeemed = await redeemVoucher(client, ctx, staffId, { patientId, grantKey });
  // The code is spent with the voucher.
  await client.query('DELETE FROM counter_codes WHERE patient_id = $1 AND grant_key = $2', [patientId, grantKey]);
  return { grantKey: redeemed.grantKey, title: redeemed.title, usedAtMs: redeemed.usedAtMs };
}

/** The routes, for the route list the contract test compares with docs/api/openapi.yaml. */
export const COUNTER_ROUTES = Object.freeze([
  { method: 'GET', path: '/me/vouchers/counter-code' },
  { method: 'POST', path: '/staff/vouchers/counter-redeem' },
]);

/**
 * Registers the counter routes on the /api/v1 scope.
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, ctx: object, guard: Function, send: Function}} deps
 */
export function registerCounterRoutes(api, { pool, ctx, guard, send }) {
  api.get('/me/vouchers/counter-code', { onRequest: guard('patient', { mutation: false }) }, async (request, reply) => {
    const grantKey = Array.isArray(request.query?.grantKey) ? request.query.grantKey[0] : request.query?.grantKey;
    const value = await inTransaction(pool, (client) => currentCounterCode(client, ctx, request.who.subjectId, grantKey), { retryConflicts: true });
    return send(reply, 200, value);
  });
  api.post('/staff/vouchers/counter-redeem', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) => {
    const value = await inTransaction(pool, (client) => redeemByCounterCode(client, ctx, request.who.subjectId, request.body), { retryConflicts: true });
    return send(reply, 200, value);
  });
}
