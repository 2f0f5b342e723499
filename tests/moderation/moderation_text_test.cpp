// UTF-8 decoding and folding: the ground the moderation check stands on.
#include "moderation/moderation_text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace carecircle {
namespace {

TEST(ModerationText, DecodesEveryLengthOfUtf8) {
  char32_t cp = 0;
  EXPECT_EQ(decodeUtf8At("a", 0, cp), 1u);
  EXPECT_EQ(cp, U'a');
  EXPECT_EQ(decodeUtf8At("é", 0, cp), 2u);
  EXPECT_EQ(cp, U'é');
  EXPECT_EQ(decodeUtf8At("药", 0, cp), 3u);
  EXPECT_EQ(cp, U'药');
  EXPECT_EQ(decodeUtf8At("😀", 0, cp), 4u);
  EXPECT_EQ(cp, U'😀');
}

TEST(ModerationText, RejectsIllFormedSequences) {
  for (const char* bad : {"\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF",
                          "\xED\xA0\x80" /* surrogate */, "\xF4\x90\x80\x80" /* > U+10FFFF */,
                          "\xF5\x80\x80\x80", "\xE8\x8D", "\xFF", "\xF0\x9F\x98"}) {
    char32_t cp = 0;
    EXPECT_EQ(decodeUtf8At(bad, 0, cp), 0u) << bad;
  }
  EXPECT_EQ(firstInvalidUtf8("药\xE8\x8D"), 3u);  // a truncated 药 after a whole one
  EXPECT_EQ(firstInvalidUtf8("ok \xC3\x28"), 3u);
  EXPECT_FALSE(firstInvalidUtf8("你吃这个药试试 😀 ok"));
  EXPECT_FALSE(firstInvalidUtf8(""));
}

TEST(ModerationText, AppendUtf8RoundTrips) {
  std::string out;
  for (char32_t cp : {U'a', U'é', U'药', U'😀', char32_t{0x10FFFF}}) appendUtf8(out, cp);
  EXPECT_EQ(out, "aé药😀\xF4\x8F\xBF\xBF");
  EXPECT_FALSE(firstInvalidUtf8(out));
}

TEST(ModerationText, FoldsWidthCaseAndTraditionalScript) {
  EXPECT_EQ(foldForMatching(U'Ａ'), U'a');
  EXPECT_EQ(foldForMatching(U'１'), U'1');
  EXPECT_EQ(foldForMatching(U'N'), U'n');
  EXPECT_EQ(foldForMatching(U'藥'), U'药');
  EXPECT_EQ(foldForMatching(U'癒'), U'愈');
  EXPECT_EQ(foldForMatching(U'治'), U'治');
  EXPECT_EQ(foldString("ＮＯ．１"), U"no1");
  EXPECT_EQ(foldString("藥到病除"), U"药到病除");
}

TEST(ModerationText, IgnoresWhatPeopleInsertBetweenCharacters) {
  for (char32_t cp : {U' ',
                      U'\t',
                      U'\n',
                      U'　',
                      U'-',
                      U'.',
                      U'*',
                      U'_',
                      U'·',
                      U'、',
                      U'。',
                      U'，',
                      U'！',
                      U'【',
                      U'】',
                      U'~',
                      U'～',
                      U'—',
                      char32_t{0x200B},
                      char32_t{0xFEFF},
                      char32_t{0xFE0F},
                      U'😀',
                      U'★',
                      U'→',
                      char32_t{0x0301}}) {
    EXPECT_EQ(foldForMatching(cp), kIgnoredCodePoint) << static_cast<unsigned>(cp);
  }
  EXPECT_EQ(foldString("根 治"), U"根治");
  EXPECT_EQ(foldString("根-治"), U"根治");
  EXPECT_EQ(foldString("根　治"), U"根治");
  EXPECT_EQ(foldString("根😀治"), U"根治");
  EXPECT_EQ(foldString("根\u200b治"), U"根治");
  EXPECT_EQ(foldString("100%有效"), U"100有效");
}

TEST(ModerationText, KeepsLettersDigitsAndIdeographs) {
  for (char32_t cp : {U'药', U'〇', U'々', U'9', U'z', U'é', U'한', U'𠀀'}) {
    EXPECT_NE(foldForMatching(cp), kIgnoredCodePoint) << static_cast<unsigned>(cp);
  }
}

}  // namespace
}  // namespace carecircle
