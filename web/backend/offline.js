// Offline demo backend: the Backend interface (./backend.js) on IndexedDB.
//
// Everything here is SYNTHETIC demo data (G19): a fictitious patient in a
// fictitious community. Nothing personal is stored, nothing goes to
// localStorage, and wipe() deletes the whole database.
//
// This file stores and returns data only. It holds no streak rule: no config
// (the core's C++ defaults apply), no "does this day count", no reward logic.
// The ~40-day history seeded on first run is demo data generation: plausible
// check-in times relative to the device's today, with a few gaps so that the
// calendar has something to show.

import { assertBackend } from './backend.js';

const DB_VERSION = 1;
const STORE_CHECKINS = 'checkIns';
const STORE_GRANTED = 'granted';
const STORE_META = 'meta';

const DEMO_PROFILE = Object.freeze({
  patientId: 'demo-patient-0001',
  displayName: '演示用户 王*',
  demo: true,
  community: Object.freeze({
    name: '甲状腺术后康复群',
    actionTitle: '颈部康复操',
    actionSteps: Object.freeze([
      '坐直放松，缓慢低头、抬头，各 5 次',
      '头部缓慢向左、向右转动，各 5 次',
      '耳朵轻靠肩膀，左右交替侧屈，各 5 次',
      '双肩向后慢慢绕圈 10 次，不适即停',
    ]),
  }),
});

// Demo history shape: days before the device's today (1 = yesterday) that
// have no check-in, and one doctor-approved rest day. Demo data, not a rule.
const SEED_DAYS = 40;
const SEED_GAP_DAYS = new Set([2, 14, 26, 27, 28]);
const SEED_REST_DAYS = new Set([20]);

/** Deterministic pseudo-random numbers so the demo looks the same each time. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** YYYY-MM-DD of a Date in the device's zone (labels for seeded demo data). */
function localDateString(date) {
  const y = String(date.getFullYear()).padStart(4, '0');
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

/**
 * Builds the synthetic history: one check-in per day at a plausible local
 * time (morning 7:00–9:30 or evening 19:00–21:30), except the gap days.
 * @param {number} nowMs device clock
 * @param {string} patientId
 */
export function generateDemoHistory(nowMs, patientId) {
  const random = mulberry32(20261123);
  const today = new Date(nowMs);
  const checkIns = [];
  const restDays = [];
  let seq = 0;
  for (let back = SEED_DAYS; back >= 1; back -= 1) {
    const morning = random() < 0.6;
    const hour = morning ? 7 + Math.floor(random() * 3) : 19 + Math.floor(random() * 3);
    const minute = Math.floor(random() * 60);
    const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() - back, hour, minute, Math.floor(random() * 60));
    if (SEED_REST_DAYS.has(back)) {
      restDays.push(localDateString(day));
      continue;
    }
    if (SEED_GAP_DAYS.has(back)) continue;
    seq += 1;
    checkIns.push({
      id: `demo-seed-${String(seq).padStart(3, '0')}`,
      patientId,
      atMs: day.getTime(),
      seq,
      kind: 'normal',
    });
  }
  return { checkIns, restDays, lastSeq: seq };
}

function requestToPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function transactionDone(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/**
 * Creates the offline demo backend.
 * @param {{dbName?: string, clock?: () => number}} [options]
 *   dbName: IndexedDB database (tests may use their own); clock: device clock.
 * @returns {import('./backend.js').Backend}
 */
export function createOfflineBackend({ dbName = 'carecircle-demo', clock = () => Date.now() } = {}) {
  /** @type {IDBDatabase | null} */
  let db = null;
  /** @type {Promise<void> | null} */
  let opening = null;

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(dbName, DB_VERSION);
      request.onupgradeneeded = () => {
        const upgrade = request.result;
        if (!upgrade.objectStoreNames.contains(STORE_CHECKINS)) upgrade.createObjectStore(STORE_CHECKINS, { keyPath: 'id' });
        if (!upgrade.objectStoreNames.contains(STORE_GRANTED)) upgrade.createObjectStore(STORE_GRANTED, { keyPath: 'key' });
        if (!upgrade.objectStoreNames.contains(STORE_META)) upgrade.createObjectStore(STORE_META, { keyPath: 'name' });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
  }

  // Seeds the demo history once, inside one transaction: two tabs opening the
  // demo at the same time cannot both seed.
  function seedIfEmpty(database) {
    const tx = database.transaction([STORE_CHECKINS, STORE_META], 'readwrite');
    const meta = tx.objectStore(STORE_META);
    const get = meta.get('seeded');
    get.onsuccess = () => {
      if (get.result) return;
      const { checkIns, restDays, lastSeq } = generateDemoHistory(clock(), DEMO_PROFILE.patientId);
      const store = tx.objectStore(STORE_CHECKINS);
      for (const record of checkIns) store.put(record);
      meta.put({ name: 'restDays', value: restDays });
      meta.put({ name: 'seq', value: lastSeq });
      meta.put({ name: 'seeded', value: true, atMs: clock() });
    };
    return transactionDone(tx);
  }

  function database() {
    if (!db) throw new Error('offline backend: call init() first');
    return db;
  }

  const backend = {
    async init() {
      if (!opening) {
        opening = (async () => {
          const opened = await open();
          // Another tab deleting or upgrading the database: let it.
          opened.onversionchange = () => {
            opened.close();
            if (db === opened) db = null;
            opening = null;
          };
          await seedIfEmpty(opened);
          db = opened;
        })();
        opening.catch(() => {
          opening = null;
        });
      }
      await opening;
    },

    now() {
      return { nowMs: clock(), clock: 'device' };
    },

    async getProfile() {
      return structuredClone(DEMO_PROFILE);
    },

    async getStreakInputs() {
      await backend.init();
      const tx = database().transaction([STORE_CHECKINS, STORE_GRANTED, STORE_META], 'readonly');
      const [checkIns, granted, rest] = await Promise.all([
        requestToPromise(tx.objectStore(STORE_CHECKINS).getAll()),
        requestToPromise(tx.objectStore(STORE_GRANTED).getAll()),
        requestToPromise(tx.objectStore(STORE_META).get('restDays')),
      ]);
      checkIns.sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      granted.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      // No startDate and no config: the demo has none, so the core's own
      // defaults apply (STYLE 7: JS never re-declares a default).
      return {
        checkIns,
        restDays: rest ? [...rest.value] : [],
        granted: granted.map(({ ruleId, fromDate, toDate }) => ({ ruleId, fromDate, toDate })),
      };
    },

    async saveCheckIn(record) {
      await backend.init();
      const tx = database().transaction(STORE_CHECKINS, 'readwrite');
      const store = tx.objectStore(STORE_CHECKINS);
      const get = store.get(record.id);
      get.onsuccess = () => {
        if (!get.result) store.put(structuredClone(record));
      };
      await transactionDone(tx);
    },

    async saveGranted(milestones) {
      await backend.init();
      const tx = database().transaction(STORE_GRANTED, 'readwrite');
      const store = tx.objectStore(STORE_GRANTED);
      const issuedAtMs = clock();
      for (const m of milestones) {
        const get = store.get(m.key);
        get.onsuccess = () => {
          if (get.result) return;  // idempotent by key
          store.put({
            key: m.key,
            ruleId: m.ruleId,
            fromDate: m.fromDate,
            toDate: m.toDate,
            rewardTitle: m.rewardTitle,
            rewardValueFen: m.rewardValueFen,
            issuedAtMs,
          });
        };
      }
      await transactionDone(tx);
    },

    async nextSeq() {
      await backend.init();
      const tx = database().transaction(STORE_META, 'readwrite');
      const meta = tx.objectStore(STORE_META);
      let next = 0;
      const get = meta.get('seq');
      get.onsuccess = () => {
        next = (get.result?.value ?? 0) + 1;
        meta.put({ name: 'seq', value: next });
      };
      await transactionDone(tx);
      return next;
    },

    async wipe() {
      if (opening) await opening.catch(() => {});
      if (db) {
        db.close();
        db = null;
      }
      opening = null;
      await new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase(dbName);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
        // Another connection still open: deletion completes once it closes
        // (its onversionchange handler closes it).
        request.onblocked = () => {};
      });
    },
  };

  return assertBackend(backend);
}
