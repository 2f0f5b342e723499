// The server issues what a check-in earns, itself, when it records the
// check-in; no client asks (there is no route to ask):
//   - a patient one day short of the streak milestone checks in: the reply's
//     `rewards` names the milestone (the core's words) and the check-in
//     campaign's voucher, both stored in the same transaction;
//   - the replay of the same request gives the same reply and issues nothing
//     more; a second check-in that day issues nothing;
//   - POST /rewards/issue and POST /milestones no longer exist (404), the
//     batch refuses their operations, and the backends the shell talks to
//     have no method for either;
//   - the core refusing the patient's facts during that issuance (at its
//     first question, after the milestone is stored, as the voucher is
//     issued) keeps the check-in, leaves nothing of the issuance, says
//     `deferred` in the reply, and the next run issues it all;
//   - the offline demo, playing the server, does the same in saveCheckIn,
//     and its backend object has no issue method for the shell to call.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { inTransaction, isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { checkInAndIssue, issueForPatient } from '../../scripts/backend/loops/issuance.mjs';
import { DEMO_COMMUNITY_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { BACKEND_METHODS } from '../../web/backend/backend.js';
import { createHttpBackend } from '../../web/backend/http.js';
import { createOfflineBackend } from '../../web/backend/offline.js';
import { apiClient } from '../support/backend.mjs';
import { loadCore } from './helpers.mjs';

const TEST_TIMEOUT = 120_000;
const DAY_MS = 86_400_000;

let postgres;
let backend;
let core;
const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

// The offline demo reads its campaign file with fetch(); here from the disk.
const networkFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const href = String(url instanceof URL ? url.href : url);
  if (href.startsWith('file:')) return new Response(await readFile(fileURLToPath(href)), { headers: { 'Content-Type': 'application/json' } });
  return networkFetch(url, init);
};
globalThis.location ??= new URL('http://127.0.0.1:8080/');

before(async () => {
  postgres = await startPostgres();
  // No demo hospital and no job runner: only the check-in path issues here.
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, seed: false, jobs: false });
  const { campaigns } = JSON.parse(await readFile(new URL('../../web/demo/campaigns.json', import.meta.url), 'utf8'));
  for (const [position, config] of campaigns.entries()) {
    await backend.pool.query('INSERT INTO campaigns (id, position, config) VALUES ($1, $2, $3)', [config.id, position, JSON.stringify(config)]);
  }
  await backend.pool.query(`INSERT INTO communities (id, name, action_title, action_steps) VALUES ($1, '演示社群', '康复操', '[]'::jsonb)`, [
    DEMO_COMMUNITY_ID,
  ]);
  const module = await loadCore();
  core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
});

after(async () => {
  await backend?.close();
  if (postgres) {
    const { dir } = postgres;
    await postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
  }
});

/** The core's streak report on the server's stored history. */
async function streakOf(who) {
  const inputs = (await api('GET', '/streak-inputs', { token: who.token })).body;
  const nowMs = inputs.serverTimeMs;
  delete inputs.serverTimeMs;
  const r = core.call('evaluateStreak', { nowMs, clock: 'server', patientId: who.patientId, ...inputs });
  assert.ok(r.ok, JSON.stringify(r.error));
  return r.value;
}

test('a check-in that completes the milestone: the server grants it and issues the voucher in the same transaction, and says so', { timeout: TEST_TIMEOUT }, async () => {
  const r = await api('POST', '/demo/sessions', { body: { as: 'newPatient' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const me = r.body;
  const { serverTimeMs } = (await api('GET', '/now')).body;
  // Enrolled 60 days ago; earlier days checked in (as the hospital's history) until one more day earns the milestone.
  await backend.pool.query("UPDATE patients SET created_at = now() - interval '60 days' WHERE id = $1", [me.patientId]);
  let report = await streakOf(me);
  for (let back = 1; back <= 40 && !(report.progress && report.progress.remaining === 1 && !report.checkedInToday); back += 1) {
    await backend.pool.query('INSERT INTO check_ins (id, patient_id, at_ms, seq, kind) VALUES ($1, $2, $3, $4, $5)', [
      `c-${randomUUID()}`,
      me.patientId,
      serverTimeMs - back * DAY_MS,
      100 - back,
      'normal',
    ]);
    report = await streakOf(me);
  }
  assert.equal(report.progress?.remaining, 1, `one day short (${JSON.stringify(report.progress)})`);
  assert.deepEqual(report.milestones.filter((m) => m.state === 'new'), [], 'nothing earned yet');

  const key = newKey();
  const body = { id: `c-${randomUUID()}`, patientId: me.patientId, atMs: serverTimeMs, seq: 100, kind: 'normal' };
  const first = await api('POST', '/check-ins', { token: me.token, key, body });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.outcome, 'accepted');
  const { milestones, issued } = first.body.rewards;
  assert.equal(milestones.length, 1, JSON.stringify(first.body.rewards));
  const [m] = milestones;
  // The core's own words for it, as the server's core reports the milestone now granted.
  const after_ = await streakOf(me);
  const granted = after_.milestones.find((x) => x.key === m.key);
  assert.equal(granted?.state, 'granted', 'stored as granted on the server');
  assert.equal(m.rewardTitle, granted.rewardTitle);
  assert.equal(m.rewardValueFen, granted.rewardValueFen);
  assert.equal(m.earnedText, granted.earnedText);
  assert.equal(m.toDate, after_.today);
  assert.equal(m.byThisCheckIn, true, 'this check-in completed it: the phone celebrates it');
  // The check-in campaign's voucher, for that milestone, issued under the core's grant key.
  const voucher = issued.find((g) => g.campaignId === 'checkin-voucher');
  assert.ok(voucher, JSON.stringify(issued));
  assert.ok(voucher.grantKey.startsWith(`checkin-voucher:${m.key}:`), voucher.grantKey);
  const book = await backend.pool.query('SELECT grant_key, status FROM issued_rewards WHERE patient_id = $1', [me.patientId]);
  assert.deepEqual(book.rows.map((row) => row.grant_key).sort(), issued.map((g) => g.grantKey).sort());
  assert.ok(book.rows.every((row) => row.status === 'issued'));
  // What the wallet reads: the core on the server's facts lists it as usable.
  const inputs = (await api('GET', '/eligibility-inputs', { token: me.token })).body;
  delete inputs.serverTimeMs;
  const wallet = core.call('evaluateEligibility', { nowMs: serverTimeMs, ...inputs, milestones: after_.milestones.map(({ key: k, ruleId }) => ({ key: k, ruleId })) });
  assert.ok(wallet.ok, JSON.stringify(wallet.error));
  assert.equal(wallet.value.wallet.find((w) => w.key === voucher.grantKey)?.status, 'available');

  // The same request again: the stored reply, nothing issued twice.
  const replay = await api('POST', '/check-ins', { token: me.token, key, body });
  assert.equal(replay.body.replayed, true);
  assert.deepEqual(replay.body.rewards, first.body.rewards);
  // Another check-in the same day: the day already counts, nothing new.
  const second = await api('POST', '/check-ins', { token: me.token, key: newKey(), body: { ...body, id: `c-${randomUUID()}`, seq: 101 } });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(second.body.outcome, 'unchanged');
  assert.deepEqual(second.body.rewards, { milestones: [], issued: [] });
  const count = await backend.pool.query('SELECT count(*)::int AS n FROM issued_rewards WHERE patient_id = $1', [me.patientId]);
  assert.equal(count.rows[0].n, issued.length);
});

test('a milestone earned before and never granted is granted at the next check-in, but not as that check-in\'s moment', { timeout: TEST_TIMEOUT }, async () => {
  const me = (await api('POST', '/demo/sessions', { body: { as: 'newPatient' } })).body;
  const { serverTimeMs } = (await api('GET', '/now')).body;
  await backend.pool.query("UPDATE patients SET created_at = now() - interval '60 days' WHERE id = $1", [me.patientId]);
  // A run that ended three days ago, stored as the hospital's history (no sweep ran since).
  let report = await streakOf(me);
  for (let back = 3; back <= 45 && !report.milestones.some((x) => x.state === 'new'); back += 1) {
    await backend.pool.query('INSERT INTO check_ins (id, patient_id, at_ms, seq, kind) VALUES ($1, $2, $3, $4, $5)', [
      `c-${randomUUID()}`, me.patientId, serverTimeMs - back * DAY_MS, 100 - back, 'normal',
    ]);
    report = await streakOf(me);
  }
  const earlier = report.milestones.find((x) => x.state === 'new');
  assert.ok(earlier, 'a milestone earned and not granted');
  const r = await api('POST', '/check-ins', {
    token: me.token,
    key: newKey(),
    body: { id: `c-${randomUUID()}`, patientId: me.patientId, atMs: serverTimeMs, seq: 100, kind: 'normal' },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const granted = r.body.rewards.milestones.find((x) => x.key === earlier.key);
  assert.ok(granted, JSON.stringify(r.body.rewards));
  assert.equal(granted.byThisCheckIn, false);
  assert.ok(r.body.rewards.issued.some((g) => g.grantKey.startsWith(`checkin-voucher:${earlier.key}:`)), 'its voucher is issued now');
});

/** A route no client may call any more: 404 on its own, its operation refused inside a batch. */
async function assertGone(me, path, operation, body) {
  const direct = await api('POST', path, { token: me.token, key: newKey(), body });
  assert.equal(direct.status, 404, JSON.stringify(direct.body));
  const batch = await api('POST', '/batch', { token: me.token, key: newKey(), body: { items: [{ operation, idempotencyKey: newKey(), body }] } });
  assert.ok(batch.status >= 400 || batch.body.results?.[0]?.status >= 400, JSON.stringify(batch.body));
}

test('no client asks for an issue: POST /rewards/issue is gone and the batch refuses the operation', { timeout: TEST_TIMEOUT }, async () => {
  const me = (await api('POST', '/demo/sessions', { body: { as: 'newPatient' } })).body;
  const grants = [{ campaignId: 'checkin-voucher', key: 'checkin-voucher:revisit-voucher-50@2026-11-01:v50', state: 'issuable' }];
  await assertGone(me, '/rewards/issue', 'issueRewards', { grants });
  const count = await backend.pool.query('SELECT count(*)::int AS n FROM issued_rewards WHERE patient_id = $1', [me.patientId]);
  assert.equal(count.rows[0].n, 0, 'nothing issued');
});

test('no client asks for a milestone: POST /milestones is gone, the batch refuses saveGranted, no backend offers it', { timeout: TEST_TIMEOUT }, async () => {
  const me = (await api('POST', '/demo/sessions', { body: { as: 'newPatient' } })).body;
  const { serverTimeMs } = (await api('GET', '/now')).body;
  const milestones = [{ key: 'revisit-voucher-50@2026-11-01', ruleId: 'revisit-voucher-50', fromDate: '2026-11-01', toDate: '2026-11-07' }];
  await assertGone(me, '/milestones', 'saveGranted', { milestones });
  const granted = await backend.pool.query('SELECT count(*)::int AS n FROM granted_milestones WHERE patient_id = $1', [me.patientId]);
  assert.equal(granted.rows[0].n, 0, 'nothing granted');
  // Neither the interface nor the HTTP backend nor the offline demo has the method.
  assert.ok(!BACKEND_METHODS.includes('saveGranted'));
  const http = createHttpBackend({ baseUrl: backend.apiUrl, fetch: async () => { throw new Error('no request expected'); } });
  assert.equal(typeof http.saveGranted, 'undefined');
  const b = createOfflineBackend({ dbName: `no-grant-method-${randomUUID()}`, clock: () => serverTimeMs });
  assert.equal(typeof b.saveGranted, 'undefined', 'the demo server grants milestones itself');
});

test('offline demo: saveCheckIn plays the server — the milestone and its voucher issued with the check-in, said in its reply; no issue method', { timeout: TEST_TIMEOUT }, async () => {
  const start = Date.UTC(2026, 10, 20, 2); // 20 Nov, 10:00 in Beijing
  const clock = { now: start };
  const b = createOfflineBackend({ dbName: `checkin-issuance-${randomUUID()}`, clock: () => clock.now });
  b.useCore(core);
  try {
    await b.init();
    assert.equal(typeof b.issueRewards, 'undefined', 'the shell has nothing to ask an issue with');
    const profile = await b.getProfile();
    const report = async () => {
      const now = b.now();
      const r = core.call('evaluateStreak', { nowMs: now.nowMs, clock: now.clock, patientId: profile.patientId, ...(await b.getStreakInputs()) });
      assert.ok(r.ok, JSON.stringify(r.error));
      return r.value;
    };
    // The demo's synthetic history, then earlier days until one more day earns the milestone.
    let r = await report();
    for (let back = 1; back <= 60 && !(r.progress && r.progress.remaining === 1 && !r.checkedInToday); back += 1) {
      const saved = await b.saveCheckIn({ id: randomUUID(), patientId: profile.patientId, atMs: start - back * DAY_MS, seq: await b.nextSeq(), kind: 'normal' });
      assert.ok(saved.rewards, 'each check-in is evaluated');
      r = await report();
    }
    assert.equal(r.progress?.remaining, 1, JSON.stringify(r.progress));
    const saved = await b.saveCheckIn({ id: randomUUID(), patientId: profile.patientId, atMs: start, seq: await b.nextSeq(), kind: 'normal' });
    assert.equal(saved.rewards.milestones.length, 1, JSON.stringify(saved.rewards));
    const [m] = saved.rewards.milestones;
    assert.equal(m.byThisCheckIn, true);
    const after_ = await report();
    assert.equal(after_.milestones.find((x) => x.key === m.key)?.state, 'granted');
    assert.equal(m.earnedText, after_.milestones.find((x) => x.key === m.key).earnedText);
    const voucher = saved.rewards.issued.find((g) => g.campaignId === 'checkin-voucher' && g.grantKey.startsWith(`checkin-voucher:${m.key}:`));
    assert.ok(voucher, JSON.stringify(saved.rewards.issued));
    const inputs = await b.getEligibilityInputs();
    assert.equal(inputs.issued.find((i) => i.grantKey === voucher.grantKey)?.status, 'issued');
    // Again the same day: nothing new.
    const again = await b.saveCheckIn({ id: randomUUID(), patientId: profile.patientId, atMs: start + 60_000, seq: await b.nextSeq(), kind: 'normal' });
    assert.deepEqual(again.rewards.milestones, []);
    assert.ok(!again.rewards.issued.some((g) => g.grantKey === voucher.grantKey));
  } finally {
    await b.wipe().catch(() => {});
  }
});

/** A new demo patient enrolled 60 days ago whose next check-in today completes the streak milestone. */
async function oneDayShort() {
  const me = (await api('POST', '/demo/sessions', { body: { as: 'newPatient' } })).body;
  const { serverTimeMs } = (await api('GET', '/now')).body;
  await backend.pool.query("UPDATE patients SET created_at = now() - interval '60 days' WHERE id = $1", [me.patientId]);
  let report = await streakOf(me);
  for (let back = 1; back <= 40 && !(report.progress && report.progress.remaining === 1 && !report.checkedInToday); back += 1) {
    await backend.pool.query('INSERT INTO check_ins (id, patient_id, at_ms, seq, kind) VALUES ($1, $2, $3, $4, $5)', [
      `c-${randomUUID()}`, me.patientId, serverTimeMs - back * DAY_MS, 100 - back, 'normal',
    ]);
    report = await streakOf(me);
  }
  assert.equal(report.progress?.remaining, 1, `one day short (${JSON.stringify(report.progress)})`);
  return { me, serverTimeMs };
}

/** What the issuance could have written for a patient, counted table by table. */
async function issuanceRows(patientId) {
  const count = async (table) => (await backend.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE patient_id = $1`, [patientId])).rows[0].n;
  return {
    granted_milestones: await count('granted_milestones'),
    issued_rewards: await count('issued_rewards'),
    inbox_entries: await count('inbox_entries'),
    notification_outbox: await count('notification_outbox'),
  };
}

// Where the core says no: its first question (nothing written yet), the
// re-evaluation after the milestone is stored, and the one inside
// issueRewards (the milestone stored, the grants about to be issued).
for (const [name, nth, stage] of [
  ['evaluateEligibility', 1, 'before anything is written'],
  ['evaluateEligibility', 2, 'after the milestone is stored'],
  ['evaluateEligibility', 3, 'inside the issue of the voucher'],
]) {
  test(`the core refuses the patient's facts during a check-in's issuance (${name} #${nth}, ${stage}): the check-in stays, nothing of the issuance does, the reply says deferred`, { timeout: TEST_TIMEOUT }, async () => {
    const { me, serverTimeMs } = await oneDayShort();
    const calls = new Map();
    const refusing = {
      call(fn, request) {
        const n = (calls.get(fn) ?? 0) + 1;
        calls.set(fn, n);
        if (fn === name && n === nth) return { ok: false, error: { code: 'input.invalid', message: '数据不一致', path: '/referrals/0' } };
        return core.call(fn, request);
      },
    };
    const logged = [];
    const ctx = { core: refusing, nowMs: backend.nowMs, deployment: null, log: (line) => logged.push(line) };
    const checkIn = { id: `c-${randomUUID()}`, patientId: me.patientId, atMs: serverTimeMs, seq: 100, kind: 'normal' };
    const reply = await inTransaction(backend.pool, (client) => checkInAndIssue(client, ctx, me.patientId, checkIn));
    assert.ok((calls.get(name) ?? 0) >= nth, `the refusal was reached (${JSON.stringify([...calls])})`);

    assert.equal(reply.outcome, 'accepted', JSON.stringify(reply));
    assert.deepEqual(reply.rewards, { milestones: [], issued: [], deferred: true }, 'the reply says the issuance was put off, and nothing was issued');
    const stored = await backend.pool.query('SELECT at_ms FROM check_ins WHERE id = $1 AND patient_id = $2', [checkIn.id, me.patientId]);
    assert.equal(stored.rowCount, 1, 'the check-in is stored');
    assert.equal(Number(stored.rows[0].at_ms), serverTimeMs);
    assert.deepEqual(await issuanceRows(me.patientId), { granted_milestones: 0, issued_rewards: 0, inbox_entries: 0, notification_outbox: 0 }, 'nothing half-applied');
    assert.equal(logged.length, 1, JSON.stringify(logged));
    assert.match(logged[0], new RegExp(`patient ${me.patientId} skipped: input\\.invalid`));

    // The next run (the hourly sweep's issueForPatient) with the core answering: the milestone and its voucher, once.
    const later = await inTransaction(backend.pool, (client) => issueForPatient(client, { core, nowMs: backend.nowMs, deployment: null }, me.patientId));
    assert.equal(later.milestones.length, 1, JSON.stringify(later));
    assert.ok(later.issued.some((g) => g.grantKey.startsWith(`checkin-voucher:${later.milestones[0].key}:`)), JSON.stringify(later.issued));
    const rows = await issuanceRows(me.patientId);
    assert.equal(rows.granted_milestones, 1);
    assert.equal(rows.issued_rewards, later.issued.length);
  });
}
