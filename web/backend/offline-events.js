// The offline demo playing the hospital desk's server (scripts/backend/console/):
// hospital events by hand and by CSV import, the recovery list and its calls,
// the doctor's rest days for the demo patient, a day's counter redemptions.
// The same rules as the reference backend — every row checked by the core's
// checkHospitalEvents (each step once, at most 7 days back, never ahead), an
// import reported row by row and applied together or not at all (one
// IndexedDB transaction), the lapse and the held offer from the core's
// recoveryList, the streak from the core's evaluateStreak.
//
// The demo hospital's desk has its own synthetic patients (演示, 600 friends
// of three demo referrers, made once and kept), stored in a database of its
// own beside the demo's (`<dbName>-desk`). Beside them it sees the friends
// who registered with the demo patient's code on this device (the join page
// in another page of the same browser): their records live in the demo's own
// database (`deviceReferrals`), and a step recorded for one of them is
// written there, where the referral tree, the inbox, the issuance and the
// wallet read it — as the server's desk writes the one referrals table
// everything else reads. IndexedDB has no transaction across two databases:
// the desk's own rows are committed first, then the device friends' steps
// (each set once, so a retry after a failure between the two applies only
// what is missing).

import { readEventsCsv } from '../lib/csv-events.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const OFFSET_MS = 8 * HOUR_MS;
const BACKDATE_DAYS = 7;
const MAX_BYTES = 700 * 1024;
const REST_BACK_DAYS = 7;
const REST_AHEAD_DAYS = 30;
const REST_SPAN_DAYS = 14;

/** The steps' stored names (the core's checkHospitalEvents knows them and the words for them). */
const STEPS = Object.freeze(['registrationConfirmed', 'arrivalConfirmed', 'conversionConfirmed', 'admissionConfirmed', 'dischargeConfirmed', 'complaint']);
const CALL_OUTCOMES = Object.freeze({
  willVisit: '已联系，愿意就诊',
  declined: '已联系，暂不考虑',
  noAnswer: '未接通',
  wrongNumber: '号码有误',
  callBack: '约定再联系',
});
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平';

const echo = (text) => String(text ?? '').slice(0, 64);
const civilDate = (ms) => new Date(ms + OFFSET_MS).toISOString().slice(0, 10);

function refusal(status, code, message, extra = {}) {
  return Object.assign(new Error(message), { status, code, retryable: false, ...extra });
}


/** The desk's synthetic hospital, made once relative to the demo's clock. */
function makeDeskReferrals(nowMs) {
  const referrers = [
    { id: 'demo-desk-ref-1', name: '王建国' },
    { id: 'demo-desk-ref-2', name: '李秀英' },
    { id: 'demo-desk-ref-3', name: '张志强' },
  ];
  const people = [...referrers];
  const referrals = [];
  for (let i = 1; i <= 600; i += 1) {
    const id = `demo-desk-p-${String(i).padStart(3, '0')}`;
    const name = `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${GIVEN[(i * 3 + 1) % GIVEN.length]}`;
    people.push({ id, name });
    const r = { id: `demo-desk-r-${String(i).padStart(3, '0')}`, referrerId: referrers[i % 3].id, refereeId: id, consent: i % 4 !== 0, events: {} };
    if (i <= 12) {
      // Lapsed: invited, registered a few days ago, never came.
      r.invitedAtMs = nowMs - (6 + (i % 5)) * DAY_MS;
      r.events.registrationConfirmed = r.invitedAtMs + DAY_MS;
      if (i % 3 === 0) r.events.arrivalConfirmed = r.invitedAtMs + 2 * DAY_MS;
    } else if (i <= 16) {
      // Came and were treated.
      r.invitedAtMs = nowMs - 9 * DAY_MS;
      r.events.registrationConfirmed = r.invitedAtMs + DAY_MS;
      r.events.arrivalConfirmed = r.invitedAtMs + 2 * DAY_MS;
      r.events.conversionConfirmed = r.invitedAtMs + 2 * DAY_MS + HOUR_MS;
    } else if (i === 17) {
      r.invitedAtMs = nowMs - 9 * DAY_MS;
      r.events.complaint = nowMs - 5 * DAY_MS;
    } else {
      // Today's work: invited since yesterday, nothing confirmed yet.
      r.invitedAtMs = nowMs - 20 * HOUR_MS - (i % 60) * 60_000;
    }
    referrals.push(r);
  }
  return { referrals, people };
}

/**
 * A friend who joined on this device, as the desk keeps its own rows:
 * {id, referrerId, refereeId, name, referrerName, invitedAtMs, consent,
 *  events: {step: ms}, recorded: {step: {recordedBy, recordedAtMs}}}.
 * @typedef {{id: string, referrerId: string, refereeId: string, name: string, referrerName: string,
 *   invitedAtMs: number, consent: boolean, events: Record<string, number>, recorded?: object}} DeviceReferral
 */

/**
 * @param {{dbName: string, clock: () => number, demoPatientId: string,
 *   restDays: {read: () => Promise<string[]>, write: (days: string[]) => Promise<void>},
 *   getStreakInputs: () => Promise<object>, getRedemptions: () => Promise<object[]>,
 *   deviceReferrals?: {list: () => Promise<DeviceReferral[]>,
 *     record: (steps: {referralId: string, event: string, atMs: number, recordedBy: string, recordedAtMs: number}[]) => Promise<void>}}} deps
 */
export function createOfflineHospitalDesk({ dbName, clock, demoPatientId, restDays, getStreakInputs, getRedemptions, deviceReferrals }) {
  /** @type {Promise<IDBDatabase> | null} */
  let opening = null;
  const KV = 'kv';

  function db() {
    opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(`${dbName}-desk`, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(KV, { keyPath: 'name' });
      request.onsuccess = () => {
        request.result.onversionchange = () => request.result.close();
        resolve(request.result);
      };
      request.onerror = () => reject(request.error);
    });
    return opening;
  }
  const done = (tx) => new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
  const got = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result?.value);
    request.onerror = () => reject(request.error);
  });

  /**
   * One read-write transaction over the desk's state: `fn(state)` changes it;
   * all or nothing for the desk's own rows. `state.device` holds the friends
   * who joined on this device (read before the transaction: IndexedDB ends a
   * transaction that waits on anything else); the steps `fn` records for them
   * (`state.deviceSteps`) are written to the demo's database once the desk's
   * transaction has committed.
   */
  async function change(fn) {
    const device = deviceReferrals ? await deviceReferrals.list() : [];
    const tx = (await db()).transaction(KV, 'readwrite');
    const store = tx.objectStore(KV);
    let hospital = await got(store.get('hospital'));
    if (!hospital) {
      hospital = makeDeskReferrals(clock());
      store.put({ name: 'hospital', value: hospital });
    }
    const calls = (await got(store.get('calls'))) ?? [];
    const state = { hospital, calls, device, deviceSteps: [], dirty: false };
    let result;
    try {
      result = await fn(state);
    } catch (error) {
      tx.abort();
      await done(tx).catch(() => {});
      throw error;
    }
    if (state.dirty) {
      store.put({ name: 'hospital', value: state.hospital });
      store.put({ name: 'calls', value: state.calls });
    }
    await done(tx);
    if (state.deviceSteps.length > 0) await deviceReferrals.record(state.deviceSteps);
    return result;
  }

  /** Every referral the desk sees: the device's friends first (the newest invitations), then its own. */
  const allReferrals = (state) => [...state.device, ...state.hospital.referrals];

  const masked = (name) => (name.length <= 2 ? `${name[0]}*` : `${name[0]}*${name.slice(-1)}`);

  /** The core's records of the desk's hospital and the device's friends (every fact: staff see all). */
  function coreInputs(state) {
    const people = new Map(state.hospital.people.map((p) => [p.id, { id: p.id, name: p.name }]));
    for (const r of state.device) {
      people.set(r.refereeId, { id: r.refereeId, name: r.name });
      if (!people.has(r.referrerId)) people.set(r.referrerId, { id: r.referrerId, name: r.referrerName });
    }
    return {
      records: allReferrals(state).map((r) => ({
        id: r.id,
        referrerId: r.referrerId,
        refereeId: r.refereeId,
        invitedAtMs: r.invitedAtMs,
        ...(r.events.registrationConfirmed ? { registeredAtMs: r.events.registrationConfirmed } : {}),
        ...(r.events.arrivalConfirmed ? { arrivedAtMs: r.events.arrivalConfirmed } : {}),
        ...(r.events.conversionConfirmed ? { convertedAtMs: r.events.conversionConfirmed } : {}),
        ...(r.events.complaint ? { voidedAtMs: r.events.complaint } : {}),
        consentToShareProgress: r.consent,
      })),
      patients: [...people.values()],
    };
  }

  /** A cell as the core reads it (at most 256 characters: no id is longer than 128). */
  const cell = (text) => String(text ?? '').slice(0, 256);

  /** Applies items like the server's applyEvents: each row as the core's checkHospitalEvents decides (inside the caller's transaction). */
  function applyEvents(state, recordedBy, items, core) {
    if (!core) throw new TypeError('the core is needed in the offline demo');
    const nowMs = clock();
    const referrals = allReferrals(state);
    const byId = new Map(referrals.map((r) => [r.id, r]));
    const envelope = core.call('checkHospitalEvents', {
      nowMs,
      backdateDays: BACKDATE_DAYS,
      recordedBy,
      referrals: referrals.map((r) => ({ id: r.id, patientId: r.refereeId, steps: Object.fromEntries(STEPS.map((s) => [s, r.events[s] ?? 0])) })),
      rows: items.map((i) => ({
        patientId: cell(i.patientId),
        referralId: cell(i.referralId),
        event: cell(i.eventText),
        ...(i.atMs !== undefined ? { atMs: i.atMs } : { atText: cell(i.atText) }),
        ...(i.columns !== undefined ? { columns: i.columns, expected: i.expected } : {}),
      })),
    });
    if (!envelope.ok) throw refusal(422, envelope.error.code, envelope.error.message);
    const results = [];
    const counts = { applied: 0, unchanged: 0, refused: 0 };
    const where = (item, event) => ({
      ...(item.line !== undefined ? { line: item.line } : {}),
      patientId: echo(item.patientId),
      ...(item.referralId ? { referralId: echo(item.referralId) } : {}),
      event: event ?? echo(item.eventText),
    });
    for (const [k, item] of items.entries()) {
      const v = envelope.value.rows[k];
      if (v.outcome === 'refused') {
        counts.refused += 1;
        results.push({ ...where(item, v.event), outcome: 'refused', code: v.code, reason: v.reason });
        continue;
      }
      if (v.outcome === 'unchanged') {
        counts.unchanged += 1;
        results.push({ ...where(item, v.event), referralId: v.referralId, outcome: 'unchanged', atMs: v.atMs, reason: v.reason });
        continue;
      }
      const r = byId.get(v.referralId);
      r.events[v.event] = v.atMs;
      r.recorded = { ...(r.recorded ?? {}), [v.event]: { recordedBy, recordedAtMs: nowMs } };
      if (state.device.includes(r)) state.deviceSteps.push({ referralId: r.id, event: v.event, atMs: v.atMs, recordedBy, recordedAtMs: nowMs });
      else state.dirty = true;
      counts.applied += 1;
      results.push({ ...where(item, v.event), referralId: r.id, outcome: 'applied', atMs: v.atMs });
    }
    return { results, counts };
  }

  async function parseCsv(bytes, encoding) {
    if (bytes.length > MAX_BYTES) throw refusal(413, 'csv.too_large', `文件过大（最多${Math.floor(MAX_BYTES / 1024)}KB），请按天分开导出`);
    let text;
    try {
      text = new TextDecoder(encoding === 'gbk' || encoding === 'gb18030' ? 'gb18030' : 'utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw refusal(400, 'csv.bad_encoding', '文件不是有效的 UTF-8 文本，请在导出时选择 UTF-8 编码（或选择 GBK 后重新导入）');
    }
    if (text.includes('\u0000')) throw refusal(400, 'csv.bad_encoding', '文件含有空字符，不是文本文件');
    // web/vendor/ is served as it is (one folder up in the sources and in build/web alike).
    const { parse } = await import(/* @vite-ignore */ new URL(['..', 'vendor', 'csv-parse-sync.mjs'].join('/'), import.meta.url).href);
    // The header and the rows read as the reference backend reads them.
    return readEventsCsv(text, { parse, refuse: refusal });
  }

  const STAFF = 'demo-staff';
  let imports = 0;

  const desk = {
    async listEventReferrals({ q = '', limit = 50 } = {}) {
      return change((state) => {
        const byId = new Map(state.hospital.people.map((p) => [p.id, p]));
        for (const r of state.device) byId.set(r.refereeId, { id: r.refereeId, name: r.name });
        // The demo patient's name is already shown masked (演示用户 王*).
        const referrerName = (r) => (state.device.includes(r) ? r.referrerName : `${masked(byId.get(r.referrerId).name)}（演示）`);
        const needle = String(q).trim();
        const list = allReferrals(state)
          .filter((r) => !needle || r.refereeId.startsWith(needle) || r.id.startsWith(needle) || masked(byId.get(r.refereeId).name).startsWith(needle))
          .sort((a, b) => b.invitedAtMs - a.invitedAtMs || (a.id < b.id ? -1 : 1))
          .slice(0, Math.max(1, Math.min(2000, limit)));
        return {
          referrals: list.map((r) => ({
            referralId: r.id,
            patientId: r.refereeId,
            patientName: `${masked(byId.get(r.refereeId).name)}（演示）`,
            referrerName: referrerName(r),
            invitedAtMs: r.invitedAtMs,
            events: Object.fromEntries(STEPS.map((s) => [s, r.events[s] ?? 0])),
            recorded: r.recorded ?? {},
          })),
          backdateDays: BACKDATE_DAYS,
        };
      });
    },

    /** One step by hand, checked by the core like a CSV row; refused as the server refuses it. */
    async recordHospitalEvent({ referralId, event, atMs }, core) {
      if (typeof referralId !== 'string') throw refusal(400, 'request.bad_body', '请求内容应为 {referralId, event, atMs?}');
      if (typeof event !== 'string') throw refusal(400, 'request.bad_body', '请选择事件：建档、到院、就诊、入院、出院或投诉');
      return change((state) => {
        const at = atMs ?? clock();
        const item = { referralId, eventText: event, ...(Number.isSafeInteger(at) ? { atMs: at } : { atText: String(at) }) };
        const { results: [done] } = applyEvents(state, STAFF, [item], core);
        if (done.outcome === 'refused') {
          const [status, code] = done.code === 'referral.unknown' || done.code === 'referral.event_too_old'
            ? [done.code === 'referral.unknown' ? 404 : 422, done.code]
            : [400, 'request.bad_body'];
          throw refusal(status, code, done.reason);
        }
        return { referralId: done.referralId, event: done.event, atMs: done.atMs, changed: done.outcome === 'applied' };
      });
    },

    async importHospitalEvents({ fileName, bytes, encoding }, core) {
      const items = await parseCsv(bytes, encoding);
      return change((state) => {
        const { results, counts } = applyEvents(state, STAFF, items, core);
        imports += 1;
        return { importId: String(imports), fileName: String(fileName ?? '').slice(0, 200), rows: items.length, ...counts, results };
      });
    },

    async getRecoveryList(core) {
      if (!core) throw new TypeError('getRecoveryList: the core is needed in the offline demo');
      return change((state) => {
        const envelope = core.call('recoveryList', { nowMs: clock(), ...coreInputs(state) });
        if (!envelope.ok) throw refusal(500, envelope.error.code, envelope.error.message);
        const latest = new Map();
        const counts = new Map();
        for (const c of state.calls) {
          latest.set(c.referralId, c);
          counts.set(c.referralId, (counts.get(c.referralId) ?? 0) + 1);
        }
        const { count, lapseAfterHours, offerHoldDays, items } = envelope.value;
        return {
          count,
          lapseAfterHours,
          offerHoldDays,
          items: items.map((item) => {
            const c = latest.get(item.recordId);
            return { ...item, calls: counts.get(item.recordId) ?? 0, lastCall: c ? { outcome: c.outcome, label: CALL_OUTCOMES[c.outcome], note: c.note, recordedBy: c.recordedBy, recordedAtMs: c.recordedAtMs } : null };
          }),
        };
      });
    },

    async recordRecoveryCall({ referralId, outcome, note = '' }, core) {
      if (!Object.hasOwn(CALL_OUTCOMES, outcome)) throw refusal(400, 'request.bad_body', '请选择通话结果');
      if (typeof note !== 'string' || note.length > 200) throw refusal(400, 'request.bad_body', '备注最多200个字');
      return change((state) => {
        const envelope = core.call('recoveryList', { nowMs: clock(), ...coreInputs(state) });
        const item = envelope.ok ? envelope.value.items.find((i) => i.recordId === referralId) : null;
        if (!item) throw refusal(409, 'recovery.not_lapsed', '这条推荐没有失效（已就诊、已作废或仍在48小时内），不需要挽回');
        const recordedAtMs = clock();
        state.calls.push({ referralId, outcome, note, recordedBy: STAFF, recordedAtMs });
        state.dirty = true;
        return { referralId, outcome, label: CALL_OUTCOMES[outcome], note, recordedAtMs, heldUntilDate: item.heldUntilDate };
      });
    },

    async getRestDays(patientId, core) {
      if (patientId !== demoPatientId) throw refusal(404, 'patient.unknown', `没有找到这位患者（演示中只有 ${demoPatientId}）`);
      const streak = streakOf(core, await getStreakInputs());
      const nowMs = clock();
      const first = civilDate(nowMs - REST_BACK_DAYS * DAY_MS);
      const approvals = (await change((state) => state.hospital.approvals)) ?? {};
      const days = await restDays.read();
      return {
        patientId,
        displayName: '演示用户 王*',
        restDays: [...days].sort().reverse().map((day) => ({ day, approvedBy: approvals[day]?.approvedBy ?? null, approvedAtMs: approvals[day]?.approvedAtMs ?? null, reason: approvals[day]?.reason ?? '' })),
        streak: { ...streak, missedDays: streak.missedDays.filter((d) => d >= first) },
        window: { first, last: civilDate(nowMs + REST_AHEAD_DAYS * DAY_MS) },
      };
    },

    async approveRestDays({ patientId, fromDate, toDate = fromDate, reason = '' }, core) {
      if (patientId !== demoPatientId) throw refusal(404, 'patient.unknown', '没有找到这位患者');
      const isDate = (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) === v;
      if (!isDate(fromDate) || !isDate(toDate)) throw refusal(400, 'request.bad_body', '日期应为 YYYY-MM-DD');
      if (typeof reason !== 'string' || !reason.trim() || reason.length > 100) throw refusal(400, 'request.bad_body', '请填写休息原因（最多100个字）');
      const span = (Date.parse(toDate) - Date.parse(fromDate)) / DAY_MS + 1;
      if (span < 1) throw refusal(422, 'restdays.bad_range', '结束日期不能早于开始日期');
      if (span > REST_SPAN_DAYS) throw refusal(422, 'restdays.too_long', `一次最多批准${REST_SPAN_DAYS}天`);
      const nowMs = clock();
      const first = civilDate(nowMs - REST_BACK_DAYS * DAY_MS);
      const last = civilDate(nowMs + REST_AHEAD_DAYS * DAY_MS);
      if (fromDate < first) throw refusal(422, 'restdays.too_old', `只能补批${REST_BACK_DAYS}天内的休息日（${first}起）`);
      if (toDate > last) throw refusal(422, 'restdays.too_far', `最多提前${REST_AHEAD_DAYS}天批准（到${last}）`);
      const before = streakOf(core, await getStreakInputs());
      const days = new Set(await restDays.read());
      const added = [];
      for (let d = Date.parse(fromDate); d <= Date.parse(toDate); d += DAY_MS) {
        const day = new Date(d).toISOString().slice(0, 10);
        if (!days.has(day)) {
          days.add(day);
          added.push(day);
        }
      }
      await restDays.write([...days].sort());
      await change((state) => {
        state.hospital.approvals = { ...(state.hospital.approvals ?? {}) };
        for (const day of added) state.hospital.approvals[day] = { approvedBy: STAFF, approvedAtMs: nowMs, reason: reason.trim() };
        state.dirty = true;
      });
      const after = streakOf(core, await getStreakInputs());
      return { patientId, added, before: { current: before.current, statusText: before.statusText }, after: { current: after.current, statusText: after.statusText } };
    },

    async getDayRedemptions(day) {
      const today = day ?? civilDate(clock());
      const from = Date.parse(`${today}T00:00:00Z`) - OFFSET_MS;
      const list = (await getRedemptions()).filter((r) => r.redeemedAtMs >= from && r.redeemedAtMs < from + DAY_MS).sort((a, b) => a.redeemedAtMs - b.redeemedAtMs);
      return { day: today, redemptions: list, count: list.length, totalValueFen: list.reduce((s, r) => s + r.valueFen, 0), truncated: false };
    },
  };

  function streakOf(core, inputs) {
    if (!core) throw new TypeError('the core is needed in the offline demo');
    const nowMs = clock();
    const evaluate = (viewMonth) => {
      const envelope = core.call('evaluateStreak', { nowMs, patientId: demoPatientId, ...inputs, ...(viewMonth ? { viewMonth } : {}) });
      if (!envelope.ok) throw refusal(422, envelope.error.code, envelope.error.message);
      return envelope.value;
    };
    const v = evaluate(null);
    // The window a doctor may excuse can start in the previous month: its calendar too.
    const earlier = civilDate(nowMs - REST_BACK_DAYS * DAY_MS).slice(0, 7);
    const days = earlier === v.calendar.month ? v.calendar.days : [...evaluate(earlier).calendar.days, ...v.calendar.days];
    return {
      today: v.today,
      current: v.current,
      longest: v.longest,
      alive: v.alive,
      statusText: v.statusText,
      missedDays: days.filter((d) => d.status === 'missed').map((d) => d.date),
      restDays: days.filter((d) => d.status === 'rest').map((d) => d.date),
    };
  }

  return desk;
}
