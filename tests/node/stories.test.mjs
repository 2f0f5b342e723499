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
//   - staff approve or reject (with a reason code) a pending story once; the
//     patient reads the status and the reason (GET /stories); 20 decisions
//     at once have one winner; a decision racing the consent withdrawal ends
//     in one consistent state; approval re-runs the core's wording check on
//     the stored words; bad bodies change nothing; a withdrawn consent
//     unpublishes approved stories and deletes the words of rejected ones;
//     the schema refuses a decision that breaks its rules;
//   - 病友故事 (GET /community/stories): members read the approved stories of
//     their own community only — never a pending, rejected or withdrawn one,
//     never another community's — newest approval first, 20 a page, each
//     exactly once across the pages (an opaque cursor, stable while new
//     stories are approved); authors by their masked display name only, `mine`
//     on the caller's own; a withdrawn consent takes the author's stories out;
//     a non-member gets 403 community.not_member, a cursor the server did not
//     make 400 request.bad_query; every synthetic story of the offline demo
//     passes the core's wording check;
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
import { createPatient, DEMO_STAFF_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { generateDemoCommunityStories } from '../../web/backend/demo-data.js';
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
  // Staff here review stories: the 客服 (service) role.
  const r = await api('POST', '/demo/sessions', { body: { as, ...(as === 'staff' ? { role: 'service' } : {}) } });
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

/** One story row with its review columns. */
async function storyRow(id) {
  const { rows } = await backend.pool.query(
    'SELECT id, title, story, status, decided_at_ms, decided_by, reject_reason, withdrawn_at_ms FROM stories WHERE id = $1',
    [id],
  );
  return rows[0];
}

/** A new patient with the stories consent and `count` submitted (pending) stories: {token, patientId, ids}. */
async function patientWithStories(count = 1) {
  const patient = await newPatient();
  await consent(patient.token, 'stories', true);
  const ids = [];
  for (let i = 0; i < count; i += 1) {
    const r = await api('POST', '/stories', { token: patient.token, key: newKey(), body: { ...STORY, title: `${STORY.title}（${i + 1}）` } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    ids.push(r.body.storyId);
  }
  return { ...patient, ids };
}

const decide = (token, body, key = newKey()) => api('POST', '/staff/stories/decide', { token, key, body });


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

test('staff approve and reject a story once; the patient sees the status and the reason', { timeout: TEST_TIMEOUT }, async () => {
  const author = await patientWithStories(3);
  const [approvedId, rejectedId, pendingId] = author.ids;
  const staff = await session('staff');

  // Only staff decide; an unknown story is not found.
  const byPatient = await decide(author.token, { storyId: approvedId, decision: 'approve' });
  assert.equal(byPatient.status, 403);
  assert.equal(byPatient.body.error.code, 'auth.forbidden');
  const unknown = await decide(staff.token, { storyId: 'st-does-not-exist', decision: 'approve' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'story.not_found');

  const approveKey = newKey();
  const approved = await decide(staff.token, { storyId: approvedId, decision: 'approve' }, approveKey);
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  assert.equal(approved.body.status, 'approved');
  assert.equal(approved.body.storyId, approvedId);
  assert.equal(typeof approved.body.decidedAtMs, 'number');
  assert.equal('reason' in approved.body, false, 'no reason on an approval');
  const rejected = await decide(staff.token, { storyId: rejectedId, decision: 'reject', reason: 'medical_claim' });
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
  assert.deepEqual([rejected.body.status, rejected.body.reason], ['rejected', 'medical_claim']);

  // A replay of the key is the stored answer; a new decision on a decided story is refused.
  const replay = await decide(staff.token, { storyId: approvedId, decision: 'approve' }, approveKey);
  assert.equal(replay.status, 200);
  assert.equal(replay.body.replayed, true);
  assert.equal(replay.body.decidedAtMs, approved.body.decidedAtMs);
  const again = await decide(staff.token, { storyId: approvedId, decision: 'reject', reason: 'other' });
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, 'story.not_pending');
  assert.equal(again.body.error.status, 'approved');
  assert.match(again.body.error.message, /已经审核通过/);

  // The database: the decision, who made it, the reason only on the rejection.
  const a = await storyRow(approvedId);
  assert.deepEqual([a.status, a.decided_at_ms, a.decided_by, a.reject_reason], ['approved', approved.body.decidedAtMs, staff.patientId, null]);
  assert.equal(a.title, `${STORY.title}（1）`, 'an approved story keeps its words');
  const r = await storyRow(rejectedId);
  assert.deepEqual([r.status, r.reject_reason, r.decided_by], ['rejected', 'medical_claim', staff.patientId]);

  // Decided stories leave the staff queue; the pending one stays.
  const queue = (await api('GET', '/staff/stories', { token: staff.token })).body.stories.map((st) => st.id);
  assert.equal(queue.includes(approvedId) || queue.includes(rejectedId), false);
  assert.ok(queue.includes(pendingId));

  // The patient's own list: newest first, status, reason code, title; no text, no reviewer.
  const mine = await api('GET', '/stories', { token: author.token });
  assert.equal(mine.status, 200);
  assert.deepEqual(
    mine.body.stories.map((st) => [st.id, st.status, st.reason ?? null, st.title]),
    [
      [pendingId, 'pending', null, `${STORY.title}（3）`],
      [rejectedId, 'rejected', 'medical_claim', `${STORY.title}（2）`],
      [approvedId, 'approved', null, `${STORY.title}（1）`],
    ],
  );
  const approvedMine = mine.body.stories.find((st) => st.id === approvedId);
  assert.equal(approvedMine.decidedAtMs, approved.body.decidedAtMs);
  assert.equal(typeof approvedMine.submittedAtMs, 'number');
  assert.ok(!JSON.stringify(mine.body).includes(STORY.story), 'never the story text');
  assert.ok(!JSON.stringify(mine.body).includes(staff.patientId), 'never the reviewer');
  // Someone else's list does not show them.
  const other = await newPatient();
  assert.deepEqual((await api('GET', '/stories', { token: other.token })).body.stories, []);
});

test('bad decision bodies are refused with request.bad_body and its path; nothing changes', { timeout: TEST_TIMEOUT }, async () => {
  const author = await patientWithStories(1);
  const [storyId] = author.ids;
  const staff = await session('staff');
  const huge = 'x'.repeat(200_000);
  const cases = [
    [[], ''],
    ['approve', ''],
    [null, ''],
    [{ decision: 'approve' }, '/storyId'],
    [{ storyId: 42, decision: 'approve' }, '/storyId'],
    [{ storyId: huge, decision: 'approve' }, '/storyId'],
    [{ storyId, decision: 'publish' }, '/decision'],
    [{ storyId, decision: 'APPROVE' }, '/decision'],
    [{ storyId }, '/decision'],
    [{ storyId, decision: 'reject' }, '/reason'],
    [{ storyId, decision: 'reject', reason: 'rude' }, '/reason'],
    [{ storyId, decision: 'reject', reason: huge }, '/reason'],
    [{ storyId, decision: 'reject', reason: ['medical_claim'] }, '/reason'],
    [{ storyId, decision: 'approve', reason: 'other' }, '/reason'],
    [{ storyId, decision: 'approve', reason: null }, '/reason'],
    [{ storyId, decision: 'approve', note: '写得很好' }, '/note'],
    [{ storyId, decision: 'reject', reason: 'other', [huge]: 1 }, `/${'x'.repeat(64)}`],
  ];
  for (const [body, path] of cases) {
    const r = await decide(staff.token, body);
    const label = JSON.stringify(body).slice(0, 80);
    assert.equal(r.status, 400, `${label}: ${JSON.stringify(r.body).slice(0, 200)}`);
    assert.equal(r.body.error.code, 'request.bad_body', label);
    assert.equal(r.body.error.path ?? '', path, label);
    assert.equal(typeof r.body.error.message, 'string');
  }
  const notJson = await fetch(`${backend.apiUrl}/staff/stories/decide`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${staff.token}`, 'Idempotency-Key': newKey(), 'Content-Type': 'application/json' },
    body: '{"storyId":',
  });
  assert.equal(notJson.status, 400);
  assert.equal((await notJson.json()).error.code, 'request.bad_json');
  const noKey = await api('POST', '/staff/stories/decide', { token: staff.token, body: { storyId, decision: 'approve' } });
  assert.equal(noKey.body.error.code, 'request.missing_idempotency_key');

  const row = await storyRow(storyId);
  assert.deepEqual([row.status, row.decided_at_ms, row.decided_by, row.reject_reason], ['pending', null, null, null], 'nothing changed');
  assert.equal(row.title, `${STORY.title}（1）`);
});

test('20 simultaneous decisions on one story: exactly one wins', { timeout: TEST_TIMEOUT }, async () => {
  const author = await patientWithStories(1);
  const [storyId] = author.ids;
  const staff = await session('staff');
  const bodies = Array.from({ length: 20 }, (_, i) =>
    i % 2 ? { storyId, decision: 'approve' } : { storyId, decision: 'reject', reason: ['medical_claim', 'personal_data', 'off_topic', 'other'][i % 4] },
  );
  const replies = await Promise.all(bodies.map((body) => decide(staff.token, body)));
  const winners = replies.filter((r) => r.status === 200);
  assert.equal(winners.length, 1, JSON.stringify(replies.map((r) => r.status)));
  const losers = replies.filter((r) => r.status !== 200);
  assert.ok(losers.every((r) => r.status === 409 && r.body.error.code === 'story.not_pending'), JSON.stringify(losers.map((r) => r.body)));
  assert.ok(losers.every((r) => r.body.error.status === winners[0].body.status), 'each loser is told what won');
  const row = await storyRow(storyId);
  assert.equal(row.status, winners[0].body.status);
  assert.equal(row.decided_at_ms, winners[0].body.decidedAtMs);
  assert.equal(row.reject_reason, winners[0].body.reason ?? null);
});

test('a decision racing the consent withdrawal ends in one consistent state, without the words', { timeout: TEST_TIMEOUT }, async () => {
  const staff = await session('staff');
  const seen = new Set();
  for (let round = 0; round < 8; round += 1) {
    const author = await patientWithStories(1);
    const [storyId] = author.ids;
    const decision = round % 2 ? { storyId, decision: 'approve' } : { storyId, decision: 'reject', reason: 'off_topic' };
    const [decided, withdrawn] = await Promise.all([
      decide(staff.token, decision),
      api('PUT', '/me/consents', { token: author.token, key: newKey(), body: { purpose: 'stories', granted: false } }),
    ]);
    assert.equal(withdrawn.status, 200, 'the withdrawal always goes through (G9)');
    const row = await storyRow(storyId);
    assert.equal(row.title, null, 'the words are gone whoever came first');
    assert.equal(row.story, null);
    if (decided.status === 200) {
      // The decision committed first; the withdrawal then unpublished an approval.
      seen.add(`${decision.decision} first`);
      if (decision.decision === 'approve') {
        assert.deepEqual([row.status, row.decided_at_ms], ['withdrawn', decided.body.decidedAtMs]);
      } else {
        assert.deepEqual([row.status, row.reject_reason], ['rejected', 'off_topic']);
      }
    } else {
      seen.add('withdrawal first');
      assert.equal(decided.status, 409, JSON.stringify(decided.body));
      assert.equal(decided.body.error.code, 'story.not_pending');
      assert.equal(decided.body.error.status, 'withdrawn');
      assert.deepEqual([row.status, row.decided_at_ms, row.reject_reason], ['withdrawn', null, null], 'never decided');
    }
    assert.deepEqual(
      (await api('GET', '/staff/stories', { token: staff.token })).body.stories.filter((st) => st.id === storyId),
      [],
      'not in the queue',
    );
  }
  console.log(`# decision vs withdrawal orders seen: ${[...seen].join(', ')}`);
});

test('approval re-runs the core’s wording check on the stored words', { timeout: TEST_TIMEOUT }, async () => {
  // Submission refuses such a story; one that got in anyway (an older
  // check, a direct insert) must not be approved.
  const { patientId } = await newPatient();
  const storyId = `st-raw-${randomUUID().slice(0, 8)}`;
  await backend.pool.query(
    `INSERT INTO stories (id, patient_id, title, story, status, submitted_at_ms) VALUES ($1, $2, $3, $4, 'pending', $5)`,
    [storyId, patientId, FLAGGED.title, FLAGGED.story, Date.now()],
  );
  const staff = await session('staff');
  const expected = core.call('layoutPoster', { template: 'storyPoster', data: FLAGGED });
  assert.equal(expected.ok, false);
  const refused = await decide(staff.token, { storyId, decision: 'approve' });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.error.code, expected.error.code);
  assert.equal(refused.body.error.code, 'poster.wording_flagged');
  assert.equal(refused.body.error.message, expected.error.message);
  assert.deepEqual(refused.body.error.matches, expected.error.matches, 'the core’s spans');
  assert.equal((await storyRow(storyId)).status, 'pending', 'still waiting for a decision');
  const rejected = await decide(staff.token, { storyId, decision: 'reject', reason: 'medical_claim' });
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));
  assert.equal((await storyRow(storyId)).reject_reason, 'medical_claim');
});

test('a withdrawn consent unpublishes approved stories and deletes every story’s words; the schema holds the rules', { timeout: TEST_TIMEOUT }, async () => {
  const author = await patientWithStories(3);
  const [approvedId, rejectedId, pendingId] = author.ids;
  const staff = await session('staff');
  assert.equal((await decide(staff.token, { storyId: approvedId, decision: 'approve' })).status, 200);
  assert.equal((await decide(staff.token, { storyId: rejectedId, decision: 'reject', reason: 'personal_data' })).status, 200);

  // The schema, not the code path: no decision that breaks the rules.
  const refuses = (sql, params) =>
    assert.rejects(backend.pool.query(sql, params), (error) => error.code === '23514', sql);
  await refuses("UPDATE stories SET status = 'pending', decided_at_ms = NULL, decided_by = NULL WHERE id = $1", [approvedId]);
  await refuses("UPDATE stories SET status = 'rejected', reject_reason = 'other' WHERE id = $1", [approvedId]);
  await refuses("UPDATE stories SET reject_reason = 'medical_claim' WHERE id = $1", [approvedId]);
  await refuses("UPDATE stories SET reject_reason = 'rude' WHERE id = $1", [rejectedId]);
  await refuses("UPDATE stories SET reject_reason = NULL WHERE id = $1", [rejectedId]);
  await refuses("UPDATE stories SET status = 'approved', reject_reason = NULL WHERE id = $1", [rejectedId]);
  await refuses("UPDATE stories SET status = 'approved' WHERE id = $1", [pendingId]);
  await refuses("UPDATE stories SET title = NULL, story = NULL WHERE id = $1", [approvedId]);

  await consent(author.token, 'stories', false);
  const a = await storyRow(approvedId);
  assert.deepEqual([a.status, a.title, a.story], ['withdrawn', null, null], 'unpublished, its words deleted');
  assert.ok(a.withdrawn_at_ms > 0 && a.decided_at_ms > 0, 'the approval stays on record');
  const r = await storyRow(rejectedId);
  assert.deepEqual([r.status, r.reject_reason, r.title, r.story], ['rejected', 'personal_data', null, null], 'the decision stays, the words go');
  const p = await storyRow(pendingId);
  assert.deepEqual([p.status, p.title, p.story], ['withdrawn', null, null]);

  const mine = (await api('GET', '/stories', { token: author.token })).body.stories;
  assert.deepEqual(
    mine.map((st) => [st.id, st.status, st.reason ?? null, 'title' in st]),
    [
      [pendingId, 'withdrawn', null, false],
      [rejectedId, 'rejected', 'personal_data', false],
      [approvedId, 'withdrawn', null, false],
    ],
  );
  assert.ok(mine.every((st) => st.status !== 'withdrawn' || st.withdrawnAtMs > 0));
  const decidedAgain = await decide(staff.token, { storyId: pendingId, decision: 'approve' });
  assert.equal(decidedAgain.status, 409);
  assert.equal(decidedAgain.body.error.code, 'story.not_pending');
  assert.equal(decidedAgain.body.error.status, 'withdrawn');
});

// ------------------------------------------------------------ 病友故事 (GET /community/stories)

/** A community of its own (no other test's stories in it): its id. */
async function newCommunity() {
  const id = `test-c-${randomUUID().slice(0, 8)}`;
  await backend.pool.query('INSERT INTO communities (id, name, action_title) VALUES ($1, $2, $3)', [id, '测试康复群', '康复操']);
  return id;
}

/** A patient created directly (name and masked display name chosen here) with a session: {id, token, name}. */
async function member(communityId, name, displayName, { isCommunityMember = true } = {}) {
  const id = `test-pt-${randomUUID().slice(0, 12)}`;
  await createPatient(backend.pool, { core }, { id, name, displayName, isCommunityMember, communityId });
  const session = await backend.auth.sessions.open(backend.pool, { subjectId: id, role: 'patient', provider: 'test', demo: true });
  return { id, name, token: session.accessToken };
}

/** An approved story stored directly (approved by the demo staff member at `approvedAtMs`). */
async function approvedStory(id, patientId, approvedAtMs, words = STORY) {
  await backend.pool.query(
    `INSERT INTO stories (id, patient_id, title, story, status, submitted_at_ms, decided_at_ms, decided_by)
     VALUES ($1, $2, $3, $4, 'approved', $5, $5, $6)`,
    [id, patientId, words.title, words.story, approvedAtMs, DEMO_STAFF_ID],
  );
}

const feed = (token, before) =>
  api('GET', `/community/stories${before === undefined ? '' : `?before=${encodeURIComponent(before)}`}`, { token });

/** Every page of the caller's feed, following nextCursor: {pages, stories}. */
async function readAll(token, between = async () => {}) {
  const pages = [];
  let before;
  for (let guard = 0; guard < 50; guard += 1) {
    const r = await feed(token, before);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    pages.push(r.body);
    if (r.body.nextCursor === undefined) break;
    assert.equal(typeof r.body.nextCursor, 'string');
    before = r.body.nextCursor;
    await between(pages.length);
  }
  return { pages, stories: pages.flatMap((p) => p.stories) };
}

/** Newest approval first, the id breaking ties (the database collates C: code-point order). */
const newestFirst = (a, b) => b.approvedAtMs - a.approvedAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

test('members read their community’s approved stories only: newest first, 20 a page, each once; masked authors; mine', { timeout: TEST_TIMEOUT }, async () => {
  const communityId = await newCommunity();
  const otherCommunityId = await newCommunity();
  const reader = await member(communityId, '王晓明', '王*');
  const li = await member(communityId, '李晓芳', '李*');
  const zhang = await member(communityId, '张伟强', '张*');
  const outsider = await member(otherCommunityId, '赵敏华', '赵*');
  const staff = await session('staff');
  const people = [reader, li, zhang, outsider];

  // Two stories through the real flow: submitted with consent, approved by staff.
  await consent(li.token, 'stories', true);
  const viaApi = [];
  for (const words of [STORY, { title: '傍晚的两圈', story: '晚饭后和女儿在小区里慢慢走两圈，边走边聊天。' }]) {
    const r = await api('POST', '/stories', { token: li.token, key: newKey(), body: words });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const decided = await decide(staff.token, { storyId: r.body.storyId, decision: 'approve' });
    assert.equal(decided.status, 200, JSON.stringify(decided.body));
    viaApi.push({ id: r.body.storyId, approvedAtMs: decided.body.decidedAtMs, ...words, author: '李*', mine: false });
  }
  // One rejected and one still pending through the same flow: never in the feed.
  const rejected = await api('POST', '/stories', { token: li.token, key: newKey(), body: { title: '退回的故事', story: STORY.story } });
  assert.equal((await decide(staff.token, { storyId: rejected.body.storyId, decision: 'reject', reason: 'off_topic' })).status, 200);
  const pending = await api('POST', '/stories', { token: li.token, key: newKey(), body: { title: '待审核的故事', story: STORY.story } });
  assert.equal(pending.status, 200);

  // 43 more approved ones, stored directly, three at a time sharing one instant (the id breaks the tie).
  const run = randomUUID().slice(0, 6);
  const base = Date.now() - 30 * 86_400_000;
  const authors = [li, zhang, reader];
  const stored = [];
  for (let i = 0; i < 43; i += 1) {
    const author = authors[i % 3];
    const story = {
      id: `cs-${run}-${String(i).padStart(2, '0')}`,
      approvedAtMs: base + Math.floor(i / 3) * 60_000,
      title: `${STORY.title}（${i}）`,
      story: STORY.story,
      author: author === li ? '李*' : author === zhang ? '张*' : '王*',
      mine: author === reader,
    };
    await approvedStory(story.id, author.id, story.approvedAtMs, story);
    stored.push(story);
  }
  // Never in this community's feed: another community's approved story, and
  // rejected, pending and withdrawn rows of members.
  await approvedStory(`cs-${run}-other`, outsider.id, base + 10 * 86_400_000);
  await backend.pool.query(
    `INSERT INTO stories (id, patient_id, title, story, status, submitted_at_ms, decided_at_ms, decided_by, reject_reason, withdrawn_at_ms)
     VALUES ($1, $2, $3, $4, 'rejected', $5, $5, $6, 'other', NULL),
            ($7, $2, $3, $4, 'pending', $5, NULL, NULL, NULL, NULL),
            ($8, $2, NULL, NULL, 'withdrawn', $5, $5, $6, NULL, $5)`,
    [`cs-${run}-rejected`, zhang.id, '不该出现的故事', STORY.story, base + 20 * 86_400_000, DEMO_STAFF_ID, `cs-${run}-pending`, `cs-${run}-withdrawn`],
  );

  const expected = [...viaApi, ...stored].sort(newestFirst);
  assert.equal(expected.length, 45);
  const { pages, stories } = await readAll(reader.token);
  assert.deepEqual(pages.map((p) => p.stories.length), [20, 20, 5], 'pages of 20');
  assert.equal(pages[2].nextCursor, undefined, 'the last page has no cursor');
  assert.deepEqual(stories, expected, 'every approved story of the community, newest approval first, each exactly once, nothing else');
  for (const story of stories) {
    assert.deepEqual(Object.keys(story).sort(), ['approvedAtMs', 'author', 'id', 'mine', 'story', 'title'], 'only the contract’s fields');
  }
  assert.ok(stories.every((st, i) => i === 0 || stories[i - 1].approvedAtMs >= st.approvedAtMs), 'newest first');
  assert.deepEqual(
    stories.filter((st) => st.mine).map((st) => st.id),
    stored.filter((st) => st.mine).sort(newestFirst).map((st) => st.id),
    'mine: the caller’s own stories, and only those',
  );

  // Masked authors only: no full name, no patient id anywhere in any reply.
  const text = JSON.stringify(pages);
  for (const p of people) {
    assert.ok(!text.includes(p.name), `never the full name ${p.name}`);
    assert.ok(!text.includes(p.id), 'never a patient id');
  }
  for (const cursor of pages.map((p) => p.nextCursor).filter(Boolean)) {
    for (const p of people) assert.ok(!Buffer.from(cursor, 'base64url').toString('utf8').includes(p.id), 'the cursor names no patient');
  }

  // Another member sees the same stories; only `mine` differs.
  const zhangView = (await readAll(zhang.token)).stories;
  assert.deepEqual(zhangView.map((st) => st.id), expected.map((st) => st.id));
  assert.deepEqual(zhangView.filter((st) => st.mine).map((st) => st.author), Array(14).fill('张*'));
  // The other community sees only its own.
  assert.deepEqual((await readAll(outsider.token)).stories.map((st) => [st.id, st.author, st.mine]), [[`cs-${run}-other`, '赵*', true]]);

  // A story approved while the reader pages through is not the cursor's
  // concern: the pages after it still hold every older story exactly once.
  const late = await api('POST', '/stories', { token: li.token, key: newKey(), body: { title: '新通过的故事', story: STORY.story } });
  const paged = await readAll(reader.token, async (n) => {
    if (n === 1) assert.equal((await decide(staff.token, { storyId: late.body.storyId, decision: 'approve' })).status, 200);
  });
  assert.deepEqual(paged.stories.map((st) => st.id), expected.map((st) => st.id), 'the older stories, once each, while a new one was approved');
  assert.equal((await feed(reader.token)).body.stories[0].id, late.body.storyId, 'the new one heads the next first page');

  // G9: the author withdraws the consent: every one of their stories leaves the feed.
  await consent(li.token, 'stories', false);
  const after_ = (await readAll(reader.token)).stories;
  assert.deepEqual(
    after_.map((st) => st.id),
    expected.filter((st) => st.author !== '李*').map((st) => st.id),
    'the withdrawn author’s stories are gone; the others stay, in order',
  );
  assert.equal(after_.length, 28);
});

test('GET /community/stories: a non-member gets 403 community.not_member; a cursor the server did not make is 400 request.bad_query', { timeout: TEST_TIMEOUT }, async () => {
  const communityId = await newCommunity();
  const reader = await member(communityId, '王晓明', '王*');
  for (let i = 0; i < 21; i += 1) await approvedStory(`cs-q-${communityId}-${String(i).padStart(2, '0')}`, reader.id, Date.now() - i * 1000);

  // Not a member: no community, or a community without membership. Nothing else is needed to read.
  // Staff are no patients: the route is refused to them by the role policy.
  const outsider = await newPatient();
  const staff = await session('staff');
  const lapsed = await member(communityId, '李晓芳', '李*', { isCommunityMember: false });
  const staffRead = await feed(staff.token);
  assert.equal(staffRead.status, 403);
  assert.equal(staffRead.body.error.code, 'auth.patient_only');
  for (const token of [outsider.token, lapsed.token]) {
    const r = await feed(token);
    assert.equal(r.status, 403, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'community.not_member');
    assert.equal(r.body.error.message, '加入病友社群后可以阅读病友故事');
  }
  assert.equal((await api('GET', '/community/stories')).status, 401, 'a session is required');

  const first = await feed(reader.token);
  assert.equal(first.status, 200);
  const cursor = first.body.nextCursor;
  assert.equal(typeof cursor, 'string');
  const b64 = (text) => Buffer.from(text, 'utf8').toString('base64url');
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(/:(.*)/s);
  const bad = [
    '',
    'x',
    '!!!!!!!!',
    `${cursor}=`,
    `${cursor}==`,
    ` ${cursor}`,
    'A'.repeat(5000),
    b64('hello'),
    b64(`${at}:`),
    b64(`:${id}`),
    b64(`-1:${id}`),
    b64(`99999999999999999:${id}`),
    b64(`1e3:${id}`),
    b64(`${at}:${id} OR 1=1`),
    b64(`${at}:${'x'.repeat(65)}`),
    b64(`${at}:${id}\n`),
    Buffer.from(`${at}:${id}`, 'utf8').toString('base64'),
  ].filter((c) => c !== cursor);
  for (const before of bad) {
    const r = await feed(reader.token, before);
    const label = JSON.stringify(before).slice(0, 60);
    assert.equal(r.status, 400, `${label}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'request.bad_query', label);
    assert.equal(r.body.error.path, '/before', label);
  }
  // A cursor is checked before anything else is read: a non-member with a bad cursor gets the 400.
  assert.equal((await feed(outsider.token, 'x')).status, 400);
  // A well-formed cursor of a position nobody holds just continues after it.
  const anywhere = await feed(reader.token, b64(`${Date.now() - 10_500}:zzz`));
  assert.equal(anywhere.status, 200);
  assert.ok(anywhere.body.stories.every((st) => st.approvedAtMs <= Date.now() - 10_500));
  const second = await feed(reader.token, cursor);
  assert.deepEqual([second.status, second.body.stories.length, second.body.nextCursor], [200, 1, undefined]);
});

test('every synthetic 病友故事 of the offline demo passes the core’s wording check (layoutPoster, storyPoster)', () => {
  const stories = generateDemoCommunityStories(Date.parse('2026-11-23T12:00:00+08:00'));
  assert.ok(stories.length > 20, 'more than one page of stories');
  assert.equal(new Set(stories.map((st) => st.id)).size, stories.length, 'distinct ids');
  for (const st of stories) {
    const checked = core.call('layoutPoster', { template: 'storyPoster', data: { title: st.title, story: st.story } });
    assert.equal(checked.ok, true, `${st.title}: ${JSON.stringify(checked.error)}`);
    assert.deepEqual(checked.value.notices ?? [], [], `${st.title}: no notice`);
    assert.match(st.author, /^\p{Script=Han}\*$/u, 'a masked label (王*), no full name');
    assert.doesNotMatch(`${st.title}${st.story}`, /https?:|www\.|¥|￥|\d+\s*元|券|推荐码|预约|挂号|二维码|电话/, 'no link, price, coupon, code or booking (G12)');
  }
  assert.deepEqual(stories, generateDemoCommunityStories(Date.parse('2026-11-23T12:00:00+08:00')), 'deterministic');
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

  // Staff are never prompted (G15): a staff session cannot even ask (the role policy),
  // and only a known non-clinical moment is accepted.
  const staff = await session('staff');
  const staffPrompt = await api('POST', '/me/prompts', { token: staff.token, key: newKey(), body: { moment: 'checkInDone' } });
  assert.equal(staffPrompt.status, 403);
  assert.equal(staffPrompt.body.error.code, 'auth.patient_only');
  const clinical = await api('POST', '/me/prompts', { token, key: newKey(), body: { moment: 'consultation' } });
  assert.equal(clinical.status, 400);
  assert.equal(clinical.body.error.path, '/moment');
  const missingKey = await api('POST', '/me/prompts', { token, body: { moment: 'checkInDone' } });
  assert.equal(missingKey.body.error.code, 'request.missing_idempotency_key');
});
