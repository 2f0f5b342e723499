// The reference backend's story submissions (病友故事, G9/G11) and invite
// prompts (G17), over real HTTP against a private PostgreSQL:
//   - a story is refused without the patient's separate 'stories' consent
//     (story.consent_required), and refused with the core's own code and spans
//     when the wording check fails (the server runs layoutPoster, the same
//     call the shell makes);
//   - a clean story is stored once as pending, however often its key is
//     replayed (directly or in a batch);
//   - only staff list pending stories; a withdrawn consent withdraws the
//     pending story (gone from the staff list, its words deleted);
//   - three prompts in 90 days are recorded, the fourth is refused with the
//     core's reason (eligibility.prompt_cap_reached); an opted-out patient
//     and a staff member are refused; only a known non-clinical moment is
//     accepted.
// PostgreSQL is stopped by its data directory at the end; nothing is left.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { loadCore, wasmDir } from './helpers.mjs';

const TEST_TIMEOUT = 60_000;
const STORY = { title: '术后第30天，我又能唱歌了', story: '每天坚持做颈部康复操，按时复查。谢谢病友们的鼓励，也谢谢护士耐心的讲解。' };
const FLAGGED = { title: '我的康复故事', story: '你吃这个药试试，保证根治' };

let postgres;
let backend;
let core;

const newKey = () => `k-${randomUUID()}`;

const api = (...args) => apiClient(backend.apiUrl)(...args);

async function session(as) {
  const r = await api('POST', '/demo/sessions', { body: { as } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** A new synthetic patient: {token, patientId}. */
async function newPatient() {
  const { token } = await session('newPatient');
  const profile = await api('GET', '/profile', { token });
  return { token, patientId: profile.body.patientId };
}

async function consent(token, purpose, granted) {
  const r = await api('PUT', '/me/consents', { token, key: newKey(), body: { purpose, granted } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

async function storyRows(patientId) {
  const { rows } = await backend.pool.query('SELECT id, title, story, status, withdrawn_at_ms FROM stories WHERE patient_id = $1', [
    patientId,
  ]);
  return rows;
}


before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(wasmDir, file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false });
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

test('a story needs the separate stories consent, and passes the core’s wording check', { timeout: TEST_TIMEOUT }, async () => {
  const { token, patientId } = await newPatient();

  const refused = await api('POST', '/stories', { token, key: newKey(), body: STORY });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'story.consent_required');
  assert.match(refused.body.error.message, /单独同意/);
  assert.deepEqual(await storyRows(patientId), [], 'nothing stored without consent');

  // Withdrawn (answered false) is no consent either.
  await consent(token, 'stories', false);
  assert.equal((await api('POST', '/stories', { token, key: newKey(), body: STORY })).body.error.code, 'story.consent_required');

  await consent(token, 'stories', true);
  const flagged = await api('POST', '/stories', { token, key: newKey(), body: FLAGGED });
  const expected = core.call('layoutPoster', { template: 'storyPoster', data: FLAGGED });
  assert.equal(expected.ok, false);
  assert.equal(flagged.status, 422);
  assert.equal(flagged.body.error.code, 'poster.wording_flagged');
  assert.equal(flagged.body.error.code, expected.error.code, 'the core’s own code');
  assert.equal(flagged.body.error.message, expected.error.message);
  assert.deepEqual(flagged.body.error.matches, expected.error.matches, 'the core’s spans, as the shell saw them');
  assert.deepEqual(
    flagged.body.error.matches.map((m) => FLAGGED.story.slice(m.utf16Start, m.utf16End)),
    ['你吃这个药试试', '根治'],
  );

  // A link in a story is the core's poster.forbidden_field (G12), not a rule of the server.
  const link = await api('POST', '/stories', { token, key: newKey(), body: { title: '我的故事', story: '详情见 https://example.com/a' } });
  assert.equal(link.status, 422);
  assert.equal(link.body.error.code, core.call('layoutPoster', { template: 'storyPoster', data: { title: '我的故事', story: '详情见 https://example.com/a' } }).error.code);

  const bad = await api('POST', '/stories', { token, key: newKey(), body: { ...STORY, name: '王晓芳' } });
  assert.equal(bad.status, 400, 'no unknown field (the story carries no name)');
  assert.deepEqual(await storyRows(patientId), [], 'no refused story is stored');
});

test('a story is stored once per key, listed for staff only, withdrawn with the consent', { timeout: TEST_TIMEOUT }, async () => {
  const { token, patientId } = await newPatient();
  await consent(token, 'stories', true);
  const key = newKey();
  const first = await api('POST', '/stories', { token, key, body: STORY });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.status, 'pending');
  assert.match(first.body.storyId, /^st-/);
  const again = await api('POST', '/stories', { token, key, body: STORY });
  assert.equal(again.status, 200);
  assert.equal(again.body.replayed, true);
  assert.equal(again.body.storyId, first.body.storyId);
  // The outbox's way: the same key inside a batch.
  const batch = await api('POST', '/batch', {
    token,
    key: newKey(),
    body: { items: [{ idempotencyKey: key, operation: 'submitStory', body: STORY }] },
  });
  assert.equal(batch.body.results[0].status, 200);
  assert.equal(batch.body.results[0].body.storyId, first.body.storyId);
  const rows = await storyRows(patientId);
  assert.equal(rows.length, 1, 'one row however often the key is delivered');
  assert.deepEqual([rows[0].title, rows[0].story, rows[0].status], [STORY.title, STORY.story, 'pending']);

  // Staff only.
  const forbidden = await api('GET', '/staff/stories', { token });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.body.error.code, 'auth.forbidden');
  const staff = await session('staff');
  const listed = await api('GET', '/staff/stories', { token: staff.token });
  assert.equal(listed.status, 200);
  const mine = listed.body.stories.find((s) => s.id === first.body.storyId);
  assert.ok(mine, 'the pending story is in the review queue');
  assert.equal(mine.title, STORY.title);
  assert.equal(mine.story, STORY.story);
  assert.equal(mine.submittedAtMs, first.body.submittedAtMs);
  assert.match(mine.authorName, /\*/, 'the author by a masked display name');
  const fullName = (await backend.pool.query('SELECT name FROM patients WHERE id = $1', [patientId])).rows[0].name;
  assert.ok(!JSON.stringify(listed.body).includes(fullName), 'never the full name');
  assert.ok(!JSON.stringify(mine).includes(patientId), 'no patient id in the queue');

  // G9: withdrawing the consent withdraws the pending story.
  await consent(token, 'stories', false);
  const after_ = await api('GET', '/staff/stories', { token: staff.token });
  assert.equal(after_.body.stories.some((s) => s.id === first.body.storyId), false, 'no longer listed for staff');
  const [withdrawn] = await storyRows(patientId);
  assert.equal(withdrawn.status, 'withdrawn');
  assert.equal(withdrawn.title, null, 'its words are deleted');
  assert.equal(withdrawn.story, null);
  assert.ok(Number(withdrawn.withdrawn_at_ms) > 0);
  // A replay of the old key does not bring it back.
  const replay = await api('POST', '/stories', { token, key, body: STORY });
  assert.equal(replay.body.replayed, true);
  assert.equal((await storyRows(patientId)).filter((r) => r.status === 'pending').length, 0);
});

test('invite prompts: three in 90 days, the fourth refused by the core; opt-out and staff refused', { timeout: TEST_TIMEOUT }, async () => {
  const { token, patientId } = await newPatient();
  assert.deepEqual((await api('GET', '/me/prompts', { token })).body.shownAtMs, []);
  const keys = [];
  for (let i = 0; i < 3; i += 1) {
    keys.push(newKey());
    const r = await api('POST', '/me/prompts', { token, key: keys[i], body: { moment: 'checkInDone' } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof r.body.shownAtMs, 'number');
  }
  const history = (await api('GET', '/me/prompts', { token })).body.shownAtMs;
  assert.equal(history.length, 3);
  const expected = core.call('mayShowInvitePrompt', { nowMs: Date.now(), shownAtMs: history });
  assert.equal(expected.value.allowed, false, 'the core itself says no to a 4th');
  const fourth = await api('POST', '/me/prompts', { token, key: newKey(), body: { moment: 'checkInDone' } });
  assert.equal(fourth.status, 409);
  assert.equal(fourth.body.error.code, expected.value.reasons[0].code);
  assert.equal(fourth.body.error.code, 'eligibility.prompt_cap_reached');
  assert.equal(fourth.body.error.message, expected.value.reasons[0].message);
  assert.ok(fourth.body.error.nextAllowedAtMs > Date.now(), 'says when the next one is allowed');
  // A replayed accepted key is its stored answer, not a 4th prompt.
  const replay = await api('POST', '/me/prompts', { token, key: keys[0], body: { moment: 'checkInDone' } });
  assert.equal(replay.status, 200);
  assert.equal(replay.body.replayed, true);
  const { rows } = await backend.pool.query('SELECT count(*)::int AS n FROM invite_prompts WHERE patient_id = $1', [patientId]);
  assert.equal(rows[0].n, 3, 'three prompts stored, never four');

  // Four devices at once for a fresh patient: still three.
  const other = await newPatient();
  const racing = await Promise.all(
    Array.from({ length: 4 }, () => api('POST', '/me/prompts', { token: other.token, key: newKey(), body: { moment: 'checkInDone' } })),
  );
  assert.deepEqual(racing.map((r) => r.status).sort(), [200, 200, 200, 409]);

  // G17 opt-out: one answer, and the server refuses.
  const optedOut = await newPatient();
  await consent(optedOut.token, 'referralPrompts', false);
  const refused = await api('POST', '/me/prompts', { token: optedOut.token, key: newKey(), body: { moment: 'checkInDone' } });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'eligibility.prompt_opted_out');
  assert.deepEqual((await api('GET', '/me/prompts', { token: optedOut.token })).body.shownAtMs, []);
  // Granted again: prompts may come back.
  await consent(optedOut.token, 'referralPrompts', true);
  assert.equal((await api('POST', '/me/prompts', { token: optedOut.token, key: newKey(), body: { moment: 'checkInDone' } })).status, 200);

  // Staff are never prompted (G15), and only a known non-clinical moment is accepted.
  const staff = await session('staff');
  const staffPrompt = await api('POST', '/me/prompts', { token: staff.token, key: newKey(), body: { moment: 'checkInDone' } });
  assert.equal(staffPrompt.body.error.code, 'eligibility.staff_excluded');
  const clinical = await api('POST', '/me/prompts', { token, key: newKey(), body: { moment: 'consultation' } });
  assert.equal(clinical.status, 400);
  assert.equal(clinical.body.error.path, '/moment');
  const missingKey = await api('POST', '/me/prompts', { token, body: { moment: 'checkInDone' } });
  assert.equal(missingKey.body.error.code, 'request.missing_idempotency_key');
});
