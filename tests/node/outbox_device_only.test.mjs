// G9 on the HTTP backend: with the rehabData consent withdrawn the server
// answers a check-in without storing it (`storedOnServer: false`). The
// patient may still check in on the device, so the outbox keeps such
// check-ins in a store of their own and the HTTP backend's streak inputs
// include them; check-ins the server stored, or another patient's, are not
// kept. Runs web/backend/outbox.js and http.js on an in-memory IndexedDB.
import 'fake-indexeddb/auto';

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createHttpBackend } from '../../web/backend/http.js';
import { createOutbox } from '../../web/backend/outbox.js';

const quiet = { window: undefined, document: undefined, navigator: undefined };
const checkIn = (id, seq) => ({ id, patientId: 'p-1', atMs: 1_795_000_000_000 + seq * 60_000, seq });

/** An outbox whose deliveries the server answers with `storedOnServer` as given per check-in id. */
async function outboxAnswering(dbName, owner, storedOnServer) {
  const outbox = createOutbox({ dbName, environment: quiet });
  await outbox.attach({
    owner,
    send: async (entries) =>
      entries.map((e) => ({
        key: e.key,
        status: 200,
        body: { outcome: 'accepted', storedOnServer: storedOnServer(e.body.id) },
      })),
  });
  return outbox;
}

test('a check-in the server did not store stays on the device; a stored one does not', async () => {
  const outbox = await outboxAnswering('device-only-1', 'p-1', (id) => id !== 'kept-on-device');
  await outbox.enqueue('saveCheckIn', checkIn('kept-on-device', 1), { key: 'k-0000000000000001' });
  await outbox.enqueue('saveCheckIn', checkIn('stored-on-server', 2), { key: 'k-0000000000000002' });
  const result = await outbox.sync();
  assert.equal(result.ok, true);
  assert.equal(result.acked, 2);
  assert.deepEqual(await outbox.pending(), [], 'both answered');
  assert.deepEqual((await outbox.deviceOnlyCheckIns()).map((c) => c.id), ['kept-on-device']);
});

test('another patient on the same device never sees them', async () => {
  const first = await outboxAnswering('device-only-2', 'p-1', () => false);
  await first.enqueue('saveCheckIn', checkIn('mine', 1), { key: 'k-0000000000000003' });
  await first.sync();
  const second = await outboxAnswering('device-only-2', 'p-2', () => false);
  assert.deepEqual(await second.deviceOnlyCheckIns(), []);
  assert.equal((await first.deviceOnlyCheckIns()).length, 1);
});

test('the HTTP backend’s streak inputs include the device-only check-ins, once', async () => {
  const outbox = await outboxAnswering('device-only-3', 'p-1', () => false);
  await outbox.enqueue('saveCheckIn', checkIn('device-1', 5), { key: 'k-0000000000000004' });
  await outbox.sync();
  const serverCheckIn = checkIn('server-1', 3);
  const json = (body) => new Response(JSON.stringify({ ...body, serverTimeMs: 1 }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  const fetch = async (url) => {
    const path = new URL(url).pathname.replace('/api/v1', '');
    if (path === '/now') return json({ coreVersion: 'x' });
    if (path === '/profile') return json({ patientId: 'p-1', displayName: '王*', demo: true, referralCode: null, community: null });
    if (path === '/streak-inputs') return json({ patientId: 'p-1', checkIns: [serverCheckIn], granted: [], restDays: [] });
    throw new Error(`unexpected ${path}`);
  };
  const backend = createHttpBackend({ baseUrl: 'https://h.example.cn/api/v1', token: 'cc_test-token-0000000000000000', fetch, outbox, sleep: async () => {} });
  await backend.init();
  outbox.stop();
  const inputs = await backend.getStreakInputs();
  assert.deepEqual(inputs.checkIns.map((c) => c.id), ['server-1', 'device-1'], 'the server’s and the device’s, in sequence order');
});
