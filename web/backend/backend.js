// The ONE backend interface of the CareCircle web shell.
//
// Every backend — the offline demo (IndexedDB, ./offline.js), the HTTP backend
// of a hospital, the WeChat mini-program web-view bridge — implements exactly
// this shape. The shell never knows which one it talks to.
//
// A backend stores and returns data; it holds no rule. Streaks, make-up
// allowances, milestones and every default are decided by the C++ core (via
// ../core.js): a backend never fills in a config default, never decides
// whether a day counts and never computes a reward.
//
// Types below are the JSON shapes of docs/api/streak.md.

/**
 * @typedef {'server' | 'device'} ClockSource
 *   'server': nowMs is server time (corrected by the skew measured at the last
 *   sync). 'device': the device clock, untrusted — the offline demo; the UI
 *   marks it as 本机时间.
 */

/**
 * @typedef {object} Now
 * @property {number} nowMs  Unix epoch milliseconds (UTC).
 * @property {ClockSource} clock
 */

/**
 * @typedef {object} CommunityInfo
 * @property {string} name          Community name, e.g. 甲状腺术后康复群.
 * @property {string} actionTitle   Today's rehab action, e.g. 颈部康复操.
 * @property {string[]} actionSteps Short, neutral instructions (no efficacy claims, G11).
 */

/**
 * @typedef {object} Profile
 * @property {string} patientId     Opaque id; never a name or phone number.
 * @property {string} displayName   Already masked for display (王*).
 * @property {boolean} demo         true for synthetic demo data (UI shows 演示数据).
 * @property {CommunityInfo} community
 */

/**
 * @typedef {object} CheckInRecord
 * @property {string} id         Unique per check-in (crypto.randomUUID()).
 * @property {string} patientId
 * @property {number} atMs       When it was recorded, epoch ms UTC.
 * @property {number} seq        Per-device sequence number (nextSeq()).
 * @property {'normal' | 'makeUp'} kind
 * @property {string} [forDate]  makeUp only: the missed day, YYYY-MM-DD.
 */

/**
 * @typedef {object} GrantedMilestone
 * @property {string} ruleId
 * @property {string} fromDate   YYYY-MM-DD, inclusive.
 * @property {string} toDate     YYYY-MM-DD, inclusive.
 */

/**
 * @typedef {object} StreakInputs
 *   Everything the core needs besides now / patientId / viewMonth. Keys the
 *   backend does not know are OMITTED (never filled with a guessed default):
 *   the core's C++ defaults apply.
 * @property {string} [startDate]           Enrolment day, YYYY-MM-DD.
 * @property {object} [config]              Programme configuration from the server, passed through untouched.
 * @property {CheckInRecord[]} checkIns     The patient's whole stored history.
 * @property {string[]} restDays            Doctor-approved rest days, YYYY-MM-DD.
 * @property {GrantedMilestone[]} granted   Milestones already issued.
 */

/**
 * @typedef {object} MilestoneFromCore
 *   A milestone as the core reports it (reply `milestones[]`).
 * @property {string} ruleId
 * @property {string} key        Idempotency key "<ruleId>@<fromDate>".
 * @property {string} fromDate
 * @property {string} toDate
 * @property {'granted' | 'new'} state
 * @property {string} rewardTitle
 * @property {number} rewardValueFen
 */

/**
 * @interface Backend
 */
export class Backend {
  /**
   * Opens storage / connections. Idempotent; call once before anything else.
   * @returns {Promise<void>}
   */
  async init() {
    throw new Error('not implemented');
  }

  /**
   * The trusted "now" to pass to the core, and where it came from.
   * @returns {Now}
   */
  now() {
    throw new Error('not implemented');
  }

  /**
   * The signed-in patient and their community's rehab action.
   * @returns {Promise<Profile>}
   */
  async getProfile() {
    throw new Error('not implemented');
  }

  /**
   * The inputs of evaluateStreak / recordCheckIn for the signed-in patient.
   * @returns {Promise<StreakInputs>}
   */
  async getStreakInputs() {
    throw new Error('not implemented');
  }

  /**
   * Stores one check-in the core accepted (outcome 'accepted'). Idempotent by
   * record.id: storing the same record twice keeps one.
   * @param {CheckInRecord} record
   * @returns {Promise<void>}
   */
  // eslint-disable-next-line no-unused-vars
  async saveCheckIn(record) {
    throw new Error('not implemented');
  }

  /**
   * Issues / persists milestones the core reported with state 'new'.
   * Idempotent by milestone.key: a key already stored is left as it is.
   * @param {MilestoneFromCore[]} milestones
   * @returns {Promise<void>}
   */
  // eslint-disable-next-line no-unused-vars
  async saveGranted(milestones) {
    throw new Error('not implemented');
  }

  /**
   * The next per-device sequence number: strictly increasing, persisted, so it
   * survives reloads (a tie-breaker for offline check-ins, never a rule).
   * @returns {Promise<number>}
   */
  async nextSeq() {
    throw new Error('not implemented');
  }

  /**
   * Logout: deletes everything this backend stored on the device (G19).
   * @returns {Promise<void>}
   */
  async wipe() {
    throw new Error('not implemented');
  }
}

/** Names of the interface's methods, for conformance checks in tests. */
export const BACKEND_METHODS = Object.freeze([
  'init',
  'now',
  'getProfile',
  'getStreakInputs',
  'saveCheckIn',
  'saveGranted',
  'nextSeq',
  'wipe',
]);

/**
 * Throws unless `backend` has every method of the interface.
 * @param {object} backend
 * @returns {Backend}
 */
export function assertBackend(backend) {
  const missing = BACKEND_METHODS.filter((name) => typeof backend?.[name] !== 'function');
  if (missing.length > 0) throw new TypeError(`backend is missing: ${missing.join(', ')}`);
  return /** @type {Backend} */ (backend);
}
