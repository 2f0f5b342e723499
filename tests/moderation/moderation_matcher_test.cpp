// Aho–Corasick against a naive search: every (pattern, end) pair, no more, no less.
#include "moderation/moderation_matcher.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace carecircle {
namespace {

using Hits = std::set<std::pair<std::size_t, std::size_t>>;  // (pattern id, end index exclusive)

Hits scan(const MultiPatternMatcher& m, const std::u32string& text) {
  Hits hits;
  MultiPatternMatcher::Cursor cursor;
  for (std::size_t i = 0; i < text.size(); ++i) {
    m.step(cursor, text[i], [&](std::uint32_t id) { EXPECT_TRUE(hits.emplace(id, i + 1).second); });
  }
  return hits;
}

Hits naive(const std::vector<std::u32string>& patterns, const std::u32string& text) {
  Hits hits;
  for (std::size_t id = 0; id < patterns.size(); ++id) {
    for (std::size_t at = text.find(patterns[id]); at != std::u32string::npos;
         at = text.find(patterns[id], at + 1)) {
      hits.emplace(id, at + patterns[id].size());
    }
  }
  return hits;
}

TEST(ModerationMatcher, FindsOverlappingAndNestedPatterns) {
  const std::vector<std::u32string> patterns = {U"he",   U"she",    U"his", U"hers",
                                                U"根治", U"根治率", U"治"};
  const MultiPatternMatcher m(patterns);
  const std::u32string text = U"ushers 根治率 hishe";
  EXPECT_EQ(scan(m, text), naive(patterns, text));
  EXPECT_EQ(m.patternLength(5), 3u);
  EXPECT_EQ(m.maxPatternLength(), 4u);
}

TEST(ModerationMatcher, ReportsDuplicatePatternsUnderEachId) {
  const MultiPatternMatcher m({U"第一", U"第一"});
  const Hits hits = scan(m, U"全国第一");
  EXPECT_EQ(hits, (Hits{{0, 4}, {1, 4}}));
}

TEST(ModerationMatcher, ReportsLongestFirstAtOneEnd) {
  const MultiPatternMatcher m({U"药", U"这个药", U"个药"});
  std::vector<std::uint32_t> order;
  MultiPatternMatcher::Cursor cursor;
  for (char32_t cp : std::u32string(U"这个药"))
    m.step(cursor, cp, [&](std::uint32_t id) { order.push_back(id); });
  EXPECT_EQ(order, (std::vector<std::uint32_t>{1, 2, 0}));
}

TEST(ModerationMatcher, EmptyPatternSetMatchesNothing) {
  const MultiPatternMatcher m;
  EXPECT_TRUE(scan(m, U"任何文本").empty());
  EXPECT_EQ(m.stateCount(), 1u);
}

TEST(ModerationMatcher, HandlesAstralCodePoints) {
  const std::vector<std::u32string> patterns = {U"𠀀药", U"😀"};
  const MultiPatternMatcher m(patterns);
  const std::u32string text = U"a𠀀药😀𠀀";
  EXPECT_EQ(scan(m, text), naive(patterns, text));
  EXPECT_EQ(scan(m, text).size(), 2u);
}

TEST(ModerationMatcher, AgreesWithNaiveSearchOnRandomInputs) {
  std::mt19937 rng(20261123);  // seeded: the same cases every run
  const std::u32string alphabet = U"药治根愈第一最好ab😀";
  for (int round = 0; round < 200; ++round) {
    std::vector<std::u32string> patterns(1 + rng() % 30);
    for (auto& p : patterns) {
      p.resize(1 + rng() % 5);
      for (auto& c : p) c = alphabet[rng() % alphabet.size()];
    }
    std::u32string text(rng() % 300, U' ');
    for (auto& c : text) c = alphabet[rng() % alphabet.size()];
    const MultiPatternMatcher m(patterns);
    ASSERT_EQ(scan(m, text), naive(patterns, text)) << "round " << round;
  }
}

}  // namespace
}  // namespace carecircle
