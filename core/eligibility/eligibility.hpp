// Coupon and reward eligibility (docs/api/eligibility.md; G2, G4, G5, G15, G17, G20 in docs/compliance.md).
//
// For one patient and a validated campaign set, evaluateEligibility() says
// for each campaign whether the patient is eligible, with EVERY reason (stable
// code + plain Chinese), the date it unlocks when it will, what the patient can
// do next, and the grants (rewards) that are issuable, holding or done. Medals
// and memberships come from the same referral outcomes as rewards, so they can
// never disagree. Pure: "now" and every counter are inputs from the server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/civil_date.hpp"
#include "common/error.hpp"
#include "eligibility/campaign.hpp"

namespace carecircle {

struct PatientFacts {
  std::string id;
  bool isStaff = false;            // staff and doctors never benefit (G15)
  bool isCommunityMember = false;  // member of a disease community
};

// One referral as the backend knows it. Instants are epoch ms; 0 = not yet.
// Only server-confirmed hospital events appear here (G2).
struct ReferralFacts {
  std::string id;
  std::string referrerId;
  std::string refereeId;
  int level = 1;        // 1 = direct; deeper levels never earn (G5)
  std::string channel;  // "link", "code", "dischargeCard", "letter", ...
  bool refereeIsNewPatient = false;
  bool refereeIsInpatient = false;
  bool referrerIsMember = false;
  std::int64_t registrationConfirmedAtMs = 0;
  std::int64_t arrivalConfirmedAtMs = 0;
  std::int64_t conversionConfirmedAtMs = 0;
  std::int64_t admissionConfirmedAtMs = 0;
  std::int64_t dischargeConfirmedAtMs = 0;
  std::int64_t complaintAtMs = 0;  // a complaint voids the referrer's reward (G20)
  // The referee's name as the backend knows it (full or already masked), or
  // "": a reason about this one referral then names the friend, masked by the
  // core exactly as on the referral tree (maskName).
  std::string refereeName;
};

// A milestone block from the streak module (StreakReport::milestones).
struct MilestoneFact {
  std::string key;  // "<ruleId>@<fromDate>"
  std::string ruleId;
};

// The streak report's progress towards its next milestone (StreakReport
// ::progress), passed as it is: a check-in campaign on that rule says the
// same words as the check-in screen instead of a second verdict.
struct StreakProgressFact {
  std::string ruleId;
  int done = 0;
  int needed = 0;
  int remaining = 0;
  std::string text;  // e.g. "再坚持2天可得50元复诊抵用券"
};

enum class IssuedStatus { kIssued, kUsed, kVoid };

// A reward the server has already issued, by grant key.
struct IssuedReward {
  std::string grantKey;
  std::string campaignId;
  std::string title;  // snapshot at issue, shown if the campaign is gone
  IssuedStatus status = IssuedStatus::kIssued;
  std::int64_t issuedAtMs = 0;
  std::int64_t usedAtMs = 0;
};

struct PoolCounter {
  std::string campaignId;
  std::string poolId;
  YearMonth month;
  int used = 0;  // from the server's atomic counter
};

struct CampaignCounter {
  std::string campaignId;
  int grants = 0;             // grants issued campaign-wide
  std::int64_t spentFen = 0;  // value issued campaign-wide
};

struct EligibilityRequest {
  std::int64_t nowMs = 0;
  int utcOffsetMinutes = 480;
  std::vector<Campaign> campaigns;
  PatientFacts patient;
  std::vector<ReferralFacts> referrals;  // where the patient is referrer or referee
  std::vector<MilestoneFact> milestones;
  bool hasStreakProgress = false;
  StreakProgressFact streakProgress;
  std::vector<IssuedReward> issued;
  std::vector<CampaignCounter> counters;
  std::vector<PoolCounter> pools;
};

struct Reason {
  std::string code;     // eligibility.staff_excluded, ...
  std::string message;  // Chinese, for the patient; starts with friendName + "：" when set
  std::string friendName;  // the one friend it concerns, masked (李*芳); "" otherwise
};

enum class GrantState {
  kIssuable,  // the server may issue it now (under its key, idempotently)
  kHolding,   // quality hold: vests on vestsOn unless a complaint arrives
  kWaiting,   // the confirming hospital event has not happened yet
  kIssued,    // already issued (see wallet for used/expired)
  kVoid,      // voided by a complaint
  kBlocked,   // a limit, budget, quota or exclusivity stops it; see reasons
};

struct Grant {
  std::string key;          // idempotency key: "<campaignId>:<subject>:<beneficiary>"
  std::string beneficiary;  // "self" (this patient) — others' grants are theirs to see
  std::string referralId;   // "" when not tied to a referral
  Reward reward;
  GrantState state = GrantState::kWaiting;
  bool hasVestsOn = false;
  DayNumber vestsOn = 0;
  int holdDaysLeft = 0;
  std::vector<Reason> reasons;  // why it is not issuable (empty when it is)
};

enum class EligibilityStatus { kEligible, kPending, kLocked, kIneligible, kEnded };

struct TierProgress {
  int successfulReferrals = 0;
  std::string currentTierId;  // "" below the first tier
  std::string currentTierTitle;
  std::string nextTierId;  // "" at the top
  std::string nextTierTitle;
  int referralsToNext = 0;
};

struct CampaignEligibility {
  std::string campaignId;
  std::string title;
  EligibilityStatus status = EligibilityStatus::kIneligible;
  bool eligible = false;        // something issuable now
  std::vector<Reason> reasons;  // every reason it is not (fully) eligible
  bool hasUnlockOn = false;
  DayNumber unlockOn = 0;  // when it will unlock, if it will
  std::string nextStep;    // what the patient can do next (Chinese)
  std::vector<Grant> grants;
  bool hasTier = false;
  TierProgress tier;
};

enum class WalletStatus { kAvailable, kPending, kLocked, kUsed, kExpired, kVoid };

// One line of the patient's wallet, with why it cannot be used (G20 countdown).
struct WalletItem {
  std::string key;
  std::string campaignId;
  std::string title;
  std::int64_t valueFen = 0;
  int quantity = 1;
  WalletStatus status = WalletStatus::kAvailable;
  bool known = false;  // the reward is still in the configuration (type is meaningful)
  RewardType type = RewardType::kVoucher;
  bool hasDate = false;
  DayNumber date = 0;  // expires on (available), unlocks on (locked), used/issued on
  std::string dateText;  // e.g. "有效期至2027年2月4日", "长期有效", "2027年2月11日解锁"
  std::string why;       // "为什么不能用": empty when available
};

struct Badge {
  std::string campaignId;
  std::string tierId;
  std::string title;
  bool earned = false;
  int referralsToGo = 0;  // 0 when earned
};

struct EligibilityReport {
  DayNumber today = 0;
  std::vector<CampaignEligibility> campaigns;  // in configuration order
  std::vector<WalletItem> wallet;              // available first, then by date
  std::vector<Badge> badges;
};

// Errors: the campaign set fails validation (the first violation's code, e.g.
// campaign.cash_reward_forbidden), eligibility.bad_now, input.missing_field.
Result<EligibilityReport> evaluateEligibility(const EligibilityRequest& request);

// Operations: the same rules for many patients at once (e.g. who may claim
// the 15th's quota), campaigns validated and indexed once.
struct PatientCase {
  PatientFacts patient;
  std::vector<ReferralFacts> referrals;
  std::vector<MilestoneFact> milestones;
  std::vector<IssuedReward> issued;
};

struct EligibilityBatchRequest {
  std::int64_t nowMs = 0;
  int utcOffsetMinutes = 480;
  std::vector<Campaign> campaigns;
  std::vector<CampaignCounter> counters;
  std::vector<PoolCounter> pools;
  std::vector<PatientCase> patients;
};

struct PatientSummary {
  std::string patientId;
  std::vector<std::string> eligible;  // campaign ids with something issuable now
  std::vector<std::string> pending;   // campaign ids with something on its way
};

// Same errors as evaluateEligibility; summaries in patient order.
Result<std::vector<PatientSummary>> evaluateEligibilityBatch(
    const EligibilityBatchRequest& request);

// A clinical moment recorded by the hospital (G17, docs/compliance.md): no
// invite prompt is shown while one is on. Windows, in the programme's civil
// days (d = the day of atMs):
//   admission     from atMs until a discharge at or after it is recorded
//   surgery       days d-1 .. d+1 (the eve, the day, the day after)
//   discharge     days d-1 .. d+1
//   badNews       days d .. d+29 (a bad result or diagnosis told by staff)
//   death         days d .. d+89 (a death in the family recorded by staff)
//   sensitiveCase from atMs on, with no end (a KOC sensitive case: never invited)
// A moment in the future is not on yet, except the eve of a surgery or discharge.
enum class ClinicalMomentKind { kAdmission, kSurgery, kDischarge, kBadNews, kDeath, kSensitiveCase };

struct ClinicalMoment {
  ClinicalMomentKind kind = ClinicalMomentKind::kAdmission;
  std::int64_t atMs = 0;
};

// Harassment cap (G17): may the shell show an "invite a friend" prompt now?
struct InvitePromptRequest {
  std::int64_t nowMs = 0;
  int utcOffsetMinutes = 480;           // the programme's zone, for the civil-day windows
  std::vector<std::int64_t> shownAtMs;  // prompts shown and staff touches (calls, messages)
  bool optedOut = false;                // one-tap opt-out, permanent
  bool inClinicalMoment = false;        // the caller already knows one is on (kept for callers)
  std::vector<ClinicalMoment> clinicalMoments;  // the hospital's facts; see the windows above
  // When rewards reached the patient (issued, milestones earned): a reward
  // day is the patient's moment, not one to ask a favour on (G17). No prompt
  // on the civil day of any of these.
  std::vector<std::int64_t> rewardsAtMs;
  bool isStaff = false;
  int maxPrompts = 3;  // per window
  int windowDays = 90;
};

// Whether one of `moments` is on at nowMs (the windows above).
bool clinicalMomentOn(const std::vector<ClinicalMoment>& moments, std::int64_t nowMs,
                      int utcOffsetMinutes);

struct InvitePromptDecision {
  bool allowed = false;
  std::vector<Reason> reasons;
  int remainingInWindow = 0;
  bool hasNextAllowedAtMs = false;
  std::int64_t nextAllowedAtMs = 0;  // when the oldest prompt leaves the window
};

Result<InvitePromptDecision> mayShowInvitePrompt(const InvitePromptRequest& request);

}  // namespace carecircle
