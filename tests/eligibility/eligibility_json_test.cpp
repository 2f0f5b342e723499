// Bad input at the eligibility JSON boundary: each a clear code, never a crash.
#include "eligibility/eligibility_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace carecircle {
namespace {

using nlohmann::json;

json campaign() {
  return {{"id", "fission"},
          {"title", "老带新"},
          {"type", "referralReward"},
          {"referrerRewards",
           {{{"id", "exam"}, {"type", "voucher"}, {"title", "100元体检券"}, {"valueFen", 10000}}}}};
}

std::string code(const std::string& reply) {
  const json r = json::parse(reply);
  return r["ok"].get<bool>() ? "ok" : r["error"]["code"].get<std::string>();
}

std::string validate(const json& c) {
  return code(validateCampaignsJson(json{{"campaigns", {c}}}.dump()));
}

TEST(EligibilityJson, ValidCampaignPasses) {
  const json r = json::parse(validateCampaignsJson(json{{"campaigns", {campaign()}}}.dump()));
  EXPECT_TRUE(r["value"]["valid"].get<bool>());
}

TEST(EligibilityJson, UnknownFieldsAreRefusedNotIgnored) {
  json c = campaign();
  c["perPersonLimt"] = 3;
  EXPECT_EQ(validate(c), "input.unknown_field");
  c = campaign();
  c["referrerRewards"][0]["probability"] = 0.1;
  EXPECT_EQ(validate(c), "input.unknown_field");
}

TEST(EligibilityJson, WrongTypesBadEnumsAndDates) {
  json c = campaign();
  c["budgetFen"] = "lots";
  EXPECT_EQ(validate(c), "input.wrong_type");
  c = campaign();
  c["type"] = "pyramid";
  EXPECT_EQ(validate(c), "input.bad_enum");
  c = campaign();
  c["validTo"] = "2026-02-30";
  EXPECT_EQ(validate(c), "input.bad_date");
  c = campaign();
  c["referral"] = {{"trigger", "telepathy"}};
  EXPECT_EQ(validate(c), "input.bad_enum");
  c = campaign();
  c.erase("type");
  EXPECT_EQ(validate(c), "input.missing_field");
}

TEST(EligibilityJson, NegativeAmountsOverlappingWindowsAndNegativeQuotasAreViolations) {
  json c = campaign();
  c["referrerRewards"][0]["valueFen"] = -100;
  c["validFrom"] = "2026-12-01";
  c["validTo"] = "2026-11-01";
  const json r = json::parse(validateCampaignsJson(json{{"campaigns", {c}}}.dump()));
  ASSERT_FALSE(r["value"]["valid"].get<bool>());
  EXPECT_EQ(r.at("value").at("violations").at(0).at("code"), "campaign.bad_window");
  EXPECT_EQ(r["value"]["violations"][1]["code"], "campaign.bad_reward");
  json q = {{"id", "q"},
            {"title", "名额"},
            {"type", "monthlyQuota"},
            {"pools", {{{"id", "p"}, {"size", -1}, {"reward", campaign()["referrerRewards"][0]}}}}};
  const json rq = json::parse(validateCampaignsJson(json{{"campaigns", {q}}}.dump()));
  EXPECT_EQ(rq.at("value").at("violations").at(0).at("code"), "campaign.bad_quota");
}

TEST(EligibilityJson, HugeAndDeepConfigurationsAreRefused) {
  const std::string tenMegabytes =
      "{\"campaigns\":[],\"pad\":\"" + std::string(10u << 20, 'x') + "\"}";
  EXPECT_EQ(code(validateCampaignsJson(tenMegabytes)), "input.too_large");
  const std::string deep =
      "{\"campaigns\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_EQ(code(validateCampaignsJson(deep)), "input.too_deep");
  json many = {{"campaigns", json::array()}};
  for (int i = 0; i < 201; ++i) many["campaigns"].push_back(campaign());
  EXPECT_EQ(code(validateCampaignsJson(many.dump())), "input.too_many_items");
}

TEST(EligibilityJson, EvaluateRequiresPatientAndValidCampaigns) {
  json req = {{"nowMs", 1795420800000}, {"campaigns", {campaign()}}};
  EXPECT_EQ(code(evaluateEligibilityJson(req.dump())), "input.missing_field");
  req["patient"] = {{"id", "p"}};
  EXPECT_EQ(code(evaluateEligibilityJson(req.dump())), "ok");
  req["campaigns"][0]["referrerRewards"][0]["type"] = "cash";
  EXPECT_EQ(code(evaluateEligibilityJson(req.dump())), "campaign.cash_reward_forbidden");
  req["campaigns"][0]["referrerRewards"][0]["type"] = "voucher";
  req["referrals"] = {{{"id", "r"}, {"referrerId", "p"}, {"refereeId", "q"}, {"complaintAtMs", 5}}};
  EXPECT_EQ(code(evaluateEligibilityJson(req.dump())), "input.out_of_range");
  req["nowMs"] = 1;
  req.erase("referrals");
  EXPECT_EQ(code(evaluateEligibilityJson(req.dump())), "eligibility.bad_now");
}

TEST(EligibilityJson, ChangeNeedsBothSides) {
  EXPECT_EQ(code(validateCampaignChangeJson(json{{"before", campaign()}}.dump())),
            "input.missing_field");
  const json r = json::parse(
      validateCampaignChangeJson(json{{"before", campaign()}, {"after", campaign()}}.dump()));
  EXPECT_TRUE(r["value"]["allowed"].get<bool>());
}

TEST(EligibilityJson, InvitePromptRejectsBadTimestamps) {
  EXPECT_EQ(code(mayShowInvitePromptJson(R"({"nowMs":1795420800000,"shownAtMs":["x"]})")),
            "input.out_of_range");
  EXPECT_EQ(code(mayShowInvitePromptJson(R"({"nowMs":1795420800000,"shownAtMs":[1]})")), "ok");
  EXPECT_EQ(code(mayShowInvitePromptJson(R"({"nowMs":1795420800000,"nag":true})")),
            "input.unknown_field");
}

}  // namespace
}  // namespace carecircle

namespace carecircle {
namespace {

// The batch gives, per patient, exactly what the single evaluation says.
TEST(EligibilityBatchJson, AgreesWithPerPatientEvaluationAndNamesBadPatients) {
  const json c = {
      {"id", "fission"},
      {"title", "老带新"},
      {"type", "referralReward"},
      {"refereeRewards",
       {{{"id", "exam"}, {"type", "voucher"}, {"title", "100元体检券"}, {"valueFen", 10000}}}}};
  const json referral = {{"id", "r1"},
                         {"referrerId", "a"},
                         {"refereeId", "b"},
                         {"refereeIsNewPatient", true},
                         {"registrationConfirmedAtMs", 1795000000000}};
  json batch = {
      {"nowMs", 1795420800000},
      {"campaigns", {c}},
      {"patients",
       {{{"patient", {{"id", "b"}}}, {"referrals", {referral}}}, {{"patient", {{"id", "z"}}}}}}};
  const json reply = json::parse(evaluateEligibilityBatchJson(batch.dump()));
  ASSERT_TRUE(reply["ok"].get<bool>()) << reply.dump();
  EXPECT_EQ(reply.at("value").at("results").at(0).at("eligible"), json({"fission"}));
  EXPECT_EQ(reply["value"]["results"][1]["eligible"], json::array());
  const json single = json::parse(evaluateEligibilityJson(json{
      {"nowMs", 1795420800000},
      {"campaigns", {c}},
      {"patient", {{"id", "b"}}},
      {"referrals", {referral}}}.dump()));
  EXPECT_TRUE(single.at("value").at("campaigns").at(0).at("eligible").get<bool>());

  batch["patients"][1]["patient"]["id"] = "";
  EXPECT_EQ(code(evaluateEligibilityBatchJson(batch.dump())), "input.missing_field");
  batch.erase("patients");
  EXPECT_EQ(code(evaluateEligibilityBatchJson(batch.dump())), "input.missing_field");
  EXPECT_FALSE(parseEligibilityBatch("{").ok());
  EXPECT_EQ(parseEligibilityBatch("{").error().code, "input.bad_json");
}

}  // namespace
}  // namespace carecircle
