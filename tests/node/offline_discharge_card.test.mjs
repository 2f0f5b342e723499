// The offline demo's 出院感恩卡 (web/backend/offline-channels.js) on an
// in-memory IndexedDB (fake-indexeddb) with the demo's own clock: as on the
// reference backend, the card follows the patient's recorded discharge (the
// demo hospital's synthetic one, three days before the demo began), never the
// time the nurse types: a day without a recorded discharge is refused in
// words, an empty time takes the recorded one, one card per discharge.
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
