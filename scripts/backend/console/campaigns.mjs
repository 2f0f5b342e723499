// Campaigns in the console (活动管理): list, create and edit, the dry run, and
// change control. The hospital's live campaign set stays the `campaigns` table
// (schema.sql) that every eligibility decision reads; this module keeps every
// version an operator saved beside it (campaign_versions) and moves the live
// row only through the rules below. Every save runs in one transaction under
// one advisory lock: validated by the core, written, or nothing at all.
//
//   * A new campaign is a draft (kept here only; patients never see it) or
//     running (validateCampaigns on the whole live set with it, then live).
//   * A draft is edited freely; publishing it (status running) makes it live.
//   * A running campaign is frozen (G13): an edit is refused unless the core's
//     validateCampaignChange allows it (only in the patients' favour); an
//     allowed one becomes a NEW version scheduled for a future day (default
//     tomorrow, programme time). At that day's start the old version ends and
//     the new one is live, under the same id, so grant keys, per-person limits
//     and budget counters carry on and no referral is rewarded twice.
//     promoteDueVersions runs before every campaign route and as a job.
//   * What patients read (title, description, rewards' names) is the live
//     row's config, the very record the console edited.
//
// The dry run (POST /staff/campaigns/dry-run) evaluates a campaign — saved or
// still in the form — over the hospital's patients in chunks of
// DRY_RUN_CHUNK (ordered by id, `after` the previous chunk's last id) with
// the core's dryRunCampaign; the reply carries the core's running totals,
// handed back as `carry`. Nothing is written.
//
// Routes (operations role only, scripts/backend/auth/policy.mjs): GET
// /staff/campaigns, POST /staff/campaigns, POST /staff/campaigns/dry-run. The
// staff audit log records each call (auth/index.mjs).

import { inTransaction } from '../db.mjs';
import { ApiError } from '../service.mjs';

export const DRY_RUN_CHUNK = 2_000;
const DAY_MS = 86_400_000;
const ZONE_OFFSET_MS = 8 * 3_600_000; // the programme's zone (UTC+8), as the rest of the backend
const MAX_SCHEDULE_DAYS = 366;
const MAX_CAMPAIGNS = 200;
const MAX_CONFIG_BYTES = 256 * 1024;
const PATIENT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS campaign_versions (
  campaign_id       text NOT NULL,
  version           integer NOT NULL CHECK (version >= 1),
  config            jsonb NOT NULL CHECK (config ->> 'id' = campaign_id),
  state             text NOT NULL CHECK (state IN ('draft', 'current', 'scheduled', 'ended', 'superseded')),
  effective_from_ms bigint,
  ended_at_ms       bigint,
  saved_by          text NOT NULL,
  saved_at_ms       bigint NOT NULL,
  PRIMARY KEY (campaign_id, version),
  CHECK (state <> 'scheduled' OR effective_from_ms IS NOT NULL)
);
CREATE UNIQUE INDEX IF NOT EXISTS campaign_versions_one_live
  ON campaign_versions (campaign_id) WHERE state IN ('draft', 'current');
CREATE UNIQUE INDEX IF NOT EXISTS campaign_versions_one_scheduled
  ON campaign_versions (campaign_id) WHERE state = 'scheduled';
`;

/** Creates campaign_versions (idempotent; after schema.sql). */
export async function applyCampaignsSchema(pool) {
  await pool.query(SCHEMA);
}

/** The routes, for the route list the contract test compares with docs/api/openapi.yaml. */
export const CAMPAIGN_ROUTES = Object.freeze([
  { method: 'GET', path: '/staff/campaigns' },
  { method: 'POST', path: '/staff/campaigns' },
  { method: 'POST', path: '/staff/campaigns/dry-run' },
]);

/** Route → operation name in the staff audit log. */
export const CAMPAIGN_STAFF_OPERATIONS = Object.freeze({
  'GET /staff/campaigns': 'getCampaigns',
  'POST /staff/campaigns': 'saveCampaign',
  'POST /staff/campaigns/dry-run': 'dryRunCampaign',
});

const bad = (message, path) => new ApiError(400, 'request.bad_body', message, { path });
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const civilDate = (ms) => new Date(ms + ZONE_OFFSET_MS).toISOString().slice(0, 10);
const startOfCivilDay = (date) => Date.parse(`${date}T00:00:00Z`) - ZONE_OFFSET_MS;

function coreCall(ctx, name, request) {
  const envelope = ctx.core.call(name, request);
  if (!envelope.ok) throw new ApiError(422, envelope.error.code, envelope.error.message, { path: envelope.error.path });
  return envelope.value;
}

/** The refusal of a campaign the validator refused: every violation, for the form. */
function refused(code, message, violations) {
  return new ApiError(422, code, message, {
    violations: violations.map(({ campaignId, code: c, guard, message: m, path }) => ({ campaignId, code: c, guard, message: m, path })),
  });
}

async function lock(client) {
  await client.query("SELECT pg_advisory_xact_lock(hashtext('carecircle.campaigns'))");
}

/** Version 1 of every live campaign that has none yet (the seeded or loaded set). */
async function adoptLiveCampaigns(client, nowMs) {
  await client.query(
    `INSERT INTO campaign_versions (campaign_id, version, config, state, saved_by, saved_at_ms)
     SELECT c.id, 1, c.config, 'current', 'configuration', $1 FROM campaigns c
      WHERE NOT EXISTS (SELECT 1 FROM campaign_versions v WHERE v.campaign_id = c.id)`,
    [nowMs],
  );
}

/**
 * Scheduled versions whose day has come: the old version ends, the new one
 * goes live under the same id. Returns how many were promoted (the job's report).
 */
export async function promoteDueVersions(client, nowMs) {
  const due = await client.query(
    `SELECT campaign_id, version, config, effective_from_ms FROM campaign_versions
      WHERE state = 'scheduled' AND effective_from_ms <= $1 ORDER BY campaign_id FOR UPDATE`,
    [nowMs],
  );
  for (const row of due.rows) {
    await client.query(`UPDATE campaign_versions SET state = 'ended', ended_at_ms = $2 WHERE campaign_id = $1 AND state = 'current'`, [
      row.campaign_id,
      row.effective_from_ms,
    ]);
    await client.query(`UPDATE campaign_versions SET state = 'current' WHERE campaign_id = $1 AND version = $2`, [row.campaign_id, row.version]);
    await client.query('UPDATE campaigns SET config = $2 WHERE id = $1', [row.campaign_id, row.config]);
  }
  return due.rowCount;
}

/** The job runner's entry: promotes due versions in one transaction. */
export async function runCampaignPromotion(pool, ctx) {
  return inTransaction(
    pool,
    async (client) => {
      await lock(client);
      await adoptLiveCampaigns(client, ctx.nowMs());
      return { promoted: await promoteDueVersions(client, ctx.nowMs()) };
    },
    { retryConflicts: true },
  );
}

async function liveSet(client) {
  const { rows } = await client.query('SELECT id, config FROM campaigns ORDER BY position');
  return rows.map((r) => r.config);
}

function versionRow(r) {
  return {
    version: r.version,
    state: r.state,
    effectiveFromMs: r.effective_from_ms === null ? null : Number(r.effective_from_ms),
    endedAtMs: r.ended_at_ms === null ? null : Number(r.ended_at_ms),
    savedBy: r.saved_by,
    savedAtMs: Number(r.saved_at_ms),
  };
}

/** GET /staff/campaigns: every campaign, live ones in the set's order, then drafts. */
export async function listCampaigns(client, ctx) {
  const { rows } = await client.query(
    `SELECT v.*, c.position FROM campaign_versions v LEFT JOIN campaigns c ON c.id = v.campaign_id
      ORDER BY c.position NULLS LAST, v.campaign_id, v.version`,
  );
  const byId = new Map();
  for (const r of rows) {
    let entry = byId.get(r.campaign_id);
    if (!entry) {
      entry = { id: r.campaign_id, live: r.position !== null, current: null, scheduled: null, versions: [] };
      byId.set(r.campaign_id, entry);
    }
    const v = versionRow(r);
    entry.versions.push(v);
    if (r.state === 'current' || r.state === 'draft') entry.current = { ...v, config: r.config };
    if (r.state === 'scheduled') entry.scheduled = { ...v, config: r.config };
  }
  const campaigns = [...byId.values()].filter((c) => c.current);
  return { today: civilDate(ctx.nowMs()), campaigns };
}

function readSaveBody(body) {
  if (!isObject(body)) throw bad('请求内容应为 {campaign, effectiveFrom?}', '');
  for (const key of Object.keys(body)) if (key !== 'campaign' && key !== 'effectiveFrom') throw bad(`无法识别的字段：${key.slice(0, 40)}`, `/${key.slice(0, 40)}`);
  const { campaign, effectiveFrom } = body;
  if (!isObject(campaign)) throw bad('缺少活动内容 campaign', '/campaign');
  if (typeof campaign.id !== 'string' || campaign.id.length < 1 || campaign.id.length > 128) throw bad('活动编号应为1到128个字符', '/campaign/id');
  if (JSON.stringify(campaign).length > MAX_CONFIG_BYTES) throw bad('活动内容过长', '/campaign');
  const status = campaign.status ?? 'running';
  if (status !== 'draft' && status !== 'running') throw bad('活动状态只能是草稿或进行中', '/campaign/status');
  if (effectiveFrom !== undefined && (typeof effectiveFrom !== 'string' || !DATE.test(effectiveFrom) || Number.isNaN(startOfCivilDay(effectiveFrom)))) {
    throw bad('生效日期应为 YYYY-MM-DD', '/effectiveFrom');
  }
  return { campaign, status, effectiveFrom };
}

/**
 * POST /staff/campaigns {campaign, effectiveFrom?}: create, edit a draft,
 * publish, or schedule a new version of a running campaign (see the top).
 */
export async function saveCampaign(client, ctx, staffId, body) {
  const { campaign, status, effectiveFrom } = readSaveBody(body);
  const nowMs = ctx.nowMs();
  await lock(client);
  await adoptLiveCampaigns(client, nowMs);
  await promoteDueVersions(client, nowMs);
  const { rows } = await client.query(
    `SELECT version, state, config FROM campaign_versions WHERE campaign_id = $1 ORDER BY version DESC FOR UPDATE`,
    [campaign.id],
  );
  const latest = rows[0]?.version ?? 0;
  const live = rows.find((r) => r.state === 'current' || r.state === 'draft') ?? null;
  const set = await liveSet(client);
  const others = set.filter((c) => c.id !== campaign.id);
  if (set.length - (live?.state === 'current' ? 1 : 0) + (status === 'running' ? 1 : 0) > MAX_CAMPAIGNS) {
    throw new ApiError(422, 'campaign.too_many', `同时进行的活动最多${MAX_CAMPAIGNS}个`, { path: '/campaign' });
  }
  // The whole set as it would be: the validator sees exclusivity and duplicates too.
  const validation = coreCall(ctx, 'validateCampaigns', { campaigns: [...others, { ...campaign, status: 'running' }] });
  const own = validation.violations.filter((v) => v.campaignId === campaign.id || v.path.startsWith(`/campaigns/${others.length}`));
  if (!validation.valid) throw refused('campaign.invalid', own[0]?.message ?? validation.violations[0].message, own.length ? own : validation.violations);

  const insert = (state, effectiveFromMs) =>
    client.query(
      `INSERT INTO campaign_versions (campaign_id, version, config, state, effective_from_ms, saved_by, saved_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [campaign.id, latest + 1, campaign, state, effectiveFromMs, staffId, nowMs],
    );

  if (!live || live.state === 'draft') {
    if (live) await client.query(`UPDATE campaign_versions SET state = 'superseded' WHERE campaign_id = $1 AND version = $2`, [campaign.id, live.version]);
    if (effectiveFrom !== undefined) throw bad('只有进行中的活动修改才需要生效日期', '/effectiveFrom');
    if (status === 'draft') {
      await insert('draft', null);
      return { outcome: live ? 'draftSaved' : 'draftCreated', campaignId: campaign.id, version: latest + 1, effectiveFromMs: null };
    }
    await insert('current', null);
    await client.query(
      `INSERT INTO campaigns (id, position, config) VALUES ($1, (SELECT COALESCE(MAX(position), -1) + 1 FROM campaigns), $2)`,
      [campaign.id, campaign],
    );
    return { outcome: 'published', campaignId: campaign.id, version: latest + 1, effectiveFromMs: null };
  }

  // A running campaign: frozen. Only a change in the patients' favour, as a new version from a future day.
  if (status !== 'running') throw new ApiError(409, 'campaign.frozen', '进行中的活动不能改回草稿', { path: '/campaign/status' });
  const change = coreCall(ctx, 'validateCampaignChange', { before: live.config, after: campaign });
  if (!change.allowed) throw refused('campaign.unfavourable_change', change.violations[0].message, change.violations);
  const today = civilDate(nowMs);
  const tomorrow = civilDate(nowMs + DAY_MS);
  const from = effectiveFrom ?? tomorrow;
  if (from <= today) throw new ApiError(422, 'campaign.effective_not_future', '新版本最早从明天开始生效，进行中的活动今天不变', { path: '/effectiveFrom' });
  if (startOfCivilDay(from) - nowMs > MAX_SCHEDULE_DAYS * DAY_MS) {
    throw new ApiError(422, 'campaign.effective_too_far', `生效日期最多排在${MAX_SCHEDULE_DAYS}天之内`, { path: '/effectiveFrom' });
  }
  const replaced = await client.query(
    `UPDATE campaign_versions SET state = 'superseded' WHERE campaign_id = $1 AND state = 'scheduled'`,
    [campaign.id],
  );
  const effectiveFromMs = startOfCivilDay(from);
  await insert('scheduled', effectiveFromMs);
  return { outcome: replaced.rowCount ? 'rescheduled' : 'scheduled', campaignId: campaign.id, version: latest + 1, effectiveFromMs };
}

function readDryRunBody(body) {
  if (!isObject(body)) throw bad('请求内容应为 {campaign, after?, carry?}', '');
  for (const key of Object.keys(body)) if (!['campaign', 'after', 'carry'].includes(key)) throw bad(`无法识别的字段：${key.slice(0, 40)}`, `/${key.slice(0, 40)}`);
  const { campaign, after = null, carry = null } = body;
  if (!isObject(campaign)) throw bad('缺少活动内容 campaign', '/campaign');
  if (typeof campaign.id !== 'string' || campaign.id.length < 1 || campaign.id.length > 128) throw bad('活动编号应为1到128个字符', '/campaign/id');
  if (JSON.stringify(campaign).length > MAX_CONFIG_BYTES) throw bad('活动内容过长', '/campaign');
  if (after !== null && (typeof after !== 'string' || !PATIENT_ID.test(after))) throw bad('after 应为上一段最后一位患者的编号', '/after');
  if (carry !== null && !isObject(carry)) throw bad('carry 应为上一段返回的 totals', '/carry');
  return { campaign, after, carry };
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
    registrationConfirmedAtMs: Number(r.registration_confirmed_at_ms),
    arrivalConfirmedAtMs: Number(r.arrival_confirmed_at_ms),
    conversionConfirmedAtMs: Number(r.conversion_confirmed_at_ms),
    admissionConfirmedAtMs: Number(r.admission_confirmed_at_ms),
    dischargeConfirmedAtMs: Number(r.discharge_confirmed_at_ms),
    complaintAtMs: Number(r.complaint_at_ms),
  };
}

/**
 * POST /staff/campaigns/dry-run {campaign, after?, carry?}: one chunk of the
 * dry run. The campaign (saved or as the form has it; a draft is run as if
 * published) replaces its live version in the set. Reply: the core's
 * dryRunCampaign value, rows with the patients' masked names, `next` (the
 * `after` of the next chunk, null at the end) and `patientsTotal`.
 */
export async function dryRunChunk(client, ctx, body) {
  const { campaign, after, carry } = readDryRunBody(body);
  const nowMs = ctx.nowMs();
  const set = await liveSet(client);
  const candidate = { ...campaign, status: 'running' };
  const index = set.findIndex((c) => c.id === campaign.id);
  const campaigns = index >= 0 ? set.map((c, i) => (i === index ? candidate : c)) : [...set, candidate];
  if (campaigns.length > MAX_CAMPAIGNS) throw new ApiError(422, 'campaign.too_many', `同时进行的活动最多${MAX_CAMPAIGNS}个`, { path: '/campaign' });

  const patients = await client.query(
    `SELECT id, display_name, is_staff, is_community_member FROM patients WHERE ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
    [after, DRY_RUN_CHUNK],
  );
  const ids = patients.rows.map((p) => p.id);
  const [total, referrals, issued, milestones, counters, pools] = await Promise.all([
    after === null ? client.query('SELECT count(*)::int AS n FROM patients') : Promise.resolve(null),
    client.query('SELECT * FROM referrals WHERE referrer_id = ANY($1) OR referee_id = ANY($1) ORDER BY id', [ids]),
    client.query(
      `SELECT patient_id, grant_key, campaign_id, title, status, issued_at_ms, used_at_ms FROM issued_rewards
        WHERE patient_id = ANY($1) ORDER BY patient_id, grant_key`,
      [ids],
    ),
    client.query('SELECT patient_id, key, rule_id FROM granted_milestones WHERE patient_id = ANY($1) ORDER BY patient_id, key', [ids]),
    client.query('SELECT campaign_id, grants, spent_fen FROM campaign_counters ORDER BY campaign_id'),
    client.query('SELECT campaign_id, pool_id, month, used FROM quota_counters ORDER BY campaign_id, pool_id, month'),
  ]);
  const cases = new Map(
    patients.rows.map((p) => [p.id, { patient: { id: p.id, isStaff: p.is_staff, isCommunityMember: p.is_community_member }, referrals: [], milestones: [], issued: [] }]),
  );
  for (const r of referrals.rows) {
    const facts = referralFacts(r);
    cases.get(r.referrer_id)?.referrals.push(facts);
    if (r.referee_id !== r.referrer_id) cases.get(r.referee_id)?.referrals.push(facts);
  }
  for (const r of issued.rows) {
    cases.get(r.patient_id)?.issued.push({
      grantKey: r.grant_key,
      campaignId: r.campaign_id,
      title: r.title,
      status: r.status,
      issuedAtMs: Number(r.issued_at_ms),
      ...(r.used_at_ms ? { usedAtMs: Number(r.used_at_ms) } : {}),
    });
  }
  for (const r of milestones.rows) cases.get(r.patient_id)?.milestones.push({ key: r.key, ruleId: r.rule_id });

  const value = coreCall(ctx, 'dryRunCampaign', {
    nowMs,
    campaigns,
    counters: counters.rows.map((r) => ({ campaignId: r.campaign_id, grants: Number(r.grants), spentFen: Number(r.spent_fen) })),
    pools: pools.rows.map((r) => ({ campaignId: r.campaign_id, poolId: r.pool_id, month: r.month, used: Number(r.used) })),
    patients: [...cases.values()],
    campaignId: campaign.id,
    ...(carry ? { carry } : {}),
  });
  const names = new Map(patients.rows.map((p) => [p.id, p.display_name]));
  return {
    ...value,
    rows: value.rows.map((row) => ({ ...row, displayName: names.get(row.patientId) ?? '' })),
    next: ids.length === DRY_RUN_CHUNK ? ids[ids.length - 1] : null,
    patientsTotal: total ? total.rows[0].n : null,
  };
}

/**
 * Registers the routes on the /api/v1 Fastify instance.
 * @param {any} api
 * @param {{pool: any, ctx: any, guard: Function, send: Function}} deps
 */
export function registerCampaignRoutes(api, { pool, ctx, guard, send }) {
  api.get('/staff/campaigns', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const value = await inTransaction(
      pool,
      async (client) => {
        await lock(client);
        await adoptLiveCampaigns(client, ctx.nowMs());
        await promoteDueVersions(client, ctx.nowMs());
        return listCampaigns(client, ctx);
      },
      { retryConflicts: true },
    );
    return send(reply, 200, value);
  });
  api.post('/staff/campaigns', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) => {
    const value = await inTransaction(pool, (client) => saveCampaign(client, ctx, request.who.subjectId, request.body), { retryConflicts: true });
    return send(reply, 200, value);
  });
  api.post('/staff/campaigns/dry-run', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const value = await inTransaction(pool, (client) => dryRunChunk(client, ctx, request.body), { readOnly: true });
    return send(reply, 200, value);
  });
}
