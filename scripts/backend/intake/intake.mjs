// Group-message intake: the drug-advice bot acting on a community's group
// chat. The chat platform's message archive (WeCom 会话内容存档, decrypted by
// the hospital's archive puller) delivers batches of group messages to
// POST /intake/wecom/messages, signed with a shared secret. Each text message
// goes through the core's triageGroupMessage — moderateText, as every message
// would before it is posted, and the group's Q&A slot — and the server only
// acts on the core's answer:
//
//   verdict block   the author gets the core's authorNotice (through the
//                   channel adapter, channel.mjs) and the nurse a review item
//                   (the message is already in the group: staff withdraw it);
//   verdict review  the nurse gets a review item, nobody else hears anything;
//   verdict pass    nothing is kept but the message id (for idempotency).
//
// A message that names the group's doctor (@<doctorName>) and is not blocked
// asks the doctor something: outside the doctor's Q&A slot (the core's
// replyOutsideQaSlot on the group's configured slots) the asker gets the
// core's templated reply ("医生不在，护士不答病"); inside the slot, nothing
// (the doctor answers).
//
// A message id is acted on once: delivered again (the puller retried, a batch
// overlapped) it is reported as a duplicate and nothing is sent twice. A
// batch is all or nothing: a malformed message refuses the whole batch with
// its path, before anything is stored.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ApiError } from '../service.mjs';
import { noteGroupActivity } from '../console/community.mjs';

const SCHEMA_FILE = new URL('./schema.sql', import.meta.url);

/** Messages in one delivered batch. */
export const MAX_BATCH_MESSAGES = 200;
/** Characters (UTF-16 code units) of one message's text; WeCom's own text cap is lower. */
export const MAX_TEXT_CHARS = 4000;
/** A signed batch is accepted within this distance from the server's clock. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;
/** Review items per page of the staff queue. */
export const QUEUE_PAGE_SIZE = 50;
/** Delivery attempts of one bot message before it is left for staff to see. */
export const MAX_DELIVERY_ATTEMPTS = 5;
/** The programme's UTC offset for the Q&A slots (China Standard Time). */
export const QA_UTC_OFFSET_MINUTES = 480;

const MESSAGE_ID = /^[A-Za-z0-9_.:@=+/-]{1,128}$/;
const GROUP_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const MEMBER_ID = /^[A-Za-z0-9_.:@-]{1,128}$/;
const SIGNATURE = /^[0-9a-f]{64}$/;

export async function applyIntakeSchema(pool) {
  await pool.query(readFileSync(SCHEMA_FILE, 'utf8'));
}

const bad = (message, path, status = 400, code = 'request.bad_body') => new ApiError(status, code, message, path ? { path } : {});
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

// ------------------------------------------------------------------ signature

/** The signature of a batch: hex HMAC-SHA256 over "<timestamp>.<raw body>". */
export function signBatch(secret, timestampMs, rawBody) {
  return createHmac('sha256', secret).update(`${timestampMs}.`).update(rawBody).digest('hex');
}

/**
 * Checks a delivered batch's signature headers against the shared secret.
 * Throws 401 intake.bad_signature / intake.stale_signature.
 * @param {{secret: string, timestamp: unknown, signature: unknown, rawBody: Buffer, nowMs: number}} input
 */
export function verifyBatchSignature({ secret, timestamp, signature, rawBody, nowMs }) {
  if (typeof timestamp !== 'string' || !/^\d{13}$/.test(timestamp)) {
    throw new ApiError(401, 'intake.bad_signature', '缺少或无法识别 X-CareCircle-Timestamp（毫秒时间戳）');
  }
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) {
    throw new ApiError(401, 'intake.bad_signature', '缺少或无法识别 X-CareCircle-Signature（64位十六进制）');
  }
  const expected = Buffer.from(signBatch(secret, timestamp, rawBody), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) {
    throw new ApiError(401, 'intake.bad_signature', '签名不符：这批消息不是用约定的密钥发出的');
  }
  if (Math.abs(Number(timestamp) - nowMs) > SIGNATURE_WINDOW_MS) {
    throw new ApiError(401, 'intake.stale_signature', '签名时间与服务器相差超过5分钟，请重新签名后发送');
  }
}

// ------------------------------------------------------------------ parsing

/**
 * The raw body as text: well-formed UTF-8 or 400 request.bad_utf8 naming the
 * first bad byte (a decoder that silently replaces bytes would check other
 * words than the ones people read).
 * @param {Buffer} rawBody
 */
export function decodeUtf8(rawBody) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(rawBody);
  } catch {
    let offset = 0;
    // Find the first byte the strict decoder refuses, for the message.
    for (let end = 1; end <= rawBody.length; end += 1) {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(rawBody.subarray(0, end), { stream: true });
        offset = end;
      } catch {
        break;
      }
    }
    throw new ApiError(400, 'request.bad_utf8', `请求内容不是有效的 UTF-8（第${offset}字节起）`, { byteOffset: offset });
  }
}

/**
 * One batch of archived group messages, in the archive's own field names:
 *   {"messages": [{"msgid", "roomid", "from", "msgtime", "msgtype", "text": {"content"}}]}
 * Text messages are checked; other kinds (image, voice …) are recorded as
 * skipped. Every field is checked here, so a bad message refuses the batch
 * with its path before anything is stored.
 * @param {string} text  the body, already UTF-8-checked
 * @returns {{msgId: string, groupId: string, authorId: string, sentAtMs: number, kind: 'text'|'other', text: string|null}[]}
 */
export function parseBatch(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw bad('请求内容不是有效的 JSON', null, 400, 'request.bad_json');
  }
  if (!isObject(body) || !Array.isArray(body.messages)) throw bad('请求内容应为 {"messages": [...]}', '/messages');
  if (body.messages.length === 0) throw bad('messages 不能为空', '/messages');
  if (body.messages.length > MAX_BATCH_MESSAGES) {
    throw bad(`一批最多${MAX_BATCH_MESSAGES}条消息，这批有${body.messages.length}条，请分批发送`, '/messages', 413, 'intake.too_many_messages');
  }
  return body.messages.map((m, i) => {
    const at = (field) => `/messages/${i}/${field}`;
    if (!isObject(m)) throw bad(`第${i + 1}条消息应为对象`, `/messages/${i}`);
    if (typeof m.msgid !== 'string' || !MESSAGE_ID.test(m.msgid)) throw bad(`第${i + 1}条消息的 msgid 应为1–128个字母、数字或 _.:@=+/-`, at('msgid'));
    if (typeof m.roomid !== 'string' || !GROUP_ID.test(m.roomid)) throw bad(`第${i + 1}条消息的 roomid（群编号）缺失或格式不对`, at('roomid'));
    if (typeof m.from !== 'string' || !MEMBER_ID.test(m.from)) throw bad(`第${i + 1}条消息的 from（发送人）缺失或格式不对`, at('from'));
    if (!Number.isSafeInteger(m.msgtime) || m.msgtime < 946_684_800_000 || m.msgtime > 7_258_118_400_000) {
      throw bad(`第${i + 1}条消息的 msgtime 应为毫秒时间戳`, at('msgtime'));
    }
    if (typeof m.msgtype !== 'string' || !/^[a-z_]{1,32}$/.test(m.msgtype)) throw bad(`第${i + 1}条消息的 msgtype 缺失或格式不对`, at('msgtype'));
    if (m.msgtype !== 'text') return { msgId: m.msgid, groupId: m.roomid, authorId: m.from, sentAtMs: m.msgtime, kind: 'other', text: null };
    const content = m.text?.content;
    if (typeof content !== 'string') throw bad(`第${i + 1}条文字消息缺少 text.content`, at('text/content'));
    if (content.length > MAX_TEXT_CHARS) {
      throw bad(`第${i + 1}条消息过长（${content.length}字符，最多${MAX_TEXT_CHARS}）`, at('text/content'), 413, 'intake.message_too_long');
    }
    if (!content.isWellFormed()) throw bad(`第${i + 1}条消息含有不成对的代理字符，不是有效的文字`, at('text/content'), 400, 'request.bad_utf8');
    return { msgId: m.msgid, groupId: m.roomid, authorId: m.from, sentAtMs: m.msgtime, kind: 'text', text: content };
  });
}

// ------------------------------------------------------------------ acting

/** A group the core can answer Q&A-slot questions for: a doctor and at least one slot. */
function hasQaSlot(group) {
  return Boolean(group?.doctor_name) && Array.isArray(group.qa_slots) && group.qa_slots.length > 0;
}

/** The group as triageGroupMessage takes it. */
function groupForCore(group) {
  return {
    doctorName: group.doctor_name,
    qaSlots: group.qa_slots,
    utcOffsetMinutes: QA_UTC_OFFSET_MINUTES,
    ...(group.emergency_contact ? { emergencyContact: group.emergency_contact } : {}),
  };
}

/** The core refused a delivered message (its text) or a stored group (a bug: slots are checked when set). */
function coreRefusal(error, index, group) {
  if (error.path === '/text' || error.code === 'moderation.bad_utf8' || error.code === 'moderation.text_too_long') {
    return new ApiError(422, error.code, error.message, { path: `/messages/${index}/text/content` });
  }
  return new Error(`triageGroupMessage refused the stored group ${group?.group_id}: ${error.code} ${error.path ?? ''}`);
}

/** What the review queue keeps of one core match: the rule, the words' place, the explanation. */
function keptMatch(m) {
  return {
    ruleId: m.ruleId,
    category: m.category,
    categoryLabel: m.categoryLabel,
    severity: m.severity,
    matchedText: m.matchedText,
    utf16Start: m.utf16Start,
    utf16End: m.utf16End,
    explanation: m.explanation,
  };
}

/** The core's Q&A answer for a group now: {inSlot, reply} or null when the group has no slot. */
function qaAnswer(ctx, group, nowMs) {
  if (!group || !Array.isArray(group.qa_slots) || group.qa_slots.length === 0) return null;
  const envelope = ctx.core.call('replyOutsideQaSlot', {
    nowMs,
    config: {
      utcOffsetMinutes: QA_UTC_OFFSET_MINUTES,
      qaSlots: group.qa_slots,
      ...(group.emergency_contact ? { emergencyContact: group.emergency_contact } : {}),
    },
  });
  if (!envelope.ok) throw new Error(`stored Q&A slots of ${group.group_id} refused by the core: ${envelope.error.code}`);
  return envelope.value;
}

/**
 * Checks and records one batch (already parsed) in the caller's transaction,
 * queueing what the bot will say; delivery happens after COMMIT.
 * @param {import('pg').PoolClient} client
 * @param {{core: object, nowMs: () => number}} ctx
 * @param {ReturnType<typeof parseBatch>} messages
 * @returns {Promise<{results: object[]}>}
 */
export async function recordBatch(client, ctx, messages) {
  const nowMs = ctx.nowMs();
  const ids = messages.map((m) => m.msgId);
  const known = new Set((await client.query('SELECT message_id FROM group_messages WHERE message_id = ANY($1)', [ids])).rows.map((r) => r.message_id));
  const groupIds = [...new Set(messages.map((m) => m.groupId))];
  const groups = new Map(
    (await client.query('SELECT group_id, name, doctor_name, qa_slots, emergency_contact FROM intake_groups WHERE group_id = ANY($1)', [groupIds])).rows.map((g) => [g.group_id, g]),
  );
  const results = [];
  for (const m of messages) {
    if (known.has(m.msgId)) {
      results.push({ msgId: m.msgId, status: 'duplicate' });
      continue;
    }
    known.add(m.msgId);
    if (m.kind === 'other') {
      await client.query(
        `INSERT INTO group_messages (message_id, group_id, author_id, sent_at_ms, received_at_ms, kind, review_status)
         VALUES ($1, $2, $3, $4, $5, 'other', 'none') ON CONFLICT (message_id) DO NOTHING`,
        [m.msgId, m.groupId, m.authorId, m.sentAtMs, nowMs],
      );
      await noteGroupActivity(client, { groupId: m.groupId, authorId: m.authorId, sentAtMs: m.sentAtMs, nowMs });
      results.push({ msgId: m.msgId, status: 'skipped' });
      continue;
    }
    // The core decides everything about the message: the check, the review item,
    // the author's notice, and the Q&A reply for a message naming the doctor.
    const group = groups.get(m.groupId);
    const envelope = ctx.core.call('triageGroupMessage', { text: m.text, ...(hasQaSlot(group) ? { nowMs, group: groupForCore(group) } : {}) });
    if (!envelope.ok) throw coreRefusal(envelope.error, messages.indexOf(m), group);
    const triage = envelope.value;
    const check = triage.check;
    const flagged = triage.reviewItem;
    const inserted = await client.query(
      `INSERT INTO group_messages (message_id, group_id, author_id, sent_at_ms, received_at_ms, kind, text, verdict, summary, matches, review_status)
       VALUES ($1, $2, $3, $4, $5, 'text', $6, $7, $8, $9, $10) ON CONFLICT (message_id) DO NOTHING RETURNING message_id`,
      [
        m.msgId, m.groupId, m.authorId, m.sentAtMs, nowMs,
        flagged ? m.text : null,
        check.verdict,
        flagged ? check.summary : null,
        flagged ? JSON.stringify(check.matches.map(keptMatch)) : null,
        flagged ? 'open' : 'none',
      ],
    );
    if (inserted.rowCount === 0) {
      // Delivered concurrently by another request that got there first.
      results.push({ msgId: m.msgId, status: 'duplicate' });
      continue;
    }
    // The author is an active member of the group (the console's member lists).
    await noteGroupActivity(client, { groupId: m.groupId, authorId: m.authorId, sentAtMs: m.sentAtMs, nowMs });
    const queue = async (kind, text) =>
      client.query(
        `INSERT INTO group_outbound (message_id, kind, group_id, to_member, text, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (message_id, kind) DO NOTHING`,
        [m.msgId, kind, m.groupId, m.authorId, text, nowMs],
      );
    const actions = [];
    if (flagged) actions.push('reviewItem');
    if (triage.authorNotice !== null) {
      await queue('authorNotice', triage.authorNotice);
      actions.push('authorNotice');
    }
    if (triage.qaReply !== null) {
      await queue('qaReply', triage.qaReply);
      actions.push('qaReply');
    }
    results.push({ msgId: m.msgId, status: 'checked', verdict: check.verdict, categories: check.categories, actions });
  }
  return { results };
}

/**
 * Sends what the bot has to say and has not said yet (oldest first, at most
 * `limit`), through `channel`; each row is marked sent or keeps its error and
 * attempt count. Rows locked by a concurrent round are left to it.
 * @returns {Promise<{sent: number, failed: number}>}
 */
export async function deliverPending(pool, ctx, channel, { limit = 100 } = {}) {
  if (!channel) return { sent: 0, failed: 0 };
  const client = await pool.connect();
  let sent = 0;
  let failed = 0;
  try {
    await client.query('BEGIN');
    const { rows } = await client.query(
      `SELECT id, kind, group_id, to_member, text FROM group_outbound
        WHERE sent_at_ms IS NULL AND attempts < $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [MAX_DELIVERY_ATTEMPTS, limit],
    );
    for (const row of rows) {
      try {
        await channel.send({ kind: row.kind, groupId: row.group_id, toMember: row.to_member, text: row.text });
        await client.query('UPDATE group_outbound SET sent_at_ms = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1', [row.id, ctx.nowMs()]);
        sent += 1;
      } catch (error) {
        const attempts = error?.retryable === false ? MAX_DELIVERY_ATTEMPTS : null;
        await client.query('UPDATE group_outbound SET attempts = COALESCE($3, attempts + 1), last_error = $2 WHERE id = $1', [
          row.id,
          String(error?.message ?? error).slice(0, 300),
          attempts,
        ]);
        failed += 1;
      }
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  return { sent, failed };
}

// ------------------------------------------------------------------ staff

/** How staff see an author: the platform's opaque id is not a name; its last 4 symbols tell two apart. */
export function authorLabel(authorId) {
  return `群成员 …${authorId.slice(-4)}`;
}

function deliveryState(row) {
  if (!row) return null;
  if (row.sent_at_ms !== null) return 'sent';
  return row.attempts >= MAX_DELIVERY_ATTEMPTS ? 'failed' : 'pending';
}

/**
 * GET /staff/group-messages: the open review items, oldest first, 50 a page
 * (`before` = the previous page's `next`), each with the core's spans.
 */
export async function listReviewQueue(client, { after = null } = {}) {
  let cursor = null;
  if (after !== null && after !== undefined) {
    const match = /^(\d{1,16})~([A-Za-z0-9_.:@=+/-]{1,128})$/.exec(String(after));
    if (!match) throw new ApiError(400, 'request.bad_query', 'after 应为上一页返回的 next', { path: '/after' });
    cursor = { at: Number(match[1]), id: match[2] };
  }
  const { rows } = await client.query(
    `SELECT m.message_id, m.group_id, g.name AS group_name, m.author_id, m.sent_at_ms, m.received_at_ms, m.text, m.verdict, m.summary, m.matches
       FROM group_messages m LEFT JOIN intake_groups g ON g.group_id = m.group_id
      WHERE m.review_status = 'open' AND ($1::bigint IS NULL OR (m.received_at_ms, m.message_id) > ($1, $2))
      ORDER BY m.received_at_ms, m.message_id LIMIT $3`,
    [cursor?.at ?? null, cursor?.id ?? '', QUEUE_PAGE_SIZE + 1],
  );
  const page = rows.slice(0, QUEUE_PAGE_SIZE);
  const outbound = page.length
    ? (await client.query('SELECT message_id, kind, sent_at_ms, attempts FROM group_outbound WHERE message_id = ANY($1)', [page.map((r) => r.message_id)])).rows
    : [];
  const items = page.map((r) => {
    const out = (kind) => deliveryState(outbound.find((o) => o.message_id === r.message_id && o.kind === kind));
    return {
      messageId: r.message_id,
      groupId: r.group_id,
      groupName: r.group_name ?? r.group_id,
      author: authorLabel(r.author_id),
      sentAtMs: Number(r.sent_at_ms),
      receivedAtMs: Number(r.received_at_ms),
      text: r.text,
      verdict: r.verdict,
      summary: r.summary,
      matches: r.matches,
      authorNotice: out('authorNotice'),
      qaReply: out('qaReply'),
    };
  });
  const last = page[page.length - 1];
  return { items, next: rows.length > QUEUE_PAGE_SIZE ? `${last.received_at_ms}~${last.message_id}` : null };
}

/**
 * POST /staff/group-messages/resolve {messageId, outcome}: the nurse closes a
 * review item — 'removed' (withdrawn from the group) or 'kept' (fine as it
 * is). Once: a resolved item is 409. The words are not kept after that.
 */
export async function resolveReviewItem(client, ctx, staffId, body) {
  if (!isObject(body) || Object.keys(body).some((k) => k !== 'messageId' && k !== 'outcome')) throw bad('请求内容应为 {messageId, outcome}');
  if (typeof body.messageId !== 'string' || !MESSAGE_ID.test(body.messageId)) throw bad('messageId 格式不对', '/messageId');
  if (body.outcome !== 'kept' && body.outcome !== 'removed') throw bad('outcome 应为 removed（已撤回）或 kept（保留）', '/outcome');
  const nowMs = ctx.nowMs();
  const updated = await client.query(
    `UPDATE group_messages SET review_status = $2, reviewed_at_ms = $3, reviewed_by = $4, text = NULL, matches = NULL
      WHERE message_id = $1 AND review_status = 'open' RETURNING message_id`,
    [body.messageId, body.outcome, nowMs, staffId],
  );
  if (updated.rowCount === 0) {
    const found = await client.query('SELECT review_status FROM group_messages WHERE message_id = $1', [body.messageId]);
    if (found.rowCount === 0 || found.rows[0].review_status === 'none') throw new ApiError(404, 'intake.not_found', '没有找到这条待复核的消息');
    throw new ApiError(409, 'intake.already_resolved', '这条消息已经处理过了');
  }
  return { messageId: body.messageId, reviewStatus: body.outcome, reviewedAtMs: nowMs };
}

/** GET /staff/groups: the connected groups, their Q&A slots and what the core says about now. */
export async function listGroups(client, ctx) {
  const nowMs = ctx.nowMs();
  const { rows } = await client.query('SELECT group_id, name, doctor_name, qa_slots, emergency_contact, updated_at_ms FROM intake_groups ORDER BY name, group_id');
  return {
    groups: rows.map((g) => {
      const qa = qaAnswer(ctx, g, nowMs);
      return {
        groupId: g.group_id,
        name: g.name,
        doctorName: g.doctor_name,
        qaSlots: g.qa_slots,
        emergencyContact: g.emergency_contact,
        updatedAtMs: Number(g.updated_at_ms),
        inSlot: qa ? qa.inSlot : false,
        nextSlotText: qa?.nextSlot?.text ?? null,
        slotLabels: qa ? qa.slots.map((s) => `${s.weekdayLabel} ${s.start}–${s.end}`) : [],
        replyPreview: qa?.reply ?? null,
      };
    }),
  };
}

/**
 * PUT /staff/groups/qa-slots {groupId, name, doctorName, qaSlots, emergencyContact}:
 * a group's doctor and Q&A slots. The core checks the slots (replyOutsideQaSlot
 * on them now) before anything is stored; its refusal is the answer.
 */
export async function setGroupQaSlots(client, ctx, staffId, body) {
  const allowed = ['groupId', 'name', 'doctorName', 'qaSlots', 'emergencyContact'];
  if (!isObject(body) || Object.keys(body).some((k) => !allowed.includes(k))) throw bad('请求内容应为 {groupId, name, doctorName, qaSlots, emergencyContact}');
  if (typeof body.groupId !== 'string' || !GROUP_ID.test(body.groupId)) throw bad('groupId 格式不对', '/groupId');
  const text = (v, max, path, label) => {
    if (typeof v !== 'string' || v.trim() === '' || [...v].length > max || !v.isWellFormed()) throw bad(`${label}应为1–${max}个字`, path);
    return v.trim();
  };
  const name = text(body.name, 64, '/name', '群名称');
  const doctorName = text(body.doctorName, 32, '/doctorName', '答疑医生');
  const emergencyContact = text(body.emergencyContact, 64, '/emergencyContact', '紧急联系电话');
  if (!Array.isArray(body.qaSlots) || body.qaSlots.length === 0) throw bad('至少设置一个答疑时段', '/qaSlots');
  const envelope = ctx.core.call('replyOutsideQaSlot', {
    nowMs: ctx.nowMs(),
    config: { utcOffsetMinutes: QA_UTC_OFFSET_MINUTES, qaSlots: body.qaSlots, emergencyContact },
  });
  if (!envelope.ok) {
    const { code, message, path } = envelope.error;
    throw new ApiError(422, code, message, path ? { path: path.replace(/^\/config/, '') } : {});
  }
  const slots = body.qaSlots.map((s) => ({ weekday: s.weekday, start: s.start, ...(s.durationMinutes !== undefined ? { durationMinutes: s.durationMinutes } : {}) }));
  const nowMs = ctx.nowMs();
  await client.query(
    `INSERT INTO intake_groups (group_id, name, doctor_name, qa_slots, emergency_contact, updated_at_ms, updated_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (group_id) DO UPDATE SET name = $2, doctor_name = $3, qa_slots = $4, emergency_contact = $5, updated_at_ms = $6, updated_by = $7`,
    [body.groupId, name, doctorName, JSON.stringify(slots), emergencyContact, nowMs, staffId],
  );
  const { groups } = await listGroups(client, ctx);
  return groups.find((g) => g.groupId === body.groupId);
}

/** The demo hospital's connected groups (synthetic, 演示): the doctor answers on Wednesday evenings. */
export const DEMO_GROUPS = Object.freeze([
  { groupId: 'demo-room-thyroid', name: '甲状腺术后康复群（演示）', doctorName: '周医生', qaSlots: [{ weekday: 3, start: '20:00', durationMinutes: 60 }], emergencyContact: '120' },
  { groupId: 'demo-room-diabetes', name: '妊娠糖尿病群（演示）', doctorName: '吴医生', qaSlots: [{ weekday: 2, start: '19:30', durationMinutes: 60 }], emergencyContact: '120' },
]);

export async function seedDemoGroups(pool, nowMs) {
  for (const g of DEMO_GROUPS) {
    await pool.query(
      `INSERT INTO intake_groups (group_id, name, doctor_name, qa_slots, emergency_contact, updated_at_ms, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, 'demo-seed') ON CONFLICT (group_id) DO NOTHING`,
      [g.groupId, g.name, g.doctorName, JSON.stringify(g.qaSlots), g.emergencyContact, nowMs],
    );
  }
}
