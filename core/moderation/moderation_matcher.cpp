#include "moderation/moderation_matcher.hpp"

#include <algorithm>
#include <cassert>
#include <unordered_map>

namespace carecircle {

MultiPatternMatcher::MultiPatternMatcher(const std::vector<std::u32string>& patterns) {
  // 1. Alphabet: every distinct code point of every pattern, numbered in
  //    order of code point so the build is deterministic.
  std::vector<char32_t> alphabet;
  for (const std::u32string& p : patterns) alphabet.insert(alphabet.end(), p.begin(), p.end());
  std::sort(alphabet.begin(), alphabet.end());
  alphabet.erase(std::unique(alphabet.begin(), alphabet.end()), alphabet.end());
  const bool anyBmp = !alphabet.empty() && alphabet.front() < 0x10000;
  if (anyBmp) bmpSymbols_.assign(0x10000, 0);
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    const auto symbol = static_cast<std::uint32_t>(i + 1);
    if (alphabet[i] < 0x10000)
      bmpSymbols_[alphabet[i]] = symbol;
    else
      astralSymbols_.emplace_back(alphabet[i], symbol);
  }

  // 2. The trie (goto function). During the build, edges live in a hash map
  //    keyed by (state, symbol); they are frozen into sorted CSR arrays below.
  std::unordered_map<std::uint64_t, std::uint32_t> trie;
  trie.reserve(patterns.size() * 4);
  std::vector<std::vector<std::uint32_t>> outputs(1);
  std::uint32_t states = 1;
  lengths_.reserve(patterns.size());
  for (std::size_t id = 0; id < patterns.size(); ++id) {
    const std::u32string& p = patterns[id];
    assert(!p.empty() && p.size() <= kMaxPatternLength);
    std::uint32_t s = 0;
    for (char32_t cp : p) {
      const std::uint64_t key = (std::uint64_t{s} << 32) | symbolOf(cp);
      const auto [it, inserted] = trie.try_emplace(key, states);
      if (inserted) {
        ++states;
        outputs.emplace_back();
      }
      s = it->second;
    }
    outputs[s].push_back(static_cast<std::uint32_t>(id));
    lengths_.push_back(static_cast<std::uint32_t>(p.size()));
    maxLength_ = std::max(maxLength_, p.size());
  }

  std::vector<std::pair<std::uint64_t, std::uint32_t>> sorted(trie.begin(), trie.end());
  std::sort(sorted.begin(), sorted.end());
  rootNext_.assign(alphabet.size() + 1, 0);
  edgeBegin_.assign(std::size_t{states} + 1, 0);
  edges_.reserve(sorted.size());
  for (const auto& [key, target] : sorted) {
    const auto from = static_cast<std::uint32_t>(key >> 32);
    const auto symbol = static_cast<std::uint32_t>(key & 0xFFFFFFFFu);
    if (from == 0) rootNext_[symbol] = target;
    edges_.emplace_back(symbol, target);
    ++edgeBegin_[from + 1];
  }
  for (std::uint32_t s = 0; s < states; ++s) edgeBegin_[s + 1] += edgeBegin_[s];

  // 3. Fail links, breadth first: fail(child of u by a) = goto(fail(u), a)
  //    after following fail links until that transition exists (root: stay).
  fail_.assign(states, 0);
  dictLink_.assign(states, kNone);
  std::vector<std::uint32_t> queue;
  queue.reserve(states);
  for (std::uint32_t i = edgeBegin_[0]; i < edgeBegin_[1]; ++i) queue.push_back(edges_[i].second);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::uint32_t u = queue[head];
    for (std::uint32_t i = edgeBegin_[u]; i < edgeBegin_[u + 1]; ++i) {
      const auto [symbol, v] = edges_[i];
      std::uint32_t f = fail_[u];
      std::uint32_t target = kNone;
      while (true) {
        target = f == 0 ? rootNext_[symbol] : child(f, symbol);
        if (target != kNone && (f != 0 || target != 0)) break;
        if (f == 0) {
          target = 0;
          break;
        }
        f = fail_[f];
      }
      fail_[v] = target;
      queue.push_back(v);
    }
  }

  // 4. Outputs in CSR (longest first at each state: a state's own patterns
  //    all have its depth), dictionary links in BFS order so a state's fail
  //    target is final before the state itself.
  outBegin_.assign(std::size_t{states} + 1, 0);
  for (std::uint32_t s = 0; s < states; ++s) {
    outBegin_[s + 1] = outBegin_[s] + static_cast<std::uint32_t>(outputs[s].size());
    outIds_.insert(outIds_.end(), outputs[s].begin(), outputs[s].end());
  }
  for (const std::uint32_t v : queue) {
    const std::uint32_t f = fail_[v];
    dictLink_[v] = f == 0 ? kNone : (hasOutput(f) ? f : dictLink_[f]);
  }
}

std::uint32_t MultiPatternMatcher::symbolOf(char32_t cp) const {
  if (cp < 0x10000) return bmpSymbols_.empty() ? 0 : bmpSymbols_[cp];
  const auto it =
      std::lower_bound(astralSymbols_.begin(), astralSymbols_.end(), cp,
                       [](const auto& entry, char32_t key) { return entry.first < key; });
  return it != astralSymbols_.end() && it->first == cp ? it->second : 0;
}

std::uint32_t MultiPatternMatcher::child(std::uint32_t state, std::uint32_t symbol) const {
  if (state == 0) return rootNext_[symbol] == 0 ? kNone : rootNext_[symbol];
  auto first = edges_.begin() + edgeBegin_[state];
  auto last = edges_.begin() + edgeBegin_[state + 1];
  if (last - first <= 8) {  // most states have one or two children
    for (; first != last; ++first) {
      if (first->first == symbol) return first->second;
    }
    return kNone;
  }
  const auto it = std::lower_bound(
      first, last, symbol, [](const auto& edge, std::uint32_t key) { return edge.first < key; });
  return it != last && it->first == symbol ? it->second : kNone;
}

}  // namespace carecircle
