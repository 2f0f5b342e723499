// Shared helpers for the community tests: Beijing wall-clock instants.
#pragma once

#include <cstdint>

#include "common/civil_date.hpp"

namespace carecircle::testing {

inline DayNumber day(const char* date) {
  return *parseDate(date);
}

// Epoch ms of a wall-clock time in Beijing (UTC+8).
inline std::int64_t beijing(const char* date, int hour, int minute = 0) {
  return (std::int64_t{day(date)} * 1440 + hour * 60 + minute - 480) * 60'000;
}

}  // namespace carecircle::testing
