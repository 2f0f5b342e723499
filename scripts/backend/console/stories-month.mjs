// The story-officer programme (病友故事官), on the reference backend.
//
// Each month the hospital calls for stories (a theme and a short invitation,
// shown to patients on 病友故事 and on the story form); staff pick the story
// of the month from the approved ones; its author receives the 故事官 honour
// (an honour, never cash or anything convertible into cash: G1), listed in
// the patient's 荣誉勋章; staff print the story as an A3 poster for the
// hospital wall (the shell lays it out with the core's storyPoster template,
// which refuses any QR, link, price or coupon: G12).
//
//   GET  /staff/stories-month?month=YYYY-MM   the month's call, pick and candidates
//   PUT  /staff/stories-month/call            {month, theme, invitation}
//   POST /staff/stories-month/pick            {month, storyId}: once per month
//   GET  /stories/month                       (patient) this month's call, the latest pick
//   GET  /me/honours                          (patient) the honours staff gave them
//
// The invitation is patient-facing text: the core's wording check (story
// rules, as a poster) must pass before it is stored. A pick is one row per
// month and one month per story (the schema's keys), in the staff member's
// transaction; an author who withdrew the consent keeps the honour, but the
// story (its words deleted) is no longer shown or printed.

import { inTransaction } from '../db.mjs';
import { runMutation } from '../mutations.mjs';
import { ApiError } from '../service.mjs';

/** Approved stories offered for a pick, newest approval first. */
export const CANDIDATES_LIMIT = 50;
/** The programme's clock for "this month" (China Standard Time). */
const UTC_OFFSET_MS = 8 * 3_600_000;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export const STORY_OFFICER_HONOUR = Object.freeze({ kind: 'storyOfficer', label: '故事官' });

const SCHEMA = `
CREATE TABLE IF NOT EXISTS story_month_calls (
  month         text PRIMARY KEY CHECK (month ~ '^\\d{4}-(0[1-9]|1[0-2])$'),
  theme         text NOT NULL CHECK (char_length(theme) BETWEEN 1 AND 40),
  invitation    text NOT NULL CHECK (char_length(invitation) BETWEEN 1 AND 300),
  updated_at_ms bigint NOT NULL CHECK (updated_at_ms >= 0),
  updated_by    text NOT NULL
);
CREATE TABLE IF NOT EXISTS story_month_picks (
  month        text PRIMARY KEY CHECK (month ~ '^\\d{4}-(0[1-9]|1[0-2])$'),
  story_id     text NOT NULL UNIQUE REFERENCES stories (id) ON DELETE CASCADE,
  patient_id   text NOT NULL REFERENCES patients (id) ON DELETE CASCADE,
  picked_at_ms bigint NOT NULL CHECK (picked_at_ms >= 0),
  picked_by    text NOT NULL
);
CREATE INDEX IF NOT EXISTS story_month_picks_patient ON story_month_picks (patient_id);
`;

export async function applyStoriesMonthSchema(pool) {
  await pool.query(SCHEMA);
}

/** What each staff route does, for the audit log. */
export const STORIES_MONTH_STAFF_OPERATIONS = Object.freeze({
  'GET /staff/stories-month': 'getStoriesMonth',
  'PUT /staff/stories-month/call': 'setStoriesMonthCall',
  'POST /staff/stories-month/pick': 'pickStoryOfMonth',
});

export const STORIES_MONTH_ROUTES = Object.freeze([
  { method: 'GET', path: '/staff/stories-month' },
  { method: 'PUT', path: '/staff/stories-month/call' },
  { method: 'POST', path: '/staff/stories-month/pick' },
  { method: 'GET', path: '/stories/month' },
  { method: 'GET', path: '/me/honours' },
]);

const bad = (message, path) => new ApiError(400, 'request.bad_body', message, path ? { path } : {});
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** "YYYY-MM" of an instant in the programme's time zone. */
export function monthOf(nowMs) {
  return new Date(nowMs + UTC_OFFSET_MS).toISOString().slice(0, 7);
}

function readMonth(value, code = 'request.bad_body') {
  if (typeof value !== 'string' || !MONTH.test(value)) throw new ApiError(400, code, 'month 应为 YYYY-MM（如 2026-12）', { path: '/month' });
  return value;
}

function callOf(row) {
  return row ? { month: row.month, theme: row.theme, invitation: row.invitation, updatedAtMs: Number(row.updated_at_ms) } : null;
}

/** A pick as staff and patients see it; the words only while the story is approved. */
function pickOf(row) {
  if (!row) return null;
  const shown = row.status === 'approved';
  return {
    month: row.month,
    storyId: row.story_id,
    pickedAtMs: Number(row.picked_at_ms),
    author: row.display_name,
    ...(shown ? { title: row.title, story: row.story } : {}),
    published: shown,
  };
}

const PICK_SELECT = `SELECT k.month, k.story_id, k.picked_at_ms, s.title, s.story, s.status, p.display_name
  FROM story_month_picks k JOIN stories s ON s.id = k.story_id JOIN patients p ON p.id = k.patient_id`;

/** GET /staff/stories-month?month=: the call, the pick and the approved stories to pick from. */
export async function getStoriesMonth(client, ctx, query) {
  const month = query.month === undefined ? monthOf(ctx.nowMs()) : readMonth(query.month, 'request.bad_query');
  const call = (await client.query('SELECT * FROM story_month_calls WHERE month = $1', [month])).rows[0];
  const pick = (await client.query(`${PICK_SELECT} WHERE k.month = $1`, [month])).rows[0];
  const { rows } = await client.query(
    `SELECT s.id, s.title, s.story, s.decided_at_ms, p.display_name
       FROM stories s JOIN patients p ON p.id = s.patient_id
      WHERE s.status = 'approved' AND NOT EXISTS (SELECT 1 FROM story_month_picks k WHERE k.story_id = s.id)
      ORDER BY s.decided_at_ms DESC, s.id DESC LIMIT $1`,
    [CANDIDATES_LIMIT],
  );
  return {
    month,
    call: callOf(call),
    pick: pickOf(pick),
    candidates: rows.map((r) => ({ storyId: r.id, title: r.title, story: r.story, author: r.display_name, approvedAtMs: Number(r.decided_at_ms) })),
  };
}

/** PUT /staff/stories-month/call {month, theme, invitation}: the month's call, wording-checked by the core. */
export async function setStoriesMonthCall(client, ctx, staffId, body) {
  if (!isObject(body) || Object.keys(body).some((k) => !['month', 'theme', 'invitation'].includes(k))) throw bad('请求内容应为 {month, theme, invitation}');
  const month = readMonth(body.month);
  const text = (v, max, path, label) => {
    if (typeof v !== 'string' || v.trim() === '' || v.length > max || !v.isWellFormed()) throw bad(`${label}应为1–${max}个字`, path);
    return v.trim();
  };
  const theme = text(body.theme, 40, '/theme', '征集主题');
  const invitation = text(body.invitation, 300, '/invitation', '征集说明');
  for (const [value, path] of [[theme, '/theme'], [invitation, '/invitation']]) {
    const checked = ctx.core.call('moderateText', { text: value, context: 'story' });
    if (!checked.ok) throw new ApiError(422, checked.error.code, checked.error.message, { path });
    if (checked.value.verdict !== 'pass') {
      throw new ApiError(422, 'story_month.wording_flagged', `${checked.value.summary}：${checked.value.matches[0]?.explanation ?? ''}`, {
        path,
        matches: checked.value.matches.map(({ ruleId, category, categoryLabel, matchedText, severity, byteStart, byteEnd, utf16Start, utf16End, explanation }) => ({
          field: path, ruleId, category, categoryLabel, matchedText, severity, byteStart, byteEnd, utf16Start, utf16End, explanation,
        })),
      });
    }
  }
  const nowMs = ctx.nowMs();
  await client.query(
    `INSERT INTO story_month_calls (month, theme, invitation, updated_at_ms, updated_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (month) DO UPDATE SET theme = $2, invitation = $3, updated_at_ms = $4, updated_by = $5`,
    [month, theme, invitation, nowMs, staffId],
  );
  return { month, theme, invitation, updatedAtMs: nowMs };
}

/**
 * POST /staff/stories-month/pick {month, storyId}: the story of the month, an
 * approved story, once per month and once per story; its author holds the
 * 故事官 honour from now on.
 */
export async function pickStoryOfMonth(client, ctx, staffId, body) {
  if (!isObject(body) || Object.keys(body).some((k) => k !== 'month' && k !== 'storyId')) throw bad('请求内容应为 {month, storyId}');
  const month = readMonth(body.month);
  if (typeof body.storyId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(body.storyId)) throw bad('storyId 格式不对', '/storyId');
  const story = (await client.query('SELECT id, patient_id, status FROM stories WHERE id = $1 FOR UPDATE', [body.storyId])).rows[0];
  if (!story) throw new ApiError(404, 'story.not_found', '没有找到这篇故事');
  if (story.status !== 'approved') throw new ApiError(409, 'story_month.not_approved', '只能从审核通过的故事中评选');
  const taken = (await client.query('SELECT month, story_id FROM story_month_picks WHERE month = $1 OR story_id = $2', [month, body.storyId])).rows;
  if (taken.some((t) => t.month === month)) throw new ApiError(409, 'story_month.already_picked', `${month}的月度故事已经选定`);
  if (taken.length) throw new ApiError(409, 'story_month.story_already_picked', `这篇故事已是${taken[0].month}的月度故事`);
  const nowMs = ctx.nowMs();
  await client.query('INSERT INTO story_month_picks (month, story_id, patient_id, picked_at_ms, picked_by) VALUES ($1, $2, $3, $4, $5)', [
    month, story.id, story.patient_id, nowMs, staffId,
  ]);
  return { month, storyId: story.id, pickedAtMs: nowMs, honour: STORY_OFFICER_HONOUR.label };
}

/** GET /stories/month: this month's call and the latest story of the month (published ones only). */
export async function getMonthForPatients(client, ctx) {
  const month = monthOf(ctx.nowMs());
  const call = (await client.query('SELECT * FROM story_month_calls WHERE month = $1', [month])).rows[0];
  const pick = (await client.query(`${PICK_SELECT} WHERE k.month <= $1 AND s.status = 'approved' ORDER BY k.month DESC LIMIT 1`, [month])).rows[0];
  const shown = pickOf(pick);
  return {
    month,
    call: callOf(call),
    pick: shown ? { month: shown.month, title: shown.title, story: shown.story, author: shown.author } : null,
  };
}

/** GET /me/honours: the honours staff gave the signed-in patient (故事官 per month), newest first. */
export async function getMyHonours(client, patientId) {
  const { rows } = await client.query(
    `SELECT k.month, k.picked_at_ms, s.title, s.status FROM story_month_picks k JOIN stories s ON s.id = k.story_id
      WHERE k.patient_id = $1 ORDER BY k.month DESC`,
    [patientId],
  );
  return {
    honours: rows.map((r) => ({
      kind: STORY_OFFICER_HONOUR.kind,
      label: STORY_OFFICER_HONOUR.label,
      month: r.month,
      awardedAtMs: Number(r.picked_at_ms),
      ...(r.status === 'approved' ? { storyTitle: r.title } : {}),
    })),
  };
}

/**
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, ctx: object, guard: Function, send: Function}} deps
 */
export function registerStoriesMonthRoutes(api, { pool, ctx, guard, send }) {
  const query = (request) => Object.fromEntries(Object.entries(request.query ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
  const read = (path, role, run) =>
    api.get(path, { onRequest: guard(role, { mutation: false }) }, async (request, reply) =>
      send(reply, 200, await inTransaction(pool, (client) => run(client, request), { readOnly: true })),
    );
  read('/staff/stories-month', 'staff', (client, request) => getStoriesMonth(client, ctx, query(request)));
  read('/stories/month', 'patient', (client) => getMonthForPatients(client, ctx));
  read('/me/honours', 'patient', (client, request) => getMyHonours(client, request.who.subjectId));
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
  mutation('PUT', '/staff/stories-month/call', 'setStoriesMonthCall', (client, c, who, body) => setStoriesMonthCall(client, c, who.subjectId, body));
  mutation('POST', '/staff/stories-month/pick', 'pickStoryOfMonth', (client, c, who, body) => pickStoryOfMonth(client, c, who.subjectId, body));
}
