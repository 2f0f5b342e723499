// The batch decides without words (no reasons, titles or grant keys unless a
// rule reads them), so it is held here to two references on a campaign set
// built so that each of its shortcuts would change an answer if it were wrong:
//  - per patient, its eligible and pending lists must be what the full
//    single-patient evaluation reports, and what each case below was written
//    to expect (the order and exclusivity rules are shared code, so only the
//    written expectations catch them);
//  - the cases: exclusivity declared on one side only, with the higher
//    priority later in the configuration; two exclusive campaigns of equal
//    priority (configuration order decides); a per-person limit reached by a
//    referral still in its quality hold; issued grants on campaigns without a
//    per-person limit (a milestone, a tier); a budget that one more grant
//    would exceed.
// And the plain-form scanner's skipping of the shared members: strings that
// end in an escaped backslash or hold an escaped quote or brackets must be
// skipped exactly, so the shared part it hands on is the text's own.
#include <gtest/gtest.h>

#include <cstdint>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eligibility/batch_scan.hpp"
#include "eligibility/eligibility_json.hpp"
#include "single_verdict.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNow = 1795420800000;  // 2026-11-23 16:00 at UTC+8

json voucher(const std::string& id, std::int64_t fen) {
  return {{"id", id}, {"type", "voucher"}, {"title", "体检券"}, {"valueFen", fen}};
}

json referralCampaign(const std::string& id, const char* side, int priority) {
  return {{"id", id},
          {"title", "推荐活动"},
          {"type", "referralReward"},
          {"referral", {{"trigger", "registrationConfirmed"}, {"holdDays", 90}}},
          {side, json::array({voucher("v", 10000)})},
          {"priority", priority}};
}

json milestoneCampaign(const std::string& id, const std::string& rule, std::int64_t fen) {
  return {{"id", id},
          {"title", "康复打卡"},
          {"type", "checkInMilestone"},
          {"milestoneRuleId", rule},
          {"rewards", json::array({voucher("v", fen)})}};
}

// Configuration order on purpose unlike the order of evaluation (priority).
json campaigns() {
  json lowReferee = referralCampaign("referee-low", "refereeRewards", 0);
  lowReferee["exclusiveWith"] = {"referee-high"};  // one side only: exclusivity is mutual
  json tieA = referralCampaign("tie-a", "referrerRewards", 5);
  tieA["exclusiveWith"] = {"tie-b"};
  json limited = referralCampaign("limited", "referrerRewards", 0);
  limited["perPersonLimit"] = 1;
  json budgeted = milestoneCampaign("budgeted", "budget-rule", 10000);
  budgeted["budgetFen"] = 15000;  // 10,000 spent: the next 10,000 does not fit
  const json tier = {
      {"id", "tier"},
      {"title", "健康大使"},
      {"type", "referralTier"},
      {"referral", {{"trigger", "registrationConfirmed"}, {"holdDays", 90}}},
      {"tiers",
       {{{"id", "bronze"},
         {"title", "铜质"},
         {"minReferrals", 1},
         {"rewards", {{{"id", "medal"}, {"type", "medal"}, {"title", "勋章"}}}}}}}};
  return json::array({lowReferee, referralCampaign("referee-high", "refereeRewards", 10), tieA,
                      referralCampaign("tie-b", "referrerRewards", 5), limited, budgeted,
                      milestoneCampaign("checkin", "walk", 5000), tier});
}

json referral(const std::string& id, const std::string& referrer, const std::string& referee,
              int registeredDaysAgo) {
  return {{"id", id},
          {"referrerId", referrer},
          {"refereeId", referee},
          {"level", 1},
          {"channel", "code"},
          {"refereeIsNewPatient", true},
          {"registrationConfirmedAtMs",
           registeredDaysAgo < 0 ? 0 : kNow - registeredDaysAgo * kDay - 3'600'000}};
}

json issued(const std::string& key, const std::string& campaignId) {
  return {{"grantKey", key}, {"campaignId", campaignId}, {"issuedAtMs", kNow - 5 * kDay}};
}

struct Expected {
  json patientCase;
  json eligible;
  json pending;
};

std::vector<Expected> cases() {
  const json none = json::array();
  return {
      // Registered 10 days ago: the higher priority (later in the list) pays.
      {{{"patient", {{"id", "referee"}}}, {"referrals", {referral("r1", "m1", "referee", 10)}}},
       {"referee-high"},
       none},
      // Not registered yet: the higher priority waits for it, the other is out.
      {{{"patient", {{"id", "waiting"}}}, {"referrals", {referral("r2", "m2", "waiting", -1)}}},
       none,
       {"referee-high"}},
      // Two vested referrals: tie-a before tie-b; the limit of one still pays.
      {{{"patient", {{"id", "two"}}},
        {"referrals", {referral("t1", "two", "f1", 200), referral("t2", "two", "f2", 200)}}},
       {"tie-a", "limited", "tier"},
       none},
      // The first referral (by id) in its hold takes the limit of one: the
      // vested second is blocked, so `limited` is pending only.
      {{{"patient", {{"id", "held"}}},
        {"referrals", {referral("h1", "held", "f3", 30), referral("h2", "held", "f4", 200)}}},
       {"tie-a", "tier"},
       {"limited"}},
      // The milestone's voucher is already issued: nothing issuable.
      {{{"patient", {{"id", "walked"}}},
        {"milestones", {{{"key", "walk@2026-11-01"}, {"ruleId", "walk"}}}},
        {"issued", {issued("checkin:walk@2026-11-01:v", "checkin")}}},
       none,
       none},
      {{{"patient", {{"id", "walking"}}},
        {"milestones", {{{"key", "walk@2026-11-01"}, {"ruleId", "walk"}}}}},
       {"checkin"},
       none},
      // The tier's medal is already issued; the referral rewards are not.
      {{{"patient", {{"id", "medalled"}}},
        {"referrals", {referral("d1", "medalled", "f5", 200)}},
        {"issued", {issued("tier:bronze:medal", "tier")}}},
       {"tie-a", "limited"},
       none},
      // The campaign's budget cannot take one more 100-yuan voucher.
      {{{"patient", {{"id", "over-budget"}}},
        {"milestones", {{{"key", "budget-rule@2026-11-01"}, {"ruleId", "budget-rule"}}}}},
       none,
       none},
  };
}

json batchOf(const std::vector<Expected>& all) {
  json patients = json::array();
  for (const Expected& e : all) patients.push_back(e.patientCase);
  return {{"nowMs", kNow},
          {"campaigns", campaigns()},
          {"counters", {{{"campaignId", "budgeted"}, {"grants", 1}, {"spentFen", 10000}}}},
          {"patients", patients}};
}

TEST(EligibilityBatchDecisions, EachShortcutAgreesWithTheFullEvaluationAndTheRules) {
  const std::vector<Expected> all = cases();
  const json batch = batchOf(all);
  const std::string text = batch.dump();
  ASSERT_TRUE(eligibilityBatchScans(text));
  const std::string reply = evaluateEligibilityBatchJson(text);
  EXPECT_EQ(reply, evaluateEligibilityBatchJsonViaDom(text));
  const json results = json::parse(reply).at("value").at("results");
  ASSERT_EQ(results.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    const json& r = results[i];
    const std::string who = all[i].patientCase.at("patient").at("id");
    EXPECT_EQ(r.at("patientId"), who);
    const auto [eligible, pending] = singleVerdict(batch, all[i].patientCase);
    EXPECT_EQ(r.at("eligible"), eligible) << who << ": batch against the single evaluation";
    EXPECT_EQ(r.at("pending"), pending) << who << ": batch against the single evaluation";
    EXPECT_EQ(r.at("eligible"), all[i].eligible) << who << ": batch against the rules";
    EXPECT_EQ(r.at("pending"), all[i].pending) << who << ": batch against the rules";
  }
}

// Each patient alone in a batch: what one decides must not depend on the
// others (a grant key built for one and not for the next, say).
TEST(EligibilityBatchDecisions, APatientAloneDecidesAsInTheCrowd) {
  const std::vector<Expected> all = cases();
  for (const Expected& e : all) {
    const json reply = json::parse(evaluateEligibilityBatchJson(batchOf({e}).dump()));
    const json& r = reply.at("value").at("results").at(0);
    EXPECT_EQ(r.at("eligible"), e.eligible) << e.patientCase.dump();
    EXPECT_EQ(r.at("pending"), e.pending) << e.patientCase.dump();
  }
}

TEST(EligibilityBatchDecisions, SharedMembersWithEscapesAreSkippedExactly) {
  json batch = batchOf(cases());
  // A string ending in an escaped backslash, one with an escaped quote and
  // brackets after it, one with both in a row, and an escaped quote at the end.
  const std::string titles[] = {"感恩卡\\", "说\"好]}\"", "a\\\"b\\\\", "c\\\""};
  for (std::size_t i = 0; i < std::size(titles); ++i) batch["campaigns"][i]["title"] = titles[i];
  batch["campaigns"][4]["description"] = "\\";
  const std::string text = batch.dump();
  ASSERT_NE(text.find(R"(感恩卡\\")"), std::string::npos);  // as JSON writes them
  ASSERT_NE(text.find(R"(a\\\"b\\\\")"), std::string::npos);

  EligibilityBatchRequest scanned;
  std::string shared;
  ASSERT_TRUE(scanEligibilityBatchPatients(text, scanned, shared));
  json expectedShared = batch;
  expectedShared.erase("patients");
  EXPECT_EQ(json::parse(shared), expectedShared);
  EXPECT_EQ(scanned.patients.size(), batch["patients"].size());

  EXPECT_TRUE(eligibilityBatchScans(text));
  const std::string reply = evaluateEligibilityBatchJson(text);
  EXPECT_EQ(reply, evaluateEligibilityBatchJsonViaDom(text));
  EXPECT_EQ(reply, evaluateEligibilityBatchJson(batchOf(cases()).dump()));  // titles decide nothing

  // A shared member that is itself such a string, before the patients: the
  // scanner must stop right after it (the decoder then refuses its type).
  for (const std::string& value : {std::string("a\\"), std::string("a\\\"b"), std::string("\\")}) {
    json wrong = batchOf(cases());
    wrong["nowMs"] = value;  // "nowMs" is written before "patients"
    const std::string t = wrong.dump();
    EligibilityBatchRequest out;
    std::string part;
    ASSERT_TRUE(scanEligibilityBatchPatients(t, out, part)) << t.substr(0, 200);
    json expected = wrong;
    expected.erase("patients");
    EXPECT_EQ(json::parse(part), expected);
    EXPECT_EQ(out.patients.size(), wrong["patients"].size());
    EXPECT_EQ(evaluateEligibilityBatchJson(t), evaluateEligibilityBatchJsonViaDom(t));
  }
}

}  // namespace
}  // namespace carecircle
