// The offline demo playing the console's campaign server (the reference
// backend's scripts/backend/console/campaigns.mjs): the same list, the same
// save rules and refusals, the same dry run — with the core of the page.
//
//   * Every saved version is kept in one record of its own database
//     (`<dbName>-campaigns`), read and written in ONE IndexedDB transaction:
//     a refused or failed save leaves nothing behind.
//   * The demo hospital's campaign file is version 1 of each live campaign.
//   * A new campaign is a draft or published at once; a running campaign is
//     frozen (G13): an edit must pass the core's validateCampaignChange and
//     becomes a new version from a future day (default tomorrow), when the old
//     version ends. `live()` is what the demo patient's screens read, so the
//     text patients see is the record the console saved.
//   * The dry run runs over the demo hospital's synthetic patients
//     (demoHospitalPatients: 演示, made from a seed, anchored to the demo
//     clock's day) in chunks of DRY_RUN_CHUNK, with the core's dryRunCampaign.

const DAY_MS = 86_400_000;
const ZONE_OFFSET_MS = 8 * 3_600_000;
const MAX_SCHEDULE_DAYS = 366;
const MAX_CAMPAIGNS = 200;
const MAX_CONFIG_CHARS = 256 * 1024;
export const DRY_RUN_CHUNK = 2_000;
/** How many synthetic patients the demo hospital has (a `?demoHospital=N` page parameter changes it, up to 200,000). */
export const DEMO_HOSPITAL_PATIENTS = 3_000;
const PATIENT_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const civilDate = (ms) => new Date(ms + ZONE_OFFSET_MS).toISOString().slice(0, 10);
const startOfCivilDay = (date) => Date.parse(`${date}T00:00:00Z`) - ZONE_OFFSET_MS;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function refusal(status, code, message, extra = {}) {
  return Object.assign(new Error(message), { name: 'BackendError', status, code, retryable: false, ...extra });
}
const bad = (message, path) => refusal(400, 'request.bad_body', message, { path });

function coreValue(core, name, request) {
  const envelope = core.call(name, request);
  if (!envelope.ok) throw refusal(422, envelope.error.code, envelope.error.message, { path: envelope.error.path });
  return envelope.value;
}

/** A small seeded generator (mulberry32): the same hospital on every load. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';

/**
 * The demo hospital's synthetic patients (演示) with their referrals, as the
 * core's batch reads them, sorted by id. Events are days before the start of
 * `nowMs`'s civil day, so the same clock day gives the same hospital.
 * @param {number} nowMs
 * @param {number} [count]
 */
export function demoHospitalPatients(nowMs, count = DEMO_HOSPITAL_PATIENTS) {
  const next = random(20261207);
  const dayStart = startOfCivilDay(civilDate(nowMs));
  const at = (daysAgo, hour) => dayStart - daysAgo * DAY_MS + hour * 3_600_000;
  const width = String(count).length;
  const patients = Array.from({ length: count }, (_, i) => {
    const id = `demo-h-${String(i + 1).padStart(width, '0')}`;
    return {
      patient: { id, isStaff: next() < 0.01, isCommunityMember: next() < 0.4 },
      referrals: [],
      displayName: `${SURNAMES[Math.floor(next() * SURNAMES.length)]}*（演示）`,
    };
  });
  let referee = Math.floor(count * 0.3);
  for (let i = 0; i < count && referee < count; i += 1) {
    if (next() >= 0.35) continue;
    const friends = 1 + Math.floor(next() * 3);
    for (let f = 0; f < friends && referee < count; f += 1, referee += 1) {
      const channelRoll = next();
      const inpatient = channelRoll > 0.93;
      const registered = next() < 0.75;
      const daysAgo = Math.floor(next() * 200);
      const r = {
        id: `demo-h-r${i + 1}-${f + 1}`,
        referrerId: patients[i].patient.id,
        refereeId: patients[referee].patient.id,
        level: 1,
        channel: inpatient ? 'dischargeCard' : channelRoll > 0.88 ? 'letter' : 'code',
        refereeIsNewPatient: next() < 0.9,
        refereeIsInpatient: inpatient,
        referrerIsMember: patients[i].patient.isCommunityMember,
        registrationConfirmedAtMs: registered ? at(daysAgo, 10) : 0,
        arrivalConfirmedAtMs: registered && next() < 0.7 ? at(Math.max(0, daysAgo - 2), 14) : 0,
        conversionConfirmedAtMs: 0,
        admissionConfirmedAtMs: registered && inpatient ? at(Math.max(0, daysAgo - 3), 9) : 0,
        dischargeConfirmedAtMs: registered && inpatient && daysAgo > 10 ? at(daysAgo - 10, 11) : 0,
        complaintAtMs: registered && next() < 0.03 ? at(Math.max(0, daysAgo - 20), 16) : 0,
      };
      patients[i].referrals.push(r);
      patients[referee].referrals.push(r);
    }
  }
  return patients;
}

/** The demo hospital's size: DEMO_HOSPITAL_PATIENTS, or the page's `?demoHospital=N` (1 … 200,000). */
function pageHospitalSize() {
  const asked = Number(new URLSearchParams(globalThis.location?.search ?? '').get('demoHospital'));
  return Number.isInteger(asked) && asked >= 1 && asked <= 200_000 ? asked : DEMO_HOSPITAL_PATIENTS;
}

function openDb(name) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('state');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/**
 * @param {{
 *   dbName: string,
 *   clock: () => number,
 *   loadBase: () => Promise<object[]>,
 *   hospitalSize?: () => number,
 * }} deps  loadBase: the demo hospital's campaign file (a fresh copy each call)
 */
export function createOfflineCampaigns({ dbName, clock, loadBase, hospitalSize = pageHospitalSize }) {
  let dbPromise = null;
  const database = () => (dbPromise ??= openDb(`${dbName}-campaigns`));
  let population = null;

  /**
   * Runs `change(state)` on the stored versions in one readwrite transaction:
   * the base file adopted as version 1, due versions promoted first. A throw
   * aborts the transaction: nothing is written.
   */
  async function transact(change) {
    const db = await database();
    const base = await loadBase();
    const tx = db.transaction('state', 'readwrite');
    const store = tx.objectStore('state');
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve(undefined);
      tx.onabort = () => reject(tx.error ?? new Error('aborted'));
      tx.onerror = () => reject(tx.error);
    });
    let result;
    let failure = null;
    const get = store.get('versions');
    get.onsuccess = () => {
      try {
        const state = get.result ?? { versions: [] };
        const nowMs = clock();
        for (const config of base) {
          if (!state.versions.some((v) => v.campaignId === config.id)) {
            state.versions.push({ campaignId: config.id, version: 1, config, state: 'current', effectiveFromMs: null, endedAtMs: null, savedBy: 'configuration', savedAtMs: nowMs });
          }
        }
        promoteDue(state, nowMs);
        result = change(state, nowMs, base);
        store.put(state, 'versions');
      } catch (error) {
        failure = error;
        tx.abort();
      }
    };
    try {
      await done;
    } catch (error) {
      throw failure ?? error;
    }
    return result;
  }

  function promoteDue(state, nowMs) {
    for (const due of state.versions.filter((v) => v.state === 'scheduled' && v.effectiveFromMs <= nowMs)) {
      for (const v of state.versions) {
        if (v.campaignId === due.campaignId && v.state === 'current') {
          v.state = 'ended';
          v.endedAtMs = due.effectiveFromMs;
        }
      }
      due.state = 'current';
    }
  }

  /** The live set: the base file's order, then campaigns published here, each as its current version. */
  function liveOf(state, base) {
    const current = new Map(state.versions.filter((v) => v.state === 'current').map((v) => [v.campaignId, v]));
    const order = [...base.map((c) => c.id), ...state.versions.filter((v) => v.version >= 1 && !base.some((c) => c.id === v.campaignId)).map((v) => v.campaignId)];
    const seen = new Set();
    const out = [];
    for (const id of order) {
      if (seen.has(id) || !current.has(id)) continue;
      seen.add(id);
      out.push(structuredClone(current.get(id).config));
    }
    return out;
  }

  function hospital() {
    const dayStart = startOfCivilDay(civilDate(clock()));
    const size = hospitalSize();
    if (!population || population.dayStart !== dayStart || population.size !== size) {
      population = { dayStart, size, patients: demoHospitalPatients(clock(), size) };
    }
    return population.patients;
  }

  return {
    /** The campaigns the demo patient's screens read (the console's live versions). */
    async live() {
      return transact((state, nowMs, base) => liveOf(state, base));
    },

    async getCampaigns() {
      return transact((state, nowMs, base) => {
        const live = liveOf(state, base).map((c) => c.id);
        const ids = [...live, ...[...new Set(state.versions.map((v) => v.campaignId))].filter((id) => !live.includes(id)).sort()];
        const campaigns = [];
        for (const id of ids) {
          const versions = state.versions.filter((v) => v.campaignId === id).sort((a, b) => a.version - b.version);
          const info = ({ version, state: s, effectiveFromMs, endedAtMs, savedBy, savedAtMs }) => ({ version, state: s, effectiveFromMs, endedAtMs, savedBy, savedAtMs });
          const current = versions.find((v) => v.state === 'current' || v.state === 'draft');
          const scheduled = versions.find((v) => v.state === 'scheduled');
          if (!current) continue;
          campaigns.push({
            id,
            live: live.includes(id),
            current: { ...info(current), config: structuredClone(current.config) },
            scheduled: scheduled ? { ...info(scheduled), config: structuredClone(scheduled.config) } : null,
            versions: versions.map(info),
          });
        }
        return { today: civilDate(nowMs), campaigns };
      });
    },

    /** The server's save rules (campaigns.mjs saveCampaign), with the page's core. */
    async saveCampaign(body, core) {
      if (!core) throw new TypeError('saveCampaign: the core is needed in the offline demo');
      if (!isObject(body)) throw bad('请求内容应为 {campaign, effectiveFrom?}', '');
      for (const key of Object.keys(body)) if (key !== 'campaign' && key !== 'effectiveFrom') throw bad(`无法识别的字段：${key.slice(0, 40)}`, `/${key.slice(0, 40)}`);
      const { campaign: given, effectiveFrom } = body;
      if (!isObject(given)) throw bad('缺少活动内容 campaign', '/campaign');
      if (typeof given.id !== 'string' || given.id.length < 1 || given.id.length > 128) throw bad('活动编号应为1到128个字符', '/campaign/id');
      if (JSON.stringify(given).length > MAX_CONFIG_CHARS) throw bad('活动内容过长', '/campaign');
      const status = given.status ?? 'running';
      if (status !== 'draft' && status !== 'running') throw bad('活动状态只能是草稿或进行中', '/campaign/status');
      if (effectiveFrom !== undefined && (typeof effectiveFrom !== 'string' || !DATE.test(effectiveFrom) || Number.isNaN(startOfCivilDay(effectiveFrom)))) {
        throw bad('生效日期应为 YYYY-MM-DD', '/effectiveFrom');
      }
      const campaign = structuredClone(given);
      return transact((state, nowMs, base) => {
        const mine = state.versions.filter((v) => v.campaignId === campaign.id);
        const latest = Math.max(0, ...mine.map((v) => v.version));
        const live = mine.find((v) => v.state === 'current' || v.state === 'draft') ?? null;
        const set = liveOf(state, base);
        const others = set.filter((c) => c.id !== campaign.id);
        if (others.length + (status === 'running' ? 1 : 0) > MAX_CAMPAIGNS) throw refusal(422, 'campaign.too_many', `同时进行的活动最多${MAX_CAMPAIGNS}个`, { path: '/campaign' });
        const validation = coreValue(core, 'validateCampaigns', { campaigns: [...others, { ...campaign, status: 'running' }] });
        if (!validation.valid) {
          const own = validation.violations.filter((v) => v.campaignId === campaign.id || v.path.startsWith(`/campaigns/${others.length}`));
          const violations = own.length ? own : validation.violations;
          throw refusal(422, 'campaign.invalid', violations[0].message, { violations });
        }
        const add = (s, effectiveFromMs) =>
          state.versions.push({ campaignId: campaign.id, version: latest + 1, config: campaign, state: s, effectiveFromMs, endedAtMs: null, savedBy: 'demo-staff-operations', savedAtMs: nowMs });
        if (!live || live.state === 'draft') {
          if (effectiveFrom !== undefined) throw bad('只有进行中的活动修改才需要生效日期', '/effectiveFrom');
          if (live) live.state = 'superseded';
          if (status === 'draft') {
            add('draft', null);
            return { outcome: live ? 'draftSaved' : 'draftCreated', campaignId: campaign.id, version: latest + 1, effectiveFromMs: null };
          }
          add('current', null);
          return { outcome: 'published', campaignId: campaign.id, version: latest + 1, effectiveFromMs: null };
        }
        if (status !== 'running') throw refusal(409, 'campaign.frozen', '进行中的活动不能改回草稿', { path: '/campaign/status' });
        const change = coreValue(core, 'validateCampaignChange', { before: live.config, after: campaign });
        if (!change.allowed) throw refusal(422, 'campaign.unfavourable_change', change.violations[0].message, { violations: change.violations });
        const from = effectiveFrom ?? civilDate(nowMs + DAY_MS);
        if (from <= civilDate(nowMs)) throw refusal(422, 'campaign.effective_not_future', '新版本最早从明天开始生效，进行中的活动今天不变', { path: '/effectiveFrom' });
        if (startOfCivilDay(from) - nowMs > MAX_SCHEDULE_DAYS * DAY_MS) {
          throw refusal(422, 'campaign.effective_too_far', `生效日期最多排在${MAX_SCHEDULE_DAYS}天之内`, { path: '/effectiveFrom' });
        }
        let replaced = false;
        for (const v of mine) {
          if (v.state === 'scheduled') {
            v.state = 'superseded';
            replaced = true;
          }
        }
        add('scheduled', startOfCivilDay(from));
        return { outcome: replaced ? 'rescheduled' : 'scheduled', campaignId: campaign.id, version: latest + 1, effectiveFromMs: startOfCivilDay(from) };
      });
    },

    /** One chunk of the dry run over the demo hospital (the server's dryRunChunk). */
    async dryRunCampaign(body, core) {
      if (!core) throw new TypeError('dryRunCampaign: the core is needed in the offline demo');
      if (!isObject(body)) throw bad('请求内容应为 {campaign, after?, carry?}', '');
      for (const key of Object.keys(body)) if (!['campaign', 'after', 'carry'].includes(key)) throw bad(`无法识别的字段：${key.slice(0, 40)}`, `/${key.slice(0, 40)}`);
      const { campaign, after = null, carry = null } = body;
      if (!isObject(campaign)) throw bad('缺少活动内容 campaign', '/campaign');
      if (typeof campaign.id !== 'string' || campaign.id.length < 1 || campaign.id.length > 128) throw bad('活动编号应为1到128个字符', '/campaign/id');
      if (after !== null && (typeof after !== 'string' || !PATIENT_ID.test(after))) throw bad('after 应为上一段最后一位患者的编号', '/after');
      if (carry !== null && !isObject(carry)) throw bad('carry 应为上一段返回的 totals', '/carry');
      const set = await this.live();
      const candidate = { ...campaign, status: 'running' };
      const index = set.findIndex((c) => c.id === campaign.id);
      const campaigns = index >= 0 ? set.map((c, i) => (i === index ? candidate : c)) : [...set, candidate];
      const all = hospital();
      let start = 0;
      if (after !== null) {
        // Sorted by id: the first patient after the cursor.
        let lo = 0;
        let hi = all.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (all[mid].patient.id <= after) lo = mid + 1;
          else hi = mid;
        }
        start = lo;
      }
      const chunk = all.slice(start, start + DRY_RUN_CHUNK);
      const value = coreValue(core, 'dryRunCampaign', {
        nowMs: clock(),
        campaigns,
        patients: chunk.map(({ patient, referrals }) => ({ patient, referrals })),
        campaignId: campaign.id,
        ...(carry ? { carry } : {}),
      });
      const names = new Map(chunk.map((p) => [p.patient.id, p.displayName]));
      return {
        ...value,
        rows: value.rows.map((row) => ({ ...row, displayName: names.get(row.patientId) ?? '' })),
        next: chunk.length === DRY_RUN_CHUNK && start + DRY_RUN_CHUNK < all.length ? chunk[chunk.length - 1].patient.id : null,
        patientsTotal: after === null ? all.length : null,
      };
    },

    /** Deletes the saved versions and their database (the demo's wipe). */
    async wipe() {
      if (dbPromise) (await dbPromise.catch(() => null))?.close();
      dbPromise = null;
      await new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase(`${dbName}-campaigns`);
        request.onsuccess = () => resolve(undefined);
        request.onerror = () => reject(request.error);
        request.onblocked = () => resolve(undefined);
      });
    },
  };
}
