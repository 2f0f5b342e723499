// The offline demo's 出院感恩卡 (web/backend/offline-channels.js) on an
// in-memory IndexedDB (fake-indexeddb) with the demo's own clock: as on the
// reference backend, the card follows the patient's recorded discharge (the
// demo hospital's synthetic one, three days before the demo began), never the
// time the nurse types: a day without a recorded discharge is refused in
// words, an empty time takes the recorded one, one card per discharge. Staff
// record admissions and discharges (recordClinicalMoment, the server's
// checks); a recorded discharge is one the card can follow, a recorded
// admission pauses the invite prompt (G17).
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

import { createOfflineBackend } from '../../web/backend/offline.js';
import { ERROR_COPY } from '../../web/lib/copy.js';
import { loadCore } from './helpers.mjs';

const DAY_MS = 86_400_000;

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

test('offline: the card follows the recorded discharge, not the typed time', { timeout: 60_000 }, async () => {
  const startMs = Date.parse('2026-12-07T10:00:00+08:00');
  const clock = { now: startMs };
  const demo = createOfflineBackend({ dbName: 'discharge-card-1', clock: () => clock.now });
  demo.useCore(core);
  opened.push(demo);
  await demo.init();
  const { patientId } = await demo.getProfile();
  const before = await demo.getDischargeCards(patientId, core);
  assert.equal(before.cards.length, 1, 'the synthetic history: the card of the discharge three days ago');
  const recordedAtMs = before.cards[0].dischargedAtMs;
  assert.equal(recordedAtMs, startMs - 3 * DAY_MS);

  // An hour ago is not a recorded discharge: refused in words, nothing issued.
  const today = await demo.issueDischargeCard({ patientId, dischargedAtMs: startMs - 3_600_000 }, core).then(() => null, (e) => e);
  assert.equal(today?.code, 'referral.discharge_mismatch');
  assert.equal(today.status, 409);
  assert.match(today.message, /没有这位患者的出院记录/);
  assert.match(today.message, /2026-12-04/, 'the recorded discharge day is named');
  assert.ok(ERROR_COPY[today.code], 'the code has copy');
  // The recorded day (any time of it) and no time at all both mean the recorded discharge, which has its card.
  for (const dischargedAtMs of [recordedAtMs + 3_600_000, undefined]) {
    const again = await demo.issueDischargeCard({ patientId, ...(dischargedAtMs === undefined ? {} : { dischargedAtMs }) }, core).then(() => null, (e) => e);
    assert.equal(again?.code, 'referral.card_already_issued', `one card per discharge (${dischargedAtMs})`);
  }
  assert.equal((await demo.getDischargeCards(patientId, core)).cards.length, 1, 'nothing issued by the refusals');
});

test('offline: staff record the demo patient\'s admission and discharge; the card follows that discharge', { timeout: 60_000 }, async () => {
  const startMs = Date.parse('2026-12-07T10:00:00+08:00');
  const clock = { now: startMs };
  const demo = createOfflineBackend({ dbName: 'discharge-card-2', clock: () => clock.now });
  demo.useCore(core);
  opened.push(demo);
  await demo.init();
  const { patientId } = await demo.getProfile();
  const refused = (promise) => promise.then(() => null, (e) => e);

  // Before any is recorded: today has no discharge (409, in words).
  const early = await refused(demo.issueDischargeCard({ patientId, dischargedAtMs: startMs }, core));
  assert.equal(early?.code, 'referral.discharge_mismatch');
  assert.equal(early.status, 409);

  // The server's checks: the patient, the kind, the date (7 days back at most).
  assert.equal((await refused(demo.recordClinicalMoment({ patientId: 'someone-else', kind: 'discharge' })))?.status, 404);
  assert.equal((await refused(demo.recordClinicalMoment({ patientId, kind: 'chat' })))?.code, 'request.bad_body');
  assert.equal((await refused(demo.recordClinicalMoment({ patientId, kind: 'discharge', atMs: startMs - 8 * DAY_MS })))?.code, 'request.bad_body');
  assert.equal((await refused(demo.recordClinicalMoment({ patientId, kind: 'discharge', extra: 1 })))?.code, 'request.bad_body');

  // 入院 this morning, 出院 an hour ago.
  assert.deepEqual(await demo.recordClinicalMoment({ patientId, kind: 'admission', atMs: startMs - 2 * 3_600_000 }), { patientId, kind: 'admission', atMs: startMs - 2 * 3_600_000 });
  const dischargedAtMs = startMs - 3_600_000;
  await demo.recordClinicalMoment({ patientId, kind: 'discharge', atMs: dischargedAtMs });
  // The card: after the discharge, for that discharge (no time given: the latest), once.
  const card = await demo.issueDischargeCard({ patientId }, core);
  assert.equal(card.dischargedAtMs, dischargedAtMs);
  assert.match(card.token, /^D[0-9A-HJKMNP-TV-Z]{16}$/);
  const twice = await refused(demo.issueDischargeCard({ patientId, dischargedAtMs: startMs }, core));
  assert.equal(twice?.code, 'referral.card_already_issued');
  assert.equal(twice.status, 422, 'the core\'s refusal, as the server answers it');
  const cards = (await demo.getDischargeCards(patientId, core)).cards;
  assert.deepEqual(cards.map((c) => c.dischargedAtMs), [startMs - 3 * DAY_MS, dischargedAtMs]);
  // The patient's 海报 offers it.
  assert.ok((await demo.getChannelTokens(core)).cards.some((c) => c.token === card.token));

  // More than 30 days after that discharge: no card (the core's rule), in words.
  clock.now = dischargedAtMs + 31 * DAY_MS;
  const late = await refused(demo.issueDischargeCard({ patientId, dischargedAtMs }, core));
  assert.equal(late?.status, 422, JSON.stringify(late));
  assert.match(late.code, /^referral\./);
  assert.match(late.message, /[\u4e00-\u9fff]/);
});

test('offline: an admission staff recorded pauses the invite prompt (G17), as on the server', { timeout: 60_000 }, async () => {
  const startMs = Date.parse('2026-12-07T10:00:00+08:00');
  const demo = createOfflineBackend({ dbName: 'discharge-card-3', clock: () => startMs });
  demo.useCore(core);
  opened.push(demo);
  await demo.init();
  const { patientId } = await demo.getProfile();
  assert.deepEqual((await demo.getPromptHistory()).clinicalMoments, []);
  await demo.recordClinicalMoment({ patientId, kind: 'admission', atMs: startMs - 3_600_000 });
  // The shell's own check sees it too (as GET /me/prompts answers).
  assert.deepEqual((await demo.getPromptHistory()).clinicalMoments, [{ kind: 'admission', atMs: startMs - 3_600_000 }]);
  const refused = await demo.recordPromptShown({ moment: 'checkInDone', key: 'prompt-key-0000000001' }, core).then(() => null, (e) => e);
  assert.equal(refused?.code, 'eligibility.prompt_clinical_moment');
});
