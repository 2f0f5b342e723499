// Exact boundaries of per-patient eligibility and the invite-prompt cap: each
// day, count and limit at its value and one unit either side, and every guard
// on every campaign type that applies it.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "eligibility/eligibility.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kDay = 86'400'000;

DayNumber day(const char* date) {
  return *parseDate(date);
}

std::int64_t noon(DayNumber d) {
  return std::int64_t{d} * kDay + 4 * 3'600'000;  // 12:00 at UTC+8
}

std::int64_t noon(const char* date) {
  return noon(day(date));
}

Reward voucher(std::string id = "exam", std::int64_t fen = 10000) {
  return Reward{std::move(id), RewardType::kVoucher, "100元体检券", fen};
}

Campaign referralReward() {
  Campaign c;
  c.id = "fission";
  c.title = "老带新";
  c.type = CampaignType::kReferralReward;
  c.referrerRewards = {voucher()};
  return c;
}

Campaign refereePerk() {
  Campaign c = referralReward();
  c.id = "perk";
  c.referrerRewards.clear();
  c.refereeRewards = {voucher("perk")};
  return c;
}

Campaign referralTier() {
  Campaign c;
  c.id = "ambassador";
  c.title = "健康大使";
  c.type = CampaignType::kReferralTier;
  c.tiers = {Tier{"bronze", "铜质勋章", 2, {voucher("b")}},
             Tier{"silver", "银质勋章", 3, {voucher("s")}}};
  return c;
}

Campaign monthlyQuota() {
  Campaign c;
  c.id = "scarce";
  c.title = "稀缺名额";
  c.type = CampaignType::kMonthlyQuota;
  c.pools = {QuotaPool{"half", 10, voucher("half")}};
  return c;
}

Campaign milestoneCampaign() {
  Campaign c;
  c.id = "checkin";
  c.title = "康复打卡";
  c.type = CampaignType::kCheckInMilestone;
  c.rewards = {voucher("v50", 5000)};
  return c;
}

// A referral where patient "p" is the referrer, registration confirmed on `on`.
ReferralFacts asReferrer(const std::string& id, DayNumber on) {
  ReferralFacts r;
  r.id = id;
  r.referrerId = "p";
  r.refereeId = "friend-" + id;
  r.refereeIsNewPatient = true;
  r.referrerIsMember = true;
  r.registrationConfirmedAtMs = on == 0 ? 0 : noon(on);
  return r;
}

// A referral where "p" is the referee, referred by a community member.
ReferralFacts asReferee(const std::string& id, DayNumber on) {
  ReferralFacts r = asReferrer(id, on);
  r.referrerId = "member";
  r.refereeId = "p";
  return r;
}

EligibilityRequest request(DayNumber today, Campaign c) {
  EligibilityRequest r;
  r.nowMs = noon(today);
  r.patient.id = "p";
  r.campaigns = {std::move(c)};
  return r;
}

// The one campaign's result; an Error fails the test (not the binary).
CampaignEligibility run(const EligibilityRequest& r) {
  Result<EligibilityReport> out = evaluateEligibility(r);
  if (!out.ok()) {
    ADD_FAILURE() << out.error().code;
    return {};
  }
  if (out.value().campaigns.size() != 1) {
    ADD_FAILURE() << out.value().campaigns.size() << " campaigns";
    return {};
  }
  return out.value().campaigns[0];
}

std::vector<std::string> states(const CampaignEligibility& c) {
  static const char* kNames[] = {"issuable", "holding", "waiting", "issued", "void", "blocked"};
  std::vector<std::string> out;
  for (const Grant& g : c.grants) out.push_back(kNames[static_cast<int>(g.state)]);
  return out;
}

bool hasReason(const CampaignEligibility& c, const std::string& code) {
  for (const Reason& r : c.reasons)
    if (r.code == code) return true;
  for (const Grant& g : c.grants)
    for (const Reason& r : g.reasons)
      if (r.code == code) return true;
  return false;
}

using Strings = std::vector<std::string>;

// ---- G20: the 90-day hold (default) and a 120-day one ----------------------

TEST(EligibilityEdges, HoldVestsOnEventDayPlusHoldDays) {
  for (const int hold : {90, 120}) {
    const DayNumber event = day("2026-08-01");
    Campaign c = referralReward();
    c.referral.holdDays = hold;
    EligibilityRequest before = request(event + hold - 1, c);
    before.referrals = {asReferrer("r1", event)};
    const CampaignEligibility held = run(before);
    EXPECT_EQ(states(held), Strings{"holding"}) << hold;
    ASSERT_EQ(held.grants.size(), 1u);
    EXPECT_EQ(held.grants[0].holdDaysLeft, 1) << hold;
    EXPECT_EQ(held.grants[0].vestsOn, event + hold) << hold;
    EligibilityRequest on = before;
    on.nowMs = noon(event + hold);
    EXPECT_EQ(states(run(on)), Strings{"issuable"}) << hold;
  }
}

TEST(EligibilityEdges, ComplaintOnTheLastHoldDayVoidsTheDayAfterDoesNot) {
  const DayNumber event = day("2026-08-01");
  EligibilityRequest r = request(event + 120, referralReward());
  r.referrals = {asReferrer("r1", event)};
  r.referrals[0].complaintAtMs = noon(event + 90);  // the vesting day itself
  EXPECT_EQ(states(run(r)), Strings{"void"});
  r.referrals[0].complaintAtMs = noon(event + 91);
  EXPECT_EQ(states(run(r)), Strings{"issuable"});
}

// ---- conditions on a referral, on every path that applies them --------------

TEST(EligibilityEdges, OnlyDirectReferralsEarnOnEveryReferralPath) {
  for (int level : {2, 3}) {
    EligibilityRequest r = request(day("2026-11-23"), referralReward());
    r.referrals = {asReferrer("r1", day("2026-01-01"))};
    r.referrals[0].level = level;
    const CampaignEligibility out = run(r);
    EXPECT_EQ(states(out), Strings{"blocked"}) << level;
    EXPECT_TRUE(hasReason(out, "eligibility.not_direct_referral")) << level;
    // Tiers: a deeper referral is not a success.
    Campaign t = referralTier();
    t.tiers[0].minReferrals = 1;
    EligibilityRequest tier = request(day("2026-11-23"), t);
    tier.referrals = r.referrals;
    EXPECT_EQ(run(tier).tier.successfulReferrals, 0) << level;
    // Quota: only a direct referral by a member opens a place.
    EligibilityRequest quota = request(day("2026-11-20"), monthlyQuota());
    quota.referrals = {asReferee("r1", day("2026-11-01"))};
    quota.referrals[0].level = level;
    EXPECT_TRUE(hasReason(run(quota), "eligibility.not_referred_by_member")) << level;
  }
}

TEST(EligibilityEdges, NewPatientConditionOnEveryCampaignType) {
  // Referral reward (referrer and referee sides), tier and quota.
  EligibilityRequest reward = request(day("2026-11-23"), referralReward());
  reward.referrals = {asReferrer("r1", day("2026-01-01"))};
  reward.referrals[0].refereeIsNewPatient = false;
  EXPECT_TRUE(hasReason(run(reward), "eligibility.referee_not_new"));

  EligibilityRequest perk = request(day("2026-11-23"), refereePerk());
  perk.referrals = {asReferee("r1", day("2026-11-01"))};
  perk.referrals[0].refereeIsNewPatient = false;
  EXPECT_TRUE(hasReason(run(perk), "eligibility.referee_not_new"));
  perk.referrals[0].refereeIsNewPatient = true;
  EXPECT_EQ(states(run(perk)), Strings{"issuable"});

  Campaign t = referralTier();
  t.tiers[0].minReferrals = 1;
  EligibilityRequest tier = request(day("2026-11-23"), t);
  tier.referrals = {asReferrer("r1", day("2026-01-01"))};
  tier.referrals[0].refereeIsNewPatient = false;
  EXPECT_EQ(run(tier).tier.successfulReferrals, 0);

  EligibilityRequest quota = request(day("2026-11-20"), monthlyQuota());
  quota.referrals = {asReferee("r1", day("2026-11-01"))};
  quota.referrals[0].refereeIsNewPatient = false;
  const CampaignEligibility q = run(quota);
  EXPECT_FALSE(q.eligible);
  EXPECT_TRUE(hasReason(q, "eligibility.referee_not_new"));
}

TEST(EligibilityEdges, QuotaNeedsAMemberReferrer) {
  EligibilityRequest quota = request(day("2026-11-20"), monthlyQuota());
  quota.referrals = {asReferee("r1", day("2026-11-01"))};
  EXPECT_TRUE(run(quota).eligible);
  quota.referrals[0].referrerIsMember = false;
  const CampaignEligibility out = run(quota);
  EXPECT_FALSE(out.eligible);
  EXPECT_TRUE(hasReason(out, "eligibility.not_referred_by_member"));
}

TEST(EligibilityEdges, InpatientMemberAndChannelConditions) {
  struct Case {
    const char* code;
    void (*campaign)(Campaign&);
    void (*meets)(ReferralFacts&);
  };
  const Case cases[] = {
      {"eligibility.referee_not_inpatient",
       [](Campaign& c) {
         c.referral.refereeMustBeInpatient = true;
         c.referral.trigger = Trigger::kDischargeConfirmed;
       },
       [](ReferralFacts& r) {
         r.refereeIsInpatient = true;
         r.dischargeConfirmedAtMs = r.registrationConfirmedAtMs;
       }},
      {"eligibility.referrer_not_member", [](Campaign& c) { c.referral.referrerMustBeMember = true; },
       [](ReferralFacts& r) { r.referrerIsMember = true; }},
      {"eligibility.wrong_channel", [](Campaign& c) { c.referral.channel = "dischargeCard"; },
       [](ReferralFacts& r) { r.channel = "dischargeCard"; }},
  };
  for (const Case& k : cases) {
    Campaign c = referralReward();
    k.campaign(c);
    EligibilityRequest r = request(day("2026-11-23"), c);
    r.referrals = {asReferrer("r1", day("2026-01-01"))};
    r.referrals[0].referrerIsMember = false;
    r.referrals[0].channel = "link";
    const CampaignEligibility miss = run(r);
    EXPECT_EQ(states(miss), Strings{"blocked"}) << k.code;
    EXPECT_TRUE(hasReason(miss, k.code)) << k.code;
    k.meets(r.referrals[0]);
    EXPECT_EQ(states(run(r)), Strings{"issuable"}) << k.code;
  }
}

// ---- campaign window: first and last day inclusive -------------------------

TEST(EligibilityEdges, CampaignOpenOnItsFirstAndLastDay) {
  Campaign c = refereePerk();
  c.hasValidFrom = true;
  c.validFrom = day("2026-11-10");
  c.hasValidTo = true;
  c.validTo = day("2026-11-20");
  EligibilityRequest r = request(day("2026-11-09"), c);
  r.referrals = {asReferee("r1", day("2026-11-01"))};
  EXPECT_EQ(run(r).status, EligibilityStatus::kLocked);
  for (const char* open : {"2026-11-10", "2026-11-20"}) {
    r.nowMs = noon(open);
    EXPECT_EQ(run(r).status, EligibilityStatus::kEligible) << open;
  }
  r.nowMs = noon("2026-11-21");
  EXPECT_EQ(run(r).status, EligibilityStatus::kEnded);
}

// ---- G15: staff on every referral-based path; G4: not on milestones ---------

TEST(EligibilityEdges, StaffExcludedFromEveryReferralCampaignType) {
  const DayNumber today = day("2026-11-20");
  std::vector<EligibilityRequest> requests;
  EligibilityRequest reward = request(today, referralReward());
  reward.referrals = {asReferrer("r1", day("2026-01-01"))};
  requests.push_back(reward);
  EligibilityRequest perk = request(today, refereePerk());
  perk.referrals = {asReferee("r1", day("2026-11-01"))};
  requests.push_back(perk);
  Campaign t = referralTier();
  t.tiers[0].minReferrals = 1;
  EligibilityRequest tier = request(today, t);
  tier.referrals = reward.referrals;
  requests.push_back(tier);
  EligibilityRequest quota = request(today, monthlyQuota());
  quota.referrals = perk.referrals;
  requests.push_back(quota);
  for (EligibilityRequest& r : requests) {
    EXPECT_TRUE(run(r).eligible) << r.campaigns[0].id << " as a patient";
    r.patient.isStaff = true;
    const CampaignEligibility staff = run(r);
    EXPECT_FALSE(staff.eligible) << r.campaigns[0].id;
    EXPECT_TRUE(hasReason(staff, "eligibility.staff_excluded")) << r.campaigns[0].id;
    EXPECT_TRUE(staff.grants.empty()) << r.campaigns[0].id;
  }
  EligibilityRequest own = request(today, milestoneCampaign());
  own.milestones = {MilestoneFact{"revisit-voucher-50@2026-11-01", "revisit-voucher-50"}};
  own.patient.isStaff = true;
  EXPECT_TRUE(run(own).eligible);
}

// ---- limits -----------------------------------------------------------------

TEST(EligibilityEdges, PerPersonLimitExactly) {
  for (const int limit : {1, 2}) {
    Campaign c = referralReward();
    c.perPersonLimit = limit;
    EligibilityRequest r = request(day("2026-11-23"), c);
    for (int k = 0; k <= limit; ++k)
      r.referrals.push_back(asReferrer("r" + std::to_string(k), day("2026-01-01")));
    const CampaignEligibility out = run(r);
    Strings expected(limit, "issuable");
    expected.push_back("blocked");
    EXPECT_EQ(states(out), expected) << limit;
    EXPECT_TRUE(hasReason(out, "eligibility.per_person_limit"));
  }
}

TEST(EligibilityEdges, BudgetSpentExactlyIsAllowed) {
  for (const std::int64_t budget : {std::int64_t{20000}, std::int64_t{19999}}) {
    Campaign c = referralReward();
    c.budgetFen = budget;
    EligibilityRequest r = request(day("2026-11-23"), c);
    r.referrals = {asReferrer("r1", day("2026-01-01")), asReferrer("r2", day("2026-01-01"))};
    EXPECT_EQ(states(run(r)),
              budget == 20000 ? Strings({"issuable", "issuable"}) : Strings({"issuable", "blocked"}))
        << budget;
  }
  // Money already spent campaign-wide counts against the same budget.
  Campaign c = referralReward();
  c.budgetFen = 20000;
  EligibilityRequest r = request(day("2026-11-23"), c);
  r.referrals = {asReferrer("r1", day("2026-01-01"))};
  r.counters = {CampaignCounter{"fission", 1, 10000}};
  EXPECT_EQ(states(run(r)), Strings{"issuable"});
  r.counters[0].spentFen = 10001;
  EXPECT_EQ(states(run(r)), Strings{"blocked"});
}

// ---- first touch: a confirmed registration beats an unconfirmed one --------

TEST(EligibilityEdges, FirstTouchPrefersTheConfirmedReferral) {
  EligibilityRequest r = request(day("2026-11-23"), refereePerk());
  ReferralFacts pending = asReferee("a-pending", 0);  // smaller id, not confirmed
  ReferralFacts confirmed = asReferee("b-confirmed", day("2026-11-20"));
  r.referrals = {pending, confirmed};
  const CampaignEligibility out = run(r);
  ASSERT_EQ(out.grants.size(), 1u);
  EXPECT_EQ(out.grants[0].referralId, "b-confirmed");
  EXPECT_EQ(out.grants[0].state, GrantState::kIssuable);
  // Two confirmed: the earlier registration wins whatever the ids.
  ReferralFacts earlier = asReferee("z-earlier", day("2026-11-19"));
  r.referrals = {confirmed, earlier};
  const CampaignEligibility both = run(r);
  ASSERT_EQ(both.grants.size(), 1u);
  EXPECT_EQ(both.grants[0].referralId, "z-earlier");
}

// ---- monthly quota: the release day (default 15th, and the 20th) ----------

TEST(EligibilityEdges, QuotaOpensOnTheReleaseDay) {
  for (const int release : {15, 20}) {
    Campaign c = monthlyQuota();
    c.releaseDayOfMonth = release;
    const DayNumber releaseDay = day("2026-11-01") + release - 1;
    EligibilityRequest r = request(releaseDay - 1, c);
    r.referrals = {asReferee("r1", day("2026-11-01"))};
    const CampaignEligibility before = run(r);
    EXPECT_EQ(before.status, EligibilityStatus::kLocked) << release;
    EXPECT_EQ(before.unlockOn, releaseDay) << release;
    r.nowMs = noon(releaseDay);
    EXPECT_TRUE(run(r).eligible) << release;
  }
}

TEST(EligibilityEdges, QuotaPoolFullAtExactlyItsSize) {
  EligibilityRequest r = request(day("2026-11-20"), monthlyQuota());
  r.referrals = {asReferee("r1", day("2026-11-01"))};
  r.pools = {PoolCounter{"scarce", "half", {2026, 11}, 9}};
  EXPECT_TRUE(run(r).eligible);
  r.pools[0].used = 10;
  const CampaignEligibility full = run(r);
  EXPECT_FALSE(full.eligible);
  EXPECT_TRUE(hasReason(full, "eligibility.quota_exhausted"));
}

// ---- tiers and badges: reached at exactly minReferrals ----------------------

TEST(EligibilityEdges, TierReachedAtExactlyItsThreshold) {
  for (const int vested : {1, 2, 3}) {
    EligibilityRequest r = request(day("2026-11-23"), referralTier());
    for (int k = 0; k < vested; ++k)
      r.referrals.push_back(asReferrer("r" + std::to_string(k), day("2026-01-01")));
    Result<EligibilityReport> report = evaluateEligibility(r);
    ASSERT_TRUE(report.ok());
    ASSERT_EQ(report.value().campaigns.size(), 1u);
    const CampaignEligibility& t = report.value().campaigns[0];
    EXPECT_EQ(t.tier.successfulReferrals, vested);
    EXPECT_EQ(t.tier.currentTierId, vested >= 3 ? "silver" : vested >= 2 ? "bronze" : "") << vested;
    EXPECT_EQ(t.grants.size(), vested >= 3 ? 2u : vested >= 2 ? 1u : 0u) << vested;
    const auto& badges = report.value().badges;
    ASSERT_EQ(badges.size(), 2u);
    EXPECT_EQ(badges[0].earned, vested >= 2) << vested;
    EXPECT_EQ(badges[1].earned, vested >= 3) << vested;
    EXPECT_EQ(badges[1].referralsToGo, vested >= 3 ? 0 : 3 - vested) << vested;
  }
}

TEST(EligibilityEdges, NextTierUnlockDateWhenExactlyEnoughAreHolding) {
  // One vested, one holding: bronze (2) will be reached when the holding one vests.
  EligibilityRequest r = request(day("2026-11-23"), referralTier());
  r.referrals = {asReferrer("r1", day("2026-01-01")), asReferrer("r2", day("2026-11-13"))};
  const CampaignEligibility out = run(r);
  EXPECT_EQ(out.tier.referralsToNext, 1);
  EXPECT_TRUE(out.hasUnlockOn);
  EXPECT_EQ(out.unlockOn, day("2026-11-13") + 90);
  EXPECT_EQ(out.status, EligibilityStatus::kPending);
  // Without the holding one there is no date.
  r.referrals.pop_back();
  EXPECT_FALSE(run(r).hasUnlockOn);
}

// ---- wallet -----------------------------------------------------------------

TEST(EligibilityEdges, VoucherUsableThroughItsLastDay) {
  for (const int validDays : {1, 90}) {
    Campaign c = milestoneCampaign();
    c.rewards[0].validDays = validDays;
    const DayNumber issued = day("2026-11-01");
    const DayNumber last = issued + validDays - 1;
    EligibilityRequest r = request(last, c);
    r.milestones = {MilestoneFact{"revisit-voucher-50@2026-10-20", "revisit-voucher-50"}};
    r.issued = {IssuedReward{"checkin:revisit-voucher-50@2026-10-20:v50", "checkin", "",
                             IssuedStatus::kIssued, noon(issued)}};
    Result<EligibilityReport> onLast = evaluateEligibility(r);
    ASSERT_TRUE(onLast.ok());
    ASSERT_EQ(onLast.value().wallet.size(), 1u);
    EXPECT_EQ(onLast.value().wallet[0].status, WalletStatus::kAvailable) << validDays;
    EXPECT_EQ(onLast.value().wallet[0].date, last) << validDays;
    r.nowMs = noon(last + 1);
    Result<EligibilityReport> after = evaluateEligibility(r);
    ASSERT_TRUE(after.ok());
    ASSERT_EQ(after.value().wallet.size(), 1u);
    EXPECT_EQ(after.value().wallet[0].status, WalletStatus::kExpired) << validDays;
  }
}

TEST(EligibilityEdges, EveryRewardTypeInTheWalletExceptHonours) {
  const std::pair<RewardType, bool> types[] = {
      {RewardType::kVoucher, true}, {RewardType::kService, true}, {RewardType::kMembership, true},
      {RewardType::kPrivilege, true}, {RewardType::kMedal, false}, {RewardType::kTitle, false}};
  for (const auto& [type, inWallet] : types) {
    Campaign c = milestoneCampaign();
    c.rewards[0].type = type;
    EligibilityRequest r = request(day("2026-11-23"), c);
    r.milestones = {MilestoneFact{"revisit-voucher-50@2026-11-01", "revisit-voucher-50"},
                    MilestoneFact{"revisit-voucher-50@2026-11-08", "revisit-voucher-50"}};
    r.issued = {IssuedReward{"checkin:revisit-voucher-50@2026-11-01:v50", "checkin", "",
                             IssuedStatus::kIssued, noon("2026-11-07")}};
    Result<EligibilityReport> out = evaluateEligibility(r);
    ASSERT_TRUE(out.ok());
    // One issued and one issuable grant: both in the wallet, or neither.
    EXPECT_EQ(out.value().wallet.size(), inWallet ? 2u : 0u) << static_cast<int>(type);
  }
}

// ---- exclusive campaigns -----------------------------------------------------

TEST(EligibilityEdges, OneReferralPaysOnceAcrossExclusiveCampaigns) {
  Campaign a = referralReward();
  Campaign b = referralReward();
  b.id = "letter";
  b.referrerRewards = {voucher("gift")};
  a.exclusiveWith = {"letter"};
  EligibilityRequest r = request(day("2026-11-23"), a);
  r.campaigns.push_back(b);
  r.referrals = {asReferrer("r1", day("2026-01-01"))};
  Result<EligibilityReport> out = evaluateEligibility(r);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out.value().campaigns.size(), 2u);
  EXPECT_TRUE(out.value().campaigns[0].eligible);
  EXPECT_FALSE(out.value().campaigns[1].eligible);
  EXPECT_TRUE(hasReason(out.value().campaigns[1], "eligibility.not_stackable"));
  // Not exclusive: both pay.
  r.campaigns[0].exclusiveWith.clear();
  Result<EligibilityReport> both = evaluateEligibility(r);
  ASSERT_TRUE(both.ok());
  ASSERT_EQ(both.value().campaigns.size(), 2u);
  EXPECT_TRUE(both.value().campaigns[1].eligible);
}

// ---- G17: the invite prompt cap -----------------------------------------------

InvitePromptDecision prompt(const InvitePromptRequest& r) {
  Result<InvitePromptDecision> d = mayShowInvitePrompt(r);
  if (!d.ok()) {
    ADD_FAILURE() << d.error().code;
    return {};
  }
  return d.value();
}

TEST(InvitePromptEdges, APromptExactlyOneWindowAgoHasLeftIt) {
  for (const int window : {90, 120}) {
    InvitePromptRequest r;
    r.nowMs = noon("2026-11-23");
    r.windowDays = window;
    const std::int64_t windowMs = std::int64_t{window} * kDay;
    r.shownAtMs = {r.nowMs - kDay, r.nowMs - 2 * kDay, r.nowMs - windowMs};
    EXPECT_TRUE(prompt(r).allowed) << window;
    EXPECT_EQ(prompt(r).remainingInWindow, 1) << window;
    r.shownAtMs.back() = r.nowMs - windowMs + 1;
    const InvitePromptDecision capped = prompt(r);
    EXPECT_FALSE(capped.allowed) << window;
    ASSERT_TRUE(capped.hasNextAllowedAtMs);
    EXPECT_EQ(capped.nextAllowedAtMs, r.nowMs + 1) << window;  // exactly when it leaves
  }
}

TEST(InvitePromptEdges, CapIsReachedAtExactlyMaxPrompts) {
  for (const int cap : {3, 2, 1}) {
    InvitePromptRequest r;
    r.nowMs = noon("2026-11-23");
    r.maxPrompts = cap;
    for (int k = 1; k < cap; ++k) r.shownAtMs.push_back(r.nowMs - k * kDay);
    EXPECT_TRUE(prompt(r).allowed) << cap;
    EXPECT_EQ(prompt(r).remainingInWindow, 1) << cap;
    r.shownAtMs.push_back(r.nowMs - 50 * kDay);
    const InvitePromptDecision d = prompt(r);
    EXPECT_FALSE(d.allowed) << cap;
    EXPECT_EQ(d.remainingInWindow, 0) << cap;
    EXPECT_EQ(d.nextAllowedAtMs, r.nowMs - 50 * kDay + 90 * kDay) << cap;
  }
}

TEST(InvitePromptEdges, PolicyLimits) {
  InvitePromptRequest r;
  r.nowMs = noon("2026-11-23");
  for (const auto& [maxPrompts, windowDays, valid] : std::vector<std::tuple<int, int, bool>>{
           {3, 90, true}, {4, 90, false}, {0, 90, true}, {-1, 90, false},
           {3, 89, false}, {3, 365, true}, {3, 366, false}}) {
    r.maxPrompts = maxPrompts;
    r.windowDays = windowDays;
    Result<InvitePromptDecision> d = mayShowInvitePrompt(r);
    EXPECT_EQ(d.ok(), valid) << maxPrompts << "/" << windowDays;
    if (!d.ok()) EXPECT_EQ(d.error().code, "eligibility.bad_prompt_policy");
  }
}

TEST(InvitePromptEdges, StaffAndOptOutNeverSeeIt) {
  InvitePromptRequest r;
  r.nowMs = noon("2026-11-23");
  EXPECT_TRUE(prompt(r).allowed);
  r.isStaff = true;
  InvitePromptDecision staff = prompt(r);
  EXPECT_FALSE(staff.allowed);
  ASSERT_EQ(staff.reasons.size(), 1u);
  EXPECT_EQ(staff.reasons[0].code, "eligibility.staff_excluded");
  r.isStaff = false;
  r.optedOut = true;
  InvitePromptDecision out = prompt(r);
  EXPECT_FALSE(out.allowed);
  ASSERT_EQ(out.reasons.size(), 1u);
  EXPECT_EQ(out.reasons[0].code, "eligibility.prompt_opted_out");
}

}  // namespace
}  // namespace carecircle
