// The offline demo's hospital desk and the friends who joined on the device
// (web/backend/offline-events.js with offline.js), on an in-memory IndexedDB
// (fake-indexeddb) with the demo's own clock. The demo has no server: the
// friend's phone is a second backend on the same database, as a second page
// of the same browser is.
//   - a friend who registered with the demo patient's code is on the desk's
//     list of referrals (newest first), with the registration the demo
//     confirmed at the join;
//   - their arrival and visit, recorded by hand, reach the referral facts the
//     core reads: the referrer's 消息 says each step (the friend masked), day 90
//     the 100元体检券 is issued without the referrer asking, once; the counter
//     code redeems it once; a second redemption and an expired code are refused;
//   - an admission recorded for a friend makes them an inpatient (as the server's
//     desk does), and a CSV row for a friend by patient id is applied like any other;
//   - a friend without the progress consent: the steps are recorded, the inbox
//     says only 一位朋友已接受邀请 and the reward;
//   - an unknown referral is refused; nothing is written.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

import { createOfflineBackend } from '../../web/backend/offline.js';
import { loadCore } from './helpers.mjs';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const TEST_TIMEOUT = 60_000;

// The demo reads its campaign file with fetch(); here from the disk.
const networkFetch = globalThis.fetch;
globalThis.fetch = async (url, init) => {
  const href = String(url instanceof URL ? url.href : url);
  if (href.startsWith('file:')) return new Response(await readFile(fileURLToPath(href)), { headers: { 'Content-Type': 'application/json' } });
  return networkFetch(url, init);
};
globalThis.location ??= new URL('http://127.0.0.1:8080/');

const module = await loadCore();
const core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
const opened = [];
after(async () => {
  for (const b of opened) await b.wipe().catch(() => {});
});

let n = 0;
async function demo(startMs) {
  n += 1;
  const dbName = `desk-friends-${n}`;
  const clock = { now: startMs };
  const patient = createOfflineBackend({ dbName, clock: () => clock.now });
  patient.useCore(core);
  await patient.init();
  const phone = createOfflineBackend({ dbName, clock: () => clock.now, simulatedFriend: true });
  phone.useCore(core);
  opened.push(patient, phone);
  const code = (await patient.getReferralCode(core)).code;
  const join = (shareProgress) => phone.claimReferral({ code, channel: 'code', shareProgress, key: `k-${randomUUID()}` }, core);
  const facts = async (referralId) => (await patient.getEligibilityInputs()).referrals.find((r) => r.id === referralId);
  return { patient, clock, join, facts };
}

test('a friend who joined on the device is on the desk; arrival and visit reach the inbox; day 90 the reward, redeemed once', { timeout: TEST_TIMEOUT }, async () => {
  const start = Date.UTC(2026, 10, 3, 2);
  const { patient, clock, join, facts } = await demo(start);
  clock.now = start + HOUR_MS;
  const { referralId } = await join(true);

  const { referrals } = await patient.listEventReferrals({ limit: 5 });
  assert.equal(referrals[0].referralId, referralId, 'the newest invitation first');
  assert.match(referrals[0].patientName, /^\S\*\S?（演示）$/);
  assert.equal(referrals[0].referrerName, '演示用户 王*');
  assert.equal(referrals[0].events.registrationConfirmed, start + HOUR_MS, 'the demo confirmed the registration at the join');
  assert.equal(referrals[0].events.arrivalConfirmed, 0);
  const found = await patient.listEventReferrals({ q: referrals[0].patientId });
  assert.deepEqual(found.referrals.map((r) => r.referralId), [referralId], 'found by patient id');

  clock.now += HOUR_MS;
  const arrived = await patient.recordHospitalEvent({ referralId, event: 'arrivalConfirmed' }, core);
  assert.deepEqual(arrived, { referralId, event: 'arrivalConfirmed', atMs: clock.now, changed: true });
  clock.now += HOUR_MS;
  await patient.recordHospitalEvent({ referralId, event: 'conversionConfirmed', atMs: clock.now - 60_000 }, core);
  const again = await patient.recordHospitalEvent({ referralId, event: 'arrivalConfirmed' }, core);
  assert.equal(again.changed, false, 'each step once');
  assert.equal(again.atMs, start + 2 * HOUR_MS);
  const f = await facts(referralId);
  assert.equal(f.arrivalConfirmedAtMs, start + 2 * HOUR_MS);
  assert.equal(f.conversionConfirmedAtMs, start + 3 * HOUR_MS - 60_000);
  const listed = (await patient.listEventReferrals({ q: referralId })).referrals[0];
  assert.equal(listed.events.conversionConfirmed, start + 3 * HOUR_MS - 60_000);
  assert.equal(listed.recorded.arrivalConfirmed.recordedBy, 'demo-staff', 'who recorded it is kept');

  const texts = (await patient.getInbox()).entries.map((e) => e.text);
  for (const step of ['已建档，欢迎TA的加入', '已到院，感谢您的信任', '已完成就诊']) {
    assert.ok(texts.some((t) => new RegExp(`^您的朋友\\S\\*\\S?${step}$`).test(t)), `${step} in ${texts.join(' / ')}`);
  }
  const tree = await patient.getReferralGraph();
  const record = tree.records.find((r) => r.id === referralId);
  assert.equal(record.arrivedAtMs, start + 2 * HOUR_MS, 'the tree reads the arrival');

  const grantKey = `fission-exam:${referralId}:referrer:exam-100`;
  const statusOf = async () => (await patient.getEligibilityInputs()).issued.find((i) => i.grantKey === grantKey)?.status;
  assert.equal(await statusOf(), undefined, 'held for 90 days');
  clock.now = start + 91 * DAY_MS;
  const run = await patient.runIssuanceNow();
  assert.ok(run.changes.some((c) => c.action === 'issued' && c.grantKey === grantKey), JSON.stringify(run.changes));
  assert.equal(await statusOf(), 'issued');
  assert.ok((await patient.getInbox()).entries.some((e) => e.text === '您的100元体检券已到账'));

  const old = await patient.getCounterCode(grantKey);
  clock.now += 2 * 60_000;
  const fresh = await patient.getCounterCode(grantKey);
  assert.notEqual(fresh.code, old.code);
  await assert.rejects(patient.redeemCounterCode(old.code), (e) => e.status >= 400 && /核销码/.test(e.message), 'the code from two minutes earlier');
  const done = await patient.redeemCounterCode(fresh.display);
  assert.equal(done.grantKey, grantKey);
  assert.equal(await statusOf(), 'used');
  await assert.rejects(patient.redeemCounterCode(fresh.code), (e) => e.status >= 400, 'a second redemption');
});

test('an admission makes the friend an inpatient; a CSV row for the friend applies; without the consent the inbox says only the coarse step; unknown referrals are refused', { timeout: TEST_TIMEOUT }, async () => {
  const start = Date.UTC(2026, 10, 3, 2);
  const { patient, clock, join, facts } = await demo(start);
  const inboxKeys = async () => (await patient.getInbox()).entries.map((e) => e.key);
  const before0 = new Set(await inboxKeys());
  const { referralId } = await join(false);
  const joined = (await patient.getInbox()).entries.filter((e) => !before0.has(e.key));
  assert.deepEqual(joined.map((e) => e.text), ['您邀请的一位朋友已接受邀请'], 'the join, without the consent: the coarse step only');
  const afterJoin = new Set(await inboxKeys());
  const patientId = (await patient.listEventReferrals({ q: referralId })).referrals[0].patientId;
  clock.now += HOUR_MS;
  await patient.recordHospitalEvent({ referralId, event: 'admissionConfirmed' }, core);
  assert.equal((await facts(referralId)).refereeIsInpatient, true);
  assert.equal((await facts(referralId)).admissionConfirmedAtMs, clock.now);

  clock.now += HOUR_MS;
  const beijing = (ms) => new Date(ms + 8 * HOUR_MS).toISOString().slice(0, 16).replace('T', ' ');
  const csv = `患者编号,事件,时间\n${patientId},到院,${beijing(clock.now - 30 * 60_000)}\n${patientId},挂号费,${beijing(clock.now)}\n`;
  const imported = await patient.importHospitalEvents({ fileName: 'today.csv', bytes: new TextEncoder().encode(csv), encoding: 'utf-8' }, core);
  assert.equal(imported.applied, 1, JSON.stringify(imported.results));
  assert.equal(imported.refused, 1);
  assert.equal(imported.results[0].referralId, referralId);
  assert.equal((await facts(referralId)).arrivalConfirmedAtMs, Date.parse(`${beijing(clock.now - 30 * 60_000).replace(' ', 'T')}:00+08:00`));
  const twice = await patient.importHospitalEvents({ fileName: 'today.csv', bytes: new TextEncoder().encode(csv), encoding: 'utf-8' }, core);
  assert.equal(twice.applied, 0, 'the same file again applies nothing');

  const later = (await patient.getInbox()).entries.filter((e) => !afterJoin.has(e.key));
  assert.deepEqual(later, [], 'no step of a friend without the consent (G7)');
  assert.equal((await patient.getReferralGraph()).records.find((r) => r.id === referralId).arrivedAtMs, undefined, 'the graph keeps the arrival out (G7)');

  const before = await facts(referralId);
  await assert.rejects(patient.recordHospitalEvent({ referralId: 'demo-rf-jforged', event: 'arrivalConfirmed' }, core), (e) => e.code === 'referral.unknown');
  await assert.rejects(patient.recordHospitalEvent({ referralId, event: 'paid' }, core), (e) => e.code === 'request.bad_body');
  await assert.rejects(patient.recordHospitalEvent({ referralId, event: 'complaint', atMs: clock.now - 8 * DAY_MS }, core), (e) => e.code === 'referral.event_too_old');
  assert.deepEqual(await facts(referralId), before, 'nothing written');
});
