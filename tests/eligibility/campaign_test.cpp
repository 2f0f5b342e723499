// One test per compliance guard (docs/compliance.md), through the domain API.
#include "eligibility/campaign.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace carecircle {
namespace {

Campaign fission() {
  Campaign c;
  c.id = "fission";
  c.title = "老带新·双向体检券";
  c.type = CampaignType::kReferralReward;
  c.referrerRewards = {Reward{"exam", RewardType::kVoucher, "100元体检券", 10000}};
  c.refereeRewards = c.referrerRewards;
  return c;
}

std::vector<std::string> codes(const std::vector<Violation>& vs) {
  std::vector<std::string> out;
  for (const Violation& v : vs) out.push_back(v.guard + ":" + v.code);
  return out;
}

std::vector<std::string> check(const Campaign& c) {
  return codes(validateCampaigns({c}));
}

TEST(CampaignGuards, TheSeedCampaignShapeIsValid) {
  EXPECT_TRUE(check(fission()).empty());
}

TEST(CampaignGuards, G1CashRedPacketBalanceAndPointsAreRefused) {
  for (RewardType t :
       {RewardType::kCash, RewardType::kRedPacket, RewardType::kBalance, RewardType::kPoints}) {
    Campaign c = fission();
    c.referrerRewards[0].type = t;
    EXPECT_EQ(check(c), std::vector<std::string>{"G1:campaign.cash_reward_forbidden"});
  }
}

TEST(CampaignGuards, G1CashConvertibleOrTransferableVouchersAreRefused) {
  Campaign c = fission();
  c.refereeRewards[0].cashConvertible = true;
  c.referrerRewards[0].transferable = true;
  EXPECT_EQ(check(c), (std::vector<std::string>{"G1:campaign.cash_reward_forbidden",
                                                "G1:campaign.cash_reward_forbidden"}));
}

TEST(CampaignGuards, G2ScanClickSignUpOrInviteSentAreNotHospitalEvents) {
  for (Trigger t : {Trigger::kScan, Trigger::kClick, Trigger::kSignUp, Trigger::kInviteSent}) {
    Campaign c = fission();
    c.referral.trigger = t;
    EXPECT_EQ(check(c), std::vector<std::string>{"G2:campaign.trigger_not_hospital_event"});
  }
}

TEST(CampaignGuards, G3NothingDependsOnSharingToMomentsOrGroups) {
  Campaign c = fission();
  c.referral.trigger = Trigger::kShareToMoments;
  EXPECT_EQ(check(c), std::vector<std::string>{"G3:campaign.share_condition_forbidden"});
  c = fission();
  c.referral.trigger = Trigger::kShareToGroup;
  EXPECT_EQ(check(c), std::vector<std::string>{"G3:campaign.share_condition_forbidden"});
  c = fission();
  c.requiresShareTo = "moments";
  EXPECT_EQ(check(c), std::vector<std::string>{"G3:campaign.share_condition_forbidden"});
}

TEST(CampaignGuards, G5OnlyDirectReferralsEarn) {
  Campaign c = fission();
  c.rewardLevels = {1, 2, 3};
  EXPECT_EQ(check(c), (std::vector<std::string>{"G5:campaign.downline_reward_forbidden",
                                                "G5:campaign.downline_reward_forbidden"}));
}

TEST(CampaignGuards, G13RunningCampaignsOnlyChangeInUsersFavour) {
  Campaign before = fission();
  before.status = CampaignStatus::kRunning;
  Campaign after = before;
  after.referrerRewards[0].valueFen = 5000;
  EXPECT_EQ(codes(validateCampaignChange(before, after)),
            std::vector<std::string>{"G13:campaign.unfavourable_change"});
  after = before;
  after.referrerRewards[0].valueFen = 20000;
  after.referral.holdDays = 90;
  EXPECT_TRUE(validateCampaignChange(before, after).empty());
  after = before;
  after.refereeRewards.clear();
  EXPECT_EQ(codes(validateCampaignChange(before, after)),
            std::vector<std::string>{"G13:campaign.unfavourable_change"});
  before.status = CampaignStatus::kDraft;  // unpublished drafts are free to change
  after = before;
  after.referrerRewards[0].valueFen = 1;
  EXPECT_TRUE(validateCampaignChange(before, after).empty());
}

TEST(CampaignGuards, G14NoLotteries) {
  Campaign c = fission();
  c.selection = "lottery";
  EXPECT_EQ(check(c), std::vector<std::string>{"G14:campaign.lottery_forbidden"});
}

TEST(CampaignGuards, G15StaffAreNeverBeneficiariesAndNothingDependsOnSpend) {
  Campaign c = fission();
  c.includeStaff = true;
  EXPECT_EQ(check(c), std::vector<std::string>{"G15:campaign.staff_beneficiary_forbidden"});
  c = fission();
  c.minSpendFen = 1;
  EXPECT_EQ(check(c), std::vector<std::string>{"G15:campaign.spend_condition_forbidden"});
}

TEST(CampaignGuards, G16InpatientReferralRewardsWaitForDischarge) {
  Campaign c = fission();
  c.referral.refereeMustBeInpatient = true;
  c.referral.trigger = Trigger::kAdmissionConfirmed;
  EXPECT_EQ(check(c), std::vector<std::string>{"G16:campaign.inpatient_reward_timing"});
  c.referral.trigger = Trigger::kDischargeConfirmed;
  EXPECT_TRUE(check(c).empty());
}

TEST(CampaignGuards, G20ReferralRewardsHoldNinetyDays) {
  Campaign c = fission();
  c.referral.holdDays = 30;
  EXPECT_EQ(check(c), std::vector<std::string>{"G20:campaign.hold_too_short"});
}

TEST(CampaignGuards, ConsistencyErrorsHaveTheirOwnCodes) {
  Campaign c = fission();
  c.hasValidFrom = c.hasValidTo = true;
  c.validFrom = *parseDate("2026-12-01");
  c.validTo = *parseDate("2026-11-01");
  c.referrerRewards[0].valueFen = -1;
  c.perPersonLimit = -2;
  EXPECT_EQ(check(c), (std::vector<std::string>{":campaign.bad_window", ":campaign.bad_limit",
                                                ":campaign.bad_reward"}));
  Campaign quota;
  quota.id = "q";
  quota.title = "名额";
  quota.type = CampaignType::kMonthlyQuota;
  quota.releaseDayOfMonth = 31;
  quota.pools = {QuotaPool{"p", -1, Reward{"r", RewardType::kVoucher, "券", 100}}};
  EXPECT_EQ(check(quota), (std::vector<std::string>{":campaign.bad_quota", ":campaign.bad_quota"}));
  EXPECT_EQ(codes(validateCampaigns({fission(), fission()})),
            std::vector<std::string>{":campaign.duplicate_id"});
}

}  // namespace
}  // namespace carecircle
