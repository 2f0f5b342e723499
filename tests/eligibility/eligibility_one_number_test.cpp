// Screens that must not contradict each other: a reason about one friend
// names that friend (masked as on the referral tree); the check-in campaign
// says what the check-in screen says; no invite prompt on a reward day.
#include <gtest/gtest.h>

#include <string>

#include "common/mask_name.hpp"
#include "eligibility/eligibility.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kDay = 86'400'000;

std::int64_t beijingNoon(const char* date) {
  return std::int64_t{*parseDate(date)} * kDay + 4 * 3'600'000;  // 12:00 at UTC+8
}

Campaign fission() {
  Campaign c;
  c.id = "fission";
  c.title = "老带新·双向体检券";
  c.type = CampaignType::kReferralReward;
  c.referrerRewards = {Reward{"exam", RewardType::kVoucher, "100元体检券", 10000}};
  c.refereeRewards = c.referrerRewards;
  c.referral.refereeMustBeNew = true;
  return c;
}

ReferralFacts referral(const std::string& id, const std::string& name, const char* registeredOn) {
  ReferralFacts r;
  r.id = id;
  r.referrerId = "p";
  r.refereeId = "q" + id;
  r.refereeIsNewPatient = true;
  r.referrerIsMember = true;
  r.refereeName = name;
  if (registeredOn != nullptr) r.registrationConfirmedAtMs = beijingNoon(registeredOn);
  return r;
}

EligibilityRequest request(const char* today) {
  EligibilityRequest r;
  r.nowMs = beijingNoon(today);
  r.patient.id = "p";
  r.campaigns = {fission()};
  return r;
}

// The 老带新 card listed five reasons without saying which friend each was about.
TEST(EligibilityOneNumber, EachReasonAboutOneReferralNamesThatFriend) {
  EligibilityRequest req = request("2026-11-23");
  ReferralFacts known = referral("r1", "郑美玲", "2026-11-13");
  known.refereeIsNewPatient = false;
  req.referrals = {known, referral("r2", "黄志强", nullptr), referral("r3", "林东", nullptr),
                   referral("r4", "何英", "2026-11-13")};
  auto report = evaluateEligibility(req);
  ASSERT_TRUE(report.ok());
  const CampaignEligibility& c = report.value().campaigns.at(0);
  int waiting = 0;
  for (const Reason& r : c.reasons) {
    ASSERT_FALSE(r.friendName.empty()) << r.code << " " << r.message;
    EXPECT_EQ(r.message.rfind(r.friendName + "：", 0), 0u) << r.message;
    EXPECT_EQ(r.message.find("美"), std::string::npos) << r.message;  // masked only
    if (r.code == "eligibility.awaiting_event") ++waiting;
  }
  // Two friends waiting for the same event are two lines, one per friend.
  EXPECT_EQ(waiting, 2);
  bool notNew = false;
  for (const Reason& r : c.reasons) {
    if (r.code == "eligibility.referee_not_new") {
      notNew = true;
      EXPECT_EQ(r.friendName, maskName("郑美玲"));
      EXPECT_EQ(r.message, "郑*玲：这位朋友此前已在本院就诊，不属于新患者推荐");
    }
  }
  EXPECT_TRUE(notNew);
  // The holding reward's date names its friend too.
  EXPECT_EQ(c.nextStep.rfind("何*：奖励将于", 0), 0u) << c.nextStep;
}

TEST(EligibilityOneNumber, WithoutANameTheReasonIsUnchanged) {
  EligibilityRequest req = request("2026-11-23");
  req.referrals = {referral("r1", "", nullptr)};
  auto report = evaluateEligibility(req);
  ASSERT_TRUE(report.ok());
  const CampaignEligibility& c = report.value().campaigns.at(0);
  ASSERT_EQ(c.reasons.size(), 1u);
  EXPECT_EQ(c.reasons[0].friendName, "");
  EXPECT_EQ(c.reasons[0].message, "等待医院确认朋友已建档");
}

Campaign checkIns() {
  Campaign c;
  c.id = "checkin";
  c.title = "康复打卡·复诊抵用券";
  c.type = CampaignType::kCheckInMilestone;
  c.milestoneRuleId = "revisit-voucher-50";
  c.rewards = {Reward{"revisit", RewardType::kVoucher, "50元复诊抵用券", 5000}};
  return c;
}

// 打卡 said "再坚持1天" while the campaign said "暂无可领".
TEST(EligibilityOneNumber, TheCheckInCampaignSaysWhatTheCheckInScreenSays) {
  EligibilityRequest req = request("2026-11-23");
  req.campaigns = {checkIns()};
  req.hasStreakProgress = true;
  req.streakProgress = {"revisit-voucher-50", 6, 7, 1, "再坚持1天可得50元复诊抵用券"};
  auto report = evaluateEligibility(req);
  ASSERT_TRUE(report.ok());
  const CampaignEligibility& c = report.value().campaigns.at(0);
  EXPECT_EQ(c.status, EligibilityStatus::kPending);
  EXPECT_EQ(c.nextStep, "再坚持1天可得50元复诊抵用券");
  EXPECT_TRUE(c.reasons.empty());
  // Another rule's progress says nothing about this campaign.
  req.streakProgress.ruleId = "other";
  auto other = evaluateEligibility(req);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other.value().campaigns.at(0).status, EligibilityStatus::kIneligible);
  // Without progress the old answer stands.
  req.hasStreakProgress = false;
  auto none = evaluateEligibility(req);
  EXPECT_EQ(none.value().campaigns.at(0).reasons.at(0).code, "eligibility.no_milestone");
}

TEST(EligibilityOneNumber, AnEarnedMilestoneStaysEligibleWhateverTheProgress) {
  EligibilityRequest req = request("2026-11-23");
  req.campaigns = {checkIns()};
  req.milestones = {{"revisit-voucher-50@2026-11-17", "revisit-voucher-50"}};
  req.hasStreakProgress = true;
  req.streakProgress = {"revisit-voucher-50", 0, 7, 7, "再坚持7天可得50元复诊抵用券"};
  auto report = evaluateEligibility(req);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report.value().campaigns.at(0).status, EligibilityStatus::kEligible);
}

// The invite sheet followed the reward on the same day.
TEST(EligibilityOneNumber, NoInvitePromptOnARewardDay) {
  InvitePromptRequest r;
  r.nowMs = beijingNoon("2026-11-23");
  EXPECT_TRUE(mayShowInvitePrompt(r).value().allowed);
  r.rewardsAtMs = {beijingNoon("2026-11-23") - 11 * 3'600'000};  // 01:00 the same civil day
  auto same = mayShowInvitePrompt(r);
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same.value().allowed);
  ASSERT_EQ(same.value().reasons.size(), 1u);
  EXPECT_EQ(same.value().reasons[0].code, "eligibility.prompt_reward_day");
  r.rewardsAtMs = {beijingNoon("2026-11-23") - 13 * 3'600'000};  // 23:00 the day before
  EXPECT_TRUE(mayShowInvitePrompt(r).value().allowed);
}

}  // namespace
}  // namespace carecircle
