// Guards on the offline demo (web/backend/offline.js), which plays the server
// in the browser: the same consent effects as the reference backend (G9) on
// an in-memory IndexedDB (fake-indexeddb), with the built .wasm as the core.
//   - 'community' withdrawn: 病友故事 answers 403 community.consent_withdrawn
//     with a Chinese message; the demo patient's group counts one member
//     fewer in the health report; granted again, both come back;
//   - 'rehabData' withdrawn: a new check-in stays on the device (it still
//     counts for the streak) and deleteCheckIns deletes only what the
//     hospital stored, saying how many;
//   - with every consent withdrawn, check-ins, the profile and the referral
//     tree still work (refusing never blocks care).
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CONSENT_PURPOSES } from '../../web/backend/backend.js';
import { createOfflineBackend } from '../../web/backend/offline.js';
import { loadCore } from './helpers.mjs';

const module = await loadCore();
const core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
let dbCounter = 0;

function backend() {
  dbCounter += 1;
  const now = Date.UTC(2026, 10, 23, 8);
  return createOfflineBackend({ dbName: `guards-offline-${dbCounter}`, clock: () => now });
}

const demoGroup = async (b) => (await b.getCommunityReportInputs()).groups.find((g) => g.id === 'demo-g01').memberCount;

test('offline demo, community withdrawn: no 病友故事 (a clear message), one member fewer in the report; granted again, back', async () => {
  const b = backend();
  await b.init();
  assert.ok((await b.getCommunityStories()).stories.length > 0);
  const members = await demoGroup(b);
  await b.setConsent('community', false);
  await assert.rejects(b.getCommunityStories(), (error) => {
    assert.equal(error.status, 403);
    assert.equal(error.code, 'community.consent_withdrawn');
    assert.match(error.message, /退出病友社群/);
    return true;
  });
  assert.equal(await demoGroup(b), members - 1);
  await b.setConsent('community', true);
  assert.ok((await b.getCommunityStories()).stories.length > 0);
  assert.equal(await demoGroup(b), members);
});

test('offline demo, rehabData withdrawn: a new check-in stays on the device; deleting removes only what the hospital stored', async () => {
  const b = backend();
  await b.init();
  const before = (await b.getStreakInputs()).checkIns.length;
  assert.ok(before > 0, 'the demo has a check-in history');
  await b.setConsent('rehabData', false);
  const seq = await b.nextSeq();
  const record = { id: `c-guards-${seq}`, patientId: 'demo-patient-0001', atMs: Date.UTC(2026, 10, 23, 8), seq, kind: 'normal' };
  await b.saveCheckIn(record);
  const inputs = await b.getStreakInputs();
  assert.equal(inputs.checkIns.length, before + 1, 'the new check-in counts on the device');
  assert.ok(inputs.checkIns.every((c) => !('deviceOnly' in c)), 'the core gets plain records');
  const streak = core.call('evaluateStreak', { nowMs: record.atMs, clock: 'device', patientId: record.patientId, ...inputs });
  assert.ok(streak.ok, JSON.stringify(streak.error));

  const { deleted } = await b.deleteCheckIns();
  assert.equal(deleted, before, 'every check-in the hospital stored, and only those');
  assert.deepEqual((await b.getStreakInputs()).checkIns.map((c) => c.id), [record.id]);
  assert.deepEqual(await b.deleteCheckIns(), { deleted: 0 });
});

test('offline demo, every consent withdrawn: check-in, profile and the referral tree still work', async () => {
  const b = backend();
  await b.init();
  for (const purpose of CONSENT_PURPOSES) await b.setConsent(purpose, false);
  assert.ok((await b.getConsents()).every((c) => c.granted === false));
  const seq = await b.nextSeq();
  await b.saveCheckIn({ id: `c-all-${seq}`, patientId: 'demo-patient-0001', atMs: Date.UTC(2026, 10, 23, 8), seq, kind: 'normal' });
  assert.ok((await b.getStreakInputs()).checkIns.some((c) => c.id === `c-all-${seq}`));
  assert.equal((await b.getProfile()).patientId, 'demo-patient-0001');
  const graph = await b.getReferralGraph();
  assert.ok(graph.records.length > 0);
});
