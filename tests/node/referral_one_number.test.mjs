// One referrer per patient and one name per friend, on both backends:
//   - one's own code is refused by the claim itself with a clear message —
//     the reference backend (409 referral.self_referral) and the offline demo,
//     whose claim asks the core's graph check (it said 登记成功 before) — and
//     nothing is recorded; the demo's simulated friend still joins;
//   - a patient who joined through a friend's code has a referrer in the
//     core's summary (the shell hides 填写好友的推荐码), on the server's graph
//     and the demo's;
//   - the wallet's inputs name each friend as the referral tree does (the
//     core's masking), so a reason about one friend says which friend.
// The reference backend runs in-process on a private PostgreSQL; the offline
// demo on an in-memory IndexedDB (fake-indexeddb); the core is the built .wasm.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { createOfflineBackend } from '../../web/backend/offline.js';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { loadCore, wasmDir } from './helpers.mjs';

const TEST_TIMEOUT = 90_000;
const newKey = () => `k-${randomUUID()}`;

// The demo's join links name the page they are served from; its campaign file
// is fetched beside the module (a file: URL here, read from disk).
globalThis.location ??= /** @type {any} */ (new URL('http://127.0.0.1:8080/'));
// One process here, no other pages to tell (an open channel would keep Node running).
globalThis.BroadcastChannel = undefined;
const networkFetch = globalThis.fetch;
globalThis.fetch = async (url, init) =>
  String(url).startsWith('file:') ? new Response(readFileSync(fileURLToPath(String(url)))) : networkFetch(url, init);

let postgres;
let backend;
let api;
let core;

before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(wasmDir, file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  const module = await loadCore();
  core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
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

async function startServer() {
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false });
  api = apiClient(backend.apiUrl);
}

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** The patient's tree as the shell computes it: the backend's graph through the core. */
async function treeOver(token, patientId) {
  const graph = await api('GET', '/referral-graph', { token });
  assert.equal(graph.status, 200, JSON.stringify(graph.body));
  const { records, patients } = graph.body;
  const tree = core.call('myReferralTree', { nowMs: Date.now(), patientId, records, patients });
  assert.equal(tree.ok, true, JSON.stringify(tree.error));
  return tree.value;
}

test('reference backend: own code refused, the referee has a referrer, friends named as on the tree', { timeout: TEST_TIMEOUT }, async () => {
  await startServer();
  const a = await session('newPatient', { communityMember: true });
  const b = await session('newPatient');
  const codeOf = async (who) => (await api('GET', '/profile', { token: who.token })).body.referralCode;
  const codeA = await codeOf(a);

  const own = await api('POST', '/referrals', { token: a.token, key: newKey(), body: { code: codeA, channel: 'code' } });
  assert.equal(own.status, 409);
  assert.equal(own.body.error.code, 'referral.self_referral');
  assert.equal(own.body.error.message, '不能使用自己的推荐码');
  const mine = await treeOver(a.token, a.patientId);
  assert.equal(mine.summary.directText, '直接推荐0人', 'nothing recorded, the count does not rise');
  assert.equal(mine.summary.hasReferrer, false);

  const joined = await api('POST', '/referrals', { token: b.token, key: newKey(), body: { code: codeA, channel: 'code' } });
  assert.equal(joined.status, 200, JSON.stringify(joined.body));
  const theirs = await treeOver(b.token, b.patientId);
  assert.equal(theirs.summary.hasReferrer, true, 'B joined through A: 填写好友的推荐码 is hidden for B');
  assert.equal(theirs.summary.directText, '直接推荐0人', 'the referrer is nobody B referred');
  const after = await treeOver(a.token, a.patientId);
  assert.equal(after.summary.hasReferrer, false);
  assert.equal(after.summary.directText, '直接推荐1人');

  // B has not shared their progress (G7): A's wallet reasons do not name B.
  const unnamed = await api('GET', '/eligibility-inputs', { token: a.token });
  assert.equal(unnamed.status, 200, JSON.stringify(unnamed.body));
  const before = unnamed.body.referrals.find((r) => r.refereeId === b.patientId);
  assert.ok(before, 'the referral to B is in A’s inputs');
  assert.equal(before.refereeName, undefined, 'a friend without the progress consent stays unnamed in the wallet');

  // Once B shares their progress, A's wallet inputs name B exactly as A's tree does.
  const consent = await api('PUT', '/me/consents', { token: b.token, key: newKey(), body: { purpose: 'shareProgressWithReferrer', granted: true } });
  assert.equal(consent.status, 200, JSON.stringify(consent.body));
  const inputs = await api('GET', '/eligibility-inputs', { token: a.token });
  assert.equal(inputs.status, 200, JSON.stringify(inputs.body));
  const toB = inputs.body.referrals.find((r) => r.refereeId === b.patientId);
  assert.equal(toB.refereeName, after.friends[0].maskedName, 'one masking: the tree’s and the wallet’s');
  assert.match(toB.refereeName, /\*/u, 'masked before it leaves the server');
});

test('offline demo: the signed-in patient’s own code is refused by the claim; the simulated friend joins', async () => {
  const now = Date.UTC(2026, 10, 23, 8);
  const dbName = `one-number-${randomUUID()}`;
  const patient = createOfflineBackend({ dbName, clock: () => now });
  await patient.init();
  const { code } = await patient.getReferralCode(core);
  const before = (await patient.getReferralGraph()).records.length;

  const lookup = await patient.lookupReferralCode(code, core);
  assert.equal(lookup.ownCode, true, 'the demo patient’s own code, looked up by the demo patient');
  await assert.rejects(
    patient.claimReferral({ code, channel: 'code', shareProgress: false, key: newKey() }, core),
    (error) => {
      assert.equal(error.status, 409);
      assert.equal(error.code, 'referral.self_referral');
      assert.equal(error.message, '不能使用自己的推荐码');
      return true;
    },
  );
  assert.equal((await patient.getReferralGraph()).records.length, before, 'nothing recorded');
  const tree = core.call('myReferralTree', { nowMs: now, patientId: (await patient.getProfile()).patientId, ...(await patient.getReferralGraph()) });
  assert.equal(tree.value.summary.hasReferrer, false);

  // The "friend's phone" (the demo opened on the join link) registers a new synthetic friend.
  const friend = createOfflineBackend({ dbName, clock: () => now, simulatedFriend: true });
  await friend.init();
  assert.equal((await friend.lookupReferralCode(code, core)).ownCode, false);
  const done = await friend.claimReferral({ code, channel: 'link', shareProgress: true, key: newKey() }, core);
  assert.equal(done.status, 'done');
  assert.equal((await patient.getReferralGraph()).records.length, before + 1);

  // The wallet's inputs name that friend as the tree does.
  const graph = await patient.getReferralGraph();
  const after = core.call('myReferralTree', { nowMs: now, patientId: (await patient.getProfile()).patientId, ...graph });
  const joined = after.value.friends.find((f) => f.recordId === done.referralId);
  const inputs = await patient.getEligibilityInputs();
  const fact = inputs.referrals.find((r) => r.id === done.referralId);
  assert.equal(core.call('myReferralTree', {
    nowMs: now,
    patientId: 'p',
    records: [{ id: 'x', referrerId: 'p', refereeId: 'f', invitedAtMs: now }],
    patients: [{ id: 'p' }, { id: 'f', name: fact.refereeName }],
  }).value.friends[0].maskedName, joined.maskedName, 'the name given to the wallet masks to the tree’s label');
});
