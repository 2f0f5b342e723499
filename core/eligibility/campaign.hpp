// Campaign configuration and its compliance guards (docs/api/eligibility.md, docs/compliance.md).
//
// A campaign is one of four templates that together express every campaign in
// the seeds: a per-referral reward (裂变红包, 感恩卡, the privilege letter's
// referee perks), referral tiers (健康大使 medals, 成长基金, 黑金推荐函's
// honorary director), a monthly scarce quota (稀缺名额) and check-in
// milestone vouchers (康复打卡). The schema can also *express* what the seeds
// ask for but the law forbids (cash, sharing to Moments, lotteries, level-2
// rewards, staff beneficiaries, spend conditions) so that the validator can
// refuse each with its own code and an explanation an operator understands.
// Published schema: docs/schema/campaign.schema.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/civil_date.hpp"

namespace carecircle {

enum class RewardType {
  kVoucher,
  kService,
  kMembership,
  kMedal,
  kPrivilege,
  kTitle,
  // Refused by guard G1; decodable so the refusal can be explained.
  kCash,
  kRedPacket,
  kBalance,
  kPoints,
};

struct Reward {
  std::string id;  // unique within the campaign
  RewardType type = RewardType::kVoucher;
  std::string title;             // e.g. "100元体检券"
  std::int64_t valueFen = 0;     // face value, integer fen, >= 0
  int quantity = 1;              // 1..10 items per grant (e.g. two children's vouchers)
  int validDays = 90;            // usable for this many days after issue; 0 = no expiry
  bool transferable = false;     // G1: must stay bound to the patient
  bool cashConvertible = false;  // G1
};

enum class Trigger {
  kRegistrationConfirmed,
  kArrivalConfirmed,
  kConversionConfirmed,
  kAdmissionConfirmed,
  kDischargeConfirmed,
  // Refused: G3 (sharing) and G2 (not a server-confirmed hospital event).
  kShareToMoments,
  kShareToGroup,
  kScan,
  kClick,
  kSignUp,
  kInviteSent,
};

enum class CampaignType { kReferralReward, kReferralTier, kMonthlyQuota, kCheckInMilestone };
enum class CampaignStatus { kDraft, kRunning, kEnded };

// Conditions on a referral for it to count. Defaults are the seeds' intent.
struct ReferralConditions {
  Trigger trigger = Trigger::kRegistrationConfirmed;  // the confirming hospital event
  bool refereeMustBeNew = true;                       // a genuine new patient of the hospital
  bool refereeMustBeInpatient = false;
  std::string channel;                // "" any; e.g. "dischargeCard" for 感恩卡 codes
  bool referrerMustBeMember = false;  // referrer belongs to a disease community
  int holdDays = 90;                  // G20: referrer rewards vest after this many quiet days
};

struct Tier {
  std::string id;        // e.g. "bronze"
  std::string title;     // e.g. "铜质健康大使勋章"
  int minReferrals = 1;  // successful referrals needed, strictly increasing per tier
  std::vector<Reward> rewards;
};

struct QuotaPool {
  std::string id;  // e.g. "expert-slot"
  int size = 0;    // per month, from configuration; usage from server counters
  Reward reward;
};

struct Campaign {
  std::string id;
  std::string title;
  std::string description;
  CampaignType type = CampaignType::kReferralReward;
  CampaignStatus status = CampaignStatus::kRunning;
  bool enabled = true;  // G16: an operator can switch a campaign off
  bool hasValidFrom = false;
  DayNumber validFrom = 0;  // inclusive, programme zone
  bool hasValidTo = false;
  DayNumber validTo = 0;  // inclusive

  ReferralConditions referral;                         // referralReward, referralTier
  std::vector<Reward> referrerRewards;                 // referralReward
  std::vector<Reward> refereeRewards;                  // referralReward
  std::vector<Tier> tiers;                             // referralTier
  int releaseDayOfMonth = 15;                          // monthlyQuota: 1..28
  std::vector<QuotaPool> pools;                        // monthlyQuota
  std::string milestoneRuleId = "revisit-voucher-50";  // checkInMilestone
  std::vector<Reward> rewards;                         // checkInMilestone

  int perPersonLimit = 0;                  // grants per patient; 0 = no limit
  std::int64_t budgetFen = 0;              // campaign budget; 0 = no limit
  std::vector<std::string> exclusiveWith;  // one referral earns from one of these only
  int priority = 0;                        // among exclusive campaigns, higher wins

  // Expressible but refused (see validateCampaigns).
  std::vector<int> rewardLevels = {1};  // G5: only level 1
  bool includeStaff = false;            // G15
  std::int64_t minSpendFen = 0;         // G15: nothing depends on spend
  std::string requiresShareTo;          // G3: "" only
  std::string selection = "firstCome";  // G14: "lottery" refused
};

struct Violation {
  std::string campaignId;
  std::string code;     // campaign.cash_reward_forbidden, ...
  std::string guard;    // "G1" ... or "" for plain consistency errors
  std::string message;  // Chinese, for the operator
  std::string path;     // e.g. "/campaigns/2/referrerRewards/0/type"
};

// Every violation in a campaign set, in campaign order; empty when valid.
std::vector<Violation> validateCampaigns(const std::vector<Campaign>& campaigns);

// G13: a running campaign may only change in its users' favour. Compares a
// published campaign with a proposed edit; violations carry
// campaign.unfavourable_change (plus whatever validateCampaigns finds).
std::vector<Violation> validateCampaignChange(const Campaign& before, const Campaign& after);

}  // namespace carecircle
