#include "eligibility/eligibility.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

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
  return c;
}

ReferralFacts referral(const std::string& id, const char* registeredOn,
                       const std::string& referee = "q") {
  ReferralFacts r;
  r.id = id;
  r.referrerId = "p";
  r.refereeId = referee + id;
  r.refereeIsNewPatient = true;
  r.referrerIsMember = true;
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

const CampaignEligibility& only(const Result<EligibilityReport>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code);
  return r.value().campaigns.at(0);
}

TEST(Eligibility, ReferrerRewardHoldsNinetyDaysThenVests) {
  EligibilityRequest req = request("2026-11-23");
  req.referrals = {referral("r1", "2026-11-13")};
  auto report = evaluateEligibility(req);
  const CampaignEligibility& held = only(report);
  EXPECT_EQ(held.status, EligibilityStatus::kPending);
  ASSERT_EQ(held.grants.size(), 1u);
  EXPECT_EQ(held.grants.at(0).state, GrantState::kHolding);
  EXPECT_EQ(held.grants.at(0).holdDaysLeft, 80);
  EXPECT_EQ(formatDate(held.unlockOn), "2027-02-11");
  EXPECT_EQ(held.grants.at(0).reasons.at(0).message, "朋友建档满90天且无投诉后发放，还需80天");

  req.nowMs = beijingNoon("2027-02-11");
  auto later = evaluateEligibility(req);
  EXPECT_EQ(only(later).grants.at(0).state, GrantState::kIssuable);
  EXPECT_TRUE(only(later).eligible);
}

TEST(Eligibility, ComplaintDuringTheHoldVoidsTheReward) {
  EligibilityRequest req = request("2026-11-23");
  req.referrals = {referral("r1", "2026-06-01")};
  req.referrals[0].complaintAtMs = beijingNoon("2026-07-01");
  auto report = evaluateEligibility(req);
  EXPECT_EQ(only(report).grants.at(0).state, GrantState::kVoid);
  // A complaint after the hold ended does not claw back a vested reward.
  req.referrals[0].complaintAtMs = beijingNoon("2026-10-01");
  auto after = evaluateEligibility(req);
  EXPECT_EQ(only(after).grants.at(0).state, GrantState::kIssuable);
}

TEST(Eligibility, RefereeRewardIsImmediateOnConfirmedRegistration) {
  EligibilityRequest req = request("2026-11-23");
  ReferralFacts r = referral("r1", "2026-11-20");
  r.referrerId = "someone";
  r.refereeId = "p";
  req.referrals = {r};
  auto report = evaluateEligibility(req);
  ASSERT_EQ(only(report).grants.size(), 1u);
  EXPECT_EQ(only(report).grants.at(0).key, "fission:r1:referee:exam");
  EXPECT_EQ(only(report).grants.at(0).state, GrantState::kIssuable);
}

TEST(Eligibility, NothingFiresBeforeTheHospitalConfirms) {
  EligibilityRequest req = request("2026-11-23");
  req.referrals = {referral("r1", nullptr)};
  auto report = evaluateEligibility(req);
  EXPECT_EQ(only(report).grants.at(0).state, GrantState::kWaiting);
  EXPECT_EQ(only(report).reasons.at(0).code, "eligibility.awaiting_event");
}

TEST(Eligibility, LevelTwoAndReturningPatientsNeverEarn) {
  EligibilityRequest req = request("2026-11-23");
  req.referrals = {referral("r1", "2026-01-01"), referral("r2", "2026-01-01")};
  req.referrals[0].level = 2;
  req.referrals[1].refereeIsNewPatient = false;
  auto report = evaluateEligibility(req);
  std::vector<std::string> codes;
  for (const Reason& r : only(report).reasons) codes.push_back(r.code);
  EXPECT_EQ(codes, (std::vector<std::string>{"eligibility.not_direct_referral",
                                             "eligibility.referee_not_new"}));
  EXPECT_FALSE(only(report).eligible);
}

TEST(Eligibility, StaffAreExcluded) {
  EligibilityRequest req = request("2026-11-23");
  req.patient.isStaff = true;
  req.referrals = {referral("r1", "2026-01-01")};
  auto report = evaluateEligibility(req);
  EXPECT_EQ(only(report).reasons.at(0).code, "eligibility.staff_excluded");
  EXPECT_TRUE(only(report).grants.empty());
}

TEST(Eligibility, PerPersonLimitAndBudgetStopFurtherGrants) {
  EligibilityRequest req = request("2026-11-23");
  req.campaigns[0].refereeRewards.clear();
  req.campaigns[0].perPersonLimit = 2;
  req.referrals = {referral("r1", "2026-01-01"), referral("r2", "2026-01-02"),
                   referral("r3", "2026-01-03")};
  auto limited = evaluateEligibility(req);
  EXPECT_EQ(only(limited).grants.at(2).state, GrantState::kBlocked);
  EXPECT_EQ(only(limited).grants.at(2).reasons.at(0).code, "eligibility.per_person_limit");

  req.campaigns[0].perPersonLimit = 0;
  req.campaigns[0].budgetFen = 100000;
  req.counters = {CampaignCounter{"fission", 9, 90000}};
  auto budget = evaluateEligibility(req);
  EXPECT_EQ(only(budget).grants.at(0).state, GrantState::kIssuable);
  EXPECT_EQ(only(budget).grants.at(1).reasons.at(0).code, "eligibility.budget_exhausted");
}

TEST(Eligibility, ExclusiveCampaignsPayOneReferralOnceByPriority) {
  EligibilityRequest req = request("2026-11-23");
  Campaign card = fission();
  card.id = "card";
  card.title = "出院感恩卡";
  card.priority = 10;
  card.exclusiveWith = {"fission"};
  req.campaigns.push_back(card);
  req.referrals = {referral("r1", "2026-01-01")};
  auto report = evaluateEligibility(req);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report.value().campaigns.at(1).grants.at(0).state, GrantState::kIssuable);
  EXPECT_EQ(report.value().campaigns.at(0).grants.at(0).state, GrantState::kBlocked);
  EXPECT_EQ(report.value().campaigns.at(0).grants.at(0).reasons.at(0).code, "eligibility.not_stackable");
}

TEST(Eligibility, TiersCountTheSameVestedReferralsAsRewards) {
  EligibilityRequest req = request("2026-11-23");
  Campaign tiers;
  tiers.id = "ambassador";
  tiers.title = "健康大使";
  tiers.type = CampaignType::kReferralTier;
  tiers.tiers = {Tier{"bronze", "铜质健康大使", 1, {Reward{"m1", RewardType::kMedal, "铜质勋章"}}},
                 Tier{"silver", "银质健康大使", 3, {Reward{"m3", RewardType::kMedal, "银质勋章"}}}};
  req.campaigns.push_back(tiers);
  req.referrals = {referral("r1", "2026-01-01"), referral("r2", "2026-11-01"),
                   referral("r3", "2026-11-10")};
  auto report = evaluateEligibility(req);
  ASSERT_TRUE(report.ok());
  const CampaignEligibility& t = report.value().campaigns.at(1);
  EXPECT_EQ(t.tier.successfulReferrals, 1);
  EXPECT_EQ(t.tier.currentTierId, "bronze");
  EXPECT_EQ(t.tier.referralsToNext, 2);
  EXPECT_EQ(formatDate(t.unlockOn), "2027-02-08");  // when the second holding referral vests
  const int vestedRewards = static_cast<int>(std::count_if(
      report.value().campaigns[0].grants.begin(), report.value().campaigns[0].grants.end(),
      [](const Grant& g) { return g.state == GrantState::kIssuable; }));
  EXPECT_EQ(vestedRewards, t.tier.successfulReferrals);
}

TEST(Eligibility, MonthlyQuotaOpensOnTheFifteenthAndNeverOversells) {
  EligibilityRequest req = request("2026-11-14");
  Campaign quota;
  quota.id = "scarce";
  quota.title = "稀缺名额";
  quota.type = CampaignType::kMonthlyQuota;
  quota.pools = {QuotaPool{"half", 10, Reward{"half", RewardType::kVoucher, "体检半价券", 30000}}};
  req.campaigns = {quota};
  ReferralFacts r = referral("r1", "2026-11-01");
  r.referrerId = "member";
  r.refereeId = "p";
  req.referrals = {r};
  auto before = evaluateEligibility(req);
  EXPECT_EQ(only(before).status, EligibilityStatus::kLocked);
  EXPECT_EQ(formatDate(only(before).unlockOn), "2026-11-15");

  req.nowMs = beijingNoon("2026-11-15");
  req.pools = {PoolCounter{"scarce", "half", {2026, 11}, 9}};
  EXPECT_TRUE(only(evaluateEligibility(req)).eligible);
  req.pools[0].used = 10;
  auto gone = evaluateEligibility(req);
  EXPECT_FALSE(only(gone).eligible);
  EXPECT_EQ(only(gone).reasons.at(0).code, "eligibility.quota_exhausted");
  EXPECT_EQ(formatDate(only(gone).unlockOn), "2026-12-15");

  req.referrals[0].referrerIsMember = false;
  EXPECT_EQ(only(evaluateEligibility(req)).reasons.at(0).code, "eligibility.not_referred_by_member");
}

TEST(Eligibility, CheckInVouchersComeFromStreakMilestonesOnly) {
  EligibilityRequest req = request("2026-11-23");
  Campaign c;
  c.id = "checkin";
  c.title = "康复打卡";
  c.type = CampaignType::kCheckInMilestone;
  c.rewards = {Reward{"v50", RewardType::kVoucher, "50元复诊抵用券", 5000}};
  req.campaigns = {c};
  req.patient.isStaff = true;  // staff who are patients keep their own check-in vouchers (G4)
  req.milestones = {MilestoneFact{"revisit-voucher-50@2026-11-01", "revisit-voucher-50"},
                    MilestoneFact{"other@2026-11-01", "other-rule"}};
  req.issued = {IssuedReward{"checkin:revisit-voucher-50@2026-11-01:v50", "checkin", "",
                             IssuedStatus::kIssued, beijingNoon("2026-11-07")}};
  auto report = evaluateEligibility(req);
  ASSERT_EQ(only(report).grants.size(), 1u);
  EXPECT_EQ(only(report).grants.at(0).state, GrantState::kIssued);
  ASSERT_EQ(report.value().wallet.size(), 1u);
  EXPECT_EQ(report.value().wallet.at(0).status, WalletStatus::kAvailable);
  EXPECT_EQ(formatDate(report.value().wallet.at(0).date),
            "2027-02-04");  // 90 days incl. the issue day
}

TEST(Eligibility, WalletExplainsWhyACouponCannotBeUsed) {
  EligibilityRequest req = request("2026-11-23");
  req.campaigns[0].referrerRewards[0].validDays = 30;
  req.referrals = {referral("r1", "2026-01-01"), referral("r2", "2026-11-13")};
  req.issued = {IssuedReward{"fission:r1:referrer:exam", "fission", "", IssuedStatus::kIssued,
                             beijingNoon("2026-04-01")}};
  auto report = evaluateEligibility(req);
  ASSERT_TRUE(report.ok());
  const auto& wallet = report.value().wallet;
  ASSERT_EQ(wallet.size(), 2u);
  EXPECT_EQ(wallet[0].status, WalletStatus::kLocked);
  EXPECT_EQ(wallet[0].why, "朋友建档满90天且无投诉后发放，还需80天");
  EXPECT_EQ(wallet[1].status, WalletStatus::kExpired);
  EXPECT_EQ(wallet[1].why, "已于2026年4月30日过期");
}

TEST(Eligibility, CampaignWindowsLockAndEnd) {
  EligibilityRequest req = request("2026-11-23");
  req.campaigns[0].hasValidFrom = true;
  req.campaigns[0].validFrom = *parseDate("2026-12-01");
  EXPECT_EQ(only(evaluateEligibility(req)).status, EligibilityStatus::kLocked);
  req.campaigns[0].hasValidFrom = false;
  req.campaigns[0].hasValidTo = true;
  req.campaigns[0].validTo = *parseDate("2026-11-22");
  EXPECT_EQ(only(evaluateEligibility(req)).status, EligibilityStatus::kEnded);
  req.campaigns[0].hasValidTo = false;
  req.campaigns[0].enabled = false;  // G16: the operator switched it off
  EXPECT_EQ(only(evaluateEligibility(req)).reasons.at(0).code, "eligibility.campaign_disabled");
}

TEST(Eligibility, InvalidCampaignsAreRefusedBeforeEvaluation) {
  EligibilityRequest req = request("2026-11-23");
  req.campaigns[0].referrerRewards[0].type = RewardType::kCash;
  auto report = evaluateEligibility(req);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, "campaign.cash_reward_forbidden");
}

TEST(InvitePrompt, AtMostThreeIn90DaysWithOptOutAndNoClinicalMoments) {
  InvitePromptRequest r;
  r.nowMs = beijingNoon("2026-11-23");
  r.shownAtMs = {r.nowMs - 10 * kDay, r.nowMs - 20 * kDay};
  auto ok = mayShowInvitePrompt(r);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok.value().allowed);
  EXPECT_EQ(ok.value().remainingInWindow, 1);
  r.shownAtMs.push_back(r.nowMs - 89 * kDay);
  auto capped = mayShowInvitePrompt(r);
  EXPECT_FALSE(capped.value().allowed);
  EXPECT_EQ(capped.value().nextAllowedAtMs, r.nowMs + kDay);
  r.shownAtMs.pop_back();
  r.optedOut = true;
  EXPECT_EQ(mayShowInvitePrompt(r).value().reasons.at(0).code, "eligibility.prompt_opted_out");
  r.optedOut = false;
  r.inClinicalMoment = true;
  EXPECT_EQ(mayShowInvitePrompt(r).value().reasons.at(0).code, "eligibility.prompt_clinical_moment");
  r.inClinicalMoment = false;
  r.maxPrompts = 5;
  EXPECT_EQ(mayShowInvitePrompt(r).error().code, "eligibility.bad_prompt_policy");
}

}  // namespace
}  // namespace carecircle
