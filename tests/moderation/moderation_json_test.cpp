// The JSON boundary of the moderation module: every error code, hostile and
// huge inputs. Rules themselves are covered in moderation_test.cpp.
#include "moderation/moderation_json.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace carecircle {
namespace {

using nlohmann::json;

json reply(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << text;
  return j;
}

std::string code(const std::string& requestText) {
  const json r = reply(moderateTextJson(requestText));
  return r.at("ok").get<bool>() ? "ok" : r.at("error").at("code").get<std::string>();
}
std::string code(const json& request) {
  return code(request.dump());
}
std::string code(const char* requestText) {
  return code(std::string(requestText));
}

std::string path(const json& request) {
  return reply(moderateTextJson(request.dump())).at("error").at("path").get<std::string>();
}

TEST(ModerationJson, MinimalRequestSucceeds) {
  const json r = reply(moderateTextJson(R"({"text":"你吃这个药试试"})"));
  ASSERT_TRUE(r.at("ok").get<bool>());
  EXPECT_EQ(r.at("value").at("verdict"), "block");
  EXPECT_EQ(r.at("value").at("allowed"), false);
  EXPECT_EQ(r.at("value").at("context"), "message");
  EXPECT_EQ(r.at("value").at("matches").at(0).at("codePointEnd"), 7);
}

TEST(ModerationJson, InvalidUtf8IsNamedNotCalledBadJson) {
  EXPECT_EQ(code(std::string("{\"text\":\"\xE8\x8D\"}")), "moderation.bad_utf8");
  EXPECT_EQ(code(std::string("{\"text\":\"ok\xC0\xAF\"}")), "moderation.bad_utf8");
  const json r = reply(moderateTextJson(std::string("{\"text\":\"根治\xFF\"}")));
  EXPECT_NE(r.at("error").at("message").get<std::string>().find("第15字节"), std::string::npos);
  // A lone surrogate escape is not a scalar value either; nlohmann refuses it.
  EXPECT_EQ(code(R"({"text":"\ud800"})"), "input.bad_json");
}

TEST(ModerationJson, MalformedAndMissingInput) {
  for (const char* text : {"", "{", "[]", "null", "{\"text\":}"}) {
    EXPECT_NE(code(std::string(text)), "ok") << text;
  }
  EXPECT_EQ(code(std::string("{")), "input.bad_json");
  EXPECT_EQ(code(std::string("[]")), "input.wrong_type");
  EXPECT_EQ(code(json::object()), "input.missing_field");
  EXPECT_EQ(path(json::object()), "/text");
  EXPECT_EQ(code(json{{"text", 5}}), "input.wrong_type");
  EXPECT_EQ(code(json{{"text", "x"}, {"context", "poster"}}), "input.bad_enum");
  EXPECT_EQ(code(json{{"text", "x"}, {"context", 1}}), "input.wrong_type");
}

TEST(ModerationJson, ConfigErrorsCarryTheirPath) {
  json r = {{"text", "x"}, {"config", {{"extraRules", {{{"id", "a"}, {"category", "ads"}}}}}}};
  EXPECT_EQ(code(r), "input.missing_field");
  EXPECT_EQ(path(r), "/config/extraRules/0/explanation");
  r = {{"text", "x"},
       {"config",
        {{"extraRules",
          {{{"id", "a"}, {"category", "ads"}, {"explanation", "e"}, {"patterns", {" "}}}}}}}};
  EXPECT_EQ(code(r), "moderation.bad_config");
  r = {{"text", "x"},
       {"config",
        {{"extraRules",
          {{{"id", "drug-advice-recommend"},
            {"category", "x"},
            {"explanation", "e"},
            {"patterns", {"p"}}}}}}}};
  EXPECT_EQ(code(r), "moderation.bad_config");  // duplicates a default id
  r = {{"text", "x"}, {"config", {{"disabledRules", {"no-such-rule"}}}}};
  EXPECT_EQ(code(r), "moderation.unknown_rule");
  EXPECT_EQ(path(r), "/config/disabledRules/0");
  r = {{"text", "x"}, {"config", {{"maxMatches", 0}}}};
  EXPECT_EQ(code(r), "input.out_of_range");
  r = {{"text", "x"}, {"config", {{"rules", json::array()}, {"detectPhoneNumbers", "yes"}}}};
  EXPECT_EQ(code(r), "input.wrong_type");
  r = {{"text", "x"},
       {"config",
        {{"extraRules",
          {{{"id", "a"},
            {"category", "c"},
            {"explanation", "e"},
            {"severity", "warn"},
            {"patterns", {"p"}}}}}}}};
  EXPECT_EQ(code(r), "input.bad_enum");
  r = {{"text", "x"},
       {"config",
        {{"extraRules",
          {{{"id", "a"}, {"category", "c"}, {"explanation", "e"}, {"patterns", {1}}}}}}}};
  EXPECT_EQ(code(r), "input.wrong_type");
  EXPECT_EQ(path(r), "/config/extraRules/0/patterns/0");
}

TEST(ModerationJson, ConfigChangesApply) {
  json r = {{"text", "你吃这个药试试，加微信"},
            {"context", "story"},
            {"config",
             {{"disabledRules", {"drug-advice-recommend"}},
              {"detectContact", false},
              {"extraRules",
               {{{"id", "ads"},
                 {"category", "ads"},
                 {"categoryLabel", "广告"},
                 {"explanation", "群内不发广告"},
                 {"severity", "review"},
                 {"patterns", {"加微信"}}}}}}}};
  const json out = reply(moderateTextJson(r.dump())).at("value");
  ASSERT_EQ(out.at("matches").size(), 1u);
  EXPECT_EQ(out.at("matches").at(0).at("ruleId"), "ads");
  EXPECT_EQ(out.at("matches").at(0).at("severity"), "block");  // a story blocks every match
}

TEST(ModerationJson, HugeInputsAreRefusedNotCrashed) {
  // A 1 MB message is fine ...
  std::string text;
  while (text.size() < 1'000'000) text += "康复顺利，谢谢护士。";
  json r = {{"text", text + "根治"}};
  const json ok = reply(moderateTextJson(r.dump()));
  ASSERT_TRUE(ok.at("ok").get<bool>());
  EXPECT_EQ(ok.at("value").at("totalMatches"), 1);
  // ... 5 MiB is over the text limit, 9 MiB over the request limit.
  EXPECT_EQ(code(json{{"text", std::string(5u << 20, 'a')}}), "moderation.text_too_long");
  EXPECT_EQ(code("{\"text\":\"" + std::string(9u << 20, 'a') + "\"}"), "input.too_large");
  json many = {{"text", "x"}, {"config", {{"disabledRules", json::array()}}}};
  for (int i = 0; i < 10'001; ++i) many["config"]["disabledRules"].push_back("r");
  EXPECT_EQ(code(many), "input.too_many_items");
  json patterns = json::array();
  for (int i = 0; i < 10'001; ++i) patterns.push_back("p" + std::to_string(i));
  r = {{"text", "x"},
       {"config",
        {{"extraRules",
          {{{"id", "a"}, {"category", "c"}, {"explanation", "e"}, {"patterns", patterns}}}}}}};
  EXPECT_EQ(code(r), "input.too_many_items");
  const std::string deep = "{\"text\":\"x\",\"config\":" + std::string(100'000, '[') + "}";
  EXPECT_EQ(code(deep), "input.too_deep");
}

TEST(ModerationJson, RulesExportListsTheEffectiveWordList) {
  const json r = reply(moderationRulesJson("{}"));
  ASSERT_TRUE(r.at("ok").get<bool>());
  const json& rules = r.at("value").at("rules");
  EXPECT_EQ(rules.size(), 7u);
  EXPECT_EQ(rules.at(0).at("id"), "drug-advice-recommend");
  EXPECT_EQ(rules.at(0).at("patterns").at(0), "你吃这个药试试");
  EXPECT_EQ(r.at("value").at("maxMatches"), 200);
  const json off =
      reply(moderationRulesJson(R"({"config":{"disabledRules":["superlative-best-first"]}})"));
  EXPECT_EQ(off.at("value").at("rules").size(), 6u);
  EXPECT_EQ(reply(moderationRulesJson(R"({"config":{"rules":[]}})")).at("value").at("rules").size(),
            0u);
}

TEST(ModerationJson, SameRequestGivesTheSameBytes) {
  const std::string request = R"({"text":"根 治!电话 138-1234-5678,最好的医院","context":"story"})";
  EXPECT_EQ(moderateTextJson(request), moderateTextJson(request));
}

}  // namespace
}  // namespace carecircle
