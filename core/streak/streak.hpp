// Rehab check-in streaks (docs/api/streak.md; G4 in docs/compliance.md).
//
// evaluateStreak() is a pure function of a patient's whole check-in history:
// the result never depends on the order in which offline check-ins arrive,
// and evaluating the same history twice gives the same bytes. Days are civil
// days in the programme's zone (see civil_date.hpp); "now" is an input.
//
// Rules, in order of precedence for one civil day D up to today:
//  1. checked   — at least one accepted check-in falls on D (several = one).
//  2. madeUp    — a make-up (补签) for D was accepted: recorded within
//                 makeUp.windowDays after D, within the per-month allowance
//                 (counted in D's month, granted in (date, time, seq, id) order).
//  3. rest      — a doctor-approved rest day: keeps a streak, does not add to it.
//  4. frozen    — a missed day inside a live streak, covered automatically by
//                 the month's streak-freeze allowance: keeps, does not add.
//  5. missed    — anything else before today; it ends the streak.
// Today without a check-in is "today", not missed: a streak stays alive until
// the end of the first day without a check-in.
//
// Milestones (default: every 7 counted days → 50元复诊抵用券) are cut from a
// live streak in blocks of consecutive counted days. A day inside an already
// granted block (passed back in `granted`) is never counted again, so a
// reward is never issued twice for the same days even when a late offline
// check-in joins two streaks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/civil_date.hpp"
#include "common/error.hpp"

namespace carecircle {

struct MilestoneRule {
  std::string id = "revisit-voucher-50";  // stable; part of each grant's key
  int everyDays = 7;                      // 1..366 counted days per block
  std::string rewardTitle = "50元复诊抵用券";
  std::int64_t rewardValueFen = 5000;  // money is integer fen
};

struct StreakConfig {
  int utcOffsetMinutes = 480;               // programme zone, minutes east of UTC
  std::int64_t futureToleranceMs = 600000;  // device clocks run fast: 10 min grace
  int weekStartsOn = 0;                     // calendar grid: 0 = Monday, 6 = Sunday
  int makeUpPerMonth = 1;                   // 补签 allowance per calendar month, 0..31
  int makeUpWindowDays = 2;                 // a make-up may fill day D until D + window
  int freezePerMonth = 1;                   // automatic streak freezes per month, 0..31
  std::vector<MilestoneRule> milestones = {MilestoneRule{}};
};

enum class CheckInKind { kNormal, kMakeUp };

// One check-in as recorded by a device or the server. Offline devices stamp
// atMs with their own (skew-corrected) clock and a per-device sequence number.
struct CheckInRecord {
  std::string id;         // unique per check-in (1..128 bytes)
  std::string patientId;  // must equal the request's patient
  std::int64_t atMs = 0;  // when it was recorded, epoch ms UTC
  std::int64_t seq = 0;   // device sequence number, tie-breaker only
  CheckInKind kind = CheckInKind::kNormal;
  DayNumber forDay = 0;  // make-ups only: the missed day being filled
};

struct GrantedMilestone {
  std::string ruleId;
  DayNumber fromDay = 0;  // inclusive
  DayNumber toDay = 0;    // inclusive
};

struct StreakRequest {
  std::int64_t nowMs = 0;    // trusted "now" (server time, or device time in demo)
  bool deviceClock = false;  // true when nowMs comes from the device (offline demo)
  std::string patientId;
  StreakConfig config;
  bool hasStartDay = false;  // programme enrolment; days before it are "none"
  DayNumber startDay = 0;
  std::vector<CheckInRecord> checkIns;
  std::vector<DayNumber> restDays;  // doctor-approved, from the server
  std::vector<GrantedMilestone> granted;
  bool hasViewMonth = false;  // calendar month to show; default: today's month
  YearMonth viewMonth;
};

enum class DayStatus { kNone, kChecked, kMadeUp, kRest, kFrozen, kMissed, kToday, kFuture };
const char* dayStatusName(DayStatus status);

struct CalendarDay {
  DayNumber day = 0;
  DayStatus status = DayStatus::kNone;
  bool isToday = false;
  bool canMakeUp = false;  // a make-up for this day would be accepted now
};

struct CalendarMonth {
  YearMonth month;
  unsigned leadingBlankDays = 0;  // empty grid cells before day 1 (weekStartsOn)
  std::vector<CalendarDay> days;
  bool hasPrevious = false;  // the previous month has any history to show
  bool hasNext = false;      // false when the next month is entirely in the future
};

enum class MilestoneState { kGranted, kNew };

struct MilestoneBlock {
  std::string ruleId;
  std::string key;  // "<ruleId>@<fromDate>": idempotency key for issuing the reward
  DayNumber fromDay = 0;
  DayNumber toDay = 0;
  MilestoneState state = MilestoneState::kNew;
  std::string rewardTitle;
  std::int64_t rewardValueFen = 0;
};

struct MilestoneProgress {
  std::string ruleId;
  int done = 0;       // counted days in the current block
  int needed = 0;     // days per block
  int remaining = 0;  // needed - done
  std::string text;   // e.g. "再坚持2天可得50元复诊抵用券"
};

// A check-in that did not count, with why. Not an Error: the rest counted.
struct IgnoredCheckIn {
  std::string id;
  std::string code;  // streak.duplicate_day, streak.future_timestamp, ...
  std::string message;
};

struct StreakReport {
  std::string patientId;
  DayNumber today = 0;
  bool deviceClock = false;
  int current = 0;  // counted days in the live streak (0 when broken)
  int longest = 0;
  int total = 0;  // checked + made-up days ever
  bool checkedInToday = false;
  bool alive = false;   // current > 0
  bool atRisk = false;  // alive, but today not yet checked in
  bool hasCurrentStart = false;
  DayNumber currentStart = 0;
  int makeUpRemainingThisMonth = 0;
  int freezeRemainingThisMonth = 0;
  std::vector<DayNumber> makeUpCandidates;  // missed days a make-up could fill now
  std::vector<int> makeUpRemaining;         // per candidate: allowance left in its month
  std::vector<MilestoneBlock> milestones;   // granted (echoed) and new, by date
  bool hasProgress = false;
  MilestoneProgress progress;
  std::string statusText;  // headline, e.g. "今日已打卡 · 已连续5天"
  CalendarMonth calendar;
  std::vector<IgnoredCheckIn> ignored;  // sorted by id, then code
};

// Evaluates a patient's streak. Errors (request-level only): streak.bad_config,
// streak.bad_now. Problems with single check-ins are reported in `ignored`.
Result<StreakReport> evaluateStreak(const StreakRequest& request);

enum class CheckInOutcome { kAccepted, kUnchanged };

struct CheckInDecision {
  CheckInOutcome outcome = CheckInOutcome::kAccepted;
  std::string code;  // "" when accepted; streak.duplicate_day / streak.duplicate_delivery
  std::string message;
  DayNumber day = 0;    // the civil day the check-in counts for
  StreakReport report;  // the streak with the new check-in applied
};

// Decides whether `candidate` may be stored on top of `history.checkIns`.
// Accepted or unchanged (same day again, same delivery twice) → a decision;
// anything that would be ignored for a reason → that reason as an Error
// (streak.future_timestamp, streak.makeup_quota_exceeded, ...), so the shell
// stores only what counts and nothing already stored is touched.
Result<CheckInDecision> recordCheckIn(const StreakRequest& history, const CheckInRecord& candidate);

}  // namespace carecircle
