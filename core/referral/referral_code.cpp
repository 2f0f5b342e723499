#include "referral/referral_code.hpp"

#include <algorithm>
#include <array>

#include "moderation/moderation_text.hpp"

namespace carecircle {
namespace {

// Multiplication by the field element x (= 2) in GF(2^5) modulo the primitive
// polynomial x^5 + x^2 + 1.
constexpr unsigned timesTwo(unsigned v) {
  v <<= 1;
  return (v & 0x20u) != 0 ? (v ^ 0x25u) & 0x1Fu : v;
}

// Damm's quasigroup x∘y = 2x ⊕ y over GF(32). Why it catches what it claims
// (z = the interim before the symbols in question; all arithmetic in GF(32),
// where + is ⊕ and a = 2, so a ≠ 0 and a + 1 ≠ 0):
//  - substitution y → y' changes that interim by y + y' ≠ 0, and every later
//    step multiplies the difference by a ≠ 0: the final interim is not 0;
//  - adjacent transposition: (z∘x)∘y + (z∘y)∘x = (a + 1)(x + y) ≠ 0 for x ≠ y;
//  - jump transposition x m y ↔ y m x: (a² + 1)(x + y) = (a + 1)²(x + y) ≠ 0;
//  - twin error x x → y y: a(a + 1)(x + y) ≠ 0.
// The check symbol is a symbol of the chain like any other, so the same holds
// when it is the one mistyped or swapped.
constexpr unsigned dammStep(unsigned interim, unsigned symbol) {
  return timesTwo(interim) ^ symbol;
}

int symbolValue(char c) {
  const auto at = kCrockfordAlphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::string groupForReading(const std::string& code) {
  return code.substr(0, 4) + "-" + code.substr(4, 4) + "-" + code.substr(8);
}

// What a typed character becomes: a canonical symbol, 0 for a separator to
// skip, or -1 for a character that cannot be in a code.
int canonicalSymbol(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
  if (cp == U' ' || cp == U'-' || cp == 0x3000 || cp == U'_' || (cp >= 0x2010 && cp <= 0x2015) ||
      cp == 0x2212) {
    return 0;
  }
  if (cp >= U'a' && cp <= U'z') cp -= 0x20;
  if (cp == U'O') cp = U'0';
  if (cp == U'I' || cp == U'L') cp = U'1';
  if (cp > 0x7F || symbolValue(static_cast<char>(cp)) < 0) return -1;
  return static_cast<int>(cp);
}

std::string describe(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return "控制字符";
  std::string out = "“";
  appendUtf8(out, cp);
  return out + "”";
}

bool allowedInLink(char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::string_view("-._~:/?#[]@!$&()*+,;=%").find(c) != std::string_view::npos;
}

}  // namespace

char referralCheckSymbol(std::string_view dataSymbols) {
  unsigned interim = 0;
  for (char c : dataSymbols) interim = dammStep(interim, static_cast<unsigned>(symbolValue(c)));
  // The check symbol c must bring the chain to 0: 2·interim ⊕ c = 0.
  return kCrockfordAlphabet[timesTwo(interim)];
}

Result<ReferralCode> makeReferralCode(std::span<const std::uint8_t> random) {
  if (random.size() < kReferralRandomBytes) {
    return Error{"poster.weak_random", "随机数不足：生成推荐码需要至少8字节的安全随机数",
                 "/randomHex"};
  }
  if (std::all_of(random.begin(), random.end(), [&](std::uint8_t b) { return b == random[0]; })) {
    return Error{"poster.weak_random", "随机数无效：所有字节都相同，请使用安全随机数生成器",
                 "/randomHex"};
  }
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < 8; ++i) bits = (bits << 8) | random[i];
  std::string code;
  for (std::size_t i = 0; i < kReferralCodeDataSymbols; ++i) {
    code += kCrockfordAlphabet[(bits >> (59 - 5 * i)) & 0x1Fu];
  }
  code += referralCheckSymbol(code);
  return ReferralCode{code, groupForReading(code)};
}

Result<ReferralCode> checkReferralCode(std::string_view typed) {
  std::string code;
  std::size_t at = 0;
  std::size_t position = 0;  // 1-based position among non-separator characters
  while (at < typed.size()) {
    char32_t cp = 0;
    const std::size_t n = decodeUtf8At(typed, at, cp);
    if (n == 0) return Error{"poster.bad_code", "推荐码中有无法识别的字符，请重新输入", "/code"};
    at += n;
    const int symbol = canonicalSymbol(cp);
    if (symbol == 0) continue;
    ++position;
    if (symbol < 0) {
      return Error{"poster.bad_code",
                   "推荐码第" + std::to_string(position) + "位" + describe(cp) +
                       "无效：推荐码只含数字和英文字母（不含字母U）",
                   "/code"};
    }
    code += static_cast<char>(symbol);
    if (code.size() > kReferralCodeLength) break;
  }
  if (code.empty()) return Error{"poster.bad_code", "请输入推荐码", "/code"};
  if (code.size() != kReferralCodeLength) {
    std::string count =
        code.size() > kReferralCodeLength ? "超过13位" : std::to_string(code.size()) + "位";
    return Error{"poster.bad_code", "推荐码应为13位，您输入了" + count + "，请核对后重新输入",
                 "/code"};
  }
  unsigned interim = 0;
  for (char c : code) interim = dammStep(interim, static_cast<unsigned>(symbolValue(c)));
  if (interim != 0) {
    return Error{"poster.bad_code",
                 "推荐码有误：可能输错了某一位，或颠倒了相邻的两位，请核对后重新输入", "/code"};
  }
  return ReferralCode{code, groupForReading(code)};
}

Result<std::string> referralQrPayload(const ReferralCode& code, std::string_view linkBase) {
  if (linkBase.empty()) return code.code;
  const Error bad{
      "poster.bad_link",
      "推荐链接格式不正确：须为https开头、不超过200个字符的链接，且不能包含手机号等个人信息",
      "/linkBase"};
  // A deployment's link is https. A demo or test server on this machine is
  // reached over plain http on the loopback address, which no phone outside
  // the machine can open anyway; nothing else may use http.
  const bool loopback =
      linkBase.starts_with("http://127.0.0.1:") || linkBase.starts_with("http://localhost:");
  if (linkBase.size() < 12 || linkBase.size() > 200 ||
      !(linkBase.starts_with("https://") || loopback))
    return bad;
  int digitRun = 0;
  for (char c : linkBase) {
    if (!allowedInLink(c)) return bad;
    digitRun = (c >= '0' && c <= '9') ? digitRun + 1 : 0;
    if (digitRun >= 7) return bad;
  }
  return std::string(linkBase) + code.code;
}

}  // namespace carecircle
