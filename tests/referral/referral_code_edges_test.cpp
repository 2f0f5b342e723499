// Exact boundaries of referral codes and join links: the random-byte minimum,
// every folding a person's typing gets (O→0, I/L→1, case, full width), every
// separator, and the link's length and digit-run limits to the character.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "referral/referral_code.hpp"

namespace carecircle {
namespace {

// A valid code whose data symbols are `data` (12 canonical symbols).
std::string withCheck(const std::string& data) {
  return data + referralCheckSymbol(data);
}

std::string check(const std::string& typed) {
  Result<ReferralCode> r = checkReferralCode(typed);
  return r.ok() ? r.value().code : r.error().code;
}

TEST(ReferralCodeEdges, EightRandomBytesAreEnoughSevenAreNot) {
  std::vector<std::uint8_t> bytes = {1, 2, 3, 4, 5, 6, 7};
  Result<ReferralCode> seven = makeReferralCode(bytes);
  ASSERT_FALSE(seven.ok());
  EXPECT_EQ(seven.error().code, "poster.weak_random");
  bytes.push_back(8);
  Result<ReferralCode> eight = makeReferralCode(bytes);
  ASSERT_TRUE(eight.ok());
  EXPECT_EQ(eight.value().code.size(), kReferralCodeLength);
}

TEST(ReferralCodeEdges, AllEqualBytesAreRefusedOneDifferentByteIsNot) {
  for (const std::uint8_t b : {std::uint8_t{0}, std::uint8_t{0x11}, std::uint8_t{0xFF}}) {
    std::vector<std::uint8_t> bytes(8, b);
    Result<ReferralCode> same = makeReferralCode(bytes);
    ASSERT_FALSE(same.ok()) << int{b};
    EXPECT_EQ(same.error().code, "poster.weak_random");
    bytes[7] = static_cast<std::uint8_t>(b ^ 1);
    EXPECT_TRUE(makeReferralCode(bytes).ok()) << int{b};
  }
}

TEST(ReferralCodeEdges, EveryLookAlikeLetterFoldsToItsDigit) {
  const std::string code = withCheck("01A01B01C01D");
  ASSERT_EQ(check(code), code);
  // Each of O, o, I, i, L, l where the code has 0 or 1, and lower case letters.
  for (const auto& [zero, one] : std::vector<std::pair<char, char>>{
           {'O', 'I'}, {'o', 'i'}, {'O', 'L'}, {'o', 'l'}}) {
    std::string typed = code;
    for (char& c : typed) {
      if (c == '0') c = zero;
      else if (c == '1') c = one;
      else c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    EXPECT_EQ(check(typed), code) << typed;
  }
}

TEST(ReferralCodeEdges, EverySeparatorIsSkipped) {
  const std::string code = withCheck("7K3M9QXRA2BT");
  const char* separators[] = {" ",     "-",     "_",     "\u3000", "\u2010", "\u2011",
                              "\u2012", "\u2013", "\u2014", "\u2015", "\u2212", "\uFF0D",
                              "\uFF3F"};
  for (const char* sep : separators) {
    const std::string typed = code.substr(0, 4) + sep + code.substr(4, 4) + sep + code.substr(8);
    EXPECT_EQ(check(typed), code) << "separator " << sep;
  }
  // Full-width letters and digits read as their ASCII selves.
  std::string wide;
  for (char c : code) {
    const char32_t cp = static_cast<char32_t>(c) + 0xFEE0;
    wide += static_cast<char>(0xE0 | (cp >> 12));
    wide += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    wide += static_cast<char>(0x80 | (cp & 0x3F));
  }
  EXPECT_EQ(check(wide), code);
}

TEST(ReferralCodeEdges, ThirteenSymbolsExactly) {
  const std::string code = withCheck("7K3M9QXRA2BT");
  EXPECT_EQ(check(code), code);
  EXPECT_EQ(check(code.substr(0, 12)), "poster.bad_code");
  EXPECT_EQ(check(code + "0"), "poster.bad_code");
  EXPECT_EQ(check("U" + code.substr(1)), "poster.bad_code");  // U is not a code symbol
}

std::string link(const std::string& base) {
  const ReferralCode code{withCheck("7K3M9QXRA2BT"), ""};
  Result<std::string> r = referralQrPayload(code, base);
  return r.ok() ? "ok" : r.error().code;
}

TEST(ReferralCodeEdges, LinkBaseIsTwelveToTwoHundredCharacters) {
  const std::string head = "https://h.cn/";  // 13 characters
  EXPECT_EQ(link("https://a.c/"), "ok");      // 12
  EXPECT_EQ(link("https://a./"), "poster.bad_link");  // 11
  EXPECT_EQ(link(head + std::string(200 - head.size(), 'a')), "ok");
  EXPECT_EQ(link(head + std::string(201 - head.size(), 'a')), "poster.bad_link");
}

TEST(ReferralCodeEdges, LinkBaseMayHoldSixDigitsInARowNotSeven) {
  EXPECT_EQ(link("https://h.example.cn/r/123456/"), "ok");
  EXPECT_EQ(link("https://h.example.cn/r/1234567/"), "poster.bad_link");
  EXPECT_EQ(link("https://h.example.cn/r/123456-7/"), "ok");  // the run restarts
}

}  // namespace
}  // namespace carecircle
