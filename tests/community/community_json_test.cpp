// The JSON boundary of the community module: every error code, hostile and
// huge inputs. Rules themselves are covered in the other community tests.
#include "community/community_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace carecircle {
namespace {

using nlohmann::json;
using Export = std::string (*)(std::string_view);

const std::int64_t kNow = 1795420800000;  // 2026-11-23T08:00:00Z, 16:00 Monday in Beijing

json reply(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << text;
  return j;
}

std::string code(Export fn, const json& request) {
  const json r = reply(fn(request.dump()));
  return r.at("ok").get<bool>() ? "ok" : r.at("error").at("code").get<std::string>();
}

std::string codeAndPath(Export fn, const json& request) {
  const json r = reply(fn(request.dump()));
  if (r.at("ok").get<bool>()) return "ok";
  return r.at("error").at("code").get<std::string>() + " " +
         r.at("error").at("path").get<std::string>();
}

json answers() {
  return {{"peakMoment", "strong"},  {"recommend", "yes"},   {"gatherings", "often"},
          {"groupActivity", "none"}, {"experience", "good"}, {"incentive", "privilege"}};
}

TEST(CommunityJson, EveryExportRefusesMalformedText) {
  for (Export fn :
       {&assessKocJson, &communityHealthReportJson, &memberListsJson, &replyOutsideQaSlotJson}) {
    for (const char* text : {"", "{", "null x", "\x80", "{\"a\":\"\xC3\x28\"}"}) {
      EXPECT_EQ(reply(fn(text)).at("error").at("code"), "input.bad_json") << text;
    }
    EXPECT_EQ(reply(fn("[]")).at("error").at("code"), "input.wrong_type");
    const std::string deep = "{\"a\":" + std::string(100'000, '[') + "}";
    EXPECT_EQ(reply(fn(deep)).at("error").at("code"), "input.too_deep");
    EXPECT_EQ(reply(fn("{\"a\":\"" + std::string(9u << 20, 'x') + "\"}")).at("error").at("code"),
              "input.too_large");
  }
}

TEST(CommunityJson, AssessKocReturnsTheFormAndTheAssessment) {
  const json blank = reply(assessKocJson("{}"));
  ASSERT_TRUE(blank.at("ok").get<bool>());
  EXPECT_TRUE(blank.at("value").at("assessment").is_null());
  EXPECT_EQ(blank.at("value").at("form").at("questions").size(), 6u);
  EXPECT_EQ(blank.at("value").at("form").at("maxScore"), 20);
  const json r = reply(assessKocJson(json{{"patientId", "p-1"}, {"answers", answers()}}.dump()));
  const json& a = r.at("value").at("assessment");
  EXPECT_EQ(a.at("score"), 14);  // 4 + 3 + 4 + 0 + 3
  EXPECT_EQ(a.at("qualifies"), true);
  EXPECT_EQ(a.at("tags").at("socialClass"), "A");
  EXPECT_EQ(a.at("letterTemplate"), "privilege");
  EXPECT_EQ(a.at("letterTitle"), "黑金推荐函");
}

TEST(CommunityJson, AssessKocErrors) {
  json r = {{"answers", answers()}};
  r["answers"].erase("experience");
  EXPECT_EQ(codeAndPath(&assessKocJson, r), "community.missing_answer /answers/experience");
  r = {{"answers", answers()}};
  r["answers"]["recommend"] = "very";
  EXPECT_EQ(codeAndPath(&assessKocJson, r), "community.bad_answer /answers/recommend");
  r["answers"]["recommend"] = 3;
  EXPECT_EQ(codeAndPath(&assessKocJson, r), "input.wrong_type /answers/recommend");
  r = {{"answers", json::array()}};
  EXPECT_EQ(codeAndPath(&assessKocJson, r), "input.wrong_type /answers");
  r = {{"answers", answers()}};
  r["answers"]["extra"] = "x";
  EXPECT_EQ(codeAndPath(&assessKocJson, r), "community.unknown_question /answers/extra");
  r = {{"config", {{"threshold", 25}}}};
  EXPECT_EQ(codeAndPath(&assessKocJson, r), "community.bad_config /config/threshold");
  r = {{"config",
        {{"questions",
          {{{"id", "q"},
            {"text", "t"},
            {"options",
             {{{"id", "a"}, {"label", "A"}, {"points", 99}}, {{"id", "b"}, {"label", "B"}}}}}}}}}};
  EXPECT_EQ(codeAndPath(&assessKocJson, r),
            "community.bad_config /config/questions/0/options/0/points");
  r = {{"config", {{"defaultIncentive", "cash"}}}};
  EXPECT_EQ(codeAndPath(&assessKocJson, r), "input.bad_enum /config/defaultIncentive");
  r = {{"sensitiveCase", "yes"}};
  EXPECT_EQ(codeAndPath(&assessKocJson, r), "input.wrong_type /sensitiveCase");
  json many = json::object();
  for (int i = 0; i < 65; ++i) many["q" + std::to_string(i)] = "a";
  EXPECT_EQ(code(&assessKocJson, json{{"answers", many}}), "input.too_many_items");
  json questions = json::array();
  for (int i = 0; i < 13; ++i) questions.push_back(json::object());
  EXPECT_EQ(code(&assessKocJson, json{{"config", {{"questions", questions}}}}),
            "input.too_many_items");
}

TEST(CommunityJson, HealthReportErrors) {
  const json ok = {{"month", "2026-11"}, {"groups", {{{"id", "g"}, {"dailyMessages", {0, 0}}}}}};
  EXPECT_EQ(code(&communityHealthReportJson, ok), "ok");
  json r = ok;
  r.erase("groups");
  EXPECT_EQ(codeAndPath(&communityHealthReportJson, r), "input.missing_field /groups");
  r = ok;
  r["month"] = "2026-13";
  EXPECT_EQ(codeAndPath(&communityHealthReportJson, r), "input.bad_date /month");
  r = ok;
  r["groups"][0]["dailyMessages"] = {1, -1};
  EXPECT_EQ(codeAndPath(&communityHealthReportJson, r),
            "input.out_of_range /groups/0/dailyMessages/1");
  r["groups"][0]["dailyMessages"] = {1, 2.5};
  EXPECT_EQ(codeAndPath(&communityHealthReportJson, r),
            "input.wrong_type /groups/0/dailyMessages/1");
  r["groups"][0]["dailyMessages"] = json::array();
  for (int i = 0; i < 32; ++i) r["groups"][0]["dailyMessages"].push_back(1);
  EXPECT_EQ(codeAndPath(&communityHealthReportJson, r),
            "input.too_many_items /groups/0/dailyMessages");
  r = ok;
  r["groups"][0]["revisit"] = {{"members", 0}, {"revisitedWithin60Days", 1}};
  EXPECT_EQ(codeAndPath(&communityHealthReportJson, r), "community.bad_counts /groups/0/revisit");
  r = ok;
  r["groups"][0]["revisit"] = {{"members", 10}};
  EXPECT_EQ(codeAndPath(&communityHealthReportJson, r),
            "input.missing_field /groups/0/revisit/revisitedWithin60Days");
  r = ok;
  r["config"] = {{"warningDailyMessages", 80}};
  EXPECT_EQ(codeAndPath(&communityHealthReportJson, r),
            "community.bad_config /config/warningDailyMessages");
  r = ok;
  r["groups"] = json::array();
  for (int i = 0; i < 1001; ++i) r["groups"].push_back({{"id", std::to_string(i)}});
  EXPECT_EQ(code(&communityHealthReportJson, r), "input.too_many_items");
  // 0 / 0 everywhere is a defined report, not an error.
  r = {{"month", "2026-11"},
       {"groups",
        {{{"id", "g"},
          {"revisit", {{"members", 0}, {"revisitedWithin60Days", 0}}},
          {"quarterNewMembers", {{"total", 0}, {"referredByMembers", 0}}}}}}};
  const json v = reply(communityHealthReportJson(r.dump())).at("value");
  EXPECT_EQ(v.at("groups").at(0).at("conversion").at("level"), "noData");
  EXPECT_TRUE(v.at("groups").at(0).at("conversion").at("rateBp").is_null());
  EXPECT_EQ(v.at("groups").at(0).at("activity").at("averageText"), "暂无消息数据");
}

TEST(CommunityJson, MemberListsErrors) {
  const json ok = {{"nowMs", kNow},
                   {"members", {{{"id", "a"}, {"joinedAtMs", kNow - 86'400'000}}}}};
  EXPECT_EQ(code(&memberListsJson, ok), "ok");
  json r = ok;
  r.erase("members");
  EXPECT_EQ(codeAndPath(&memberListsJson, r), "input.missing_field /members");
  r = ok;
  r["members"][0]["role"] = "admin";
  EXPECT_EQ(codeAndPath(&memberListsJson, r), "input.bad_enum /members/0/role");
  r = ok;
  r["members"][0]["joinedAtMs"] = 5;
  EXPECT_EQ(codeAndPath(&memberListsJson, r), "input.out_of_range /members/0/joinedAtMs");
  r = ok;
  r["members"][0]["lastMessageAtMs"] = "yesterday";
  EXPECT_EQ(codeAndPath(&memberListsJson, r), "input.wrong_type /members/0/lastMessageAtMs");
  r = ok;
  r["clock"] = "phone";
  EXPECT_EQ(codeAndPath(&memberListsJson, r), "input.bad_enum /clock");
  r = ok;
  r["nowMs"] = 12;
  EXPECT_EQ(codeAndPath(&memberListsJson, r), "community.bad_now /nowMs");
  r = ok;
  r["config"] = {{"utcOffsetMinutes", 900}};
  EXPECT_EQ(codeAndPath(&memberListsJson, r), "input.out_of_range /config/utcOffsetMinutes");
  r = ok;
  r["members"].push_back(r["members"][0]);
  EXPECT_EQ(codeAndPath(&memberListsJson, r), "community.duplicate_member /members/1/id");
  r = ok;
  r["members"] = json::array();
  for (int i = 0; i < 100'001; ++i) r["members"].push_back(1);
  EXPECT_EQ(code(&memberListsJson, r), "input.too_many_items");
}

TEST(CommunityJson, QaSlotErrorsAndReply) {
  json r = {{"nowMs", kNow}};
  const json v = reply(replyOutsideQaSlotJson(r.dump())).at("value");
  EXPECT_EQ(v.at("reply"), "您的情况已记录，医生将在周三晚8点统一回复，紧急情况请致电120");
  EXPECT_EQ(v.at("slots").at(0).at("start"), "20:00");
  EXPECT_EQ(v.at("slots").at(0).at("end"), "21:00");
  r["config"] = {{"qaSlots", {{{"weekday", 3}, {"start", "8pm"}}}}};
  EXPECT_EQ(codeAndPath(&replyOutsideQaSlotJson, r), "input.bad_time /config/qaSlots/0/start");
  r["config"] = {{"qaSlots", {{{"weekday", 3}, {"start", "24:00"}}}}};
  EXPECT_EQ(codeAndPath(&replyOutsideQaSlotJson, r), "input.bad_time /config/qaSlots/0/start");
  r["config"] = {{"qaSlots", {{{"weekday", 0}, {"start", "20:00"}}}}};
  EXPECT_EQ(codeAndPath(&replyOutsideQaSlotJson, r), "community.bad_config /config/qaSlots/0");
  r["config"] = {{"qaSlots", {{{"start", "20:00"}}}}};
  EXPECT_EQ(codeAndPath(&replyOutsideQaSlotJson, r),
            "input.missing_field /config/qaSlots/0/weekday");
  r["config"] = {{"qaSlots", json::array()}};
  EXPECT_EQ(codeAndPath(&replyOutsideQaSlotJson, r), "community.bad_config /config/qaSlots");
  r = json::object();
  EXPECT_EQ(codeAndPath(&replyOutsideQaSlotJson, r), "input.missing_field /nowMs");
}

TEST(CommunityJson, HostileStringsRoundTripAsData) {
  const std::string hostile = "<script>alert（1）</script>\"\\\u2028李*芳";
  json r = {
      {"nowMs", kNow},
      {"group", {{"id", hostile}, {"name", hostile}}},
      {"members",
       {{{"id", hostile}, {"displayName", hostile}, {"joinedAtMs", kNow - 120LL * 86'400'000}}}}};
  const json out = reply(memberListsJson(r.dump()));
  ASSERT_TRUE(out.at("ok").get<bool>());
  EXPECT_EQ(out.at("value").at("group").at("name"), hostile);
  EXPECT_EQ(out.at("value").at("reactivation").at(0).at("displayName"), hostile);
}

}  // namespace
}  // namespace carecircle
