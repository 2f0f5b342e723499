// The server owns issuance, on the reference backend over real HTTP against a
// private PostgreSQL, with the job runner (pg-boss) on and the server's clock
// moved forward by the test:
//   - a hospital event reaches the referrer's inbox within seconds (the
//     referrals table notifies the job runner; nobody calls the job);
//   - a consenting friend's steps name them masked by the core; a
//     non-consenting friend yields only 一位朋友已接受邀请 and no lapse notice;
//   - 48 hours after arrival without a visit: the lapse notice (consenting only);
//   - 90 days on: A's reward vests and is issued without A's client asking;
//     a second run issues nothing twice;
//   - a complaint voids: before issuance nothing is issued; on the day the
//     reward vested, the issued voucher is clawed back (void);
//   - the 15th: the monthly places are issued on the day of release, not before;
//   - every inbox entry with a notification reaches the recording sender; a
//     sender that throws is retried after its back-off and loses nothing;
//   - operations read what ran (GET /staff/jobs); patients may not.
// The same on the offline demo, which plays the server (offline-issuance.js)
// on an in-memory IndexedDB (fake-indexeddb) with its own clock.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { retryDelayMs } from '../../scripts/backend/jobs/deliver-notifications.mjs';
import { RecordingSender, SmsSender, WeChatSubscribeSender } from '../../scripts/backend/notify/senders.mjs';
import { DEMO_COMMUNITY_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { createOfflineBackend } from '../../web/backend/offline.js';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { loadCore } from './helpers.mjs';

const TEST_TIMEOUT = 120_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

let postgres;
let backend;
const sender = new RecordingSender();

const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

const actors = [];
async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  actors.push(r.body);
  return r.body;
}

/** Moves the server's clock; the sessions opened before expired with it, so each actor gets a new one. */
async function advance(ms) {
  backend.advanceClock(ms);
  for (const who of actors) {
    const opened = await backend.auth.sessions.open(backend.pool, { subjectId: who.patientId, role: who.role, provider: 'demo', demo: true });
    who.token = opened.accessToken;
  }
}

async function inbox(token) {
  const r = await api('GET', '/me/inbox', { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.entries;
}

/** A refers B; B answers the progress consent first. Resolves with the referral id. */
async function refer(referrer, referee, { consent }) {
  const code = (await api('GET', '/me/referral-code', { token: referrer.token })).body.code;
  const c = await api('PUT', '/me/consents', { token: referee.token, key: newKey(), body: { purpose: 'shareProgressWithReferrer', granted: consent } });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const r = await api('POST', '/referrals', { token: referee.token, key: newKey(), body: { code, channel: 'code' } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.referralId;
}

let nurse;
async function event(referralId, name, atMs) {
  const r = await api('POST', '/staff/referral-events', { token: nurse.token, key: newKey(), body: { referralId, event: name, ...(atMs ? { atMs } : {}) } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function issuedOf(patientId) {
  const { rows } = await backend.pool.query('SELECT grant_key, status FROM issued_rewards WHERE patient_id = $1 ORDER BY grant_key', [patientId]);
  return rows;
}

async function fullName(patientId) {
  return (await backend.pool.query('SELECT name FROM patients WHERE id = $1', [patientId])).rows[0].name;
}

/** The core's mask of a full name (李晓芳 → 李*芳, 李芳 → 李*), as a pattern; the full name never matches. */
function masked(name) {
  return `${name[0]}\\*${name.length > 2 ? `(?:${name.slice(-1)})?` : ''}`;
}

async function until(what, check, ms = 30_000) {
  const start = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - start > ms) assert.fail(`not within ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

before(async () => {
  postgres = await startPostgres();
  // No demo hospital: only this test's patients, the demo hospital's campaigns.
  // Jobs run on events and on demand (runNow) only: each run's summary is what this test caused.
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, seed: false, sender, schedule: false });
  const { campaigns } = JSON.parse(await readFile(new URL('../../web/demo/campaigns.json', import.meta.url), 'utf8'));
  for (const [position, config] of campaigns.entries()) {
    await backend.pool.query('INSERT INTO campaigns (id, position, config) VALUES ($1, $2, $3)', [config.id, position, JSON.stringify(config)]);
  }
  await backend.pool.query(`INSERT INTO communities (id, name, action_title, action_steps) VALUES ($1, '演示社群', '康复操', '[]'::jsonb)`, [
    DEMO_COMMUNITY_ID,
  ]);
  nurse = await session('staff', { role: 'nurse' });
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

// One story on one server clock that only moves forward, so the tests run in order.
const A = {};
const B = {};
const C = {};

test('a hospital event reaches the referrer within seconds; consent decides the words', { timeout: TEST_TIMEOUT }, async () => {
  Object.assign(A, await session('newPatient', { communityMember: true }));
  Object.assign(B, await session('newPatient'));
  Object.assign(C, await session('newPatient'));
  actors.push(A, B, C);
  B.referralId = await refer(A, B, { consent: true });
  C.referralId = await refer(A, C, { consent: false });
  for (const who of [B, C]) await event(who.referralId, 'registrationConfirmed');
  await event(B.referralId, 'arrivalConfirmed');
  await event(C.referralId, 'arrivalConfirmed');
  await event(C.referralId, 'conversionConfirmed');
  // Nobody runs the job here: the change to the referral queues it.
  const entries = await until('A hears that B arrived', async () => {
    const list = await inbox(A.token);
    return list.some((e) => e.kind === 'arrived') && list.filter((e) => e.kind === 'accepted').length === 2 ? list : null;
  });
  const texts = entries.map((e) => e.text);
  const bName = await fullName(B.patientId);
  const cName = await fullName(C.patientId);
  const arrived = entries.filter((e) => e.kind === 'arrived');
  assert.equal(arrived.length, 1, 'one arrival: B, who consented');
  assert.match(arrived[0].text, new RegExp(`^您的朋友${masked(bName)}已到院，感谢您的信任$`));
  assert.ok(texts.includes('您邀请的一位朋友已接受邀请'), 'C, without consent: the coarse step only');
  assert.ok(texts.some((t) => new RegExp(`^您的朋友${masked(bName)}已建档，欢迎TA的加入$`).test(t)), texts.join('\n'));
  assert.ok(!entries.some((e) => e.kind === 'converted'), 'C converted, but C did not consent: not said');
  for (const t of texts) {
    assert.ok(!t.includes(bName) && !t.includes(cName), `no full name: ${t}`);
    assert.ok(!new RegExp(masked(cName)).test(t) || cName[0] === bName[0], `C is never named: ${t}`);
  }
  // B's own reward (the friend's side vests at once) went into B's inbox.
  const bInbox = await until('B hears of the welcome voucher', async () => {
    const list = await inbox(B.token);
    return list.some((e) => e.kind === 'issued') ? list : null;
  });
  assert.ok(bInbox.some((e) => e.text === '您的100元体检券已到账'));
  assert.deepEqual(await issuedOf(A.patientId), [], "A's reward is in its 90-day hold");
});

test('48 hours without a visit: the lapse notice for the consenting friend only', { timeout: TEST_TIMEOUT }, async () => {
  await advance(49 * HOUR_MS);
  await backend.jobs.runNow('referral-issuance-sweep');
  const lapsed = (await inbox(A.token)).filter((e) => e.kind === 'lapsed');
  const bName = await fullName(B.patientId);
  assert.equal(lapsed.length, 1, JSON.stringify(lapsed));
  assert.match(lapsed[0].text, new RegExp(`^您推荐的${masked(bName)}暂未就诊，我们已为TA保留优惠至\\d+月\\d+日$`));
});

test('day 90: the reward vests without the patient asking; a second run issues nothing twice', { timeout: TEST_TIMEOUT }, async () => {
  await event(B.referralId, 'conversionConfirmed');
  const before90 = await backend.jobs.runNow('referral-issuance-sweep');
  assert.equal(before90.ran, true);
  assert.deepEqual(await issuedOf(A.patientId), []);
  await advance(90 * DAY_MS);
  const first = await backend.jobs.runNow('referral-issuance-sweep');
  assert.equal(first.ran, true);
  const issued = await issuedOf(A.patientId);
  const keys = issued.map((r) => r.grant_key);
  assert.ok(keys.includes(`fission-exam:${B.referralId}:referrer:exam-100`), keys.join());
  assert.ok(keys.includes(`fission-exam:${C.referralId}:referrer:exam-100`), 'C did not consent to share progress; the reward is A\'s all the same');
  assert.ok(first.summary.changes.some((c) => c.action === 'issued' && c.patientId === A.patientId));
  assert.ok(first.summary.changes.every((c) => /\*/.test(c.patientName)), 'operations read the masked display name, never a full one');
  const rewards = (await inbox(A.token)).filter((e) => e.kind === 'reward');
  assert.equal(rewards.length, 2, 'one line per reward, two rewards at once');
  for (const r of rewards) assert.equal(r.text, '您的100元体检券已到账');
  const countRows = async () => (await backend.pool.query('SELECT (SELECT count(*) FROM issued_rewards)::int AS i, (SELECT count(*) FROM inbox_entries)::int AS e, (SELECT count(*) FROM notification_outbox)::int AS n')).rows[0];
  const counts = await countRows();
  const second = await backend.jobs.runNow('referral-issuance-sweep');
  assert.equal(second.summary.issued, 0);
  assert.equal(second.summary.inbox, 0);
  assert.deepEqual(await countRows(), counts, 'the second run changed nothing');
});

test('a complaint voids: never issued inside the hold, clawed back on the day it vested', { timeout: TEST_TIMEOUT }, async () => {
  const E = await session('newPatient');
  const F = await session('newPatient');
  const G = await session('newPatient');
  F.referralId = await refer(E, F, { consent: true });
  G.referralId = await refer(E, G, { consent: true });
  await event(F.referralId, 'registrationConfirmed');
  await event(G.referralId, 'registrationConfirmed');
  await advance(30 * DAY_MS);
  await event(F.referralId, 'complaint');
  await advance(60 * DAY_MS);
  await backend.jobs.runNow('referral-issuance-sweep');
  const keys = (await issuedOf(E.patientId)).map((r) => `${r.grant_key}=${r.status}`);
  assert.ok(!keys.some((k) => k.includes(F.referralId)), `F's complaint voided E's reward before issuance: ${keys}`);
  assert.ok(keys.includes(`fission-exam:${G.referralId}:referrer:exam-100=issued`), keys.join());
  assert.ok((await inbox(E.token)).some((e) => e.kind === 'voided' && e.text === '您的一次推荐因收到投诉，相关奖励已取消'));
  // A complaint on the day the reward vested (inside the hold): the issued voucher is clawed back.
  await event(G.referralId, 'complaint');
  const run = await backend.jobs.runNow('referral-issuance-sweep');
  assert.ok(run.summary.changes.some((c) => c.action === 'voided' && c.patientId === E.patientId), JSON.stringify(run.summary));
  const status = (await issuedOf(E.patientId)).find((r) => r.grant_key === `fission-exam:${G.referralId}:referrer:exam-100`).status;
  assert.equal(status, 'void');
});

test('the 15th: the monthly places are issued on the day of release, not the day before', { timeout: TEST_TIMEOUT }, async () => {
  // B was referred by A, a community member: B may have a monthly place.
  const cst = (ms) => new Date(ms + 8 * HOUR_MS);
  const now = backend.nowMs();
  const d = cst(now);
  // Noon (+08:00) on the 14th of next month.
  const fourteenth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 14, 4, 0, 0);
  await advance(fourteenth - now);
  const month = cst(backend.nowMs()).toISOString().slice(0, 7);
  const places = async () => (await issuedOf(B.patientId)).filter((r) => r.grant_key.startsWith('scarce-quota:') && r.grant_key.includes(`@${month}:`));
  await backend.jobs.runNow('referral-issuance-sweep');
  assert.deepEqual(await places(), [], 'not before the 15th');
  await advance(DAY_MS);
  await backend.jobs.runNow('referral-issuance-sweep');
  const got = await places();
  assert.deepEqual(got.map((r) => r.grant_key.replace(/@.*:/, '@M:')).sort(), ['scarce-quota:expert-slot@M:expert-slot', 'scarce-quota:half-price-exam@M:half-price-exam']);
  assert.ok((await inbox(B.token)).some((e) => e.text === '您的专家门诊加号已到账'));
});

test('every notification reaches the sender; a sender that throws is retried and loses nothing', { timeout: TEST_TIMEOUT }, async () => {
  const pending = async () => (await backend.pool.query(`SELECT count(*)::int AS n FROM notification_outbox WHERE status = 'pending'`)).rows[0].n;
  // The provider is down for the next two sends; a new friend of A arrives meanwhile.
  sender.failNext(2);
  const attemptsBefore = sender.attempts;
  const D = await session('newPatient');
  D.referralId = await refer(A, D, { consent: true });
  await event(D.referralId, 'registrationConfirmed');
  await event(D.referralId, 'arrivalConfirmed');
  await backend.jobs.runNow('referral-issuance-sweep');
  assert.ok((await pending()) >= 2, 'new notifications wait in the outbox');
  for (let round = 0; round < 10 && (await pending()) > 0; round += 1) {
    const run = await backend.jobs.runNow('deliver-notifications');
    assert.equal(run.ran, true);
    await advance(retryDelayMs(round + 1) + 1000);
  }
  assert.equal(await pending(), 0);
  assert.equal(sender.failures, 0, 'both failures happened');
  const rows = (await backend.pool.query(`SELECT id, patient_id, text, status, attempts FROM notification_outbox ORDER BY id`)).rows;
  assert.ok(rows.length >= 10, `notifications written: ${rows.length}`);
  assert.ok(rows.every((r) => r.status === 'sent'));
  assert.equal(sender.sent.length, rows.length, 'each message sent exactly once');
  assert.deepEqual(sender.sent.map((m) => m.id).sort(), rows.map((r) => String(r.id)).sort());
  assert.equal(rows.reduce((n, r) => n + r.attempts, 0), sender.attempts, 'every attempt is counted on its message');
  const retried = (await backend.pool.query(`SELECT COALESCE(sum((summary->>'retrying')::int), 0)::int AS n FROM job_runs WHERE job = 'deliver-notifications'`)).rows[0].n;
  assert.equal(retried, 2, 'the runs that met the failures say so');
  const toA = sender.sent.filter((m) => m.patientId === A.patientId).map((m) => m.text);
  const bName = await fullName(B.patientId);
  const dName = await fullName(D.patientId);
  for (const name of [bName, dName]) {
    assert.ok(toA.some((t) => new RegExp(`^您的朋友${masked(name)}已到院，感谢您的信任$`).test(t)), toA.join('\n'));
  }
  assert.ok(toA.includes('您的100元体检券已到账'));
  assert.ok(toA.includes('您邀请的一位朋友已接受邀请'));
  assert.equal(toA.filter((t) => t.includes('暂未就诊')).length, 1, 'one lapse notice: B; none for C');
});

test('operations see what ran, when and what it changed; a patient may not', { timeout: TEST_TIMEOUT }, async () => {
  const ops = await session('staff', { role: 'operations' });
  const r = await api('GET', '/staff/jobs?limit=200', { token: ops.token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.ok(r.body.runs.some((x) => x.job === 'referral-issuance' && x.cause === 'event' && x.summary.patients > 0), 'a run caused by a referral change');
  const sweeps = r.body.runs.filter((x) => x.job === 'referral-issuance-sweep');
  assert.ok(sweeps.some((x) => x.cause === 'manual' && x.outcome === 'done' && x.summary.issued > 0 && x.summary.changes.length > 0));
  assert.ok(r.body.runs.some((x) => x.job === 'deliver-notifications' && x.summary.retrying > 0));
  assert.ok(r.body.runs.every((x) => x.finishedAtMs >= x.startedAtMs));
  assert.equal(r.body.outbox.pending, 0);
  assert.equal((await api('GET', '/staff/jobs?limit=0', { token: ops.token })).status, 400);
  assert.equal((await api('GET', '/staff/jobs', { token: A.token })).status, 403);
  assert.equal((await api('GET', '/me/inbox', { token: ops.token })).status, 403);
});

test('WeChat and SMS adapters: the provider request, a refusal throws (so the message is retried)', async () => {
  const bodies = [];
  const wechat = new WeChatSubscribeSender({
    templateId: 'tmpl-1',
    recipientOf: async (id) => (id === 'p1' ? 'openid-1' : null),
    transport: async (body) => {
      bodies.push(body);
      return bodies.length === 1 ? { errcode: 0, msgid: 7 } : { errcode: 43101 };
    },
  });
  assert.deepEqual(await wechat.send({ patientId: 'p1', text: '您的100元体检券已到账' }), { id: '7' });
  assert.equal(bodies[0].touser, 'openid-1');
  assert.equal(bodies[0].data.thing1.value, '您的100元体检券已到账');
  await assert.rejects(wechat.send({ patientId: 'p1', text: '再来一条' }), /43101/);
  await assert.rejects(wechat.send({ patientId: 'p2', text: '没有账号' }), /no WeChat account/);
  const sms = new SmsSender({ templateCode: 'SMS_1', signName: '演示医院', recipientOf: async () => '13800000000', transport: async (req) => ({ ok: req.params.text.length > 0, id: 's1' }) });
  assert.deepEqual(await sms.send({ patientId: 'p1', text: '健康金已到账' }), { id: 's1' });
  await assert.rejects(sms.send({ patientId: 'p1', text: '' }), /1–200/);
  assert.throws(() => new SmsSender({ templateCode: '', signName: 'x', recipientOf: () => {}, transport: () => {} }), /templateCode/);
});

// ---------------------------------------------------------------- the offline demo plays the server

// The demo reads its campaign file with fetch(); here from the disk.
const networkFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const href = String(url instanceof URL ? url.href : url);
  if (href.startsWith('file:')) return new Response(await readFile(fileURLToPath(href)), { headers: { 'Content-Type': 'application/json' } });
  return networkFetch(url, init);
};

// The demo's join link names the page it runs on.
globalThis.location ??= new URL('http://127.0.0.1:8080/');

const DEMO_PATIENT = 'demo-patient-0001';
let offlineDb = 0;
const offlineBackends = [];
// Each demo closes its database, BroadcastChannel and timer (wipe), or the process would not end.
after(async () => {
  for (const b of offlineBackends) await b.wipe().catch(() => {});
});

async function offlineDemo(startMs) {
  const module = await loadCore();
  const core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
  const clock = { now: startMs };
  offlineDb += 1;
  const dbName = `issuance-offline-${offlineDb}`;
  const b = createOfflineBackend({ dbName, clock: () => clock.now });
  b.useCore(core);
  await b.init();
  /** Writes one stored record as the demo's hospital would (a complaint, a referral of the demo patient). */
  async function put(store, record) {
    const db = await new Promise((resolve, reject) => {
      const r = indexedDB.open(dbName);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    await new Promise((resolve, reject) => {
      const tx = db.transaction(store, 'readwrite');
      tx.objectStore(store).put(record);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }
  const issuedKeys = async () => (await b.getEligibilityInputs()).issued.map((i) => `${i.grantKey}=${i.status}`);
  // The friend's phone: a second page of the same demo (same database).
  const friendPhone = createOfflineBackend({ dbName, clock: () => clock.now, simulatedFriend: true });
  friendPhone.useCore(core);
  offlineBackends.push(b, friendPhone);
  return { b, friendPhone, core, clock, put, issuedKeys };
}

const friendReferral = (id, refereeId, facts) => ({
  id,
  referrerId: DEMO_PATIENT,
  refereeId,
  level: 1,
  channel: 'code',
  refereeIsNewPatient: true,
  refereeIsInpatient: false,
  referrerIsMember: true,
  registrationConfirmedAtMs: 0,
  arrivalConfirmedAtMs: 0,
  conversionConfirmedAtMs: 0,
  admissionConfirmedAtMs: 0,
  dischargeConfirmedAtMs: 0,
  complaintAtMs: 0,
  ...facts,
});

test('offline demo: friends who join are in the inbox at once (consent decides the words); 48 h later the lapse notice; day 90 the reward, once', { timeout: TEST_TIMEOUT }, async () => {
  const start = Date.UTC(2026, 10, 3, 2); // 3 Nov, 10:00 in Beijing
  const { b, friendPhone, core, clock, issuedKeys } = await offlineDemo(start);
  const code = (await b.getReferralCode(core)).code;
  const consenting = await friendPhone.claimReferral({ code, channel: 'code', shareProgress: true, key: `k-${randomUUID()}` }, core);
  const private_ = await friendPhone.claimReferral({ code, channel: 'code', shareProgress: false, key: `k-${randomUUID()}` }, core);
  const { entries } = await b.getInbox();
  const accepted = entries.filter((e) => e.kind === 'accepted' && e.atMs === start);
  assert.equal(accepted.length, 2, JSON.stringify(entries.slice(0, 5)));
  assert.ok(accepted.some((e) => e.text === '您邀请的一位朋友已接受邀请'), 'the friend without consent: the coarse step only');
  assert.ok(accepted.some((e) => /^您的朋友\S+\*\S*已建档，欢迎TA的加入$/.test(e.text)), 'the consenting friend, masked by the core');

  clock.now = start + 49 * HOUR_MS;
  await b.runIssuanceNow();
  const lapsed = (await b.getInbox()).entries.filter((e) => e.kind === 'lapsed' && e.atMs > start);
  assert.equal(lapsed.length, 1, 'a lapse notice for the consenting friend only');
  assert.match(lapsed[0].text, /^您推荐的\S+\*\S*暂未就诊，我们已为TA保留优惠至\d+月\d+日$/);

  const key = (r) => `fission-exam:${r.referralId}:referrer:exam-100=issued`;
  assert.ok(!(await issuedKeys()).includes(key(consenting)), 'in the 90-day hold');
  clock.now = start + 91 * DAY_MS;
  const run = await b.runIssuanceNow();
  assert.ok(run.changes.some((c) => c.grantKey === `fission-exam:${consenting.referralId}:referrer:exam-100`), JSON.stringify(run));
  const keys = await issuedKeys();
  assert.ok(keys.includes(key(consenting)) && keys.includes(key(private_)), keys.join());
  const rewards = (await b.getInbox()).entries.filter((e) => e.kind === 'reward' && e.atMs === clock.now);
  assert.equal(rewards.length, run.changes.filter((c) => c.grantKey.includes(':referrer:')).length, 'one line per referrer reward issued');
  assert.ok(rewards.length >= 2);
  const again = await b.runIssuanceNow();
  assert.equal(again.issued, 0);
  assert.equal(again.inbox, 0);
  assert.deepEqual(await issuedKeys(), keys, 'the second run changed nothing');
  const { runs } = await b.getStaffJobs();
  assert.ok(runs.some((r) => r.summary.issued >= 2 && r.cause === 'manual'));
  assert.ok(runs.every((r) => r.finishedAtMs >= r.startedAtMs));
});

test('offline demo: a complaint on the day the reward vested claws it back; the 15th releases the monthly places', { timeout: TEST_TIMEOUT }, async () => {
  const start = Date.UTC(2026, 10, 3, 2);
  const { b, clock, put, issuedKeys } = await offlineDemo(start);
  const registered = start;
  await put('referrals', friendReferral('demo-rf-h2c1', 'demo-pt-h2c1', { registrationConfirmedAtMs: registered }));
  clock.now = registered + 90 * DAY_MS;
  await b.runIssuanceNow();
  const grantKey = 'fission-exam:demo-rf-h2c1:referrer:exam-100';
  assert.ok((await issuedKeys()).includes(`${grantKey}=issued`));
  await put('referrals', friendReferral('demo-rf-h2c1', 'demo-pt-h2c1', { registrationConfirmedAtMs: registered, complaintAtMs: clock.now }));
  const run = await b.runIssuanceNow();
  assert.ok(run.changes.some((c) => c.action === 'voided' && c.grantKey === grantKey), JSON.stringify(run));
  assert.ok((await issuedKeys()).includes(`${grantKey}=void`));

  // The demo patient as a friend referred by a community member: the monthly places on the 15th.
  await put('referrals', { ...friendReferral('demo-rf-h2m1', DEMO_PATIENT, { registrationConfirmedAtMs: clock.now }), referrerId: 'demo-pt-h2m0' });
  const d = new Date(clock.now + 8 * HOUR_MS);
  clock.now = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 14, 4);
  const month = new Date(clock.now + 8 * HOUR_MS).toISOString().slice(0, 7);
  const places = async () => (await issuedKeys()).filter((k) => k.startsWith('scarce-quota:') && k.includes(`@${month}:`));
  await b.runIssuanceNow();
  assert.deepEqual(await places(), [], 'not before the 15th');
  clock.now += DAY_MS;
  await b.runIssuanceNow();
  assert.equal((await places()).length, 2);
  assert.ok((await b.getInbox()).entries.some((e) => e.kind === 'issued' && e.text === '您的专家门诊加号已到账'));
});
