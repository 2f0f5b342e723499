#include "streak/streak.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace carecircle {
namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kHour = 60 * kMinute;

DayNumber day(const char* date) {
  return *parseDate(date);
}

// Epoch ms of a local wall-clock time in Beijing (UTC+8).
std::int64_t beijing(const char* date, int hour, int minute = 0) {
  return std::int64_t{day(date)} * 24 * kHour + hour * kHour + minute * kMinute - 8 * kHour;
}

class StreakFixture {
 public:
  explicit StreakFixture(const char* today, int hour = 12) {
    request.nowMs = beijing(today, hour);
    request.patientId = "p1";
  }
  StreakFixture& checkIn(const char* date, int hour = 9, std::string id = "") {
    CheckInRecord r;
    r.id = id.empty() ? "c" + std::to_string(++next_) : std::move(id);
    r.patientId = "p1";
    r.atMs = beijing(date, hour);
    r.seq = next_;
    request.checkIns.push_back(r);
    return *this;
  }
  // Check-ins on every day from `from` to `to` inclusive.
  StreakFixture& checkInRange(const char* from, const char* to) {
    for (DayNumber d = day(from); d <= day(to); ++d) checkIn(formatDate(d).c_str());
    return *this;
  }
  StreakFixture& makeUp(const char* forDate, const char* recordedOn, int hour = 10) {
    CheckInRecord r;
    r.id = "m" + std::to_string(++next_);
    r.patientId = "p1";
    r.atMs = beijing(recordedOn, hour);
    r.seq = next_;
    r.kind = CheckInKind::kMakeUp;
    r.forDay = day(forDate);
    request.checkIns.push_back(r);
    return *this;
  }
  StreakReport evaluate() const {
    Result<StreakReport> r = evaluateStreak(request);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().code);
    return r.ok() ? r.value() : StreakReport{};
  }
  StreakRequest request;

 private:
  int next_ = 0;
};

StreakConfig noAllowances() {
  StreakConfig c;
  c.makeUpPerMonth = 0;
  c.freezePerMonth = 0;
  return c;
}

DayStatus statusOn(const StreakReport& r, const char* date) {
  for (const CalendarDay& d : r.calendar.days) {
    if (d.day == day(date)) return d.status;
  }
  ADD_FAILURE() << date << " not in calendar " << formatYearMonth(r.calendar.month);
  return DayStatus::kNone;
}

int newMilestones(const StreakReport& r) {
  return static_cast<int>(
      std::count_if(r.milestones.begin(), r.milestones.end(),
                    [](const MilestoneBlock& m) { return m.state == MilestoneState::kNew; }));
}

TEST(Streak, EmptyHistoryHasNoStreakAndInvitesAFirstCheckIn) {
  StreakFixture f("2026-11-23");
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 0);
  EXPECT_EQ(r.longest, 0);
  EXPECT_EQ(r.total, 0);
  EXPECT_FALSE(r.alive);
  EXPECT_EQ(r.statusText, "今天完成第一次打卡吧");
  ASSERT_TRUE(r.hasProgress);
  EXPECT_EQ(r.progress.text, "连续打卡7天可得50元复诊抵用券");
  EXPECT_EQ(statusOn(r, "2026-11-23"), DayStatus::kToday);
  EXPECT_EQ(statusOn(r, "2026-11-24"), DayStatus::kFuture);
  EXPECT_EQ(statusOn(r, "2026-11-01"), DayStatus::kNone);
}

TEST(Streak, ConsecutiveDaysCountAndProgressTextCountsDown) {
  StreakFixture f("2026-11-23");
  f.checkInRange("2026-11-19", "2026-11-23");
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 5);
  EXPECT_EQ(r.longest, 5);
  EXPECT_EQ(r.total, 5);
  EXPECT_TRUE(r.checkedInToday);
  EXPECT_FALSE(r.atRisk);
  EXPECT_EQ(formatDate(r.currentStart), "2026-11-19");
  EXPECT_EQ(r.progress.done, 5);
  EXPECT_EQ(r.progress.remaining, 2);
  EXPECT_EQ(r.progress.text, "再坚持2天可得50元复诊抵用券");
  EXPECT_EQ(r.statusText, "今日已打卡 · 已连续5天");
}

TEST(Streak, StreakStaysAliveUntilTheEndOfTheFirstDayWithoutCheckIn) {
  StreakFixture f("2026-11-23", 23);
  f.checkInRange("2026-11-20", "2026-11-22");
  StreakReport r = f.evaluate();
  EXPECT_TRUE(r.alive);
  EXPECT_TRUE(r.atRisk);
  EXPECT_EQ(r.current, 3);
  EXPECT_EQ(statusOn(r, "2026-11-23"), DayStatus::kToday);
  EXPECT_EQ(r.statusText, "已连续3天 · 今天还没打卡");

  StreakFixture next("2026-11-24", 0);  // the 23rd is over: broken
  next.request.config = noAllowances();
  next.checkInRange("2026-11-20", "2026-11-22");
  r = next.evaluate();
  EXPECT_FALSE(r.alive);
  EXPECT_EQ(r.current, 0);
  EXPECT_EQ(r.longest, 3);
  EXPECT_EQ(statusOn(r, "2026-11-23"), DayStatus::kMissed);
  EXPECT_EQ(r.statusText, "连续记录已中断，今天重新开始吧");
}

TEST(Streak, MissedDayResetsCurrentStreakButKeepsLongest) {
  StreakFixture f("2026-11-23");
  f.request.config = noAllowances();
  f.checkInRange("2026-11-01", "2026-11-10").checkInRange("2026-11-12", "2026-11-23");
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 12);
  EXPECT_EQ(r.longest, 12);
  EXPECT_EQ(r.total, 22);
  EXPECT_EQ(statusOn(r, "2026-11-11"), DayStatus::kMissed);
}

TEST(Streak, Utc8MidnightBoundaryDecidesTheDay) {
  // 15:59 UTC on the 22nd is 23:59 in Beijing: still the 22nd.
  StreakFixture f("2026-11-23", 8);
  f.request.config = noAllowances();
  CheckInRecord late{"late", "p1", beijing("2026-11-22", 23, 59), 1};
  CheckInRecord early{"early", "p1", beijing("2026-11-23", 0, 0), 2};
  f.request.checkIns = {late, early};
  StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 2);
  EXPECT_EQ(statusOn(r, "2026-11-22"), DayStatus::kChecked);
  EXPECT_EQ(statusOn(r, "2026-11-23"), DayStatus::kChecked);
  // In UTC the same two instants fall on one day (the 22nd, 15:59 and 16:00).
  f.request.config.utcOffsetMinutes = 0;
  r = f.evaluate();
  EXPECT_EQ(r.total, 1);
}

TEST(Streak, SecondCheckInOnTheSameDayChangesNothing) {
  StreakFixture once("2026-11-23", 22);
  once.checkIn("2026-11-23", 8);
  StreakFixture twice = once;
  twice.checkIn("2026-11-23", 20);
  const StreakReport a = once.evaluate();
  const StreakReport b = twice.evaluate();
  EXPECT_EQ(a.current, b.current);
  EXPECT_EQ(a.total, b.total);
  ASSERT_EQ(b.ignored.size(), 1u);
  EXPECT_EQ(b.ignored[0].code, "streak.duplicate_day");
  EXPECT_EQ(b.ignored[0].id, "c2");  // the later one; the earliest represents the day
}

TEST(Streak, ResultDoesNotDependOnArrivalOrder) {
  StreakFixture f("2026-11-23");
  f.checkInRange("2026-10-01", "2026-10-20").checkInRange("2026-10-23", "2026-11-23");
  f.checkIn("2026-11-05", 21).checkIn("2026-11-05", 21, "c1");  // a clash on id c1
  f.makeUp("2026-10-22", "2026-10-23");
  const StreakReport reference = f.evaluate();
  std::mt19937 rng(20261123);  // seeded: the test is deterministic
  for (int i = 0; i < 50; ++i) {
    StreakFixture shuffled = f;
    std::shuffle(shuffled.request.checkIns.begin(), shuffled.request.checkIns.end(), rng);
    const StreakReport r = shuffled.evaluate();
    ASSERT_EQ(r.current, reference.current);
    ASSERT_EQ(r.longest, reference.longest);
    ASSERT_EQ(r.total, reference.total);
    ASSERT_EQ(r.milestones.size(), reference.milestones.size());
    for (std::size_t m = 0; m < r.milestones.size(); ++m) {
      ASSERT_EQ(r.milestones[m].key, reference.milestones[m].key);
    }
    ASSERT_EQ(r.ignored.size(), reference.ignored.size());
    for (std::size_t k = 0; k < r.ignored.size(); ++k) {
      ASSERT_EQ(r.ignored[k].id, reference.ignored[k].id);
      ASSERT_EQ(r.ignored[k].code, reference.ignored[k].code);
    }
  }
}

TEST(Streak, DuplicateIdKeepsTheEarliestAndReportsTheOther) {
  StreakFixture f("2026-11-23");
  f.checkIn("2026-11-22", 9, "same").checkIn("2026-11-23", 9, "same");
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.total, 1);
  EXPECT_EQ(statusOn(r, "2026-11-22"), DayStatus::kChecked);
  ASSERT_EQ(r.ignored.size(), 1u);
  EXPECT_EQ(r.ignored[0].code, "streak.duplicate_id");
}

TEST(Streak, IdenticalReplayOfTheSameCheckInIsDroppedSilently) {
  StreakFixture f("2026-11-23");
  f.checkIn("2026-11-23");
  f.request.checkIns.push_back(f.request.checkIns.back());
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.total, 1);
  EXPECT_TRUE(r.ignored.empty());
}

TEST(Streak, SevenDaysEarnOneVoucherOncePerBlock) {
  StreakFixture f("2026-11-23");
  f.checkInRange("2026-11-01", "2026-11-16");  // 16 days: two blocks, 2 days into the third
  StreakReport r = f.evaluate();
  ASSERT_EQ(r.milestones.size(), 2u);
  EXPECT_EQ(r.milestones[0].key, "revisit-voucher-50@2026-11-01");
  EXPECT_EQ(formatDate(r.milestones[0].toDay), "2026-11-07");
  EXPECT_EQ(r.milestones[1].key, "revisit-voucher-50@2026-11-08");
  EXPECT_EQ(r.milestones[0].rewardValueFen, 5000);
  EXPECT_EQ(newMilestones(r), 2);

  // Evaluating again with the grants passed back issues nothing new.
  for (const MilestoneBlock& m : r.milestones) {
    f.request.granted.push_back({m.ruleId, m.fromDay, m.toDay});
  }
  const StreakReport again = f.evaluate();
  EXPECT_EQ(newMilestones(again), 0);
  EXPECT_EQ(again.milestones.size(), 2u);
  EXPECT_EQ(again.progress.done, 0);  // broken on the 17th: no open block
}

TEST(Streak, SameHistoryEvaluatedTwiceIsIdentical) {
  StreakFixture f("2026-11-23");
  f.checkInRange("2026-11-01", "2026-11-23");
  const StreakReport a = f.evaluate();
  const StreakReport b = f.evaluate();
  ASSERT_EQ(a.milestones.size(), b.milestones.size());
  EXPECT_EQ(newMilestones(a), 3);
  for (std::size_t i = 0; i < a.milestones.size(); ++i)
    EXPECT_EQ(a.milestones[i].key, b.milestones[i].key);
}

TEST(Streak, LateCheckInJoiningTwoStreaksNeverRewardsTheSameDaysTwice) {
  StreakFixture f("2026-11-23");
  f.request.config = noAllowances();
  f.checkInRange("2026-11-01", "2026-11-05").checkInRange("2026-11-07", "2026-11-13");
  StreakReport r = f.evaluate();
  ASSERT_EQ(r.milestones.size(), 1u);
  EXPECT_EQ(r.milestones[0].key, "revisit-voucher-50@2026-11-07");
  f.request.granted.push_back(
      {r.milestones[0].ruleId, r.milestones[0].fromDay, r.milestones[0].toDay});
  // The offline check-in for the 6th arrives: 1st..13th is now one streak.
  f.checkIn("2026-11-06", 20);
  r = f.evaluate();
  EXPECT_EQ(r.current, 0);
  EXPECT_EQ(r.longest, 13);
  EXPECT_EQ(newMilestones(r), 0);  // 1st..6th are 6 fresh days; 7th..13th were rewarded
  f.request.nowMs = beijing("2026-11-14", 12);
  f.checkIn("2026-11-14");
  r = f.evaluate();
  ASSERT_EQ(newMilestones(r), 1);  // 1st..6th + 14th: seven fresh days of one streak
  const auto fresh =
      std::find_if(r.milestones.begin(), r.milestones.end(),
                   [](const MilestoneBlock& m) { return m.state == MilestoneState::kNew; });
  EXPECT_EQ(fresh->key, "revisit-voucher-50@2026-11-01");
  EXPECT_EQ(formatDate(fresh->toDay), "2026-11-14");
}

TEST(Streak, FreezeCoversOneMissedDayPerMonthAutomatically) {
  StreakFixture f("2026-11-23");  // default: 1 freeze a month
  f.request.config.makeUpPerMonth = 0;
  f.checkInRange("2026-11-15", "2026-11-19").checkInRange("2026-11-21", "2026-11-23");
  StreakReport r = f.evaluate();
  EXPECT_EQ(statusOn(r, "2026-11-20"), DayStatus::kFrozen);
  EXPECT_EQ(r.current, 8);  // frozen days keep the streak but do not add to it
  EXPECT_EQ(r.freezeRemainingThisMonth, 0);
  // A second miss in the same month is not covered.
  f.request.checkIns.clear();
  f.checkInRange("2026-11-10", "2026-11-12").checkInRange("2026-11-14", "2026-11-16");
  f.checkInRange("2026-11-18", "2026-11-23");
  r = f.evaluate();
  EXPECT_EQ(statusOn(r, "2026-11-13"), DayStatus::kFrozen);
  EXPECT_EQ(statusOn(r, "2026-11-17"), DayStatus::kMissed);
  EXPECT_EQ(r.current, 6);
}

TEST(Streak, FreezeNeedsALiveStreak) {
  StreakFixture f("2026-11-23");
  f.request.config.makeUpPerMonth = 0;
  f.request.hasStartDay = true;
  f.request.startDay = day("2026-11-20");
  f.checkIn("2026-11-22");
  const StreakReport r = f.evaluate();
  EXPECT_EQ(statusOn(r, "2026-11-20"), DayStatus::kMissed);
  EXPECT_EQ(statusOn(r, "2026-11-21"), DayStatus::kMissed);
  EXPECT_EQ(statusOn(r, "2026-11-19"), DayStatus::kNone);
}

TEST(Streak, RestDaysApprovedByTheDoctorKeepTheStreak) {
  StreakFixture f("2026-11-23");
  f.request.config = noAllowances();
  f.checkInRange("2026-11-18", "2026-11-20").checkInRange("2026-11-23", "2026-11-23");
  f.request.restDays = {day("2026-11-21"), day("2026-11-22"), day("2026-11-30")};
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 4);
  EXPECT_EQ(statusOn(r, "2026-11-21"), DayStatus::kRest);
  EXPECT_EQ(statusOn(r, "2026-11-30"), DayStatus::kRest);  // planned ahead
}

TEST(Streak, MakeUpFillsAMissedDayWithinTheWindow) {
  StreakFixture f("2026-11-23");
  f.request.config.freezePerMonth = 0;
  f.checkInRange("2026-11-18", "2026-11-21").checkIn("2026-11-23");
  StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 1);
  ASSERT_EQ(r.makeUpCandidates.size(), 1u);
  EXPECT_EQ(formatDate(r.makeUpCandidates[0]), "2026-11-22");
  f.makeUp("2026-11-22", "2026-11-23");
  r = f.evaluate();
  EXPECT_EQ(r.current, 6);
  EXPECT_EQ(statusOn(r, "2026-11-22"), DayStatus::kMadeUp);
  EXPECT_EQ(r.makeUpRemainingThisMonth, 0);
  EXPECT_TRUE(r.makeUpCandidates.empty());
}

TEST(Streak, MakeUpRulesAreEnforcedWithCodes) {
  StreakFixture f("2026-11-23");
  f.request.config.freezePerMonth = 0;
  f.checkIn("2026-11-10");
  f.makeUp("2026-11-05", "2026-11-23");  // 18 days late, window is 2
  f.makeUp("2026-11-23", "2026-11-23");  // today is not past
  f.makeUp("2026-11-21", "2026-11-23", 9);
  f.makeUp("2026-11-22", "2026-11-23", 11);  // over the month's allowance of 1
  f.makeUp("2026-11-10", "2026-11-11");      // already checked
  const StreakReport r = f.evaluate();
  std::vector<std::string> codes;
  for (const IgnoredCheckIn& i : r.ignored) codes.push_back(i.id + ":" + i.code);
  EXPECT_EQ(codes, (std::vector<std::string>{
                       "m2:streak.makeup_window_passed", "m3:streak.makeup_not_past",
                       "m5:streak.makeup_quota_exceeded", "m6:streak.duplicate_day"}));
  EXPECT_EQ(statusOn(r, "2026-11-21"), DayStatus::kMadeUp);
}

TEST(Streak, FutureAndImplausibleTimestampsAreIgnoredWithReasons) {
  StreakFixture f("2026-11-23", 12);
  f.checkIn("2026-11-23", 11);
  CheckInRecord future{"future", "p1", f.request.nowMs + 11 * kMinute, 9};
  CheckInRecord grace{"grace", "p1", f.request.nowMs + 9 * kMinute, 10};
  CheckInRecord epoch{"epoch", "p1", 0, 11};  // a phone reset to 1970
  CheckInRecord other{"other", "p2", beijing("2026-11-22", 9), 12};
  f.request.checkIns.insert(f.request.checkIns.end(), {future, grace, epoch, other});
  const StreakReport r = f.evaluate();
  std::vector<std::string> codes;
  for (const IgnoredCheckIn& i : r.ignored) codes.push_back(i.id + ":" + i.code);
  EXPECT_EQ(codes, (std::vector<std::string>{
                       "epoch:streak.timestamp_out_of_range", "future:streak.future_timestamp",
                       "grace:streak.duplicate_day", "other:streak.unknown_patient"}));
  EXPECT_EQ(r.total, 1);
}

TEST(Streak, CheckInJustBeforeMidnightWithinToleranceButTomorrowIsFuture) {
  StreakFixture f("2026-11-23", 23);
  f.request.nowMs = beijing("2026-11-23", 23, 55);
  CheckInRecord r{"x", "p1", beijing("2026-11-24", 0, 2), 1};
  f.request.checkIns = {r};
  const StreakReport rep = f.evaluate();
  ASSERT_EQ(rep.ignored.size(), 1u);
  EXPECT_EQ(rep.ignored[0].code, "streak.future_timestamp");
}

TEST(Streak, CheckInsBeforeEnrolmentAreIgnored) {
  StreakFixture f("2026-11-23");
  f.request.hasStartDay = true;
  f.request.startDay = day("2026-11-22");
  f.checkIn("2026-11-21").checkIn("2026-11-22");
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.total, 1);
  ASSERT_EQ(r.ignored.size(), 1u);
  EXPECT_EQ(r.ignored[0].code, "streak.before_start");
}

TEST(Streak, CalendarCrossesMonthAndLeapDay) {
  StreakFixture f("2028-03-01");
  f.checkInRange("2028-02-27", "2028-03-01");
  f.request.hasViewMonth = true;
  f.request.viewMonth = {2028, 2};
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 4);  // 27, 28, 29 Feb and 1 Mar
  ASSERT_EQ(r.calendar.days.size(), 29u);
  EXPECT_EQ(statusOn(r, "2028-02-29"), DayStatus::kChecked);
  EXPECT_EQ(r.calendar.leadingBlankDays, 1u);  // 2028-02-01 is a Tuesday
  EXPECT_TRUE(r.calendar.hasNext);
  EXPECT_FALSE(r.calendar.hasPrevious);
}

TEST(Streak, StreakRunsAcrossNewYear) {
  StreakFixture f("2027-01-02");
  f.checkInRange("2026-12-28", "2027-01-02");
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 6);
  EXPECT_EQ(formatDate(r.currentStart), "2026-12-28");
  EXPECT_TRUE(r.calendar.hasPrevious);
  EXPECT_FALSE(r.calendar.hasNext);
}

TEST(Streak, WeekCanStartOnSunday) {
  StreakFixture f("2026-11-23");
  f.request.config.weekStartsOn = 6;
  EXPECT_EQ(f.evaluate().calendar.leadingBlankDays, 0u);  // 2026-11-01 is a Sunday
  f.request.config.weekStartsOn = 0;
  EXPECT_EQ(f.evaluate().calendar.leadingBlankDays, 6u);
}

TEST(Streak, TenYearsOfDailyCheckInsEvaluate) {
  StreakFixture f("2026-11-23");
  f.checkInRange("2016-11-24", "2026-11-23");
  const StreakReport r = f.evaluate();
  EXPECT_EQ(r.current, 3652);
  EXPECT_EQ(r.total, 3652);
  EXPECT_EQ(newMilestones(r), 3652 / 7);
  EXPECT_EQ(r.progress.done, 3652 % 7);
}

TEST(Streak, SeveralMilestoneRulesPickTheNearestForProgress) {
  StreakFixture f("2026-11-23");
  f.request.config.milestones.push_back({"monthly-checkup", 30, "免费复查一次", 0});
  f.checkInRange("2026-10-20", "2026-11-23");  // 35 days
  const StreakReport r = f.evaluate();
  EXPECT_EQ(newMilestones(r), 6);  // five 7-day blocks and one 30-day block
  EXPECT_EQ(r.progress.ruleId, "revisit-voucher-50");
  EXPECT_EQ(r.progress.remaining, 7);
}

TEST(Streak, BadConfigurationIsAnError) {
  StreakFixture f("2026-11-23");
  f.request.config.milestones.push_back(f.request.config.milestones.front());
  Result<StreakReport> r = evaluateStreak(f.request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "streak.bad_config");
  f.request.config = StreakConfig{};
  f.request.config.milestones[0].everyDays = 0;
  EXPECT_EQ(evaluateStreak(f.request).error().code, "streak.bad_config");
  f.request.config = StreakConfig{};
  f.request.nowMs = 0;
  EXPECT_EQ(evaluateStreak(f.request).error().code, "streak.bad_now");
}

TEST(RecordCheckIn, AcceptsTheFirstCheckInOfTheDay) {
  StreakFixture f("2026-11-23");
  f.checkIn("2026-11-22");
  CheckInRecord today{"t", "p1", f.request.nowMs, 99};
  Result<CheckInDecision> d = recordCheckIn(f.request, today);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value().outcome, CheckInOutcome::kAccepted);
  EXPECT_EQ(d.value().message, "打卡成功");
  EXPECT_EQ(d.value().report.current, 2);
  EXPECT_EQ(formatDate(d.value().day), "2026-11-23");
}

TEST(RecordCheckIn, SecondCheckInTodayIsUnchanged) {
  StreakFixture f("2026-11-23");
  f.checkIn("2026-11-23", 8);
  CheckInRecord again{"again", "p1", f.request.nowMs, 99};
  Result<CheckInDecision> d = recordCheckIn(f.request, again);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value().outcome, CheckInOutcome::kUnchanged);
  EXPECT_EQ(d.value().code, "streak.duplicate_day");
  EXPECT_EQ(d.value().message, "今天已经打过卡了");
}

TEST(RecordCheckIn, RedeliveryIsUnchangedAndAClashingIdIsAnError) {
  StreakFixture f("2026-11-23");
  f.checkIn("2026-11-23", 8, "x");
  Result<CheckInDecision> same = recordCheckIn(f.request, f.request.checkIns[0]);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same.value().code, "streak.duplicate_delivery");
  CheckInRecord clash = f.request.checkIns[0];
  clash.seq += 1;
  Result<CheckInDecision> bad = recordCheckIn(f.request, clash);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "streak.duplicate_id");
}

TEST(RecordCheckIn, RejectsWhatWouldNotCount) {
  StreakFixture f("2026-11-23");
  CheckInRecord future{"f", "p1", f.request.nowMs + 2 * kHour, 1};
  EXPECT_EQ(recordCheckIn(f.request, future).error().code, "streak.future_timestamp");
  CheckInRecord stranger{"s", "p2", f.request.nowMs, 1};
  EXPECT_EQ(recordCheckIn(f.request, stranger).error().code, "streak.unknown_patient");
}

TEST(RecordCheckIn, NeverTakesTheAllowanceFromAStoredMakeUp) {
  StreakFixture f("2026-11-23");
  f.request.config.freezePerMonth = 0;
  f.request.config.makeUpWindowDays = 5;
  f.checkIn("2026-11-18").checkIn("2026-11-20").checkIn("2026-11-23");
  f.makeUp("2026-11-21", "2026-11-22");  // stored, uses November's one make-up
  CheckInRecord older{"older",          "p1", beijing("2026-11-22", 8), 0, CheckInKind::kMakeUp,
                      day("2026-11-19")};  // recorded earlier offline, arrives late
  Result<CheckInDecision> d = recordCheckIn(f.request, older);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "streak.makeup_quota_exceeded");
}

}  // namespace
}  // namespace carecircle
