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
// Types below are the JSON shapes of docs/api/streak.md,
// docs/api/eligibility.md, docs/api/referral.md and docs/api/community.md.

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
 * @property {string} [referralCode] The patient's own referral code, when the server has made one
 *                                  (otherwise see getReferralCode).
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
 * @typedef {object} PatientFacts
 * @property {string} id                  Opaque patient id (Profile.patientId).
 * @property {boolean} isStaff            Staff and doctors never benefit (G15).
 * @property {boolean} isCommunityMember  Member of a disease community.
 */

/**
 * @typedef {object} ReferralRecord
 *   One referral where the patient is referrer or referee, as the hospital's
 *   server knows it. Only server-confirmed hospital events (G2); instants are
 *   epoch ms, 0 = not (yet) confirmed. Ids are opaque: no name, phone or
 *   diagnosis of anyone is part of it (G8, G19).
 * @property {string} id
 * @property {string} referrerId
 * @property {string} refereeId
 * @property {number} level                     1 = direct referral.
 * @property {string} channel                   "code", "link", "dischargeCard", "letter", …
 * @property {boolean} refereeIsNewPatient
 * @property {boolean} refereeIsInpatient
 * @property {boolean} referrerIsMember
 * @property {number} registrationConfirmedAtMs
 * @property {number} arrivalConfirmedAtMs
 * @property {number} conversionConfirmedAtMs
 * @property {number} admissionConfirmedAtMs
 * @property {number} dischargeConfirmedAtMs
 * @property {number} complaintAtMs
 */

/**
 * @typedef {object} IssuedReward
 *   A reward the server has issued, by the grant key the core reported.
 * @property {string} grantKey
 * @property {string} campaignId
 * @property {string} title         Snapshot at issue.
 * @property {'issued' | 'used' | 'void'} status
 * @property {number} issuedAtMs
 * @property {number} [usedAtMs]    Present once used.
 */

/**
 * @typedef {object} CampaignCounter
 * @property {string} campaignId
 * @property {number} grants    Grants issued campaign-wide (server counter).
 * @property {number} spentFen  Value issued campaign-wide, integer fen.
 */

/**
 * @typedef {object} PoolCounter
 * @property {string} campaignId
 * @property {string} poolId
 * @property {string} month     YYYY-MM.
 * @property {number} used      From the server's atomic counter (no fake scarcity, G13).
 */

/**
 * @typedef {object} EligibilityInputs
 *   Everything evaluateEligibility needs besides nowMs and the streak's
 *   milestones. Passed to the core as is; keys the backend does not know are
 *   omitted, never guessed.
 * @property {object[]} campaigns            Campaign configuration (docs/schema/campaign.schema.json), untouched.
 * @property {PatientFacts} patient
 * @property {ReferralRecord[]} referrals
 * @property {IssuedReward[]} issued
 * @property {CampaignCounter[]} counters
 * @property {PoolCounter[]} pools
 */

/**
 * @typedef {object} IssuableGrant
 *   A grant exactly as the core reported it in evaluateEligibility's
 *   `campaigns[].grants[]` with `state: "issuable"`, plus the `campaignId` of
 *   the campaigns[] entry it came from.
 * @property {string} campaignId
 * @property {string} key        Idempotency key of the grant.
 * @property {'issuable'} state
 * @property {{id: string, type: string, title: string, valueFen: number, quantity: number, validDays: number}} reward
 */

/**
 * @typedef {object} ReferralGraphRecord
 *   One referral as the referral module reads it (docs/api/referral.md): the
 *   flat list a hospital server keeps. Instants are epoch ms; an absent step
 *   is not (yet) confirmed.
 * @property {string} id
 * @property {string} referrerId
 * @property {string} refereeId
 * @property {number} invitedAtMs
 * @property {number} [registeredAtMs]          建档
 * @property {number} [arrivedAtMs]             到院
 * @property {number} [convertedAtMs]           成交
 * @property {number} [vestedAtMs]              reward vested (after the quality hold)
 * @property {number} [voidedAtMs]              complaint
 * @property {boolean} [consentToShareProgress] G7: the referee lets the referrer see detailed stages
 * @property {string} [rewardTitle]             e.g. "200元健康金"
 */

/**
 * @typedef {object} ReferralPatient
 *   A patient named in referral records. The full name is an input of the
 *   core only: it masks it (李*芳) and never returns it.
 * @property {string} id
 * @property {string} [name]
 * @property {number} [firstVisitAtMs]
 */

/**
 * @typedef {object} ReferralGraphInputs
 *   The request fields of myReferralTree / layoutForest / analyzeReferrals
 *   besides nowMs, patientId and the drawing options.
 * @property {ReferralGraphRecord[]} records
 * @property {ReferralPatient[]} patients
 */

/**
 * @typedef {object} CommunityReportInputs
 *   The request of communityHealthReport (docs/api/community.md) minus the
 *   configuration (absent: the core's defaults apply).
 * @property {string} month   YYYY-MM
 * @property {object[]} groups  {id, name, memberCount, dailyMessages, revisit?, quarterNewMembers?}
 */

/**
 * @typedef {object} OwnReferralCode
 *   The signed-in patient's own referral code, for the referral posters
 *   (docs/api/poster.md). Opaque: it carries no personal data, and a QR code
 *   made from it carries only it (or linkBase + it).
 * @property {string} code              13 Crockford base32 symbols, as makeReferralCode made it.
 * @property {string} [linkBase]        Programme configuration: an https link the code is appended to
 *                                      for the QR payload; absent = the QR carries the bare code.
 * @property {'honour' | 'benefit' | 'privilege'} [letterTemplate]
 *                                      The e-referral letter the nurse's KOC assessment picked
 *                                      (assessKoc's letterTemplate), when the server knows it; the
 *                                      poster screen preselects that letter.
 */

/**
 * @typedef {'community' | 'rehabData' | 'stories' | 'shareProgressWithReferrer' | 'referralPrompts'} ConsentPurpose
 *   What the patient agrees to, one purpose at a time (G9), each withdrawable:
 *   community                 joining the disease community (加入病种社群);
 *   rehabData                 the rehab team may read the logged check-ins (记录康复数据);
 *   stories                   publishing the patient's story after review (发布病友故事);
 *   shareProgressWithReferrer the person who referred me sees my detailed stage (G7);
 *   referralPrompts           "invite a friend" prompts (G17); `granted: false` is the
 *                             one-tap opt-out, permanent until granted again.
 *   Refusing any of them never blocks care: check-in, wallet and visits work the same.
 */

/**
 * @typedef {object} Consent
 *   The patient's latest answer for one purpose. A purpose never answered is
 *   ABSENT from getConsents() (no default is filled in): the four consents are
 *   then not given; for referralPrompts the core's own default applies
 *   (mayShowInvitePrompt without `optedOut`).
 * @property {ConsentPurpose} purpose
 * @property {boolean} granted
 * @property {number} updatedAtMs   When it was stored (epoch ms; server time on the HTTP backend).
 * @property {boolean} [pending]    HTTP backend: queued in the outbox, not yet acknowledged.
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
   * The inputs of evaluateEligibility for the signed-in patient: campaign
   * configuration, referral facts, issued rewards and the server's counters.
   * @returns {Promise<EligibilityInputs>}
   */
  async getEligibilityInputs() {
    throw new Error('not implemented');
  }

  /**
   * Asks the server to issue grants the core reported as "issuable". The
   * server decides on its own (a real one re-runs the same core on its own
   * facts); the offline demo plays that part and records each as an issued
   * reward. Idempotent by grant key: a key already issued is left as it is;
   * anything not in state "issuable" is ignored.
   * @param {IssuableGrant[]} grants
   * @returns {Promise<string[]>} the grant keys newly issued by this call
   */
  // eslint-disable-next-line no-unused-vars
  async issueRewards(grants) {
    throw new Error('not implemented');
  }

  /**
   * The signed-in patient's referral records (their own referrals and their
   * friends' referrals below them) with the names of the people in them, for
   * myReferralTree. The core decides what the patient may see (G6, G7).
   * @returns {Promise<ReferralGraphInputs>}
   */
  async getReferralGraph() {
    throw new Error('not implemented');
  }

  /**
   * Staff: the hospital's whole referral forest, for layoutForest. Large (a
   * hospital has 100k+ patients in it); the shell hands it to the worker.
   * @returns {Promise<ReferralGraphInputs>}
   */
  async getHospitalForest() {
    throw new Error('not implemented');
  }

  /**
   * Staff: this month's figures of the hospital's patient groups, for
   * communityHealthReport.
   * @returns {Promise<CommunityReportInputs>}
   */
  async getCommunityReportInputs() {
    throw new Error('not implemented');
  }

  /**
   * The signed-in patient's own referral code (用于推荐函、感恩卡). A backend
   * whose Profile carries `referralCode` may omit this method; the offline
   * demo makes the code ONCE with the core's makeReferralCode from
   * crypto.getRandomValues bytes, stores it (IndexedDB) and returns the same
   * code ever after (until wipe()). The backend never invents a code itself:
   * only the core makes one.
   * @param {import('../core.js').Core} core  used to make the code when none is stored yet
   * @returns {Promise<OwnReferralCode>}
   */
  // eslint-disable-next-line no-unused-vars
  async getReferralCode(core) {
    throw new Error('not implemented');
  }

  /**
   * The signed-in patient's consents (G9), one entry per purpose answered.
   * @returns {Promise<Consent[]>}
   */
  async getConsents() {
    throw new Error('not implemented');
  }

  /**
   * Grants or withdraws one purpose. Stored on the device first where the
   * backend has an outbox (offline first), idempotent per call. Nothing else
   * depends on it in the shell: refusing never blocks care.
   * @param {ConsentPurpose} purpose
   * @param {boolean} granted
   * @returns {Promise<Consent>}
   */
  // eslint-disable-next-line no-unused-vars
  async setConsent(purpose, granted) {
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
  'getEligibilityInputs',
  'issueRewards',
  'nextSeq',
  'wipe',
]);

/**
 * Methods of the interface that serve the referral tab (推荐, with its
 * posters) and the staff workbench (工作台). The offline demo has them all
 * (getReferralCode is not needed where the Profile carries referralCode); a backend without them
 * still runs the check-in and wallet screens, and the shell says that the
 * screen is not available (see `supports`). To be moved into BACKEND_METHODS
 * once every backend implements them.
 */
export const EXTENDED_BACKEND_METHODS = Object.freeze(['getReferralGraph', 'getHospitalForest', 'getCommunityReportInputs',
  'getReferralCode']);

/**
 * Methods of the interface that serve the settings screen (我的 · 设置).
 * Without them the settings screen says that consents cannot be managed here;
 * every other screen works the same (refusing or lacking consent never blocks
 * care).
 */
export const CONSENT_BACKEND_METHODS = Object.freeze(['getConsents', 'setConsent']);

/** Purposes of a consent (ConsentPurpose), in the order the settings screen lists them. */
export const CONSENT_PURPOSES = Object.freeze(['community', 'rehabData', 'stories', 'shareProgressWithReferrer', 'referralPrompts']);

/**
 * Whether `backend` implements one method of the interface.
 * @param {object} backend
 * @param {string} name
 */
export function supports(backend, name) {
  return typeof backend?.[name] === 'function';
}

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
