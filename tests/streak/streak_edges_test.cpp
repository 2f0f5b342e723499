// Exact boundaries of every streak rule: each threshold at its value and one
// unit either side (one millisecond, one day, one use of an allowance), the
// default configuration and one other value.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "streak/streak.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;

DayNumber day(const char* date) {
  return *parseDate(date);
}

std::int64_t beijing(DayNumber d, int hour, int minute = 0) {
  return std::int64_t{d} * 24 * kHour + hour * kHour + minute * kMinute - 8 * kHour;
}

std::int64_t beijing(const char* date, int hour, int minute = 0) {
  return beijing(day(date), hour, minute);
}

struct Edge {
  explicit Edge(const char* today, int hour = 12) {
    request.nowMs = beijing(today, hour);
    request.patientId = "p1";
  }
  Edge& at(std::int64_t ms, std::string id = "") {
    CheckInRecord r;
    r.id = id.empty() ? "c" + std::to_string(++seq) : std::move(id);
    r.patientId = "p1";
    r.atMs = ms;
    r.seq = seq;
    request.checkIns.push_back(r);
    return *this;
  }
  Edge& on(DayNumber d, int hour = 9) { return at(beijing(d, hour)); }
  Edge& range(const char* from, const char* to) {
    for (DayNumber d = day(from); d <= day(to); ++d) on(d);
    return *this;
  }
  Edge& makeUp(DayNumber forDay, DayNumber recordedOn, int hour = 10, std::string id = "") {
    CheckInRecord r;
    r.id = id.empty() ? "m" + std::to_string(++seq) : std::move(id);
    r.patientId = "p1";
    r.atMs = beijing(recordedOn, hour);
    r.seq = ++seq;
    r.kind = CheckInKind::kMakeUp;
    r.forDay = forDay;
    request.checkIns.push_back(r);
    return *this;
  }
  StreakReport run() const {
    Result<StreakReport> r = evaluateStreak(request);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code);
    return r.ok() ? r.value() : StreakReport{};
  }
  std::string error() const {
    Result<StreakReport> r = evaluateStreak(request);
    return r.ok() ? "ok" : r.error().code;
  }
  StreakRequest request;
  int seq = 0;
};

std::string codeOf(const StreakReport& r, const std::string& id) {
  for (const IgnoredCheckIn& i : r.ignored)
    if (i.id == id) return i.code;
  return "counted";
}

DayStatus statusOn(const StreakReport& r, DayNumber d) {
  for (const CalendarDay& c : r.calendar.days)
    if (c.day == d) return c.status;
  ADD_FAILURE() << formatDate(d) << " not in the calendar";
  return DayStatus::kNone;
}

int newBlocks(const StreakReport& r) {
  return static_cast<int>(std::count_if(r.milestones.begin(), r.milestones.end(), [](auto& m) {
    return m.state == MilestoneState::kNew;
  }));
}

// ---- future tolerance: default 10 minutes, and a configured 1 hour ----------

TEST(StreakEdges, FutureToleranceDefaultIsExactlyTenMinutes) {
  Edge e("2026-11-23", 12);
  const std::int64_t now = e.request.nowMs;
  e.at(now + 10 * kMinute - 1, "under").at(now + 10 * kMinute, "at").at(now + 10 * kMinute + 1,
                                                                          "over");
  const StreakReport r = e.run();
  // All three fall on the same day: the earliest counts, the other in-tolerance
  // one is a duplicate day, the one over the tolerance is in the future.
  EXPECT_EQ(codeOf(r, "under"), "counted");
  EXPECT_EQ(codeOf(r, "at"), "streak.duplicate_day");
  EXPECT_EQ(codeOf(r, "over"), "streak.future_timestamp");
}

TEST(StreakEdges, FutureToleranceConfiguredIsInclusive) {
  for (const std::int64_t tolerance : {std::int64_t{0}, kHour}) {
    Edge e("2026-11-23", 12);
    e.request.config.futureToleranceMs = tolerance;
    e.at(e.request.nowMs + tolerance, "at");
    EXPECT_EQ(codeOf(e.run(), "at"), "counted") << tolerance;
    Edge o("2026-11-23", 12);
    o.request.config.futureToleranceMs = tolerance;
    o.at(o.request.nowMs + tolerance + 1, "over");
    EXPECT_EQ(codeOf(o.run(), "over"), "streak.future_timestamp") << tolerance;
  }
}

TEST(StreakEdges, FutureToleranceLimitIsTwentyFourHoursInclusive) {
  Edge e("2026-11-23");
  e.request.config.futureToleranceMs = 86'400'000;
  EXPECT_EQ(e.error(), "ok");
  e.request.config.futureToleranceMs = 86'400'001;
  EXPECT_EQ(e.error(), "streak.bad_config");
  e.request.config.futureToleranceMs = -1;
  EXPECT_EQ(e.error(), "streak.bad_config");
}

// ---- programme start day --------------------------------------------------

TEST(StreakEdges, StartDayItselfCountsTheDayBeforeDoesNot) {
  Edge e("2026-11-23");
  e.request.hasStartDay = true;
  e.request.startDay = day("2026-11-20");
  e.at(beijing("2026-11-19", 23, 59), "before").at(beijing("2026-11-20", 0, 0), "first");
  const StreakReport r = e.run();
  EXPECT_EQ(codeOf(r, "before"), "streak.before_start");
  EXPECT_EQ(codeOf(r, "first"), "counted");
  // A make-up for the start day counts too; one for the day before does not.
  Edge m("2026-11-23");
  m.request.hasStartDay = true;
  m.request.startDay = day("2026-11-22");
  m.makeUp(day("2026-11-22"), day("2026-11-23"), 10, "startDay");
  m.makeUp(day("2026-11-21"), day("2026-11-23"), 11, "dayBefore");
  const StreakReport mr = m.run();
  EXPECT_EQ(codeOf(mr, "startDay"), "counted");
  EXPECT_EQ(codeOf(mr, "dayBefore"), "streak.before_start");
}

// ---- make-ups -------------------------------------------------------------

TEST(StreakEdges, MakeUpForTodayIsRefusedForYesterdayAccepted) {
  Edge e("2026-11-23");
  e.makeUp(day("2026-11-23"), day("2026-11-23"), 10, "today");
  e.makeUp(day("2026-11-22"), day("2026-11-23"), 11, "yesterday");
  const StreakReport r = e.run();
  EXPECT_EQ(codeOf(r, "today"), "streak.makeup_not_past");
  EXPECT_EQ(codeOf(r, "yesterday"), "counted");
}

TEST(StreakEdges, MakeUpWindowDefaultTwoDaysExact) {
  // Recorded on the 23rd: the 21st is exactly 2 days back, the 20th is 3.
  for (const auto& [missed, code] : std::vector<std::pair<const char*, const char*>>{
           {"2026-11-21", "counted"}, {"2026-11-20", "streak.makeup_window_passed"}}) {
    Edge e("2026-11-23");
    e.makeUp(day(missed), day("2026-11-23"), 10, "m");
    EXPECT_EQ(codeOf(e.run(), "m"), code) << missed;
  }
}

TEST(StreakEdges, MakeUpWindowConfiguredFiveDaysExact) {
  for (const auto& [missed, code] : std::vector<std::pair<const char*, const char*>>{
           {"2026-11-18", "counted"}, {"2026-11-17", "streak.makeup_window_passed"}}) {
    Edge e("2026-11-23");
    e.request.config.makeUpWindowDays = 5;
    e.makeUp(day(missed), day("2026-11-23"), 10, "m");
    EXPECT_EQ(codeOf(e.run(), "m"), code) << missed;
  }
}

TEST(StreakEdges, MakeUpWindowConfigLimitIsThirtyOneDays) {
  Edge e("2026-11-23");
  e.request.config.makeUpWindowDays = 31;
  EXPECT_EQ(e.error(), "ok");
  e.request.config.makeUpWindowDays = 32;
  EXPECT_EQ(e.error(), "streak.bad_config");
  e.request.config.makeUpWindowDays = -1;
  EXPECT_EQ(e.error(), "streak.bad_config");
}

TEST(StreakEdges, MakeUpAllowanceIsUsedUpExactly) {
  // Allowance 2 (not the default 1): the second make-up of the month counts, the third not.
  Edge e("2026-11-23");
  e.request.config.makeUpPerMonth = 2;
  e.request.config.makeUpWindowDays = 10;
  e.request.config.freezePerMonth = 0;
  e.makeUp(day("2026-11-15"), day("2026-11-20"), 8, "first");
  e.makeUp(day("2026-11-16"), day("2026-11-20"), 9, "second");
  e.makeUp(day("2026-11-17"), day("2026-11-20"), 10, "third");
  const StreakReport r = e.run();
  EXPECT_EQ(codeOf(r, "first"), "counted");
  EXPECT_EQ(codeOf(r, "second"), "counted");
  EXPECT_EQ(codeOf(r, "third"), "streak.makeup_quota_exceeded");
  EXPECT_EQ(r.makeUpRemainingThisMonth, 0);
}

TEST(StreakEdges, DefaultAllowanceOneMakeUpAMonth) {
  Edge e("2026-11-23");
  e.request.config.freezePerMonth = 0;
  e.makeUp(day("2026-11-21"), day("2026-11-22"), 9, "first");
  e.makeUp(day("2026-11-22"), day("2026-11-23"), 9, "second");
  const StreakReport r = e.run();
  EXPECT_EQ(codeOf(r, "first"), "counted");
  EXPECT_EQ(codeOf(r, "second"), "streak.makeup_quota_exceeded");
}

TEST(StreakEdges, MonthlyAllowanceLimitIsThirtyOne) {
  for (int field = 0; field < 2; ++field) {
    Edge e("2026-11-23");
    int& value = field == 0 ? e.request.config.makeUpPerMonth : e.request.config.freezePerMonth;
    value = 31;
    EXPECT_EQ(e.error(), "ok") << field;
    value = 32;
    EXPECT_EQ(e.error(), "streak.bad_config") << field;
    value = -1;
    EXPECT_EQ(e.error(), "streak.bad_config") << field;
  }
}

TEST(StreakEdges, CandidatesReachTheOldestDayInsideTheWindow) {
  // Window 2, today the 23rd: the 21st and 22nd are offered, the 20th is not.
  Edge e("2026-11-23");
  e.request.config.freezePerMonth = 0;
  e.request.config.makeUpPerMonth = 3;
  e.range("2026-11-18", "2026-11-19");
  const StreakReport r = e.run();
  std::vector<std::string> offered;
  for (DayNumber d : r.makeUpCandidates) offered.push_back(formatDate(d));
  EXPECT_EQ(offered, (std::vector<std::string>{"2026-11-21", "2026-11-22"}));
  EXPECT_EQ(statusOn(r, day("2026-11-20")), DayStatus::kMissed);  // missed, but too old
}

TEST(StreakEdges, NoCandidateOnceTheAllowanceIsUsed) {
  Edge e("2026-11-23");
  e.request.config.freezePerMonth = 0;
  e.request.config.makeUpWindowDays = 5;
  e.range("2026-11-15", "2026-11-17");
  e.makeUp(day("2026-11-18"), day("2026-11-19"));  // November's only make-up
  const StreakReport r = e.run();
  EXPECT_EQ(r.makeUpRemainingThisMonth, 0);
  EXPECT_TRUE(r.makeUpCandidates.empty());
  for (const CalendarDay& c : r.calendar.days) EXPECT_FALSE(c.canMakeUp) << formatDate(c.day);
}

// ---- freezes ----------------------------------------------------------------

TEST(StreakEdges, FreezeAllowanceTwoCoversExactlyTwoMisses) {
  Edge e("2026-11-23");
  e.request.config.makeUpPerMonth = 0;
  e.request.config.freezePerMonth = 2;
  e.range("2026-11-10", "2026-11-11").range("2026-11-13", "2026-11-14");
  e.range("2026-11-16", "2026-11-17").range("2026-11-19", "2026-11-23");
  const StreakReport r = e.run();
  EXPECT_EQ(statusOn(r, day("2026-11-12")), DayStatus::kFrozen);
  EXPECT_EQ(statusOn(r, day("2026-11-15")), DayStatus::kFrozen);
  EXPECT_EQ(statusOn(r, day("2026-11-18")), DayStatus::kMissed);
  EXPECT_EQ(r.current, 5);
  EXPECT_EQ(r.freezeRemainingThisMonth, 0);
}

TEST(StreakEdges, NoFreezeWithoutARunningStreak) {
  Edge e("2026-11-23");
  e.request.config.makeUpPerMonth = 0;
  e.request.hasStartDay = true;
  e.request.startDay = day("2026-11-21");
  e.on(day("2026-11-23"));
  const StreakReport r = e.run();
  EXPECT_EQ(statusOn(r, day("2026-11-21")), DayStatus::kMissed);
  EXPECT_EQ(r.freezeRemainingThisMonth, 1);
}

// ---- rest days ----------------------------------------------------------------

TEST(StreakEdges, RestDayBetweenCheckInsNeitherCountsNorBreaks) {
  Edge e("2026-11-23");
  e.request.config.makeUpPerMonth = 0;
  e.request.config.freezePerMonth = 0;
  e.range("2026-11-20", "2026-11-21").on(day("2026-11-23"));
  e.request.restDays = {day("2026-11-22")};
  const StreakReport r = e.run();
  EXPECT_EQ(statusOn(r, day("2026-11-22")), DayStatus::kRest);
  EXPECT_EQ(r.current, 3);
  EXPECT_EQ(r.total, 3);
}

// ---- milestones: the 7-day block and a configured one -----------------------

TEST(StreakEdges, SevenDayBlockNeedsExactlySevenDays) {
  Edge six("2026-11-23");
  six.range("2026-11-18", "2026-11-23");
  EXPECT_EQ(newBlocks(six.run()), 0);
  EXPECT_EQ(six.run().progress.remaining, 1);
  Edge seven("2026-11-23");
  seven.range("2026-11-17", "2026-11-23");
  const StreakReport r = seven.run();
  ASSERT_EQ(newBlocks(r), 1);
  EXPECT_EQ(formatDate(r.milestones.at(0).fromDay), "2026-11-17");
  EXPECT_EQ(formatDate(r.milestones.at(0).toDay), "2026-11-23");
}

TEST(StreakEdges, ConfiguredBlockOfThreeDays) {
  Edge e("2026-11-23");
  e.request.config.milestones = {MilestoneRule{"three", 3, "三天奖励", 100}};
  e.range("2026-11-16", "2026-11-23");  // 8 days: blocks on the 18th and 21st
  const StreakReport r = e.run();
  ASSERT_EQ(r.milestones.size(), 2u);
  EXPECT_EQ(formatDate(r.milestones[0].toDay), "2026-11-18");
  EXPECT_EQ(formatDate(r.milestones[1].toDay), "2026-11-21");
  EXPECT_EQ(r.progress.done, 2);
}

TEST(StreakEdges, EveryDaysLimitsAreOneAndThreeHundredSixtySix) {
  Edge e("2026-11-23");
  for (const auto& [every, code] : std::vector<std::pair<int, const char*>>{
           {0, "streak.bad_config"}, {1, "ok"}, {366, "ok"}, {367, "streak.bad_config"}}) {
    e.request.config.milestones = {MilestoneRule{"r", every, "奖励", 0}};
    EXPECT_EQ(e.error(), code) << every;
  }
  // everyDays 1: every counted day is a block.
  e.request.config.milestones = {MilestoneRule{"daily", 1, "每日奖励", 0}};
  e.range("2026-11-22", "2026-11-23");
  EXPECT_EQ(newBlocks(e.run()), 2);
}

// ---- recordCheckIn: nothing stored stops counting --------------------------

TEST(StreakEdges, NewcomerThatWouldEvictAStoredMakeUpIsRefused) {
  Edge e("2026-11-23");
  e.request.config.freezePerMonth = 0;
  e.request.config.makeUpWindowDays = 5;
  e.on(day("2026-11-18")).on(day("2026-11-20")).on(day("2026-11-23"));
  e.makeUp(day("2026-11-21"), day("2026-11-22"), 12);
  CheckInRecord older{"older", "p1", beijing("2026-11-22", 8), 0, CheckInKind::kMakeUp,
                      day("2026-11-19")};
  Result<CheckInDecision> d = recordCheckIn(e.request, older);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "streak.makeup_quota_exceeded");
  // With an allowance of 2 the same make-up is accepted.
  e.request.config.makeUpPerMonth = 2;
  Result<CheckInDecision> ok = recordCheckIn(e.request, older);
  ASSERT_TRUE(ok.ok()) << ok.error().code;
  EXPECT_EQ(ok.value().outcome, CheckInOutcome::kAccepted);
}

// ---- calendar navigation ----------------------------------------------------

TEST(StreakEdges, NextMonthBrowsableFromItsFirstDay) {
  Edge last("2026-11-30", 23);
  last.on(day("2026-11-30"));
  last.request.hasViewMonth = true;
  last.request.viewMonth = yearMonthOf(day("2026-11-01"));
  EXPECT_FALSE(last.run().calendar.hasNext);
  Edge first("2026-12-01", 0);
  first.request.nowMs = beijing("2026-12-01", 0, 0);
  first.on(day("2026-11-30"));
  first.request.hasViewMonth = true;
  first.request.viewMonth = yearMonthOf(day("2026-11-01"));
  EXPECT_TRUE(first.run().calendar.hasNext);
}

}  // namespace
}  // namespace carecircle
