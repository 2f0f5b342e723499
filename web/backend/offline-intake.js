// The offline demo playing the server's group-message intake and the
// story-officer programme (scripts/backend/intake/, console/stories-month.mjs):
// the same answers and refusals, every check by the core in this page.
//
// There is no chat platform on a laptop: 模拟群消息 makes a synthetic message
// "arrive" in one of the demo's two synthetic groups. It goes through the
// core's triageGroupMessage like a delivered one: a block queues the core's
// authorNotice for its author, a block or review becomes a review item, and a
// message naming the group's doctor outside the Q&A slot gets the core's
// templated reply. What the bot "sent" is
// recorded and shown (the demo's recording channel). A message key is acted
// on once.
//
// The story of the month is picked from the approved stories of the demo
// community (synthetic members' and the demo patient's own); when it is the
// demo patient's, the 故事官 honour shows in their 荣誉勋章.
//
// Kept in an IndexedDB database of its own (`<dbName>-intake`), deleted by
// wipe(). Everything in it is synthetic demo data.

const STORE = 'kv';
const UTC_OFFSET_MINUTES = 480;

/** The demo's connected groups (synthetic, 演示), as the reference backend seeds them. */
export const DEMO_INTAKE_GROUPS = Object.freeze([
  { groupId: 'demo-room-thyroid', name: '甲状腺术后康复群（演示）', doctorName: '周医生', qaSlots: [{ weekday: 3, start: '20:00', durationMinutes: 60 }], emergencyContact: '120' },
  { groupId: 'demo-room-diabetes', name: '妊娠糖尿病群（演示）', doctorName: '吴医生', qaSlots: [{ weekday: 2, start: '19:30', durationMinutes: 60 }], emergencyContact: '120' },
]);

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

function refusal(status, code, message, extra = {}) {
  return Object.assign(new Error(message), { status, code, ...extra });
}

/**
 * @param {{dbName: string, clock: () => number, backend: object}} deps
 *   backend: the offline backend (its approved community stories and the patient's own)
 */
export function createOfflineIntake({ dbName, clock, backend }) {
  const name = `${dbName}-intake`;
  let opening = null;

  function open() {
    opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => {
        request.result.onversionchange = () => request.result.close();
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
    });
    return opening;
  }

  /** Reads keys, lets `change(values)` edit them, writes them back, in one transaction. */
  async function update(keys, change) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, 'readwrite');
      const store = tx.objectStore(STORE);
      const values = {};
      let result;
      let pending = keys.length;
      for (const key of keys) {
        const get = store.get(key);
        get.onsuccess = () => {
          values[key] = get.result;
          pending -= 1;
          if (pending > 0) return;
          try {
            result = change(values);
            for (const k of keys) if (values[k] !== undefined) store.put(values[k], k);
          } catch (error) {
            tx.abort();
            reject(error);
          }
        };
      }
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
    });
  }
  const read = (keys) => update(keys, (v) => structuredClone(v));

  const groupsOf = (v) => v.groups ?? structuredClone(DEMO_INTAKE_GROUPS);
  const monthOf = (ms) => new Date(ms + UTC_OFFSET_MINUTES * 60_000).toISOString().slice(0, 7);
  const needKey = (key, what) => {
    if (typeof key !== 'string' || key.length < 16) throw new TypeError(`${what}: an idempotency key is required`);
  };

  function qa(core, group, nowMs) {
    const envelope = core.call('replyOutsideQaSlot', {
      nowMs,
      config: { utcOffsetMinutes: UTC_OFFSET_MINUTES, qaSlots: group.qaSlots, ...(group.emergencyContact ? { emergencyContact: group.emergencyContact } : {}) },
    });
    if (!envelope.ok) throw refusal(422, envelope.error.code, envelope.error.message);
    return envelope.value;
  }

  function describeGroup(core, g, nowMs) {
    const answer = qa(core, g, nowMs);
    return {
      ...g,
      updatedAtMs: g.updatedAtMs ?? 0,
      inSlot: answer.inSlot,
      nextSlotText: answer.nextSlot?.text ?? null,
      slotLabels: answer.slots.map((s) => `${s.weekdayLabel} ${s.start}–${s.end}`),
      replyPreview: answer.reply ?? null,
    };
  }

  /** The approved stories staff may pick from: the community's page, the patient's own marked. */
  async function approvedStories() {
    try {
      return (await backend.getCommunityStories({})).stories;
    } catch {
      return [];
    }
  }

  const methods = {
    async getIntakeGroups(core) {
      const nowMs = clock();
      const v = await read(['groups']);
      return { groups: groupsOf(v).map((g) => describeGroup(core, g, nowMs)) };
    },

    async setGroupQaSlots({ key, groupId, name: groupName, doctorName, qaSlots, emergencyContact }, core) {
      needKey(key, 'setGroupQaSlots');
      for (const [value, max, path, label] of [[groupName, 64, '/name', '群名称'], [doctorName, 32, '/doctorName', '答疑医生'], [emergencyContact, 64, '/emergencyContact', '紧急联系电话']]) {
        if (typeof value !== 'string' || value.trim() === '' || [...value].length > max) throw refusal(400, 'request.bad_body', `${label}应为1–${max}个字`, { path });
      }
      if (!Array.isArray(qaSlots) || qaSlots.length === 0) throw refusal(400, 'request.bad_body', '至少设置一个答疑时段', { path: '/qaSlots' });
      const nowMs = clock();
      const group = { groupId, name: groupName.trim(), doctorName: doctorName.trim(), qaSlots, emergencyContact: emergencyContact.trim(), updatedAtMs: nowMs };
      const described = describeGroup(core, group, nowMs); // the core refuses bad slots before anything is stored
      await update(['groups'], (v) => {
        const list = groupsOf(v).filter((g) => g.groupId !== groupId);
        list.push(group);
        v.groups = list;
      });
      return described;
    },

    async simulateGroupMessage({ groupId, text, key }, core) {
      needKey(key, 'simulateGroupMessage');
      if (typeof text !== 'string' || text.length > 4000) throw refusal(413, 'intake.message_too_long', '消息过长（最多4000字符）');
      if (!text.isWellFormed()) throw refusal(400, 'request.bad_utf8', '消息含有不成对的代理字符，不是有效的文字');
      const msgId = `demo-${key}`;
      const nowMs = clock();
      const stored = await read(['groups']);
      const target = groupsOf(stored).find((g) => g.groupId === groupId);
      // The core decides: the check, the review item, the notice, the Q&A reply.
      const envelope = core.call('triageGroupMessage', {
        text,
        ...(target ? { nowMs, group: { doctorName: target.doctorName, qaSlots: target.qaSlots, utcOffsetMinutes: UTC_OFFSET_MINUTES, emergencyContact: target.emergencyContact } } : {}),
      });
      if (!envelope.ok) throw refusal(422, envelope.error.code, envelope.error.message);
      const triage = envelope.value;
      const { verdict, summary, matches, categories } = triage.check;
      return update(['messages', 'groups'], (v) => {
        const messages = v.messages ?? [];
        const earlier = messages.find((m) => m.messageId === msgId);
        if (earlier) return { result: { msgId, status: 'duplicate' }, sent: earlier.sent };
        const group = groupsOf(v).find((g) => g.groupId === groupId);
        const author = `demo-member-${key.slice(-4)}`;
        const sent = [];
        const actions = [];
        if (triage.reviewItem) actions.push('reviewItem');
        if (triage.authorNotice !== null) {
          sent.push({ kind: 'authorNotice', toMember: author, text: triage.authorNotice, delivered: true });
          actions.push('authorNotice');
        }
        if (triage.qaReply !== null) {
          sent.push({ kind: 'qaReply', toMember: author, text: triage.qaReply, delivered: true });
          actions.push('qaReply');
        }
        messages.push({
          messageId: msgId,
          groupId,
          groupName: group?.name ?? groupId,
          author: `群成员 …${author.slice(-4)}`,
          sentAtMs: nowMs,
          receivedAtMs: nowMs,
          // The words of a message that passed are not kept, as on the server.
          ...(verdict !== 'pass' ? { text, summary, matches: matches.map(({ ruleId, category, categoryLabel, severity, matchedText, utf16Start, utf16End, explanation }) => ({ ruleId, category, categoryLabel, severity, matchedText, utf16Start, utf16End, explanation })) } : {}),
          verdict,
          reviewStatus: verdict === 'pass' ? 'none' : 'open',
          sent,
        });
        v.messages = messages;
        return { result: { msgId, status: 'checked', verdict, categories, actions }, sent };
      });
    },

    async getGroupMessageQueue() {
      const v = await read(['messages']);
      const items = (v.messages ?? [])
        .filter((m) => m.reviewStatus === 'open')
        .map((m) => ({
          messageId: m.messageId,
          groupId: m.groupId,
          groupName: m.groupName,
          author: m.author,
          sentAtMs: m.sentAtMs,
          receivedAtMs: m.receivedAtMs,
          text: m.text,
          verdict: m.verdict,
          summary: m.summary,
          matches: m.matches,
          authorNotice: m.sent.some((s) => s.kind === 'authorNotice') ? 'sent' : null,
          qaReply: m.sent.some((s) => s.kind === 'qaReply') ? 'sent' : null,
        }));
      return { items, next: null };
    },

    async resolveGroupMessage({ messageId, outcome, key }) {
      needKey(key, 'resolveGroupMessage');
      if (outcome !== 'kept' && outcome !== 'removed') throw refusal(400, 'request.bad_body', 'outcome 应为 removed（已撤回）或 kept（保留）', { path: '/outcome' });
      const nowMs = clock();
      return update(['messages'], (v) => {
        const m = (v.messages ?? []).find((x) => x.messageId === messageId);
        if (!m || m.reviewStatus === 'none') throw refusal(404, 'intake.not_found', '没有找到这条待复核的消息');
        if (m.resolveKey === key) return { messageId, reviewStatus: m.reviewStatus, reviewedAtMs: m.reviewedAtMs };
        if (m.reviewStatus !== 'open') throw refusal(409, 'intake.already_resolved', '这条消息已经处理过了');
        Object.assign(m, { reviewStatus: outcome, reviewedAtMs: nowMs, resolveKey: key });
        delete m.text;
        delete m.matches;
        return { messageId, reviewStatus: outcome, reviewedAtMs: nowMs };
      });
    },

    async getStoriesMonth({ month } = {}) {
      const m = month ?? monthOf(clock());
      if (!MONTH.test(m)) throw refusal(400, 'request.bad_query', 'month 应为 YYYY-MM（如 2026-12）', { path: '/month' });
      const v = await read(['calls', 'picks']);
      const picks = v.picks ?? [];
      const stories = await approvedStories();
      const pick = picks.find((p) => p.month === m) ?? null;
      return {
        month: m,
        call: (v.calls ?? {})[m] ?? null,
        pick: pick ? { month: pick.month, storyId: pick.storyId, pickedAtMs: pick.pickedAtMs, author: pick.author, title: pick.title, story: pick.story, published: true } : null,
        candidates: stories
          .filter((s) => !picks.some((p) => p.storyId === s.id))
          .map((s) => ({ storyId: s.id, title: s.title, story: s.story, author: s.author, approvedAtMs: s.approvedAtMs })),
      };
    },

    async setStoriesMonthCall({ month, theme, invitation, key }, core) {
      needKey(key, 'setStoriesMonthCall');
      if (typeof month !== 'string' || !MONTH.test(month)) throw refusal(400, 'request.bad_body', 'month 应为 YYYY-MM（如 2026-12）', { path: '/month' });
      const fields = [[theme, 40, '/theme', '征集主题'], [invitation, 300, '/invitation', '征集说明']];
      for (const [value, max, path, label] of fields) {
        if (typeof value !== 'string' || value.trim() === '' || value.length > max) throw refusal(400, 'request.bad_body', `${label}应为1–${max}个字`, { path });
        const checked = core.call('moderateText', { text: value.trim(), context: 'story' });
        if (!checked.ok) throw refusal(422, checked.error.code, checked.error.message, { path });
        if (checked.value.verdict !== 'pass') {
          throw refusal(422, 'story_month.wording_flagged', `${checked.value.summary}：${checked.value.matches[0]?.explanation ?? ''}`, { path, matches: checked.value.matches });
        }
      }
      const call = { month, theme: theme.trim(), invitation: invitation.trim(), updatedAtMs: clock() };
      await update(['calls'], (v) => {
        v.calls = { ...(v.calls ?? {}), [month]: call };
      });
      return call;
    },

    async pickStoryOfMonth({ month, storyId, key }) {
      needKey(key, 'pickStoryOfMonth');
      if (typeof month !== 'string' || !MONTH.test(month)) throw refusal(400, 'request.bad_body', 'month 应为 YYYY-MM（如 2026-12）', { path: '/month' });
      const story = (await approvedStories()).find((s) => s.id === storyId);
      const nowMs = clock();
      return update(['picks'], (v) => {
        const picks = v.picks ?? [];
        const replay = picks.find((p) => p.key === key);
        if (replay) return { month: replay.month, storyId: replay.storyId, pickedAtMs: replay.pickedAtMs, honour: '故事官' };
        if (!story) throw refusal(404, 'story.not_found', '没有找到这篇审核通过的故事');
        if (picks.some((p) => p.month === month)) throw refusal(409, 'story_month.already_picked', `${month}的月度故事已经选定`);
        const taken = picks.find((p) => p.storyId === storyId);
        if (taken) throw refusal(409, 'story_month.story_already_picked', `这篇故事已是${taken.month}的月度故事`);
        picks.push({ key, month, storyId, pickedAtMs: nowMs, author: story.author, title: story.title, story: story.story, mine: story.mine === true });
        v.picks = picks;
        return { month, storyId, pickedAtMs: nowMs, honour: '故事官' };
      });
    },

    async getStoryMonth() {
      const month = monthOf(clock());
      const v = await read(['calls', 'picks']);
      const latest = (v.picks ?? []).filter((p) => p.month <= month).sort((a, b) => (a.month < b.month ? 1 : -1))[0];
      return {
        month,
        call: (v.calls ?? {})[month] ?? null,
        pick: latest ? { month: latest.month, title: latest.title, story: latest.story, author: latest.author } : null,
      };
    },

    async getHonours() {
      const v = await read(['picks']);
      return (v.picks ?? [])
        .filter((p) => p.mine)
        .sort((a, b) => (a.month < b.month ? 1 : -1))
        .map((p) => ({ kind: 'storyOfficer', label: '故事官', month: p.month, awardedAtMs: p.pickedAtMs, storyTitle: p.title }));
    },

    /** Deletes the demo's intake database (the offline backend's wipe calls it). */
    async wipeIntake() {
      if (opening) (await opening.catch(() => null))?.close();
      opening = null;
      await new Promise((resolve) => {
        const request = indexedDB.deleteDatabase(name);
        request.onsuccess = () => resolve();
        request.onerror = () => resolve();
        request.onblocked = () => {};
      });
    },
  };
  return methods;
}
