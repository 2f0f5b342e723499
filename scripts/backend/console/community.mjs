// The community part of the operations console (社群运营): member lists per
// group, twelve months of the health report, referral quality and risk flags.
// The server gathers the facts; the core (memberLists, communityHealthReport,
// referralQuality, riskFlags) judges them — in the shell for the figures on
// screen, here again before a flag may be marked reviewed. Staff reads and the
// review are written to the audit log by the auth hooks like every staff call.
//
// Consent (G9): a patient who withdrew 'community' has left the groups: they
// are on no member list and not on a waiting list; the reply says how many
// were left out, never who.
//
// Registrations and risk flags: the first request of a patient account records
// where it came from as a keyed hash of the client address (HMAC-SHA-256 with a
// per-database random salt, 16 hex digits), never the address itself
// (docs/trust.md). Only the keys' equality is ever used.

import { createHmac, randomBytes } from 'node:crypto';

import { inTransaction } from '../db.mjs';
import { ApiError, getCommunityReportInputs } from '../service.mjs';
import { DEMO_PATIENT_ID } from '../seed.mjs';

const MAX_NOTE = 200;
const TREND_MONTHS = 12;
/** Accounts this process remembers having recorded (the table is the record). */
const NOTED_MAX = 100_000;
const GROUP_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const COMMUNITY_CONSOLE_SCHEMA = `
-- The referrer's birth year: the age band of referral quality (a year only).
ALTER TABLE patients ADD COLUMN IF NOT EXISTS birth_year integer CHECK (birth_year BETWEEN 1900 AND 2199);

-- Members of each patient group, as the group's chat platform reports them
-- (joining, last message, last interaction of any kind). patient_id links a
-- member to the programme's patient when known (consent applies then).
CREATE TABLE IF NOT EXISTS community_group_members (
  group_id               text NOT NULL CHECK (group_id ~ '^[A-Za-z0-9_.:@-]{1,128}$'),
  member_id              text NOT NULL CHECK (member_id ~ '^[A-Za-z0-9_.:@-]{1,128}$'),
  patient_id             text REFERENCES patients (id) ON DELETE CASCADE,
  display_name           text NOT NULL DEFAULT '' CHECK (char_length(display_name) <= 64),
  role                   text NOT NULL DEFAULT 'patient' CHECK (role IN ('patient', 'doctor', 'nurse', 'service')),
  joined_at_ms           bigint NOT NULL CHECK (joined_at_ms >= 946684800000),
  last_message_at_ms     bigint CHECK (last_message_at_ms >= 946684800000),
  last_interaction_at_ms bigint CHECK (last_interaction_at_ms >= 946684800000),
  PRIMARY KEY (group_id, member_id)
);

-- People waiting for a place in a full group (first come, first served).
CREATE TABLE IF NOT EXISTS community_waiting_list (
  group_id        text NOT NULL CHECK (group_id ~ '^[A-Za-z0-9_.:@-]{1,128}$'),
  entry_id        text NOT NULL CHECK (entry_id ~ '^[A-Za-z0-9_.:@-]{1,128}$'),
  patient_id      text REFERENCES patients (id) ON DELETE CASCADE,
  display_name    text NOT NULL DEFAULT '' CHECK (char_length(display_name) <= 64),
  requested_at_ms bigint NOT NULL CHECK (requested_at_ms >= 946684800000),
  PRIMARY KEY (group_id, entry_id)
);

-- Where each patient account registered from: a keyed hash of the client
-- address, never the address (risk flags compare keys for equality only).
CREATE TABLE IF NOT EXISTS registration_sources (
  patient_id  text PRIMARY KEY REFERENCES patients (id) ON DELETE CASCADE,
  at_ms       bigint NOT NULL CHECK (at_ms >= 0),
  address_key text NOT NULL CHECK (address_key ~ '^[0-9a-f]{16}$')
);
CREATE INDEX IF NOT EXISTS registration_sources_key ON registration_sources (address_key, at_ms);

-- Staff reviews of risk flags: one row per review, never changed. A flag is
-- a question for a person; nothing else happens because of it.
CREATE TABLE IF NOT EXISTS risk_flag_reviews (
  id             bigserial PRIMARY KEY,
  flag_id        text NOT NULL CHECK (length(flag_id) BETWEEN 1 AND 400),
  note           text NOT NULL DEFAULT '' CHECK (char_length(note) <= ${MAX_NOTE}),
  reviewed_by    text NOT NULL CHECK (length(reviewed_by) BETWEEN 1 AND 128),
  reviewed_at_ms bigint NOT NULL CHECK (reviewed_at_ms >= 0)
);
CREATE INDEX IF NOT EXISTS risk_flag_reviews_flag ON risk_flag_reviews (flag_id, reviewed_at_ms);
`;

/** Creates the tables and the salt of the address keys (idempotent). */
export async function applyCommunityConsoleSchema(pool) {
  await pool.query(COMMUNITY_CONSOLE_SCHEMA);
  await pool.query("INSERT INTO schema_meta (name, value) VALUES ('registrationKeySalt', $1) ON CONFLICT (name) DO NOTHING", [
    randomBytes(32).toString('hex'),
  ]);
}

async function salt(client) {
  const { rows } = await client.query("SELECT value FROM schema_meta WHERE name = 'registrationKeySalt'");
  if (rows.length === 0) throw new Error('registrationKeySalt missing: applyCommunityConsoleSchema did not run');
  return rows[0].value;
}

/** The keyed hash of a client address (16 hex digits). */
export function addressKey(saltHex, address) {
  return createHmac('sha256', Buffer.from(saltHex, 'hex')).update(`address:${address}`).digest('hex').slice(0, 16);
}

// ---------------------------------------------------------------- queries

function one(query, name) {
  const v = query?.[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A group message the intake received (intake/intake.mjs, in its transaction):
 * its author is a member of that group and was active then. This is how the
 * member lists follow the real groups: the archive carries every message, so
 * the last message and interaction times stay current, and a member first seen
 * in a message counts as joined no later than that message. Ids the lists
 * cannot hold and times before 2000 are left out; a time after the server's
 * now counts as now. The archive does not say who is staff: every author is
 * listed with the default role (patient).
 */
export async function noteGroupActivity(client, { groupId, authorId, sentAtMs, nowMs }) {
  if (!GROUP_ID.test(groupId) || !GROUP_ID.test(authorId)) return;
  if (!Number.isSafeInteger(sentAtMs) || sentAtMs < 946_684_800_000) return;
  const at = Math.min(sentAtMs, nowMs);
  await client.query(
    `INSERT INTO community_group_members (group_id, member_id, display_name, joined_at_ms, last_message_at_ms, last_interaction_at_ms)
       VALUES ($1, $2, $3, $4, $4, $4)
     ON CONFLICT (group_id, member_id) DO UPDATE SET
       joined_at_ms = LEAST(community_group_members.joined_at_ms, EXCLUDED.joined_at_ms),
       last_message_at_ms = GREATEST(COALESCE(community_group_members.last_message_at_ms, 0), EXCLUDED.last_message_at_ms),
       last_interaction_at_ms = GREATEST(COALESCE(community_group_members.last_interaction_at_ms, 0), EXCLUDED.last_interaction_at_ms)`,
    [groupId, authorId, `群成员 …${authorId.slice(-4)}`, at],
  );
}

/** Members who withdrew the 'community' consent (G9) are out of every list. */
const WITHDRAWN = `EXISTS (SELECT 1 FROM consents c WHERE c.patient_id = %s AND c.purpose = 'community' AND NOT c.granted)`;

/** GET /staff/community/groups: the groups with member lists, named as in the health report. */
export async function listGroups(client) {
  const { rows } = await client.query(
    `SELECT m.group_id,
            COALESCE((SELECT g.name FROM community_groups g WHERE g.id = m.group_id ORDER BY g.month DESC LIMIT 1),
                     (SELECT i.name FROM intake_groups i WHERE i.group_id = m.group_id), m.group_id) AS name,
            count(*) FILTER (WHERE NOT ${WITHDRAWN.replace('%s', 'm.patient_id')})::int AS members
       FROM community_group_members m GROUP BY m.group_id ORDER BY m.group_id`,
  );
  return { groups: rows.map((r) => ({ id: r.group_id, name: r.name, members: r.members })) };
}

/** GET /staff/community/member-list-inputs?group=…: the core's memberLists request for one group. */
export async function getMemberListInputs(client, ctx, groupId) {
  if (typeof groupId !== 'string' || !GROUP_ID.test(groupId)) {
    throw new ApiError(400, 'request.bad_query', 'group 应为群编号', { path: '/group' });
  }
  const { groups } = await listGroups(client);
  const group = groups.find((g) => g.id === groupId);
  if (!group) throw new ApiError(404, 'community.unknown_group', '没有找到这个群');
  const members = await client.query(
    `SELECT m.*, ${WITHDRAWN.replace('%s', 'm.patient_id')} AS withdrawn FROM community_group_members m
      WHERE m.group_id = $1 ORDER BY m.member_id`,
    [groupId],
  );
  const waiting = await client.query(
    `SELECT w.*, ${WITHDRAWN.replace('%s', 'w.patient_id')} AS withdrawn FROM community_waiting_list w
      WHERE w.group_id = $1 ORDER BY w.requested_at_ms, w.entry_id`,
    [groupId],
  );
  const kept = members.rows.filter((m) => !m.withdrawn);
  const keptWaiting = waiting.rows.filter((w) => !w.withdrawn);
  return {
    request: {
      nowMs: ctx.nowMs(),
      clock: 'server',
      group: { id: groupId, name: group.name },
      members: kept.map((m) => ({
        id: m.member_id,
        displayName: m.display_name,
        role: m.role,
        joinedAtMs: Number(m.joined_at_ms),
        ...(m.last_message_at_ms !== null ? { lastMessageAtMs: Number(m.last_message_at_ms) } : {}),
        ...(m.last_interaction_at_ms !== null ? { lastInteractionAtMs: Number(m.last_interaction_at_ms) } : {}),
      })),
      waitingList: keptWaiting.map((w) => ({ id: w.entry_id, displayName: w.display_name, requestedAtMs: Number(w.requested_at_ms) })),
    },
    withdrawn: members.rows.length - kept.length + (waiting.rows.length - keptWaiting.length),
  };
}

/** The twelve months ending with `month`, oldest first. */
export function trendMonths(month) {
  const m = MONTH.exec(month);
  let year = Number(m[1]);
  let mon = Number(m[2]);
  const out = [];
  for (let i = 0; i < TREND_MONTHS; i += 1) {
    out.unshift(`${year}-${String(mon).padStart(2, '0')}`);
    mon -= 1;
    if (mon === 0) {
      mon = 12;
      year -= 1;
    }
  }
  return out;
}

function readMonth(query, ctx) {
  const month = one(query, 'month') ?? new Date(ctx.nowMs() + 8 * 3_600_000).toISOString().slice(0, 7);
  if (typeof month !== 'string' || !MONTH.test(month) || Number(month.slice(0, 4)) < 2000 || Number(month.slice(0, 4)) > 2199) {
    throw new ApiError(400, 'request.bad_query', 'month 应为 YYYY-MM（2000-01 到 2199-12）', { path: '/month' });
  }
  return month;
}

/** GET /staff/community/report-trend?month=…: the report's inputs for the 12 months ending with `month`. */
export async function getReportTrendInputs(client, ctx, query) {
  const month = readMonth(query, ctx);
  const months = [];
  for (const m of trendMonths(month)) months.push(await getCommunityReportInputs(client, m));
  return { month, months };
}

/** Referral records as the core reads them (the hospital's full facts: staff see every step). */
async function referralRecords(client) {
  const { rows } = await client.query(
    `SELECT id, referrer_id, referee_id, invited_at_ms, registration_confirmed_at_ms, arrival_confirmed_at_ms,
            conversion_confirmed_at_ms, complaint_at_ms FROM referrals ORDER BY invited_at_ms, id`,
  );
  const stamp = (v) => (Number(v) > 0 ? Number(v) : undefined);
  return rows.map((r) => ({
    id: r.id,
    referrerId: r.referrer_id,
    refereeId: r.referee_id,
    invitedAtMs: Number(r.invited_at_ms),
    registeredAtMs: stamp(r.registration_confirmed_at_ms),
    arrivedAtMs: stamp(r.arrival_confirmed_at_ms),
    convertedAtMs: stamp(r.conversion_confirmed_at_ms),
    voidedAtMs: stamp(r.complaint_at_ms),
  }));
}

/** GET /staff/community/referral-quality-inputs?from=…&to=…: the core's referralQuality request. */
export async function getReferralQualityInputs(client, ctx, query) {
  const period = {};
  for (const key of ['from', 'to']) {
    const v = one(query, key);
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string' || !DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
      throw new ApiError(400, 'request.bad_query', `${key} 应为 YYYY-MM-DD 日期`, { path: `/${key}` });
    }
    period[key] = v;
  }
  if (period.from && period.to && period.from > period.to) {
    throw new ApiError(400, 'request.bad_query', '开始日期不能晚于结束日期', { path: '/from' });
  }
  const referrals = await referralRecords(client);
  const { rows } = await client.query(
    `SELECT p.id, p.birth_year FROM patients p WHERE EXISTS (SELECT 1 FROM referrals r WHERE r.referrer_id = p.id) ORDER BY p.id`,
  );
  return {
    nowMs: ctx.nowMs(),
    ...(Object.keys(period).length ? { period } : {}),
    referrers: rows.map((r) => ({ id: r.id, ...(r.birth_year !== null ? { birthYear: r.birth_year } : {}) })),
    referrals: referrals.map((r) => Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined))),
  };
}

/** GET /staff/community/risk-flag-inputs: the core's riskFlags request. */
export async function getRiskFlagInputs(client, ctx) {
  const sources = await client.query('SELECT patient_id, at_ms, address_key FROM registration_sources ORDER BY at_ms, patient_id');
  const reviews = await client.query('SELECT flag_id, note, reviewed_by, reviewed_at_ms FROM risk_flag_reviews ORDER BY reviewed_at_ms, id');
  const referrals = await referralRecords(client);
  return {
    nowMs: ctx.nowMs(),
    registrations: sources.rows.map((s) => ({ patientId: s.patient_id, atMs: Number(s.at_ms), addressKey: s.address_key })),
    referrals: referrals.map((r) => ({
      id: r.id,
      referrerId: r.referrerId,
      refereeId: r.refereeId,
      invitedAtMs: r.invitedAtMs,
      ...(r.voidedAtMs ? { voidedAtMs: r.voidedAtMs } : {}),
    })),
    reviews: reviews.rows.map((v) => ({ flagId: v.flag_id, reviewedAtMs: Number(v.reviewed_at_ms), reviewedBy: v.reviewed_by, note: v.note })),
  };
}

/**
 * POST /staff/community/risk-flags/review {flagId, note?}: marks a flag the
 * core raises now as reviewed. Unknown (or no longer raised): 404
 * risk.unknown_flag; reviewed already: 409 risk.already_reviewed.
 */
export async function reviewRiskFlag(client, ctx, staffId, body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiError(400, 'request.bad_body', '请求内容应为 {flagId, note?}');
  const unknown = Object.keys(body).find((k) => !['flagId', 'note'].includes(k));
  if (unknown) throw new ApiError(400, 'request.bad_body', `含有未知字段 ${unknown.slice(0, 64)}`, { path: `/${unknown.slice(0, 64)}` });
  if (typeof body.flagId !== 'string' || body.flagId.length < 1 || body.flagId.length > 400) {
    throw new ApiError(400, 'request.bad_body', 'flagId 应为风险提示编号', { path: '/flagId' });
  }
  const note = body.note ?? '';
  if (typeof note !== 'string' || [...note].length > MAX_NOTE || note.includes('\u0000')) {
    throw new ApiError(400, 'request.bad_body', `复核说明最多${MAX_NOTE}个字`, { path: '/note' });
  }
  // One review at a time: the flags and the insert see the same facts.
  await client.query("SELECT pg_advisory_xact_lock(hashtext('carecircle.risk-reviews'))");
  const envelope = ctx.core.call('riskFlags', await getRiskFlagInputs(client, ctx));
  if (!envelope.ok) throw new ApiError(500, envelope.error.code, envelope.error.message);
  const flag = envelope.value.flags.find((f) => f.id === body.flagId);
  if (!flag) throw new ApiError(404, 'risk.unknown_flag', '没有找到这条风险提示（可能数据已变化），请刷新后再试');
  if (flag.status === 'reviewed') throw new ApiError(409, 'risk.already_reviewed', '这条风险提示已经复核过了');
  const nowMs = ctx.nowMs();
  await client.query('INSERT INTO risk_flag_reviews (flag_id, note, reviewed_by, reviewed_at_ms) VALUES ($1, $2, $3, $4)', [
    flag.id,
    note,
    staffId,
    nowMs,
  ]);
  return { flagId: flag.id, status: 'reviewed', reviewedAtMs: nowMs, reviewedBy: staffId, note };
}

/** Records a patient account's registration source once (its first request after this server knew it). */
async function noteRegistration(pool, patientId, address) {
  const client = await pool.connect();
  try {
    const key = addressKey(await salt(client), address);
    await client.query(
      `INSERT INTO registration_sources (patient_id, at_ms, address_key)
       SELECT id, (extract(epoch FROM created_at) * 1000)::bigint, $2 FROM patients WHERE id = $1 AND NOT is_staff
       ON CONFLICT (patient_id) DO NOTHING`,
      [patientId, key],
    );
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------- routes

export const COMMUNITY_CONSOLE_ROUTES = Object.freeze([
  { method: 'GET', path: '/staff/community/groups' },
  { method: 'GET', path: '/staff/community/member-list-inputs' },
  { method: 'GET', path: '/staff/community/report-trend' },
  { method: 'GET', path: '/staff/community/referral-quality-inputs' },
  { method: 'GET', path: '/staff/community/risk-flag-inputs' },
  { method: 'POST', path: '/staff/community/risk-flags/review' },
]);

export { COMMUNITY_STAFF_OPERATIONS } from './community-policy.mjs';

/**
 * @param {import('fastify').FastifyInstance} api  the /api/v1 scope
 * @param {{pool: import('pg').Pool, ctx: object, guard: Function, send: Function}} deps
 */
export function registerCommunityConsoleRoutes(api, { pool, ctx, guard, send }) {
  const read = (fn) => async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => fn(client, request.query ?? {}), { readOnly: true }));
  const staff = { onRequest: guard('staff', { mutation: false }) };
  api.get('/staff/community/groups', staff, read((client) => listGroups(client)));
  api.get('/staff/community/member-list-inputs', staff, read((client, q) => getMemberListInputs(client, ctx, one(q, 'group'))));
  api.get('/staff/community/report-trend', staff, read((client, q) => getReportTrendInputs(client, ctx, q)));
  api.get('/staff/community/referral-quality-inputs', staff, read((client, q) => getReferralQualityInputs(client, ctx, q)));
  api.get('/staff/community/risk-flag-inputs', staff, read((client) => getRiskFlagInputs(client, ctx)));
  api.post('/staff/community/risk-flags/review', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => reviewRiskFlag(client, ctx, request.who.subjectId, request.body), { retryConflicts: true })),
  );

  // A patient's first answered request records where the account came from.
  const noted = new Set();
  api.addHook('onResponse', async (request, reply) => {
    const who = request.who;
    if (!who || who.role !== 'patient' || reply.statusCode >= 400 || noted.has(who.subjectId)) return;
    // A memo of accounts already recorded, not a record: forgetting it costs one idempotent insert each.
    if (noted.size >= NOTED_MAX) noted.clear();
    noted.add(who.subjectId);
    const address = request.ip ?? request.raw?.socket?.remoteAddress;
    if (!address) return;
    await noteRegistration(pool, who.subjectId, address).catch(() => noted.delete(who.subjectId));
  });
}

// ---------------------------------------------------------------- demo data

/** Synthetic members of the demo groups (演示), deterministic per day. */
function demoMembers(groupId, count, nowMs) {
  const day = 86_400_000;
  let seed = [...groupId].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) >>> 0;
    return seed / 4_294_967_296;
  };
  const surnames = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
  const rows = [];
  for (let i = 0; i < count; i += 1) {
    const joinedDaysAgo = 20 + Math.floor(random() * 400);
    const joined = nowMs - joinedDaysAgo * day;
    const kind = random();
    // about 1 in 6 silent for 3+ months, 1 in 12 without any interaction for 6+ months
    const lastMessageDaysAgo = kind < 0.08 ? null : kind < 0.17 ? Math.min(joinedDaysAgo, 95 + Math.floor(random() * 60)) : Math.floor(random() * 60);
    const lastInteractionDaysAgo = kind < 0.08 && joinedDaysAgo > 190 ? null : Math.floor(random() * (kind < 0.17 ? 80 : 30));
    rows.push({
      memberId: `${groupId}-m${String(i + 1).padStart(3, '0')}`,
      displayName: `演示病友 ${surnames[i % surnames.length]}*`,
      role: i === 0 ? 'doctor' : i === 1 ? 'nurse' : i === 2 ? 'service' : 'patient',
      joined,
      lastMessage: lastMessageDaysAgo === null ? null : nowMs - Math.min(lastMessageDaysAgo, joinedDaysAgo) * day,
      lastInteraction: lastInteractionDaysAgo === null ? null : nowMs - Math.min(lastInteractionDaysAgo, joinedDaysAgo) * day,
    });
  }
  return rows;
}

/**
 * Seeds the demo's member lists, eleven earlier months of the groups' figures
 * (the health report's trend), birth years of the demo referrers and the
 * registration sources of the demo friends. Synthetic (演示), once per database.
 */
export async function seedCommunityConsoleDemo(pool, nowMs) {
  await inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('carecircle.seed.community-console'))");
    const done = await client.query("SELECT 1 FROM schema_meta WHERE name = 'communityConsoleSeeded'");
    if (done.rowCount > 0) return;
    const month = new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 7);
    const current = await client.query('SELECT * FROM community_groups WHERE month = $1 ORDER BY id', [month]);
    const months = trendMonths(month).slice(0, -1);
    for (const [k, g] of current.rows.entries()) {
      for (const [i, m] of months.entries()) {
        // A smooth synthetic history: activity and members grow toward today.
        const factor = 0.55 + (0.45 * (i + 1)) / months.length + 0.06 * Math.sin(i + k);
        const days = new Date(Date.UTC(Number(m.slice(0, 4)), Number(m.slice(5, 7)), 0)).getUTCDate();
        const daily = Array.from({ length: days }, (_, d) => Math.max(0, Math.round((g.daily_messages[d % g.daily_messages.length] ?? 0) * factor)));
        const scale = (v) => Math.max(0, Math.round(v * factor));
        const revisit = g.revisit ? { members: scale(g.revisit.members), revisitedWithin60Days: Math.min(scale(g.revisit.members), scale(g.revisit.revisitedWithin60Days)) } : null;
        const quarter = g.quarter_new_members
          ? { total: scale(g.quarter_new_members.total), referredByMembers: Math.min(scale(g.quarter_new_members.total), scale(g.quarter_new_members.referredByMembers)) }
          : null;
        await client.query(
          `INSERT INTO community_groups (month, id, name, member_count, daily_messages, revisit, quarter_new_members, community_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
          [m, g.id, g.name, scale(g.member_count), JSON.stringify(daily), revisit && JSON.stringify(revisit), quarter && JSON.stringify(quarter), g.community_id],
        );
      }
      // Members: the group's figure; the diabetes group is full (200) so its waiting list waits.
      const count = g.id === 'demo-g03' ? 200 : Math.min(200, g.member_count);
      for (const m of demoMembers(g.id, count, nowMs)) {
        await client.query(
          `INSERT INTO community_group_members (group_id, member_id, display_name, role, joined_at_ms, last_message_at_ms, last_interaction_at_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
          [g.id, m.memberId, m.displayName, m.role, m.joined, m.lastMessage, m.lastInteraction],
        );
      }
      for (let w = 1; w <= 3; w += 1) {
        await client.query(
          `INSERT INTO community_waiting_list (group_id, entry_id, display_name, requested_at_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [g.id, `${g.id}-w${w}`, `演示候补 ${'郑冯陈'[w - 1]}*`, nowMs - (10 - w) * 86_400_000],
        );
      }
    }
    // The demo patient is in the thyroid group (withdrawing 'community' takes them off its lists).
    await client.query(
      `INSERT INTO community_group_members (group_id, member_id, patient_id, display_name, role, joined_at_ms, last_message_at_ms)
       SELECT 'demo-g01', 'demo-member-self', id, display_name, 'patient', $1, $2 FROM patients WHERE id = $3 ON CONFLICT DO NOTHING`,
      [nowMs - 300 * 86_400_000, nowMs - 120 * 86_400_000, DEMO_PATIENT_ID],
    );
    // Birth years of the demo's referrers (synthetic).
    const years = { [DEMO_PATIENT_ID]: 1958, 'demo-pt-li': 1986, 'demo-pt-sun': 1972 };
    for (const [id, year] of Object.entries(years)) await client.query('UPDATE patients SET birth_year = $2 WHERE id = $1', [id, year]);
    // Five demo friends registered from one address within an afternoon (a risk flag to review).
    const key = addressKey(await salt(client), 'demo-shared-address');
    const friends = await client.query("SELECT id FROM patients WHERE demo AND id LIKE 'demo-pt-%' ORDER BY id LIMIT 5");
    for (const [i, f] of friends.rows.entries()) {
      await client.query('INSERT INTO registration_sources (patient_id, at_ms, address_key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        f.id,
        nowMs - 3 * 86_400_000 + i * 40 * 60_000,
        key,
      ]);
    }
    await client.query("INSERT INTO schema_meta (name, value) VALUES ('communityConsoleSeeded', $1)", [String(nowMs)]);
  });
}
