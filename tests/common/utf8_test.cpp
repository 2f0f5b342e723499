// The one strict UTF-8 check every module uses: the edges the forest's JSON
// writer and the moderation check both depend on.
#include "common/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace carecircle {
namespace {

TEST(Utf8, ValidAcceptsEveryLengthAndTheLastScalar) {
  EXPECT_TRUE(validUtf8(""));
  EXPECT_TRUE(validUtf8("abc 李*芳 é 😀"));
  EXPECT_TRUE(validUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(validUtf8("\xEF\xBF\xBD"));      // U+FFFD
}

TEST(Utf8, ValidRejectsTruncationAtTheEndOverlongSurrogatesAndRange) {
  for (const std::string bad : {"a\xC3", "a\xE8\x8D", "\xF0\x9F\x98", "\xC0\x80", "\xE0\x9F\xBF",
                                "\xF0\x8F\xBF\xBF", "\xED\xA0\x80", "\xED\xBF\xBF",
                                "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\x80", "ok\xFF"}) {
    EXPECT_FALSE(validUtf8(bad)) << bad.size();
  }
  EXPECT_EQ(firstInvalidUtf8("ab\xED\xA0\x80"), 2u);
}

TEST(Utf8, AppendThenDecodeRoundTripsEveryBoundary) {
  for (const char32_t cp : {char32_t{0}, char32_t{0x7F}, char32_t{0x80}, char32_t{0x7FF},
                            char32_t{0x800}, char32_t{0xD7FF}, char32_t{0xE000}, char32_t{0xFFFF},
                            char32_t{0x10000}, char32_t{0x10FFFF}}) {
    std::string out;
    appendUtf8(out, cp);
    char32_t back = 0xFFFFFFFF;
    ASSERT_EQ(decodeUtf8At(out, 0, back), out.size());
    EXPECT_EQ(back, cp);
  }
}

}  // namespace
}  // namespace carecircle
