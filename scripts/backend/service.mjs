// The reference backend's operations: reads that assemble the core's inputs
// from PostgreSQL, and mutations that re-check every change with the SAME core
// (build/wasm/core.mjs, loaded in Node) before storing it.
//
// No rule lives here. The server asks the core — recordCheckIn,
// evaluateStreak, evaluateEligibility, checkReferralCode — and stores what the
// core accepts; when the core rejects, the mutation is rejected with the
// core's own error code. What must never break under concurrency (one key,
// one referrer, one redemption, a quota never oversold) is enforced by the
// schema (schema.sql); this file maps those constraint violations to stable
// error codes.
//
// Every function takes a pg client inside a transaction opened by the caller
// (server.mjs) and a context {core, nowMs()}.

import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkClinicalMoment } from '../../web/lib/clinical-moments.js';
import { resolveClaimChannel, spendClaimToken } from './loops/channels.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORE_MODULE = join(REPO, 'build', 'wasm', 'core.mjs');

/** The core exports the server calls; startup fails clearly without them. */
export const SERVER_CORE_EXPORTS = Object.freeze([
  'coreVersion',
  'recordCheckIn',
  'evaluateStreak',
  'evaluateEligibility',
  'validateCampaigns',
  'makeReferralCode',
  'checkReferralCode',
  'layoutPoster',
  'mayShowInvitePrompt',
  'myReferralTree',
  'recoveryList',
  'makeChannelToken',
  'checkChannelClaim',
  'assessKoc',
]);

/**
 * A rejection the client must not retry as is. Stored under the request's
 * Idempotency-Key: a replay gets the same answer.
 */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status (4xx)
   * @param {string} code   stable `<module>.<reason>` code (the core's own when the core rejected)
   * @param {string} message Chinese, for the patient
   * @param {object} [extra] e.g. {path}
   */
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }

  toBody() {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

/** Loads build/wasm/core.mjs once: `{version, call(name, request) → envelope}`. */
export async function loadServerCore(modulePath = CORE_MODULE) {
  let factory;
  try {
    ({ default: factory } = await import(modulePath));
  } catch (error) {
    throw new Error(`cannot load the core (${modulePath}): ${error.message} — run npm run build first`);
  }
  const module = await factory();
  const missing = SERVER_CORE_EXPORTS.filter((name) => typeof module[name] !== 'function');
  if (missing.length) throw new Error(`the core lacks exports the server needs: ${missing.join(', ')}`);
  return Object.freeze({
    version: String(module.coreVersion()),
    call(name, request) {
      return JSON.parse(module[name](JSON.stringify(request)));
    },
  });
}

function coreRejects(envelope) {
  const { code, message, path } = envelope.error;
  return new ApiError(422, code, message, path ? { path } : {});
}

function badBody(message, path) {
  return new ApiError(400, 'request.bad_body', message, path ? { path } : {});
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// ------------------------------------------------------------------ reads

/** Locks the patient's row for the rest of the transaction (serialises their mutations). */
export async function lockPatient(client, patientId) {
  const { rows } = await client.query('SELECT id FROM patients WHERE id = $1 FOR UPDATE', [patientId]);
  if (rows.length === 0) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
}

export async function getProfile(client, patientId) {
  const { rows } = await client.query(
    `SELECT p.id, p.display_name, p.demo, p.referral_code, c.name, c.action_title, c.action_steps
       FROM patients p LEFT JOIN communities c ON c.id = p.community_id WHERE p.id = $1`,
    [patientId],
  );
  if (rows.length === 0) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
  const r = rows[0];
  return {
    patientId: r.id,
    displayName: r.display_name,
    demo: r.demo,
    referralCode: r.referral_code,
    community: r.name ? { name: r.name, actionTitle: r.action_title, actionSteps: r.action_steps } : null,
  };
}

/** StreakInputs (web/backend/backend.js): keys the server does not know are omitted. */
export async function getStreakInputs(client, patientId) {
  const head = await client.query(
    `SELECT p.start_date, c.streak_config FROM patients p LEFT JOIN communities c ON c.id = p.community_id WHERE p.id = $1`,
    [patientId],
  );
  if (head.rows.length === 0) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
  // One client runs one query at a time: sequential.
  const checkIns = await client.query(
    'SELECT id, patient_id, at_ms, seq, kind, for_date FROM check_ins WHERE patient_id = $1 ORDER BY seq, id',
    [patientId],
  );
  const restDays = await client.query('SELECT day FROM rest_days WHERE patient_id = $1 ORDER BY day', [patientId]);
  const granted = await client.query(
    'SELECT rule_id, from_date, to_date FROM granted_milestones WHERE patient_id = $1 ORDER BY key',
    [patientId],
  );
  const { start_date: startDate, streak_config: config } = head.rows[0];
  return {
    ...(startDate ? { startDate } : {}),
    ...(config ? { config } : {}),
    checkIns: checkIns.rows.map((r) => ({
      id: r.id,
      patientId: r.patient_id,
      atMs: r.at_ms,
      seq: r.seq,
      kind: r.kind,
      ...(r.for_date ? { forDate: r.for_date } : {}),
    })),
    restDays: restDays.rows.map((r) => r.day),
    granted: granted.rows.map((r) => ({ ruleId: r.rule_id, fromDate: r.from_date, toDate: r.to_date })),
  };
}

function referralFacts(r) {
  return {
    id: r.id,
    referrerId: r.referrer_id,
    refereeId: r.referee_id,
    level: 1,
    channel: r.channel,
    refereeIsNewPatient: r.referee_is_new_patient,
    refereeIsInpatient: r.referee_is_inpatient,
    referrerIsMember: r.referrer_is_member,
    registrationConfirmedAtMs: r.registration_confirmed_at_ms,
    arrivalConfirmedAtMs: r.arrival_confirmed_at_ms,
    conversionConfirmedAtMs: r.conversion_confirmed_at_ms,
    admissionConfirmedAtMs: r.admission_confirmed_at_ms,
    dischargeConfirmedAtMs: r.discharge_confirmed_at_ms,
    complaintAtMs: r.complaint_at_ms,
  };
}

export async function getCampaigns(client) {
  const { rows } = await client.query('SELECT config FROM campaigns ORDER BY position');
  return rows.map((r) => r.config);
}

const EVENT_FACTS = Object.freeze({
  registrationConfirmed: 'registrationConfirmedAtMs',
  arrivalConfirmed: 'arrivalConfirmedAtMs',
  conversionConfirmed: 'conversionConfirmedAtMs',
  admissionConfirmed: 'admissionConfirmedAtMs',
  dischargeConfirmed: 'dischargeConfirmedAtMs',
});

/**
 * EligibilityInputs as sent to the patient's device (GET /eligibility-inputs):
 * the server's own facts (getEligibilityInputs) minimised first (G7). On a
 * referral where the caller is the REFERRER and the friend has not consented
 * to share their progress, the friend's hospital events are sent only where
 * one of the hospital's campaigns rewards that event (its `referral.trigger`:
 * the referrer's own reward depends on it), every other stage instant and the
 * complaint instant as 0 (not known). The server's decisions (issueRewards,
 * redeemVoucher) keep using every fact.
 */
export async function getEligibilityInputsForDevice(client, patientId, ctx = null) {
  const inputs = await getEligibilityInputs(client, patientId);
  const triggers = new Set(inputs.campaigns.map((c) => c?.referral?.trigger).filter((t) => Object.hasOwn(EVENT_FACTS, t)));
  const consent = await client.query('SELECT id, consent_to_share_progress FROM referrals WHERE referrer_id = $1', [patientId]);
  const consented = new Map(consent.rows.map((r) => [r.id, r.consent_to_share_progress]));
  inputs.referrals = inputs.referrals.map((r) => {
    if (r.referrerId !== patientId || consented.get(r.id) === true) return r;
    const kept = { ...r, complaintAtMs: 0 };
    for (const [event, fact] of Object.entries(EVENT_FACTS)) if (!triggers.has(event)) kept[fact] = 0;
    return kept;
  });
  // Each friend who shares their progress (G7) named as the referral tree names
  // them, masked here by the core (no full name leaves the server): the wallet's
  // reasons say whom they are about. A friend without that consent stays
  // unnamed there, as in the inbox ("一位朋友"): a reason such as "already a
  // patient here" would otherwise tell the referrer something about them.
  const friends = inputs.referrals.filter((r) => r.referrerId === patientId && consented.get(r.id) === true).map((r) => r.refereeId);
  if (ctx && friends.length > 0) {
    const named = await client.query('SELECT id, name FROM patients WHERE id = ANY($1::text[]) ORDER BY id', [friends]);
    const masked = maskedNames(ctx, patientId, named.rows.filter((p) => p.name));
    inputs.referrals = inputs.referrals.map((r) =>
      r.referrerId === patientId && consented.get(r.id) === true && masked.has(r.refereeId) ? { ...r, refereeName: masked.get(r.refereeId) } : r,
    );
  }
  return inputs;
}

/** EligibilityInputs (web/backend/backend.js) for one patient: every fact the server holds (its own decisions). */
export async function getEligibilityInputs(client, patientId) {
  const patient = await client.query('SELECT id, is_staff, is_community_member FROM patients WHERE id = $1', [patientId]);
  if (patient.rows.length === 0) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
  // Sequential on purpose: one client runs one query at a time anyway.
  const campaigns = await getCampaigns(client);
  const referrals = await client.query(
    'SELECT * FROM referrals WHERE referrer_id = $1 OR referee_id = $1 ORDER BY id',
    [patientId],
  );
  const issued = await client.query(
    `SELECT grant_key, campaign_id, title, status, issued_at_ms, used_at_ms FROM issued_rewards
      WHERE patient_id = $1 ORDER BY grant_key`,
    [patientId],
  );
  const counters = await client.query('SELECT campaign_id, grants, spent_fen FROM campaign_counters ORDER BY campaign_id');
  const pools = await client.query('SELECT campaign_id, pool_id, month, used FROM quota_counters ORDER BY campaign_id, pool_id, month');
  const p = patient.rows[0];
  return {
    campaigns,
    patient: { id: p.id, isStaff: p.is_staff, isCommunityMember: p.is_community_member },
    referrals: referrals.rows.map(referralFacts),
    issued: issued.rows.map((r) => ({
      grantKey: r.grant_key,
      campaignId: r.campaign_id,
      title: r.title,
      status: r.status,
      issuedAtMs: r.issued_at_ms,
      ...(r.used_at_ms ? { usedAtMs: r.used_at_ms } : {}),
    })),
    counters: counters.rows.map((r) => ({ campaignId: r.campaign_id, grants: r.grants, spentFen: r.spent_fen })),
    pools: pools.rows.map((r) => ({ campaignId: r.campaign_id, poolId: r.pool_id, month: r.month, used: r.used })),
  };
}

function graphRecord(r, { detailed }) {
  const record = {
    id: r.id,
    referrerId: r.referrer_id,
    refereeId: r.referee_id,
    invitedAtMs: r.invited_at_ms,
    consentToShareProgress: r.consent_to_share_progress,
  };
  if (r.registration_confirmed_at_ms) record.registeredAtMs = r.registration_confirmed_at_ms;
  if (r.vested_at_ms) record.vestedAtMs = r.vested_at_ms;
  if (r.reward_title) record.rewardTitle = r.reward_title;
  if (r.complaint_at_ms) record.voidedAtMs = r.complaint_at_ms;
  if (detailed) {
    if (r.arrival_confirmed_at_ms) record.arrivedAtMs = r.arrival_confirmed_at_ms;
    if (r.conversion_confirmed_at_ms) record.convertedAtMs = r.conversion_confirmed_at_ms;
  }
  return record;
}

const GRAPH_COLUMNS = `r.*,
  (SELECT min(i.issued_at_ms) FROM issued_rewards i WHERE i.referral_id = r.id AND i.patient_id = r.referrer_id) AS vested_at_ms,
  (SELECT i.title FROM issued_rewards i WHERE i.referral_id = r.id AND i.patient_id = r.referrer_id
    ORDER BY i.issued_at_ms, i.grant_key LIMIT 1) AS reward_title`;

/**
 * The patient's subtree, three levels deep (G6), minimised before it leaves
 * the server (the client is advisory, docs/compliance.md): level 1 with names (the
 * core masks them) and detailed stages only where the referee consented (G7);
 * levels 2–3 as opaque ids with no name and no stage beyond the invitation,
 * enough for the core's anonymous counts.
 */
export async function getReferralGraph(client, ctx, patientId) {
  const { rows } = await client.query(
    `WITH RECURSIVE sub AS (
       SELECT r.id, r.referee_id, 1 AS depth FROM referrals r WHERE r.referrer_id = $1
       UNION ALL
       SELECT r.id, r.referee_id, sub.depth + 1 FROM referrals r JOIN sub ON r.referrer_id = sub.referee_id
        WHERE sub.depth < 3)
     SELECT ${GRAPH_COLUMNS}, sub.depth FROM sub JOIN referrals r ON r.id = sub.id ORDER BY sub.depth, r.id`,
    [patientId],
  );
  const opaque = new Map([[patientId, patientId]]);
  const alias = (id) => {
    if (!opaque.has(id)) opaque.set(id, `anon-${opaque.size}`);
    return opaque.get(id);
  };
  const records = [];
  const levelOne = [];
  for (const r of rows) {
    if (r.depth === 1) {
      opaque.set(r.referee_id, r.referee_id);
      levelOne.push(r.referee_id);
      records.push(graphRecord(r, { detailed: r.consent_to_share_progress }));
    } else {
      records.push({ id: `anon-r-${records.length}`, referrerId: alias(r.referrer_id), refereeId: alias(r.referee_id), invitedAtMs: r.invited_at_ms });
    }
  }
  // The caller's own referrer, as an opaque id and nothing else: the core then
  // knows the patient has one (summary.hasReferrer) and 填写好友的推荐码 is hidden.
  const incoming = await client.query('SELECT invited_at_ms FROM referrals WHERE referee_id = $1 ORDER BY invited_at_ms LIMIT 1', [patientId]);
  for (const r of incoming.rows) {
    records.push({ id: 'anon-r-referrer', referrerId: 'anon-referrer', refereeId: patientId, invitedAtMs: r.invited_at_ms });
  }
  const names = await client.query('SELECT id, name, first_visit_at_ms FROM patients WHERE id = ANY($1::text[]) ORDER BY id', [
    [patientId, ...levelOne],
  ]);
  const masked = maskedNames(ctx, patientId, names.rows.filter((p) => p.id !== patientId && p.name));
  const patients = names.rows.map((p) => ({
    id: p.id,
    ...(masked.has(p.id) ? { name: masked.get(p.id) } : {}),
    ...(p.first_visit_at_ms ? { firstVisitAtMs: p.first_visit_at_ms } : {}),
  }));
  return { records, patients };
}

/**
 * Full names of the caller's level-1 friends as the core masks them (李晓芳 →
 * 李*芳), by patient id: the core's own myReferralTree on the names alone, so
 * no full name leaves the server and the shell's core, masking again, shows
 * the same label (masking a masked name changes nothing).
 */
function maskedNames(ctx, patientId, people) {
  if (people.length === 0) return new Map();
  const envelope = ctx.core.call('myReferralTree', {
    nowMs: ctx.nowMs(),
    patientId,
    records: people.map((p, i) => ({ id: `m${i}`, referrerId: patientId, refereeId: p.id, invitedAtMs: 1, consentToShareProgress: false })),
    patients: people.map((p) => ({ id: p.id, name: p.name })),
  });
  if (!envelope.ok) throw coreRejects(envelope);
  const byRecord = new Map(envelope.value.friends.map((f) => [f.recordId, f.maskedName]));
  return new Map(people.map((p, i) => [p.id, byRecord.get(`m${i}`)]).filter(([, name]) => typeof name === 'string' && name !== ''));
}

/** Staff: the whole hospital forest (every record, every stage). */
export async function getHospitalForest(client) {
  const { rows } = await client.query(`SELECT ${GRAPH_COLUMNS} FROM referrals r ORDER BY r.id`);
  const people = await client.query(
    'SELECT id, name, first_visit_at_ms FROM patients WHERE id IN (SELECT referrer_id FROM referrals UNION SELECT referee_id FROM referrals) ORDER BY id',
  );
  return {
    records: rows.map((r) => graphRecord(r, { detailed: true })),
    patients: people.rows.map((p) => ({
      id: p.id,
      ...(p.name ? { name: p.name } : {}),
      ...(p.first_visit_at_ms ? { firstVisitAtMs: p.first_visit_at_ms } : {}),
    })),
  };
}

/** Staff: the month's figures of the hospital's groups (communityHealthReport input). */
export async function getCommunityReportInputs(client, month) {
  // A group linked to a community no longer counts the members who withdrew
  // the 'community' consent (G9) by the end of the report's month.
  const { rows } = await client.query(
    `SELECT g.*, (SELECT count(*)::int FROM patients p JOIN consents c ON c.patient_id = p.id
                    WHERE p.community_id = g.community_id AND p.is_community_member
                      AND c.purpose = 'community' AND NOT c.granted
                      AND to_char(to_timestamp(c.updated_at_ms / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM') <= g.month) AS left_members
       FROM community_groups g WHERE g.month = $1 ORDER BY g.id`,
    [month],
  );
  return {
    month,
    groups: rows.map((g) => ({
      id: g.id,
      name: g.name,
      memberCount: Math.max(0, g.member_count - g.left_members),
      dailyMessages: g.daily_messages,
      ...(g.revisit ? { revisit: g.revisit } : {}),
      ...(g.quarter_new_members ? { quarterNewMembers: g.quarter_new_members } : {}),
    })),
  };
}

// ------------------------------------------------------------------ core runs

function evaluateStreakFor(ctx, patientId, inputs) {
  const envelope = ctx.core.call('evaluateStreak', { nowMs: ctx.nowMs(), clock: 'server', patientId, ...inputs });
  if (!envelope.ok) throw coreRejects(envelope);
  return envelope.value;
}

/** The streak report and the eligibility report of one patient, on the server's facts and clock. */
export async function evaluateFor(client, ctx, patientId) {
  const streak = evaluateStreakFor(ctx, patientId, await getStreakInputs(client, patientId));
  const inputs = await getEligibilityInputs(client, patientId);
  const envelope = ctx.core.call('evaluateEligibility', {
    nowMs: ctx.nowMs(),
    ...inputs,
    milestones: streak.milestones.map(({ key, ruleId }) => ({ key, ruleId })),
  });
  if (!envelope.ok) throw coreRejects(envelope);
  return { streak, eligibility: envelope.value, campaigns: inputs.campaigns };
}

// ------------------------------------------------------------------ mutations

const CHECK_IN_KEYS = new Set(['id', 'patientId', 'atMs', 'seq', 'kind', 'forDate']);

const DAY_MS = 86_400_000;

/**
 * What a check-in that arrives late may prove (docs/trust.md). The core
 * decides whether a record counts for its day on the history it is given; the
 * server decides which records it believes were made when they say:
 *   - nothing before enrolment: neither a check-in stamped before the
 *     patient's enrolment instant nor a make-up for a day before the
 *     enrolment day;
 *   - nothing older than LATE_GRACE_MS before the patient's last contact with
 *     the server before the current stretch of activity (contact_before_ms,
 *     noteContact): a device in contact then would have delivered anything it
 *     had recorded earlier;
 *   - at most one per civil day: the core's own duplicate_day.
 */
export const LATE_GRACE_MS = 2 * DAY_MS;
/** Requests further apart than this start a new stretch of activity (the device was away). */
export const CONTACT_GAP_MS = 10 * 60_000;
/** last_seen_at_ms is written at most this often per patient. */
const CONTACT_WRITE_EVERY_MS = 60_000;

/** The civil date of `ms` at `offsetMinutes` from UTC. */
function civilDate(ms, offsetMinutes) {
  return new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, 10);
}

/**
 * Records that the patient reached the server now. When the previous request
 * is more than CONTACT_GAP_MS ago, the device was away: that previous request
 * becomes contact_before_ms, the bound late check-ins are judged against until
 * the next gap. Written at most once a minute per patient.
 */
export async function noteContact(pool, patientId, nowMs) {
  await pool.query(
    `UPDATE patients
        SET contact_before_ms = CASE WHEN last_seen_at_ms IS NOT NULL AND $2::bigint - last_seen_at_ms > $3::bigint
                                     THEN last_seen_at_ms ELSE contact_before_ms END,
            last_seen_at_ms = $2::bigint
      WHERE id = $1 AND (last_seen_at_ms IS NULL OR last_seen_at_ms < $2::bigint - $4::bigint)`,
    [patientId, nowMs, CONTACT_GAP_MS, CONTACT_WRITE_EVERY_MS],
  );
}

/** Why the server does not believe a check-in the core would accept, or null. */
async function lateCheckInRefusal(client, patientId, record, config) {
  const { rows } = await client.query(
    `SELECT (extract(epoch FROM created_at) * 1000)::bigint AS created_ms, first_visit_at_ms, contact_before_ms
       FROM patients WHERE id = $1`,
    [patientId],
  );
  const p = rows[0];
  const enrolledAtMs = Math.min(p.created_ms, p.first_visit_at_ms ?? Infinity);
  const offset = Number.isInteger(config?.utcOffsetMinutes) ? config.utcOffsetMinutes : 480;
  if (record.atMs < enrolledAtMs || (record.kind === 'makeUp' && record.forDate < civilDate(enrolledAtMs, offset))) {
    return new ApiError(422, 'checkin.before_enrolment', '加入康复计划之前的日子不能打卡或补打卡', {
      enrolledAtMs,
    });
  }
  if (p.contact_before_ms !== null && record.atMs < p.contact_before_ms - LATE_GRACE_MS) {
    return new ApiError(422, 'checkin.unprovable_day', '这条打卡比上次联网早太多，服务器无法确认当天已打卡', {
      earliestAtMs: p.contact_before_ms - LATE_GRACE_MS,
    });
  }
  return null;
}

/**
 * saveCheckIn: re-runs recordCheckIn on the server's stored history and clock.
 * Stores the record only when the core says "accepted"; "unchanged" (the day
 * already counts, or the same record again) stores nothing; a core error
 * rejects the mutation with the core's code.
 */
export async function saveCheckIn(client, ctx, patientId, body) {
  if (!isObject(body)) throw badBody('请求内容应为一条打卡记录');
  for (const key of ['id', 'patientId', 'atMs', 'seq', 'kind']) {
    if (!(key in body)) throw badBody(`打卡记录缺少 ${key}`, `/${key}`);
  }
  const unknown = Object.keys(body).find((k) => !CHECK_IN_KEYS.has(k));
  if (unknown) throw badBody(`打卡记录含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  await lockPatient(client, patientId);
  const inputs = await getStreakInputs(client, patientId);
  const envelope = ctx.core.call('recordCheckIn', {
    nowMs: ctx.nowMs(),
    clock: 'server',
    patientId,
    ...inputs,
    checkIn: body,
  });
  if (!envelope.ok) throw coreRejects(envelope);
  const { outcome, code, message, date } = envelope.value;
  // Consent 'rehabData' answered no (G9): the check-in counts on the device,
  // the server keeps nothing of it.
  if (outcome === 'accepted' && (await consentRefused(client, patientId, 'rehabData'))) {
    return { outcome, code, message, date, storedOnServer: false };
  }
  if (outcome === 'accepted') {
    const refusal = await lateCheckInRefusal(client, patientId, body, inputs.config);
    if (refusal) throw refusal;
    const stored = await client.query(
      `INSERT INTO check_ins (id, patient_id, at_ms, seq, kind, for_date) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [body.id, patientId, body.atMs, body.seq, body.kind, body.forDate ?? null],
    );
    // The core saw this patient's history only: the id belongs to someone else.
    if (stored.rowCount === 0) throw new ApiError(409, 'streak.duplicate_id', '这条打卡记录的编号已被使用');
  }
  return { outcome, code, message, date };
}

/**
 * deleteCheckIns: deletes every check-in the server stored for the patient
 * (offered once 'rehabData' is withdrawn, G9; allowed at any time). Rewards
 * already granted for a streak stay granted.
 */
export async function deleteCheckIns(client, ctx, patientId, body) {
  if (!isObject(body) || Object.keys(body).length !== 0) throw badBody('请求内容应为 {}');
  await lockPatient(client, patientId);
  const { rowCount } = await client.query('DELETE FROM check_ins WHERE patient_id = $1', [patientId]);
  return { deleted: rowCount };
}

function constraintOf(error) {
  return error && typeof error === 'object' && 'code' in error ? { sqlstate: error.code, name: error.constraint } : {};
}

/**
 * issueRewards: re-runs evaluateEligibility on the server's facts; issues a
 * requested grant only if the core reports it "issuable" there, then takes
 * its place in the schema's counters (quota, budget), each grant under its
 * own savepoint so one refusal does not undo the others.
 */
export async function issueRewards(client, ctx, patientId, body) {
  if (!isObject(body) || !Array.isArray(body.grants)) throw badBody('请求内容应为 {grants: […]}', '/grants');
  if (body.grants.length > 200) throw badBody('一次最多申请200项奖励', '/grants');
  for (const [i, g] of body.grants.entries()) {
    if (!isObject(g) || typeof g.key !== 'string' || typeof g.campaignId !== 'string') {
      throw badBody('奖励缺少 key 或 campaignId', `/grants/${i}`);
    }
  }
  await lockPatient(client, patientId);
  const { eligibility, campaigns } = await evaluateFor(client, ctx, patientId);
  const found = new Map();
  for (const c of eligibility.campaigns) for (const g of c.grants) found.set(`${c.campaignId}\u0000${g.key}`, g);
  const configs = new Map(campaigns.map((c) => [c.id, c]));
  const month = eligibility.today.slice(0, 7);
  const issued = [];
  const rejected = [];
  const seen = new Set();
  for (const requested of body.grants) {
    const id = `${requested.campaignId}\u0000${requested.key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const grant = found.get(id);
    if (!grant) {
      rejected.push({ key: requested.key, code: 'eligibility.unknown_grant', message: '服务器没有找到这项奖励' });
      continue;
    }
    if (grant.state === 'issued') continue; // idempotent
    if (grant.state !== 'issuable') {
      const reason = grant.reasons?.[0];
      rejected.push({ key: grant.key, code: reason?.code ?? 'eligibility.not_issuable', message: reason?.message ?? '这项奖励现在还不能发放' });
      continue;
    }
    const refusal = await issueOne(client, ctx, patientId, requested.campaignId, grant, configs.get(requested.campaignId), month);
    if (refusal) rejected.push({ key: grant.key, ...refusal });
    else issued.push(grant.key);
  }
  return { issued, rejected };
}

async function issueOne(client, ctx, patientId, campaignId, grant, config, month) {
  const { reward } = grant;
  await client.query('SAVEPOINT grant_issue');
  try {
    const row = await client.query(
      `INSERT INTO issued_rewards (patient_id, grant_key, referral_id, campaign_id, title, value_fen, quantity, status, issued_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'issued', $8) ON CONFLICT DO NOTHING RETURNING grant_key`,
      [patientId, grant.key, grant.referralId || null, campaignId, reward.title, reward.valueFen, reward.quantity, ctx.nowMs()],
    );
    if (row.rowCount === 0) {
      await client.query('RELEASE SAVEPOINT grant_issue');
      return { code: 'eligibility.already_issued', message: '这项奖励已经发放' };
    }
    // Monthly quota: the atomic counter decides, not the snapshot the core saw.
    const pool = config?.type === 'monthlyQuota' ? (config.pools ?? []).find((p) => p.reward?.id === reward.id) : undefined;
    if (pool) {
      await client.query(
        `INSERT INTO quota_counters (campaign_id, pool_id, month, size, used) VALUES ($1, $2, $3, $4, 0)
         ON CONFLICT DO NOTHING`,
        [campaignId, pool.id, month, pool.size],
      );
      const taken = await client.query(
        `UPDATE quota_counters SET used = used + 1
          WHERE campaign_id = $1 AND pool_id = $2 AND month = $3 AND used < size RETURNING used`,
        [campaignId, pool.id, month],
      );
      if (taken.rowCount === 0) {
        await client.query('ROLLBACK TO SAVEPOINT grant_issue');
        return { code: 'eligibility.quota_exhausted', message: `${reward.title}本月名额已领完` };
      }
    }
    await client.query(
      `INSERT INTO campaign_counters (campaign_id, grants, spent_fen, budget_fen) VALUES ($1, 1, $2, $3)
       ON CONFLICT (campaign_id) DO UPDATE SET grants = campaign_counters.grants + 1,
                                               spent_fen = campaign_counters.spent_fen + EXCLUDED.spent_fen`,
      [campaignId, reward.valueFen * reward.quantity, config?.budgetFen ?? null],
    );
    await client.query('RELEASE SAVEPOINT grant_issue');
    return null;
  } catch (error) {
    const { sqlstate, name } = constraintOf(error);
    if (sqlstate === '23514' && name === 'campaign_counters_within_budget') {
      await client.query('ROLLBACK TO SAVEPOINT grant_issue');
      return { code: 'eligibility.budget_exhausted', message: '本期活动预算已用完' };
    }
    throw error;
  }
}

/**
 * claimReferral: the referee enters a referrer's code (G8: nobody types a
 * third party's name or phone). The core checks the code's check symbol; the
 * schema enforces one referrer per referee, no self-referral and no cycle.
 */
export async function claimReferral(client, ctx, refereeId, body) {
  if (!isObject(body) || typeof body.code !== 'string') throw badBody('请求内容应为 {code, channel}', '/code');
  const checked = ctx.core.call('checkReferralCode', { code: body.code });
  if (!checked.ok) throw coreRejects(checked);
  // Locks in one fixed order: the referral graph's lock first (the no-cycle
  // trigger takes it too), then the referee's row. Two patients claiming
  // each other's codes at once queue on the first instead of deadlocking on
  // each other's rows.
  await client.query("SELECT pg_advisory_xact_lock(hashtext('carecircle.referrals'))");
  await lockPatient(client, refereeId);
  // Staff have no referral code anyone may join with (G15): theirs is unknown here, as in lookupReferralCode.
  const referrer = await client.query('SELECT id, is_community_member FROM patients WHERE referral_code = $1 AND NOT is_staff', [
    checked.value.code,
  ]);
  if (referrer.rowCount === 0) throw new ApiError(404, 'referral.unknown_code', '没有找到这个推荐码，请核对后再输入');
  // The channel is the one the core finds proven: a letter or card only with its issued token (loops/channels.mjs).
  const via = await resolveClaimChannel(client, ctx, body);
  const referee = await client.query('SELECT is_new_patient FROM patients WHERE id = $1', [refereeId]);
  const id = `rf-${randomBytes(9).toString('base64url')}`;
  const invitedAtMs = ctx.nowMs();
  await client.query('SAVEPOINT referral_claim');
  try {
    await client.query(
      `INSERT INTO referrals (id, referrer_id, referee_id, channel, referee_is_new_patient, referrer_is_member, invited_at_ms,
                              consent_to_share_progress)
       VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE(
         (SELECT granted FROM consents WHERE patient_id = $3 AND purpose = 'shareProgressWithReferrer'), false))`,
      [id, referrer.rows[0].id, refereeId, via.channel, referee.rows[0].is_new_patient, referrer.rows[0].is_community_member, invitedAtMs],
    );
    await spendClaimToken(client, ctx, via, id);
  } catch (error) {
    const { sqlstate, name } = constraintOf(error);
    await client.query('ROLLBACK TO SAVEPOINT referral_claim');
    if (sqlstate === '23505' && name === 'referrals_one_referrer_per_referee') {
      throw new ApiError(409, 'referral.duplicate_referee', '您已经接受过一位朋友的推荐，每人只能有一位推荐人');
    }
    if (sqlstate === '23514' && name === 'referrals_no_self_referral') {
      throw new ApiError(409, 'referral.self_referral', '不能使用自己的推荐码');
    }
    if (sqlstate === '23514' && name === 'referrals_no_cycle') {
      throw new ApiError(409, 'referral.cycle', '这位朋友是经您推荐来的，不能再推荐您');
    }
    throw error;
  }
  return { referralId: id, invitedAtMs };
}

/**
 * lookupReferralCode: who invites the caller, for the friend's join screen
 * (好友邀请). The core checks the code (check symbol, forgiving reading); the
 * reply names the referrer only by their display name, which is masked when
 * it is stored (王*), never the full name, a phone or a diagnosis. Codes are
 * unguessable (60 random bits), so this is no directory of patients. Staff
 * have no referral code that anyone could join with (G15).
 */
export async function lookupReferralCode(client, ctx, patientId, code) {
  if (typeof code !== 'string') throw new ApiError(400, 'request.bad_query', '缺少推荐码 code', { path: '/code' });
  const checked = ctx.core.call('checkReferralCode', { code });
  if (!checked.ok) throw coreRejects(checked);
  const { rows } = await client.query('SELECT id, display_name FROM patients WHERE referral_code = $1 AND NOT is_staff', [
    checked.value.code,
  ]);
  if (rows.length === 0) throw new ApiError(404, 'referral.unknown_code', '没有找到这个推荐码，请核对后再输入');
  return {
    code: checked.value.code,
    display: checked.value.display,
    referrerName: rows[0].display_name,
    ownCode: rows[0].id === patientId,
  };
}

/** Consent purposes (web/backend/backend.js ConsentPurpose; schema.sql CHECKs the same list). */
export const CONSENT_PURPOSES = Object.freeze(['community', 'rehabData', 'stories', 'shareProgressWithReferrer', 'referralPrompts']);

/** The patient's consents (G9): one entry per purpose answered, none for a purpose never answered. */
export async function getConsents(client, patientId) {
  const { rows } = await client.query(
    'SELECT purpose, granted, updated_at_ms FROM consents WHERE patient_id = $1 ORDER BY purpose',
    [patientId],
  );
  return { consents: rows.map((r) => ({ purpose: r.purpose, granted: r.granted, updatedAtMs: r.updated_at_ms })) };
}

/**
 * setConsent: grants or withdraws one purpose (the last answer delivered
 * wins). Withdrawing `shareProgressWithReferrer` hides the patient's detailed
 * stage from their referrer from the next read on (G7): the referral row
 * carries the flag the referral graph reads.
 */
export async function setConsent(client, ctx, patientId, body) {
  if (!isObject(body)) throw badBody('请求内容应为 {purpose, granted}');
  const unknown = Object.keys(body).find((k) => k !== 'purpose' && k !== 'granted');
  if (unknown) throw badBody(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  if (!CONSENT_PURPOSES.includes(body.purpose)) throw badBody(`purpose 应为 ${CONSENT_PURPOSES.join(' / ')}`, '/purpose');
  if (typeof body.granted !== 'boolean') throw badBody('granted 应为 true 或 false', '/granted');
  await lockPatient(client, patientId);
  const updatedAtMs = ctx.nowMs();
  await client.query(
    `INSERT INTO consents (patient_id, purpose, granted, updated_at_ms) VALUES ($1, $2, $3, $4)
     ON CONFLICT (patient_id, purpose) DO UPDATE SET granted = EXCLUDED.granted, updated_at_ms = EXCLUDED.updated_at_ms`,
    [patientId, body.purpose, body.granted, updatedAtMs],
  );
  if (body.purpose === 'shareProgressWithReferrer') {
    await client.query('UPDATE referrals SET consent_to_share_progress = $2 WHERE referee_id = $1', [patientId, body.granted]);
  }
  if (body.purpose === 'stories' && !body.granted) await withdrawStories(client, patientId, updatedAtMs);
  return { consent: { purpose: body.purpose, granted: body.granted, updatedAtMs } };
}

// ------------------------------------------------------------------ stories

const STORY_KEYS = new Set(['title', 'story']);

/** Stories of one patient waiting for review at once; one more is 429 story.too_many_pending. */
export const MAX_PENDING_STORIES = 5;
/** Longest title and story, in characters (Unicode code points). */
export const MAX_STORY_TITLE_CHARS = 100;
export const MAX_STORY_CHARS = 5_000;
/** Stories per page of the staff review queue (GET /staff/stories). */
export const STAFF_STORIES_PAGE = 50;

/** Whether the patient answered "no" to `purpose` (refused or withdrew; never answered is not "no"). */
async function consentRefused(client, patientId, purpose) {
  const { rows } = await client.query('SELECT granted FROM consents WHERE patient_id = $1 AND purpose = $2', [patientId, purpose]);
  return rows.length === 1 && rows[0].granted === false;
}

/** Whether the patient's latest answer for `purpose` is "granted" (never answered: not granted). */
async function consentGranted(client, patientId, purpose) {
  const { rows } = await client.query('SELECT granted FROM consents WHERE patient_id = $1 AND purpose = $2', [patientId, purpose]);
  return rows.length === 1 && rows[0].granted === true;
}

/**
 * The core's wording check of a story: layoutPoster with the storyPoster
 * template, the very call the shell made. Throws the core's own refusal
 * (poster.wording_flagged with its spans, poster.forbidden_field for a link,
 * input.* for sizes) as a 422.
 */
function checkStoryWording(ctx, title, story) {
  const checked = ctx.core.call('layoutPoster', { template: 'storyPoster', data: { title, story } });
  if (!checked.ok) {
    const { code, message, path, matches } = checked.error;
    throw new ApiError(422, code, message, { ...(path ? { path } : {}), ...(matches ? { matches } : {}) });
  }
}

/**
 * submitStory: a patient story for the hospital's review (病友故事官). Stored
 * as pending only (a) with the patient's separate 'stories' consent (G9) and
 * (b) when the core's wording check passes (checkStoryWording). Nothing is
 * published here: staff review it (GET /staff/stories, decideStory);
 * withdrawing the consent withdraws it (setConsent).
 */
export async function submitStory(client, ctx, patientId, body) {
  if (!isObject(body)) throw badBody('请求内容应为 {title, story}');
  const unknown = Object.keys(body).find((k) => !STORY_KEYS.has(k));
  if (unknown) throw badBody(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  if (typeof body.title !== 'string') throw badBody('缺少标题 title', '/title');
  if (typeof body.story !== 'string') throw badBody('缺少故事 story', '/story');
  if ([...body.title].length > MAX_STORY_TITLE_CHARS) throw badBody(`标题最多${MAX_STORY_TITLE_CHARS}个字`, '/title');
  if ([...body.story].length > MAX_STORY_CHARS) throw badBody(`故事最多${MAX_STORY_CHARS}个字`, '/story');
  await lockPatient(client, patientId);
  if (!(await consentGranted(client, patientId, 'stories'))) {
    throw new ApiError(409, 'story.consent_required', '发布故事需要您单独同意。不同意不影响您的任何诊疗和服务。');
  }
  const pending = await client.query("SELECT count(*)::int AS n FROM stories WHERE patient_id = $1 AND status = 'pending'", [patientId]);
  if (pending.rows[0].n >= MAX_PENDING_STORIES) {
    throw new ApiError(429, 'story.too_many_pending', `您已有${MAX_PENDING_STORIES}篇故事在审核中，请等审核后再提交`);
  }
  checkStoryWording(ctx, body.title, body.story);
  const id = `st-${randomBytes(9).toString('base64url')}`;
  const submittedAtMs = ctx.nowMs();
  await client.query(
    `INSERT INTO stories (id, patient_id, title, story, status, submitted_at_ms) VALUES ($1, $2, $3, $4, 'pending', $5)`,
    [id, patientId, body.title, body.story, submittedAtMs],
  );
  return { storyId: id, status: 'pending', submittedAtMs };
}

/**
 * Withdrawn consent (G9): every story still pending is withdrawn and every
 * approved one unpublished (withdrawn), their words deleted; a rejected story
 * keeps its decision and loses its words.
 */
async function withdrawStories(client, patientId, atMs) {
  await client.query(
    `UPDATE stories SET status = 'withdrawn', withdrawn_at_ms = $2, title = NULL, story = NULL
      WHERE patient_id = $1 AND status IN ('pending', 'approved')`,
    [patientId, atMs],
  );
  await client.query(
    `UPDATE stories SET title = NULL, story = NULL WHERE patient_id = $1 AND status = 'rejected' AND title IS NOT NULL`,
    [patientId],
  );
}

/** The staff queue's cursor: the last story of a page (its turn, submission instant and id) in base64url. */
function encodeQueueCursor(turn, submittedAtMs, id) {
  return Buffer.from(`${turn}:${submittedAtMs}:${id}`, 'utf8').toString('base64url');
}

function decodeQueueCursor(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{4,160}$/.test(text)) return null;
  const match = /^(\d{1,6}):(\d{1,16}):([A-Za-z0-9_.:-]{1,64})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return null;
  const cursor = { turn: Number(match[1]), submittedAtMs: Number(match[2]), id: match[3] };
  return encodeQueueCursor(cursor.turn, cursor.submittedAtMs, cursor.id) === text ? cursor : null;
}

/**
 * Staff: the stories waiting for review, STAFF_STORIES_PAGE a page, with the
 * author's display name (already masked, 王*) — never the full name. Grouped
 * by patient so that no one author fills the queue: every author's oldest
 * pending story comes first (oldest first), then every author's second, and
 * so on (`turn` 1, 2, …); `pendingByAuthor` says how many each author has
 * waiting. `before` (the previous page's nextCursor) continues after it.
 * Staff check each one with the core's moderateText (context "story") on the
 * workbench.
 */
export async function getPendingStories(client, before = null) {
  let after = null;
  if (before !== null) {
    after = decodeQueueCursor(before);
    if (!after) throw new ApiError(400, 'request.bad_query', 'before 应为上一页返回的 nextCursor', { path: '/before' });
  }
  const { rows } = await client.query(
    `WITH queue AS (
       SELECT s.id, s.title, s.story, s.submitted_at_ms, p.display_name,
              row_number() OVER (PARTITION BY s.patient_id ORDER BY s.submitted_at_ms, s.id)::int AS turn,
              count(*) OVER (PARTITION BY s.patient_id)::int AS pending
         FROM stories s JOIN patients p ON p.id = s.patient_id
        WHERE s.status = 'pending')
     SELECT * FROM queue
      WHERE $1::int IS NULL OR (turn, submitted_at_ms, id) > ($1::int, $2::bigint, $3::text)
      ORDER BY turn, submitted_at_ms, id
      LIMIT $4`,
    [after?.turn ?? null, after?.submittedAtMs ?? null, after?.id ?? null, STAFF_STORIES_PAGE + 1],
  );
  const page = rows.slice(0, STAFF_STORIES_PAGE);
  const last = page[page.length - 1];
  return {
    stories: page.map((r) => ({
      id: r.id,
      authorName: r.display_name,
      title: r.title,
      story: r.story,
      submittedAtMs: r.submitted_at_ms,
      pendingByAuthor: r.pending,
    })),
    ...(rows.length > STAFF_STORIES_PAGE ? { nextCursor: encodeQueueCursor(last.turn, last.submitted_at_ms, last.id) } : {}),
  };
}

/**
 * The signed-in patient's own stories, newest first (我的故事): what became of
 * each — pending, approved, rejected with its reason code, withdrawn. The
 * title only (the patient's own words), none once deleted; never the story
 * text, the reviewer or anything about other patients.
 */
export async function getMyStories(client, patientId) {
  const { rows } = await client.query(
    `SELECT id, title, status, submitted_at_ms, decided_at_ms, withdrawn_at_ms, reject_reason FROM stories
      WHERE patient_id = $1 ORDER BY submitted_at_ms DESC, id DESC LIMIT 100`,
    [patientId],
  );
  return {
    stories: rows.map((r) => ({
      id: r.id,
      ...(r.title !== null ? { title: r.title } : {}),
      status: r.status,
      submittedAtMs: r.submitted_at_ms,
      ...(r.decided_at_ms !== null ? { decidedAtMs: r.decided_at_ms } : {}),
      ...(r.withdrawn_at_ms !== null ? { withdrawnAtMs: r.withdrawn_at_ms } : {}),
      ...(r.reject_reason !== null ? { reason: r.reject_reason } : {}),
    })),
  };
}

/** Stories per page of GET /community/stories (病友故事). */
export const COMMUNITY_STORIES_PAGE = 20;

/**
 * The opaque cursor of GET /community/stories: the last story of a page
 * (approval instant and id, the feed's sort key) in base64url. Opaque to the
 * client, which only sends it back as `before`; it names no patient.
 */
function encodeStoryCursor(approvedAtMs, id) {
  return Buffer.from(`${approvedAtMs}:${id}`, 'utf8').toString('base64url');
}

/** The cursor's sort key, or null when `text` is not a cursor this server made. */
function decodeStoryCursor(text) {
  if (!/^[A-Za-z0-9_-]{4,128}$/.test(text)) return null;
  const match = /^(\d{1,16}):([A-Za-z0-9_.:-]{1,64})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (!match) return null;
  const approvedAtMs = Number(match[1]);
  if (!Number.isSafeInteger(approvedAtMs)) return null;
  // Canonical only: one cursor per position (no padding, no stray bits).
  return encodeStoryCursor(approvedAtMs, match[2]) === text ? { approvedAtMs, id: match[2] } : null;
}

/**
 * 病友故事: the approved stories of the caller's community (the authors'
 * community_id is the caller's), newest approval first, COMMUNITY_STORIES_PAGE
 * per page; `before` (the previous page's nextCursor) continues after it. Each
 * story by its author's display name, already masked when it was stored (王*)
 * — the same label the staff queue and the join screen show, never the full
 * name or the patient id — and `mine` for the caller's own. Only what is
 * approved now: a pending or rejected story never appears, and a withdrawn
 * one (the author withdrew the 'stories' consent, G9) is gone from the next
 * read on. A caller who is not a member of a community gets
 * 403 community.not_member; a cursor this server did not make,
 * 400 request.bad_query.
 * @param {import('pg').PoolClient} client
 * @param {string} patientId the caller
 * @param {string | null} before the `before` query parameter as sent (null: absent)
 */
export async function getCommunityStories(client, patientId, before) {
  let after = null;
  if (before !== null) {
    after = decodeStoryCursor(before);
    if (!after) throw new ApiError(400, 'request.bad_query', 'before 应为上一页返回的 nextCursor', { path: '/before' });
  }
  const me = await client.query('SELECT community_id, is_community_member FROM patients WHERE id = $1', [patientId]);
  if (me.rows.length === 0) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
  const { community_id: communityId, is_community_member: member } = me.rows[0];
  if (!member || communityId === null) {
    throw new ApiError(403, 'community.not_member', '加入病友社群后可以阅读病友故事');
  }
  // 'community' withdrawn (G9): out of the group's reading, and out of its feed.
  if (await consentRefused(client, patientId, 'community')) {
    throw new ApiError(403, 'community.consent_withdrawn', '您已退出病友社群互动，重新同意「加入病种社群」后可以阅读病友故事');
  }
  const { rows } = await client.query(
    `SELECT s.id, s.title, s.story, s.decided_at_ms, s.patient_id = $1 AS mine, p.display_name
       FROM stories s JOIN patients p ON p.id = s.patient_id
      WHERE s.status = 'approved' AND p.community_id = $2
        AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.patient_id = s.patient_id AND c.purpose = 'community' AND NOT c.granted)
        AND ($3::bigint IS NULL OR (s.decided_at_ms, s.id) < ($3::bigint, $4::text))
      ORDER BY s.decided_at_ms DESC, s.id DESC
      LIMIT $5`,
    [patientId, communityId, after?.approvedAtMs ?? null, after?.id ?? null, COMMUNITY_STORIES_PAGE + 1],
  );
  const page = rows.slice(0, COMMUNITY_STORIES_PAGE);
  const last = page[page.length - 1];
  return {
    stories: page.map((r) => ({
      id: r.id,
      title: r.title,
      story: r.story,
      author: r.display_name,
      approvedAtMs: r.decided_at_ms,
      mine: r.mine,
    })),
    ...(rows.length > COMMUNITY_STORIES_PAGE ? { nextCursor: encodeStoryCursor(last.decided_at_ms, last.id) } : {}),
  };
}

/**
 * Why staff return a story (退回), as codes; the shell shows them in Chinese
 * (web/backend/backend.js STORY_REJECT_REASON_LABELS). schema.sql CHECKs the
 * same list (stories_reason_known).
 */
export const STORY_REJECT_REASONS = Object.freeze(['medical_claim', 'personal_data', 'off_topic', 'other']);

/** A staff decision and the status it leads to. */
const STORY_DECISIONS = Object.freeze({ approve: 'approved', reject: 'rejected' });
const DECISION_KEYS = new Set(['storyId', 'decision', 'reason']);
const STORY_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

const NOT_PENDING_MESSAGES = Object.freeze({
  approved: '这篇故事已经审核通过，不能再次审核',
  rejected: '这篇故事已经退回，不能再次审核',
  withdrawn: '作者已撤回发布同意，这篇故事已撤回',
});

function notPending(status) {
  return new ApiError(409, 'story.not_pending', NOT_PENDING_MESSAGES[status] ?? '这篇故事已不在待审核列表中', { status });
}

/**
 * Staff: approve (通过) or reject (退回, with a reason code) one pending
 * story. The story's row is locked and the transition is
 * UPDATE … WHERE status = 'pending': of two decisions, or a decision and the
 * author's withdrawal, exactly one wins; the other gets 409 story.not_pending
 * (a withdrawal committed after an approval unpublishes it, G9). Approval runs
 * the core's wording check again on the stored words (G11) and refuses with
 * the core's own code; a rejection needs no check. Unknown id: 404
 * story.not_found.
 */
export async function decideStory(client, ctx, staffId, body) {
  if (!isObject(body)) throw badBody('请求内容应为 {storyId, decision, reason?}');
  const unknown = Object.keys(body).find((k) => !DECISION_KEYS.has(k));
  if (unknown) throw badBody(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  if (typeof body.storyId !== 'string' || !STORY_ID.test(body.storyId)) throw badBody('storyId 应为故事编号', '/storyId');
  if (!Object.hasOwn(STORY_DECISIONS, body.decision)) throw badBody('decision 应为 approve（通过）或 reject（退回）', '/decision');
  if (body.decision === 'reject' && !STORY_REJECT_REASONS.includes(body.reason)) {
    throw badBody(`退回需要选择原因 reason：${STORY_REJECT_REASONS.join(' / ')}`, '/reason');
  }
  if (body.decision === 'approve' && 'reason' in body) throw badBody('通过时不填退回原因 reason', '/reason');
  const { rows } = await client.query('SELECT status, title, story FROM stories WHERE id = $1 FOR UPDATE', [body.storyId]);
  if (rows.length === 0) throw new ApiError(404, 'story.not_found', '没有找到这篇故事');
  if (rows[0].status !== 'pending') throw notPending(rows[0].status);
  if (body.decision === 'approve') checkStoryWording(ctx, rows[0].title, rows[0].story);
  const status = STORY_DECISIONS[body.decision];
  const reason = body.decision === 'reject' ? body.reason : null;
  const decidedAtMs = ctx.nowMs();
  const updated = await client.query(
    `UPDATE stories SET status = $2, decided_at_ms = $3, decided_by = $4, reject_reason = $5
      WHERE id = $1 AND status = 'pending' RETURNING id`,
    [body.storyId, status, decidedAtMs, staffId, reason],
  );
  // Under the row lock this cannot miss; the WHERE keeps the transition atomic all the same.
  if (updated.rowCount === 0) throw notPending((await client.query('SELECT status FROM stories WHERE id = $1', [body.storyId])).rows[0]?.status);
  return { storyId: body.storyId, status, decidedAtMs, ...(reason ? { reason } : {}) };
}

// ------------------------------------------------------------------ invite prompts (G17)

/**
 * The moments at which the shell may ask to show an "invite a friend"
 * prompt: none of them clinical (G17). A check-in just recorded is the only
 * one so far; a new moment is added here and in docs/api/openapi.yaml.
 */
export const INVITE_PROMPT_MOMENTS = Object.freeze(['checkInDone']);

/** The prompts already shown to the patient (mayShowInvitePrompt's shownAtMs). */
export async function getPromptHistory(client, patientId) {
  // Every referral contact counts toward the cap (G17): the prompts shown in
  // the app and the calls and messages staff logged (recordStaffTouch).
  const { rows } = await client.query(
    `SELECT shown_at_ms FROM invite_prompts WHERE patient_id = $1
     UNION ALL SELECT at_ms FROM staff_touches WHERE patient_id = $1
     ORDER BY 1`,
    [patientId],
  );
  return { shownAtMs: rows.map((r) => Number(r.shown_at_ms)), clinicalMoments: await getClinicalMoments(client, patientId) };
}

/**
 * The patient's clinical moments (mayShowInvitePrompt's clinicalMoments,
 * G17): those staff recorded, and the admissions and discharges the
 * hospital confirmed on the referral that brought the patient in.
 */
export async function getClinicalMoments(client, patientId) {
  const { rows } = await client.query(
    `SELECT kind, at_ms FROM clinical_moments WHERE patient_id = $1
     UNION ALL SELECT 'admission', admission_confirmed_at_ms FROM referrals WHERE referee_id = $1 AND admission_confirmed_at_ms > 0
     UNION ALL SELECT 'discharge', discharge_confirmed_at_ms FROM referrals WHERE referee_id = $1 AND discharge_confirmed_at_ms > 0
     ORDER BY 2, 1`,
    [patientId],
  );
  return rows.map((r) => ({ kind: r.kind, atMs: Number(r.at_ms) }));
}

function patientIdOf(body) {
  if (typeof body.patientId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(body.patientId)) throw badBody('patientId 无效', '/patientId');
  return body.patientId;
}

function instantOf(body, nowMs, { aheadMs, backMs }) {
  const atMs = body.atMs ?? nowMs;
  if (!Number.isSafeInteger(atMs) || atMs < nowMs - backMs || atMs > nowMs + aheadMs) {
    throw badBody('atMs 应为有效的毫秒时间戳，且在允许的范围内', '/atMs');
  }
  return atMs;
}

async function knownPatient(client, patientId) {
  const { rowCount } = await client.query('SELECT 1 FROM patients WHERE id = $1', [patientId]);
  if (rowCount === 0) throw new ApiError(404, 'patient.unknown', '没有找到这位患者');
}

/**
 * Staff: a clinical moment of a patient (admission, surgery, discharge, bad
 * news, a death in the family, a KOC sensitive case). From then on the core
 * refuses invite prompts during its window (G17). Dated up to 90 days ahead
 * (a planned surgery) or 7 days back.
 */
export async function recordClinicalMoment(client, ctx, staffId, body) {
  const nowMs = ctx.nowMs();
  const { patientId, kind, atMs } = checkClinicalMoment(body, nowMs, badBody);
  await knownPatient(client, patientId);
  await client.query(
    'INSERT INTO clinical_moments (patient_id, kind, at_ms, recorded_by, recorded_at_ms) VALUES ($1, $2, $3, $4, $5)',
    [patientId, kind, atMs, staffId, nowMs],
  );
  return { patientId, kind, atMs };
}

/** Channels of a staff touch outside the app. */
export const STAFF_TOUCH_CHANNELS = Object.freeze(['call', 'message']);

/**
 * Staff: a referral or recovery contact made outside the app (a call, a
 * message). It counts toward the patient's 3 contacts in 90 days like a
 * prompt shown in the app (G17). Dated at most 7 days back, never ahead.
 */
export async function recordStaffTouch(client, ctx, staffId, body) {
  if (!isObject(body)) throw badBody('请求内容应为 {patientId, channel, atMs?}');
  const unknown = Object.keys(body).find((k) => !['patientId', 'channel', 'atMs'].includes(k));
  if (unknown) throw badBody(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  const patientId = patientIdOf(body);
  if (!STAFF_TOUCH_CHANNELS.includes(body.channel)) throw badBody(`channel 应为 ${STAFF_TOUCH_CHANNELS.join(' / ')}`, '/channel');
  const nowMs = ctx.nowMs();
  const atMs = instantOf(body, nowMs, { aheadMs: 60_000, backMs: HOSPITAL_EVENT_BACKDATE_MS });
  await knownPatient(client, patientId);
  await client.query(
    'INSERT INTO staff_touches (patient_id, channel, at_ms, recorded_by, recorded_at_ms) VALUES ($1, $2, $3, $4, $5)',
    [patientId, body.channel, atMs, staffId, nowMs],
  );
  return { patientId, channel: body.channel, atMs };
}

/**
 * recordPromptShown: the shell is about to show an invite prompt. The server
 * asks the core on its own facts — the stored history with the staff touches,
 * the clinical moments (getClinicalMoments), the patient's opt-out
 * (consent 'referralPrompts' answered false), staff or not — with the
 * patient's row locked, and records the prompt only when the core allows it;
 * otherwise it refuses with the core's first reason (e.g.
 * eligibility.prompt_cap_reached: a 4th prompt in 90 days).
 */
export async function recordPromptShown(client, ctx, patientId, body) {
  if (!isObject(body)) throw badBody('请求内容应为 {moment}');
  const unknown = Object.keys(body).find((k) => k !== 'moment');
  if (unknown) throw badBody(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  if (!INVITE_PROMPT_MOMENTS.includes(body.moment)) throw badBody(`moment 应为 ${INVITE_PROMPT_MOMENTS.join(' / ')}`, '/moment');
  await lockPatient(client, patientId);
  const { shownAtMs, clinicalMoments } = await getPromptHistory(client, patientId);
  const patient = await client.query('SELECT is_staff FROM patients WHERE id = $1', [patientId]);
  const optOut = await client.query("SELECT granted FROM consents WHERE patient_id = $1 AND purpose = 'referralPrompts'", [patientId]);
  const nowMs = ctx.nowMs();
  const envelope = ctx.core.call('mayShowInvitePrompt', {
    nowMs,
    shownAtMs,
    // Never answered: the core's own default applies (no key is sent).
    ...(optOut.rows.length === 1 && optOut.rows[0].granted === false ? { optedOut: true } : {}),
    clinicalMoments,
    isStaff: patient.rows[0].is_staff,
  });
  if (!envelope.ok) throw coreRejects(envelope);
  const decision = envelope.value;
  if (!decision.allowed) {
    const [first] = decision.reasons;
    throw new ApiError(409, first.code, first.message, {
      reasons: decision.reasons,
      ...(decision.nextAllowedAtMs ? { nextAllowedAtMs: decision.nextAllowedAtMs } : {}),
    });
  }
  await client.query('INSERT INTO invite_prompts (patient_id, shown_at_ms, moment) VALUES ($1, $2, $3)', [patientId, nowMs, body.moment]);
  return { shownAtMs: nowMs, moment: body.moment };
}

/** The hospital events' stored names and the referrals table's column of each. */
export const EVENT_COLUMNS = Object.freeze({
  registrationConfirmed: 'registration_confirmed_at_ms',
  arrivalConfirmed: 'arrival_confirmed_at_ms',
  conversionConfirmed: 'conversion_confirmed_at_ms',
  admissionConfirmed: 'admission_confirmed_at_ms',
  dischargeConfirmed: 'discharge_confirmed_at_ms',
  complaint: 'complaint_at_ms',
});

/**
 * How far back staff may date a hospital event: 7 days. Rewards vest on
 * these instants (a hold of 90 days after arrival, say); an event dated
 * further back would release a reward at once (docs/trust.md).
 */
export const HOSPITAL_EVENT_BACKDATE_MS = 7 * DAY_MS;

/**
 * Staff / hospital information system: writes a confirmed hospital event for
 * a referral (G2: the only thing a reward ever fires on) that the core's
 * checkHospitalEvents answered "apply" for — every way in (by hand, CSV,
 * webhook) checks first (console/events.mjs). Set once; a repeat leaves the
 * first instant; who recorded it is stored (hospital_events).
 */
export async function writeHospitalEvent(client, ctx, staffId, body) {
  const column = Object.hasOwn(EVENT_COLUMNS, body.event) ? EVENT_COLUMNS[body.event] : null;
  if (!column) throw new Error(`writeHospitalEvent: not a step: ${String(body.event).slice(0, 64)}`);
  const nowMs = ctx.nowMs();
  const { atMs } = body;
  const inpatient = body.event === 'admissionConfirmed' ? ', referee_is_inpatient = true' : '';
  const updated = await client.query(
    `UPDATE referrals SET ${column} = $2${inpatient} WHERE id = $1 AND ${column} = 0 RETURNING id`,
    [body.referralId, atMs],
  );
  if (updated.rowCount === 0) {
    const exists = await client.query(`SELECT ${column} AS at FROM referrals WHERE id = $1`, [body.referralId]);
    if (exists.rowCount === 0) throw new ApiError(404, 'referral.unknown', '没有找到这条推荐记录');
    return { referralId: body.referralId, event: body.event, atMs: Number(exists.rows[0].at), changed: false };
  }
  await client.query(
    `INSERT INTO hospital_events (referral_id, event, at_ms, recorded_by, recorded_at_ms) VALUES ($1, $2, $3, $4, $5)`,
    [body.referralId, body.event, atMs, staffId, nowMs],
  );
  return { referralId: body.referralId, event: body.event, atMs, changed: true };
}

/**
 * Staff at the counter: redeems a voucher once. The core must list it in the
 * owner's wallet as "available" (not expired, not locked, not void); the
 * schema makes a second redemption impossible.
 */
export async function redeemVoucher(client, ctx, staffId, body) {
  if (!isObject(body) || typeof body.patientId !== 'string' || typeof body.grantKey !== 'string') {
    throw badBody('请求内容应为 {patientId, grantKey}', '/grantKey');
  }
  const { patientId, grantKey } = body;
  const row = await client.query(
    'SELECT status FROM issued_rewards WHERE patient_id = $1 AND grant_key = $2 FOR UPDATE',
    [patientId, grantKey],
  );
  if (row.rowCount === 0) throw new ApiError(404, 'voucher.not_found', '没有找到这张券');
  if (row.rows[0].status === 'used') throw new ApiError(409, 'voucher.already_used', '这张券已经使用过了');
  if (row.rows[0].status === 'void') throw new ApiError(409, 'voucher.void', '这张券已作废');
  const { eligibility } = await evaluateFor(client, ctx, patientId);
  const item = eligibility.wallet.find((w) => w.key === grantKey);
  if (!item) throw new ApiError(409, 'voucher.not_redeemable', '这项奖励不是可核销的券');
  if (item.status !== 'available') {
    throw new ApiError(409, 'voucher.not_available', item.why || '这张券现在不能使用', { walletStatus: item.status });
  }
  const usedAtMs = ctx.nowMs();
  await client.query('SAVEPOINT voucher_redeem');
  try {
    await client.query(
      'INSERT INTO voucher_redemptions (patient_id, grant_key, redeemed_at_ms, redeemed_by) VALUES ($1, $2, $3, $4)',
      [patientId, grantKey, usedAtMs, staffId],
    );
  } catch (error) {
    await client.query('ROLLBACK TO SAVEPOINT voucher_redeem');
    if (constraintOf(error).sqlstate === '23505') throw new ApiError(409, 'voucher.already_used', '这张券已经使用过了');
    throw error;
  }
  const used = await client.query(
    `UPDATE issued_rewards SET status = 'used', used_at_ms = $3 WHERE patient_id = $1 AND grant_key = $2 AND status = 'issued'
     RETURNING grant_key`,
    [patientId, grantKey, usedAtMs],
  );
  if (used.rowCount === 0) throw new ApiError(409, 'voucher.already_used', '这张券已经使用过了');
  return { patientId, grantKey, title: item.title, usedAtMs };
}

/** The demo hospital's campaign file (synthetic), validated by the core before use. */
export async function readDemoCampaigns() {
  const text = await readFile(join(REPO, 'web', 'demo', 'campaigns.json'), 'utf8');
  const { campaigns } = JSON.parse(text);
  return campaigns;
}
