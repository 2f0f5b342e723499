// The hospital desk of the operations console on the reference backend, over
// real HTTP against a private PostgreSQL (every reply checked against
// docs/api/openapi.yaml by the test client):
//   - a day's CSV of 1,000 events, 30 of them bad → 970 applied, the 30
//     listed row by row with their reason; the same file again applies nothing;
//   - files that are not CSV (unclosed quote, invalid UTF-8, no header, 10 MB)
//     are refused whole with nothing applied;
//   - the signed HIS webhook: applied once; a wrong signature, a stale
//     timestamp or a replayed nonce is refused and applies nothing;
//   - the recovery list holds exactly the lapsed referrals, with the core's
//     held-until date; a call is recorded only on a lapsed one;
//   - a doctor's rest day changes the patient's streak; only doctors may;
//   - a patient token reaches none of it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { SECRET_ENV, signDelivery } from '../../scripts/backend/console/webhook.mjs';
import { streakOf } from '../../scripts/backend/console/restdays.mjs';
import { loadServerCore } from '../../scripts/backend/service.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';

const TEST_TIMEOUT = 120_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SECRET = 'test-only-his-secret-0123456789abcdef';

let postgres;
let backend;
const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.token;
}

/** Beijing wall-clock text of an instant, as a hospital export writes it. */
const beijing = (ms) => new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');

/** `count` synthetic friends of one synthetic referrer, invited `invitedAgoMs` ago, nothing confirmed. */
async function syntheticReferrals(prefix, count, invitedAgoMs) {
  const nowMs = backend.nowMs();
  await backend.pool.query(
    `INSERT INTO patients (id, name, display_name, demo, referral_code)
     SELECT $1 || '-p-' || i, '测试' || i, '测*', true, 'T' || lpad((i::bigint + $3::bigint)::text, 12, '0') FROM generate_series(0, $2) AS i`,
    [prefix, count, Math.floor(Math.random() * 1e7) * 10_000],
  );
  await backend.pool.query(
    `INSERT INTO referrals (id, referrer_id, referee_id, channel, referee_is_new_patient, referrer_is_member, invited_at_ms)
     SELECT $1 || '-r-' || i, $1 || '-p-0', $1 || '-p-' || i, 'code', true, true, $3 FROM generate_series(1, $2) AS i`,
    [prefix, count, nowMs - invitedAgoMs],
  );
  return Array.from({ length: count }, (_, k) => `${prefix}-p-${k + 1}`);
}

const csvBody = (text, extra = {}) => ({ fileName: 'his-export.csv', csvBase64: Buffer.from(text).toString('base64'), ...extra });

before(async () => {
  process.env[SECRET_ENV] = SECRET;
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false });
});

after(async () => {
  delete process.env[SECRET_ENV];
  await backend?.close();
  if (postgres) {
    const { dir } = postgres;
    await postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
    assert.deepEqual(processesMentioning(dir), [], 'no process of the private PostgreSQL is left');
  }
});

test('CSV times (the core checkHospitalEvents): Beijing wall clock, or ISO with an offset; impossible dates are no time', async () => {
  const core = await loadServerCore();
  const timeOf = (atText) => {
    const envelope = core.call('checkHospitalEvents', {
      nowMs: Date.UTC(2026, 11, 7),
      backdateDays: 90,
      recordedBy: 'test-staff',
      referrals: [{ id: 'r-1', patientId: 'p-1' }],
      rows: [{ patientId: 'p-1', event: '到院', atText }],
    });
    assert.equal(envelope.ok, true, JSON.stringify(envelope));
    const [row] = envelope.value.rows;
    if (row.outcome === 'refused') {
      assert.equal(row.code, 'event.bad_time');
      assert.match(row.reason, /无法识别/);
      return null;
    }
    return row.atMs;
  };
  assert.equal(timeOf('2026-12-06 09:30'), Date.UTC(2026, 11, 6, 1, 30));
  assert.equal(timeOf('2026/12/6 9:30:15'), Date.UTC(2026, 11, 6, 1, 30, 15));
  assert.equal(timeOf('2026-12-06T09:30:00Z'), Date.UTC(2026, 11, 6, 9, 30));
  assert.equal(timeOf('2026-12-06T09:30+09:00'), Date.UTC(2026, 11, 6, 0, 30));
  assert.equal(timeOf('2026-02-30 09:30'), null);
  assert.equal(timeOf('昨天'), null);
  assert.equal(timeOf('2026-12-06 25:00'), null);
});

test('missed days a doctor may excuse include those of the previous month early in a month', async () => {
  const core = await loadServerCore();
  const nowMs = Date.parse('2026-12-02T10:00:00+08:00');
  const at = (date, hour = 9) => Date.parse(`${date}T0${hour}:00:00+08:00`);
  const days = ['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-12-01'];
  const inputs = {
    startDate: '2026-11-24',
    checkIns: days.map((d, i) => ({ id: `c-${i}`, patientId: 'p-1', atMs: at(d), seq: i + 1, kind: 'normal' })),
  };
  const streak = streakOf({ core, nowMs: () => nowMs }, 'p-1', inputs);
  assert.ok(streak.missedDays.includes('2026-11-30') || streak.missedDays.includes('2026-11-29'), `November's missed days are listed: ${streak.missedDays}`);
  assert.ok(streak.missedDays.every((d) => d < '2026-12-02'));
});

test('a CSV of 1,000 events with 30 bad rows: 970 applied, 30 listed with reasons; again: nothing applied twice', { timeout: TEST_TIMEOUT }, async () => {
  const nurse = await session('staff', { role: 'nurse' });
  const patients = await syntheticReferrals('csv', 500, 3 * DAY);
  const nowMs = backend.nowMs();
  const lines = ['患者编号,事件,时间'];
  const bad = new Map();
  for (let i = 0; i < 1000; i += 1) {
    const patient = patients[Math.floor(i / 2)];
    const event = i % 2 === 0 ? '建档' : '到院';
    const at = beijing(nowMs - DAY + (i % 2) * HOUR);
    const line = lines.length + 1;
    if (i % 33 === 5 && bad.size < 30) {
      // Six kinds of bad rows, five of each.
      const kind = bad.size % 6;
      const row = [
        ['nobody-here', event, at, 'referral.unknown'],
        [patient, '挂号费', at, 'event.unknown_step'],
        [patient, event, '下周二', 'event.bad_time'],
        [patient, event, beijing(nowMs + 2 * DAY), 'event.future_time'],
        [patient, event, beijing(nowMs - 9 * DAY), 'referral.event_too_old'],
        ['', event, at, 'event.missing_patient'],
      ][kind];
      bad.set(line, row[3]);
      lines.push(row.slice(0, 3).join(','));
      continue;
    }
    lines.push(`${patient},${event},${at}`);
  }
  assert.equal(lines.length, 1001);
  assert.equal(bad.size, 30);
  const text = `\uFEFF${lines.join('\r\n')}\r\n`;

  const first = await api('POST', '/staff/referral-events/import', { token: nurse, key: newKey(), body: csvBody(text) });
  assert.equal(first.status, 200, JSON.stringify(first.body).slice(0, 500));
  assert.equal(first.body.rows, 1000);
  assert.equal(first.body.applied, 970);
  assert.equal(first.body.refused, 30);
  assert.equal(first.body.unchanged, 0);
  const refused = first.body.results.filter((r) => r.outcome === 'refused');
  assert.deepEqual(new Map(refused.map((r) => [r.line, r.code])), bad, 'each bad row by its line and its own reason');
  for (const r of refused) assert.match(r.reason, /[\u4e00-\u9fff]/, 'the reason is in Chinese');
  const stored = await backend.pool.query("SELECT count(*)::int AS n FROM hospital_events WHERE referral_id LIKE 'csv-r-%'");
  assert.equal(stored.rows[0].n, 970);
  const recorder = await backend.pool.query("SELECT DISTINCT recorded_by FROM hospital_events WHERE referral_id LIKE 'csv-r-%'");
  assert.equal(recorder.rows.length, 1, 'one recorder');
  assert.match(recorder.rows[0].recorded_by, /^demo-staff/, 'the signed-in staff member is stored as the recorder');

  const again = await api('POST', '/staff/referral-events/import', { token: nurse, key: newKey(), body: csvBody(text) });
  assert.equal(again.status, 200);
  assert.equal(again.body.applied, 0, 'nothing applied twice');
  assert.equal(again.body.unchanged, 970);
  assert.equal(again.body.refused, 30);
  const still = await backend.pool.query("SELECT count(*)::int AS n FROM hospital_events WHERE referral_id LIKE 'csv-r-%'");
  assert.equal(still.rows[0].n, 970);
  const imports = await backend.pool.query("SELECT applied, unchanged, refused FROM event_imports WHERE source = 'csv' ORDER BY id");
  assert.deepEqual(imports.rows.slice(-2), [{ applied: 970, unchanged: 0, refused: 30 }, { applied: 0, unchanged: 970, refused: 30 }]);
});

test('files that are not a readable CSV are refused whole, nothing applied', { timeout: TEST_TIMEOUT }, async () => {
  const nurse = await session('staff', { role: 'nurse' });
  const [patient] = await syntheticReferrals('hostile', 3, 3 * DAY);
  const at = beijing(backend.nowMs() - HOUR);
  const count = async () => (await backend.pool.query("SELECT count(*)::int AS n FROM hospital_events WHERE referral_id LIKE 'hostile-r-%'")).rows[0].n;
  const post = (body, token = nurse) => api('POST', '/staff/referral-events/import', { token, key: newKey(), body });

  const unclosed = await post(csvBody(`患者编号,事件,时间\n${patient},建档,${at}\n"${patient},到院,${at}\n`));
  assert.equal(unclosed.status, 400);
  assert.equal(unclosed.body.error.code, 'csv.malformed');
  assert.match(unclosed.body.error.message, /引号/);

  const latin = Buffer.concat([Buffer.from(`患者编号,事件,时间\n${patient},建档,${at}\n`), Buffer.from([0xc3, 0x28, 0xff, 0x0a])]);
  const invalid = await post({ csvBase64: latin.toString('base64') });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error.code, 'csv.bad_encoding');

  const gbk = Buffer.from([0xbb, 0xbc, 0xd5, 0xdf, 0xb1, 0xe0, 0xba, 0xc5]); // 患者编号 in GBK
  const declared = Buffer.concat([gbk, Buffer.from(`,event,at\n${patient},registration,${at}\n`)]);
  const asGbk = await post({ csvBase64: declared.toString('base64'), encoding: 'gbk' });
  assert.equal(asGbk.status, 200, JSON.stringify(asGbk.body));
  assert.equal(asGbk.body.applied, 1, 'a GBK export declared as such is read');

  const noHeader = await post(csvBody(`${patient},到院,${at}\n`));
  assert.equal(noHeader.status, 400);
  assert.equal(noHeader.body.error.code, 'csv.missing_columns');

  const empty = await post(csvBody(''));
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.code, 'csv.empty');

  // 10 MB: over the request limit, answered before anything is read.
  const huge = `患者编号,事件,时间\n${`${patient},到院,${at}\n`.repeat(Math.ceil(10_000_000 / 40))}`;
  const tooBig = await post(csvBody(huge));
  assert.equal(tooBig.status, 413);
  assert.match(tooBig.body.error.code, /too_large/);

  const patientToken = await session('demoPatient');
  const byPatient = await post(csvBody(`患者编号,事件,时间\n${patient},到院,${at}\n`), patientToken);
  assert.equal(byPatient.status, 403);
  assert.equal(await count(), 1, 'only the GBK file applied anything');
});

test('by hand, a time that is not whole milliseconds (an object, a list, a fraction, text, a number past 2^53) is a clear 400 and records nothing', { timeout: TEST_TIMEOUT }, async () => {
  const nurse = await session('staff', { role: 'nurse' });
  await syntheticReferrals('athand', 1, 3 * DAY);
  const referralId = 'athand-r-1';
  const count = async () => (await backend.pool.query('SELECT count(*)::int AS n FROM hospital_events WHERE referral_id = $1', [referralId])).rows[0].n;
  const record = (atMs) => api('POST', '/staff/referral-events', { token: nurse, key: newKey(), body: { referralId, event: 'arrivalConfirmed', atMs } });
  const hourAgo = backend.nowMs() - HOUR;
  // Not an integer at all: the contract's type check. An integer past 2^53 (JSON reads it as a float): the route's own.
  const cases = [[{ ms: hourAgo }, /integer/], [{}, /integer/], [[hourAgo], /integer/], [[], /integer/], [hourAgo + 0.5, /integer/],
    [true, /integer/], ['2026-12-06 09:30', /integer/], [1e20, /时间应为整数毫秒/], [2 ** 53, /时间应为整数毫秒/], [-1e300, /时间应为整数毫秒/]];
  for (const [atMs, says] of cases) {
    const r = await record(atMs);
    const what = JSON.stringify(atMs);
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'request.bad_body', what);
    assert.equal(r.body.error.path, '/atMs', what);
    assert.match(r.body.error.message, says, what);
    assert.doesNotMatch(r.body.error.message, /object|e\+|\d{10}|2026/, `${what}: the value is not echoed`);
  }
  assert.equal(await count(), 0, 'nothing recorded by a refused time');
  const ok = await record(hourAgo);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual({ atMs: ok.body.atMs, changed: ok.body.changed }, { atMs: hourAgo, changed: true });
  assert.equal(await count(), 1);
});

test('the signed webhook: applied once; a wrong signature, a stale timestamp or a replayed nonce applies nothing', { timeout: TEST_TIMEOUT }, async () => {
  const patients = await syntheticReferrals('hook', 4, 3 * DAY);
  const nowMs = backend.nowMs();
  const body = JSON.stringify({ events: [
    { patientId: patients[0], event: 'arrivalConfirmed', atMs: nowMs - HOUR },
    { patientId: patients[1], event: '入院', atMs: nowMs - 2 * HOUR },
    { patientId: 'nobody', event: 'arrivalConfirmed', atMs: nowMs - HOUR },
  ] });
  const deliver = (headers, raw = body) =>
    fetch(`${backend.apiUrl}/integrations/his/events`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: raw }).then(async (r) => ({ status: r.status, body: await r.json() }));
  const signed = (nonce, ts = String(backend.nowMs()), raw = body, secret = SECRET) => ({
    'X-CareCircle-Timestamp': ts,
    'X-CareCircle-Nonce': nonce,
    'X-CareCircle-Signature': signDelivery(secret, ts, nonce, raw),
  });
  const count = async () => (await backend.pool.query("SELECT count(*)::int AS n FROM hospital_events WHERE referral_id LIKE 'hook-r-%'")).rows[0].n;

  const wrong = await deliver(signed('nonce-wrong-secret-0001', undefined, body, `${SECRET}x`));
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error.code, 'webhook.bad_signature');
  const tampered = await deliver(signed('nonce-tampered-body-001'), body.replace('入院', '出院'));
  assert.equal(tampered.status, 401);
  assert.equal(tampered.body.error.code, 'webhook.bad_signature');
  const stale = await deliver(signed('nonce-stale-000000001', String(backend.nowMs() - 10 * 60_000)));
  assert.equal(stale.status, 401);
  assert.equal(stale.body.error.code, 'webhook.stale');
  const unsigned = await deliver({});
  assert.equal(unsigned.status, 401);
  assert.equal(await count(), 0, 'nothing applied by a refused delivery');

  const headers = signed('nonce-first-delivery-01');
  const ok = await deliver(headers);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.applied, 2);
  assert.equal(ok.body.refused, 1);
  assert.equal(ok.body.results[2].code, 'referral.unknown');
  assert.equal(await count(), 2);
  const recorder = await backend.pool.query("SELECT DISTINCT recorded_by FROM hospital_events WHERE referral_id LIKE 'hook-r-%'");
  assert.deepEqual(recorder.rows.map((r) => r.recorded_by), ['his-webhook']);

  const replay = await deliver(headers);
  assert.equal(replay.status, 409);
  assert.equal(replay.body.error.code, 'webhook.replayed');
  const resigned = await deliver(signed('nonce-first-delivery-01'));
  assert.equal(resigned.status, 409, 'the same nonce with a fresh timestamp is still a replay');
  assert.equal(await count(), 2);

  const badJson = '{"events": [';
  const malformed = await deliver(signed('nonce-bad-json-0000001', undefined, badJson), badJson);
  assert.equal(malformed.status, 400);
});

test('the recovery list holds exactly the lapsed referrals, with the held offer from the core; calls only on those', { timeout: TEST_TIMEOUT }, async () => {
  const service = await session('staff', { role: 'service' });
  const list = await api('GET', '/staff/recovery', { token: service });
  assert.equal(list.status, 200, JSON.stringify(list.body).slice(0, 300));
  // The oracle: no conversion, no complaint, and 48 h passed since the last step.
  const nowMs = backend.nowMs();
  const { rows } = await backend.pool.query(
    `SELECT id FROM referrals WHERE conversion_confirmed_at_ms = 0 AND complaint_at_ms = 0
        AND greatest(invited_at_ms, registration_confirmed_at_ms, arrival_confirmed_at_ms) + $1 <= $2
        AND NOT EXISTS (SELECT 1 FROM issued_rewards i WHERE i.referral_id = referrals.id AND i.patient_id = referrals.referrer_id)`,
    [48 * HOUR, list.body.serverTimeMs],
  );
  assert.ok(rows.length > 0);
  assert.deepEqual(list.body.items.map((i) => i.recordId).sort(), rows.map((r) => r.id).sort());
  assert.equal(list.body.count, rows.length);
  for (const item of list.body.items) {
    assert.equal(item.heldUntilMs, item.lapsedAtMs + 30 * DAY);
    assert.equal(item.heldUntilDate, new Date(item.heldUntilMs + 8 * HOUR).toISOString().slice(0, 10));
  }
  const lapsed = list.body.items[0];
  const call = await api('POST', '/staff/recovery/calls', { token: service, key: newKey(), body: { referralId: lapsed.recordId, outcome: 'willVisit', note: '下周一来院' } });
  assert.equal(call.status, 200, JSON.stringify(call.body));
  assert.equal(call.body.heldUntilDate, lapsed.heldUntilDate);
  const relisted = await api('GET', '/staff/recovery', { token: service });
  const again = relisted.body.items.find((i) => i.recordId === lapsed.recordId);
  assert.equal(again.lastCall.outcome, 'willVisit');
  assert.equal(again.calls, 1);

  // A referral that did not lapse (converted) gets no call.
  const converted = await backend.pool.query('SELECT id FROM referrals WHERE conversion_confirmed_at_ms > 0 LIMIT 1');
  const refused = await api('POST', '/staff/recovery/calls', { token: service, key: newKey(), body: { referralId: converted.rows[0].id, outcome: 'noAnswer' } });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'recovery.not_lapsed');
  const badOutcome = await api('POST', '/staff/recovery/calls', { token: service, key: newKey(), body: { referralId: lapsed.recordId, outcome: 'shouted' } });
  assert.equal(badOutcome.status, 400);
  const patientToken = await session('demoPatient');
  assert.equal((await api('GET', '/staff/recovery', { token: patientToken })).status, 403);
  assert.ok(nowMs > 0);
});

test('a doctor approves a missed day as a rest day: the streak keeps; nobody else may', { timeout: TEST_TIMEOUT }, async () => {
  const doctor = await session('staff', { role: 'doctor' });
  const nurse = await session('staff', { role: 'nurse' });
  const nowMs = backend.nowMs();
  const day = (back) => new Date(nowMs - back * DAY + 8 * HOUR).toISOString().slice(0, 10);
  await backend.pool.query(
    `INSERT INTO patients (id, name, display_name, demo, referral_code, start_date) VALUES ('rest-p-1', '休息测试', '休*', true, 'R000000000001', $1)`,
    [day(10)],
  );
  // Checked in 4 and 3 days back and today; 2 and 1 days back not (the core may
  // spend the month's freeze on one of them; yesterday stays missed).
  for (const [i, back] of [4, 3, 0].entries()) {
    await backend.pool.query(`INSERT INTO check_ins (id, patient_id, at_ms, seq, kind) VALUES ($1, 'rest-p-1', $2, $3, 'normal')`, [
      `rest-c-${i}`,
      nowMs - back * DAY - (back === 0 ? 60_000 : 0),
      i + 1,
    ]);
  }
  const read = await api('GET', '/staff/rest-days?patientId=rest-p-1', { token: doctor });
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.equal(read.body.streak.missedDays.at(-1), day(1), 'yesterday is missed');
  const beforeCurrent = read.body.streak.current;

  const approve = (token, body) => api('POST', '/staff/rest-days', { token, key: newKey(), body });
  const byNurse = await approve(nurse, { patientId: 'rest-p-1', fromDate: day(2), toDate: day(1), reason: '术后发热' });
  assert.equal(byNurse.status, 403);
  const tooOld = await approve(doctor, { patientId: 'rest-p-1', fromDate: day(9), reason: '补批' });
  assert.equal(tooOld.status, 422);
  assert.equal(tooOld.body.error.code, 'restdays.too_old');
  const tooFar = await approve(doctor, { patientId: 'rest-p-1', fromDate: day(-40), reason: '手术' });
  assert.equal(tooFar.status, 422);
  const noReason = await approve(doctor, { patientId: 'rest-p-1', fromDate: day(2) });
  assert.equal(noReason.status, 400);

  const ok = await approve(doctor, { patientId: 'rest-p-1', fromDate: day(2), toDate: day(1), reason: '术后发热' });
  const after = await api('GET', '/staff/rest-days?patientId=rest-p-1', { token: doctor });
  assert.ok(!after.body.streak.missedDays.includes(day(1)), 'yesterday is a rest day now');
  assert.ok(after.body.streak.restDays.includes(day(1)));
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body.added, [day(2), day(1)]);
  assert.equal(ok.body.before.current, beforeCurrent);
  assert.ok(ok.body.after.current > ok.body.before.current, `the streak keeps over the rest days (${ok.body.before.current} → ${ok.body.after.current})`);
  const stored = await backend.pool.query("SELECT approved_by, reason FROM rest_day_approvals WHERE patient_id = 'rest-p-1' ORDER BY day");
  assert.equal(stored.rows.length, 2);
  for (const row of stored.rows) {
    assert.match(row.approved_by, /^demo-staff/);
    assert.equal(row.reason, '术后发热');
  }
  const twice = await approve(doctor, { patientId: 'rest-p-1', fromDate: day(2), reason: '再批一次' });
  assert.deepEqual(twice.body.added, [], 'an approved day stays as it was');
  const unknown = await api('GET', '/staff/rest-days?patientId=nobody', { token: doctor });
  assert.equal(unknown.status, 404);
});
