// Guards on every path that reaches their decision (docs/compliance.md): the
// demo hospital's campaigns, which use every campaign type, evaluated for a
// staff member (G15), for a referee whose registration is not confirmed (G2),
// and the invite prompt's clinical-moment windows (G17).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "eligibility/eligibility.hpp"
#include "eligibility/eligibility_json.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kNow = 1795420800000;  // 2026-11-23 16:00 at UTC+8

json demoCampaigns() {
  std::ifstream in(std::string(CARECIRCLE_FIXTURES_DIR) + "/../../web/demo/campaigns.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).at("campaigns");
}

json evaluate(const json& request) {
  return json::parse(evaluateEligibilityJson(request.dump()));
}

json referral(const std::string& id, const std::string& referrer, const std::string& referee) {
  return {{"id", id},
          {"referrerId", referrer},
          {"refereeId", referee},
          {"level", 1},
          {"channel", "dischargeCard"},
          {"refereeIsNewPatient", true},
          {"refereeIsInpatient", true},
          {"referrerIsMember", true},
          {"registrationConfirmedAtMs", kNow - 200 * kDay},
          {"arrivalConfirmedAtMs", kNow - 199 * kDay},
          {"conversionConfirmedAtMs", kNow - 198 * kDay},
          {"admissionConfirmedAtMs", kNow - 197 * kDay},
          {"dischargeConfirmedAtMs", kNow - 190 * kDay}};
}

// Every campaign whose reward comes from referring or being referred.
bool referralBased(const json& campaign) {
  return campaign.at("type") != "checkInMilestone";
}

TEST(EligibilityGuards, G15StaffEarnNothingFromAnyReferralCampaignAsReferrerOrReferee) {
  const json campaigns = demoCampaigns();
  json referrals = json::array();
  for (int i = 0; i < 6; ++i) referrals.push_back(referral("r" + std::to_string(i), "dr", "p" + std::to_string(i)));
  referrals.push_back(referral("in", "p-member", "dr"));  // staff as the referee
  const json reply = evaluate({{"nowMs", kNow},
                               {"campaigns", campaigns},
                               {"patient", {{"id", "dr"}, {"isStaff", true}, {"isCommunityMember", true}}},
                               {"referrals", referrals}});
  ASSERT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
  int referralCampaigns = 0;
  std::set<std::string> types;
  const json& results = reply.at("value").at("campaigns");
  ASSERT_EQ(results.size(), campaigns.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    const json& c = results[i];
    const json& config = campaigns[i];
    if (!referralBased(config)) continue;
    ++referralCampaigns;
    types.insert(config.at("type").get<std::string>());
    EXPECT_FALSE(c.at("eligible").get<bool>()) << c.at("campaignId");
    EXPECT_TRUE(c.at("grants").empty()) << c.at("campaignId");
    EXPECT_EQ(c.at("reasons").at(0).at("code"), "eligibility.staff_excluded") << c.at("campaignId");
  }
  EXPECT_EQ(types, (std::set<std::string>{"referralReward", "referralTier", "monthlyQuota"}));
  EXPECT_GE(referralCampaigns, 6);
  // The same facts for a patient who is not staff do earn: the test can fail.
  const json control = evaluate({{"nowMs", kNow},
                                 {"campaigns", campaigns},
                                 {"patient", {{"id", "dr"}, {"isCommunityMember", true}}},
                                 {"referrals", referrals}});
  bool anyEligible = false;
  for (const json& c : control.at("value").at("campaigns")) anyEligible |= c.at("eligible").get<bool>();
  EXPECT_TRUE(anyEligible);
}

TEST(EligibilityGuards, G15TheBatchPathExcludesStaffToo) {
  json referrals = json::array({referral("r1", "dr", "p1"), referral("r2", "dr", "p2")});
  const json reply = json::parse(evaluateEligibilityBatchJson(
      json{{"nowMs", kNow},
           {"campaigns", demoCampaigns()},
           {"patients",
            {{{"patient", {{"id", "dr"}, {"isStaff", true}}}, {"referrals", referrals}},
             {{"patient", {{"id", "nurse-not-staff-flag"}}},
              {"referrals", json::array({referral("r3", "nurse-not-staff-flag", "p3")})}}}}}
          .dump()));
  ASSERT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
  const json& results = reply.at("value").at("results");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].at("eligible").empty()) << results[0].dump();
  EXPECT_TRUE(results[0].at("pending").empty()) << results[0].dump();
  EXPECT_FALSE(results[1].at("eligible").empty()) << results[1].dump();
}

TEST(EligibilityGuards, G2TheQuotaPathWaitsForTheServerConfirmedRegistration) {
  json quota;
  for (const json& c : demoCampaigns())
    if (c.at("type") == "monthlyQuota") quota = c;
  ASSERT_FALSE(quota.is_null());
  json r = referral("r1", "p-member", "p-new");
  r.erase("registrationConfirmedAtMs");
  r.erase("arrivalConfirmedAtMs");
  r.erase("conversionConfirmedAtMs");
  r.erase("admissionConfirmedAtMs");
  r.erase("dischargeConfirmedAtMs");
  json request = {{"nowMs", kNow},
                  {"campaigns", json::array({quota})},
                  {"patient", {{"id", "p-new"}}},
                  {"referrals", json::array({r})}};
  const json waiting = evaluate(request);
  ASSERT_TRUE(waiting.at("ok").get<bool>()) << waiting.dump();
  const json& c = waiting.at("value").at("campaigns").at(0);
  EXPECT_FALSE(c.at("eligible").get<bool>());
  EXPECT_TRUE(c.at("grants").empty());
  EXPECT_EQ(c.at("reasons").at(0).at("code"), "eligibility.awaiting_event");
  request["referrals"][0]["registrationConfirmedAtMs"] = kNow - kDay;
  const json confirmed = evaluate(request);
  EXPECT_TRUE(confirmed.at("value").at("campaigns").at(0).at("eligible").get<bool>()) << confirmed.dump();
}

InvitePromptRequest promptAt(std::int64_t nowMs, std::vector<ClinicalMoment> moments) {
  InvitePromptRequest r;
  r.nowMs = nowMs;
  r.clinicalMoments = std::move(moments);
  return r;
}

bool allowed(const InvitePromptRequest& r) {
  const auto d = mayShowInvitePrompt(r);
  EXPECT_TRUE(d.ok());
  return d.ok() && d.value().allowed;
}

TEST(EligibilityGuards, G17SurgeryAndDischargeSilenceTheEveTheDayAndTheDayAfter) {
  // Surgery on 2026-11-23 at 09:00 (UTC+8) = 01:00Z.
  const std::int64_t surgery = kNow - 7 * kHour;
  for (auto kind : {ClinicalMomentKind::kSurgery, ClinicalMomentKind::kDischarge}) {
    const ClinicalMoment m{kind, surgery};
    // 2026-11-21 23:59 local: two days before, allowed.
    EXPECT_TRUE(allowed(promptAt(surgery - 33 * kHour - 60'000, {m})));
    EXPECT_FALSE(allowed(promptAt(surgery - 33 * kHour, {m})));  // 11-22 00:00, the eve
    EXPECT_FALSE(allowed(promptAt(surgery, {m})));
    EXPECT_FALSE(allowed(promptAt(surgery + 38 * kHour, {m})));           // 11-24 23:00
    EXPECT_TRUE(allowed(promptAt(surgery + 39 * kHour, {m})));            // 11-25 00:00
  }
}

TEST(EligibilityGuards, G17AnAdmissionLastsUntilTheDischarge) {
  const ClinicalMoment admitted{ClinicalMomentKind::kAdmission, kNow - 20 * kDay};
  EXPECT_TRUE(allowed(promptAt(kNow - 21 * kDay, {admitted})));
  EXPECT_FALSE(allowed(promptAt(kNow, {admitted})));
  const ClinicalMoment discharged{ClinicalMomentKind::kDischarge, kNow - 5 * kDay};
  EXPECT_FALSE(allowed(promptAt(kNow - 6 * kDay, {admitted, discharged})));  // before discharge
  EXPECT_TRUE(allowed(promptAt(kNow, {admitted, discharged})));
  // A discharge before the admission does not end it.
  const ClinicalMoment earlier{ClinicalMomentKind::kDischarge, kNow - 40 * kDay};
  EXPECT_FALSE(allowed(promptAt(kNow, {earlier, admitted})));
}

TEST(EligibilityGuards, G17BadNewsThirtyDaysDeathNinetyDaysSensitiveCaseForever) {
  EXPECT_FALSE(allowed(promptAt(kNow, {{ClinicalMomentKind::kBadNews, kNow - 29 * kDay}})));
  EXPECT_TRUE(allowed(promptAt(kNow, {{ClinicalMomentKind::kBadNews, kNow - 30 * kDay}})));
  EXPECT_TRUE(allowed(promptAt(kNow, {{ClinicalMomentKind::kBadNews, kNow + kDay}})));
  EXPECT_FALSE(allowed(promptAt(kNow, {{ClinicalMomentKind::kDeath, kNow - 89 * kDay}})));
  EXPECT_TRUE(allowed(promptAt(kNow, {{ClinicalMomentKind::kDeath, kNow - 90 * kDay}})));
  EXPECT_FALSE(allowed(promptAt(kNow, {{ClinicalMomentKind::kSensitiveCase, kNow - 3000 * kDay}})));
  EXPECT_TRUE(allowed(promptAt(kNow, {{ClinicalMomentKind::kSensitiveCase, kNow + kHour}})));
}

TEST(EligibilityGuards, G17StaffTouchesCountTowardTheCapAndTheFlagStillWorks) {
  InvitePromptRequest r = promptAt(kNow, {});
  r.shownAtMs = {kNow - 80 * kDay, kNow - 10 * kDay, kNow - kDay};  // e.g. two calls and a prompt
  const auto d = mayShowInvitePrompt(r);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d.value().allowed);
  EXPECT_EQ(d.value().reasons.at(0).code, "eligibility.prompt_cap_reached");
  EXPECT_EQ(d.value().nextAllowedAtMs, kNow + 10 * kDay);
  InvitePromptRequest flagged = promptAt(kNow, {});
  flagged.inClinicalMoment = true;
  EXPECT_FALSE(allowed(flagged));
}

TEST(EligibilityGuards, G17ClinicalMomentsAreCheckedInput) {
  auto code = [](const std::string& text) {
    const json j = json::parse(mayShowInvitePromptJson(text));
    return j.at("ok").get<bool>() ? std::string("ok") : j.at("error").at("code").get<std::string>();
  };
  EXPECT_EQ(code(R"({"nowMs":1795420800000,"clinicalMoments":[{"kind":"surgery","atMs":5}]})"),
            "input.out_of_range");
  EXPECT_EQ(code(R"({"nowMs":1795420800000,"clinicalMoments":[{"kind":"chat","atMs":1795420800000}]})"),
            "input.bad_enum");
  EXPECT_EQ(code(R"({"nowMs":1795420800000,"clinicalMoments":[{"atMs":1795420800000}]})"),
            "input.missing_field");
  EXPECT_EQ(code(R"({"nowMs":1795420800000,"clinicalMoments":[{"kind":"surgery","atMs":1795420800000,"x":1}]})"),
            "input.unknown_field");
  EXPECT_EQ(code(R"({"nowMs":1795420800000,"utcOffsetMinutes":900})"), "input.out_of_range");
  EXPECT_EQ(code(R"({"nowMs":1795420800000,"clinicalMoments":{}})"), "input.wrong_type");
}

}  // namespace
}  // namespace carecircle
