// Redeeming at the counter, on the reference backend over real HTTP against a
// private PostgreSQL:
//   - the patient's coupon sheet gets a counter code for one issued voucher
//     (GET /me/vouchers/counter-code): 8 symbols, its QR text, asked again
//     within the minute the same code, after the refresh point a new one;
//   - staff redeem it once by the QR's text or by the code as read aloud
//     (POST /staff/vouchers/counter-redeem); the patient's next poll says
//     used; a second redemption, an expired (old) code, an unknown code and a
//     malformed one are each refused with their own error and redeem nothing;
//   - a patient token cannot redeem; someone else's voucher has no code.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { COUNTER_CODE_TTL_MS, readCounterCode } from '../../scripts/backend/loops/counter.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';

const TEST_TIMEOUT = 90_000;

let postgres;
let backend;

const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/**
 * The demo patient checks in; the server issues in the same transaction what
 * its core reports issuable. Resolves with the keys of the vouchers issued.
 */
async function issueVouchers(token) {
  const { serverTimeMs } = (await api('GET', '/now')).body;
  const issued = await api('POST', '/check-ins', {
    token,
    key: newKey(),
    body: { id: `c-${randomUUID()}`, patientId: DEMO_PATIENT_ID, atMs: serverTimeMs, seq: 9_000_001, kind: 'normal' },
  });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  return issued.body.rewards.issued.filter((g) => g.type === 'voucher').map((g) => g.grantKey);
}

before(async () => {
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false });
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

test('reading a counter code: the QR text or the code as read aloud; anything else is no code', () => {
  assert.equal(readCounterCode('CCV1:7K3M9QXR'), '7K3M9QXR');
  assert.equal(readCounterCode(' 7k3m-9qxr '), '7K3M9QXR');
  assert.equal(readCounterCode('7K3M 9QXR'), '7K3M9QXR');
  assert.equal(readCounterCode('7K3M9QXo'), '7K3M9QX0', 'O read as 0');
  assert.equal(readCounterCode('7K3M9QXU'), null, 'U is not in the alphabet');
  assert.equal(readCounterCode('7K3M9QX'), null);
  assert.equal(readCounterCode(42), null);
});

test('a counter code redeems its voucher once; old, unknown and malformed codes and patient tokens are refused', { timeout: TEST_TIMEOUT }, async () => {
  const patient = await session('demoPatient');
  const nurse = await session('staff', { role: 'nurse' });
  const keys = await issueVouchers(patient.token);
  // The first voucher the core lists as available gets a code.
  let shown = null;
  for (const grantKey of keys) {
    const r = await api('GET', `/me/vouchers/counter-code?grantKey=${encodeURIComponent(grantKey)}`, { token: patient.token });
    if (r.status === 200) {
      shown = r.body;
      break;
    }
    assert.equal(r.status, 409, JSON.stringify(r.body));
  }
  assert.ok(shown, 'an issued voucher is usable at the counter');
  assert.equal(shown.status, 'issued');
  assert.match(shown.code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
  assert.equal(shown.qrPayload, `CCV1:${shown.code}`);
  assert.equal(shown.display.replace('-', ''), shown.code);
  assert.equal(shown.expiresAtMs - shown.serverTimeMs <= COUNTER_CODE_TTL_MS, true);
  assert.ok(shown.refreshAfterMs > shown.serverTimeMs && shown.refreshAfterMs < shown.expiresAtMs);
  const again = await api('GET', `/me/vouchers/counter-code?grantKey=${encodeURIComponent(shown.grantKey)}`, { token: patient.token });
  assert.equal(again.body.code, shown.code, 'within the minute: the same code');

  // Yesterday's screenshot: a code of this voucher that has expired.
  await backend.pool.query(
    `INSERT INTO counter_codes (code, patient_id, grant_key, issued_at_ms, expires_at_ms) VALUES ('01DC0DE1', $1, $2, $3, $4)`,
    [DEMO_PATIENT_ID, shown.grantKey, shown.serverTimeMs - 86_400_000, shown.serverTimeMs - 86_400_000 + COUNTER_CODE_TTL_MS],
  );
  const redeem = (token, counterCode) => api('POST', '/staff/vouchers/counter-redeem', { token, key: newKey(), body: { counterCode } });
  const old = await redeem(nurse.token, '01DC-0DE1');
  assert.equal(old.status, 410, JSON.stringify(old.body));
  assert.equal(old.body.error.code, 'counter.expired');
  const unknown = await redeem(nurse.token, 'ZZZZ-ZZZZ');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'counter.unknown_code');
  const malformed = await redeem(nurse.token, 'hello');
  assert.equal(malformed.status, 422);
  assert.equal(malformed.body.error.code, 'counter.bad_code');
  const byPatient = await redeem(patient.token, shown.qrPayload);
  assert.equal(byPatient.status, 403, JSON.stringify(byPatient.body));
  const status = async () =>
    (await backend.pool.query('SELECT status FROM issued_rewards WHERE patient_id = $1 AND grant_key = $2', [DEMO_PATIENT_ID, shown.grantKey])).rows[0].status;
  assert.equal(await status(), 'issued', 'nothing redeemed by the refusals');

  // Read aloud, lower case with a space: redeemed.
  const done = await redeem(nurse.token, shown.display.toLowerCase().replace('-', ' '));
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.grantKey, shown.grantKey);
  assert.equal(await status(), 'used');
  const twice = await redeem(nurse.token, shown.qrPayload);
  assert.ok([404, 409].includes(twice.status), JSON.stringify(twice.body));
  assert.ok(['counter.unknown_code', 'voucher.already_used'].includes(twice.body.error.code));
  // The patient's poll: used, no code.
  const polled = await api('GET', `/me/vouchers/counter-code?grantKey=${encodeURIComponent(shown.grantKey)}`, { token: patient.token });
  assert.equal(polled.status, 200);
  assert.equal(polled.body.status, 'used');
  assert.equal(polled.body.code, null);
  assert.equal(polled.body.usedAtMs, done.body.usedAtMs);

  // Someone else's voucher: no code for it.
  const other = await session('newPatient');
  const foreign = await api('GET', `/me/vouchers/counter-code?grantKey=${encodeURIComponent(keys[0])}`, { token: other.token });
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.error.code, 'voucher.not_found');
});
