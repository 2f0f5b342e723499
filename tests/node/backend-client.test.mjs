// The offline queue's transport (web/backend/http.js sendBatch, the outbox's
// `send`) against the reference backend's limits, with a fake fetch that
// behaves like it (bodies over 1 MiB: 413; a whole-batch 4xx): deliveries are
// split under MAX_BATCH_BYTES, an entry too big to ever send is answered 413
// on the device (a final answer the outbox drops with a notice), a batch
// refused as a whole is narrowed down to the entry at fault, and a consent
// withdrawal queued behind big stories still reaches the server.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_BODY_BYTES } from '../../scripts/backend/server.mjs';
import { MAX_BATCH_BYTES, createHttpBackend } from '../../web/backend/http.js';

const json = (status, body) => new Response(JSON.stringify({ ...body, serverTimeMs: 1 }), { status, headers: { 'Content-Type': 'application/json' } });

/** A fake server: /now, /profile, and /batch answering like the reference backend (413 over its limit). */
function fakeServer({ refuse = () => null } = {}) {
  const batches = [];
  const fetch = async (url, init) => {
    const path = new URL(url).pathname.replace('/api/v1', '');
    if (path === '/now') return json(200, { coreVersion: 'x' });
    if (path === '/profile') return json(200, { patientId: 'p-1', displayName: '王*', demo: true, referralCode: null, community: null });
    if (path === '/batch') {
      const bytes = new TextEncoder().encode(init.body).length;
      if (bytes > MAX_BODY_BYTES) return json(413, { error: { code: 'request.too_large', message: '请求内容过大' } });
      const { items } = JSON.parse(init.body);
      const refusal = refuse(items);
      if (refusal) return json(refusal.status, { error: refusal.error });
      batches.push({ bytes, items });
      return json(200, { results: items.map((i) => ({ idempotencyKey: i.idempotencyKey, status: 200, body: { ok: true } })) });
    }
    throw new Error(`unexpected ${path}`);
  };
  return { fetch, batches };
}

async function transport(fetch) {
  let send = null;
  const outbox = {
    async attach(binding) {
      send = binding.send;
    },
    start() {},
    async pending() {
      return [];
    },
  };
  const backend = createHttpBackend({ baseUrl: 'https://h.example.cn/api/v1', token: 'cc_test-token-0000000000000000', fetch, outbox, sleep: async () => {} });
  await backend.init();
  return send;
}

const story = (n, chars) => ({ key: `story-key-${String(n).padStart(8, '0')}`, op: 'submitStory', body: { title: `故事${n}`, story: '好'.repeat(chars) } });
const withdrawal = { key: 'consent-key-000000001', op: 'setConsent', body: { purpose: 'stories', granted: false } };

test('the outbox’s batches stay under the server’s body limit; the withdrawal behind big stories is delivered', async () => {
  const { fetch, batches } = fakeServer();
  const send = await transport(fetch);
  assert.ok(MAX_BATCH_BYTES < MAX_BODY_BYTES);
  // Five stories of ~240 KB each (80,000 three-byte characters) and the consent withdrawal: 1.2 MB in one go would be 413.
  const entries = [...Array.from({ length: 5 }, (_, i) => story(i, 80_000)), withdrawal];
  const answers = await send(entries);
  assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 200, 200, 200]);
  assert.deepEqual(answers.map((a) => a.key), entries.map((e) => e.key), 'one answer per entry, in order');
  assert.ok(batches.length >= 3, `split into ${batches.length} deliveries`);
  assert.ok(batches.every((b) => b.bytes <= MAX_BATCH_BYTES), 'every delivery under the limit');
  assert.ok(batches.at(-1).items.some((i) => i.operation === 'setConsent'), 'the withdrawal reached the server');
});

test('an entry too big to ever send is a final 413 answered on the device; the rest is delivered', async () => {
  const { fetch, batches } = fakeServer();
  const send = await transport(fetch);
  const huge = story(9, 400_000); // 1.2 MB on its own
  const answers = await send([huge, withdrawal]);
  assert.deepEqual(answers.map((a) => [a.key, a.status, a.body.error?.code ?? null]), [
    [huge.key, 413, 'request.too_large'],
    [withdrawal.key, 200, null],
  ]);
  assert.ok(!batches.some((b) => b.items.some((i) => i.idempotencyKey === huge.key)), 'never sent');
});

test('a batch refused as a whole (4xx) is narrowed down to the entry at fault; the others are delivered', async () => {
  const bad = { key: 'bad-entry-key-0000001', op: 'notAnOperation', body: {} };
  const { fetch, batches } = fakeServer({
    refuse: (items) =>
      items.some((i) => i.operation === 'notAnOperation')
        ? { status: 400, error: { code: 'request.bad_body', message: '不符合接口约定', path: '/items/0/operation' } }
        : null,
  });
  const send = await transport(fetch);
  const entries = [story(1, 10), bad, withdrawal, story(2, 10)];
  const answers = await send(entries);
  assert.deepEqual(answers.map((a) => [a.key, a.status]), [
    [entries[0].key, 200],
    [bad.key, 400],
    [withdrawal.key, 200],
    [entries[3].key, 200],
  ]);
  assert.equal(answers[1].body.error.code, 'request.bad_body');
  assert.equal(batches.flatMap((b) => b.items).length, 3);
});

test('a 5xx or a network failure still throws: the outbox keeps the entries and retries', async () => {
  let batchCalls = 0;
  const base = fakeServer();
  const fetch = async (url, init) => {
    if (url.endsWith('/batch')) {
      batchCalls += 1;
      return json(503, { error: { code: 'service.unavailable', message: '稍后再试' } });
    }
    return base.fetch(url, init);
  };
  const send = await transport(fetch);
  await assert.rejects(send([withdrawal]), (error) => error.retryable === true && error.status === 503);
  assert.ok(batchCalls >= 1);
});
