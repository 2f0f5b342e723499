// Throughput of the moderation check: 10 MB of mixed
// Chinese text against 5,000 patterns, native. Skipped unless
// CARECIRCLE_BENCH=1, because timing is not a test:
//   CARECIRCLE_BENCH=1 build/native/tests/core_tests --gtest_filter='ModerationBench*'
// The text and patterns are generated from a fixed seed, so every run
// measures the same work.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "moderation/moderation.hpp"
#include "moderation/moderation_json.hpp"
#include "moderation/moderation_text.hpp"

namespace carecircle {
namespace {

bool benchEnabled() {
  const char* flag = std::getenv("CARECIRCLE_BENCH");
  return flag != nullptr && std::string(flag) == "1";
}

// Common CJK ideographs plus ASCII, digits, punctuation and a little emoji, with
// seed phrases sprinkled in so that matches do occur.
std::string mixedChineseText(std::size_t bytes, std::mt19937& rng) {
  static const std::vector<std::string> pieces = {"今天",   "复查",
                                                  "结果",   "不错",
                                                  "颈部操", "坚持",
                                                  "护士",   "医生",
                                                  "谢谢",   "甲状腺",
                                                  "术后",   "康复",
                                                  "饮食",   "注意",
                                                  "休息",   "血糖",
                                                  "控制",   "早餐",
                                                  ",",      "。",
                                                  "!",      " ",
                                                  "OK",     "2026",
                                                  "😀",      "你吃这个药试试",
                                                  "根治",   "最好",
                                                  "第一次", "138 1234 5678"};
  std::string out;
  out.reserve(bytes + 64);
  while (out.size() < bytes) {
    const std::size_t pick = rng() % 1000;
    // Rare pieces (the last five) appear about once per 200 pieces.
    out += pick < 5 ? pieces[pieces.size() - 1 - pick] : pieces[rng() % (pieces.size() - 5)];
  }
  return out;
}

std::vector<std::string> randomPatterns(std::size_t count, std::mt19937& rng) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string p;
    const std::size_t length = 2 + rng() % 4;
    for (std::size_t k = 0; k < length; ++k)
      appendUtf8(p, static_cast<char32_t>(0x4E00 + rng() % 3000));
    out.push_back(std::move(p));
  }
  return out;
}

TEST(ModerationBench, TenMegabytesAgainstFiveThousandPatterns) {
  if (!benchEnabled()) GTEST_SKIP() << "set CARECIRCLE_BENCH=1 to run";
  std::mt19937 rng(7);
  const std::string text = mixedChineseText(10'000'000, rng);
  ModerationConfig config;
  ModerationRule extra{"bench", "bench", "基准", ModerationSeverity::kReview, "benchmark", {}, {}};
  std::size_t shipped = 0;  // patterns and exceptions of the default rules
  for (const auto& r : config.rules) shipped += r.patterns.size() + r.exceptions.size();
  extra.patterns = randomPatterns(5'000 - shipped, rng);
  config.rules.push_back(extra);
  const std::size_t patternCount = shipped + extra.patterns.size();

  const auto t0 = std::chrono::steady_clock::now();
  const ModerationPolicy policy = ModerationPolicy::compile(config).value();
  const auto t1 = std::chrono::steady_clock::now();
  // The core limits one text to 4 MiB; a 10 MB feed is checked as 1 MB messages.
  std::size_t matches = 0;
  constexpr std::size_t kChunk = 1'000'000;
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = std::min(text.size(), at + kChunk);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
    matches +=
        policy.check(std::string_view(text).substr(at, end - at), ModerationContext::kMessage)
            .value()
            .totalMatches;
    at = end;
  }
  const auto t2 = std::chrono::steady_clock::now();
  const double compileMs = std::chrono::duration<double, std::milli>(t1 - t0).count();
  const double scanS = std::chrono::duration<double>(t2 - t1).count();
  std::printf(
      "moderation: %zu patterns compiled in %.1f ms; %.1f MB scanned in %.3f s = %.1f MB/s; "
      "%zu matches\n",
      patternCount, compileMs, text.size() / 1e6, scanS, text.size() / 1e6 / scanS, matches);

  // The same work through the JSON boundary (parse, compile per request, encode).
  std::size_t cut = kChunk;
  while ((static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
  const std::string request = "{\"text\":\"" + text.substr(0, cut) + "\"}";
  const auto t3 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i)
    ASSERT_NE(moderateTextJson(request).find("\"ok\":true"), std::string::npos);
  const auto t4 = std::chrono::steady_clock::now();
  const double jsonS = std::chrono::duration<double>(t4 - t3).count();
  std::printf("moderation: moderateText JSON, default rules, 10 × 1 MB = %.1f MB/s\n",
              10.0 * static_cast<double>(cut) / 1e6 / jsonS);
  EXPECT_GT(matches, 0u);
}

}  // namespace
}  // namespace carecircle
