#include "common/civil_date.hpp"

#include <gtest/gtest.h>

namespace carecircle {
namespace {

constexpr std::int64_t kHour = 3'600'000;

TEST(CivilDate, Utc8MidnightIsSixteenHundredUtc) {
  const DayNumber nov22 = *parseDate("2026-11-22");
  const std::int64_t utcMidnightNov22 = std::int64_t{nov22} * 24 * kHour;
  // 2026-11-22T15:59:59.999Z is still 23:59 on the 22nd in Beijing ...
  EXPECT_EQ(civilDayOf(utcMidnightNov22 + 16 * kHour - 1, 480), nov22);
  // ... and 16:00Z is 00:00 on the 23rd.
  EXPECT_EQ(civilDayOf(utcMidnightNov22 + 16 * kHour, 480), nov22 + 1);
  EXPECT_EQ(formatDate(civilDayOf(utcMidnightNov22 + 16 * kHour, 480)), "2026-11-23");
}

TEST(CivilDate, NegativeOffsetsFloorTowardThePast) {
  const DayNumber jan1 = *parseDate("2026-01-01");
  const std::int64_t utcMidnight = std::int64_t{jan1} * 24 * kHour;
  EXPECT_EQ(civilDayOf(utcMidnight + 4 * kHour, -300), jan1 - 1);  // 23:00 Dec 31 in UTC-5
  EXPECT_EQ(civilDayOf(utcMidnight + 5 * kHour, -300), jan1);
}

TEST(CivilDate, ParsesOnlyRealDates) {
  EXPECT_TRUE(parseDate("2024-02-29"));
  EXPECT_FALSE(parseDate("2026-02-29"));
  EXPECT_FALSE(parseDate("2100-02-29"));  // century, not a leap year
  EXPECT_TRUE(parseDate("2000-02-29"));
  EXPECT_FALSE(parseDate("2026-04-31"));
  EXPECT_FALSE(parseDate("2026-13-01"));
  EXPECT_FALSE(parseDate("2026-1-01"));
  EXPECT_FALSE(parseDate("２０２６-01-01"));
  EXPECT_FALSE(parseDate(""));
  EXPECT_FALSE(parseDate("1969-12-31"));
  EXPECT_FALSE(parseDate("2026-11-23T00:00"));
}

TEST(CivilDate, FormatRoundTripsAcrossYearsAndLeapDays) {
  for (DayNumber d = *parseDate("1999-12-25") + 7; d < *parseDate("2030-01-10"); ++d) {
    ASSERT_EQ(parseDate(formatDate(d)), d) << formatDate(d);
  }
}

TEST(CivilDate, MonthArithmetic) {
  EXPECT_EQ(daysIn({2024, 2}), 29u);
  EXPECT_EQ(daysIn({2026, 2}), 28u);
  EXPECT_EQ(daysIn({2026, 12}), 31u);
  EXPECT_EQ(formatYearMonth(nextMonth({2026, 12})), "2027-01");
  EXPECT_EQ(formatYearMonth(previousMonth({2027, 1})), "2026-12");
  EXPECT_EQ(formatDate(firstDayOf({2026, 11})), "2026-11-01");
  EXPECT_EQ(isoWeekdayIndex(*parseDate("2026-11-23")), 0u);  // a Monday
  EXPECT_EQ(isoWeekdayIndex(*parseDate("2026-11-01")), 6u);  // a Sunday
  EXPECT_FALSE(parseYearMonth("2026-00"));
  EXPECT_FALSE(parseYearMonth("2026-1"));
  EXPECT_TRUE(parseYearMonth("2026-01"));
}

}  // namespace
}  // namespace carecircle
