// The community console on the reference backend, over real HTTP against a
// private PostgreSQL (every reply checked against docs/api/openapi.yaml):
//   - member lists: the server's request gives the core's lists (3 months
//     silent, 6 months without interaction, the cap of 200 and the waiting
//     list); a patient who withdrew 'community' leaves the lists (G9);
//   - twelve months of the report's inputs; bad months refused;
//   - referral quality inputs equal the referrals table, age from birth years;
//   - risk flags: registrations from one address (keyed hashes, never the
//     address), a review recorded once, audited, unknown flags refused;
//   - a patient token reaches none of it; 客服 sees member lists only;
//   - hostile queries and bodies get a clear 400.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { addressKey, trendMonths } from '../../scripts/backend/console/community.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { loadCore } from './helpers.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';

let postgres;
let backend;
let core;
const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.token;
}

before(async () => {
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false });
  core = await loadCore();
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

const call = (name, request) => JSON.parse(core[name](JSON.stringify(request)));

/**
 * The registration source is written by an onResponse hook, after the reply
 * has left: polls `sql` until `ready(rows)` (at most 10 s), then returns the rows.
 */
async function rowsOnceWritten(sql, params, ready) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await backend.pool.query(sql, params);
    if (ready(rows) || Date.now() > deadline) return rows;
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
}

test('a patient token reaches no community console route; 客服 only the member lists', async () => {
  const patient = await session('demoPatient');
  for (const path of ['/staff/community/groups', '/staff/community/member-list-inputs?group=demo-g01', '/staff/community/report-trend',
    '/staff/community/referral-quality-inputs', '/staff/community/risk-flag-inputs']) {
    const r = await api('GET', path, { token: patient });
    assert.equal(r.status, 403, path);
    assert.equal(r.body.error.code, 'auth.forbidden');
  }
  const review = await api('POST', '/staff/community/risk-flags/review', { token: patient, key: newKey(), body: { flagId: 'x' } });
  assert.equal(review.status, 403);
  const service = await session('staff', { role: 'service' });
  assert.equal((await api('GET', '/staff/community/groups', { token: service })).status, 200);
  const refused = await api('GET', '/staff/community/risk-flag-inputs', { token: service });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'auth.role_forbidden');
});

test('member lists: the core on the server\'s request; the full group waits; a withdrawn patient leaves (G9)', async () => {
  const ops = await session('staff', { role: 'operations' });
  const groups = await api('GET', '/staff/community/groups', { token: ops });
  assert.equal(groups.status, 200);
  assert.ok(groups.body.groups.length >= 5);
  const full = await api('GET', '/staff/community/member-list-inputs?group=demo-g03', { token: ops });
  assert.equal(full.status, 200);
  const lists = call('memberLists', full.body.request);
  assert.ok(lists.ok, JSON.stringify(lists.error));
  assert.equal(lists.value.counts.members, 200);
  assert.equal(lists.value.counts.freeSlots, 0);
  assert.deepEqual(lists.value.waitingList.map((w) => w.status), ['wait', 'wait', 'wait']);
  assert.ok(lists.value.reactivation.length > 0 && lists.value.cleanUp.length > 0, 'the synthetic group has silent and inactive members');
  // Every reactivation entry's last message is on or before the cutoff: 3 calendar months.
  for (const e of lists.value.reactivation) assert.ok(e.silentSinceDate <= lists.value.silentCutoffDate);

  // The demo patient is a member of the thyroid group until they withdraw 'community'.
  const before = await api('GET', '/staff/community/member-list-inputs?group=demo-g01', { token: ops });
  assert.ok(before.body.request.members.some((m) => m.id === 'demo-member-self'));
  assert.equal(before.body.withdrawn, 0);
  const patient = await session('demoPatient');
  const consent = await api('PUT', '/me/consents', { token: patient, key: newKey(), body: { purpose: 'community', granted: false } });
  assert.equal(consent.status, 200, JSON.stringify(consent.body));
  const afterWithdrawal = await api('GET', '/staff/community/member-list-inputs?group=demo-g01', { token: ops });
  assert.ok(!afterWithdrawal.body.request.members.some((m) => m.id === 'demo-member-self'));
  assert.equal(afterWithdrawal.body.withdrawn, 1);
  assert.equal(afterWithdrawal.body.request.members.length, before.body.request.members.length - 1);
  await api('PUT', '/me/consents', { token: patient, key: newKey(), body: { purpose: 'community', granted: true } });

  for (const [query, code, status] of [
    ['', 'request.bad_query', 400],
    ['?group=' + encodeURIComponent('g1; DROP TABLE patients'), 'request.bad_query', 400],
    ['?group=' + 'g'.repeat(200), 'request.bad_query', 400],
    ['?group=no-such-group', 'community.unknown_group', 404],
  ]) {
    const r = await api('GET', `/staff/community/member-list-inputs${query}`, { token: ops });
    assert.equal(r.status, status, query);
    assert.equal(r.body.error.code, code);
  }
});

test('report trend: 12 months oldest first, the current month equal to the monthly route; bad months refused', async () => {
  const ops = await session('staff', { role: 'operations' });
  const month = new Date(backend.nowMs() + 8 * 3_600_000).toISOString().slice(0, 7);
  const trend = await api('GET', `/staff/community/report-trend?month=${month}`, { token: ops });
  assert.equal(trend.status, 200);
  assert.deepEqual(trend.body.months.map((m) => m.month), trendMonths(month));
  const single = await api('GET', `/staff/community-report-inputs?month=${month}`, { token: ops });
  const { serverTimeMs: _a, ...current } = single.body;
  assert.deepEqual(trend.body.months.at(-1), current);
  // The demo's synthetic history: every earlier month has the groups too, and the core reports each.
  for (const m of trend.body.months) {
    assert.ok(m.groups.length >= 5, m.month);
    assert.ok(call('communityHealthReport', m).ok, m.month);
  }
  for (const bad of ['2026-13', '2026-1', '1999-12', '2200-01', 'x'.repeat(5000), '2026-00']) {
    const r = await api('GET', `/staff/community/report-trend?month=${encodeURIComponent(bad)}`, { token: ops });
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error.code, 'request.bad_query');
  }
  assert.deepEqual(trendMonths('2026-01').slice(0, 2), ['2025-02', '2025-03']);
});

test('referral quality: the inputs are the referrals table; birth years give the bands; bad dates refused', async () => {
  const ops = await session('staff', { role: 'operations' });
  const r = await api('GET', '/staff/community/referral-quality-inputs', { token: ops });
  assert.equal(r.status, 200);
  const count = await backend.pool.query('SELECT count(*)::int AS n FROM referrals');
  assert.equal(r.body.referrals.length, count.rows[0].n);
  const { serverTimeMs: _t, ...request } = r.body;
  const q = call('referralQuality', request);
  assert.ok(q.ok, JSON.stringify(q.error));
  assert.equal(q.value.overall.referrals, count.rows[0].n);
  // The demo patient (born 1958, synthetic) referred five friends: their band is 60-74 in 2026.
  const band = q.value.bands.find((b) => b.id === '60to74');
  assert.equal(band.referrals, 5);
  const complaints = await backend.pool.query('SELECT count(*)::int AS n FROM referrals WHERE complaint_at_ms > 0');
  assert.equal(q.value.overall.voided, complaints.rows[0].n);

  const period = await api('GET', '/staff/community/referral-quality-inputs?from=2026-01-01&to=2026-12-31', { token: ops });
  assert.deepEqual(period.body.period, { from: '2026-01-01', to: '2026-12-31' });
  for (const query of ['from=2026-02-30', 'to=yesterday', 'from=2026-12-01&to=2026-01-01', `from=${'9'.repeat(3000)}`]) {
    const bad = await api('GET', `/staff/community/referral-quality-inputs?${query}`, { token: ops });
    assert.equal(bad.status, 400, query);
    assert.equal(bad.body.error.code, 'request.bad_query');
  }
});

test('risk flags: one address key for many registrations, never the address; reviewed once, audited', async () => {
  const ops = await session('staff', { role: 'operations' });
  // A new patient's first request records a keyed hash of its address.
  const fresh = await api('POST', '/demo/sessions', { body: { as: 'newPatient' } });
  assert.equal(fresh.status, 200);
  await api('GET', '/profile', { token: fresh.body.token });
  const id = fresh.body.subjectId ?? fresh.body.patientId;
  assert.ok(id, 'the session names its patient');
  const sources = await rowsOnceWritten('SELECT * FROM registration_sources WHERE patient_id = $1', [id], (rows) => rows.length > 0);
  const mine = sources[0];
  assert.ok(mine, 'the new account has a registration source');
  assert.match(mine.address_key, /^[0-9a-f]{16}$/);
  const salt = (await backend.pool.query("SELECT value FROM schema_meta WHERE name = 'registrationKeySalt'")).rows[0].value;
  assert.ok(['127.0.0.1', '::1', '::ffff:127.0.0.1'].some((a) => addressKey(salt, a) === mine.address_key));
  const everything = JSON.stringify(await backend.pool.query('SELECT * FROM registration_sources'));
  assert.ok(!everything.includes('127.0.0.1'), 'no raw address stored');

  const inputs = await api('GET', '/staff/community/risk-flag-inputs', { token: ops });
  assert.equal(inputs.status, 200);
  const { serverTimeMs: _t, ...request } = inputs.body;
  const flags = call('riskFlags', request);
  assert.ok(flags.ok);
  // The seeded friends' address; the test's own loopback registrations may
  // raise a flag of their own, and flags are ordered by the salted key.
  const demoKey = addressKey(salt, 'demo-shared-address');
  const same = flags.value.flags.find((f) => f.kind === 'sameAddress' && f.id.startsWith(`sameAddress:${demoKey}:`));
  assert.ok(same, 'the demo friends registered from one address');
  assert.equal(same.count, 5);
  assert.equal(same.status, 'open');

  const review = await api('POST', '/staff/community/risk-flags/review', { token: ops, key: newKey(), body: { flagId: same.id, note: '同一病房的家属用医院网络注册，属正常' } });
  assert.equal(review.status, 200, JSON.stringify(review.body));
  assert.equal(review.body.status, 'reviewed');
  const again = await api('POST', '/staff/community/risk-flags/review', { token: ops, key: newKey(), body: { flagId: same.id } });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'risk.already_reviewed');
  const after = call('riskFlags', (({ serverTimeMs, ...rest }) => rest)((await api('GET', '/staff/community/risk-flag-inputs', { token: ops })).body));
  assert.equal(after.value.flags.find((f) => f.id === same.id).status, 'reviewed');
  // Nothing happened to the patients: their referrals and accounts are as they were.
  const voided = await backend.pool.query("SELECT count(*)::int AS n FROM referrals WHERE complaint_at_ms > 0");
  assert.equal(voided.rows[0].n, request.referrals.filter((r) => r.voidedAtMs).length);
  const audit = await backend.pool.query("SELECT * FROM staff_audit_log WHERE route = '/staff/community/risk-flags/review' ORDER BY received_at_ms");
  assert.ok(audit.rows.length >= 2, 'both review attempts are in the audit log');

  for (const [body, code, status] of [
    [{ flagId: 'sameAddress:0000000000000000:1' }, 'risk.unknown_flag', 404],
    [{ flagId: '' }, 'request.bad_body', 400],
    [{ flagId: 'x'.repeat(401) }, 'request.bad_body', 400],
    [{ flagId: same.id, note: '长'.repeat(201) }, 'request.bad_body', 400],
    [{ flagId: same.id, extra: 1 }, 'request.bad_body', 400],
    [['x'], 'request.bad_body', 400],
  ]) {
    const r = await api('POST', '/staff/community/risk-flags/review', { token: ops, key: newKey(), body });
    assert.equal(r.status, status, JSON.stringify(body).slice(0, 80));
    assert.equal(r.body.error.code, code);
  }
});

test('a registration source is kept once per account and only for patients', async () => {
  const ops = await session('staff', { role: 'operations' });
  await api('GET', '/staff/community/groups', { token: ops });
  const patient = await session('demoPatient');
  await api('GET', '/profile', { token: patient });
  await api('GET', '/profile', { token: patient });
  await rowsOnceWritten("SELECT 1 FROM registration_sources WHERE patient_id = 'demo-patient-0001'", [], (rows) => rows.length > 0);
  const staffRows = await backend.pool.query('SELECT s.patient_id FROM registration_sources s JOIN patients p ON p.id = s.patient_id WHERE p.is_staff');
  assert.equal(staffRows.rowCount, 0);
  const own = await backend.pool.query("SELECT count(*)::int AS n FROM registration_sources WHERE patient_id = 'demo-patient-0001'");
  assert.equal(own.rows[0].n, 1);
});
