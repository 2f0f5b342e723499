// Bad input at the referral JSON boundary: a clear code or a report, never a
// crash or a hang.
#include "referral/referral_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kT0 = 1795420800000;

std::string code(const std::string& reply) {
  const json r = json::parse(reply);
  return r["ok"].get<bool>() ? "ok" : r["error"]["code"].get<std::string>();
}

json record(const std::string& id, const std::string& from, const std::string& to) {
  return {{"id", id}, {"referrerId", from}, {"refereeId", to}, {"invitedAtMs", kT0}};
}

TEST(ReferralJson, MalformedAndWrongTypes) {
  EXPECT_EQ(code(analyzeReferralsJson("{\"records\":[")), "input.bad_json");
  EXPECT_EQ(code(analyzeReferralsJson("{}")), "input.missing_field");
  EXPECT_EQ(code(analyzeReferralsJson(R"({"records":{}})")), "input.wrong_type");
  EXPECT_EQ(code(analyzeReferralsJson(R"({"records":[{"id":1}]})")), "input.wrong_type");
  json r = {{"records", {record("r1", "a", "b")}}};
  r["records"][0]["stage"] = "converted";
  EXPECT_EQ(code(analyzeReferralsJson(r.dump())), "input.unknown_field");
  r["records"][0].erase("stage");
  r["records"][0]["invitedAtMs"] = -5;
  EXPECT_EQ(code(analyzeReferralsJson(r.dump())), "input.out_of_range");
}

TEST(ReferralJson, TenKilobyteIdsAreRefused) {
  json r = {{"records", {record(std::string(10 * 1024, 'x'), "a", "b")}}};
  EXPECT_EQ(code(analyzeReferralsJson(r.dump())), "input.out_of_range");
}

TEST(ReferralJson, TenMillionRecordsAreRefusedBeforeParsing) {
  // Ten million records are well over a gigabyte of JSON: refused on size.
  const std::string huge = "{\"records\":[" + std::string(161u << 20, ' ') + "]}";
  EXPECT_EQ(code(analyzeReferralsJson(huge)), "input.too_large");
}

TEST(ReferralJson, DeepNestingIsRefused) {
  EXPECT_EQ(code(layoutForestJson("{\"records\":" + std::string(100000, '[') + "}")),
            "input.too_deep");
}

TEST(ReferralJson, GraphProblemsAreReportedNotFatal) {
  json r = {{"records", {record("r1", "a", "a"), record("r2", "a", "b"), record("r3", "b", "a")}}};
  const json reply = json::parse(analyzeReferralsJson(r.dump()));
  ASSERT_TRUE(reply["ok"].get<bool>());
  EXPECT_EQ(reply["value"]["issueCount"], 2);
  EXPECT_EQ(reply.at("value").at("issues").at(0).at("code"), "referral.cycle");
  EXPECT_EQ(reply["value"]["issues"][1]["code"], "referral.self_referral");
}

TEST(ReferralJson, LayoutOptionsAndViewportAreChecked) {
  json r = {{"records", {record("r1", "a", "b")}}, {"layout", {{"nodeWidth", -1}}}};
  EXPECT_EQ(code(layoutForestJson(r.dump())), "input.out_of_range");
  r["layout"] = {{"nodeWidth", "wide"}};
  EXPECT_EQ(code(layoutForestJson(r.dump())), "input.wrong_type");
  r.erase("layout");
  r["viewport"] = {{"x0", 0}, {"y0", 0}, {"x1", "far"}, {"y1", 1}};
  EXPECT_EQ(code(layoutForestJson(r.dump())), "input.wrong_type");
  r["viewport"] = {{"x0", 0}, {"y0", 0}, {"x1", 1}, {"y1", 1}};
  r["columns"] = true;
  EXPECT_EQ(code(layoutForestJson(r.dump())), "input.bad_enum");
}

TEST(ReferralJson, MyTreeNeedsNowAndAKnownPatient) {
  json r = {{"patientId", "a"}, {"records", {record("r1", "a", "b")}}};
  EXPECT_EQ(code(myReferralTreeJson(r.dump())), "input.missing_field");
  r["nowMs"] = kT0;
  EXPECT_EQ(code(myReferralTreeJson(r.dump())), "ok");
  r["patientId"] = "zzz";
  EXPECT_EQ(code(myReferralTreeJson(r.dump())), "referral.unknown_patient");
}

TEST(ReferralJson, ColumnsCarryEveryShownNode) {
  json r = {{"records", {record("r1", "a", "b"), record("r2", "a", "c")}}, {"columns", true}};
  const json reply = json::parse(layoutForestJson(r.dump()));
  ASSERT_TRUE(reply["ok"].get<bool>());
  EXPECT_EQ(reply["value"]["columns"]["key"], json({"a", "b", "c"}));
  EXPECT_EQ(reply["value"]["columns"]["x"], json({0.0, -44.0, 44.0}));
  EXPECT_EQ(reply["value"]["columns"]["parent"], json({-1, 0, 0}));
}

}  // namespace
}  // namespace carecircle
