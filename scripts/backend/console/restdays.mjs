// Doctor-approved rest days (医生批准休息日): a day a patient may not do the
// rehab exercise (surgery, a fever, an examination) is approved by a doctor,
// and the core then neither counts it nor lets it break the streak (the
// streak "keeps"). Only the doctor role reaches these routes. A rest day is
// approved for today, up to REST_BACK_DAYS back (a day missed because of
// what the doctor saw) or up to REST_AHEAD_DAYS ahead (a planned operation),
// at most REST_SPAN_DAYS in one approval; each approval stores who approved
// it, when, and why. The reply carries the core's streak before and after.

import { inTransaction } from '../db.mjs';
import { ApiError, getStreakInputs } from '../service.mjs';

const DAY_MS = 86_400_000;
const OFFSET_MINUTES = 480;
export const REST_BACK_DAYS = 7;
export const REST_AHEAD_DAYS = 30;
export const REST_SPAN_DAYS = 14;
const MAX_REASON = 100;

export const RESTDAYS_SCHEMA = `
-- Who approved each rest day (rest_days holds the day the core reads).
CREATE TABLE IF NOT EXISTS rest_day_approvals (
  patient_id     text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  day            text NOT NULL CHECK (day ~ '^\\d{4}-\\d{2}-\\d{2}$'),
  approved_by    text NOT NULL CHECK (length(approved_by) BETWEEN 1 AND 128),
  approved_at_ms bigint NOT NULL CHECK (approved_at_ms >= 0),
  reason         text NOT NULL DEFAULT '' CHECK (length(reason) <= ${MAX_REASON}),
  PRIMARY KEY (patient_id, day)
);
`;

const civilDate = (ms) => new Date(ms + OFFSET_MINUTES * 60_000).toISOString().slice(0, 10);
const dayNumber = (date) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const isDate = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && civilDate(Date.parse(`${v}T00:00:00Z`) - OFFSET_MINUTES * 60_000) === v;

export function streakOf(ctx, patientId, inputs) {
  const nowMs = ctx.nowMs();
  const evaluate = (viewMonth) => {
    const envelope = ctx.core.call('evaluateStreak', { nowMs, clock: 'server', patientId, ...inputs, ...(viewMonth ? { viewMonth } : {}) });
    if (!envelope.ok) throw new ApiError(422, envelope.error.code, envelope.error.message);
    return envelope.value;
  };
  const v = evaluate(null);
  // The window a doctor may excuse can start in the previous month: its calendar too.
  const earlier = civilDate(nowMs - REST_BACK_DAYS * DAY_MS).slice(0, 7);
  const days = earlier === v.calendar.month ? v.calendar.days : [...evaluate(earlier).calendar.days, ...v.calendar.days];
  return {
    today: v.today,
    current: v.current,
    longest: v.longest,
    alive: v.alive,
    statusText: v.statusText,
    // The days the core calls missed: what a doctor may excuse (the caller keeps the window's).
    missedDays: days.filter((d) => d.status === 'missed').map((d) => d.date),
    restDays: days.filter((d) => d.status === 'rest').map((d) => d.date),
  };
}

async function patientRow(client, patientId) {
  if (typeof patientId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(patientId)) {
    throw new ApiError(400, 'request.bad_query', '请输入患者编号（字母、数字或 _.:-）', { path: '/patientId' });
  }
  const { rows } = await client.query('SELECT id, display_name, is_staff FROM patients WHERE id = $1', [patientId]);
  if (rows.length === 0 || rows[0].is_staff) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
  return rows[0];
}

/** The window of days a doctor may approve now: [first, last] as dates. */
function windowNow(nowMs) {
  return { first: civilDate(nowMs - REST_BACK_DAYS * DAY_MS), last: civilDate(nowMs + REST_AHEAD_DAYS * DAY_MS) };
}

/** GET /staff/rest-days?patientId=: the patient's approved rest days and the core's streak. */
export async function getRestDays(client, ctx, query) {
  const row = await patientRow(client, query.patientId);
  const approvals = await client.query(
    `SELECT d.day, a.approved_by, a.approved_at_ms, a.reason FROM rest_days d
       LEFT JOIN rest_day_approvals a ON a.patient_id = d.patient_id AND a.day = d.day
      WHERE d.patient_id = $1 ORDER BY d.day DESC LIMIT 200`,
    [row.id],
  );
  const streak = streakOf(ctx, row.id, await getStreakInputs(client, row.id));
  const win = windowNow(ctx.nowMs());
  return {
    patientId: row.id,
    displayName: row.display_name,
    restDays: approvals.rows.map((r) => ({
      day: r.day,
      approvedBy: r.approved_by ?? null,
      approvedAtMs: r.approved_at_ms === null ? null : Number(r.approved_at_ms),
      reason: r.reason ?? '',
    })),
    streak: { ...streak, missedDays: streak.missedDays.filter((d) => d >= win.first) },
    window: win,
  };
}

/**
 * POST /staff/rest-days {patientId, fromDate, toDate?, reason}: approves the
 * days fromDate…toDate (inclusive) as rest days. Days already approved stay
 * as they were. Reply: the days added and the core's streak before and after.
 */
export async function approveRestDays(client, ctx, doctorId, body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'request.bad_body', '请求内容应为 {patientId, fromDate, toDate, reason}');
  const unknown = Object.keys(body).find((k) => !['patientId', 'fromDate', 'toDate', 'reason'].includes(k));
  if (unknown) throw new ApiError(400, 'request.bad_body', `含有未知字段 ${unknown.slice(0, 64)}`, { path: `/${unknown.slice(0, 64)}` });
  const toDate = body.toDate ?? body.fromDate;
  if (!isDate(body.fromDate)) throw new ApiError(400, 'request.bad_body', 'fromDate 应为 YYYY-MM-DD 日期', { path: '/fromDate' });
  if (!isDate(toDate)) throw new ApiError(400, 'request.bad_body', 'toDate 应为 YYYY-MM-DD 日期', { path: '/toDate' });
  const reason = body.reason ?? '';
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_REASON || reason.includes('\u0000')) {
    throw new ApiError(400, 'request.bad_body', `请填写休息原因（最多${MAX_REASON}个字）`, { path: '/reason' });
  }
  const span = dayNumber(toDate) - dayNumber(body.fromDate) + 1;
  if (span < 1) throw new ApiError(422, 'restdays.bad_range', '结束日期不能早于开始日期', { path: '/toDate' });
  if (span > REST_SPAN_DAYS) throw new ApiError(422, 'restdays.too_long', `一次最多批准${REST_SPAN_DAYS}天`, { path: '/toDate' });
  const nowMs = ctx.nowMs();
  const win = windowNow(nowMs);
  if (body.fromDate < win.first) {
    throw new ApiError(422, 'restdays.too_old', `只能补批${REST_BACK_DAYS}天内的休息日（${win.first}起）`, { path: '/fromDate' });
  }
  if (toDate > win.last) throw new ApiError(422, 'restdays.too_far', `最多提前${REST_AHEAD_DAYS}天批准（到${win.last}）`, { path: '/toDate' });
  const row = await patientRow(client, body.patientId);
  await client.query('SELECT id FROM patients WHERE id = $1 FOR UPDATE', [row.id]);
  const before = streakOf(ctx, row.id, await getStreakInputs(client, row.id));
  const added = [];
  for (let d = dayNumber(body.fromDate); d <= dayNumber(toDate); d += 1) {
    const day = new Date(d * DAY_MS).toISOString().slice(0, 10);
    const inserted = await client.query('INSERT INTO rest_days (patient_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING', [row.id, day]);
    if (inserted.rowCount === 1) {
      await client.query(
        `INSERT INTO rest_day_approvals (patient_id, day, approved_by, approved_at_ms, reason) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (patient_id, day) DO NOTHING`,
        [row.id, day, doctorId, nowMs, reason.trim()],
      );
      added.push(day);
    }
  }
  const after = streakOf(ctx, row.id, await getStreakInputs(client, row.id));
  return { patientId: row.id, added, before: { current: before.current, statusText: before.statusText }, after: { current: after.current, statusText: after.statusText } };
}

export const RESTDAYS_ROUTES = Object.freeze([
  { method: 'GET', path: '/staff/rest-days' },
  { method: 'POST', path: '/staff/rest-days' },
]);

/**
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, ctx: object, guard: Function, send: Function}} deps
 */
export function registerRestDaysRoutes(api, { pool, ctx, guard, send }) {
  api.get('/staff/rest-days', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const q = request.query ?? {};
    const query = { patientId: Array.isArray(q.patientId) ? q.patientId[0] : q.patientId };
    return send(reply, 200, await inTransaction(pool, (client) => getRestDays(client, ctx, query), { readOnly: true }));
  });
  api.post('/staff/rest-days', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => approveRestDays(client, ctx, request.who.subjectId, request.body), { retryConflicts: true })),
  );
}
