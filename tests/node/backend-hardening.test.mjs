// The reference backend under hostile input and failing infrastructure, on a
// private PostgreSQL (docs/trust.md, docs/bad-input.md):
//   - oversized, NUL-carrying, deeply nested and bloated bodies get 4xx, never 500;
//   - idempotency keys are per subject, and old ones are purged by a job;
//   - rate limits answer 429 with Retry-After; a patient cannot flood the story queue;
//   - late check-ins prove only what the server can believe; hospital events
//     are dated at most 7 days back and their recorder is stored;
//   - the referrer's device never gets a non-consenting friend's stage instants or
//     any friend's full name;
//   - two patients claiming each other's codes at once: no 500; staff codes refused;
//   - PostgreSQL: passwords only, a non-superuser role, durable settings;
//   - PostgreSQL killed under load: the process lives, answers 503 with
//     Retry-After, and serves again once PostgreSQL is back;
//   - two server processes on one database keep the quota and the replays.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import pg from 'pg';

import { freePort, isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { MAX_BODY_BYTES, startBackend } from '../../scripts/backend/server.mjs';
import { MAX_PENDING_STORIES, MAX_STORY_CHARS, STAFF_STORIES_PAGE } from '../../scripts/backend/service.mjs';
import { livePids, processesMentioning, stopProcess } from '../support/backend.mjs';
import { loadCore, repoRoot, wasmDir } from './helpers.mjs';

const DAY_MS = 86_400_000;
const TEST_TIMEOUT = 120_000;
const SERVER = join(repoRoot, 'scripts', 'backend', 'server.mjs');

let postgres;
let backend;
let core;
const children = [];
/** The in-process server's log lines (warnings and errors). */
const logs = [];

const newKey = () => `k-${randomUUID()}`;

/** Plain JSON over fetch (statuses outside the happy path included), with the reply's headers. */
function client(apiUrl) {
  return async function api(method, path, { token, key, body, raw, headers = {} } = {}) {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(key ? { 'Idempotency-Key': key } : {}),
        ...(body !== undefined || raw !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: raw ?? (body !== undefined ? JSON.stringify(body) : undefined),
    });
    const text = await response.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: the assertion on the status says what it was
    }
    return { status: response.status, body: json, text, headers: response.headers };
  };
}

let api;

async function session(as, extra = {}, call = api) {
  const r = await call('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, r.text);
  return { token: r.body.token ?? r.body.accessToken, patientId: r.body.patientId };
}

/** Starts scripts/backend/server.mjs as a child process; resolves when it prints READY. */
async function spawnServer(databaseUrl, args = []) {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER, '--database-url', databaseUrl, '--port', String(port), '--no-web', '--demo', '--no-schedule', ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('READY\n')) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${output}`));
    });
  });
  return { child, apiUrl: `http://127.0.0.1:${port}/api/v1`, output: () => output };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next;
        next += 1;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(wasmDir, file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: true, schedule: false, log: (line) => logs.push(line) });
  api = client(backend.apiUrl);
  const module = await loadCore();
  core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
});

after(async () => {
  for (const child of children) await stopProcess(child, 'SIGKILL');
  assert.deepEqual(livePids(children.map((c) => c.pid)), [], 'no server process is left');
  await backend?.close();
  if (postgres) {
    const { dir } = postgres;
    await postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
    assert.deepEqual(processesMentioning(dir), [], 'no process of the private PostgreSQL is left');
  }
});

test('bad bodies are 4xx, never 500: 413 before the socket closes, NUL, deep nesting, bloated field names', { timeout: TEST_TIMEOUT }, async () => {
  const me = await session('newPatient');
  const { serverTimeMs } = (await api('GET', '/now')).body;
  const record = { id: `c-${randomUUID()}`, patientId: me.patientId, atMs: serverTimeMs, seq: 1, kind: 'normal' };

  // 1.1 MB: a JSON 413, read by the client (not a connection reset).
  const big = await api('POST', '/check-ins', { token: me.token, key: newKey(), body: { ...record, id: 'x'.repeat(1_100_000) } });
  assert.equal(big.status, 413, big.text.slice(0, 200));
  assert.equal(big.body.error.code, 'request.too_large');
  assert.equal(typeof big.body.serverTimeMs, 'number');
  assert.ok(1_100_000 > MAX_BODY_BYTES);

  // A NUL in a string or a key: 400 with its path, nothing stored.
  for (const [body, path] of [
    [{ ...record, id: 'c-\u0000' }, '/id'],
    [{ ...record, ['ki\u0000nd']: 'x' }, '/ki\u0000nd'],
  ]) {
    const r = await api('POST', '/check-ins', { token: me.token, key: newKey(), body });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'request.bad_body');
    assert.equal(r.body.error.path, path);
  }
  const nulStory = await api('POST', '/stories', { token: me.token, key: newKey(), body: { title: 'a\u0000', story: 'b' } });
  assert.equal(nulStory.status, 400);

  // 10,000 levels of nesting: 400, for a mutation and inside a batch item.
  const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
  const nested = await api('POST', '/check-ins', { token: me.token, key: newKey(), raw: `{"id":${deep}}` });
  assert.equal(nested.status, 400, nested.text.slice(0, 200));
  assert.equal(nested.body.error.code, 'request.bad_body');
  const nestedBatch = await api('POST', '/batch', {
    token: me.token,
    key: newKey(),
    raw: `{"items":[{"idempotencyKey":"${newKey()}","operation":"saveCheckIn","body":{"id":${deep}}}]}`,
  });
  assert.equal(nestedBatch.status, 400, nestedBatch.text.slice(0, 200));

  // A 900 kB unknown field name: refused, and not echoed back.
  const bloated = await api('POST', '/check-ins', { token: me.token, key: newKey(), body: { ...record, ['f'.repeat(900_000)]: 1 } });
  assert.equal(bloated.status, 400);
  assert.ok(bloated.text.length < 2_000, `reply of ${bloated.text.length} characters`);
  assert.equal(bloated.body.error.path, `/${'f'.repeat(64)}`);

  const stored = await backend.pool.query('SELECT count(*)::int AS n FROM check_ins WHERE patient_id = $1', [me.patientId]);
  assert.equal(stored.rows[0].n, 0);
});

test('idempotency keys belong to their subject; a job purges old ones', { timeout: TEST_TIMEOUT }, async () => {
  const a = await session('newPatient');
  const b = await session('newPatient');
  const key = newKey();
  const consent = (who) => api('PUT', '/me/consents', { token: who.token, key, body: { purpose: 'community', granted: true } });
  const first = await consent(a);
  const second = await consent(b);
  assert.equal(first.status, 200);
  assert.equal(second.status, 200, 'the same key text from another patient is another key');
  assert.equal(second.body.replayed, undefined);
  assert.equal((await consent(a)).body.replayed, true);
  const rows = await backend.pool.query('SELECT subject_id FROM idempotency_keys WHERE key = $1 ORDER BY subject_id', [key]);
  assert.deepEqual(rows.rows.map((r) => r.subject_id), [a.patientId, b.patientId].sort());

  await backend.pool.query("UPDATE idempotency_keys SET created_at = now() - interval '31 days' WHERE key = $1 AND subject_id = $2", [
    key,
    a.patientId,
  ]);
  const run = await backend.jobs.runNow('purge-idempotency-keys');
  assert.equal(run.ran, true);
  assert.ok(run.summary.deleted >= 1);
  const left = await backend.pool.query('SELECT subject_id FROM idempotency_keys WHERE key = $1', [key]);
  assert.deepEqual(left.rows.map((r) => r.subject_id), [b.patientId], 'only the old key is gone');
  const sessions = await backend.jobs.runNow('purge-expired-sessions');
  assert.equal(sessions.ran, true);
  assert.equal(typeof sessions.summary.deleted, 'number');
});

test('rate limits: 429 with Retry-After per token and per address', { timeout: TEST_TIMEOUT }, async () => {
  const limited = await startBackend({
    databaseUrl: postgres.url,
    port: 0,
    web: false,
    demo: true,
    seed: false,
    jobs: false,
    rateLimits: { perTokenPerMinute: 5, perAddressPerMinute: 12 },
  });
  try {
    const call = client(limited.apiUrl);
    const me = await session('newPatient', {}, call);
    const replies = [];
    for (let i = 0; i < 6; i += 1) replies.push(await call('GET', '/profile', { token: me.token }));
    assert.deepEqual(replies.map((r) => r.status), [200, 200, 200, 200, 200, 429]);
    const refused = replies[5];
    assert.equal(refused.body.error.code, 'request.rate_limited');
    assert.ok(Number(refused.headers.get('retry-after')) > 0, 'Retry-After says when');
    // The address: 12 requests a minute whatever the token.
    const statuses = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await call('GET', '/now')).status);
    assert.ok(statuses.includes(429), `statuses ${statuses}`);
    const last = await call('GET', '/now');
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers.get('retry-after')) > 0);
  } finally {
    await limited.close();
  }
});

test('stories: a cap on pending stories and on length; the staff queue pages and takes every author in turn', { timeout: TEST_TIMEOUT }, async () => {
  const staff = await session('staff', { role: 'service' });
  const authors = [];
  for (let i = 0; i < 11; i += 1) {
    const p = await session('newPatient');
    assert.equal((await api('PUT', '/me/consents', { token: p.token, key: newKey(), body: { purpose: 'stories', granted: true } })).status, 200);
    authors.push(p);
  }
  const submit = (p, n) =>
    api('POST', '/stories', { token: p.token, key: newKey(), body: { title: `康复记录${n}`, story: `今天按时做了康复操，第${n}天。` } });
  const [flood] = authors;
  const floods = [];
  for (let n = 0; n < MAX_PENDING_STORIES + 2; n += 1) floods.push(await submit(flood, n));
  assert.deepEqual(floods.map((r) => r.status), [...Array(MAX_PENDING_STORIES).fill(200), 429, 429]);
  assert.equal(floods[MAX_PENDING_STORIES].body.error.code, 'story.too_many_pending');
  const long = await api('POST', '/stories', { token: authors[1].token, key: newKey(), body: { title: '长', story: '好'.repeat(MAX_STORY_CHARS + 1) } });
  assert.equal(long.status, 400);
  assert.equal(long.body.error.path, '/story');
  for (const p of authors.slice(1)) for (let n = 0; n < MAX_PENDING_STORIES; n += 1) assert.equal((await submit(p, n)).status, 200);

  const total = authors.length * MAX_PENDING_STORIES;
  const first = await api('GET', '/staff/stories', { token: staff.token });
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.stories.length, STAFF_STORIES_PAGE);
  assert.ok(first.body.nextCursor, 'a next page');
  // Every author's first story before anyone's second: the flood does not fill the page.
  const firstNames = first.body.stories.slice(0, authors.length);
  assert.equal(new Set(firstNames.map((s) => s.id)).size, authors.length);
  const byStory = new Map();
  for (const p of authors) {
    const { rows } = await backend.pool.query('SELECT id FROM stories WHERE patient_id = $1', [p.patientId]);
    for (const r of rows) byStory.set(r.id, p.patientId);
  }
  assert.equal(new Set(firstNames.map((s) => byStory.get(s.id))).size, authors.length, 'one story of each author first');
  assert.ok(first.body.stories.every((s) => s.pendingByAuthor === MAX_PENDING_STORIES));
  const second = await api('GET', `/staff/stories?before=${first.body.nextCursor}`, { token: staff.token });
  assert.equal(second.status, 200);
  const seen = [...first.body.stories, ...second.body.stories].map((s) => s.id);
  assert.ok(seen.length >= total && new Set(seen).size === seen.length, 'every story once');
  assert.equal((await api('GET', '/staff/stories?before=bm90LWEtY3Vyc29y', { token: staff.token })).status, 400);
});

test('late check-ins prove only what the server can believe (nothing before enrolment, nothing long before the last contact)', { timeout: TEST_TIMEOUT }, async () => {
  // A new patient sends 70 check-ins dated −70 … −1 days in one batch: none counts.
  const fresh = await session('newPatient');
  const { serverTimeMs } = (await api('GET', '/now')).body;
  const items = Array.from({ length: 70 }, (_, i) => ({
    idempotencyKey: newKey(),
    operation: 'saveCheckIn',
    body: { id: `c-${randomUUID()}`, patientId: fresh.patientId, atMs: serverTimeMs - (70 - i) * DAY_MS, seq: i + 1, kind: 'normal' },
  }));
  const batch = await api('POST', '/batch', { token: fresh.token, key: newKey(), body: { items } });
  assert.equal(batch.status, 200, batch.text.slice(0, 300));
  const outcomes = new Set(batch.body.results.map((r) => `${r.status} ${r.body.error?.code ?? r.body.outcome}`));
  assert.deepEqual([...outcomes], ['422 checkin.before_enrolment']);
  const stored = await backend.pool.query('SELECT count(*)::int AS n FROM check_ins WHERE patient_id = $1', [fresh.patientId]);
  assert.equal(stored.rows[0].n, 0);
  const streak = (await api('GET', '/streak-inputs', { token: fresh.token })).body;
  delete streak.serverTimeMs;
  const report = core.call('evaluateStreak', { nowMs: serverTimeMs, patientId: fresh.patientId, ...streak });
  assert.ok(report.ok);
  assert.deepEqual(report.value.milestones, [], 'no voucher for days it cannot prove');

  // A patient enrolled 100 days ago, last seen 5 days ago: back to 7 days ago is believable, 8 is not.
  const old = await session('newPatient');
  await backend.pool.query(
    "UPDATE patients SET created_at = now() - interval '100 days', last_seen_at_ms = $2, contact_before_ms = NULL WHERE id = $1",
    [old.patientId, serverTimeMs - 5 * DAY_MS],
  );
  const post = (daysBack, seq) =>
    api('POST', '/check-ins', {
      token: old.token,
      key: newKey(),
      body: { id: `c-${randomUUID()}`, patientId: old.patientId, atMs: serverTimeMs - daysBack * DAY_MS, seq, kind: 'normal' },
    });
  const tooOld = await post(8, 1);
  assert.equal(tooOld.status, 422, tooOld.text);
  assert.equal(tooOld.body.error.code, 'checkin.unprovable_day');
  const believable = await post(6.5, 2);
  assert.equal(believable.status, 200, believable.text);
  assert.equal(believable.body.outcome, 'accepted');
  const contact = await backend.pool.query('SELECT contact_before_ms, last_seen_at_ms FROM patients WHERE id = $1', [old.patientId]);
  assert.equal(contact.rows[0].contact_before_ms, serverTimeMs - 5 * DAY_MS, 'the contact before the gap is the bound');
});

test('hospital events: dated at most 7 days back, the recorder stored', { timeout: TEST_TIMEOUT }, async () => {
  const staff = await session('staff');
  const referrer = await session('demoPatient');
  const code = (await api('GET', '/profile', { token: referrer.token })).body.referralCode;
  const friend = await session('newPatient');
  const claim = await api('POST', '/referrals', { token: friend.token, key: newKey(), body: { code, channel: 'code' } });
  assert.equal(claim.status, 200, claim.text);
  const { serverTimeMs } = claim.body;
  const event = (atMs) =>
    api('POST', '/staff/referral-events', { token: staff.token, key: newKey(), body: { referralId: claim.body.referralId, event: 'arrivalConfirmed', atMs } });
  const backdated = await event(serverTimeMs - 91 * DAY_MS);
  assert.equal(backdated.status, 422, backdated.text);
  assert.equal(backdated.body.error.code, 'referral.event_too_old');
  const ok = await event(serverTimeMs - 6 * DAY_MS);
  assert.equal(ok.status, 200, ok.text);
  const { rows } = await backend.pool.query('SELECT recorded_by, at_ms FROM hospital_events WHERE referral_id = $1', [claim.body.referralId]);
  assert.deepEqual(rows, [{ recorded_by: staff.patientId, at_ms: serverTimeMs - 6 * DAY_MS }]);
});

test('the referrer’s device gets no non-consenting friend’s stage instants and no full name', { timeout: TEST_TIMEOUT }, async () => {
  const me = await session('demoPatient');
  const inputs = (await api('GET', '/eligibility-inputs', { token: me.token })).body;
  const byReferee = new Map(inputs.referrals.map((r) => [r.refereeId, r]));
  const raw = await backend.pool.query('SELECT referee_id, consent_to_share_progress, arrival_confirmed_at_ms, complaint_at_ms FROM referrals WHERE referrer_id = $1', [
    DEMO_PATIENT_ID,
  ]);
  const hidden = raw.rows.filter((r) => !r.consent_to_share_progress && (r.arrival_confirmed_at_ms > 0 || r.complaint_at_ms > 0));
  assert.ok(hidden.length >= 2, 'the demo has non-consenting friends who arrived or complained');
  for (const r of hidden) {
    assert.equal(byReferee.get(r.referee_id).arrivalConfirmedAtMs, 0, `${r.referee_id}: no arrival instant`);
    assert.equal(byReferee.get(r.referee_id).complaintAtMs, 0, `${r.referee_id}: no complaint instant`);
  }
  const shared = raw.rows.find((r) => r.consent_to_share_progress && r.arrival_confirmed_at_ms > 0);
  assert.equal(byReferee.get(shared.referee_id).arrivalConfirmedAtMs, shared.arrival_confirmed_at_ms, 'a consenting friend’s stage is there');

  const graph = (await api('GET', '/referral-graph', { token: me.token })).body;
  const names = await backend.pool.query("SELECT name FROM patients WHERE name <> ''");
  const text = JSON.stringify(graph);
  for (const { name } of names.rows) if ([...name].length >= 2) assert.ok(!text.includes(name), `no full name (${name[0]}…)`);
  const tree = core.call('myReferralTree', { nowMs: graph.serverTimeMs, patientId: DEMO_PATIENT_ID, records: graph.records, patients: graph.patients });
  assert.ok(tree.ok, JSON.stringify(tree.error));
  const li = tree.value.friends.find((f) => f.maskedName === '李*芳');
  assert.ok(li, 'the core still shows the masked name');
});

test('two patients claiming each other’s codes at once: no 500; a staff code is refused', { timeout: TEST_TIMEOUT }, async () => {
  const staff = await session('staff');
  const staffCode = (await backend.pool.query('SELECT referral_code FROM patients WHERE id = $1', [staff.patientId])).rows[0].referral_code;
  const someone = await session('newPatient');
  const viaStaff = await api('POST', '/referrals', { token: someone.token, key: newKey(), body: { code: staffCode, channel: 'code' } });
  assert.equal(viaStaff.status, 404, viaStaff.text);
  assert.equal(viaStaff.body.error.code, 'referral.unknown_code');

  const pairs = await mapLimit(Array.from({ length: 15 }), 5, async () => {
    const a = await session('newPatient');
    const b = await session('newPatient');
    const codeOf = async (p) => (await api('GET', '/profile', { token: p.token })).body.referralCode;
    return { a, b, codeA: await codeOf(a), codeB: await codeOf(b) };
  });
  const replies = await Promise.all(
    pairs.flatMap(({ a, b, codeA, codeB }) => [
      api('POST', '/referrals', { token: a.token, key: newKey(), body: { code: codeB, channel: 'code' } }),
      api('POST', '/referrals', { token: b.token, key: newKey(), body: { code: codeA, channel: 'code' } }),
    ]),
  );
  for (let i = 0; i < replies.length; i += 2) {
    const statuses = [replies[i].status, replies[i + 1].status].sort();
    assert.deepEqual(statuses, [200, 409], `${replies[i].text} / ${replies[i + 1].text}\n${logs.slice(-5).join('\n').slice(0, 3000)}`);
    const loser = replies[i].status === 409 ? replies[i] : replies[i + 1];
    assert.equal(loser.body.error.code, 'referral.cycle');
  }
});

test('PostgreSQL: passwords only, a non-superuser application role, durable settings', { timeout: TEST_TIMEOUT }, async () => {
  const app = new pg.Client({ connectionString: postgres.url });
  await app.connect();
  try {
    const role = await app.query('SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user');
    assert.deepEqual(role.rows[0], { rolsuper: false, rolcreaterole: false, rolcreatedb: false });
    for (const setting of ['fsync', 'synchronous_commit', 'full_page_writes']) {
      assert.equal((await app.query(`SHOW ${setting}`)).rows[0][setting], 'on', setting);
    }
    const owned = await app.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner <> current_user");
    assert.equal(owned.rows[0].n, 0, 'the role owns the tables it uses');
  } finally {
    await app.end();
  }
  const url = new URL(postgres.url);
  const noPassword = new pg.Client({ host: url.hostname, port: Number(url.port), user: url.username, database: 'carecircle', password: '' });
  await assert.rejects(noPassword.connect());
  const wrong = new pg.Client({ host: url.hostname, port: Number(url.port), user: url.username, database: 'carecircle', password: 'guess' });
  await assert.rejects(wrong.connect(), /password authentication failed/);
  const admin = new pg.Client({ connectionString: postgres.adminUrl });
  await admin.connect();
  try {
    const rules = await admin.query('SELECT DISTINCT auth_method FROM pg_hba_file_rules');
    assert.deepEqual(rules.rows.map((r) => r.auth_method), ['scram-sha-256'], 'no trust anywhere');
  } finally {
    await admin.end();
  }
  assert.equal((readFileSync(join(postgres.dir, 'secrets.json')).length > 0), true);
});

test('PostgreSQL killed under load: the process lives, answers 503 with Retry-After, and serves again after a restart', { timeout: TEST_TIMEOUT }, async () => {
  const own = await startPostgres();
  try {
    const server = await spawnServer(own.url, ['--rate-limit-address', '100000', '--rate-limit-token', '100000']);
    const call = client(server.apiUrl);
    const clients = [];
    for (let i = 0; i < 8; i += 1) clients.push(await session('newPatient', {}, call));
    const statuses = new Map();
    let retryAfter = null;
    let stop = false;
    const load = clients.map(async (me, i) => {
      let seq = 0;
      while (!stop) {
        seq += 1;
        const r = await call('POST', '/check-ins', {
          token: me.token,
          key: newKey(),
          body: { id: `c-${i}-${seq}-${randomUUID()}`, patientId: me.patientId, atMs: Date.now(), seq, kind: 'normal' },
        }).catch((error) => ({ status: `network:${error.cause?.code ?? error.message}` }));
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status === 503) retryAfter = r.headers.get('retry-after');
      }
    });
    await new Promise((r) => setTimeout(r, 800));
    const pid = Number(readFileSync(join(own.dir, 'db', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(server.child.exitCode, null, `the server is alive while PostgreSQL is down:\n${server.output().slice(-2000)}`);
    // PostgreSQL back on the same port and data directory.
    for (let i = 0; i < 50 && livePids([pid]).length; i += 1) await new Promise((r) => setTimeout(r, 100));
    let restarted = null;
    for (let attempt = 0; !restarted; attempt += 1) {
      // The killed postmaster's children may hold its shared memory a moment longer.
      restarted = await startPostgres({ dir: own.dir, port: own.port }).catch((error) => {
        if (attempt >= 20) throw error;
        return new Promise((r) => setTimeout(() => r(null), 250));
      });
    }
    const t0 = Date.now();
    let healthy = false;
    while (!healthy && Date.now() - t0 < 30_000) {
      const r = await call('GET', '/profile', { token: clients[0].token });
      healthy = r.status === 200;
      if (!healthy) await new Promise((res) => setTimeout(res, 200));
    }
    stop = true;
    await Promise.all(load);
    assert.ok(healthy, 'serving again after the restart');
    assert.equal(server.child.exitCode, null, 'the server never died');
    assert.ok((statuses.get(503) ?? 0) > 0, `some requests were answered 503: ${JSON.stringify([...statuses])}`);
    assert.equal(retryAfter, '2');
    assert.equal(statuses.get(500) ?? 0, 0, `no 500: ${JSON.stringify([...statuses])}`);
    assert.ok(![...statuses.keys()].some((s) => String(s).startsWith('network:')), `the server always answered: ${JSON.stringify([...statuses])}`);
    assert.doesNotMatch(server.output(), /Unhandled|uncaught/i);
    await stopProcess(server.child);
    await restarted.stop();
  } finally {
    await own.stop();
    const { rmSync } = await import('node:fs');
    rmSync(own.dir, { recursive: true, force: true });
  }
});

test('two server processes on one PostgreSQL: 200 claims split across both grant exactly 10; replays cross instances', { timeout: TEST_TIMEOUT }, async () => {
  const now = Date.now();
  const shanghai = new Date(now + 8 * 3_600_000);
  const offset = shanghai.getUTCDate() >= 15 ? 0 : Date.UTC(shanghai.getUTCFullYear(), shanghai.getUTCMonth(), 15, 2) - now;
  const own = await startPostgres();
  try {
    // The request path alone: the server's own issuance job would hand out the places before the check-ins.
    const flags = ['--now-offset-ms', String(offset), '--rate-limit-address', '100000', '--rate-limit-token', '100000', '--no-jobs'];
    const one = await spawnServer(own.url, flags);
    const two = await spawnServer(own.url, flags);
    const apiOne = client(one.apiUrl);
    const apiTwo = client(two.apiUrl);
    const staff = await session('staff', {}, apiOne);
    const member = await session('demoPatient', {}, apiOne);
    const memberCode = (await apiOne('GET', '/profile', { token: member.token })).body.referralCode;
    const patients = await mapLimit(Array.from({ length: 200 }), 16, async (_, i) => {
      const call = i % 2 ? apiTwo : apiOne;
      const p = await session('newPatient', {}, call);
      const claim = await call('POST', '/referrals', { token: p.token, key: newKey(), body: { code: memberCode, channel: 'code' } });
      assert.equal(claim.status, 200, claim.text);
      const event = await call('POST', '/staff/referral-events', {
        token: staff.token,
        key: newKey(),
        body: { referralId: claim.body.referralId, event: 'registrationConfirmed', atMs: claim.body.serverTimeMs - 1000 },
      });
      assert.equal(event.status, 200, event.text);
      return p;
    });
    const checkIns = await mapLimit(patients, 16, async (p) => {
      const inputs = (await apiOne('GET', '/eligibility-inputs', { token: p.token })).body;
      const nowMs = inputs.serverTimeMs;
      delete inputs.serverTimeMs;
      const report = core.call('evaluateEligibility', { nowMs, ...inputs, milestones: [] });
      const grant = report.value.campaigns.find((c) => c.campaignId === 'scarce-quota').grants.find((g) => g.reward.id === 'half-price-exam');
      assert.equal(grant?.state, 'issuable');
      return { token: p.token, body: { id: `c-${randomUUID()}`, patientId: p.patientId, atMs: nowMs, seq: 1, kind: 'normal' } };
    });
    // Each check-in runs the server's issuance, which takes a place if one is left.
    const replies = await Promise.all(
      checkIns.map(({ token, body }, i) => (i % 2 ? apiTwo : apiOne)('POST', '/check-ins', { token, key: newKey(), body })),
    );
    for (const r of replies) assert.equal(r.status, 200, r.text);
    const places = (r) => r.body.rewards.issued.filter((g) => g.campaignId === 'scarce-quota' && g.grantKey.includes(':half-price-exam@')).length;
    assert.equal(replies.filter((r) => places(r) === 1).length, 10, 'exactly 10 across both processes');
    const db = new pg.Client({ connectionString: own.url });
    await db.connect();
    try {
      // The check-ins issue every place the core reports issuable; the half-price pool is the one contended.
      const counter = await db.query("SELECT used FROM quota_counters WHERE campaign_id = 'scarce-quota' AND pool_id = 'half-price-exam'");
      assert.deepEqual(counter.rows, [{ used: 10 }]);
    } finally {
      await db.end();
    }

    // A mutation delivered to one instance and replayed to the other: the stored reply.
    const me = patients[0];
    const key = newKey();
    const body = { id: `c-${randomUUID()}`, patientId: null, atMs: 0, seq: 1, kind: 'normal' };
    const profile = (await apiOne('GET', '/profile', { token: me.token })).body;
    body.patientId = profile.patientId;
    body.atMs = profile.serverTimeMs;
    const first = await apiOne('POST', '/check-ins', { token: me.token, key, body });
    const replay = await apiTwo('POST', '/check-ins', { token: me.token, key, body });
    assert.equal(first.status, 200, first.text);
    assert.equal(replay.status, 200);
    assert.equal(replay.body.replayed, true);
    assert.equal(replay.body.outcome, first.body.outcome);
    await stopProcess(one.child);
    await stopProcess(two.child);
  } finally {
    await own.stop();
  }
});
