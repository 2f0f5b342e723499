#include "common/civil_date.hpp"

#include <chrono>
#include <cstdio>

namespace carecircle {
namespace {

using std::chrono::day;
using std::chrono::days;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

constexpr std::int64_t kMsPerDay = 86'400'000;
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2199;

// Parses exactly `width` ASCII digits; -1 on anything else.
int parseDigits(std::string_view text, std::size_t width) {
  if (text.size() != width) return -1;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

year_month_day ymdOf(DayNumber d) {
  return year_month_day{sys_days{days{d}}};
}

}  // namespace

DayNumber civilDayOf(std::int64_t utcMs, int utcOffsetMinutes) {
  const std::int64_t localMs = utcMs + std::int64_t{utcOffsetMinutes} * 60'000;
  // Floor division: instants before 1970 in the zone would otherwise round up.
  std::int64_t dayIndex = localMs / kMsPerDay;
  if (localMs % kMsPerDay < 0) --dayIndex;
  return static_cast<DayNumber>(dayIndex);
}

std::string formatDate(DayNumber d) {
  const year_month_day ymd = ymdOf(d);
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

std::optional<DayNumber> parseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int y = parseDigits(text.substr(0, 4), 4);
  const int m = parseDigits(text.substr(5, 2), 2);
  const int d = parseDigits(text.substr(8, 2), 2);
  if (y < kMinYear || y > kMaxYear || m < 1 || m > 12 || d < 1) return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;  // 2026-02-29, 2026-04-31, ...
  return static_cast<DayNumber>(sys_days{ymd}.time_since_epoch().count());
}

YearMonth yearMonthOf(DayNumber d) {
  const year_month_day ymd = ymdOf(d);
  return YearMonth{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month())};
}

std::optional<YearMonth> parseYearMonth(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  const int y = parseDigits(text.substr(0, 4), 4);
  const int m = parseDigits(text.substr(5, 2), 2);
  if (y < kMinYear || y > kMaxYear || m < 1 || m > 12) return std::nullopt;
  return YearMonth{y, static_cast<unsigned>(m)};
}

std::string formatYearMonth(YearMonth ym) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u", ym.year, ym.month);
  return buffer;
}

DayNumber firstDayOf(YearMonth ym) {
  const year_month_day ymd{year{ym.year}, month{ym.month}, day{1}};
  return static_cast<DayNumber>(sys_days{ymd}.time_since_epoch().count());
}

unsigned daysIn(YearMonth ym) {
  const std::chrono::year_month_day_last last{year{ym.year},
                                              std::chrono::month_day_last{month{ym.month}}};
  return static_cast<unsigned>(last.day());
}

YearMonth nextMonth(YearMonth ym) {
  return ym.month == 12 ? YearMonth{ym.year + 1, 1} : YearMonth{ym.year, ym.month + 1};
}

YearMonth previousMonth(YearMonth ym) {
  return ym.month == 1 ? YearMonth{ym.year - 1, 12} : YearMonth{ym.year, ym.month - 1};
}

unsigned isoWeekdayIndex(DayNumber d) {
  return std::chrono::weekday{sys_days{days{d}}}.iso_encoding() - 1;
}

}  // namespace carecircle
