// Exact edges of the wording check: every mobile prefix and its neighbours,
// both hotline prefixes, ID birth dates at the ends of the allowed years and
// on 29 February, the two-separator limit between digit groups, an exception
// ending exactly where its match ends, the maxMatches limits, and every range
// of the characters the folding ignores.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/utf8.hpp"
#include "moderation/moderation.hpp"

namespace carecircle {
namespace {

std::vector<std::string> ruleIds(std::string_view text) {
  Result<ModerationReport> r = ModerationPolicy::defaults().check(text, ModerationContext::kMessage);
  if (!r.ok()) {
    ADD_FAILURE() << r.error().code;
    return {};
  }
  std::vector<std::string> ids;
  for (const ModerationMatch& m : r.value().matches) ids.push_back(m.ruleId);
  return ids;
}

using Ids = std::vector<std::string>;

std::string utf8(char32_t cp) {
  std::string out;
  carecircle::appendUtf8(out, cp);
  return out;
}

TEST(ModerationEdges, EveryMobilePrefixFromThirteenToNineteen) {
  for (char second = '0'; second <= '9'; ++second) {
    const std::string number = std::string("1") + second + "812345678";
    const bool mobile = second >= '3';
    EXPECT_EQ(ruleIds(number), mobile ? Ids{"personal-data-mobile"} : Ids{}) << number;
  }
}

TEST(ModerationEdges, BothHotlinePrefixes) {
  EXPECT_EQ(ruleIds("4001234567"), Ids{"personal-data-hotline"});
  EXPECT_EQ(ruleIds("8001234567"), Ids{"personal-data-hotline"});
  EXPECT_EQ(ruleIds("5001234567"), Ids{});
}

TEST(ModerationEdges, IdBirthYearsFrom1900To2099AndLeapDays) {
  // Each number carries its correct check character (GB 11643).
  const std::vector<std::pair<const char*, bool>> cases = {
      {"110105190001011231", true},   // 1900-01-01: the first allowed day
      {"110105189912311237", false},  // 1899-12-31
      {"110105209912311232", true},   // 2099-12-31: the last
      {"110105210001011237", false},  // 2100-01-01
      {"110105200002291235", true},   // 2000 is a leap year
      {"110105199602291233", true},   // so is 1996
      {"110105190002291239", false},  // 1900 is not
      {"110105199702291230", false},  // nor is 1997
  };
  for (const auto& [id, valid] : cases) {
    EXPECT_EQ(ruleIds(id), valid ? Ids{"personal-data-id-card"} : Ids{})
        << id;
  }
}

TEST(ModerationEdges, DigitGroupsJoinAcrossAtMostTwoSeparators) {
  EXPECT_EQ(ruleIds("138 1234 5678"), Ids{"personal-data-mobile"});
  EXPECT_EQ(ruleIds("138  1234  5678"), Ids{"personal-data-mobile"});
  EXPECT_EQ(ruleIds("138 - 1234 - 5678"), Ids{});  // three separators between groups
}

TEST(ModerationEdges, AnExceptionEndingWhereTheMatchEndsSuppressesIt) {
  ModerationConfig config;
  config.rules = {ModerationRule{"claim", "efficacyClaim", "", ModerationSeverity::kBlock, "不宜",
                                 {"最好"}, {"都说最好", "最好别"}}};
  Result<ModerationPolicy> policy = ModerationPolicy::compile(config);
  ASSERT_TRUE(policy.ok()) << policy.error().code;
  auto verdict = [&](const char* text) {
    return policy.value().check(text, ModerationContext::kMessage).value().verdict;
  };
  EXPECT_EQ(verdict("大家都说最好"), ModerationVerdict::kPass);  // same end
  EXPECT_EQ(verdict("最好别熬夜"), ModerationVerdict::kPass);    // same start, ends later
  EXPECT_EQ(verdict("这里最好"), ModerationVerdict::kBlock);
}

TEST(ModerationEdges, MaxMatchesIsOneToTenThousand) {
  for (const auto& [max, valid] : std::vector<std::pair<std::size_t, bool>>{
           {0, false}, {1, true}, {10'000, true}, {10'001, false}}) {
    ModerationConfig config;
    config.maxMatches = max;
    Result<ModerationPolicy> p = ModerationPolicy::compile(config);
    EXPECT_EQ(p.ok(), valid) << max;
    if (!p.ok()) EXPECT_EQ(p.error().code, "moderation.bad_config");
  }
}

TEST(ModerationEdges, PersonalDataAloneBlocks) {
  Result<ModerationReport> r =
      ModerationPolicy::defaults().check("13812345678", ModerationContext::kMessage);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().verdict, ModerationVerdict::kBlock);
}

// Every range of ignored characters, at both ends: "根<c>治" still reads 根治.
TEST(ModerationEdges, EveryIgnoredRangeIsFoldedAway) {
  const char32_t ignored[] = {
      0x09,    0x20,    0x2F,    0x3A,    0x40,    0x5B,    0x60,    0x7B,    0x7E,
      0x7F,    0x80,    0x9F,    0xA0,    0xBF,    0xD7,    0xF7,    0x0300,  0x036F,
      0x1680,  0x180E,  0x2000,  0x206F,  0x20D0,  0x20FF,  0x2100,  0x2BFF,  0x3000,
      0x3004,  0x3008,  0x3020,  0x3030,  0x303D,  0x30FB,  0xFE00,  0xFE0F,  0xFE10,
      0xFE6F,  0xFEFF,  0xFF5F,  0xFF65,  0xFFE0,  0xFFEE,  0xFFF0,  0xFFFD,  0x1F000,
      0x1FAFF, 0xE0000, 0xE007F};
  for (char32_t cp : ignored) {
    const std::string text = "根" + utf8(cp) + "治";
    EXPECT_EQ(ruleIds(text), Ids{"efficacy-cure-claim"}) << std::hex << static_cast<unsigned>(cp);
  }
  // A character just outside a range is not ignored.
  for (char32_t cp : {char32_t{0x30}, char32_t{0x3005}, char32_t{0x4E00}}) {
    EXPECT_EQ(ruleIds("根" + utf8(cp) + "治"), Ids{}) << std::hex << static_cast<unsigned>(cp);
  }
}

}  // namespace
}  // namespace carecircle
