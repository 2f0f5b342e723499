// Interning of string ids (patient ids, record ids) for the graph builders:
// one hash of each id, no copy of it, no allocation per entry. The index
// holds only (hash, value) pairs in one open-addressed array; the key of a
// value is asked of the caller (`keyOf(value)`), whose strings must outlive
// the index and stay where they are while it is in use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace carecircle {

template <typename KeyOf>
class IdIndex {
 public:
  IdIndex(std::size_t expected, KeyOf keyOf) : keyOf_(std::move(keyOf)) {
    std::size_t capacity = 16;
    while (capacity < expected + expected / 2) capacity <<= 1;
    slots_.assign(capacity, Slot{});
  }

  // The value stored under `key` and false; or, when there is none, `value`
  // is stored under it and returned with true. keyOf(value) must be `key`.
  std::pair<std::int32_t&, bool> emplace(std::string_view key, std::int32_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    const std::uint32_t h = hashOf(key);
    std::size_t at = find(key, h);
    if (slots_[at].value != kEmpty) return {slots_[at].value, false};
    slots_[at] = Slot{h, value};
    ++size_;
    return {slots_[at].value, true};
  }

  // The value stored under `key`, or -1.
  std::int32_t find(std::string_view key) const { return slots_[find(key, hashOf(key))].value; }

 private:
  static constexpr std::int32_t kEmpty = -1;
  struct Slot {
    std::uint32_t hash = 0;
    std::int32_t value = kEmpty;
  };

  static std::uint32_t hashOf(std::string_view key) {
    const std::size_t h = std::hash<std::string_view>{}(key);
    return static_cast<std::uint32_t>(h ^ (h >> 31 >> 1));
  }

  // The slot holding `key`, or the empty slot where it would go.
  std::size_t find(std::string_view key, std::uint32_t h) const {
    const std::size_t mask = slots_.size() - 1;
    std::size_t at = h & mask;
    while (slots_[at].value != kEmpty &&
           (slots_[at].hash != h || keyOf_(slots_[at].value) != key)) {
      at = (at + 1) & mask;
    }
    return at;
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2, Slot{});
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (const Slot& s : old) {
      if (s.value == kEmpty) continue;
      std::size_t at = s.hash & mask;
      while (slots_[at].value != kEmpty) at = (at + 1) & mask;
      slots_[at] = s;
    }
  }

  KeyOf keyOf_;
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
};

}  // namespace carecircle
