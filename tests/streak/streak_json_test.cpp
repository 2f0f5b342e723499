// The JSON boundary of the streak module: every error code, hostile and huge
// inputs. Rules themselves are covered in streak_test.cpp.
#include "streak/streak_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace carecircle {
namespace {

using nlohmann::json;

const std::int64_t kNow = 1795420800000;  // 2026-11-23T08:00:00Z, 16:00 in Beijing

json base() {
  return {{"nowMs", kNow}, {"patientId", "p1"}, {"checkIns", json::array()}};
}

json reply(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << text;
  return j;
}

std::string errorCode(const json& request) {
  const json r = reply(evaluateStreakJson(request.dump()));
  return r.at("ok").get<bool>() ? "ok" : r.at("error").at("code").get<std::string>();
}

std::string errorPath(const json& request) {
  return reply(evaluateStreakJson(request.dump())).at("error").at("path").get<std::string>();
}

TEST(StreakJson, MinimalRequestSucceeds) {
  const json r = reply(evaluateStreakJson(base().dump()));
  ASSERT_TRUE(r.at("ok").get<bool>());
  EXPECT_EQ(r.at("value").at("today"), "2026-11-23");
  EXPECT_EQ(r.at("value").at("clock"), "server");
  EXPECT_EQ(r.at("value").at("calendar").at("title"), "2026年11月");
  EXPECT_EQ(r.at("value").at("calendar").at("days").size(), 30u);
}

TEST(StreakJson, MalformedTextIsBadJson) {
  for (const char* text : {"", "{", "{\"nowMs\":}", "null x", "\x80"}) {
    EXPECT_EQ(reply(evaluateStreakJson(text)).at("error").at("code"), "input.bad_json") << text;
  }
}

TEST(StreakJson, MissingFieldsAreNamed) {
  json r = base();
  r.erase("nowMs");
  EXPECT_EQ(errorCode(r), "input.missing_field");
  EXPECT_EQ(errorPath(r), "/nowMs");
  r = base();
  r.erase("checkIns");
  EXPECT_EQ(errorCode(r), "input.missing_field");
  r = base();
  r["checkIns"] = {{{"id", "a"}, {"patientId", "p1"}}};
  EXPECT_EQ(errorCode(r), "input.missing_field");
  EXPECT_EQ(errorPath(r), "/checkIns/0/atMs");
  r = base();
  r["patientId"] = "";
  EXPECT_EQ(errorCode(r), "input.missing_field");
}

TEST(StreakJson, WrongTypesCarryThePath) {
  json r = base();
  r["nowMs"] = "1763884800000";
  EXPECT_EQ(errorCode(r), "input.wrong_type");
  r = base();
  r["checkIns"] = {{{"id", 7}, {"patientId", "p1"}, {"atMs", kNow}}};
  EXPECT_EQ(errorCode(r), "input.wrong_type");
  EXPECT_EQ(errorPath(r), "/checkIns/0/id");
  r = base();
  r["checkIns"] = json::object();
  EXPECT_EQ(errorCode(r), "input.wrong_type");
  r = base();
  r["checkIns"] = {{{"id", "a"}, {"patientId", "p1"}, {"atMs", 1.5}}};
  EXPECT_EQ(errorCode(r), "input.wrong_type");
  r = base();
  r["config"] = {{"makeUp", {{"perMonth", true}}}};
  EXPECT_EQ(errorPath(r), "/config/makeUp/perMonth");
}

TEST(StreakJson, OutOfRangeNumbersAndStrings) {
  json r = base();
  r["config"] = {{"utcOffsetMinutes", 900}};
  EXPECT_EQ(errorCode(r), "input.out_of_range");
  r = base();
  r["checkIns"] = {{{"id", std::string(129, 'x')}, {"patientId", "p1"}, {"atMs", kNow}}};
  EXPECT_EQ(errorCode(r), "input.out_of_range");
  r = base();
  r["checkIns"] = {{{"id", "a"}, {"patientId", "p1"}, {"atMs", -1}}};
  EXPECT_EQ(errorCode(r), "input.out_of_range");
  r = base();
  r["nowMs"] = 1e300;
  EXPECT_EQ(errorCode(r), "input.wrong_type");
  r = base();
  r["nowMs"] = 5;
  EXPECT_EQ(errorCode(r), "streak.bad_now");
}

TEST(StreakJson, BadDatesAndEnums) {
  json r = base();
  r["startDate"] = "2026-02-30";
  EXPECT_EQ(errorCode(r), "input.bad_date");
  r = base();
  r["viewMonth"] = "2026-13";
  EXPECT_EQ(errorCode(r), "input.bad_date");
  r = base();
  r["restDays"] = {"2026/11/01"};
  EXPECT_EQ(errorCode(r), "input.bad_date");
  r = base();
  r["checkIns"] = {{{"id", "a"}, {"patientId", "p1"}, {"atMs", kNow}, {"kind", "bonus"}}};
  EXPECT_EQ(errorCode(r), "input.bad_enum");
  r = base();
  r["clock"] = "phone";
  EXPECT_EQ(errorCode(r), "input.bad_enum");
  r = base();
  r["config"] = {{"weekStartsOn", "friday"}};
  EXPECT_EQ(errorCode(r), "input.bad_enum");
  r = base();
  r["granted"] = {{{"ruleId", "x"}, {"fromDate", "2026-11-10"}, {"toDate", "2026-11-01"}}};
  EXPECT_EQ(errorCode(r), "input.out_of_range");
}

TEST(StreakJson, InconsistentConfigIsBadConfig) {
  json r = base();
  r["config"] = {
      {"milestones", {{{"id", "a"}, {"everyDays", 7}}, {{"id", "a"}, {"everyDays", 9}}}}};
  EXPECT_EQ(errorCode(r), "streak.bad_config");
}

TEST(StreakJson, HugeInputsAreRefusedNotCrashed) {
  json r = base();
  json one = {{"id", "x"}, {"patientId", "p1"}, {"atMs", kNow}};
  r["checkIns"] = json::array();
  for (int i = 0; i < 50'001; ++i) r["checkIns"].push_back(one);
  EXPECT_EQ(errorCode(r), "input.too_many_items");
  const std::string nine(9u << 20, ' ');
  EXPECT_EQ(reply(evaluateStreakJson("{" + nine + "}")).at("error").at("code"), "input.too_large");
  const std::string deep =
      "{\"checkIns\":" + std::string(100'000, '[') + std::string(100'000, ']') + "}";
  EXPECT_EQ(reply(evaluateStreakJson(deep)).at("error").at("code"), "input.too_deep");
}

TEST(StreakJson, HostileStringsRoundTripAsData) {
  json r = base();
  const std::string hostile = "<script>alert（1）</script>\"\\\u2028李*芳";
  r["patientId"] = hostile;
  r["checkIns"] = {{{"id", hostile}, {"patientId", hostile}, {"atMs", kNow}}};
  const json out = reply(evaluateStreakJson(r.dump()));
  ASSERT_TRUE(out.at("ok").get<bool>());
  EXPECT_EQ(out.at("value").at("patientId"), hostile);
  EXPECT_EQ(out.at("value").at("total"), 1);
}

TEST(StreakJson, RecordCheckInNeedsACandidate) {
  json r = base();
  EXPECT_EQ(reply(recordCheckInJson(r.dump())).at("error").at("code"), "input.missing_field");
  r["checkIn"] = {{"id", "t"}, {"patientId", "p1"}, {"atMs", kNow + 3'600'000}};
  EXPECT_EQ(reply(recordCheckInJson(r.dump())).at("error").at("code"), "streak.future_timestamp");
  r["checkIn"] = {{"id", "t"}, {"patientId", "p1"}, {"atMs", kNow}};
  const json ok = reply(recordCheckInJson(r.dump()));
  ASSERT_TRUE(ok.at("ok").get<bool>());
  EXPECT_EQ(ok.at("value").at("outcome"), "accepted");
  EXPECT_EQ(ok.at("value").at("report").at("current"), 1);
}

TEST(StreakJson, SameRequestGivesTheSameBytes) {
  json r = base();
  r["checkIns"] = {{{"id", "b"}, {"patientId", "p1"}, {"atMs", kNow - 86'400'000}},
                   {{"id", "a"}, {"patientId", "p1"}, {"atMs", kNow}}};
  const std::string first = evaluateStreakJson(r.dump());
  std::swap(r["checkIns"][0], r["checkIns"][1]);
  EXPECT_EQ(evaluateStreakJson(r.dump()), first);
}

}  // namespace
}  // namespace carecircle
