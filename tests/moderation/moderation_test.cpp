// The moderation rules: the seed's examples, G11 wording, personal data,
// spacing tricks, spans in the original text, and big inputs.
#include "moderation/moderation.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace carecircle {
namespace {

ModerationReport check(std::string_view text,
                       ModerationContext context = ModerationContext::kMessage) {
  Result<ModerationReport> r = ModerationPolicy::defaults().check(text, context);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code);
  return r.ok() ? r.value() : ModerationReport{};
}

std::vector<std::string> ruleIds(const ModerationReport& r) {
  std::vector<std::string> ids;
  for (const auto& m : r.matches) ids.push_back(m.ruleId);
  return ids;
}

TEST(Moderation, BlocksTheSeedsDrugAdviceWithAnExplanation) {
  const ModerationReport r = check("王阿姨，你吃这个药试试，我吃了一个月就好了");
  EXPECT_EQ(r.verdict, ModerationVerdict::kBlock);
  ASSERT_EQ(r.matches.size(), 1u);  // leftmost-longest: not also "吃这个药试试"
  const ModerationMatch& m = r.matches[0];
  EXPECT_EQ(m.ruleId, "drug-advice-recommend");
  EXPECT_EQ(m.category, "drugAdvice");
  EXPECT_EQ(m.categoryLabel, "患者间用药建议");
  EXPECT_EQ(m.matchedText, "你吃这个药试试");
  EXPECT_EQ(m.codePointStart, 4u);
  EXPECT_EQ(m.codePointEnd, 11u);
  EXPECT_EQ(m.byteStart, 12u);  // 王阿姨， (4 × 3 bytes)
  EXPECT_EQ(m.byteEnd, 33u);    // + 7 × 3 bytes
  EXPECT_NE(m.explanation.find("遵医嘱"), std::string::npos);
  EXPECT_NE(r.authorNotice.find("暂未发布"), std::string::npos);
  EXPECT_EQ(r.summary, "不能发布：患者间用药建议1处");
}

TEST(Moderation, BlocksG11ClaimsInEveryListedForm) {
  for (const char* text :
       {"这里能根治甲亢", "治愈率高达95%", "包治百病", "保证100%有效", "全国第一的专科",
        "我们是最好的医院", "百分百有效", "完全没有副作用，绝对安全"}) {
    const ModerationReport r = check(text, ModerationContext::kStory);
    EXPECT_EQ(r.verdict, ModerationVerdict::kBlock) << text;
    EXPECT_FALSE(r.matches.empty()) << text;
  }
}

TEST(Moderation, SeesThroughSpacingWidthAndPunctuationTricks) {
  for (const char* text :
       {"根 治", "根-治", "根　治", "根.治", "根*治", "根_治", "根😀治", "根\u200b治",
        "【根】【治】", "治 愈 率", "１００％有效", "藥到病除", "ＮＯ．１的医院", "No.1"}) {
    const ModerationReport r = check(text, ModerationContext::kStory);
    EXPECT_EQ(r.verdict, ModerationVerdict::kBlock) << text;
    ASSERT_EQ(r.matches.size(), 1u) << text;
    EXPECT_EQ(r.matches[0].byteStart, text[0] == '\xe3' ? 3u : 0u) << text;  // 【 is 3 bytes
  }
}

TEST(Moderation, SpansPointIntoTheOriginalTextWhateverItsEncodingWidths) {
  const std::string text = "😀好 根 治！";
  const ModerationReport r = check(text);
  ASSERT_EQ(r.matches.size(), 1u);
  const ModerationMatch& m = r.matches[0];
  EXPECT_EQ(text.substr(m.byteStart, m.byteEnd - m.byteStart), "根 治");
  EXPECT_EQ(m.matchedText, "根 治");
  EXPECT_EQ(m.codePointStart, 3u);  // 😀 好 space
  EXPECT_EQ(m.codePointEnd, 6u);
  EXPECT_EQ(m.utf16Start, 4u);  // 😀 is a surrogate pair in JS
  EXPECT_EQ(m.utf16End, 7u);
  EXPECT_EQ(r.textCodePoints, 7u);
}

TEST(Moderation, EverydayPhrasesAreExceptions) {
  for (const char* text : {"第一次复查很顺利", "术后第一天能下床", "最好别熬夜", "最好还是问问医生",
                           "最好遵医嘱", "出院第一周多休息"}) {
    const ModerationReport r = check(text, ModerationContext::kStory);
    EXPECT_EQ(r.verdict, ModerationVerdict::kPass) << text;
  }
  // An exception only covers its own span: the second 第一 still counts.
  const ModerationReport r = check("第一次来就觉得是全国第一");
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].codePointStart, 10u);
}

TEST(Moderation, SuperlativesAreReviewInChatButBlockInStories) {
  EXPECT_EQ(check("这是最好的办法").verdict, ModerationVerdict::kReview);
  EXPECT_TRUE(check("这是最好的办法").authorNotice.find("护士确认") != std::string::npos);
  EXPECT_EQ(check("这是最好的办法", ModerationContext::kStory).verdict, ModerationVerdict::kBlock);
  EXPECT_EQ(check("今天做了颈部操，感觉不错").verdict, ModerationVerdict::kPass);
  EXPECT_EQ(check("今天做了颈部操，感觉不错").authorNotice, "");
}

TEST(Moderation, FindsPhoneNumbersHoweverTheyAreWritten) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"电话13812345678", "personal-data-mobile"},
      {"打138 1234 5678找我", "personal-data-mobile"},
      {"138-1234-5678", "personal-data-mobile"},
      {"+86 138 1234 5678", "personal-data-mobile"},
      {"１３８１２３４５６７８", "personal-data-mobile"},
      {"座机010-12345678", "personal-data-landline"},
      {"0571 8888 8888", "personal-data-landline"},
      {"05718888888", "personal-data-landline"},
      {"热线400-123-4567", "personal-data-hotline"},
  };
  for (const auto& [text, rule] : cases) {
    const ModerationReport r = check(text);
    ASSERT_EQ(r.matches.size(), 1u) << text;
    EXPECT_EQ(r.matches[0].ruleId, rule) << text;
    EXPECT_EQ(r.verdict, ModerationVerdict::kBlock) << text;
  }
  const ModerationReport r = check("电话138 1234 5678");
  EXPECT_EQ(r.matches[0].matchedText, "138****5678");  // the report itself does not leak the number
  EXPECT_EQ(r.matches[0].byteStart, 6u);
  EXPECT_EQ(r.matches[0].byteEnd, 19u);
}

TEST(Moderation, DoesNotMistakeOtherNumbersForPhones) {
  for (const char* text :
       {"订单号20261123138123456789", "血压138/85", "血糖12.5，体重65公斤", "2026-11-23复查",
        "第1381234567期", "住院号1381234567", "138123456789", "TSH 0.5-4.8， 3次"}) {
    EXPECT_EQ(check(text).verdict, ModerationVerdict::kPass) << text;
  }
  // A date right before a phone number does not hide it.
  const ModerationReport r = check("2026-11-23 138 1234 5678");
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].byteStart, 11u);
}

TEST(Moderation, FindsResidentIdNumbersWithAValidCheckCharacter) {
  EXPECT_EQ(ruleIds(check("身份证11010519491231002X")),
            std::vector<std::string>{"personal-data-id-card"});
  EXPECT_EQ(ruleIds(check("110105 19491231 002x")),
            std::vector<std::string>{"personal-data-id-card"});
  EXPECT_EQ(check("11010519491231002X").matches[0].matchedText, "110*************2X");
  // Wrong check character or impossible birth date: not an ID number.
  EXPECT_EQ(check("110105194912310021").verdict, ModerationVerdict::kPass);
  EXPECT_EQ(check("11010519491331002X").verdict, ModerationVerdict::kPass);
}

TEST(Moderation, DetectorsCanBeSwitchedOff) {
  ModerationConfig config;
  config.detectPhoneNumbers = false;
  config.detectIdCardNumbers = false;
  const ModerationPolicy policy = ModerationPolicy::compile(config).value();
  EXPECT_EQ(
      policy.check("13812345678 11010519491231002X", ModerationContext::kMessage).value().verdict,
      ModerationVerdict::kPass);
}

TEST(Moderation, CustomRulesAndCategories) {
  ModerationConfig config;
  config.rules = {ModerationRule{"no-ads",
                                 "ads",
                                 "广告",
                                 ModerationSeverity::kReview,
                                 "群内不发广告",
                                 {"加微信", "代购"},
                                 {}}};
  config.detectContact = false;  // the contact structure would also flag 加微信
  const ModerationPolicy policy = ModerationPolicy::compile(config).value();
  const ModerationReport r =
      policy.check("有需要加 微 信，专业代购", ModerationContext::kMessage).value();
  EXPECT_EQ(r.verdict, ModerationVerdict::kReview);
  ASSERT_EQ(r.matches.size(), 2u);
  EXPECT_EQ(r.matches[0].categoryLabel, "广告");
  EXPECT_EQ(r.matches[1].matchedText, "代购");
  EXPECT_EQ(r.categories, std::vector<std::string>{"ads"});
  // The seed's drug advice is no longer a rule here; personal data still is.
  EXPECT_EQ(policy.check("你吃这个药试试", ModerationContext::kMessage).value().verdict,
            ModerationVerdict::kPass);
}

TEST(Moderation, BadConfigurationIsRefusedWithAReason) {
  const auto code = [](ModerationConfig c) {
    Result<ModerationPolicy> p = ModerationPolicy::compile(c);
    return p.ok() ? std::string("ok") : p.error().code + " " + p.error().path;
  };
  ModerationConfig c;
  c.rules.push_back(c.rules[0]);
  EXPECT_EQ(code(c), "moderation.bad_config /config/rules/7/id");
  c = {};
  c.rules[0].patterns.push_back(" ，。！");  // folds to nothing
  EXPECT_EQ(code(c), "moderation.bad_config /config/rules/0/patterns/12");
  c = {};
  c.rules[0].patterns.push_back(std::string(65 * 3, 'x'));
  EXPECT_EQ(code(c), "moderation.bad_config /config/rules/0/patterns/12");
  c = {};
  c.rules[0].patterns.push_back("\xff");
  EXPECT_EQ(code(c), "moderation.bad_config /config/rules/0/patterns/12");
  c = {};
  c.rules[0].category.clear();
  EXPECT_EQ(code(c), "moderation.bad_config /config/rules/0/category");
  c = {};
  c.maxMatches = 0;
  EXPECT_EQ(code(c), "moderation.bad_config /config/maxMatches");
  c = {};
  c.rules[1].patterns.clear();
  EXPECT_EQ(code(c), "moderation.bad_config /config/rules/1/patterns");
}

TEST(Moderation, InvalidUtf8IsAnErrorNamingTheByte) {
  Result<ModerationReport> r =
      ModerationPolicy::defaults().check("根治\xE8\x8D", ModerationContext::kMessage);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "moderation.bad_utf8");
  EXPECT_NE(r.error().message.find("第6字节"), std::string::npos);
  EXPECT_EQ(r.error().path, "/text");
}

TEST(Moderation, EmptyTextPasses) {
  const ModerationReport r = check("");
  EXPECT_EQ(r.verdict, ModerationVerdict::kPass);
  EXPECT_EQ(r.textBytes, 0u);
}

TEST(Moderation, OneMegabyteMessagesWorkAndListsAreCapped) {
  std::string text;
  while (text.size() < (1u << 20)) text += "今天复查结果不错，颈部操坚持做，";
  text += "你吃这个药试试";
  ModerationReport r = check(text);
  EXPECT_EQ(r.verdict, ModerationVerdict::kBlock);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].byteEnd, text.size());

  std::string spam;
  for (int i = 0; i < 60'000; ++i) spam += "最好";  // 360,000 bytes, doubled past 1 MiB
  while (spam.size() < (1u << 20)) spam += spam;
  r = check(spam);
  EXPECT_EQ(r.verdict, ModerationVerdict::kReview);
  EXPECT_EQ(r.matches.size(), 200u);
  EXPECT_EQ(r.totalMatches, spam.size() / 6);
  EXPECT_EQ(r.matches.back().codePointStart, 398u);
}

TEST(Moderation, NestedPatternsOnALongRunStayLinear) {
  // 64 nested patterns "a", "aa", ... over 1 MiB of "a": every position ends 64 matches.
  ModerationConfig config;
  config.rules = {ModerationRule{"a", "x", "", ModerationSeverity::kReview, "test", {}, {}}};
  for (int n = 1; n <= 64; ++n)
    config.rules[0].patterns.push_back(std::string(static_cast<std::size_t>(n), 'a'));
  const ModerationPolicy policy = ModerationPolicy::compile(config).value();
  const ModerationReport r =
      policy.check(std::string(1u << 20, 'a'), ModerationContext::kMessage).value();
  EXPECT_EQ(r.totalMatches, (1u << 20) / 64);  // leftmost-longest: 64-character blocks
  EXPECT_EQ(r.matches[0].byteEnd, 64u);
}

TEST(Moderation, TextOverTheLimitIsRefused) {
  Result<ModerationReport> r = ModerationPolicy::defaults().check(
      std::string(kMaxModerationTextBytes + 1, 'a'), ModerationContext::kMessage);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "moderation.text_too_long");
}

TEST(Moderation, SameTextGivesTheSameReport) {
  const std::string text = "你吃这个药试试，根治！电话13812345678，最好的医院";
  const ModerationReport a = check(text);
  const ModerationReport b = check(text);
  EXPECT_EQ(ruleIds(a), ruleIds(b));
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_EQ(a.authorNotice, b.authorNotice);
}

}  // namespace
}  // namespace carecircle
