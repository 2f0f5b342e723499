// Campaigns in the console, on the reference backend over real HTTP against a
// private PostgreSQL (every reply checked against docs/api/openapi.yaml):
//   - who: a patient token is 403 auth.forbidden, a nurse 403
//     auth.role_forbidden, no token 401 — on each of the three routes;
//   - malformed bodies (not an object, unknown keys, no campaign, a bad id or
//     date, a body over the server's limit, 101 rewards) are refused with
//     their own code, and nothing is written;
//   - a campaign paying cash (G1) is refused with the validator's violations
//     (code, guard, Chinese message, path), nothing written;
//   - a draft is saved (not live), dry-run over every patient in chunks: the
//     dry run's eligible and pending counts equal the core's
//     evaluateEligibilityBatch over the same facts read from PostgreSQL;
//   - published, it is live; an edit against the patients (G13) is refused;
//     one in their favour becomes a new version scheduled for tomorrow while
//     the running one stays what patients read; at tomorrow's start the old
//     version ends and patients read the new one's text.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import pg from 'pg';

import { promoteDueVersions } from '../../scripts/backend/console/campaigns.mjs';
import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { loadCore } from './helpers.mjs';

const TEST_TIMEOUT = 120_000;
const DAY_MS = 86_400_000;

let postgres;
let backend;
let core;
let tokens;

const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.token;
}

/** A campaign an operator would type: two-sided exam vouchers for a friend's confirmed registration. */
function examCampaign(id, overrides = {}) {
  return {
    id,
    title: '春季体检·老带新',
    description: '您推荐的朋友经医院确认建档后，您和朋友各得一张80元体检券（演示）。',
    type: 'referralReward',
    status: 'draft',
    validFrom: '2026-01-01',
    validTo: '2027-12-31',
    referral: { trigger: 'registrationConfirmed', refereeMustBeNew: true, holdDays: 90 },
    referrerRewards: [{ id: 'exam-80', type: 'voucher', title: '80元体检券', valueFen: 8000, validDays: 180 }],
    refereeRewards: [{ id: 'exam-80', type: 'voucher', title: '80元体检券', valueFen: 8000, validDays: 180 }],
    budgetFen: 2_000_000,
    ...overrides,
  };
}

const list = async () => {
  const r = await api('GET', '/staff/campaigns', { token: tokens.operations });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const save = (body, token = tokens.operations) => api('POST', '/staff/campaigns', { token, key: newKey(), body });
const dryRun = (body, token = tokens.operations) => api('POST', '/staff/campaigns/dry-run', { token, body });

async function withDb(fn) {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Every saved version, for "nothing was written". */
const versions = () => withDb(async (c) => (await c.query('SELECT campaign_id, version, state FROM campaign_versions ORDER BY 1, 2')).rows);

before(async () => {
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false });
  const module = await loadCore();
  core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
  tokens = {
    operations: await session('staff', { role: 'operations' }),
    nurse: await session('staff', { role: 'nurse' }),
    patient: await session('demoPatient'),
  };
});

after(async () => {
  await backend?.close();
  if (postgres) {
    const { dir } = postgres;
    await postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
    assert.deepEqual(processesMentioning(dir), [], 'no process of the private PostgreSQL is left');
  }
});

test('campaign routes: a patient token is 403, a nurse 403, no token 401', { timeout: TEST_TIMEOUT }, async () => {
  const body = { campaign: examCampaign('who-may') };
  for (const [token, status, code] of [
    [tokens.patient, 403, 'auth.forbidden'],
    [tokens.nurse, 403, 'auth.role_forbidden'],
    [null, 401, 'auth.missing_token'],
  ]) {
    const listed = await api('GET', '/staff/campaigns', { token });
    assert.deepEqual([listed.status, listed.body.error?.code], [status, code], 'GET /staff/campaigns');
    const saved = await save(body, token);
    assert.deepEqual([saved.status, saved.body.error?.code], [status, code], 'POST /staff/campaigns');
    const ran = await dryRun(body, token);
    assert.deepEqual([ran.status, ran.body.error?.code], [status, code], 'POST /staff/campaigns/dry-run');
  }
  assert.equal((await list()).campaigns.some((c) => c.id === 'who-may'), false, 'nothing saved');
});

test('the live set is listed with version 1 of each campaign, as patients read it', { timeout: TEST_TIMEOUT }, async () => {
  const { campaigns, today } = await list();
  assert.match(today, /^\d{4}-\d{2}-\d{2}$/);
  const live = await withDb(async (c) => (await c.query('SELECT id, config FROM campaigns ORDER BY position')).rows);
  assert.deepEqual(
    campaigns.filter((c) => c.live).map((c) => [c.id, c.current.version, c.current.state, c.current.config]),
    live.map((r) => [r.id, 1, 'current', r.config]),
  );
});

test('malformed bodies are refused with their own code and nothing is written', { timeout: TEST_TIMEOUT }, async () => {
  await list();
  const before = await versions();
  const cases = [
    [[1, 2, 3], 400, 'request.bad_body'],
    [{ campaign: examCampaign('x'), extra: 1 }, 400, 'request.bad_body'],
    [{}, 400, 'request.bad_body'],
    [{ campaign: 'fission-exam' }, 400, 'request.bad_body'],
    [{ campaign: { ...examCampaign('x'), id: 42 } }, 400, 'request.bad_body'],
    [{ campaign: examCampaign('x', { status: 'ended' }) }, 400, 'request.bad_body'],
    [{ campaign: examCampaign('x'), effectiveFrom: '2026-02-30x' }, 400, 'request.bad_body'],
    [{ campaign: examCampaign('x', { perPersonLimt: 3 }) }, 422, 'input.unknown_field'],
    [{ campaign: examCampaign('x', { referrerRewards: Array.from({ length: 101 }, (_, i) => ({ id: `r${i}`, title: '体检券', valueFen: 100 })) }) }, 422, 'input.too_many_items'],
  ];
  for (const [body, status, code] of cases) {
    const r = await save(body);
    assert.deepEqual([r.status, r.body.error?.code], [status, code], JSON.stringify(body).slice(0, 120));
    assert.equal(typeof r.body.error.message, 'string');
    assert.ok(r.body.error.message.length > 0);
  }
  // A body past the server's limit: 413 before anything reads it.
  const huge = { campaign: examCampaign('huge', { description: '很'.repeat(600_000) }) };
  const tooLarge = await save(huge);
  assert.deepEqual([tooLarge.status, tooLarge.body.error?.code], [413, 'request.too_large']);
  // A huge list of campaigns is no campaign.
  const many = await save({ campaign: Array.from({ length: 1_000 }, (_, i) => examCampaign(`c${i}`)) });
  assert.deepEqual([many.status, many.body.error?.code], [400, 'request.bad_body']);
  for (const [body, code] of [
    [{ campaign: examCampaign('x'), after: "'; DROP TABLE patients; --" }, 'request.bad_body'],
    [{ campaign: examCampaign('x'), carry: [1] }, 'request.bad_body'],
    [{ campaign: examCampaign('x'), limit: 5 }, 'request.bad_body'],
  ]) {
    const r = await dryRun(body);
    assert.deepEqual([r.status, r.body.error?.code], [400, code], JSON.stringify(body).slice(0, 120));
  }
  const lying = await dryRun({ campaign: examCampaign('x'), carry: { patients: 1, eligible: 5, pending: 0, receiving: 0, grants: 0, valueFen: 0, waitingGrants: 0, waitingFen: 0, byMonth: [] } });
  assert.deepEqual([lying.status, lying.body.error?.code], [422, 'input.out_of_range'], 'a carry that contradicts itself');
  assert.deepEqual(await versions(), before, 'nothing written');
});

test('G1: a campaign paying cash is refused with the validator’s reasons, nothing written', { timeout: TEST_TIMEOUT }, async () => {
  await list();
  const before = await versions();
  const cash = examCampaign('cash-back', { referrerRewards: [{ id: 'cash', type: 'cash', title: '现金100元', valueFen: 10000 }] });
  const r = await save({ campaign: cash });
  assert.equal(r.status, 422);
  assert.equal(r.body.error.code, 'campaign.invalid');
  const expected = core.call('validateCampaigns', { campaigns: [{ ...cash, status: 'running' }] }).value.violations;
  const g1 = r.body.error.violations.find((v) => v.code === 'campaign.cash_reward_forbidden');
  assert.ok(g1, JSON.stringify(r.body));
  assert.deepEqual(g1, { ...expected.find((v) => v.code === 'campaign.cash_reward_forbidden'), path: g1.path });
  assert.equal(g1.guard, 'G1');
  assert.match(g1.message, /现金/);
  assert.match(g1.path, /\/referrerRewards\/0\/type$/);
  const ran = await dryRun({ campaign: cash });
  assert.deepEqual([ran.status, ran.body.error?.code], [422, 'campaign.cash_reward_forbidden'], 'the dry run refuses it too');
  assert.deepEqual(await versions(), before);
});

/** Every patient's facts as the server holds them, for the core's batch. */
async function batchFromDb() {
  return withDb(async (c) => {
    const patients = (await c.query('SELECT id, is_staff, is_community_member FROM patients ORDER BY id')).rows;
    const referrals = (await c.query('SELECT * FROM referrals ORDER BY id')).rows;
    const issued = (await c.query('SELECT patient_id, grant_key, campaign_id, title, status, issued_at_ms, used_at_ms FROM issued_rewards ORDER BY patient_id, grant_key')).rows;
    const milestones = (await c.query('SELECT patient_id, key, rule_id FROM granted_milestones ORDER BY patient_id, key')).rows;
    const counters = (await c.query('SELECT campaign_id, grants, spent_fen FROM campaign_counters ORDER BY campaign_id')).rows;
    const pools = (await c.query('SELECT campaign_id, pool_id, month, used FROM quota_counters ORDER BY 1, 2, 3')).rows;
    const live = (await c.query('SELECT config FROM campaigns ORDER BY position')).rows.map((r) => r.config);
    const cases = new Map(patients.map((p) => [p.id, { patient: { id: p.id, isStaff: p.is_staff, isCommunityMember: p.is_community_member }, referrals: [], milestones: [], issued: [] }]));
    for (const r of referrals) {
      const facts = {
        id: r.id, referrerId: r.referrer_id, refereeId: r.referee_id, level: 1, channel: r.channel,
        refereeIsNewPatient: r.referee_is_new_patient, refereeIsInpatient: r.referee_is_inpatient, referrerIsMember: r.referrer_is_member,
        registrationConfirmedAtMs: Number(r.registration_confirmed_at_ms), arrivalConfirmedAtMs: Number(r.arrival_confirmed_at_ms),
        conversionConfirmedAtMs: Number(r.conversion_confirmed_at_ms), admissionConfirmedAtMs: Number(r.admission_confirmed_at_ms),
        dischargeConfirmedAtMs: Number(r.discharge_confirmed_at_ms), complaintAtMs: Number(r.complaint_at_ms),
      };
      cases.get(r.referrer_id)?.referrals.push(facts);
      if (r.referee_id !== r.referrer_id) cases.get(r.referee_id)?.referrals.push(facts);
    }
    for (const r of issued) {
      cases.get(r.patient_id)?.issued.push({ grantKey: r.grant_key, campaignId: r.campaign_id, title: r.title, status: r.status, issuedAtMs: Number(r.issued_at_ms), ...(r.used_at_ms ? { usedAtMs: Number(r.used_at_ms) } : {}) });
    }
    for (const r of milestones) cases.get(r.patient_id)?.milestones.push({ key: r.key, ruleId: r.rule_id });
    return {
      live,
      counters: counters.map((r) => ({ campaignId: r.campaign_id, grants: Number(r.grants), spentFen: Number(r.spent_fen) })),
      pools: pools.map((r) => ({ campaignId: r.campaign_id, poolId: r.pool_id, month: r.month, used: Number(r.used) })),
      patients: [...cases.values()],
    };
  });
}

/** Runs the dry run chunk by chunk as the console does; the last reply and every row. */
async function wholeDryRun(campaign) {
  let after;
  let carry;
  const rows = [];
  let first = null;
  for (let chunk = 0; chunk < 1_000; chunk += 1) {
    const r = await dryRun({ campaign, ...(after ? { after } : {}), ...(carry ? { carry } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.body).slice(0, 400));
    first ??= r.body;
    rows.push(...r.body.rows);
    if (!r.body.next) return { last: r.body, first, rows };
    after = r.body.next;
    carry = r.body.totals;
  }
  throw new Error('the dry run did not end');
}

test('a draft is saved, not live; its dry run equals the core’s batch evaluation', { timeout: TEST_TIMEOUT }, async () => {
  const draft = examCampaign('spring-exam');
  const saved = await save({ campaign: draft });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.deepEqual([saved.body.outcome, saved.body.version], ['draftCreated', 1]);
  const listed = (await list()).campaigns.find((c) => c.id === 'spring-exam');
  assert.deepEqual([listed.live, listed.current.state, listed.current.config], [false, 'draft', draft]);

  // Also the demo's own fission campaign, which the seeded referrals earn.
  for (const campaign of [draft, (await list()).campaigns.find((c) => c.id === 'fission-exam').current.config]) {
    const { last, first, rows } = await wholeDryRun(campaign);
    const facts = await batchFromDb();
    const candidate = { ...campaign, status: 'running' };
    const campaigns = facts.live.some((c) => c.id === campaign.id) ? facts.live.map((c) => (c.id === campaign.id ? candidate : c)) : [...facts.live, candidate];
    const batch = core.call('evaluateEligibilityBatch', { nowMs: (await api('GET', '/now')).body.serverTimeMs, campaigns, counters: facts.counters, pools: facts.pools, patients: facts.patients });
    assert.equal(batch.ok, true, JSON.stringify(batch.error));
    const eligible = batch.value.results.filter((r) => r.eligible.includes(campaign.id)).length;
    const pending = batch.value.results.filter((r) => r.pending.includes(campaign.id)).length;
    assert.equal(first.patientsTotal, facts.patients.length);
    assert.deepEqual(
      { patients: last.totals.patients, eligible: last.totals.eligible, pending: last.totals.pending },
      { patients: facts.patients.length, eligible, pending },
      `${campaign.id}: dry run = batch`,
    );
    assert.equal(rows.length, last.totals.receiving);
    assert.equal(last.totals.grants, rows.flatMap((r) => r.grants).filter((g) => g.state !== 'waiting').length);
    for (const row of rows) assert.match(row.displayName, /\*|演示/, 'masked names only');
    if (campaign.id === 'fission-exam') assert.ok(eligible + pending > 0, 'the seeded referrals earn something');
  }
  const inputs = await api('GET', '/eligibility-inputs', { token: tokens.patient });
  assert.equal(inputs.body.campaigns.some((c) => c.id === 'spring-exam'), false, 'patients never see a draft');
});

test('G13: published it is live; an edit against patients is refused, one in their favour is scheduled for tomorrow', { timeout: TEST_TIMEOUT }, async () => {
  const published = await save({ campaign: examCampaign('spring-exam', { status: 'running' }) });
  assert.equal(published.status, 200, JSON.stringify(published.body));
  assert.equal(published.body.outcome, 'published');
  let inputs = await api('GET', '/eligibility-inputs', { token: tokens.patient });
  const v1 = inputs.body.campaigns.find((c) => c.id === 'spring-exam');
  assert.equal(v1.description, examCampaign('x').description, 'patients read the record the console saved');

  const before = await versions();
  const worse = examCampaign('spring-exam', { status: 'running', referrerRewards: [{ id: 'exam-80', type: 'voucher', title: '50元体检券', valueFen: 5000, validDays: 180 }] });
  const refused = await save({ campaign: worse });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, 'campaign.unfavourable_change');
  const expected = core.call('validateCampaignChange', { before: examCampaign('spring-exam', { status: 'running' }), after: worse }).value.violations;
  assert.deepEqual(refused.body.error.violations, expected);
  assert.ok(expected.every((v) => v.guard === 'G13'));
  const backToDraft = await save({ campaign: examCampaign('spring-exam', { status: 'draft' }) });
  assert.deepEqual([backToDraft.status, backToDraft.body.error?.code], [409, 'campaign.frozen']);
  const { serverTimeMs } = (await api('GET', '/now')).body;
  const today = new Date(serverTimeMs + 8 * 3_600_000).toISOString().slice(0, 10);
  const better = examCampaign('spring-exam', {
    status: 'running',
    description: '您推荐的朋友经医院确认建档后，您和朋友各得一张100元体检券（演示）。',
    referrerRewards: [{ id: 'exam-80', type: 'voucher', title: '100元体检券', valueFen: 10000, validDays: 180 }],
  });
  const notToday = await save({ campaign: better, effectiveFrom: today });
  assert.deepEqual([notToday.status, notToday.body.error?.code], [422, 'campaign.effective_not_future']);
  assert.deepEqual(await versions(), before, 'refused edits write nothing');

  const scheduled = await save({ campaign: better });
  assert.equal(scheduled.status, 200, JSON.stringify(scheduled.body));
  const tomorrowStart = Date.parse(`${new Date(serverTimeMs + 8 * 3_600_000 + DAY_MS).toISOString().slice(0, 10)}T00:00:00+08:00`);
  assert.deepEqual([scheduled.body.outcome, scheduled.body.version, scheduled.body.effectiveFromMs], ['scheduled', 3, tomorrowStart], 'version 1 was the draft, 2 the published one');
  const listed = (await list()).campaigns.find((c) => c.id === 'spring-exam');
  assert.deepEqual([listed.current.version, listed.current.config.description], [2, examCampaign('x').description], 'today: version 2 still');
  assert.deepEqual([listed.scheduled.version, listed.scheduled.effectiveFromMs, listed.scheduled.config], [3, tomorrowStart, better]);
  inputs = await api('GET', '/eligibility-inputs', { token: tokens.patient });
  assert.equal(inputs.body.campaigns.find((c) => c.id === 'spring-exam').description, examCampaign('x').description);

  // Tomorrow: version 2 ends, version 3 is what patients read.
  const promoted = await withDb(async (c) => {
    await c.query('BEGIN');
    const n = await promoteDueVersions(c, tomorrowStart);
    await c.query('COMMIT');
    return n;
  });
  assert.equal(promoted, 1);
  const after = (await list()).campaigns.find((c) => c.id === 'spring-exam');
  assert.deepEqual(
    after.versions.map((v) => [v.version, v.state, v.endedAtMs]),
    [[1, 'superseded', null], [2, 'ended', tomorrowStart], [3, 'current', null]],
  );
  inputs = await api('GET', '/eligibility-inputs', { token: tokens.patient });
  assert.deepEqual(inputs.body.campaigns.find((c) => c.id === 'spring-exam'), better);
});
