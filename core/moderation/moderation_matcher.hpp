// Aho–Corasick multi-pattern matching over Unicode code points
// (A. V. Aho, M. J. Corasick, "Efficient string matching: an aid to
// bibliographic search", CACM 18(6), 1975).
//
// Built once from a pattern list, then immutable and safe to share between
// threads. Matching is streaming: the caller feeds one (already folded) code
// point at a time and is told every pattern that ends there, so memory does
// not grow with the text and offsets can be kept in the caller's terms.
// Time: O(total pattern length) to build; O(text + matches) to scan.
//
// Layout: code points that occur in some pattern are renumbered to a dense
// alphabet 1..A (0 = "in no pattern", which always leads back to the root, the
// fast path for most Chinese text); the root has a dense transition table,
// every other state a sorted edge list (CSR) searched by binary search; fail
// links are followed at scan time and "dictionary links" enumerate the
// outputs of a state and of its suffixes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace carecircle {

class MultiPatternMatcher {
 public:
  static constexpr std::size_t kMaxPatternLength = 64;  // code points

  // `patterns` are matched exactly (callers fold them first). A pattern's id
  // is its index. Preconditions: every pattern has 1..kMaxPatternLength code
  // points; duplicates are allowed and each id is reported.
  explicit MultiPatternMatcher(const std::vector<std::u32string>& patterns);
  MultiPatternMatcher() : MultiPatternMatcher(std::vector<std::u32string>{}) {}

  struct Cursor {
    std::uint32_t state = 0;
  };

  // Consumes one code point; calls onMatch(patternId) for every pattern that
  // ends at it, longest first.
  template <typename OnMatch>
  void step(Cursor& cursor, char32_t cp, OnMatch&& onMatch) const {
    const std::uint32_t symbol = symbolOf(cp);
    if (symbol == 0) {
      cursor.state = 0;
      return;
    }
    std::uint32_t s = cursor.state;
    while (s != 0) {
      const std::uint32_t next = child(s, symbol);
      if (next != kNone) {
        s = next;
        break;
      }
      s = fail_[s];
    }
    if (s == 0) s = rootNext_[symbol];
    cursor.state = s;
    for (std::uint32_t o = hasOutput(s) ? s : dictLink_[s]; o != kNone; o = dictLink_[o]) {
      for (std::uint32_t i = outBegin_[o]; i < outBegin_[o + 1]; ++i) onMatch(outIds_[i]);
    }
  }

  std::size_t patternCount() const { return lengths_.size(); }
  std::size_t patternLength(std::size_t id) const { return lengths_[id]; }
  std::size_t maxPatternLength() const { return maxLength_; }
  std::size_t stateCount() const { return fail_.size(); }

 private:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  std::uint32_t symbolOf(char32_t cp) const;
  std::uint32_t child(std::uint32_t state, std::uint32_t symbol) const;
  bool hasOutput(std::uint32_t state) const { return outBegin_[state] != outBegin_[state + 1]; }

  std::vector<std::uint32_t> bmpSymbols_;                          // 65,536 entries (or empty)
  std::vector<std::pair<char32_t, std::uint32_t>> astralSymbols_;  // sorted
  std::vector<std::uint32_t> rootNext_;                            // by symbol; 0 = stay at root
  std::vector<std::uint32_t> edgeBegin_;                           // CSR, size states + 1
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges_;     // (symbol, target) sorted
  std::vector<std::uint32_t> fail_;
  std::vector<std::uint32_t> dictLink_;  // nearest suffix state with output
  std::vector<std::uint32_t> outBegin_;  // CSR, size states + 1
  std::vector<std::uint32_t> outIds_;    // longest pattern first
  std::vector<std::uint32_t> lengths_;
  std::size_t maxLength_ = 0;
};

}  // namespace carecircle
