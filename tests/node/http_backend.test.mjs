// The HTTP backend (web/backend/http.js) against a scripted fake fetch: the
// interface is complete, retries back off exponentially on network errors
// and 5xx but never on 4xx, a mutation keeps ONE idempotency key across its
// retries, timeouts abort, and now() corrects the device clock by the skew
// measured from serverTimeMs (shortest round trip wins).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BACKEND_METHODS } from '../../web/backend/backend.js';
import { BackendError, checkInKey, createHttpBackend } from '../../web/backend/http.js';

function jsonResponse(status, body) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A fake fetch answering from a script of (request) => Response | Error. */
function scripted(steps) {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init, headers: init.headers, body: init.body ? JSON.parse(init.body) : undefined });
    const step = steps.shift();
    if (!step) throw new Error(`unexpected request ${url}`);
    const result = typeof step === 'function' ? await step(url, init) : step;
    if (result instanceof Error) throw result;
    return result;
  };
  return { fetch, calls };
}

function make(fetch, extra = {}) {
  const sleeps = [];
  const backend = createHttpBackend({
    baseUrl: 'https://h.example.cn/api/v1/',
    token: 'cc_test-token-0000000000000000',
    fetch,
    sleep: async (ms) => sleeps.push(ms),
    random: () => 1, // no jitter: backoff is exactly backoffMs * 2^n
    ...extra,
  });
  return { backend, sleeps };
}

test('implements every method of the Backend interface', () => {
  const { backend } = make(async () => jsonResponse(200, {}));
  for (const name of BACKEND_METHODS) assert.equal(typeof backend[name], 'function', name);
});

test('a mutation keeps one idempotency key across retries; network errors and 5xx back off', async () => {
  const { fetch, calls } = scripted([
    new TypeError('fetch failed'),
    jsonResponse(503, { error: { code: 'internal.unexpected', message: 'x' }, serverTimeMs: 1 }),
    jsonResponse(200, { outcome: 'accepted', code: '', message: '打卡成功', date: '2026-11-23', serverTimeMs: 1 }),
  ]);
  const { backend, sleeps } = make(fetch);
  const record = { id: 'c-6f1d4c1e-8f5b-4c53-9d0c-0d8c2b1a0001', patientId: 'p', atMs: 1, seq: 1, kind: 'normal' };
  await backend.saveCheckIn(record);
  assert.equal(calls.length, 3);
  const keys = calls.map((c) => c.headers['Idempotency-Key']);
  assert.equal(new Set(keys).size, 1, 'the same key on every attempt');
  assert.equal(keys[0], checkInKey(record));
  assert.equal(calls[0].url, 'https://h.example.cn/api/v1/check-ins');
  assert.equal(calls[0].headers.Authorization, 'Bearer cc_test-token-0000000000000000');
  assert.deepEqual(sleeps, [300, 600], 'exponential backoff');
});

test('a 4xx is an answer: thrown as BackendError with the server code, never retried', async () => {
  const { fetch, calls } = scripted([
    jsonResponse(422, { error: { code: 'streak.future_timestamp', message: '打卡时间晚于当前时间', path: '/checkIn' }, serverTimeMs: 5 }),
  ]);
  const { backend } = make(fetch);
  await assert.rejects(
    backend.saveCheckIn({ id: 'c-1234567890abcdef', patientId: 'p', atMs: 1, seq: 1, kind: 'normal' }),
    (error) => error instanceof BackendError && error.code === 'streak.future_timestamp' && error.status === 422 && !error.retryable,
  );
  assert.equal(calls.length, 1);
});

test('gives up after the configured retries with a retryable network error', async () => {
  const { fetch, calls } = scripted(Array.from({ length: 3 }, () => new TypeError('fetch failed')));
  const { backend, sleeps } = make(fetch, { retries: 2 });
  await assert.rejects(backend.saveCheckIn({ id: 'c-1234567890abcdef', patientId: 'p', atMs: 1, seq: 1, kind: 'normal' }), (error) => {
    return error instanceof BackendError && error.retryable && error.code === 'network.unavailable';
  });
  assert.equal(calls.length, 3);
  assert.equal(new Set(calls.map((c) => c.headers['Idempotency-Key'])).size, 1);
  assert.deepEqual(sleeps, [300, 600]);
});

test('a request that hangs is aborted by the timeout', async () => {
  const hang = (url, init) =>
    new Promise((resolve, reject) => {
      init.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' })));
    });
  const { fetch } = scripted([hang]);
  const { backend } = make(fetch, { timeoutMs: 30, retries: 0 });
  await assert.rejects(backend.getEligibilityInputs(), (error) => error.code === 'network.timeout');
});

test('now() is the device clock until a reply arrives, then server time corrected for skew', async () => {
  let device = 1_000_000;
  const clock = () => device;
  const { fetch } = scripted([
    async () => {
      device += 400; // a slow round trip: 400 ms
      return jsonResponse(200, { coreVersion: '0.1.0', serverTimeMs: 5_000_000 });
    },
    async () => {
      device += 20; // a fast one: 20 ms, server is 3 999 000 ms ahead
      return jsonResponse(200, { patientId: 'p', displayName: 'x', demo: true, community: null, serverTimeMs: device - 10 + 3_999_000 });
    },
  ]);
  const { backend } = make(fetch, { clock });
  assert.deepEqual(backend.now(), { nowMs: 1_000_000, clock: 'device' });
  await backend.init();
  assert.equal(backend.serverCoreVersion(), '0.1.0');
  assert.equal(backend.skewMs(), 3_999_000, 'the shortest round trip wins');
  device = 2_000_000;
  assert.deepEqual(backend.now(), { nowMs: 5_999_000, clock: 'server' });
});

test('reads fall back to the last good reply when the network is down', async () => {
  const inputs = { checkIns: [], restDays: [], granted: [], serverTimeMs: 1 };
  const { fetch } = scripted([jsonResponse(200, inputs), new TypeError('fetch failed'), new TypeError('fetch failed')]);
  const { backend } = make(fetch, { retries: 1 });
  assert.deepEqual(await backend.getStreakInputs(), { checkIns: [], restDays: [], granted: [] });
  assert.deepEqual(await backend.getStreakInputs(), { checkIns: [], restDays: [], granted: [] }, 'served from memory');
});
