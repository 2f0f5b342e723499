// Referral channels on the server (docs/api/referral.md, "Channels"): the
// tokens of the e-referral letters and the discharge thank-you card, the
// check of a friend's claimed channel, and the KOC result that chooses the
// patient's letter.
//
// The server is the authority. It issues every token from its CSPRNG through
// the core (makeChannelToken: shape, check symbol, the card's discharge rule
// G16) and keeps it (channels.sql). A friend's claim names a channel; the
// core (checkChannelClaim) reads the token, this module looks it up and asks
// the core again with the record, so the join is recorded on a letter or
// card channel only with a token issued for that channel and that referral
// code; a card's token is spent by the first join (凭卡号可领取).
//
// Letters: every patient has a letter token per template, made the first
// time their 海报 asks — the honour and benefit letters for everyone, the
// 黑金推荐函 (channel `letter`) only for a patient whose saved KOC result
// chose the privilege letter. Cards: issued by staff at discharge, one per
// discharge, for that patient (POST /staff/discharge-cards).

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { inTransaction } from '../db.mjs';
import { ApiError, lockPatient } from '../service.mjs';

const SCHEMA_FILE = new URL('./channels.sql', import.meta.url);
const DAY_MS = 86_400_000;
/** The programme's zone (+8): a discharge's day, for "one card per discharge". */
const ZONE_OFFSET_MS = 8 * 3_600_000;

/** Letter templates → their channel (the core's names). */
export const LETTER_CHANNELS = Object.freeze({ honour: 'letterHonour', benefit: 'letterBenefit', privilege: 'letter' });
const TEMPLATE_OF = Object.freeze(Object.fromEntries(Object.entries(LETTER_CHANNELS).map(([t, c]) => [c, t])));

/** The core's refusals of a claim and their HTTP status: a forged channel is 400, a spent card 409. */
const CLAIM_STATUS = Object.freeze({ 'referral.card_used': 409 });

export async function applyChannelsSchema(pool) {
  await pool.query(readFileSync(SCHEMA_FILE, 'utf8'));
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function badBody(message, path) {
  return new ApiError(400, 'request.bad_body', message, path ? { path } : {});
}

/** `<base>?…c=` with the token before the code (the core's makeChannelToken makes the same). */
export function tokenLinkBase(linkBase, token) {
  if (!linkBase || !/[?&]c=$/.test(linkBase)) return null;
  return `${linkBase.slice(0, -2)}t=${token}&c=`;
}

/** The day of an instant in the programme's zone. */
function dayOf(ms) {
  return new Date(ms + ZONE_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * A fresh token from the core (randomness from the CSPRNG). A draw the core
 * cannot put in a link (token_unusable) or a collision is drawn again.
 */
async function insertToken(client, ctx, request, row) {
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const made = ctx.core.call('makeChannelToken', { ...request, randomHex: randomBytes(10).toString('hex') });
    if (!made.ok) {
      if (made.error.code === 'referral.token_unusable') continue;
      const { code, message, path } = made.error;
      throw new ApiError(422, code, message, path ? { path } : {});
    }
    const inserted = await client.query(
      `INSERT INTO channel_tokens (token, channel, patient_id, issued_at_ms, issued_by, discharged_at_ms, discharge_day)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (token) DO NOTHING`,
      [made.value.token, made.value.channel, row.patientId, row.nowMs, row.issuedBy ?? null, row.dischargedAtMs ?? null, row.dischargeDay ?? null],
    );
    if (inserted.rowCount === 1) return made.value;
  }
  throw new Error('channel token: no usable token after 8 draws');
}

/** The letter the patient's saved KOC result chose, or null. */
async function letterTemplateOf(client, patientId) {
  const { rows } = await client.query('SELECT letter_template FROM koc_results WHERE patient_id = $1', [patientId]);
  return rows[0]?.letter_template ?? null;
}

function cardOf(row, linkBase) {
  return {
    token: row.token,
    display: `${row.token.slice(0, 4)}-${row.token.slice(4, 8)}-${row.token.slice(8, 12)}-${row.token.slice(12)}`,
    linkBase: tokenLinkBase(linkBase, row.token),
    dischargedAtMs: Number(row.discharged_at_ms),
    issuedAtMs: Number(row.issued_at_ms),
    used: row.used_by_referral_id !== null || row.used_at_ms !== null,
  };
}

/**
 * GET /me/channel-tokens: the caller's letters (a token per template they
 * may hand out, made on first ask) and discharge cards, with the link base
 * each QR carries, and the letter their KOC result chose.
 */
export async function getMyChannelTokens(client, ctx, patientId) {
  await lockPatient(client, patientId);
  const patient = await client.query('SELECT is_staff FROM patients WHERE id = $1', [patientId]);
  if (patient.rows[0].is_staff) throw new ApiError(404, 'referral.no_code', '暂时还没有您的推荐码');
  const letterTemplate = await letterTemplateOf(client, patientId);
  const templates = ['honour', 'benefit', ...(letterTemplate === 'privilege' ? ['privilege'] : [])];
  const linkBase = ctx.deployment?.linkBase ?? null;
  const nowMs = ctx.nowMs();
  const existing = await client.query('SELECT * FROM channel_tokens WHERE patient_id = $1 ORDER BY issued_at_ms, token', [patientId]);
  const letters = [];
  for (const template of templates) {
    const channel = LETTER_CHANNELS[template];
    let token = existing.rows.find((r) => r.channel === channel)?.token;
    if (!token) token = (await insertToken(client, ctx, { channel }, { patientId, nowMs })).token;
    letters.push({ template, channel, token, linkBase: tokenLinkBase(linkBase, token) });
  }
  const cards = existing.rows.filter((r) => r.channel === 'dischargeCard').map((r) => cardOf(r, linkBase));
  return { letterTemplate, letters, cards };
}

/**
 * The patient's recorded discharges, newest first: the hospital's confirmed
 * discharge on the referral that brought them (hospital_events, checked by
 * the core's checkHospitalEvents) and the discharges staff recorded as a
 * clinical moment (POST /staff/clinical-moments). Never the card's own claim.
 */
export async function recordedDischarges(client, patientId) {
  const { rows } = await client.query(
    `SELECT e.at_ms FROM hospital_events e JOIN referrals r ON r.id = e.referral_id
      WHERE r.referee_id = $1 AND e.event = 'dischargeConfirmed'
     UNION SELECT at_ms FROM clinical_moments WHERE patient_id = $1 AND kind = 'discharge'
     ORDER BY 1 DESC`,
    [patientId],
  );
  return rows.map((r) => Number(r.at_ms));
}

/**
 * POST /staff/discharge-cards {patientId, dischargedAtMs?}: staff hand the
 * patient a thank-you card at discharge. The discharge is the recorded one
 * (recordedDischarges): the latest, or the one on the day the nurse names;
 * none recorded, or none that day, is refused (409). The core decides (G16):
 * after the discharge, within 30 days of it, one card per discharge (per day
 * of the programme's zone).
 */
export async function issueDischargeCard(client, ctx, staffId, body) {
  if (!isObject(body)) throw badBody('请求内容应为 {patientId, dischargedAtMs?}');
  const unknown = Object.keys(body).find((k) => !['patientId', 'dischargedAtMs'].includes(k));
  if (unknown) throw badBody(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  if (typeof body.patientId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(body.patientId)) throw badBody('patientId 无效', '/patientId');
  if (body.dischargedAtMs !== undefined && (!Number.isSafeInteger(body.dischargedAtMs) || body.dischargedAtMs < 0)) throw badBody('dischargedAtMs 应为毫秒时间戳', '/dischargedAtMs');
  const { patientId } = body;
  await lockPatient(client, patientId);
  const patient = await client.query('SELECT is_staff FROM patients WHERE id = $1', [patientId]);
  if (patient.rows[0].is_staff) throw new ApiError(422, 'referral.staff_excluded', '工作人员不参与推荐奖励，不发感恩卡');
  const recorded = await recordedDischarges(client, patientId);
  if (recorded.length === 0) {
    throw new ApiError(409, 'referral.discharge_not_recorded', '没有这位患者的出院记录：请先在“医院事件”确认出院，或登记出院时刻，再发感恩卡', { path: '/patientId' });
  }
  const dischargedAtMs = body.dischargedAtMs === undefined ? recorded[0] : recorded.find((ms) => dayOf(ms) === dayOf(body.dischargedAtMs));
  if (dischargedAtMs === undefined) {
    throw new ApiError(409, 'referral.discharge_mismatch', `这一天没有这位患者的出院记录（登记的出院日：${[...new Set(recorded.map(dayOf))].slice(0, 3).join('、')}）`, { path: '/dischargedAtMs' });
  }
  const nowMs = ctx.nowMs();
  const dischargeDay = dayOf(dischargedAtMs);
  const already = await client.query(
    "SELECT count(*)::int AS n FROM channel_tokens WHERE patient_id = $1 AND channel = 'dischargeCard' AND discharge_day = $2",
    [patientId, dischargeDay],
  );
  const made = await insertToken(
    client,
    ctx,
    { channel: 'dischargeCard', nowMs, dischargedAtMs, cardsAlreadyIssued: already.rows[0].n },
    { patientId, nowMs, issuedBy: staffId, dischargedAtMs, dischargeDay },
  );
  // The discharge is already a clinical moment (G17): recorded by staff, or
  // the hospital's confirmation, which getClinicalMoments reads.
  return { patientId, token: made.token, display: made.display, dischargedAtMs, issuedAtMs: nowMs };
}

/** GET /staff/discharge-cards?patientId=…: the patient (masked name) and the cards issued to them. */
export async function getDischargeCards(client, ctx, patientId) {
  if (typeof patientId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(patientId)) {
    throw new ApiError(400, 'request.bad_query', 'patientId 无效', { path: '/patientId' });
  }
  const patient = await client.query('SELECT id, display_name, is_staff FROM patients WHERE id = $1', [patientId]);
  if (patient.rowCount === 0 || patient.rows[0].is_staff) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
  const { rows } = await client.query("SELECT * FROM channel_tokens WHERE patient_id = $1 AND channel = 'dischargeCard' ORDER BY issued_at_ms", [patientId]);
  const letterTemplate = await letterTemplateOf(client, patientId);
  return {
    patient: { id: patient.rows[0].id, displayName: patient.rows[0].display_name },
    letterTemplate,
    cards: rows.map((r) => {
      const card = cardOf(r, null);
      delete card.linkBase;
      return card;
    }),
  };
}

/**
 * POST /staff/koc-assessments {patientId, answers, sensitiveCase?, peakMomentNote?}:
 * the core's assessKoc on the nurse's answers, saved to the patient. Its
 * letter template becomes the letter the patient's 海报 offers.
 */
export async function saveKocAssessment(client, ctx, staffId, body) {
  if (!isObject(body)) throw badBody('请求内容应为 {patientId, answers}');
  const unknown = Object.keys(body).find((k) => !['patientId', 'answers', 'sensitiveCase', 'peakMomentNote'].includes(k));
  if (unknown) throw badBody(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  if (typeof body.patientId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(body.patientId)) throw badBody('patientId 无效', '/patientId');
  if (!isObject(body.answers)) throw badBody('answers 应为对象', '/answers');
  const assessed = ctx.core.call('assessKoc', body);
  if (!assessed.ok) {
    const { code, message, path } = assessed.error;
    throw new ApiError(422, code, message, path ? { path } : {});
  }
  const a = assessed.value.assessment;
  if (!a) throw badBody('请回答评估表的全部问题', '/answers');
  await lockPatient(client, body.patientId);
  const nowMs = ctx.nowMs();
  await client.query(
    `INSERT INTO koc_results (patient_id, score, qualifies, letter_template, assessed_by, assessed_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (patient_id) DO UPDATE SET score = EXCLUDED.score, qualifies = EXCLUDED.qualifies,
       letter_template = EXCLUDED.letter_template, assessed_by = EXCLUDED.assessed_by, assessed_at_ms = EXCLUDED.assessed_at_ms`,
    [body.patientId, a.score, a.qualifies, a.letterTemplate ?? null, staffId, nowMs],
  );
  return { patientId: body.patientId, score: a.score, qualifies: a.qualifies, letterTemplate: a.letterTemplate ?? null, assessedAtMs: nowMs };
}

/**
 * The channel a friend's claim is recorded on (claimReferral): the core
 * reads the claim, the token's record is looked up (locked: a card is spent
 * once), and the core decides with it. Refusals: 400 with the core's code
 * (a forged, mismatched or unknown token), 409 referral.card_used.
 * @returns {Promise<{channel: string, token: string | null, spendsToken: boolean}>}
 */
export async function resolveClaimChannel(client, ctx, body) {
  const unknown = Object.keys(body).find((k) => !['code', 'channel', 'token'].includes(k));
  if (unknown) throw badBody(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  if (typeof body.channel !== 'string') throw badBody('channel 不正确', '/channel');
  if (body.token !== undefined && typeof body.token !== 'string') throw badBody('token 应为字符串', '/token');
  const claim = { code: body.code, channel: body.channel, ...(body.token ? { token: body.token } : {}) };
  const reject = (envelope) => {
    const { code, message, path } = envelope.error;
    return new ApiError(CLAIM_STATUS[code] ?? 400, code, message, path ? { path } : {});
  };
  const read = ctx.core.call('checkChannelClaim', claim);
  if (!read.ok) throw reject(read);
  if (!read.value.token) return { channel: read.value.channel, token: null, spendsToken: false };
  const { rows } = await client.query(
    `SELECT t.token, t.channel, t.used_by_referral_id, t.used_at_ms, p.referral_code FROM channel_tokens t
       JOIN patients p ON p.id = t.patient_id WHERE t.token = $1 FOR UPDATE OF t`,
    [read.value.token],
  );
  const issued = rows[0]
    ? {
        token: rows[0].token,
        channel: rows[0].channel,
        code: rows[0].referral_code,
        usedByReferralId: rows[0].used_by_referral_id ?? (rows[0].used_at_ms !== null ? 'spent' : null),
      }
    : null;
  const decided = ctx.core.call('checkChannelClaim', { ...claim, issued });
  if (!decided.ok) throw reject(decided);
  return { channel: decided.value.channel, token: decided.value.token, spendsToken: decided.value.spendsToken };
}

/** After the referral row is in: the card is spent by it; the referral keeps its token. */
export async function spendClaimToken(client, ctx, via, referralId) {
  if (!via.token) return;
  await client.query('UPDATE referrals SET channel_token = $2 WHERE id = $1', [referralId, via.token]);
  if (via.spendsToken) {
    const spent = await client.query(
      'UPDATE channel_tokens SET used_by_referral_id = $2, used_at_ms = $3 WHERE token = $1 AND used_by_referral_id IS NULL AND used_at_ms IS NULL',
      [via.token, referralId, ctx.nowMs()],
    );
    if (spent.rowCount !== 1) throw new ApiError(409, 'referral.card_used', '这张感恩卡的卡号已经有朋友用过了，每张卡只能登记一位朋友');
  }
}

/** The routes, for the route list the contract test compares with docs/api/openapi.yaml. */
export const CHANNELS_ROUTES = Object.freeze([
  { method: 'GET', path: '/me/channel-tokens' },
  { method: 'GET', path: '/staff/discharge-cards' },
  { method: 'POST', path: '/staff/discharge-cards' },
  { method: 'POST', path: '/staff/koc-assessments' },
]);

/**
 * Registers the channel routes on the /api/v1 scope.
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, ctx: object, guard: Function, send: Function}} deps
 */
export function registerChannelsRoutes(api, { pool, ctx, guard, send }) {
  api.get('/me/channel-tokens', { onRequest: guard('patient', { mutation: false }) }, async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => getMyChannelTokens(client, ctx, request.who.subjectId), { retryConflicts: true })),
  );
  api.get('/staff/discharge-cards', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const patientId = Array.isArray(request.query?.patientId) ? request.query.patientId[0] : request.query?.patientId;
    return send(reply, 200, await inTransaction(pool, (client) => getDischargeCards(client, ctx, patientId)));
  });
  api.post('/staff/discharge-cards', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => issueDischargeCard(client, ctx, request.who.subjectId, request.body), { retryConflicts: true })),
  );
  api.post('/staff/koc-assessments', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => saveKocAssessment(client, ctx, request.who.subjectId, request.body), { retryConflicts: true })),
  );
}

export { DAY_MS, TEMPLATE_OF };
