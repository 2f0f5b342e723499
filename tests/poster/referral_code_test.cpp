// Referral codes: the check symbol catches every single-symbol typo and every
// transposition (tested exhaustively), reading is forgiving, randomness is an
// input, the QR payload never carries personal data.
#include "referral/referral_code.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace carecircle {
namespace {

std::vector<std::string> sampleCodes(int count) {
  std::mt19937_64 rng(20261123);  // seeded: the same codes every run
  std::vector<std::string> codes;
  for (int i = 0; i < count; ++i) {
    std::array<std::uint8_t, 8> bytes{};
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    Result<ReferralCode> code = makeReferralCode(bytes);
    EXPECT_TRUE(code.ok());
    codes.push_back(code.value().code);
  }
  return codes;
}

bool accepted(const std::string& typed) {
  return checkReferralCode(typed).ok();
}

TEST(ReferralCode, ThirteenCrockfordSymbolsGroupedForReadingAloud) {
  const std::array<std::uint8_t, 8> bytes = {0x3f, 0x9a, 0x0c, 0x51, 0xd2, 0xe8, 0x7b, 0x46};
  Result<ReferralCode> code = makeReferralCode(bytes);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code.value().code, "7YD0RMEJX1XM6");
  EXPECT_EQ(code.value().display, "7YD0-RMEJ-X1XM6");
  EXPECT_EQ(code.value().code.size(), kReferralCodeLength);
  for (char c : code.value().code) EXPECT_NE(kCrockfordAlphabet.find(c), std::string_view::npos);
  EXPECT_TRUE(accepted(code.value().code));
  EXPECT_TRUE(accepted(code.value().display));
}

TEST(ReferralCode, SixtyBitsOfTheInputBecomeTheDataSymbols) {
  // Changing any of the first 60 bits changes the code; bits 60..63 are unused.
  std::array<std::uint8_t, 8> bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::string base = makeReferralCode(bytes).value().code;
  std::set<std::string> seen = {base};
  for (int bit = 0; bit < 64; ++bit) {
    auto flipped = bytes;
    flipped[bit / 8] = static_cast<std::uint8_t>(flipped[bit / 8] ^ (0x80 >> (bit % 8)));
    const std::string code = makeReferralCode(flipped).value().code;
    if (bit < 60)
      EXPECT_TRUE(seen.insert(code).second) << "bit " << bit;
    else
      EXPECT_EQ(code, base) << "bit " << bit;
  }
}

TEST(ReferralCode, EverySingleSymbolSubstitutionIsCaught) {
  int tried = 0;
  for (const std::string& code : sampleCodes(200)) {
    for (std::size_t pos = 0; pos < code.size(); ++pos) {
      for (char c : kCrockfordAlphabet) {
        if (c == code[pos]) continue;
        std::string typo = code;
        typo[pos] = c;
        ASSERT_FALSE(accepted(typo)) << code << " → " << typo;
        ++tried;
      }
    }
  }
  EXPECT_EQ(tried, 200 * 13 * 31);
}

TEST(ReferralCode, EveryAdjacentAndJumpTranspositionIsCaught) {
  int tried = 0;
  for (const std::string& code : sampleCodes(500)) {
    for (std::size_t gap = 1; gap <= 2; ++gap) {
      for (std::size_t pos = 0; pos + gap < code.size(); ++pos) {
        if (code[pos] == code[pos + gap]) continue;
        std::string swapped = code;
        std::swap(swapped[pos], swapped[pos + gap]);
        ASSERT_FALSE(accepted(swapped)) << code << " → " << swapped;
        ++tried;
      }
    }
  }
  EXPECT_GT(tried, 500 * 20);
}

TEST(ReferralCode, EveryTwinErrorIsCaught) {
  for (const std::string& code : sampleCodes(100)) {
    for (std::size_t pos = 0; pos + 1 < code.size(); ++pos) {
      if (code[pos] != code[pos + 1]) continue;
      for (char c : kCrockfordAlphabet) {
        if (c == code[pos]) continue;
        std::string twin = code;
        twin[pos] = twin[pos + 1] = c;
        ASSERT_FALSE(accepted(twin)) << code << " → " << twin;
      }
    }
  }
}

TEST(ReferralCode, TheCheckSymbolIsAlwaysFromTheAlphabet) {
  // Unlike Crockford's mod-37 check, never one of * ~ $ = U.
  std::set<char> checks;
  for (const std::string& code : sampleCodes(2000)) checks.insert(code.back());
  EXPECT_EQ(checks.size(), 32u);
  for (char c : checks) EXPECT_NE(kCrockfordAlphabet.find(c), std::string_view::npos);
}

TEST(ReferralCode, ReadingIsForgivingAsCrockfordSpecifies) {
  const std::string code = "7YD0RMEJX1XM6";
  for (const char* typed :
       {"7yd0rmejx1xm6", "7YDO-RMEJ-XIXM6", "7ydo rmej xlxm6", " 7YD0 - RMEJ - X1XM6 ",
        "７ＹＤ０－ＲＭＥＪ－Ｘ１ＸＭ６", "7YD0\u3000RMEJ\u2014X1XM6"}) {
    Result<ReferralCode> r = checkReferralCode(typed);
    ASSERT_TRUE(r.ok()) << typed << ": " << r.error().message;
    EXPECT_EQ(r.value().code, code);
    EXPECT_EQ(r.value().display, "7YD0-RMEJ-X1XM6");
  }
}

TEST(ReferralCode, MistakesGetAMessageThatSaysWhatToFix) {
  auto message = [](const std::string& typed) {
    Result<ReferralCode> r = checkReferralCode(typed);
    EXPECT_FALSE(r.ok()) << typed;
    EXPECT_EQ(r.error().code, "poster.bad_code");
    EXPECT_EQ(r.error().path, "/code");
    return r.error().message;
  };
  EXPECT_EQ(message(""), "请输入推荐码");
  EXPECT_EQ(message(" - "), "请输入推荐码");
  EXPECT_EQ(message("7YD0RMEJX1XM"), "推荐码应为13位，您输入了12位，请核对后重新输入");
  EXPECT_EQ(message("7YD0RMEJX1XM66"), "推荐码应为13位，您输入了超过13位，请核对后重新输入");
  EXPECT_EQ(message("7YD0RMEJX1XMU"), "推荐码第13位“U”无效：推荐码只含数字和英文字母（不含字母U）");
  EXPECT_EQ(message("7Y#0RMEJX1XM6"), "推荐码第3位“#”无效：推荐码只含数字和英文字母（不含字母U）");
  EXPECT_EQ(message("7YD0RMEJX1XM7"),
            "推荐码有误：可能输错了某一位，或颠倒了相邻的两位，请核对后重新输入");
  EXPECT_EQ(message("Y7D0RMEJX1XM6"),
            "推荐码有误：可能输错了某一位，或颠倒了相邻的两位，请核对后重新输入");
  EXPECT_EQ(message("7YD0\xFF"), "推荐码中有无法识别的字符，请重新输入");
  EXPECT_FALSE(message(std::string(100'000, 'A')).empty());
}

TEST(ReferralCode, RandomnessIsAnInputAndMustLookLikeIt) {
  const std::array<std::uint8_t, 7> shortInput = {1, 2, 3, 4, 5, 6, 7};
  EXPECT_EQ(makeReferralCode(shortInput).error().code, "poster.weak_random");
  const std::array<std::uint8_t, 16> zeros{};
  EXPECT_EQ(makeReferralCode(zeros).error().code, "poster.weak_random");
  const std::array<std::uint8_t, 8> same = {9, 9, 9, 9, 9, 9, 9, 9};
  EXPECT_EQ(makeReferralCode(same).error().code, "poster.weak_random");
  const std::array<std::uint8_t, 8> bytes = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(makeReferralCode(bytes).value().code,
            makeReferralCode(bytes).value().code);  // deterministic
}

TEST(ReferralCode, ThePayloadIsTheCodeOrAnHttpsLinkWithoutPersonalData) {
  const ReferralCode code = checkReferralCode("7YD0RMEJX1XM6").value();
  EXPECT_EQ(referralQrPayload(code, "").value(), "7YD0RMEJX1XM6");
  EXPECT_EQ(referralQrPayload(code, "https://h.example.cn/r/").value(),
            "https://h.example.cn/r/7YD0RMEJX1XM6");
  EXPECT_EQ(referralQrPayload(code, "https://h.example.cn/join?c=").value(),
            "https://h.example.cn/join?c=7YD0RMEJX1XM6");
  for (const char* bad : {"http://h.example.cn/r/", "javascript:alert(1)//",
                          "https://h.example.cn/r?p=13812345678&c=",
                          "https://h.example.cn/r/<script>", "https://h.example.cn/r/\"x",
                          "https://a b.cn/", "https://h.example.cn/患者/", "https://x"}) {
    Result<std::string> r = referralQrPayload(code, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "poster.bad_link");
  }
  EXPECT_FALSE(referralQrPayload(code, "https://h.example.cn/" + std::string(200, 'a')).ok());
}

}  // namespace
}  // namespace carecircle
