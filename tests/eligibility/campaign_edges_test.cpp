// Exact boundaries of the campaign validator: every numeric limit at its value
// and one unit either side, every guard on every campaign type that applies
// it, and every member of every list a guard uses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "eligibility/campaign.hpp"

namespace carecircle {
namespace {

Reward voucher(std::string id = "exam") {
  return Reward{std::move(id), RewardType::kVoucher, "100元体检券", 10000};
}

Campaign referralReward() {
  Campaign c;
  c.id = "fission";
  c.title = "老带新";
  c.type = CampaignType::kReferralReward;
  c.referrerRewards = {voucher()};
  c.refereeRewards = {voucher()};
  return c;
}

Campaign referralTier() {
  Campaign c;
  c.id = "ambassador";
  c.title = "健康大使";
  c.type = CampaignType::kReferralTier;
  c.tiers = {Tier{"bronze", "铜质勋章", 1, {voucher()}}, Tier{"silver", "银质勋章", 3, {voucher()}}};
  return c;
}

Campaign monthlyQuota() {
  Campaign c;
  c.id = "scarce";
  c.title = "稀缺名额";
  c.type = CampaignType::kMonthlyQuota;
  c.pools = {QuotaPool{"expert", 10, voucher("slot")}};
  return c;
}

Campaign milestone() {
  Campaign c;
  c.id = "checkin";
  c.title = "康复打卡";
  c.type = CampaignType::kCheckInMilestone;
  c.rewards = {voucher()};
  return c;
}

// "guard:code@path" of every violation, or "" when the campaign is valid.
std::string verdict(const Campaign& c) {
  std::string out;
  for (const Violation& v : validateCampaigns({c})) {
    if (!out.empty()) out += ";";
    out += (v.guard.empty() ? "" : v.guard + ":") + v.code + "@" + v.path;
  }
  return out;
}

// The reward lists a reward guard applies to, one per campaign shape.
struct RewardSlot {
  const char* name;
  Campaign (*make)();
  Reward& (*reward)(Campaign&);
};

const std::vector<RewardSlot>& rewardSlots() {
  static const std::vector<RewardSlot> slots = {
      {"referrerRewards", referralReward, [](Campaign& c) -> Reward& { return c.referrerRewards[0]; }},
      {"refereeRewards", referralReward, [](Campaign& c) -> Reward& { return c.refereeRewards[0]; }},
      {"tierRewards", referralTier, [](Campaign& c) -> Reward& { return c.tiers[1].rewards[0]; }},
      {"poolReward", monthlyQuota, [](Campaign& c) -> Reward& { return c.pools[0].reward; }},
      {"milestoneRewards", milestone, [](Campaign& c) -> Reward& { return c.rewards[0]; }},
  };
  return slots;
}

TEST(CampaignEdges, EveryShapeIsValidAsBuilt) {
  for (const RewardSlot& s : rewardSlots()) EXPECT_EQ(verdict(s.make()), "") << s.name;
}

// G1: the whole forbidden list, on every reward list; the allowed types pass.
TEST(CampaignEdges, G1EveryForbiddenTypeOnEveryRewardList) {
  const RewardType forbidden[] = {RewardType::kCash, RewardType::kRedPacket, RewardType::kBalance,
                                  RewardType::kPoints};
  const RewardType allowed[] = {RewardType::kVoucher, RewardType::kService, RewardType::kMembership,
                                RewardType::kMedal,   RewardType::kPrivilege, RewardType::kTitle};
  for (const RewardSlot& s : rewardSlots()) {
    for (RewardType t : forbidden) {
      Campaign c = s.make();
      s.reward(c).type = t;
      EXPECT_NE(verdict(c).find("G1:campaign.cash_reward_forbidden"), std::string::npos)
          << s.name << " type " << static_cast<int>(t);
    }
    for (RewardType t : allowed) {
      Campaign c = s.make();
      s.reward(c).type = t;
      EXPECT_EQ(verdict(c), "") << s.name << " type " << static_cast<int>(t);
    }
    Campaign convertible = s.make();
    s.reward(convertible).cashConvertible = true;
    EXPECT_NE(verdict(convertible).find("G1:"), std::string::npos) << s.name;
    Campaign transferable = s.make();
    s.reward(transferable).transferable = true;
    EXPECT_NE(verdict(transferable).find("G1:"), std::string::npos) << s.name;
  }
}

TEST(CampaignEdges, RewardQuantityIsOneToTenOnEveryList) {
  for (const RewardSlot& s : rewardSlots()) {
    for (const auto& [quantity, valid] :
         std::vector<std::pair<int, bool>>{{0, false}, {1, true}, {10, true}, {11, false}}) {
      Campaign c = s.make();
      s.reward(c).quantity = quantity;
      EXPECT_EQ(verdict(c).empty(), valid) << s.name << " quantity " << quantity;
    }
  }
}

TEST(CampaignEdges, RewardValidDaysIsZeroTo3660OnEveryList) {
  for (const RewardSlot& s : rewardSlots()) {
    for (const auto& [days, valid] :
         std::vector<std::pair<int, bool>>{{-1, false}, {0, true}, {3660, true}, {3661, false}}) {
      Campaign c = s.make();
      s.reward(c).validDays = days;
      EXPECT_EQ(verdict(c).empty(), valid) << s.name << " validDays " << days;
    }
  }
}

TEST(CampaignEdges, RewardValueMayBeZeroNotNegative) {
  for (const RewardSlot& s : rewardSlots()) {
    Campaign zero = s.make();
    s.reward(zero).valueFen = 0;
    EXPECT_EQ(verdict(zero), "") << s.name;
    Campaign negative = s.make();
    s.reward(negative).valueFen = -1;
    EXPECT_NE(verdict(negative), "") << s.name;
  }
}

// G2: every hospital event is a valid trigger on both referral shapes; every
// other trigger is refused (G3 for sharing, G2 for the rest).
TEST(CampaignEdges, G2EveryHospitalEventAndEveryOtherTrigger) {
  const Trigger hospital[] = {Trigger::kRegistrationConfirmed, Trigger::kArrivalConfirmed,
                              Trigger::kConversionConfirmed, Trigger::kAdmissionConfirmed,
                              Trigger::kDischargeConfirmed};
  const std::pair<Trigger, const char*> refused[] = {
      {Trigger::kShareToMoments, "G3:campaign.share_condition_forbidden"},
      {Trigger::kShareToGroup, "G3:campaign.share_condition_forbidden"},
      {Trigger::kScan, "G2:campaign.trigger_not_hospital_event"},
      {Trigger::kClick, "G2:campaign.trigger_not_hospital_event"},
      {Trigger::kSignUp, "G2:campaign.trigger_not_hospital_event"},
      {Trigger::kInviteSent, "G2:campaign.trigger_not_hospital_event"}};
  for (Campaign (*make)() : {referralReward, referralTier}) {
    for (Trigger t : hospital) {
      Campaign c = make();
      c.referral.trigger = t;
      EXPECT_EQ(verdict(c), "") << c.id << " trigger " << static_cast<int>(t);
    }
    for (const auto& [t, code] : refused) {
      Campaign c = make();
      c.referral.trigger = t;
      EXPECT_EQ(verdict(c), std::string(code) + "@/campaigns/0/referral/trigger")
          << c.id << " trigger " << static_cast<int>(t);
    }
  }
}

// G20: the hold is 90..365 days, on both referral shapes.
TEST(CampaignEdges, G20HoldIsNinetyToThreeSixtyFiveDays) {
  for (Campaign (*make)() : {referralReward, referralTier}) {
    for (const auto& [days, valid] : std::vector<std::pair<int, bool>>{
             {89, false}, {90, true}, {91, true}, {364, true}, {365, true}, {366, false}}) {
      Campaign c = make();
      c.referral.holdDays = days;
      EXPECT_EQ(verdict(c), valid ? "" : "G20:campaign.hold_too_short@/campaigns/0/referral/holdDays")
          << c.id << " holdDays " << days;
    }
  }
}

// G16: an inpatient referral pays the referrer only on discharge.
TEST(CampaignEdges, G16InpatientReferrerRewardOnlyOnDischarge) {
  Campaign c = referralReward();
  c.referral.refereeMustBeInpatient = true;
  c.referral.trigger = Trigger::kDischargeConfirmed;
  EXPECT_EQ(verdict(c), "");
  for (Trigger t : {Trigger::kRegistrationConfirmed, Trigger::kArrivalConfirmed,
                    Trigger::kConversionConfirmed, Trigger::kAdmissionConfirmed}) {
    c.referral.trigger = t;
    EXPECT_EQ(verdict(c), "G16:campaign.inpatient_reward_timing@/campaigns/0/referral/trigger")
        << static_cast<int>(t);
  }
  // Referee perks alone may come on admission.
  c.referrerRewards.clear();
  c.referral.trigger = Trigger::kAdmissionConfirmed;
  EXPECT_EQ(verdict(c), "");
}

TEST(CampaignEdges, TierThresholdsStrictlyIncreaseUpToAThousand) {
  Campaign c = referralTier();
  c.tiers[1].minReferrals = 1;  // equal to the previous tier
  EXPECT_EQ(verdict(c), "campaign.bad_tiers@/campaigns/0/tiers/1/minReferrals");
  c.tiers[1].minReferrals = 2;
  EXPECT_EQ(verdict(c), "");
  c.tiers[1].minReferrals = 1000;
  EXPECT_EQ(verdict(c), "");
  c.tiers[1].minReferrals = 1001;
  EXPECT_EQ(verdict(c), "campaign.bad_tiers@/campaigns/0/tiers/1/minReferrals");
  c.tiers[0].minReferrals = 0;  // the first tier starts at 1
  c.tiers[1].minReferrals = 2;
  EXPECT_EQ(verdict(c), "campaign.bad_tiers@/campaigns/0/tiers/0/minReferrals");
}

TEST(CampaignEdges, ReleaseDayIsFirstToTwentyEighth) {
  for (const auto& [dayOfMonth, valid] :
       std::vector<std::pair<int, bool>>{{0, false}, {1, true}, {15, true}, {28, true}, {29, false}}) {
    Campaign c = monthlyQuota();
    c.releaseDayOfMonth = dayOfMonth;
    EXPECT_EQ(verdict(c), valid ? "" : "campaign.bad_quota@/campaigns/0/releaseDayOfMonth")
        << dayOfMonth;
  }
}

TEST(CampaignEdges, PoolSizeIsZeroToAHundredThousand) {
  for (const auto& [size, valid] : std::vector<std::pair<int, bool>>{
           {-1, false}, {0, true}, {100000, true}, {100001, false}}) {
    Campaign c = monthlyQuota();
    c.pools[0].size = size;
    EXPECT_EQ(verdict(c), valid ? "" : "campaign.bad_quota@/campaigns/0/pools/0/size") << size;
  }
}

// ---- G13: a running campaign changes only in its users' favour -------------

std::string change(const Campaign& before, const Campaign& after) {
  std::string out;
  for (const Violation& v : validateCampaignChange(before, after)) {
    if (!out.empty()) out += ";";
    out += (v.guard.empty() ? "" : v.guard + ":") + v.code + "@" + v.path;
  }
  return out;
}

TEST(CampaignEdges, G13UnchangedRunningCampaignOfEveryShapeIsFine) {
  for (const RewardSlot& s : rewardSlots()) {
    const Campaign c = s.make();
    EXPECT_EQ(change(c, c), "") << s.name;
  }
}

TEST(CampaignEdges, G13HoldMayShortenOrStayNeverLengthen) {
  Campaign before = referralReward();
  before.referral.holdDays = 120;
  Campaign after = before;
  after.referral.holdDays = 120;
  EXPECT_EQ(change(before, after), "");
  after.referral.holdDays = 119;
  EXPECT_EQ(change(before, after), "");
  after.referral.holdDays = 121;
  EXPECT_EQ(change(before, after), "G13:campaign.unfavourable_change@/referral/holdDays");
}

TEST(CampaignEdges, G13RewardValueQuantityAndValidityByOneUnit) {
  for (const RewardSlot& s : rewardSlots()) {
    const Campaign before = s.make();
    auto edited = [&](auto edit) {
      Campaign after = before;
      edit(s.reward(after));
      return change(before, after);
    };
    EXPECT_EQ(edited([](Reward& r) { r.valueFen += 1; }), "") << s.name;
    EXPECT_NE(edited([](Reward& r) { r.valueFen -= 1; }), "") << s.name;
    EXPECT_EQ(edited([](Reward& r) { r.quantity += 1; }), "") << s.name;
    EXPECT_EQ(edited([](Reward& r) { r.validDays += 1; }), "") << s.name;
    EXPECT_NE(edited([](Reward& r) { r.validDays -= 1; }), "") << s.name;
    EXPECT_EQ(edited([](Reward& r) { r.validDays = 0; }), "") << s.name;  // no expiry: better
  }
  Campaign before = referralReward();
  before.referrerRewards[0].quantity = 2;
  Campaign after = before;
  after.referrerRewards[0].quantity = 1;
  EXPECT_EQ(change(before, after), "G13:campaign.unfavourable_change@/referrerRewards");
}

TEST(CampaignEdges, G13TierThresholdMayStayOrDropNeverRise) {
  const Campaign before = referralTier();
  Campaign after = before;
  after.tiers[1].minReferrals = 2;
  EXPECT_EQ(change(before, after), "");
  after.tiers[1].minReferrals = 4;
  EXPECT_EQ(change(before, after), "G13:campaign.unfavourable_change@/tiers");
}

TEST(CampaignEdges, G13PoolSizeMayStayOrGrowNeverShrink) {
  const Campaign before = monthlyQuota();
  Campaign after = before;
  after.pools[0].size = 11;
  EXPECT_EQ(change(before, after), "");
  after.pools[0].size = 9;
  EXPECT_EQ(change(before, after), "G13:campaign.unfavourable_change@/pools");
  after.pools.clear();
  EXPECT_NE(change(before, after).find("G13:campaign.unfavourable_change@/pools"),
            std::string::npos);
}

TEST(CampaignEdges, G13DatesByOneDay) {
  Campaign before = referralReward();
  before.hasValidFrom = true;
  before.validFrom = *parseDate("2026-11-01");
  before.hasValidTo = true;
  before.validTo = *parseDate("2026-12-31");
  Campaign after = before;
  EXPECT_EQ(change(before, after), "");
  after.validFrom = before.validFrom - 1;
  after.validTo = before.validTo + 1;
  EXPECT_EQ(change(before, after), "");
  after = before;
  after.validFrom = before.validFrom + 1;
  EXPECT_EQ(change(before, after), "G13:campaign.unfavourable_change@/validFrom");
  after = before;
  after.validTo = before.validTo - 1;
  EXPECT_EQ(change(before, after), "G13:campaign.unfavourable_change@/validTo");
}

TEST(CampaignEdges, G13EveryNewConditionIsRefused) {
  const Campaign before = referralReward();
  auto with = [&](auto edit) {
    Campaign after = before;
    edit(after.referral);
    return change(before, after);
  };
  const std::string refused = "G13:campaign.unfavourable_change@/referral";
  Campaign base = before;
  base.referral.refereeMustBeNew = false;
  Campaign stricter = base;
  stricter.referral.refereeMustBeNew = true;
  EXPECT_EQ(change(base, stricter), refused);
  // (With referrer rewards an inpatient condition also needs a discharge
  // trigger, G16: checked on a referee-only campaign so only G13 speaks.)
  Campaign refereeOnly = before;
  refereeOnly.referrerRewards.clear();
  Campaign inpatient = refereeOnly;
  inpatient.referral.refereeMustBeInpatient = true;
  EXPECT_EQ(change(refereeOnly, inpatient), refused);
  EXPECT_EQ(with([](ReferralConditions& r) { r.referrerMustBeMember = true; }), refused);
  EXPECT_EQ(with([](ReferralConditions& r) { r.channel = "letter"; }), refused);
  // Dropping a condition is in the users' favour.
  EXPECT_EQ(with([](ReferralConditions& r) { r.refereeMustBeNew = false; }), "");
}

TEST(CampaignEdges, G13TierAndPoolRewardsAreComparedToo) {
  Campaign tierBefore = referralTier();
  Campaign tierAfter = tierBefore;
  tierAfter.tiers[0].rewards[0].valueFen -= 1;
  EXPECT_EQ(change(tierBefore, tierAfter), "G13:campaign.unfavourable_change@/tiers");
  Campaign poolBefore = monthlyQuota();
  Campaign poolAfter = poolBefore;
  poolAfter.pools[0].reward.valueFen -= 1;
  EXPECT_EQ(change(poolBefore, poolAfter), "G13:campaign.unfavourable_change@/pools");
}

TEST(CampaignEdges, G13DraftsChangeFreely) {
  Campaign before = referralReward();
  before.status = CampaignStatus::kDraft;
  Campaign after = before;
  after.referrerRewards[0].valueFen = 1;
  after.referral.holdDays = 365;
  EXPECT_EQ(change(before, after), "");
}

}  // namespace
}  // namespace carecircle
