// triageGroupMessage: what the bot does with one group message (the check's
// verdict decides the review item and the author's notice; a message naming
// the doctor outside the Q&A slot gets the core's reply), and hostile input.
#include "moderation/group_triage.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace carecircle {
namespace {

using nlohmann::json;

// Monday 2026-11-23 16:00 in +8; the slot is Wednesday 20:00–21:00.
constexpr std::int64_t kMonday = 1795420800000;
constexpr std::int64_t kWednesdayEvening = 1795609800000;

json group() {
  return {{"doctorName", "周医生"},
          {"qaSlots", {{{"weekday", 3}, {"start", "20:00"}, {"durationMinutes", 60}}}},
          {"emergencyContact", "120"}};
}

json triage(const json& request) { return json::parse(triageGroupMessageJson(request.dump())); }

TEST(GroupTriage, BlockedAdviceGetsTheNoticeAndAReviewItemButNoQaReply) {
  const json r = triage({{"text", "@周医生 王阿姨，优甲乐一天两片就够了，你照着吃"}, {"nowMs", kMonday}, {"group", group()}});
  ASSERT_TRUE(r["ok"].get<bool>()) << r.dump();
  const json& v = r["value"];
  EXPECT_EQ(v["check"]["verdict"], "block");
  EXPECT_TRUE(v["reviewItem"].get<bool>());
  EXPECT_EQ(v["authorNotice"], v["check"]["authorNotice"]);
  EXPECT_TRUE(v["addressesDoctor"].get<bool>());
  EXPECT_TRUE(v["qaReply"].is_null()) << "a blocked message gets its notice, not the Q&A reply";
}

TEST(GroupTriage, QuestionToTheDoctorOutsideTheSlotGetsTheReplyInsideItNothing) {
  const json outside = triage({{"text", "@周医生 复查要空腹吗？"}, {"nowMs", kMonday}, {"group", group()}});
  ASSERT_TRUE(outside["ok"].get<bool>());
  EXPECT_EQ(outside["value"]["qaReply"], "您的情况已记录，医生将在周三晚8点统一回复，紧急情况请致电120");
  EXPECT_FALSE(outside["value"]["reviewItem"].get<bool>());
  EXPECT_TRUE(outside["value"]["authorNotice"].is_null());
  const json inside = triage({{"text", "＠周医生 复查要空腹吗？"}, {"nowMs", kWednesdayEvening}, {"group", group()}});
  ASSERT_TRUE(inside["ok"].get<bool>());
  EXPECT_TRUE(inside["value"]["inSlot"].get<bool>());
  EXPECT_TRUE(inside["value"]["qaReply"].is_null());
  // Naming the doctor without @ is chat about them, not a question to them.
  const json chat = triage({{"text", "周医生讲得真清楚"}, {"nowMs", kMonday}, {"group", group()}});
  EXPECT_FALSE(chat["value"]["addressesDoctor"].get<bool>());
  EXPECT_TRUE(chat["value"]["qaReply"].is_null());
}

TEST(GroupTriage, HostileInputIsAClearErrorAtTheCallersPath) {
  const auto code = [](const std::string& requestText) {
    const json r = json::parse(triageGroupMessageJson(requestText));
    EXPECT_FALSE(r["ok"].get<bool>()) << requestText.substr(0, 80);
    return r["error"]["code"].get<std::string>() + " " + r["error"].value("path", "");
  };
  EXPECT_EQ(code(std::string("{\"text\":\"\xE4\xBC\"}")).substr(0, 20), "moderation.bad_utf8 ");
  EXPECT_EQ(code(R"({"text":"\ud800"})").substr(0, 14), "input.bad_json");
  EXPECT_EQ(code(json{{"text", std::string(4 * 1024 * 1024 + 1, 'a')}}.dump()), "moderation.text_too_long /text");
  json many = json::array();
  for (int i = 0; i < 100'000; ++i) many.push_back("药" + std::to_string(i));
  EXPECT_EQ(code(json{{"text", "你好"}, {"moderation", {{"drugNames", many}}}}.dump()), "moderation.bad_config /moderation/drugNames");
  EXPECT_EQ(code(json{{"text", "你好"}, {"moderation", {{"drugNames", {"优甲乐", "優甲樂"}}}}}.dump()), "moderation.bad_config /moderation/drugNames/1");
  EXPECT_EQ(code(json{{"text", "你好"}, {"moderation", {{"drugNames", {""}}}}}.dump()), "moderation.bad_config /moderation/drugNames/0");
  EXPECT_EQ(code(json{{"text", "你好"}, {"nowMs", kMonday}, {"group", {{"doctorName", "周医生"}, {"qaSlots", json::array()}}}}.dump()).substr(0, 21), "community.bad_config ");
  EXPECT_EQ(code(json{{"text", "你好"}, {"group", group()}}.dump()), "input.missing_field /nowMs");
  EXPECT_EQ(code(json{{"text", "你好"}, {"nowMs", kMonday}, {"group", {{"doctorName", "周医生"}, {"robot", "x"}}}}.dump()), "input.unknown_field /group/robot");
  EXPECT_EQ(code("[]"), "input.wrong_type ");
}

}  // namespace
}  // namespace carecircle
