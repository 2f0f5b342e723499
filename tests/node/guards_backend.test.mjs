// Guards on the reference backend's routes (docs/compliance.md), over real
// HTTP against a private PostgreSQL:
//   - G9: withdrawing 'community' takes the patient out of 病友故事 (a clear
//     403) and their approved stories out of the feed, and out of the member
//     figure of their community's health report; withdrawing 'rehabData'
//     stops the server storing new check-ins (the reply says so) and the
//     patient can delete the stored ones; with every consent withdrawn a
//     vested referral reward is still issued;
//   - G17: a clinical moment recorded by staff (surgery, a KOC sensitive
//     case) or an admission confirmed on the patient's referral refuses the
//     prompt on POST /me/prompts and is listed by GET /me/prompts; staff
//     calls and messages count toward the 3-in-90-days cap;
//   - the self-check reads the live campaigns from the database;
//   - G15: on the claim route a staff member's code is unknown: no referral
//     to staff is ever recorded.
// PostgreSQL is stopped by its data directory at the end; nothing is left.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { runCompliance } from '../../scripts/compliance.mjs';
import { CONSENT_PURPOSES } from '../../scripts/backend/service.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { loadCore, wasmDir } from './helpers.mjs';

const TEST_TIMEOUT = 90_000;
const DAY_MS = 86_400_000;
const STORY = { title: '术后第30天，我又能唱歌了', story: '每天坚持做颈部康复操，按时复查。谢谢病友们的鼓励，也谢谢护士耐心的讲解。' };

let postgres;
let backend;
let core;

const newKey = () => `k-${randomUUID()}`;
const api = (...args) => apiClient(backend.apiUrl)(...args);

async function session(body) {
  const r = await api('POST', '/demo/sessions', { body });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function newPatient({ communityMember = false } = {}) {
  const { token } = await session({ as: 'newPatient', communityMember });
  const profile = await api('GET', '/profile', { token });
  return { token, patientId: profile.body.patientId, referralCode: profile.body.referralCode };
}

const staffOf = (role) => session({ as: 'staff', role });

async function consent(token, purpose, granted) {
  const r = await api('PUT', '/me/consents', { token, key: newKey(), body: { purpose, granted } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** A check-in stamped now by the server's clock. */
async function checkIn(token, patientId, seq) {
  const { serverTimeMs } = (await api('GET', '/profile', { token })).body;
  return api('POST', '/check-ins', {
    token,
    key: newKey(),
    body: { id: `c-${randomUUID()}`, patientId, atMs: serverTimeMs, seq, kind: 'normal' },
  });
}

before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(wasmDir, file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, schedule: false });
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

test('G9 community withdrawn: out of 病友故事 with a clear message, their stories out of the feed, out of the report', { timeout: TEST_TIMEOUT }, async () => {
  const author = await newPatient({ communityMember: true });
  const reader = await newPatient({ communityMember: true });
  await consent(author.token, 'stories', true);
  const submitted = await api('POST', '/stories', { token: author.token, key: newKey(), body: STORY });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  const staff = await staffOf('service');
  const decided = await api('POST', '/staff/stories/decide', {
    token: staff.token,
    key: newKey(),
    body: { storyId: submitted.body.storyId, decision: 'approve' },
  });
  assert.equal(decided.status, 200, JSON.stringify(decided.body));

  const feedIds = async (token) => {
    const ids = [];
    let before = null;
    for (;;) {
      const page = await api('GET', `/community/stories${before ? `?before=${encodeURIComponent(before)}` : ''}`, { token });
      assert.equal(page.status, 200, JSON.stringify(page.body));
      ids.push(...page.body.stories.map((s) => s.id));
      if (!page.body.nextCursor) return ids;
      before = page.body.nextCursor;
    }
  };
  assert.ok((await feedIds(reader.token)).includes(submitted.body.storyId), 'the approved story is in the feed');

  // The report's group of this community, with the author and the reader counted.
  const { communityId } = (await backend.pool.query('SELECT community_id AS "communityId" FROM patients WHERE id = $1', [author.patientId])).rows[0];
  const { serverTimeMs } = (await api('GET', '/profile', { token: reader.token })).body;
  const month = new Date(serverTimeMs + 8 * 3_600_000).toISOString().slice(0, 7);
  await backend.pool.query(
    `INSERT INTO community_groups (month, id, name, member_count, daily_messages, community_id)
     VALUES ($1, 'guards-g1', '守则测试群（演示）', 100, '[]'::jsonb, $2) ON CONFLICT DO NOTHING`,
    [month, communityId],
  );
  const operations = await staffOf('operations');
  const memberCount = async () => {
    const r = await api('GET', `/staff/community-report-inputs?month=${month}`, { token: operations.token });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.groups.find((g) => g.id === 'guards-g1').memberCount;
  };
  const countBefore = await memberCount();

  await consent(author.token, 'community', false);
  const refused = await api('GET', '/community/stories', { token: author.token });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'community.consent_withdrawn');
  assert.match(refused.body.error.message, /退出病友社群/);
  assert.ok(!(await feedIds(reader.token)).includes(submitted.body.storyId), 'their approved story left the feed');
  assert.equal(await memberCount(), countBefore - 1, 'one member fewer in the report');

  // Granting again brings the patient back.
  await consent(author.token, 'community', true);
  assert.equal((await api('GET', '/community/stories', { token: author.token })).status, 200);
  assert.ok((await feedIds(reader.token)).includes(submitted.body.storyId));
  assert.equal(await memberCount(), countBefore);
});

test('G9 rehabData withdrawn: new check-ins are not stored, the stored ones can be deleted', { timeout: TEST_TIMEOUT }, async () => {
  const patient = await newPatient();
  const stored = await checkIn(patient.token, patient.patientId, 1);
  assert.equal(stored.status, 200, JSON.stringify(stored.body));
  assert.equal(stored.body.outcome, 'accepted');
  const rows = async () => (await backend.pool.query('SELECT count(*)::int AS n FROM check_ins WHERE patient_id = $1', [patient.patientId])).rows[0].n;
  assert.equal(await rows(), 1);

  await consent(patient.token, 'rehabData', false);
  // Today is taken on the server: delete it first, then check in today again.
  const deleted = await api('POST', '/me/check-ins/delete', { token: patient.token, key: newKey(), body: {} });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assert.equal(deleted.body.deleted, 1);
  assert.equal(await rows(), 0);

  const notStored = await checkIn(patient.token, patient.patientId, 2);
  assert.equal(notStored.status, 200, JSON.stringify(notStored.body));
  assert.equal(notStored.body.outcome, 'accepted', 'the check-in still counts (on the device)');
  assert.equal(notStored.body.storedOnServer, false);
  assert.equal(await rows(), 0, 'nothing stored');

  const bad = await api('POST', '/me/check-ins/delete', { token: patient.token, key: newKey(), body: { all: true } });
  assert.equal(bad.status, 400);

  // Granted again: stored again.
  await consent(patient.token, 'rehabData', true);
  const again = await checkIn(patient.token, patient.patientId, 3);
  assert.equal(again.body.outcome, 'accepted');
  assert.notEqual(again.body.storedOnServer, false);
  assert.equal(await rows(), 1);
});

test('G9 every consent withdrawn: a vested referral reward is still issued', { timeout: TEST_TIMEOUT }, async () => {
  const referrer = await newPatient({ communityMember: true });
  const friend = await newPatient();
  const claim = await api('POST', '/referrals', { token: friend.token, key: newKey(), body: { code: referrer.referralCode, channel: 'code' } });
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  // The friend's registration was confirmed 100 days ago: the 90-day hold is over.
  const { serverTimeMs } = (await api('GET', '/profile', { token: referrer.token })).body;
  await backend.pool.query('UPDATE referrals SET registration_confirmed_at_ms = $2 WHERE referee_id = $1', [
    friend.patientId,
    serverTimeMs - 100 * DAY_MS,
  ]);
  for (const purpose of CONSENT_PURPOSES) await consent(referrer.token, purpose, false);

  const inputs = (await api('GET', '/eligibility-inputs', { token: referrer.token })).body;
  const nowMs = inputs.serverTimeMs;
  delete inputs.serverTimeMs;
  const report = core.call('evaluateEligibility', { nowMs, ...inputs, milestones: [] });
  assert.ok(report.ok, JSON.stringify(report.error));
  const grants = report.value.campaigns
    .flatMap((c) => c.grants.map((g) => ({ ...g, campaignId: c.campaignId })))
    .filter((g) => g.state === 'issuable' && g.referralId === claim.body.referralId);
  assert.ok(grants.length >= 1, 'the referrer reward has vested');
  // The referrer checks in (counted on the device only: rehabData withdrawn);
  // the server's issuance runs with it and issues the vested reward.
  const checkIn = await api('POST', '/check-ins', {
    token: referrer.token,
    key: newKey(),
    body: { id: `c-${randomUUID()}`, patientId: referrer.patientId, atMs: nowMs, seq: 1, kind: 'normal' },
  });
  assert.equal(checkIn.status, 200, JSON.stringify(checkIn.body));
  assert.equal(checkIn.body.storedOnServer, false, 'the check-in itself is not kept (G9)');
  // Issued by this check-in, or by the server's job a moment before: in the book either way.
  const book = await backend.pool.query('SELECT grant_key FROM issued_rewards WHERE patient_id = $1 AND status = $2', [referrer.patientId, 'issued']);
  const inBook = new Set(book.rows.map((r) => r.grant_key));
  for (const g of grants) assert.ok(inBook.has(g.key), `${g.key} issued`);
});

test('G17 clinical moments from staff and from the hospital’s events refuse the prompt; staff touches count', { timeout: TEST_TIMEOUT }, async () => {
  const prompt = (token) => api('POST', '/me/prompts', { token, key: newKey(), body: { moment: 'checkInDone' } });
  const nurse = await staffOf('nurse');

  // Surgery tomorrow (its eve is today).
  const surgical = await newPatient();
  const now = (await api('GET', '/profile', { token: surgical.token })).body.serverTimeMs;
  const moment = await api('POST', '/staff/clinical-moments', {
    token: nurse.token,
    key: newKey(),
    body: { patientId: surgical.patientId, kind: 'surgery', atMs: now + DAY_MS },
  });
  assert.equal(moment.status, 200, JSON.stringify(moment.body));
  const refused = await prompt(surgical.token);
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'eligibility.prompt_clinical_moment');
  const history = await api('GET', '/me/prompts', { token: surgical.token });
  assert.deepEqual(history.body.clinicalMoments, [{ kind: 'surgery', atMs: now + DAY_MS }]);

  // A KOC sensitive case: never invited.
  const sensitive = await newPatient();
  await api('POST', '/staff/clinical-moments', { token: nurse.token, key: newKey(), body: { patientId: sensitive.patientId, kind: 'sensitiveCase' } });
  assert.equal((await prompt(sensitive.token)).body.error.code, 'eligibility.prompt_clinical_moment');

  // An admission confirmed on the patient's own referral: an inpatient now.
  const referrer = await newPatient({ communityMember: true });
  const inpatient = await newPatient();
  const claim = await api('POST', '/referrals', { token: inpatient.token, key: newKey(), body: { code: referrer.referralCode, channel: 'code' } });
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  const doctor = await staffOf('doctor');
  const admitted = await api('POST', '/staff/referral-events', {
    token: doctor.token,
    key: newKey(),
    body: { referralId: claim.body.referralId, event: 'admissionConfirmed' },
  });
  assert.equal(admitted.status, 200, JSON.stringify(admitted.body));
  assert.equal((await prompt(inpatient.token)).body.error.code, 'eligibility.prompt_clinical_moment');

  // The control: the same route allows a patient with no moment.
  const calm = await newPatient();
  assert.equal((await prompt(calm.token)).status, 200);
  // Two staff calls and the prompt: the cap of three is reached.
  for (const channel of ['call', 'message']) {
    const touch = await api('POST', '/staff/touches', { token: nurse.token, key: newKey(), body: { patientId: calm.patientId, channel } });
    assert.equal(touch.status, 200, JSON.stringify(touch.body));
  }
  assert.equal((await api('GET', '/me/prompts', { token: calm.token })).body.shownAtMs.length, 3);
  const capped = await prompt(calm.token);
  assert.equal(capped.status, 409);
  assert.equal(capped.body.error.code, 'eligibility.prompt_cap_reached');

  // Bad bodies and roles.
  const badKind = await api('POST', '/staff/clinical-moments', { token: nurse.token, key: newKey(), body: { patientId: calm.patientId, kind: 'chat' } });
  assert.equal(badKind.status, 400);
  const unknown = await api('POST', '/staff/touches', { token: nurse.token, key: newKey(), body: { patientId: 'nobody-here', channel: 'call' } });
  assert.equal(unknown.status, 404);
  const asPatient = await api('POST', '/staff/touches', { token: calm.token, key: newKey(), body: { patientId: calm.patientId, channel: 'call' } });
  assert.equal(asPatient.status, 403);
});

test('G15 on the claim route: a staff member’s code is unknown to a friend, and no referral is recorded', { timeout: TEST_TIMEOUT }, async () => {
  const doctor = await newPatient();
  await backend.pool.query('UPDATE patients SET is_staff = true WHERE id = $1', [doctor.patientId]);
  const friend = await newPatient();
  const refused = await api('POST', '/referrals', { token: friend.token, key: newKey(), body: { code: doctor.referralCode, channel: 'code' } });
  assert.equal(refused.status, 404, JSON.stringify(refused.body));
  assert.equal(refused.body.error.code, 'referral.unknown_code');
  const { rows } = await backend.pool.query('SELECT 1 FROM referrals WHERE referee_id = $1', [friend.patientId]);
  assert.equal(rows.length, 0, 'no referral recorded to a staff member');
  // The control: the same code once the person is not staff.
  await backend.pool.query('UPDATE patients SET is_staff = false WHERE id = $1', [doctor.patientId]);
  const accepted = await api('POST', '/referrals', { token: friend.token, key: newKey(), body: { code: doctor.referralCode, channel: 'code' } });
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
});

test('npm run compliance --database-url: the backend’s live campaigns are validated, every guard enforced', { timeout: TEST_TIMEOUT }, async () => {
  const report = await runCompliance({ databaseUrl: postgres.url });
  assert.match(report.source, /database/);
  assert.ok(report.campaigns >= 8, `${report.campaigns} campaigns in the database`);
  assert.equal(report.validation.valid, true, JSON.stringify(report.validation.violations));
  assert.equal(report.ok, true, report.lines.join('\n'));
});
