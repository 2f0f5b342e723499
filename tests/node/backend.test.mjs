// The reference backend (scripts/backend) against its own PostgreSQL.
//
// Starts a private PostgreSQL 15 in a temporary data directory on a free
// loopback port (docs/toolchain.md), the backend in-process on another free port,
// and checks over real HTTP what the schema and the core must guarantee:
//   - idempotent replays (sequential and concurrent deliveries of one key),
//   - one referrer per referee (API and raw SQL), no self-referral, no cycle,
//   - single-use vouchers (sequential, concurrent and raw SQL),
//   - 200 simultaneous claims of the 10 monthly half-price coupons grant 10,
//   - a mutation the core rejects is rejected with the core's own code,
//   - every reply carries serverTimeMs; errors are {error: {code, message}}.
// At the end PostgreSQL is stopped by its data directory and no process of it
// is left.
//
// Needs build/wasm/core.{mjs,wasm} and Debian's postgresql (scripts/setup.sh).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { AUTH_ROUTES } from '../../scripts/backend/auth/index.mjs';
import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { apiRoutes, startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { loadCore, repoRoot, wasmDir } from './helpers.mjs';

const DAY_MS = 86_400_000;
const TEST_TIMEOUT = 110_000;

let postgres;
let backend;
let api;
let core;

/** Server clock for this run: on or after the 15th (Shanghai), so the monthly quota is released. */
function quotaReleasedOffsetMs() {
  const now = Date.now();
  const shanghai = new Date(now + 8 * 3_600_000);
  if (shanghai.getUTCDate() >= 15) return 0;
  const fifteenth = Date.UTC(shanghai.getUTCFullYear(), shanghai.getUTCMonth(), 15, 10 - 8, 0, 0);
  return fifteenth - now;
}

const newKey = () => `k-${randomUUID()}`;

/** The API client; every reply must carry the server's time. */
const client = (apiUrl) => apiClient(apiUrl, {
  onReply: (json, method, path) => assert.equal(typeof json.serverTimeMs, 'number', `${method} ${path}: every reply carries serverTimeMs`),
});

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
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
  // The request path alone (the server's own issuance job, tests/node/loops_issuance.test.mjs, would hand out
  // the monthly places below before the clients ask).
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, nowOffsetMs: quotaReleasedOffsetMs(), jobs: false });
  api = client(backend.apiUrl);
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

test('server time, auth and error bodies', { timeout: TEST_TIMEOUT }, async () => {
  const before_ = Date.now();
  const now = await api('GET', '/now');
  assert.equal(now.status, 200);
  assert.equal(now.body.coreVersion.length > 0, true);
  const expected = before_ + quotaReleasedOffsetMs();
  assert.ok(Math.abs(now.body.serverTimeMs - expected) < 5_000, 'serverTimeMs is the server clock');

  const anonymous = await api('GET', '/profile');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.error.code, 'auth.missing_token');
  assert.equal(typeof anonymous.body.error.message, 'string');
  const forged = await api('GET', '/profile', { token: 'cc_not-a-real-token-0000000000' });
  assert.equal(forged.body.error.code, 'auth.invalid_token');

  const { token } = await session('demoPatient');
  const forbidden = await api('GET', '/staff/forest', { token });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.error.code, 'auth.forbidden');
  const missing = await api('GET', '/nope', { token });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'request.not_found');

  const profile = await api('GET', '/profile', { token });
  assert.equal(profile.body.patientId, DEMO_PATIENT_ID);
  assert.equal(profile.body.demo, true, 'the seeded hospital is marked as demo data');

  const noKey = await api('POST', '/check-ins', { token, body: {} });
  assert.equal(noKey.status, 400);
  assert.equal(noKey.body.error.code, 'request.missing_idempotency_key');
});

test('a replayed mutation returns the stored reply and stores nothing twice', { timeout: TEST_TIMEOUT }, async () => {
  const me = await session('newPatient');
  // Enrolled a month ago: the past days below are days the server believes (docs/trust.md).
  await backend.pool.query("UPDATE patients SET created_at = now() - interval '30 days' WHERE id = $1", [me.patientId]);
  const { serverTimeMs } = (await api('GET', '/now')).body;
  const record = { id: `c-${randomUUID()}`, patientId: me.patientId, atMs: serverTimeMs - 60_000, seq: 1, kind: 'normal' };
  const key = newKey();
  const first = await api('POST', '/check-ins', { token: me.token, key, body: record });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.outcome, 'accepted');
  const replay = await api('POST', '/check-ins', { token: me.token, key, body: record });
  assert.equal(replay.status, 200);
  assert.equal(replay.body.replayed, true);
  assert.equal(replay.body.outcome, 'accepted', 'the replay returns the first reply, not "unchanged"');

  // The same key with another body is refused, never applied.
  const reused = await api('POST', '/check-ins', { token: me.token, key, body: { ...record, id: `c-${randomUUID()}` } });
  assert.equal(reused.status, 422);
  assert.equal(reused.body.error.code, 'idempotency.key_reused');

  // 20 simultaneous deliveries of one new mutation: one execution, 20 equal replies.
  const record2 = { ...record, id: `c-${randomUUID()}`, atMs: serverTimeMs - 2 * DAY_MS, seq: 2 };
  const key2 = newKey();
  const replies = await Promise.all(
    Array.from({ length: 20 }, () => api('POST', '/check-ins', { token: me.token, key: key2, body: record2 })),
  );
  for (const r of replies) {
    assert.equal(r.status, 200);
    assert.equal(r.body.outcome, 'accepted');
  }
  assert.equal(replies.filter((r) => !r.body.replayed).length, 1, 'exactly one delivery executed');

  const rows = await backend.pool.query('SELECT id FROM check_ins WHERE patient_id = $1 ORDER BY id', [me.patientId]);
  assert.deepEqual(rows.rows.map((r) => r.id), [record.id, record2.id].sort());
  const keys = await backend.pool.query('SELECT count(*)::int AS n FROM idempotency_keys WHERE subject_id = $1', [me.patientId]);
  assert.equal(keys.rows[0].n, 2);

  // The schema itself: a second row under one subject's idempotency key is impossible.
  await assert.rejects(
    backend.pool.query(
      "INSERT INTO idempotency_keys (key, subject_id, operation, request_sha256) VALUES ($1, $2, 'saveCheckIn', repeat('0', 64))",
      [key, me.patientId],
    ),
    (error) => error.code === '23505',
  );

  // A batch carrying the same item twice (a batch delivered twice) stores it once.
  const record3 = { ...record, id: `c-${randomUUID()}`, atMs: serverTimeMs - 3 * DAY_MS, seq: 3 };
  const item = { idempotencyKey: newKey(), operation: 'saveCheckIn', body: record3 };
  const batch = await api('POST', '/batch', { token: me.token, key: newKey(), body: { items: [item, item] } });
  assert.equal(batch.status, 200, JSON.stringify(batch.body));
  assert.deepEqual(batch.body.results.map((r) => [r.status, r.body.outcome, r.replayed ?? false]), [
    [200, 'accepted', false],
    [200, 'accepted', true],
  ]);
  const again = await api('POST', '/batch', { token: me.token, key: newKey(), body: { items: [item] } });
  assert.equal(again.body.results[0].replayed, true);
  const count = await backend.pool.query('SELECT count(*)::int AS n FROM check_ins WHERE patient_id = $1', [me.patientId]);
  assert.equal(count.rows[0].n, 3);
});

test('a mutation the core rejects is rejected with the core’s code', { timeout: TEST_TIMEOUT }, async () => {
  const me = await session('newPatient');
  const { serverTimeMs } = (await api('GET', '/now')).body;
  const future = { id: `c-${randomUUID()}`, patientId: me.patientId, atMs: serverTimeMs + 3 * DAY_MS, seq: 1, kind: 'normal' };

  // What the core itself says about this record on the same (empty) history.
  const verdict = core.call('recordCheckIn', { nowMs: serverTimeMs, patientId: me.patientId, checkIns: [], checkIn: future });
  assert.equal(verdict.ok, false);
  assert.equal(verdict.error.code, 'streak.future_timestamp');

  const key = newKey();
  const rejected = await api('POST', '/check-ins', { token: me.token, key, body: future });
  assert.equal(rejected.status, 422);
  assert.equal(rejected.body.error.code, verdict.error.code);
  assert.equal(rejected.body.error.message, verdict.error.message);
  const replay = await api('POST', '/check-ins', { token: me.token, key, body: future });
  assert.equal(replay.body.error.code, 'streak.future_timestamp', 'the rejection is stored under its key');

  // Someone else's check-in: the core's unknown_patient.
  const foreign = { ...future, id: `c-${randomUUID()}`, atMs: serverTimeMs - 1000, patientId: DEMO_PATIENT_ID };
  const other = await api('POST', '/check-ins', { token: me.token, key: newKey(), body: foreign });
  assert.equal(other.status, 422);
  assert.equal(other.body.error.code, 'streak.unknown_patient');

  const stored = await backend.pool.query('SELECT count(*)::int AS n FROM check_ins WHERE patient_id = $1', [me.patientId]);
  assert.equal(stored.rows[0].n, 0, 'nothing the core rejected was stored');
});

test('one referrer per referee, no self-referral, no cycle', { timeout: TEST_TIMEOUT }, async () => {
  const a = await session('newPatient', { communityMember: true });
  const c = await session('newPatient');
  const b = await session('newPatient');
  const code = async (who) => (await api('GET', '/profile', { token: who.token })).body.referralCode;
  const [codeA, codeB, codeC] = [await code(a), await code(b), await code(c)];

  // Two adjacent, different symbols swapped (equal neighbours would make the swap a no-op).
  const at = [...codeA].findIndex((ch, i) => i + 1 < codeA.length && ch !== '-' && codeA[i + 1] !== '-' && ch !== codeA[i + 1]);
  assert.ok(at >= 0, `no two adjacent different symbols in ${codeA}`);
  const typo = `${codeA.slice(0, at)}${codeA[at + 1]}${codeA[at]}${codeA.slice(at + 2)}`;
  const bad = await api('POST', '/referrals', { token: b.token, key: newKey(), body: { code: typo, channel: 'code' } });
  assert.equal(bad.status, 422);
  assert.equal(bad.body.error.code, 'poster.bad_code', 'the core catches the swapped symbols');

  const first = await api('POST', '/referrals', { token: b.token, key: newKey(), body: { code: codeA.toLowerCase(), channel: 'code' } });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const second = await api('POST', '/referrals', { token: b.token, key: newKey(), body: { code: codeC, channel: 'code' } });
  assert.equal(second.status, 409);
  assert.equal(second.body.error.code, 'referral.duplicate_referee');

  const self = await api('POST', '/referrals', { token: c.token, key: newKey(), body: { code: codeC, channel: 'code' } });
  assert.equal(self.body.error.code, 'referral.self_referral');
  const cycle = await api('POST', '/referrals', { token: a.token, key: newKey(), body: { code: codeB, channel: 'code' } });
  assert.equal(cycle.status, 409);
  assert.equal(cycle.body.error.code, 'referral.cycle');

  // 20 simultaneous claims by one new patient with two different codes: one wins.
  const d = await session('newPatient');
  const claims = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      api('POST', '/referrals', { token: d.token, key: newKey(), body: { code: i % 2 ? codeA : codeC, channel: 'code' } }),
    ),
  );
  assert.equal(claims.filter((r) => r.status === 200).length, 1);
  assert.ok(claims.filter((r) => r.status !== 200).every((r) => r.body.error.code === 'referral.duplicate_referee'));

  // The schema, not the code path: a raw second referral for B is impossible.
  await assert.rejects(
    backend.pool.query(
      `INSERT INTO referrals (id, referrer_id, referee_id, channel, referee_is_new_patient, referrer_is_member, invited_at_ms)
       VALUES ('rf-raw', $1, $2, 'code', true, false, 1)`,
      [c.patientId, b.patientId],
    ),
    (error) => error.code === '23505' && error.constraint === 'referrals_one_referrer_per_referee',
  );
});

test('a voucher is used once, however many times it is redeemed', { timeout: TEST_TIMEOUT }, async () => {
  const patient = await session('demoPatient');
  const staff = await session('staff');
  const inputs = (await api('GET', '/eligibility-inputs', { token: patient.token })).body;
  const streakInputs = (await api('GET', '/streak-inputs', { token: patient.token })).body;
  delete inputs.serverTimeMs;
  delete streakInputs.serverTimeMs;
  const { serverTimeMs } = (await api('GET', '/now')).body;
  const streak = core.call('evaluateStreak', { nowMs: serverTimeMs, patientId: DEMO_PATIENT_ID, ...streakInputs });
  assert.ok(streak.ok);
  const report = core.call('evaluateEligibility', {
    nowMs: serverTimeMs,
    ...inputs,
    milestones: streak.value.milestones.map(({ key, ruleId }) => ({ key, ruleId })),
  });
  assert.ok(report.ok, JSON.stringify(report.error));
  const vouchers = report.value.campaigns
    .flatMap((c) => c.grants.map((g) => ({ ...g, campaignId: c.campaignId })))
    .filter((g) => g.state === 'issuable' && g.reward.type === 'voucher');
  assert.ok(vouchers.length >= 2, 'the demo hospital has vouchers ready to issue');

  // The patient checks in: the server issues, in the same transaction, what
  // its own core reports issuable — no client names a grant.
  const checkIn = () =>
    api('POST', '/check-ins', {
      token: patient.token,
      key: newKey(),
      body: { id: `c-${randomUUID()}`, patientId: DEMO_PATIENT_ID, atMs: serverTimeMs, seq: 9_000_000 + Math.floor(Math.random() * 1e6), kind: 'normal' },
    });
  const issued = await checkIn();
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const issuedKeys = issued.body.rewards.issued.map((g) => g.grantKey);
  // The device is not told a non-consenting friend's complaint (G7): the
  // server, on every fact, leaves out the grant that complaint voided;
  // everything else the device found issuable is issued.
  const notIssued = vouchers.filter((g) => !issuedKeys.includes(g.key)).map((g) => g.key);
  const book = await backend.pool.query('SELECT grant_key FROM issued_rewards WHERE patient_id = $1 AND grant_key = ANY($2::text[])', [DEMO_PATIENT_ID, notIssued]);
  assert.deepEqual(book.rows, [], 'what the server left out is not in its book');
  assert.ok(notIssued.length < vouchers.length);
  vouchers.splice(0, vouchers.length, ...vouchers.filter((g) => issuedKeys.includes(g.key)));
  assert.ok(vouchers.length >= 2);
  const again = await checkIn();
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.deepEqual(again.body.rewards.issued, [], 'issuing again issues nothing');

  const [one, two] = vouchers;
  const redeem = (grantKey) =>
    api('POST', '/staff/vouchers/redeem', { token: staff.token, key: newKey(), body: { patientId: DEMO_PATIENT_ID, grantKey } });
  const used = await redeem(one.key);
  assert.equal(used.status, 200, JSON.stringify(used.body));
  const usedAgain = await redeem(one.key);
  assert.equal(usedAgain.status, 409);
  assert.equal(usedAgain.body.error.code, 'voucher.already_used');
  const byPatient = await api('POST', '/staff/vouchers/redeem', {
    token: patient.token,
    key: newKey(),
    body: { patientId: DEMO_PATIENT_ID, grantKey: two.key },
  });
  assert.equal(byPatient.status, 403, 'only staff redeem at the counter');

  // 20 counters redeem the second voucher at the same moment: one succeeds.
  const race = await Promise.all(Array.from({ length: 20 }, () => redeem(two.key)));
  assert.equal(race.filter((r) => r.status === 200).length, 1);
  assert.ok(race.filter((r) => r.status !== 200).every((r) => r.body.error.code === 'voucher.already_used'));

  // The wallet (the core, on the server's facts) now shows both as used.
  const after_ = (await api('GET', '/eligibility-inputs', { token: patient.token })).body;
  const statuses = new Map(after_.issued.map((i) => [i.grantKey, i.status]));
  assert.equal(statuses.get(one.key), 'used');
  assert.equal(statuses.get(two.key), 'used');

  // The schema, not the code path: no second redemption row, no way back to "issued".
  await assert.rejects(
    backend.pool.query(
      'INSERT INTO voucher_redemptions (patient_id, grant_key, redeemed_at_ms, redeemed_by) VALUES ($1, $2, 1, $1)',
      [DEMO_PATIENT_ID, one.key],
    ),
    (error) => error.code === '23505',
  );
  await assert.rejects(
    backend.pool.query("UPDATE issued_rewards SET status = 'issued', used_at_ms = NULL WHERE patient_id = $1 AND grant_key = $2", [
      DEMO_PATIENT_ID,
      one.key,
    ]),
    (error) => error.code === '23514',
  );
});

test('200 simultaneous claims for the 10 half-price coupons grant exactly 10', { timeout: TEST_TIMEOUT }, async () => {
  const staff = await session('staff');
  const member = await session('demoPatient'); // a community member: the quota is for friends they refer
  const memberCode = (await api('GET', '/profile', { token: member.token })).body.referralCode;

  // 200 new patients, each referred by the member and confirmed registered by the hospital.
  const patients = await mapLimit(Array.from({ length: 200 }), 16, async () => {
    const p = await session('newPatient');
    const claim = await api('POST', '/referrals', { token: p.token, key: newKey(), body: { code: memberCode, channel: 'code' } });
    assert.equal(claim.status, 200, JSON.stringify(claim.body));
    const { serverTimeMs } = claim.body;
    const event = await api('POST', '/staff/referral-events', {
      token: staff.token,
      key: newKey(),
      body: { referralId: claim.body.referralId, event: 'registrationConfirmed', atMs: serverTimeMs - 1000 },
    });
    assert.equal(event.status, 200, JSON.stringify(event.body));
    return p;
  });

  // Each patient's client finds the coupon issuable (the counter is still 0).
  const { serverTimeMs } = (await api('GET', '/now')).body;
  await mapLimit(patients, 16, async (p) => {
    const inputs = (await api('GET', '/eligibility-inputs', { token: p.token })).body;
    delete inputs.serverTimeMs;
    const report = core.call('evaluateEligibility', { nowMs: serverTimeMs, ...inputs, milestones: [] });
    assert.ok(report.ok, JSON.stringify(report.error));
    const quota = report.value.campaigns.find((c) => c.campaignId === 'scarce-quota');
    const grant = quota.grants.find((g) => g.reward.id === 'half-price-exam');
    assert.equal(grant?.state, 'issuable', JSON.stringify(quota.reasons));
  });

  // All 200 check in at once: each check-in runs the server's issuance, which
  // takes a place for its patient if one is left.
  const t0 = performance.now();
  const replies = await Promise.all(
    patients.map((p) =>
      api('POST', '/check-ins', {
        token: p.token,
        key: newKey(),
        body: { id: `c-${randomUUID()}`, patientId: p.patientId, atMs: serverTimeMs, seq: 1, kind: 'normal' },
      }),
    ),
  );
  const elapsed = performance.now() - t0;
  for (const r of replies) assert.equal(r.status, 200, JSON.stringify(r.body));
  const halfPrice = (r) => r.body.rewards.issued.filter((g) => g.campaignId === 'scarce-quota' && g.grantKey.includes(':half-price-exam@'));
  const granted = replies.filter((r) => halfPrice(r).length === 1);
  assert.equal(granted.length, 10, 'exactly 10 coupons granted');
  assert.ok(replies.every((r) => halfPrice(r).length <= 1));

  const counter = await backend.pool.query(
    "SELECT month, size, used FROM quota_counters WHERE campaign_id = 'scarce-quota' AND pool_id = 'half-price-exam'",
  );
  assert.equal(counter.rows.length, 1);
  assert.equal(counter.rows[0].used, 10);
  assert.equal(counter.rows[0].size, 10);
  const rows = await backend.pool.query(
    "SELECT count(*)::int AS n FROM issued_rewards WHERE campaign_id = 'scarce-quota' AND grant_key LIKE 'scarce-quota:half-price-exam@%'",
  );
  assert.equal(rows.rows[0].n, 10);

  // The core now sees the real counter: the next patient is told it is gone (G13: no fake scarcity).
  const late = (await api('GET', '/eligibility-inputs', { token: patients[0].token })).body;
  delete late.serverTimeMs;
  const lateReport = core.call('evaluateEligibility', { nowMs: serverTimeMs, ...late, milestones: [] });
  const lateGrant = lateReport.value.campaigns.find((c) => c.campaignId === 'scarce-quota').grants.find((g) => g.reward.id === 'half-price-exam');
  assert.ok(['issued', 'blocked'].includes(lateGrant.state));

  // The schema, not the code path: the counter cannot pass its size.
  await assert.rejects(
    backend.pool.query("UPDATE quota_counters SET used = used + 1 WHERE campaign_id = 'scarce-quota' AND pool_id = 'half-price-exam'"),
    (error) => error.code === '23514' && error.constraint === 'quota_counters_within_size',
  );
  console.log(`# 200 simultaneous quota claims answered in ${Math.round(elapsed)} ms`);
});

test('docs/api/openapi.yaml lists every route, with an Idempotency-Key on every mutation', () => {
  const yaml = readFileSync(join(repoRoot, 'docs', 'api', 'openapi.yaml'), 'utf8');
  assert.match(yaml, /^openapi: 3\./m);
  // Each path's block: from "  /path:" to the next top-level path or "components:".
  const blocks = new Map();
  const paths = yaml.slice(yaml.indexOf('\npaths:\n'), yaml.indexOf('\ncomponents:\n'));
  for (const part of paths.split(/\n(?=  \/)/).slice(1)) blocks.set(part.slice(2, part.indexOf(':')), part);
  for (const { method, path } of apiRoutes()) {
    const block = blocks.get(path);
    assert.ok(block, `${path} is in the contract`);
    assert.match(block, new RegExp(`\\n    ${method.toLowerCase()}:`), `${method} ${path} is in the contract`);
    // Sign-in routes open or end sessions: not domain mutations, no key. Routes a
    // hospital system signs (X-CareCircle-Signature) are made replay-safe by what
    // is signed: the webhook's nonce, the group messages' own ids.
    const signedByPartner = /X-CareCircle-Signature/.test(block);
    // A POST that writes nothing (a dry run: the request is too big for a query) says so.
    const readOnly = /\n      x-read-only: true\n/.test(block);
    if (method === 'POST' && path !== '/demo/sessions' && !AUTH_ROUTES.some((r) => r.path === path) && !signedByPartner && !readOnly) {
      assert.match(block, /#\/components\/parameters\/IdempotencyKey/, `${path} requires an Idempotency-Key`);
    }
  }
  assert.equal(blocks.size, new Set(apiRoutes().map((r) => r.path)).size, 'no path in the contract that the server lacks');
  assert.match(yaml, /ServerTime:\n\s+type: object\n\s+required: \[serverTimeMs\]/);
  assert.match(yaml, /bearer:\n\s+type: http\n\s+scheme: bearer/);
});
