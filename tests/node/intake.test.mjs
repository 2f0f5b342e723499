// Group-message intake and the story-officer programme on the reference
// backend, over real HTTP against a private PostgreSQL, with the recording
// channel double in place of WeCom (no network):
//   - a signed batch: a drug-advice message → the core's authorNotice goes to
//     its author through the channel, and a review item with the core's spans
//     waits in the staff queue; a question to the doctor outside the group's
//     Q&A slot → the core's templated reply; inside the slot → none; everyday
//     talk → nothing kept but its id; an image → skipped;
//   - the same message ids delivered again → duplicates, nothing sent twice;
//   - the signature (wrong secret, stale timestamp, missing), invalid UTF-8,
//     lone surrogates, a 5,000-character message, 10,000 messages in one
//     batch, a malformed message → clear errors, nothing stored;
//   - a failing channel keeps the message unsent and the next round sends it;
//   - the nurse resolves an item once; the Q&A slot is set by staff (the
//     doctor too) and checked by the core; roles and the audit log;
//   - the story of the month: a call checked by the core, a pick from the
//     approved stories (once per month, once per story), the 故事官 honour in
//     the author's GET /me/honours, the story on GET /stories/month.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { RecordingChannel } from '../../scripts/backend/intake/channel.mjs';
import { decodeUtf8, MAX_BATCH_MESSAGES, parseBatch, signBatch, verifyBatchSignature } from '../../scripts/backend/intake/intake.mjs';
import { ApiError } from '../../scripts/backend/service.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';

const TEST_TIMEOUT = 120_000;
const SECRET = 'test-intake-secret-0123456789abcdef';
const ROOM = 'wr-test-room-thyroid';

let postgres;
let backend;
let channel;

const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Delivers raw bytes to the intake route, signed with `secret` at `timestamp` (defaults: right). */
async function deliverRaw(raw, { secret = SECRET, timestamp = String(backend.nowMs()), signature } = {}) {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(raw, 'utf8');
  const response = await fetch(`${backend.apiUrl}/intake/wecom/messages`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-CareCircle-Timestamp': timestamp,
      'X-CareCircle-Signature': signature ?? signBatch(secret, timestamp, bytes),
    },
    body: bytes,
  });
  return { status: response.status, body: await response.json() };
}

const deliver = (messages, options) => deliverRaw(JSON.stringify({ messages }), options);

let seq = 0;
function message(text, { from = 'wmAuthor0001', room = ROOM, msgtype = 'text' } = {}) {
  seq += 1;
  return { msgid: `msg-${randomUUID()}-${seq}`, roomid: room, from, msgtime: backend.nowMs() - 1000, msgtype, ...(msgtype === 'text' ? { text: { content: text } } : {}) };
}

/** A Q&A slot for the room that contains now (inSlot) or starts in three days (outside), in +8. */
function slotAround(nowMs, { inside }) {
  const local = new Date(nowMs + 8 * 3_600_000 + (inside ? 0 : 3 * 86_400_000));
  const weekday = ((local.getUTCDay() + 6) % 7) + 1;
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  const start = inside ? Math.max(0, minutes - 30) : minutes;
  const hh = String(Math.floor(start / 60)).padStart(2, '0');
  const mm = String(start % 60).padStart(2, '0');
  return { weekday, start: `${hh}:${mm}`, durationMinutes: inside ? 120 : 60 };
}

async function setSlot(token, inside) {
  const r = await api('PUT', '/staff/groups/qa-slots', {
    token,
    key: newKey(),
    body: { groupId: ROOM, name: '甲状腺术后康复群（测试）', doctorName: '周医生', qaSlots: [slotAround(backend.nowMs(), { inside })], emergencyContact: '120' },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

before(async () => {
  postgres = await startPostgres();
  channel = new RecordingChannel();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false, intake: { secret: SECRET, channel } });
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

test('a batch of group messages: drug advice → author notice + review item with spans; @doctor outside the slot → templated reply; replay → nothing twice', { timeout: TEST_TIMEOUT }, async () => {
  const nurse = await session('staff', { role: 'nurse' });
  const slot = await setSlot(nurse.token, false);
  assert.equal(slot.inSlot, false);
  assert.match(slot.replyPreview, /医生将在.+统一回复.*120/);

  const advice = message('王阿姨，优甲乐一天两片就够了，你照着吃', { from: 'wmAdviser0042' });
  const question = message('@周医生 我这两天脖子有点紧，正常吗？', { from: 'wmAsker0007' });
  const everyday = message('今天的颈部操做完了，大家早安', { from: 'wmDaily0003' });
  const image = message('', { msgtype: 'image' });
  channel.sent.length = 0;
  const first = await deliver([advice, question, everyday, image]);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const byId = Object.fromEntries(first.body.results.map((r) => [r.msgId, r]));
  assert.equal(byId[advice.msgid].verdict, 'block');
  assert.deepEqual(byId[advice.msgid].actions, ['reviewItem', 'authorNotice']);
  assert.equal(byId[question.msgid].verdict, 'pass');
  assert.deepEqual(byId[question.msgid].actions, ['qaReply']);
  assert.equal(byId[everyday.msgid].verdict, 'pass');
  assert.deepEqual(byId[everyday.msgid].actions, []);
  assert.equal(byId[image.msgid].status, 'skipped');
  assert.equal(first.body.delivered, 2);

  // What the channel carried: the core's own words, to the right people.
  const notice = channel.sent.find((s) => s.kind === 'authorNotice');
  assert.equal(notice.toMember, 'wmAdviser0042');
  assert.equal(notice.groupId, ROOM);
  assert.match(notice.text, /^您的内容暂未发布。/);
  const reply = channel.sent.find((s) => s.kind === 'qaReply');
  assert.equal(reply.toMember, 'wmAsker0007');
  assert.equal(reply.text, slot.replyPreview);
  assert.equal(channel.sent.length, 2);

  // The nurse's queue: the advice with the core's spans over the drug and dose.
  const queue = await api('GET', '/staff/group-messages', { token: nurse.token });
  assert.equal(queue.status, 200);
  const item = queue.body.items.find((i) => i.messageId === advice.msgid);
  assert.ok(item, 'the drug advice is a review item');
  assert.equal(item.text, advice.text.content);
  assert.equal(item.verdict, 'block');
  assert.equal(item.authorNotice, 'sent');
  assert.equal(item.author, '群成员 …0042');
  assert.equal(item.groupName, '甲状腺术后康复群（测试）');
  const dose = item.matches.find((m) => m.ruleId === 'drug-advice-dose');
  assert.ok(dose, JSON.stringify(item.matches));
  assert.match(item.text.slice(dose.utf16Start, dose.utf16End), /^优甲乐一天两片/);
  assert.equal(queue.body.items.some((i) => i.messageId === everyday.msgid || i.messageId === question.msgid), false, 'clean messages are not review items');
  const kept = await backend.pool.query('SELECT text FROM group_messages WHERE message_id = $1', [everyday.msgid]);
  assert.equal(kept.rows[0].text, null, 'the words of a message that passed are not kept');

  // The same batch again (the puller retried): duplicates, nothing sent twice.
  const again = await deliver([advice, question, everyday, image]);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body.results.map((r) => r.status), ['duplicate', 'duplicate', 'duplicate', 'duplicate']);
  assert.equal(channel.sent.length, 2);
  const count = await backend.pool.query('SELECT count(*)::int AS n FROM group_outbound WHERE message_id = ANY($1)', [[advice.msgid, question.msgid]]);
  assert.equal(count.rows[0].n, 2);
  // A batch that carries one id twice acts once.
  const twice = message('偏方能根治，你试试', { from: 'wmTwice0001' });
  const dup = await deliver([twice, twice]);
  assert.deepEqual(dup.body.results.map((r) => r.status), ['checked', 'duplicate']);
  assert.equal(channel.sent.filter((s) => s.toMember === 'wmTwice0001').length, 1);

  // Inside the slot the doctor answers: no templated reply.
  await setSlot(nurse.token, true);
  channel.sent.length = 0;
  const inSlot = await deliver([message('@周医生 复查要空腹吗？', { from: 'wmAsker0008' })]);
  assert.deepEqual(inSlot.body.results[0].actions, []);
  assert.equal(channel.sent.length, 0);

  // The nurse resolves the item once; then it leaves the queue and its words go.
  const resolve = (outcome, key = newKey()) => api('POST', '/staff/group-messages/resolve', { token: nurse.token, key, body: { messageId: advice.msgid, outcome } });
  const done = await resolve('removed');
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal(done.body.reviewStatus, 'removed');
  const second = await resolve('kept');
  assert.equal(second.status, 409);
  assert.equal(second.body.error.code, 'intake.already_resolved');
  const after = await api('GET', '/staff/group-messages', { token: nurse.token });
  assert.equal(after.body.items.some((i) => i.messageId === advice.msgid), false);
  const gone = await backend.pool.query('SELECT text, matches FROM group_messages WHERE message_id = $1', [advice.msgid]);
  assert.deepEqual(gone.rows[0], { text: null, matches: null });
  const unknown = await api('POST', '/staff/group-messages/resolve', { token: nurse.token, key: newKey(), body: { messageId: 'no-such-message', outcome: 'kept' } });
  assert.equal(unknown.status, 404);

  // Audited as staff actions with their names.
  const audit = await backend.pool.query(`SELECT operation, status FROM staff_audit_log WHERE actor_id = $1 AND operation = 'resolveGroupMessage' ORDER BY id`, [nurse.patientId]);
  assert.deepEqual(audit.rows.map((r) => r.status), [200, 409, 404]);
});

test('the member lists follow the group messages: each author is a member of the group with the time of their last message', { timeout: TEST_TIMEOUT }, async () => {
  const room = 'wr-test-room-members';
  const older = { ...message('大家早', { from: 'wmMember0001', room }), msgtime: backend.nowMs() - 40 * 86_400_000 };
  const newer = message('今天做完颈部操了', { from: 'wmMember0001', room });
  const other = message('谢谢护士', { from: 'wmMember0002', room });
  const future = { ...message('时间不对的消息', { from: 'wmMember0003', room }), msgtime: backend.nowMs() + 3_600_000 };
  const delivered = await deliver([newer, older, other, future]);
  assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
  const service = await session('staff', { role: 'service' });
  const groups = await api('GET', '/staff/community/groups', { token: service.token });
  assert.equal(groups.status, 200, JSON.stringify(groups.body));
  const group = groups.body.groups.find((g) => g.id === room);
  assert.ok(group, 'the group of the messages is listed');
  assert.equal(group.members, 3);
  const inputs = await api('GET', `/staff/community/member-list-inputs?group=${room}`, { token: service.token });
  assert.equal(inputs.status, 200, JSON.stringify(inputs.body));
  const rows = await backend.pool.query('SELECT member_id, joined_at_ms, last_message_at_ms FROM community_group_members WHERE group_id = $1 ORDER BY member_id', [room]);
  const byId = Object.fromEntries(rows.rows.map((r) => [r.member_id, r]));
  // The newest message wins whatever the order of delivery; the first one seen dates the joining.
  assert.equal(Number(byId.wmMember0001.last_message_at_ms), newer.msgtime);
  assert.equal(Number(byId.wmMember0001.joined_at_ms), older.msgtime);
  // A message dated after the server's now counts as now, never as the future.
  assert.ok(Number(byId.wmMember0003.last_message_at_ms) <= backend.nowMs());
  // A replay of the same messages changes nothing.
  await deliver([newer, older, other]);
  const again = await backend.pool.query('SELECT count(*)::int AS n FROM community_group_members WHERE group_id = $1', [room]);
  assert.equal(again.rows[0].n, 3);
});

test('hostile deliveries get clear errors and store nothing', { timeout: TEST_TIMEOUT }, async () => {
  const before = (await backend.pool.query('SELECT count(*)::int AS n FROM group_messages')).rows[0].n;
  const ok = [message('大家好')];
  const raw = JSON.stringify({ messages: ok });
  const expect = async (promise, status, code) => {
    const r = await promise;
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body.error.code, code);
    assert.match(r.body.error.message, /[\u4e00-\u9fff]/, 'a message people can read');
    return r;
  };
  await expect(deliver(ok, { secret: 'another-secret-of-at-least-32-chars!!' }), 401, 'intake.bad_signature');
  await expect(deliver(ok, { signature: 'zz' }), 401, 'intake.bad_signature');
  await expect(deliver(ok, { timestamp: String(backend.nowMs() - 10 * 60_000) }), 401, 'intake.stale_signature');
  const noHeaders = await fetch(`${backend.apiUrl}/intake/wecom/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: raw });
  assert.equal(noHeaders.status, 401);
  // Invalid UTF-8 (a lone continuation byte inside the text), signed correctly.
  const badBytes = Buffer.concat([Buffer.from(raw.slice(0, raw.indexOf('大家好'))), Buffer.from([0xe5, 0xa4]), Buffer.from(raw.slice(raw.indexOf('大家好') + 3))]);
  const utf8 = await expect(deliverRaw(badBytes), 400, 'request.bad_utf8');
  assert.equal(typeof utf8.body.error.byteOffset, 'number');
  // A lone surrogate escaped in JSON.
  await expect(deliverRaw(raw.replace('大家好', '\\ud800abc')), 400, 'request.bad_utf8');
  // A huge message, too many messages, a malformed one, not JSON, nothing.
  await expect(deliver([message('字'.repeat(5000))]), 413, 'intake.message_too_long');
  const many = Array.from({ length: MAX_BATCH_MESSAGES + 1 }, (_, i) => ({ ...message('好'), msgid: `many-${i}` }));
  const tooMany = await expect(deliver(many), 413, 'intake.too_many_messages');
  assert.match(tooMany.body.error.message, /最多200条/);
  // 10,000 messages: over the server's body limit before anything is parsed.
  const huge = Array.from({ length: 10_000 }, (_, i) => ({ ...message('今天也要加油'), msgid: `huge-${i}` }));
  const r10k = await deliver(huge);
  assert.equal(r10k.status, 413);
  assert.equal(r10k.body.error.code, 'request.too_large');
  const missing = await expect(deliver([{ ...message('hi'), roomid: undefined }]), 400, 'request.bad_body');
  assert.equal(missing.body.error.path, '/messages/0/roomid');
  await expect(deliver([{ ...message('hi'), msgid: '<script>alert(1)</script>' }]), 400, 'request.bad_body');
  await expect(deliver([{ ...message('hi'), text: { content: 42 } }]), 400, 'request.bad_body');
  await expect(deliverRaw('{"messages": ['), 400, 'request.bad_json');
  await expect(deliver([]), 400, 'request.bad_body');
  // One bad message refuses the whole batch: the good one before it is not stored either.
  const good = message('早上好');
  await expect(deliver([good, { ...message('x'), msgtime: 'yesterday' }]), 400, 'request.bad_body');
  const afterCount = (await backend.pool.query('SELECT count(*)::int AS n FROM group_messages')).rows[0].n;
  assert.equal(afterCount, before, 'nothing stored by a refused batch');
});

test('a channel that fails keeps the notice unsent; the next delivery round sends it once', { timeout: TEST_TIMEOUT }, async () => {
  channel.sent.length = 0;
  channel.failNext(1);
  const advice = message('你把立普妥停了吧，我停了就好了', { from: 'wmRetry0001' });
  const first = await deliver([advice]);
  assert.equal(first.body.deliveryFailed, 1);
  assert.equal(channel.sent.length, 0);
  const row = await backend.pool.query('SELECT sent_at_ms, attempts, last_error FROM group_outbound WHERE message_id = $1', [advice.msgid]);
  assert.equal(row.rows[0].sent_at_ms, null);
  assert.equal(row.rows[0].attempts, 1);
  const next = await deliver([message('大家晚安')]);
  assert.equal(next.body.delivered, 1);
  assert.deepEqual(channel.sent.map((s) => s.toMember), ['wmRetry0001']);
});

test('Q&A slots: staff set them, the core refuses bad ones; patients and other roles cannot', { timeout: TEST_TIMEOUT }, async () => {
  const nurse = await session('staff', { role: 'nurse' });
  const put = (token, qaSlots, extra = {}) =>
    api('PUT', '/staff/groups/qa-slots', { token, key: newKey(), body: { groupId: ROOM, name: '测试群', doctorName: '周医生', qaSlots, emergencyContact: '120', ...extra } });
  const badDay = await put(nurse.token, [{ weekday: 9, start: '20:00', durationMinutes: 60 }]);
  assert.equal(badDay.status, 422);
  assert.equal(badDay.body.error.code, 'community.bad_config');
  const badTime = await put(nurse.token, [{ weekday: 3, start: '25:00', durationMinutes: 60 }]);
  assert.equal(badTime.status, 422);
  assert.equal(badTime.body.error.code, 'input.bad_time');
  const none = await put(nurse.token, []);
  assert.equal(none.status, 400);
  const noDoctor = await put(nurse.token, [{ weekday: 3, start: '20:00', durationMinutes: 60 }], { doctorName: '' });
  assert.equal(noDoctor.status, 400);
  assert.equal(noDoctor.body.error.path, '/doctorName');
  const groups = await api('GET', '/staff/groups', { token: nurse.token });
  assert.equal(groups.status, 200);
  assert.ok(groups.body.groups.some((g) => g.groupId === 'demo-room-thyroid' && g.doctorName === '周医生'), 'the demo groups are seeded');
  const patient = await session('demoPatient');
  assert.equal((await api('GET', '/staff/group-messages', { token: patient.token })).status, 403);
  const doctor = await session('staff', { role: 'doctor' });
  const refused = await api('GET', '/staff/group-messages', { token: doctor.token });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'auth.role_forbidden');
  // The doctor owns the slot: sets it and reads it back; operations may not.
  const byDoctor = await put(doctor.token, [{ weekday: 5, start: '19:00', durationMinutes: 45 }], { doctorName: '李医生' });
  assert.equal(byDoctor.status, 200, JSON.stringify(byDoctor.body));
  assert.equal(byDoctor.body.doctorName, '李医生');
  const doctorView = await api('GET', '/staff/groups', { token: doctor.token });
  assert.equal(doctorView.status, 200);
  assert.deepEqual(doctorView.body.groups.find((g) => g.groupId === ROOM).qaSlots, [{ weekday: 5, start: '19:00', durationMinutes: 45 }]);
  const ops = await session('staff', { role: 'operations' });
  const opsPut = await put(ops.token, [{ weekday: 5, start: '19:00', durationMinutes: 45 }]);
  assert.equal(opsPut.status, 403);
  assert.equal(opsPut.body.error.code, 'auth.role_forbidden');
});

test('demo mode: staff simulate a group message through the same intake; a replayed key acts once', { timeout: TEST_TIMEOUT }, async () => {
  const service = await session('staff', { role: 'service' });
  channel.sent.length = 0;
  const key = newKey();
  const sim = () => api('POST', '/staff/group-messages/simulate', { token: service.token, key, body: { groupId: 'demo-room-thyroid', text: '加我微信 kangfu_2024 私聊，有好药' } });
  const r = await sim();
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.result.verdict, 'block');
  assert.equal(r.body.sent.length, 1);
  assert.equal(r.body.sent[0].kind, 'authorNotice');
  assert.equal(r.body.sent[0].delivered, true);
  const replay = await sim();
  assert.equal(replay.status, 200);
  assert.equal(channel.sent.length, 1, 'a replayed simulation sends nothing twice');
});

test('story of the month: call checked by the core, pick once from approved stories, 故事官 honour, shown to patients', { timeout: TEST_TIMEOUT }, async () => {
  const ops = await session('staff', { role: 'operations' });
  const service = await session('staff', { role: 'service' });
  const patient = await session('demoPatient');
  const month = new Date(backend.nowMs() + 8 * 3_600_000).toISOString().slice(0, 7);

  const call = (body) => api('PUT', '/staff/stories-month/call', { token: ops.token, key: newKey(), body });
  const flagged = await call({ month, theme: '康复故事', invitation: '分享您根治的经验，推荐好药' });
  assert.equal(flagged.status, 422);
  assert.equal(flagged.body.error.code, 'story_month.wording_flagged');
  assert.equal(flagged.body.error.path, '/invitation');
  const badMonth = await call({ month: '2026-13', theme: '康复故事', invitation: '写写您的康复日常' });
  assert.equal(badMonth.status, 400);
  const set = await call({ month, theme: '我的康复日常', invitation: '本月征集您的康复故事：复查、锻炼、饮食，都可以写。' });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const shown = await api('GET', '/stories/month', { token: patient.token });
  assert.equal(shown.status, 200);
  assert.equal(shown.body.call.theme, '我的康复日常');

  // An approved story of the demo patient to pick.
  await api('PUT', '/me/consents', { token: patient.token, key: newKey(), body: { purpose: 'stories', granted: true } });
  const submitted = await api('POST', '/stories', { token: patient.token, key: newKey(), body: { title: '坚持打卡的一百天', story: '每天做颈部操，复查时护士说恢复得不错，心里踏实多了。' } });
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  const storyId = submitted.body.storyId;
  const pick = (body, token = ops.token) => api('POST', '/staff/stories-month/pick', { token, key: newKey(), body });
  const notYet = await pick({ month, storyId });
  assert.equal(notYet.status, 409);
  assert.equal(notYet.body.error.code, 'story_month.not_approved');
  const approved = await api('POST', '/staff/stories/decide', { token: service.token, key: newKey(), body: { storyId, decision: 'approve' } });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));

  const staffView = await api('GET', `/staff/stories-month?month=${month}`, { token: ops.token });
  assert.equal(staffView.status, 200);
  assert.ok(staffView.body.candidates.some((c) => c.storyId === storyId), 'the approved story is a candidate');
  assert.equal((await api('GET', '/staff/stories-month?month=12-2026', { token: ops.token })).status, 400);

  const picked = await pick({ month, storyId });
  assert.equal(picked.status, 200, JSON.stringify(picked.body));
  assert.equal(picked.body.honour, '故事官');
  const twice = await pick({ month, storyId });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.error.code, 'story_month.already_picked');
  const otherMonth = await pick({ month: '2001-01', storyId });
  assert.equal(otherMonth.status, 409);
  assert.equal(otherMonth.body.error.code, 'story_month.story_already_picked');
  assert.equal((await pick({ month, storyId: 'no-such-story' })).status, 404);

  const honours = await api('GET', '/me/honours', { token: patient.token });
  assert.equal(honours.status, 200);
  assert.deepEqual(honours.body.honours.map((h) => [h.label, h.month, h.storyTitle]), [['故事官', month, '坚持打卡的一百天']]);
  const month2 = await api('GET', '/stories/month', { token: patient.token });
  assert.equal(month2.body.pick.title, '坚持打卡的一百天');
  assert.equal(month2.body.pick.author, staffView.body.candidates.find((c) => c.storyId === storyId).author);
  const after = await api('GET', `/staff/stories-month?month=${month}`, { token: ops.token });
  assert.equal(after.body.pick.storyId, storyId);
  assert.equal(after.body.candidates.some((c) => c.storyId === storyId), false);
  // Roles: a nurse cannot pick; a patient cannot read the staff view.
  const nurse = await session('staff', { role: 'nurse' });
  assert.equal((await pick({ month: '2002-02', storyId }, nurse.token)).status, 403);
  assert.equal((await api('GET', '/staff/stories-month', { token: patient.token })).status, 403);
  assert.equal(DEMO_PATIENT_ID.length > 0, true);
});

// The batch parser under a seeded stream of hostile inputs (the intake route's
// own fuzz target, run in full every time): random bytes, every truncation of
// a valid batch, byte flips, and each field replaced by values of other types
// or sizes. Every outcome is a parsed list or a 400/413 ApiError with a Chinese
// message — never another exception, never a silent change of the words.
test('fuzz: the intake parser answers every hostile body with a list or a clear 400/413', () => {
  let seed = 0x2545f491;
  const random = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const valid = { msgid: 'm-1', roomid: 'wr-room', from: 'wm-author', msgtime: 1_795_420_800_000, msgtype: 'text', text: { content: '优甲乐一天两片，你照着吃' } };
  const oddValues = [null, true, 0, -1, 1.5, 1e300, '', ' ', 'x'.repeat(200), '字'.repeat(4001), [], {}, [1], { content: 7 }, '\u0000', '<script>', '..', '\ud800'];
  const cases = [];
  const base = Buffer.from(JSON.stringify({ messages: [valid] }));
  for (let cut = 0; cut < base.length; cut += 1) cases.push(base.subarray(0, cut));
  for (let i = 0; i < 3000; i += 1) {
    const bytes = Buffer.from(base);
    const flips = 1 + Math.floor(random() * 4);
    for (let f = 0; f < flips; f += 1) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    cases.push(bytes);
  }
  for (let i = 0; i < 2000; i += 1) cases.push(Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256))));
  for (const field of [...Object.keys(valid), 'text.content']) {
    for (const value of oddValues) {
      const m = structuredClone(valid);
      if (field === 'text.content') m.text.content = value;
      else m[field] = value;
      cases.push(Buffer.from(JSON.stringify({ messages: [m] })));
    }
  }
  for (const top of [null, [], 'messages', { messages: null }, { messages: {} }, { messages: Array(MAX_BATCH_MESSAGES + 1).fill(valid) }]) cases.push(Buffer.from(JSON.stringify(top)));
  let parsed = 0;
  for (const bytes of cases) {
    try {
      const list = parseBatch(decodeUtf8(bytes));
      assert.ok(Array.isArray(list) && list.length >= 1);
      const delivered = JSON.parse(bytes.toString('utf8')).messages;
      list.forEach((m, i) => {
        assert.ok(m.kind === 'other' || (typeof m.text === 'string' && m.text.isWellFormed() && m.text.length <= 4000));
        // What is checked is exactly what was delivered (the decoder accepted the bytes as they are).
        if (m.kind === 'text') assert.equal(m.text, delivered[i].text.content);
        assert.equal(Buffer.compare(Buffer.from(bytes.toString('utf8'), 'utf8'), bytes), 0, 'well-formed UTF-8 round-trips byte for byte');
      });
      parsed += 1;
    } catch (error) {
      assert.ok(error instanceof ApiError, `not an ApiError: ${error?.stack ?? error} for ${JSON.stringify(bytes.toString('latin1'))}`);
      assert.ok([400, 413].includes(error.status), `${error.status} ${error.code}`);
      assert.match(error.message, /[\u4e00-\u9fff]/);
    }
  }
  assert.ok(parsed > 0 && parsed < cases.length, `${parsed} of ${cases.length} parsed`);
});

test('the batch signature: only the exact bytes, secret and a recent timestamp pass', () => {
  const secret = 'k'.repeat(32);
  const body = Buffer.from('{"messages":[]}');
  const now = 1_795_420_800_000;
  const ok = { secret, timestamp: String(now), signature: signBatch(secret, String(now), body), rawBody: body, nowMs: now };
  verifyBatchSignature(ok);
  const refused = (changes, code) => assert.throws(() => verifyBatchSignature({ ...ok, ...changes }), (e) => e instanceof ApiError && e.status === 401 && e.code === code);
  refused({ rawBody: Buffer.from('{"messages":[ ]}') }, 'intake.bad_signature');
  refused({ secret: 'j'.repeat(32) }, 'intake.bad_signature');
  refused({ signature: ok.signature.toUpperCase() }, 'intake.bad_signature');
  refused({ signature: undefined }, 'intake.bad_signature');
  refused({ timestamp: '1795420800' }, 'intake.bad_signature');
  refused({ nowMs: now + 5 * 60_000 + 1 }, 'intake.stale_signature');
  verifyBatchSignature({ ...ok, nowMs: now + 5 * 60_000 });
});
