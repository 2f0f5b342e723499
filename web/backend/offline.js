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
//
// The same goes for referrals and rewards: the seeded referral records are
// synthetic hospital events (opaque ids, no names, no diagnosis — G8, G19)
// placed relative to the device's today so that the wallet has one example of
// each state. Which reward is due, locked, void or blocked is decided by the
// core (evaluateEligibility); this backend only records what the core reported
// as issuable, playing the hospital server's part in the offline demo.
//
// The patient's own referral code (推荐海报) is made once by the core
// (makeReferralCode, from crypto.getRandomValues bytes) and kept in the meta
// store: an opaque code, no personal data.
//
// The referral tree (推荐), the staff forest and the community report read
// synthetic data generated on request relative to the device's today
// (./demo-data.js) and never stored: the made-up names in them stay out of
// IndexedDB altogether (G19: minimal storage).
//
// A friend joining with the demo patient's code (好友邀请, #join/<code>):
// there is no server and one signed-in patient, so the "friend's phone" is a
// second page of the same browser (same IndexedDB). claimReferral there
// registers a new synthetic 演示好友 — stored as opaque ids and instants only;
// the made-up name is derived from the id on read (demoFriendName) — and
// records the referral with the demo patient as referrer, the demo playing
// the hospital that confirms the registration (建档) at once. The referral
// tree, the feed and the wallet then read it like any other record; other
// pages of the demo hear about it on a BroadcastChannel (onRemoteChange).

// Stories (病友故事官 → 提交故事): there is no hospital, so the demo keeps its
// "hospital review queue" on the device, in the meta store ('stories'),
// labelled 演示 wherever it is shown. The demo plays the server: it refuses a
// story without the 'stories' consent and re-checks the wording with the core
// (layoutPoster, the call the shell made). The workbench's 通过 / 退回 play
// the hospital's decision on the same queue, with the server's rules: pending
// stories only, once; approval re-checks the wording with the core; a
// rejection carries one reason code. Withdrawing the consent withdraws every
// pending or approved story and deletes the words of every story (G9);
// wipe() deletes the rest.
//
// 病友故事 (getCommunityStories): the demo community's approved stories are
// synthetic stories of fictitious members, generated on request
// (generateDemoCommunityStories) and never stored, plus the demo patient's
// own approved stories from the local review queue (mine). Paged like the
// reference backend: newest approval first, 20 a page, an opaque cursor.
//
// Invite prompts (G17): the instants of the prompts shown ('promptsShown'),
// nothing else; recordPromptShown asks the core's mayShowInvitePrompt on them
// and the stored opt-out before it records one, as the server does.

import { assertBackend, CONSENT_PURPOSES, invitePromptRequest, STORY_REJECT_REASONS } from './backend.js';
import {
  demoFriendName,
  generateDemoCommunity,
  generateDemoCommunityStories,
  generateDemoForestAsync,
  generateDemoReferralGraph,
} from './demo-data.js';
import { isStaffRole, STAFF_METHODS, STAFF_ROLES } from './staff-roles.js';
import { createOfflineCampaigns } from './offline-campaigns.js';
import { demoDeployment, demoJoinUrl } from './demo-deployment.js';
import { attachOfflineIssuance } from './offline-issuance.js';
import { withCoreModules } from './offline-core-modules.js';
import { createOfflineHospitalDesk } from './offline-events.js';
import { createOfflineChannels } from './offline-channels.js';
import { createOfflineIntake } from './offline-intake.js';
import { createOfflineCommunity } from './offline-community.js';

const DB_VERSION = 2;
const STORE_CHECKINS = 'checkIns';
const STORE_GRANTED = 'granted';
const STORE_META = 'meta';
const STORE_REFERRALS = 'referrals';
const STORE_ISSUED = 'issued';

// The demo hospital's campaign configuration (validated by the core).
const CAMPAIGNS_URL = new URL('../demo/campaigns.json', import.meta.url);

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

const STORY_CONSENT_REQUIRED = '发布故事需要您单独同意。不同意不影响您的任何诊疗和服务。';

/** The reference backend's answers to a decision on a story that is no longer pending (story.not_pending). */
const STORY_NOT_PENDING = Object.freeze({
  approved: '这篇故事已经审核通过，不能再次审核',
  rejected: '这篇故事已经退回，不能再次审核',
  withdrawn: '作者已撤回发布同意，这篇故事已撤回',
});

/** Stories per page of 病友故事: the reference backend's page (COMMUNITY_STORIES_PAGE). */
const COMMUNITY_STORIES_PAGE = 20;
const COMMUNITY_CONSENT_WITHDRAWN = '您已退出病友社群互动，重新同意「加入病种社群」后可以阅读病友故事';
const BAD_STORY_CURSOR = 'before 应为上一页返回的 nextCursor';

/** The opaque cursor after one story (its approval instant and id), base64url like the server's. */
function storyCursor(story) {
  return btoa(`${story.approvedAtMs}:${story.id}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The story a cursor points after, or null when the demo did not make it. */
function readStoryCursor(text) {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{4,128}$/.test(text)) return null;
  let raw;
  try {
    raw = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
  } catch {
    return null;
  }
  const match = /^(\d{1,16}):([A-Za-z0-9_.:-]{1,64})$/.exec(raw);
  if (!match || !Number.isSafeInteger(Number(match[1]))) return null;
  const at = { approvedAtMs: Number(match[1]), id: match[2] };
  return storyCursor(at) === text ? at : null;
}

/** Newest approval first; the id breaks ties (descending), as the server orders them. */
function newestFirst(a, b) {
  return b.approvedAtMs - a.approvedAtMs || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

const UNKNOWN_CODE = '没有找到这个推荐码，请核对后再输入（离线演示只认得本机演示用户的推荐码）';

/** The core's words for a claim its graph check refused (or its error). */
function describeClaimIssue(issue, analysis) {
  return issue ? issue.message : analysis.error.message;
}

/** The demo server's counter codes: valid 90 s, replaced when less than 30 s are left. */
const DEMO_COUNTER_TTL_MS = 90_000;
const DEMO_COUNTER_MIN_LEFT_MS = 30_000;

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

/** Local 10:00 (device zone) `back` days before the day of `nowMs`: a demo timestamp. */
function daysAgoMs(nowMs, back, hour = 10) {
  const today = new Date(nowMs);
  return new Date(today.getFullYear(), today.getMonth(), today.getDate() - back, hour, 0, 0).getTime();
}

/**
 * Builds the synthetic referral history of the demo patient (who referred
 * friends; nobody referred them). Every field is a server-confirmed hospital
 * event as the eligibility contract expects (docs/api/eligibility.md); ids are
 * opaque, there is no name and no diagnosis anywhere (G8, G19). The days are
 * chosen so that the wallet shows each state once, whatever today is:
 *   - a referral that vested long ago and was never issued (issuable → issued);
 *   - an earlier one whose voucher was used, and one whose voucher expired;
 *   - one registered 10 days ago (quality hold, locked with a countdown);
 *   - one not confirmed yet (waiting);
 *   - a returning patient (not new: blocked with its reason);
 *   - a discharge-card inpatient discharged > 90 days ago (感恩卡 and
 *     老带新 are mutually exclusive: the core picks one);
 *   - one with a complaint dated inside its hold, filed the day before the
 *     voucher vested: the voucher was issued, then clawed back (void, G20).
 * The `issued` records are the hospital's own book of what it issued before
 * today; their grant keys are the ones the core reported at the time.
 * @param {number} nowMs device clock
 * @param {string} patientId
 */
export function generateDemoReferrals(nowMs, patientId) {
  const at = (back, hour) => daysAgoMs(nowMs, back, hour);
  const referral = (id, refereeId, facts) => ({
    id,
    referrerId: patientId,
    refereeId,
    level: 1,
    channel: 'code',
    refereeIsNewPatient: true,
    refereeIsInpatient: false,
    referrerIsMember: true,
    registrationConfirmedAtMs: 0,
    arrivalConfirmedAtMs: 0,
    conversionConfirmedAtMs: 0,
    admissionConfirmedAtMs: 0,
    dischargeConfirmedAtMs: 0,
    complaintAtMs: 0,
    ...facts,
  });
  const referrals = [
    // Used: registered 320 days ago, voucher issued when it vested, used a month later.
    referral('demo-rf-2b7k', 'demo-pt-8m4q', { registrationConfirmedAtMs: at(320, 9), arrivalConfirmedAtMs: at(319, 14) }),
    // Expired: registered 300 days ago, voucher issued when it vested and never used.
    referral('demo-rf-3c9p', 'demo-pt-5t2w', { registrationConfirmedAtMs: at(300, 11), arrivalConfirmedAtMs: at(300, 15) }),
    // Vested long ago, not issued yet: the demo server issues it on first view.
    referral('demo-rf-4d6h', 'demo-pt-9x3r', { registrationConfirmedAtMs: at(150, 10), arrivalConfirmedAtMs: at(148, 9) }),
    // Discharge-card inpatient, discharged 125 days ago.
    referral('demo-rf-5f8m', 'demo-pt-2v7n', {
      channel: 'dischargeCard',
      refereeIsInpatient: true,
      registrationConfirmedAtMs: at(140, 8),
      arrivalConfirmedAtMs: at(140, 9),
      admissionConfirmedAtMs: at(138, 10),
      dischargeConfirmedAtMs: at(125, 15),
    }),
    // Complaint inside the hold (registered 131 days ago, vests 41 days ago; complaint 42 days ago).
    referral('demo-rf-6g2s', 'demo-pt-4k8d', {
      registrationConfirmedAtMs: at(131, 10),
      arrivalConfirmedAtMs: at(130, 10),
      complaintAtMs: at(42, 16),
    }),
    // Returning patient: confirmed, but not a new patient of the hospital.
    referral('demo-rf-7h5v', 'demo-pt-6p1c', {
      refereeIsNewPatient: false,
      registrationConfirmedAtMs: at(40, 10),
      arrivalConfirmedAtMs: at(40, 11),
    }),
    // Quality hold: registered 10 days ago.
    referral('demo-rf-8j3x', 'demo-pt-7r5g', { registrationConfirmedAtMs: at(10, 10), arrivalConfirmedAtMs: at(9, 9) }),
    // Waiting: the friend has the code but the hospital has not confirmed a registration.
    referral('demo-rf-9k7z', 'demo-pt-3h9b', {}),
  ];
  const issued = [
    {
      grantKey: 'fission-exam:demo-rf-2b7k:referrer:exam-100',
      campaignId: 'fission-exam',
      title: '100元体检券',
      valueFen: 10000,
      status: 'used',
      issuedAtMs: at(230, 10),
      usedAtMs: at(200, 10),
    },
    {
      grantKey: 'fission-exam:demo-rf-3c9p:referrer:exam-100',
      campaignId: 'fission-exam',
      title: '100元体检券',
      status: 'issued',
      issuedAtMs: at(210, 10),
    },
    {
      grantKey: 'fission-exam:demo-rf-6g2s:referrer:exam-100',
      campaignId: 'fission-exam',
      title: '100元体检券',
      status: 'void',
      issuedAtMs: at(41, 10),
    },
  ];
  // The hospital's campaign-wide counters for what it issued above (3 × 100元).
  const counters = [{ campaignId: 'fission-exam', grants: 3, spentFen: 30_000 }];
  return { referrals, issued, counters };
}

/** An Error with the stable code of a refusal (the shape of the HTTP backend's BackendError). */
function refusal(status, code, message) {
  const error = new Error(message);
  error.name = 'BackendError';
  error.status = status;
  error.code = code;
  return error;
}

/** The core's refusal of a story's wording (layoutPoster's error), as the server answers it. */
function wordingRefusal(error) {
  const refused = refusal(422, error.code, error.message);
  if (error.matches) refused.matches = error.matches;
  if (error.path) refused.path = error.path;
  return refused;
}

/**
 * A stored story once the 'stories' consent is withdrawn (G9): pending and
 * approved ones are withdrawn (an approved one unpublished); every story
 * loses its words; a rejected one keeps its decision.
 */
function withoutConsent(entry, atMs) {
  const { title, story, ...kept } = entry;
  if (entry.status === 'pending' || entry.status === 'approved') return { ...kept, status: 'withdrawn', withdrawnAtMs: atMs };
  return kept;
}

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function byKey(name) {
  return (a, b) => (a[name] < b[name] ? -1 : a[name] > b[name] ? 1 : 0);
}

function requestToPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The demo patient's clinical moments staff recorded (recordClinicalMoment), oldest first: mayShowInvitePrompt's clinicalMoments. */
function demoMoments(byPatient) {
  return (byPatient?.[DEMO_PROFILE.patientId] ?? []).map(({ kind, atMs }) => ({ kind, atMs })).sort((a, b) => a.atMs - b.atMs || (a.kind < b.kind ? -1 : 1));
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
export function createOfflineBackend({ dbName = 'carecircle-demo', clock = () => Date.now(), simulatedFriend = false } = {}) {
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
        if (!upgrade.objectStoreNames.contains(STORE_REFERRALS)) upgrade.createObjectStore(STORE_REFERRALS, { keyPath: 'id' });
        if (!upgrade.objectStoreNames.contains(STORE_ISSUED)) upgrade.createObjectStore(STORE_ISSUED, { keyPath: 'grantKey' });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
  }

  // Seeds the demo data once, inside one transaction: two tabs opening the
  // demo at the same time cannot both seed. The check-in history and the
  // referral history have their own flags, so a database created by an older
  // version of the demo (check-ins only) gets its referrals on upgrade.
  function seedIfEmpty(database) {
    const tx = database.transaction([STORE_CHECKINS, STORE_META, STORE_REFERRALS, STORE_ISSUED], 'readwrite');
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
    const getReferrals = meta.get('seededReferrals');
    getReferrals.onsuccess = () => {
      if (getReferrals.result) return;
      const { referrals, issued, counters } = generateDemoReferrals(clock(), DEMO_PROFILE.patientId);
      const referralStore = tx.objectStore(STORE_REFERRALS);
      for (const record of referrals) referralStore.put(record);
      const issuedStore = tx.objectStore(STORE_ISSUED);
      for (const record of issued) issuedStore.put(record);
      meta.put({ name: 'counters', value: counters });
      meta.put({ name: 'seededReferrals', value: true, atMs: clock() });
    };
    return transactionDone(tx);
  }

  /** @type {Promise<object[]> | null} */
  let campaignsLoading = null;

  // The campaign configuration, fetched once per page (the service worker
  // keeps a copy for offline use). Passed to the core untouched, minus the
  // file's _comment (the core refuses unknown keys).
  // The console's campaigns, played here: versions, change control, the dry run
  // (offline-campaigns.js). What patients read is the live versions staff saved.
  const campaignsConsole = createOfflineCampaigns({ dbName, clock, loadBase: loadBaseCampaigns });
  function loadCampaigns() {
    return campaignsConsole.live();
  }

  function loadBaseCampaigns() {
    if (!campaignsLoading) {
      campaignsLoading = (async () => {
        const response = await fetch(CAMPAIGNS_URL, { credentials: 'same-origin' });
        if (!response.ok) throw new Error(`活动配置加载失败（HTTP ${response.status}）`);
        const { campaigns } = await response.json();
        if (!Array.isArray(campaigns)) throw new Error('活动配置格式不正确');
        return campaigns;
      })();
      campaignsLoading.catch(() => {
        campaignsLoading = null;
      });
    }
    return campaignsLoading.then((campaigns) => structuredClone(campaigns));
  }

  function database() {
    if (!db) throw new Error('offline backend: call init() first');
    return db;
  }

  // Other pages of the demo (same browser, same database) hear about a
  // friend who joined; created on first use, never for this page's own posts.
  /** @type {BroadcastChannel | null} */
  let changes = null;
  const changeListeners = new Set();
  function changesChannel() {
    if (!changes && typeof BroadcastChannel === 'function') {
      changes = new BroadcastChannel(`${dbName}:changes`);
      changes.onmessage = (event) => {
        for (const listener of changeListeners) {
          try {
            listener(event.data);
          } catch {
            // a broken listener must not break the others
          }
        }
      };
    }
    return changes;
  }

  /** The friends who joined with the demo patient's code on this device (meta 'joinedFriends'). */
  async function joinedFriends() {
    await backend.init();
    const tx = database().transaction(STORE_META, 'readonly');
    const stored = await requestToPromise(tx.objectStore(STORE_META).get('joinedFriends'));
    return stored ? structuredClone(stored.value) : [];
  }

  /** The referral facts (the referrals store) of the friends who joined on this device, by referral id. */
  async function deviceReferralFacts(friends) {
    if (friends.length === 0) return new Map();
    const store = database().transaction(STORE_REFERRALS, 'readonly').objectStore(STORE_REFERRALS);
    const rows = await Promise.all(friends.map((f) => requestToPromise(store.get(f.referralId))));
    return new Map(rows.filter(Boolean).map((r) => [r.id, r]));
  }

  // The hospital steps the desk records, as the referral facts' fields.
  const STEP_FIELDS = Object.freeze({
    registrationConfirmed: 'registrationConfirmedAtMs',
    arrivalConfirmed: 'arrivalConfirmedAtMs',
    conversionConfirmed: 'conversionConfirmedAtMs',
    admissionConfirmed: 'admissionConfirmedAtMs',
    dischargeConfirmed: 'dischargeConfirmedAtMs',
    complaint: 'complaintAtMs',
  });

  /** The device's friends as the hospital desk lists them (offline-events.js DeviceReferral). */
  async function deviceReferralsForDesk() {
    const friends = await joinedFriends();
    const facts = await deviceReferralFacts(friends);
    return friends.filter((f) => facts.has(f.referralId)).map((f) => {
      const r = facts.get(f.referralId);
      return {
        id: f.referralId,
        referrerId: DEMO_PROFILE.patientId,
        refereeId: f.refereeId,
        name: demoFriendName(f.refereeId),
        referrerName: DEMO_PROFILE.displayName,
        invitedAtMs: f.invitedAtMs,
        consent: f.shareProgress === true,
        events: Object.fromEntries(Object.entries(STEP_FIELDS).filter(([, field]) => r[field] > 0).map(([step, field]) => [step, r[field]])),
        recorded: structuredClone(f.recorded ?? {}),
      };
    });
  }

  /**
   * Writes the steps the desk recorded for the device's friends into their
   * referral facts, each once (as the server's UPDATE … WHERE column = 0; an
   * admission makes the friend an inpatient), with who recorded it; the other
   * pages of the demo hear of it.
   */
  async function recordDeviceSteps(steps) {
    await backend.init();
    const tx = database().transaction([STORE_META, STORE_REFERRALS], 'readwrite');
    const meta = tx.objectStore(STORE_META);
    const referrals = tx.objectStore(STORE_REFERRALS);
    const get = meta.get('joinedFriends');
    get.onsuccess = () => {
      const list = get.result ? get.result.value : [];
      for (const step of steps) {
        const field = STEP_FIELDS[step.event];
        const friend = list.find((f) => f.referralId === step.referralId);
        if (!field || !friend) continue;
        const row = referrals.get(step.referralId);
        row.onsuccess = () => {
          if (!row.result || row.result[field]) return;
          referrals.put({ ...row.result, [field]: step.atMs, ...(step.event === 'admissionConfirmed' ? { refereeIsInpatient: true } : {}) });
          friend.recorded = { ...(friend.recorded ?? {}), [step.event]: { recordedBy: step.recordedBy, recordedAtMs: step.recordedAtMs } };
          meta.put({ name: 'joinedFriends', value: list });
        };
      }
    };
    await transactionDone(tx);
    changesChannel()?.postMessage({ type: 'hospitalEvent', referralIds: [...new Set(steps.map((s) => s.referralId))] });
  }

  /** The staff calls made on this page (signInStaff): the demo's audit log, memory only. */
  const staffAudit = [];

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
      // defaults apply (JS never re-declares a default).
      return {
        checkIns: checkIns.map(({ deviceOnly, ...record }) => record),  // where a record is kept is not the core's input
        restDays: rest ? [...rest.value] : [],
        granted: granted.map(({ ruleId, fromDate, toDate }) => ({ ruleId, fromDate, toDate })),
      };
    },

    async saveCheckIn(record) {
      await backend.init();
      // G9: with 'rehabData' answered no, the check-in stays on this device
      // only (deviceOnly): the hospital's copy, which deleteCheckIns deletes,
      // does not get it.
      const deviceOnly = (await backend.getConsents()).some((c) => c.purpose === 'rehabData' && c.granted === false);
      const tx = database().transaction(STORE_CHECKINS, 'readwrite');
      const store = tx.objectStore(STORE_CHECKINS);
      const get = store.get(record.id);
      get.onsuccess = () => {
        if (!get.result) store.put({ ...structuredClone(record), ...(deviceOnly ? { deviceOnly: true } : {}) });
      };
      await transactionDone(tx);
    },

    /** Deletes the check-ins the hospital stored (not the device-only ones), as POST /me/check-ins/delete. */
    async deleteCheckIns() {
      await backend.init();
      const tx = database().transaction(STORE_CHECKINS, 'readwrite');
      const store = tx.objectStore(STORE_CHECKINS);
      let deleted = 0;
      const all = store.getAll();
      all.onsuccess = () => {
        for (const record of all.result) {
          if (record.deviceOnly) continue;
          store.delete(record.id);
          deleted += 1;
        }
      };
      await transactionDone(tx);
      return { deleted };
    },

    // The demo server's record of granted milestones: its issuance
    // (offline-issuance.js) calls it and removes it from the shell's object.
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

    async getEligibilityInputs() {
      await backend.init();
      const tx = database().transaction([STORE_REFERRALS, STORE_ISSUED, STORE_META], 'readonly');
      const [campaigns, referrals, issued, counters] = await Promise.all([
        loadCampaigns(),
        requestToPromise(tx.objectStore(STORE_REFERRALS).getAll()),
        requestToPromise(tx.objectStore(STORE_ISSUED).getAll()),
        requestToPromise(tx.objectStore(STORE_META).get('counters')),
      ]);
      // Each friend who shares their progress (G7) named as the referral tree
      // names them (the core masks the made-up name); the others stay unnamed,
      // as on the server.
      const demoGraph = generateDemoReferralGraph(clock(), DEMO_PROFILE.patientId);
      const sharing = new Set(demoGraph.records.filter((r) => r.consentToShareProgress === true).map((r) => r.refereeId));
      const names = new Map(demoGraph.patients.filter((p) => sharing.has(p.id)).map((p) => [p.id, p.name]));
      for (const f of await joinedFriends()) if (f.shareProgress === true) names.set(f.refereeId, demoFriendName(f.refereeId));
      return {
        campaigns,
        patient: { id: DEMO_PROFILE.patientId, isStaff: false, isCommunityMember: true },
        referrals: referrals
          .sort(byKey('id'))
          .map((r) => (r.referrerId === DEMO_PROFILE.patientId && names.has(r.refereeId) ? { ...r, refereeName: names.get(r.refereeId) } : r)),
        // Only the contract's keys: the core refuses unknown ones.
        issued: issued.sort(byKey('grantKey')).map(({ grantKey, campaignId, title, status, issuedAtMs, usedAtMs }) => ({
          grantKey,
          campaignId,
          title,
          status,
          issuedAtMs,
          ...(usedAtMs ? { usedAtMs } : {}),
        })),
        counters: counters ? structuredClone(counters.value) : [],
        // Monthly quota usage: the demo hospital has no other patients.
        pools: [],
      };
    },

    async issueRewards(grants) {
      await backend.init();
      const tx = database().transaction([STORE_ISSUED, STORE_META], 'readwrite');
      const store = tx.objectStore(STORE_ISSUED);
      const meta = tx.objectStore(STORE_META);
      const issuedAtMs = clock();
      const added = [];
      // Only what the core reported as issuable; the server's decision, not ours.
      const issuable = grants.filter((g) => g && g.state === 'issuable' && g.key && g.campaignId);
      for (const g of issuable) {
        const get = store.get(g.key);
        get.onsuccess = () => {
          if (get.result) return;  // idempotent by grant key
          store.put({
            grantKey: g.key,
            campaignId: g.campaignId,
            title: g.reward.title,
            valueFen: g.reward.valueFen,
            status: 'issued',
            issuedAtMs,
          });
          added.push(g);
        };
      }
      // The campaign-wide counters a hospital server keeps next to its book
      // of issued rewards (the core reads them for budgets).
      const getCounters = meta.get('counters');
      getCounters.onsuccess = () => {
        // Runs after the gets above (requests in one transaction complete in order).
        if (added.length === 0) return;
        const counters = getCounters.result ? getCounters.result.value : [];
        for (const g of added) {
          let counter = counters.find((c) => c.campaignId === g.campaignId);
          if (!counter) {
            counter = { campaignId: g.campaignId, grants: 0, spentFen: 0 };
            counters.push(counter);
          }
          counter.grants += 1;
          counter.spentFen += g.reward.valueFen * g.reward.quantity;
        }
        meta.put({ name: 'counters', value: counters });
      };
      await transactionDone(tx);
      return added.map((g) => g.key);
    },

    async getReferralGraph() {
      const graph = generateDemoReferralGraph(clock(), DEMO_PROFILE.patientId);
      // Friends who joined on this device: the same record format, a made-up
      // name derived from the opaque id (the core masks it), and the steps the
      // demo hospital's desk recorded for them, minimised as the server's
      // graph is: arrival and visit only for a friend who shares their progress (G7).
      const friends = await joinedFriends();
      const facts = await deviceReferralFacts(friends);
      for (const f of friends) {
        const r = facts.get(f.referralId);
        graph.records.push({
          id: f.referralId,
          referrerId: DEMO_PROFILE.patientId,
          refereeId: f.refereeId,
          invitedAtMs: f.invitedAtMs,
          registeredAtMs: r?.registrationConfirmedAtMs || f.registeredAtMs,
          consentToShareProgress: f.shareProgress,
          ...(r?.complaintAtMs ? { voidedAtMs: r.complaintAtMs } : {}),
          ...(f.shareProgress && r?.arrivalConfirmedAtMs ? { arrivedAtMs: r.arrivalConfirmedAtMs } : {}),
          ...(f.shareProgress && r?.conversionConfirmedAtMs ? { convertedAtMs: r.conversionConfirmedAtMs } : {}),
        });
        graph.patients.push({ id: f.refereeId, name: demoFriendName(f.refereeId), firstVisitAtMs: f.registeredAtMs });
      }
      return graph;
    },

    async getHospitalForest() {
      const { records, patients } = await generateDemoForestAsync(clock());
      return { records, patients };
    },

    async getCommunityReportInputs() {
      const report = generateDemoCommunity(clock());
      // G9: the demo patient, a member of 甲状腺术后康复群 (demo-g01), is not
      // counted once they withdrew the 'community' consent.
      const left = (await backend.getConsents()).some((c) => c.purpose === 'community' && c.granted === false);
      const own = report.groups.find((g) => g.id === 'demo-g01');
      if (left && own) own.memberCount = Math.max(0, own.memberCount - 1);
      return report;
    },

    async getReferralCode(core) {
      await backend.init();
      const tx = database().transaction(STORE_META, 'readwrite');
      const meta = tx.objectStore(STORE_META);
      let stored = null;
      let refused = null;
      // Made ONCE, inside the transaction that stores it: two tabs asking at
      // the same time cannot both make one (the second sees the first's).
      const get = meta.get('referralCode');
      get.onsuccess = () => {
        if (get.result) {
          stored = get.result.value;
          return;
        }
        const bytes = crypto.getRandomValues(new Uint8Array(16));
        const randomHex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
        const envelope = core.call('makeReferralCode', { randomHex });
        if (!envelope.ok) {
          refused = envelope.error;
          tx.abort();
          return;
        }
        stored = { code: envelope.value.code };
        meta.put({ name: 'referralCode', value: stored, atMs: clock() });
      };
      try {
        await transactionDone(tx);
      } catch (error) {
        throw refused ? new Error(refused.message) : error;
      }
      // The demo's join URL (this page) + ?c=, when the core accepts it as a link
      // base (https, or this machine's loopback address); otherwise the bare code.
      const linkBase = `${demoJoinUrl()}?c=`;
      const linked = core.call('checkReferralCode', { code: stored.code, linkBase });
      return { code: stored.code, ...(linked.ok ? { linkBase } : {}) };
    },

    /** The demo's own deployment configuration (web/backend/demo-deployment.js). */
    async getDeployment() {
      return demoDeployment();
    },

    /**
     * The demo server's counter code of one issued voucher (as GET
     * /me/vouchers/counter-code): random, valid 90 s, a fresh one when less
     * than 30 s are left; used or void vouchers have none.
     */
    async getCounterCode(grantKey) {
      await backend.init();
      const tx = database().transaction([STORE_ISSUED, STORE_META], 'readwrite');
      const issuedAt = clock();
      const [row, stored] = await Promise.all([
        requestToPromise(tx.objectStore(STORE_ISSUED).get(String(grantKey))),
        requestToPromise(tx.objectStore(STORE_META).get('counterCodes')),
      ]);
      if (!row) throw refusal(404, 'voucher.not_found', '没有找到这张券');
      if (row.status !== 'issued') {
        await transactionDone(tx);
        return { grantKey, status: row.status, usedAtMs: row.usedAtMs ?? null, code: null, display: null, qrPayload: null, expiresAtMs: null, refreshAfterMs: null };
      }
      const live = (stored ? stored.value : []).filter((c) => c.expiresAtMs > issuedAt);
      let current = live.find((c) => c.grantKey === grantKey && c.expiresAtMs > issuedAt + DEMO_COUNTER_MIN_LEFT_MS);
      if (!current) {
        const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
        const code = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => alphabet[b & 31]).join('');
        current = { code, grantKey, issuedAtMs: issuedAt, expiresAtMs: issuedAt + DEMO_COUNTER_TTL_MS };
        live.push(current);
      }
      tx.objectStore(STORE_META).put({ name: 'counterCodes', value: live, atMs: issuedAt });
      await transactionDone(tx);
      return {
        grantKey,
        status: 'issued',
        usedAtMs: null,
        code: current.code,
        display: `${current.code.slice(0, 4)}-${current.code.slice(4)}`,
        qrPayload: `CCV1:${current.code}`,
        expiresAtMs: current.expiresAtMs,
        refreshAfterMs: current.expiresAtMs - DEMO_COUNTER_MIN_LEFT_MS,
      };
    },

    /** The demo's staff redeem the voucher a counter code stands for, once (as POST /staff/vouchers/counter-redeem). */
    async redeemCounterCode(counterCode) {
      await backend.init();
      const text = String(counterCode ?? '').trim().toUpperCase().replace(/^CCV1:/, '').replace(/[\s\-－]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
      if (!/^[0-9A-HJKMNP-TV-Z]{8}$/.test(text)) throw refusal(422, 'counter.bad_code', '核销码应为8位数字和字母，请核对后重新输入');
      const tx = database().transaction([STORE_ISSUED, STORE_META], 'readwrite');
      const nowMs = clock();
      const stored = await requestToPromise(tx.objectStore(STORE_META).get('counterCodes'));
      const found = (stored ? stored.value : []).find((c) => c.code === text);
      if (!found) {
        tx.abort();
        throw refusal(404, 'counter.unknown_code', '没有找到这个核销码，请患者刷新后再出示');
      }
      if (found.expiresAtMs <= nowMs) {
        tx.abort();
        throw refusal(410, 'counter.expired', '核销码已过期，请患者刷新后再出示');
      }
      const row = await requestToPromise(tx.objectStore(STORE_ISSUED).get(found.grantKey));
      if (!row || row.status !== 'issued') {
        tx.abort();
        throw refusal(409, 'voucher.already_used', '这张券已经使用过了');
      }
      tx.objectStore(STORE_ISSUED).put({ ...row, status: 'used', usedAtMs: nowMs });
      tx.objectStore(STORE_META).put({ name: 'counterCodes', value: stored.value.filter((c) => c.grantKey !== found.grantKey), atMs: nowMs });
      await transactionDone(tx);
      return { grantKey: found.grantKey, title: row.title, usedAtMs: nowMs };
    },

    async lookupReferralCode(code, core) {
      const checked = core.call('checkReferralCode', { code });
      if (!checked.ok) throw refusal(422, checked.error.code, checked.error.message);
      const own = await backend.getReferralCode(core);
      if (checked.value.code !== own.code) throw refusal(404, 'referral.unknown_code', UNKNOWN_CODE);
      // The demo patient's code: in the demo, whoever holds it is the simulated friend.
      // On the simulated friend's phone the code is someone else's; anywhere else it is the demo patient's own.
      return { code: checked.value.code, display: checked.value.display, referrerName: DEMO_PROFILE.displayName, ownCode: !simulatedFriend };
    },

    async claimReferral({ code, channel, token, shareProgress, key }, core) {
      if (typeof key !== 'string' || key.length < 16) throw new TypeError('claimReferral: an idempotency key is required');
      if (typeof shareProgress !== 'boolean') throw new TypeError('claimReferral: shareProgress must be a boolean');
      // The client is advisory: the demo "server" checks the code with the core again.
      const checked = core.call('checkReferralCode', { code });
      if (!checked.ok) throw refusal(422, checked.error.code, checked.error.message);
      const own = await backend.getReferralCode(core);
      if (checked.value.code !== own.code) throw refusal(404, 'referral.unknown_code', UNKNOWN_CODE);
      if (!simulatedFriend) {
        // The signed-in demo patient claims: the core's graph check on the
        // proposed record (their own code is a self-referral), as the server's
        // schema refuses it; nothing is recorded.
        const graph = await backend.getReferralGraph();
        const proposed = { id: 'claim', referrerId: DEMO_PROFILE.patientId, refereeId: DEMO_PROFILE.patientId, invitedAtMs: clock() };
        const analysis = core.call('analyzeReferrals', { nowMs: clock(), records: [...graph.records, proposed] });
        const issue = analysis.ok ? analysis.value.issues.find((i) => i.recordIds.includes('claim')) : null;
        if (!analysis.ok || issue) {
          const code = issue ? issue.code : analysis.error.code;
          throw refusal(409, code, code === 'referral.self_referral' ? '不能使用自己的推荐码' : describeClaimIssue(issue, analysis));
        }
      }
      // The channel the core finds proven (a letter or card only with its issued token), as the server records it.
      const via = await channels.resolveClaim({ code: checked.value.code, channel, token }, core);
      await backend.init();
      const tx = database().transaction([STORE_META, STORE_REFERRALS], 'readwrite');
      const meta = tx.objectStore(STORE_META);
      let result = null;
      let fresh = false;
      const get = meta.get('joinedFriends');
      get.onsuccess = () => {
        const list = get.result ? get.result.value : [];
        const earlier = list.find((f) => f.key === key);
        if (earlier) {
          // The same claim delivered again: the same friend, nothing twice.
          result = { status: 'done', referralId: earlier.referralId, invitedAtMs: earlier.invitedAtMs };
          return;
        }
        const atMs = clock();
        const friend = {
          key,
          referralId: `demo-rf-j${randomHex(6)}`,
          refereeId: `demo-pt-j${randomHex(6)}`,
          channel: via.channel,
          invitedAtMs: atMs,
          // The demo plays the hospital: the new patient's file (建档) is confirmed now.
          registeredAtMs: atMs,
          shareProgress,
        };
        list.push(friend);
        meta.put({ name: 'joinedFriends', value: list });
        // The same referral as the wallet's eligibility facts (G2: a confirmed registration).
        tx.objectStore(STORE_REFERRALS).put({
          id: friend.referralId,
          referrerId: DEMO_PROFILE.patientId,
          refereeId: friend.refereeId,
          level: 1,
          channel: friend.channel,
          refereeIsNewPatient: true,
          refereeIsInpatient: false,
          referrerIsMember: true,
          registrationConfirmedAtMs: atMs,
          arrivalConfirmedAtMs: 0,
          conversionConfirmedAtMs: 0,
          admissionConfirmedAtMs: 0,
          dischargeConfirmedAtMs: 0,
          complaintAtMs: 0,
        });
        result = { status: 'done', referralId: friend.referralId, invitedAtMs: atMs };
        fresh = true;
      };
      await transactionDone(tx);
      if (fresh) await channels.spendClaimToken(via, result.referralId);
      if (fresh) changesChannel()?.postMessage({ type: 'referralClaimed', referralId: result.referralId });
      return result;
    },

    /**
     * Beyond the interface: calls `listener` when another page of the demo
     * changed the shared data (a friend joined). Returns an unsubscribe function.
     * @param {(change: {type: string}) => void} listener
     */
    onRemoteChange(listener) {
      changesChannel();
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },

    // Consents (G9): the patient's answers, one per purpose, in the meta
    // store (no personal data: a purpose name, a boolean, an instant).
    async getConsents() {
      await backend.init();
      const tx = database().transaction(STORE_META, 'readonly');
      const stored = await requestToPromise(tx.objectStore(STORE_META).get('consents'));
      return stored ? structuredClone(stored.value) : [];
    },

    async setConsent(purpose, granted) {
      if (!CONSENT_PURPOSES.includes(purpose)) throw new TypeError(`unknown consent purpose: ${purpose}`);
      if (typeof granted !== 'boolean') throw new TypeError('granted must be a boolean');
      await backend.init();
      const tx = database().transaction(STORE_META, 'readwrite');
      const meta = tx.objectStore(STORE_META);
      const consent = { purpose, granted, updatedAtMs: clock() };
      const get = meta.get('consents');
      get.onsuccess = () => {
        const list = (get.result?.value ?? []).filter((c) => c.purpose !== purpose);
        list.push(consent);
        list.sort((a, b) => CONSENT_PURPOSES.indexOf(a.purpose) - CONSENT_PURPOSES.indexOf(b.purpose));
        meta.put({ name: 'consents', value: list });
      };
      if (purpose === 'stories' && !granted) {
        // G9: withdrawn, a pending or approved story is not (or no longer) published:
        // withdrawn; every story's words are deleted.
        const stories = meta.get('stories');
        stories.onsuccess = () => {
          const list = stories.result?.value ?? [];
          if (!list.some((st) => st.title !== undefined)) return;  // nothing left to withdraw or delete
          meta.put({ name: 'stories', value: list.map((st) => withoutConsent(st, consent.updatedAtMs)) });
        };
      }
      await transactionDone(tx);
      return { ...consent };
    },

    async submitStory({ title, story, key }, core) {
      if (typeof key !== 'string' || key.length < 16) throw new TypeError('submitStory: an idempotency key is required');
      if (typeof title !== 'string' || typeof story !== 'string') throw new TypeError('submitStory: title and story must be strings');
      // The client is advisory: the demo "server" checks the wording with the core again.
      const checked = core.call('layoutPoster', { template: 'storyPoster', data: { title, story } });
      if (!checked.ok) throw wordingRefusal(checked.error);
      await backend.init();
      const tx = database().transaction(STORE_META, 'readwrite');
      const meta = tx.objectStore(STORE_META);
      let result = null;
      const consents = meta.get('consents');
      const stored = meta.get('stories');
      stored.onsuccess = () => {
        const list = stored.result?.value ?? [];
        const earlier = list.find((st) => st.key === key);
        if (earlier) {
          // The same submission delivered again: its first answer, nothing twice.
          result = { status: 'pending', storyId: earlier.id, submittedAtMs: earlier.submittedAtMs, local: true };
          return;
        }
        if (!(consents.result?.value ?? []).some((c) => c.purpose === 'stories' && c.granted)) return;
        const entry = { key, id: `demo-st-${randomHex(6)}`, title, story, status: 'pending', submittedAtMs: clock() };
        list.push(entry);
        meta.put({ name: 'stories', value: list });
        result = { status: 'pending', storyId: entry.id, submittedAtMs: entry.submittedAtMs, local: true };
      };
      await transactionDone(tx);
      if (!result) throw refusal(409, 'story.consent_required', STORY_CONSENT_REQUIRED);
      return result;
    },

    async getPendingStories() {
      await backend.init();
      const tx = database().transaction(STORE_META, 'readonly');
      const stored = await requestToPromise(tx.objectStore(STORE_META).get('stories'));
      return (stored?.value ?? [])
        .filter((st) => st.status === 'pending')
        .sort((a, b) => a.submittedAtMs - b.submittedAtMs || (a.id < b.id ? -1 : 1))
        .map((st) => ({ id: st.id, authorName: DEMO_PROFILE.displayName, title: st.title, story: st.story, submittedAtMs: st.submittedAtMs }));
    },

    async decideStory({ storyId, decision, reason, key }, core) {
      if (typeof key !== 'string' || key.length < 16) throw new TypeError('decideStory: an idempotency key is required');
      // The server's refusals of a bad body (request.bad_body), the same rules.
      if (decision !== 'approve' && decision !== 'reject') {
        throw refusal(400, 'request.bad_body', 'decision 应为 approve（通过）或 reject（退回）');
      }
      if (decision === 'reject' && !STORY_REJECT_REASONS.includes(reason)) {
        throw refusal(400, 'request.bad_body', `退回需要选择原因 reason：${STORY_REJECT_REASONS.join(' / ')}`);
      }
      if (decision === 'approve' && reason !== undefined) throw refusal(400, 'request.bad_body', '通过时不填退回原因 reason');
      await backend.init();
      // One transaction: the status is read and changed together, so a second
      // decision or a consent withdrawal (another tab) sees this one's result.
      const tx = database().transaction(STORE_META, 'readwrite');
      const meta = tx.objectStore(STORE_META);
      let result = null;
      let refused = null;
      const stored = meta.get('stories');
      stored.onsuccess = () => {
        const list = stored.result?.value ?? [];
        const entry = list.find((st) => st.id === storyId);
        if (!entry) {
          refused = refusal(404, 'story.not_found', '没有找到这篇故事');
          return;
        }
        const answer = () => ({
          storyId: entry.id,
          status: entry.reason ? 'rejected' : 'approved',
          decidedAtMs: entry.decidedAtMs,
          ...(entry.reason ? { reason: entry.reason } : {}),
        });
        if (entry.decisionKey === key) {
          // The same decision delivered again: its first answer.
          result = answer();
          return;
        }
        if (entry.status !== 'pending') {
          refused = refusal(409, 'story.not_pending', STORY_NOT_PENDING[entry.status] ?? '这篇故事已不在待审核列表中');
          return;
        }
        if (decision === 'approve') {
          // The demo plays the server: the stored words pass the core's wording check again (G11).
          const checked = core.call('layoutPoster', { template: 'storyPoster', data: { title: entry.title, story: entry.story } });
          if (!checked.ok) {
            refused = wordingRefusal(checked.error);
            return;
          }
        }
        entry.status = decision === 'approve' ? 'approved' : 'rejected';
        entry.decidedAtMs = clock();
        entry.decisionKey = key;
        if (decision === 'reject') entry.reason = reason;
        meta.put({ name: 'stories', value: list });
        result = answer();
      };
      await transactionDone(tx);
      if (refused) throw refused;
      return result;
    },

    async getMyStories() {
      await backend.init();
      const tx = database().transaction(STORE_META, 'readonly');
      const stored = await requestToPromise(tx.objectStore(STORE_META).get('stories'));
      return (stored?.value ?? [])
        .slice()
        .sort((a, b) => b.submittedAtMs - a.submittedAtMs || (a.id < b.id ? 1 : -1))
        .map((st) => ({
          id: st.id,
          ...(st.title !== undefined ? { title: st.title } : {}),
          status: st.status,
          submittedAtMs: st.submittedAtMs,
          ...(st.decidedAtMs !== undefined ? { decidedAtMs: st.decidedAtMs } : {}),
          ...(st.withdrawnAtMs !== undefined ? { withdrawnAtMs: st.withdrawnAtMs } : {}),
          ...(st.reason ? { reason: st.reason } : {}),
        }));
    },

    async getCommunityStories({ before } = {}) {
      let after = null;
      if (before !== undefined) {
        after = readStoryCursor(before);
        if (!after) throw refusal(400, 'request.bad_query', BAD_STORY_CURSOR);
      }
      await backend.init();
      if ((await backend.getConsents()).some((c) => c.purpose === 'community' && c.granted === false)) {
        throw refusal(403, 'community.consent_withdrawn', COMMUNITY_CONSENT_WITHDRAWN);
      }
      const tx = database().transaction(STORE_META, 'readonly');
      const stored = await requestToPromise(tx.objectStore(STORE_META).get('stories'));
      // The demo patient is a member of the demo community: the synthetic
      // members' stories and their own approved ones (withdrawn ones have no words).
      const own = (stored?.value ?? [])
        .filter((st) => st.status === 'approved' && st.title !== undefined)
        .map((st) => ({
          id: st.id,
          title: st.title,
          story: st.story,
          author: DEMO_PROFILE.displayName,
          approvedAtMs: st.decidedAtMs,
          mine: true,
        }));
      const all = [...generateDemoCommunityStories(clock()).map((st) => ({ ...st, mine: false })), ...own].sort(newestFirst);
      const start = after ? all.findIndex((st) => newestFirst(st, after) > 0) : 0;
      const rest = start < 0 ? [] : all.slice(start);
      const stories = rest.slice(0, COMMUNITY_STORIES_PAGE);
      return {
        stories,
        ...(rest.length > COMMUNITY_STORIES_PAGE ? { nextCursor: storyCursor(stories[stories.length - 1]) } : {}),
      };
    },

    async getPromptHistory() {
      await backend.init();
      const tx = database().transaction(STORE_META, 'readonly');
      const [stored, moments] = await Promise.all(['promptsShown', 'clinicalMoments'].map((name) => requestToPromise(tx.objectStore(STORE_META).get(name))));
      return { shownAtMs: (stored?.value ?? []).map((p) => p.atMs).sort((a, b) => a - b), clinicalMoments: demoMoments(moments?.value) };
    },

    async recordPromptShown({ moment, key }, core) {
      if (typeof key !== 'string' || key.length < 16) throw new TypeError('recordPromptShown: an idempotency key is required');
      if (moment !== 'checkInDone') throw new TypeError(`recordPromptShown: unknown moment ${moment}`);
      await backend.init();
      const tx = database().transaction(STORE_META, 'readwrite');
      const meta = tx.objectStore(STORE_META);
      let result = null;
      let refused = null;
      const consents = meta.get('consents');
      const moments = meta.get('clinicalMoments');  // staff-recorded admissions, discharges… (recordClinicalMoment)
      const stored = meta.get('promptsShown');
      stored.onsuccess = () => {
        const list = stored.result?.value ?? [];
        const earlier = list.find((p) => p.key === key);
        if (earlier) {
          result = { shownAtMs: earlier.atMs };
          return;
        }
        // The demo plays the server: the core decides on the stored history and opt-out.
        const nowMs = clock();
        const envelope = core.call('mayShowInvitePrompt',
          invitePromptRequest(nowMs, list.map((p) => p.atMs), consents.result?.value ?? [], demoMoments(moments.result?.value)));
        if (!envelope.ok) {
          refused = refusal(422, envelope.error.code, envelope.error.message);
          return;
        }
        if (!envelope.value.allowed) {
          const [first] = envelope.value.reasons;
          refused = refusal(409, first.code, first.message);
          return;
        }
        list.push({ key, atMs: nowMs, moment });
        meta.put({ name: 'promptsShown', value: list });
        result = { shownAtMs: nowMs };
      };
      await transactionDone(tx);
      if (refused) throw refused;
      return result;
    },

    /**
     * Beyond the interface: the demo's staff sign-in (演示账号), one synthetic
     * account per role. Resolves with the session as the server describes it
     * and a backend that offers only the role's staff methods, each call
     * written to this page's audit log (memory only) — the demo plays the
     * server's policy and audit.
     * @param {import('./staff-roles.js').StaffRole} role
     */
    async signInStaff(role) {
      if (!isStaffRole(role)) throw refusal(400, 'request.bad_body', '没有这个岗位');
      const { label, screens, methods } = STAFF_ROLES[role];
      const actorId = `demo-staff-${role}`;
      // The server's clock (the demo's), which the workbench reads like every screen.
      const view = { now: () => backend.now() };
      // The roles that read the job runs may also start the demo's issuance now
      // (计划任务 › 立即运行奖励发放: the schedule's tick on demand, as on the server's job runner).
      const runsJobs = methods.includes('getStaffJobs');
      const allowed = runsJobs ? [...methods, 'runIssuanceNow'] : methods;
      for (const name of runsJobs ? [...STAFF_METHODS, 'runIssuanceNow'] : STAFF_METHODS) {
        view[name] = async (...args) => {
          const receivedAtMs = clock();
          const target = args[0]?.storyId ?? null;
          const entry = { id: String(staffAudit.length + 1), receivedAtMs, actorId, role, demo: true, method: 'CALL', route: name, operation: name, target, address: '本机', status: 200, outcome: 'ok' };
          if (!allowed.includes(name)) {
            staffAudit.push({ ...entry, status: 403, outcome: 'denied', errorCode: 'auth.role_forbidden' });
            throw refusal(403, 'auth.role_forbidden', `${label}岗位不能进行这项操作`);
          }
          try {
            const result = name === 'getStaffAudit' ? { entries: staffAudit.slice().reverse(), next: null } : await backend[name](...args);
            staffAudit.push(entry);
            return result;
          } catch (error) {
            staffAudit.push({ ...entry, status: error?.status ?? 500, outcome: error?.status && error.status < 500 ? 'rejected' : 'failed' });
            throw error;
          }
        };
      }
      return { patientId: actorId, role, roleLabel: label, staff: true, screens: [...screens], demo: true, backend: Object.freeze(view) };
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
      await backend.wipeIntake?.();
      await campaignsConsole.wipe();
      changes?.close();
      changes = null;
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

  // Letters' and cards' tokens, the saved KOC result (offline-channels.js).
  const channels = createOfflineChannels({
    database,
    init: () => backend.init(),
    clock,
    refusal,
    demoPatientId: DEMO_PROFILE.patientId,
    demoDisplayName: DEMO_PROFILE.displayName,
    ownCode: (core) => backend.getReferralCode(core),
  });
  for (const name of ['getChannelTokens', 'getDischargeCards', 'issueDischargeCard', 'saveKocAssessment', 'recordClinicalMoment']) backend[name] = channels[name];

  // The hospital desk's staff calls, played by this demo (offline-events.js):
  // rest days live in this database's meta store, redemptions are its used vouchers.
  Object.assign(
    backend,
    createOfflineHospitalDesk({
      dbName,
      clock,
      demoPatientId: DEMO_PROFILE.patientId,
      getStreakInputs: () => backend.getStreakInputs(),
      // The friends who joined on this device: listed on the desk, their steps written to this database.
      deviceReferrals: { list: deviceReferralsForDesk, record: recordDeviceSteps },
      restDays: {
        async read() {
          await backend.init();
          const row = await requestToPromise(database().transaction(STORE_META, 'readonly').objectStore(STORE_META).get('restDays'));
          return row ? [...row.value] : [];
        },
        async write(days) {
          await backend.init();
          const tx = database().transaction(STORE_META, 'readwrite');
          tx.objectStore(STORE_META).put({ name: 'restDays', value: days });
          await transactionDone(tx);
        },
      },
      async getRedemptions() {
        await backend.init();
        const rows = await requestToPromise(database().transaction(STORE_ISSUED, 'readonly').objectStore(STORE_ISSUED).getAll());
        return rows
          .filter((r) => r.status === 'used' && r.usedAtMs)
          .map((r) => ({ redeemedAtMs: r.usedAtMs, title: r.title, valueFen: r.valueFen ?? 0, campaignId: r.campaignId, patientName: DEMO_PROFILE.displayName, redeemedBy: 'demo-staff' }));
      },
    }),
  );

  // The group-message intake and the story-officer programme, played here (./offline-intake.js).
  Object.assign(backend, createOfflineIntake({ dbName, clock, backend }));

  // The community console: member lists, report trend, referral quality, risk flags (./offline-community.js).
  Object.assign(
    backend,
    createOfflineCommunity({
      clock,
      refusal,
      communityWithdrawn: async () => (await backend.getConsents()).some((c) => c.purpose === 'community' && c.granted === false),
      reportInputs: () => backend.getCommunityReportInputs(),
      demoMember: { id: DEMO_PROFILE.patientId, displayName: DEMO_PROFILE.displayName },
      meta: {
        async read(name) {
          await backend.init();
          const row = await requestToPromise(database().transaction(STORE_META, 'readonly').objectStore(STORE_META).get(name));
          return row ? row.value : null;
        },
        async write(name, value) {
          await backend.init();
          const tx = database().transaction(STORE_META, 'readwrite');
          tx.objectStore(STORE_META).put({ name, value });
          await transactionDone(tx);
        },
      },
    }),
  );

  // The server's scheduled issuance and the inbox, played by the demo on its clock (offline-issuance.js).
  attachOfflineIssuance(backend, { database, init: () => backend.init(), clock, patientId: DEMO_PROFILE.patientId, stores: { issued: STORE_ISSUED, meta: STORE_META } });

  // The console's campaigns (offline-campaigns.js): the list, saves under change control, the dry run.
  for (const name of ['getCampaigns', 'saveCampaign', 'dryRunCampaign']) backend[name] = campaignsConsole[name].bind(campaignsConsole);

  // Methods given the core await its poster and staff modules first (./offline-core-modules.js).
  return assertBackend(withCoreModules(backend));
}
