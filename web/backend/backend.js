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
 * @typedef {object} CheckInSaved
 *   What the server granted and issued while it recorded a check-in (its own
 *   issuance, in the same transaction): the milestones in the core's words
 *   and the grants issued. `rewards` is null when the reply has not come
 *   (the check-in waits in the outbox; its rewards show in the wallet later).
 * @property {{milestones: {key: string, ruleId: string, fromDate: string, toDate: string, rewardTitle: string,
 *   rewardValueFen: number, earnedText?: string, rangeLabel?: string}[],
 *   issued: {grantKey: string, campaignId: string, title: string, type?: string, valueFen?: number, quantity?: number}[]} | null} rewards
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
 * @typedef {object} ReferralInvite
 *   Who invites the friend who opened a join link or typed a code (好友邀请).
 * @property {string} code          The code as the core normalised it (13 symbols).
 * @property {string} display       The same, grouped for reading (7YD0-RMEJ-X1XM6).
 * @property {string} referrerName  The referrer's display name, already masked (王*); never a full name.
 * @property {boolean} ownCode      true when it is the signed-in patient's own code.
 */

/**
 * @typedef {object} ReferralClaim
 *   The signed-in patient (the referee) registers with a friend's code (G8:
 *   the referee enters by code or link; nobody types a third party's name).
 * @property {string} code          The code as the core normalised it (checkReferralCode's `code`).
 * @property {'link' | 'code'} channel  'link' when it came in a join link / QR, 'code' when typed.
 * @property {boolean} shareProgress The referee's explicit answer to 与推荐人分享我的就诊进度 (G7):
 *                                  unticked by default; false never blocks registering.
 * @property {string} key           Idempotency key, chosen ONCE per claim by the caller and reused by
 *                                  every retry of the same claim (16–128 of [A-Za-z0-9_.:-]).
 */

/**
 * @typedef {object} ReferralClaimResult
 * @property {'done' | 'queued'} status  'done': the backend recorded it; 'queued': it waits in the
 *                                       outbox (offline) and is sent when online.
 * @property {string} [referralId]       done only.
 * @property {number} [invitedAtMs]      done only: when the backend recorded it (its clock).
 */

/**
 * @typedef {object} StorySubmission
 *   A patient story for the hospital's review (病友故事官). Title and story
 *   only: no name, photo or contact travels with it. The shell submits only
 *   after the patient gave the separate 'stories' consent (G9) and the
 *   core's wording check (layoutPoster) passed (G11); the backend checks both
 *   again.
 * @property {string} title
 * @property {string} story
 * @property {string} key   Idempotency key, chosen ONCE per submission by the caller and reused by
 *                          every retry of it (16–128 of [A-Za-z0-9_.:-]).
 */

/**
 * @typedef {object} StorySubmissionResult
 * @property {'pending' | 'queued'} status  'pending': the backend stored it for the hospital's review
 *                                          (nothing is published yet); 'queued': it waits in the outbox
 *                                          (offline) and is submitted when online.
 * @property {string} [storyId]             pending only.
 * @property {number} [submittedAtMs]       pending only: when the backend stored it (its clock).
 * @property {boolean} [local]              true when the review queue is on this device (the offline
 *                                          demo's 演示 queue): nothing was uploaded.
 */

/**
 * @typedef {object} PendingStory
 *   A story waiting for the hospital's review, as staff see it.
 * @property {string} id
 * @property {string} authorName     The author's display name, already masked (王*); never a full name.
 * @property {string} title
 * @property {string} story
 * @property {number} submittedAtMs
 */

/**
 * @typedef {'medical_claim' | 'personal_data' | 'off_topic' | 'other'} StoryRejectReason
 *   Why staff returned a story (退回); see STORY_REJECT_REASONS.
 */

/**
 * @typedef {object} StoryDecision
 *   Staff approve (通过) or reject (退回) one pending story.
 * @property {string} storyId
 * @property {'approve' | 'reject'} decision
 * @property {StoryRejectReason} [reason]  reject only (required there); never on approve.
 * @property {string} key   Idempotency key, chosen ONCE per decision by the caller and reused by
 *                          every retry of it (16–128 of [A-Za-z0-9_.:-]).
 */

/**
 * @typedef {object} StoryDecisionResult
 * @property {string} storyId
 * @property {'approved' | 'rejected'} status
 * @property {number} decidedAtMs            when the backend recorded it (its clock).
 * @property {StoryRejectReason} [reason]    rejected only.
 */

/**
 * @typedef {object} MyStory
 *   One of the signed-in patient's own stories and what became of it (我的故事).
 * @property {string} id                     the story id; for 'queued', the outbox key.
 * @property {string} [title]                absent once its words were deleted (consent withdrawn).
 * @property {'queued' | 'pending' | 'approved' | 'rejected' | 'withdrawn'} status
 *                                           'queued': in this device's outbox, not delivered yet.
 * @property {number} submittedAtMs
 * @property {number} [decidedAtMs]          approved or rejected.
 * @property {number} [withdrawnAtMs]        withdrawn only.
 * @property {StoryRejectReason} [reason]    rejected only.
 */

/**
 * @typedef {object} CommunityStory
 *   One approved story of the signed-in patient's community (病友故事), as any
 *   member may read it: the words staff approved and a masked label, nothing
 *   else (no booking link, price, coupon or code travels with it, G12).
 * @property {string} id
 * @property {string} title
 * @property {string} story           plain text: shown through textContent only.
 * @property {string} author          the author's display name, already masked (王*); never a full
 *                                    name or a patient id.
 * @property {number} approvedAtMs    when the hospital approved it (epoch ms UTC); the feed's order,
 *                                    newest first.
 * @property {boolean} mine           true for the signed-in patient's own stories.
 */

/**
 * @typedef {object} CommunityStoriesPage
 * @property {CommunityStory[]} stories  at most 20, newest approval first.
 * @property {string} [nextCursor]       present when more follow: pass it as `before` for the next
 *                                       page (opaque; it names no patient).
 */

/**
 * @typedef {object} PromptHistory
 *   The "invite a friend" prompts already shown to the signed-in patient
 *   (G17): mayShowInvitePrompt's `shownAtMs`, as stored by the backend.
 * @property {number[]} shownAtMs   epoch ms, oldest first.
 */

/**
 * @typedef {object} PromptShown
 * @property {'checkInDone'} moment  The non-clinical moment of the prompt (G17): a daily check-in just
 *                                   recorded is the only one so far.
 * @property {string} key            Idempotency key, one per prompt.
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
   * record.id: storing the same record twice keeps one. The server (the
   * offline demo playing it) then issues what the check-in earned itself and
   * says what: the shell never asks for a reward to be issued.
   * @param {CheckInRecord} record
   * @returns {Promise<CheckInSaved | void>}
   */
  // eslint-disable-next-line no-unused-vars
  async saveCheckIn(record) {
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
   * Who invites the caller with `code` (the friend's join screen shows the
   * referrer's masked name). Read-only. Throws an Error with `code` and a
   * Chinese `message` for a mistyped code (the core's poster.bad_code) or an
   * unknown one (referral.unknown_code). Optional: without it the join screen
   * shows just the code.
   * @param {string} code  as typed; the backend re-checks it with the core
   * @param {import('../core.js').Core} core  the offline demo checks with it (a server has its own)
   * @returns {Promise<ReferralInvite>}
   */
  // eslint-disable-next-line no-unused-vars
  async lookupReferralCode(code, core) {
    throw new Error('not implemented');
  }

  /**
   * The signed-in patient registers with a friend's referral code. A
   * mutation like the others: through the outbox where the backend has one,
   * idempotent by `claim.key` (the same key twice is one referral). The
   * backend re-checks everything (the client is advisory): the code with the
   * core, one referrer per referee, no self-referral, no cycle. Refusals throw
   * an Error with a stable `code` (poster.bad_code, referral.unknown_code,
   * referral.duplicate_referee, referral.self_referral, referral.cycle) and a
   * Chinese `message` for the patient.
   *
   * The offline demo has one signed-in patient and no server: a claim of the
   * demo patient's own code there is made by a simulated, newly registered
   * 演示好友 (the "friend's phone" is a second page of the same browser), and
   * the demo plays the hospital confirming the registration (建档) at once.
   * @param {ReferralClaim} claim
   * @param {import('../core.js').Core} core  the offline demo checks the code with it
   * @returns {Promise<ReferralClaimResult>}
   */
  // eslint-disable-next-line no-unused-vars
  async claimReferral(claim, core) {
    throw new Error('not implemented');
  }

  /**
   * Submits a story for the hospital's review (nothing is published by it).
   * A mutation like the others: through the outbox where the backend has one,
   * idempotent by `submission.key`. The backend re-checks everything (the
   * client is advisory): the patient's 'stories' consent, and the wording
   * with the same core call the shell made (layoutPoster, storyPoster).
   * Refusals throw an Error with a stable `code` (story.consent_required, the
   * core's poster.wording_flagged — with the core's `matches` —,
   * poster.forbidden_field, input.*) and a Chinese `message`. Withdrawing the
   * 'stories' consent (setConsent) withdraws every story still pending or
   * approved (unpublished) and deletes the words of every story (G9). The
   * offline demo keeps its "hospital review queue" on the device
   * (IndexedDB), labelled 演示.
   * @param {StorySubmission} submission
   * @param {import('../core.js').Core} core  the offline demo checks the wording with it (a server has its own)
   * @returns {Promise<StorySubmissionResult>}
   */
  // eslint-disable-next-line no-unused-vars
  async submitStory(submission, core) {
    throw new Error('not implemented');
  }

  /**
   * Staff: the stories waiting for review, oldest first (内容审核).
   * @returns {Promise<PendingStory[]>}
   */
  async getPendingStories() {
    throw new Error('not implemented');
  }

  /**
   * Staff: approves or rejects one pending story, once. Not through an
   * outbox: staff decide online. The backend enforces the transition
   * (pending only: of two decisions, or a decision and the author's consent
   * withdrawal, one wins) and, on approval, runs the core's wording check
   * (layoutPoster, storyPoster) on the stored words again. Refusals throw an
   * Error with a stable `code` (story.not_found, story.not_pending, the
   * core's poster.wording_flagged, request.bad_body) and a Chinese `message`.
   * @param {StoryDecision} decision
   * @param {import('../core.js').Core} core  the offline demo checks the wording with it (a server has its own)
   * @returns {Promise<StoryDecisionResult>}
   */
  // eslint-disable-next-line no-unused-vars
  async decideStory(decision, core) {
    throw new Error('not implemented');
  }

  /**
   * The signed-in patient's own stories, newest first, with what became of
   * each (我的故事): 审核中, 已通过, 未通过 with the reason code, 已撤回.
   * @returns {Promise<MyStory[]>}
   */
  async getMyStories() {
    throw new Error('not implemented');
  }

  /**
   * 病友故事: the approved stories of the signed-in patient's community,
   * newest approval first, one page at a time (at most 20). Read-only. The
   * backend decides what is readable: approved stories of authors in the
   * patient's community only — never a pending, rejected or withdrawn one —
   * each by a masked label, `mine` on the patient's own. Refusals throw an
   * Error with a stable `code` and a Chinese `message`: community.not_member
   * (加入病友社群后可以阅读病友故事: the shell shows a friendly empty state;
   * not being a member never blocks care), request.bad_query (a `before`
   * the backend did not make), network.unavailable / network.timeout (HTTP
   * backend offline: not read from any cache). The offline demo returns
   * synthetic stories of fictitious members (./demo-data.js, never stored)
   * and the demo patient's own approved stories from its local review queue.
   * @param {{before?: string}} [page]  `before`: the previous page's nextCursor; absent: the first page
   * @returns {Promise<CommunityStoriesPage>}
   */
  // eslint-disable-next-line no-unused-vars
  async getCommunityStories(page) {
    throw new Error('not implemented');
  }

  /**
   * The "invite a friend" prompts already shown to the signed-in patient.
   * @returns {Promise<PromptHistory>}
   */
  async getPromptHistory() {
    throw new Error('not implemented');
  }

  /**
   * Records a prompt the shell is ABOUT to show; the shell shows it only when
   * this resolves. The backend asks the core's mayShowInvitePrompt again on
   * its own facts (history, opt-out, staff) and refuses — an Error with the
   * core's reason `code` (eligibility.prompt_cap_reached: a 4th prompt in 90
   * days; eligibility.prompt_opted_out; eligibility.staff_excluded) and its
   * Chinese `message` — rather than record a prompt the core does not allow.
   * Not through the outbox: a prompt that cannot be recorded now is not shown.
   * @param {PromptShown} prompt
   * @param {import('../core.js').Core} core  the offline demo asks the core with it
   * @returns {Promise<{shownAtMs: number}>}
   */
  // eslint-disable-next-line no-unused-vars
  async recordPromptShown(prompt, core) {
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
  'getEligibilityInputs',
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

/**
 * Methods of the interface that serve the friend's join screen (好友邀请 /
 * 填写推荐码, #join). claimReferral is needed to register with a code;
 * lookupReferralCode only adds the inviter's masked name (without it the
 * screen shows just the code).
 */
export const JOIN_BACKEND_METHODS = Object.freeze(['claimReferral']);

/**
 * Methods of the interface that serve story submission on the poster screen
 * (病友故事官 → 提交故事). Without it the screen says that stories cannot be
 * submitted here; the poster can still be saved on the phone.
 */
export const STORY_BACKEND_METHODS = Object.freeze(['submitStory']);

/** Staff: the review queue of submitted stories on the 内容审核 screen. */
export const STAFF_STORY_BACKEND_METHODS = Object.freeze(['getPendingStories']);

/**
 * Staff: 通过 / 退回 in the review queue. Without it the queue only lists and
 * checks the stories.
 */
export const STAFF_STORY_DECISION_METHODS = Object.freeze(['decideStory']);

/**
 * Why staff return a story (StoryRejectReason), in the order the workbench
 * offers them. The reference backend and its schema accept the same codes.
 */
export const STORY_REJECT_REASONS = Object.freeze(['medical_claim', 'personal_data', 'off_topic', 'other']);

/** The shell's Chinese labels of the reject reasons (presentation only). */
export const STORY_REJECT_REASON_LABELS = Object.freeze({
  medical_claim: '含疗效或用药说法',
  personal_data: '含个人信息',
  off_topic: '与康复无关',
  other: '其他原因',
});

/**
 * Methods of the interface that serve the 病友故事 screen (#stories). Without
 * them the screen says that community stories cannot be read here.
 */
export const COMMUNITY_STORY_METHODS = Object.freeze(['getCommunityStories']);

/**
 * Methods of the interface that serve the "invite a friend" prompt (G17).
 * Without them no prompt is ever shown.
 */
export const PROMPT_BACKEND_METHODS = Object.freeze(['getPromptHistory', 'recordPromptShown']);

/**
 * mayShowInvitePrompt's request from what a backend stores (a mapping, no
 * rule): the prompts shown so far, and the 'referralPrompts' consent —
 * `granted: false` is the opt-out; never answered sends no `optedOut`, so the
 * core's own default applies. Used by the prompt, the settings screen and the
 * offline demo's "server".
 * @param {number} nowMs
 * @param {number[]} shownAtMs
 * @param {Iterable<{purpose: string, granted: boolean}>} consents
 * @param {{kind: string, atMs: number}[]} [clinicalMoments]  the hospital's clinical moments (G17)
 */
export function invitePromptRequest(nowMs, shownAtMs, consents, clinicalMoments = []) {
  const optedOut = [...consents].some((c) => c.purpose === 'referralPrompts' && c.granted === false);
  return { nowMs, shownAtMs, ...(optedOut ? { optedOut: true } : {}), ...(clinicalMoments.length ? { clinicalMoments } : {}) };
}

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
