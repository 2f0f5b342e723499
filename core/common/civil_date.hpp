// Civil days in a programme's time zone.
//
// The core never reads a clock: instants are Unix epoch milliseconds (UTC)
// handed in by the caller, and the programme's UTC offset is configuration
// (default +480 minutes, Asia/Shanghai; China has no DST). A "day" is a day
// number counted from 1970-01-01 in that zone, so day arithmetic is integer
// arithmetic. Calendar maths is delegated to <chrono> (C++20 calendars).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace carecircle {

using DayNumber = std::int32_t;  // days since 1970-01-01 in the programme's zone

// Instants the core accepts: 2000-01-01T00:00Z .. 2200-01-01T00:00Z. Anything
// outside is rejected by callers before conversion, so no overflow is possible.
inline constexpr std::int64_t kMinInstantMs = 946684800000;   // 2000-01-01T00:00:00Z
inline constexpr std::int64_t kMaxInstantMs = 7258118400000;  // 2200-01-01T00:00:00Z
inline constexpr int kMaxUtcOffsetMinutes = 14 * 60;          // UTC-14:00 .. UTC+14:00

// The civil day containing `utcMs` at `utcOffsetMinutes` east of UTC.
// Precondition: kMinInstantMs <= utcMs <= kMaxInstantMs, |offset| <= 14 h.
// Floors toward the past, e.g. 2026-11-22T16:00:00Z at +480 is day 2026-11-23.
DayNumber civilDayOf(std::int64_t utcMs, int utcOffsetMinutes);

// "YYYY-MM-DD" for a day number.
std::string formatDate(DayNumber day);

// Parses a strict "YYYY-MM-DD" (years 1970..2199, real calendar dates, leap
// days included). std::nullopt for anything else.
std::optional<DayNumber> parseDate(std::string_view text);

struct YearMonth {
  int year = 1970;
  unsigned month = 1;  // 1..12
};

YearMonth yearMonthOf(DayNumber day);
// Strict "YYYY-MM", years 1970..2199.
std::optional<YearMonth> parseYearMonth(std::string_view text);
std::string formatYearMonth(YearMonth ym);
DayNumber firstDayOf(YearMonth ym);
unsigned daysIn(YearMonth ym);
YearMonth nextMonth(YearMonth ym);
YearMonth previousMonth(YearMonth ym);
// 0 = Monday .. 6 = Sunday (ISO weekday minus one).
unsigned isoWeekdayIndex(DayNumber day);
// A month key usable for per-month counters, year * 12 + month - 1.
inline int monthKey(YearMonth ym) {
  return ym.year * 12 + static_cast<int>(ym.month) - 1;
}

}  // namespace carecircle
