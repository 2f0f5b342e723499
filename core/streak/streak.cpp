#include "streak/streak.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_set>

namespace carecircle {
namespace {

constexpr std::int64_t kMaxToleranceMs = 86'400'000;
constexpr std::size_t kMaxMilestoneRules = 16;
constexpr int kMaxEveryDays = 366;
constexpr int kMaxMonthlyAllowance = 31;

std::string daysText(int n) {
  return std::to_string(n) + "天";
}

IgnoredCheckIn ignoredFor(const CheckInRecord& r, const char* code, std::string message) {
  return IgnoredCheckIn{r.id, code, std::move(message)};
}

std::optional<Error> validateConfig(const StreakConfig& c) {
  auto bad = [](std::string message) {
    return Error{"streak.bad_config", std::move(message), "/config"};
  };
  if (c.utcOffsetMinutes < -kMaxUtcOffsetMinutes || c.utcOffsetMinutes > kMaxUtcOffsetMinutes)
    return bad("时区偏移必须在 UTC-14：00 到 UTC+14：00 之间");
  if (c.futureToleranceMs < 0 || c.futureToleranceMs > kMaxToleranceMs)
    return bad("时间容差必须在0到24小时之间");
  if (c.weekStartsOn != 0 && c.weekStartsOn != 6) return bad("每周起始日只能是周一或周日");
  if (c.makeUpPerMonth < 0 || c.makeUpPerMonth > kMaxMonthlyAllowance || c.freezePerMonth < 0 ||
      c.freezePerMonth > kMaxMonthlyAllowance)
    return bad("每月补签或保护次数必须在0到31之间");
  if (c.makeUpWindowDays < 0 || c.makeUpWindowDays > 31) return bad("补签期限必须在0到31天之间");
  if (c.milestones.size() > kMaxMilestoneRules) return bad("里程碑奖励规则过多（上限16条）");
  std::set<std::string> ids;
  for (const MilestoneRule& rule : c.milestones) {
    if (rule.id.empty() || !ids.insert(rule.id).second) return bad("里程碑规则编号为空或重复");
    if (rule.everyDays < 1 || rule.everyDays > kMaxEveryDays)
      return bad("里程碑天数必须在1到366之间");
    if (rule.rewardValueFen < 0) return bad("奖励面额不能为负数");
  }
  return std::nullopt;
}

// Sorted, merged day ranges already rewarded for one rule; queried with
// increasing days, so a cursor makes the whole walk linear.
class Coverage {
 public:
  void add(DayNumber from, DayNumber to) { ranges_.emplace_back(from, to); }
  void seal() {
    std::sort(ranges_.begin(), ranges_.end());
    std::vector<std::pair<DayNumber, DayNumber>> merged;
    for (const auto& r : ranges_) {
      if (!merged.empty() && r.first <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, r.second);
      } else {
        merged.push_back(r);
      }
    }
    ranges_ = std::move(merged);
  }
  bool covers(DayNumber d) {  // precondition: d never decreases between calls
    while (cursor_ < ranges_.size() && ranges_[cursor_].second < d) ++cursor_;
    return cursor_ < ranges_.size() && ranges_[cursor_].first <= d;
  }

 private:
  std::vector<std::pair<DayNumber, DayNumber>> ranges_;
  std::size_t cursor_ = 0;
};

auto contentKey(const CheckInRecord& r) {
  return std::tie(r.atMs, r.seq, r.kind, r.forDay, r.patientId);
}

}  // namespace

const char* dayStatusName(DayStatus status) {
  switch (status) {
    case DayStatus::kNone:
      return "none";
    case DayStatus::kChecked:
      return "checked";
    case DayStatus::kMadeUp:
      return "madeUp";
    case DayStatus::kRest:
      return "rest";
    case DayStatus::kFrozen:
      return "frozen";
    case DayStatus::kMissed:
      return "missed";
    case DayStatus::kToday:
      return "today";
    case DayStatus::kFuture:
      return "future";
  }
  return "none";
}

Result<StreakReport> evaluateStreak(const StreakRequest& request) {
  const StreakConfig& config = request.config;
  if (auto error = validateConfig(config)) return *error;
  if (request.nowMs < kMinInstantMs || request.nowMs > kMaxInstantMs - kMaxToleranceMs) {
    return Error{"streak.bad_now", "当前时间无效", "/nowMs"};
  }
  if (request.patientId.empty()) {
    return Error{"input.missing_field", "缺少患者编号", "/patientId"};
  }

  const int offset = config.utcOffsetMinutes;
  const DayNumber today = civilDayOf(request.nowMs, offset);
  StreakReport report;
  report.patientId = request.patientId;
  report.today = today;
  report.deviceClock = request.deviceClock;

  // 1. One record per id. Replays of the same delivery are dropped silently;
  //    two different records under one id keep the earliest (a total order on
  //    content, so arrival order cannot matter) and report the rest.
  std::vector<const CheckInRecord*> records;
  records.reserve(request.checkIns.size());
  for (const CheckInRecord& r : request.checkIns) records.push_back(&r);
  std::sort(records.begin(), records.end(), [](const CheckInRecord* a, const CheckInRecord* b) {
    return std::tie(a->id, a->atMs, a->seq, a->kind, a->forDay, a->patientId) <
           std::tie(b->id, b->atMs, b->seq, b->kind, b->forDay, b->patientId);
  });
  std::vector<const CheckInRecord*> unique;
  unique.reserve(records.size());
  for (const CheckInRecord* r : records) {
    if (!unique.empty() && unique.back()->id == r->id) {
      if (contentKey(*unique.back()) != contentKey(*r)) {
        report.ignored.push_back(
            ignoredFor(*r, "streak.duplicate_id", "同一编号的打卡记录内容不一致，仅保留最早一条"));
      }
      continue;
    }
    unique.push_back(r);
  }

  // 2. Per-record checks; normal check-ins mark their civil day.
  const std::set<DayNumber> restDays(request.restDays.begin(), request.restDays.end());
  std::vector<std::pair<DayNumber, const CheckInRecord*>> normals;
  std::vector<const CheckInRecord*> makeUps;
  for (const CheckInRecord* r : unique) {
    if (r->patientId != request.patientId) {
      report.ignored.push_back(ignoredFor(*r, "streak.unknown_patient", "这条打卡不属于当前用户"));
      continue;
    }
    if (r->atMs > request.nowMs + config.futureToleranceMs) {
      report.ignored.push_back(ignoredFor(*r, "streak.future_timestamp",
                                          "打卡时间晚于当前时间，请检查手机的日期和时间设置"));
      continue;
    }
    if (r->atMs < kMinInstantMs) {
      report.ignored.push_back(ignoredFor(*r, "streak.timestamp_out_of_range",
                                          "打卡时间无效，请检查手机的日期和时间设置"));
      continue;
    }
    const DayNumber recordDay = civilDayOf(r->atMs, offset);
    if (recordDay > today) {  // within tolerance, but already tomorrow locally
      report.ignored.push_back(ignoredFor(*r, "streak.future_timestamp",
                                          "打卡时间晚于当前时间，请检查手机的日期和时间设置"));
      continue;
    }
    const DayNumber day = r->kind == CheckInKind::kMakeUp ? r->forDay : recordDay;
    if (request.hasStartDay && day < request.startDay) {
      report.ignored.push_back(
          ignoredFor(*r, "streak.before_start", "打卡日期早于康复计划开始日期"));
      continue;
    }
    if (r->kind == CheckInKind::kMakeUp) {
      makeUps.push_back(r);
    } else {
      normals.emplace_back(day, r);
    }
  }
  // Several check-ins on one day count once; the earliest represents the day.
  std::sort(normals.begin(), normals.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.second->atMs, a.second->seq, a.second->id) <
           std::tie(b.first, b.second->atMs, b.second->seq, b.second->id);
  });
  std::unordered_set<DayNumber> checked;
  for (const auto& [day, r] : normals) {
    if (!checked.insert(day).second) {
      report.ignored.push_back(ignoredFor(*r, "streak.duplicate_day", "这一天已经打过卡了"));
    }
  }

  // 3. Make-ups, first recorded first served, against each month's allowance.
  std::sort(makeUps.begin(), makeUps.end(), [](const CheckInRecord* a, const CheckInRecord* b) {
    return std::tie(a->atMs, a->seq, a->id) < std::tie(b->atMs, b->seq, b->id);
  });
  std::unordered_set<DayNumber> madeUp;
  std::map<int, int> makeUpsUsed;  // monthKey → accepted make-ups for days in that month
  for (const CheckInRecord* r : makeUps) {
    const DayNumber recordDay = civilDayOf(r->atMs, offset);
    const int month = monthKey(yearMonthOf(r->forDay));
    if (r->forDay >= recordDay) {
      report.ignored.push_back(
          ignoredFor(*r, "streak.makeup_not_past", "只能为已经过去的日期补签"));
    } else if (recordDay - r->forDay > config.makeUpWindowDays) {
      report.ignored.push_back(ignoredFor(
          *r, "streak.makeup_window_passed",
          "已超过补签期限（漏打卡后" + daysText(config.makeUpWindowDays) + "内可补签）"));
    } else if (checked.count(r->forDay) || madeUp.count(r->forDay) || restDays.count(r->forDay)) {
      report.ignored.push_back(ignoredFor(*r, "streak.duplicate_day", "这一天已经记录过了"));
    } else if (makeUpsUsed[month] >= config.makeUpPerMonth) {
      report.ignored.push_back(
          ignoredFor(*r, "streak.makeup_quota_exceeded",
                     "本月补签次数已用完（每月" + std::to_string(config.makeUpPerMonth) + "次）"));
    } else {
      madeUp.insert(r->forDay);
      ++makeUpsUsed[month];
    }
  }
  std::sort(report.ignored.begin(), report.ignored.end(),
            [](const IgnoredCheckIn& a, const IgnoredCheckIn& b) {
              return std::tie(a.id, a.code) < std::tie(b.id, b.code);
            });

  // 4. Walk the civil days from the first one with history to today.
  DayNumber firstDay = today;
  for (DayNumber d : checked) firstDay = std::min(firstDay, d);
  for (DayNumber d : madeUp) firstDay = std::min(firstDay, d);
  if (request.hasStartDay) firstDay = std::min(firstDay, request.startDay);

  const std::size_t ruleCount = config.milestones.size();
  std::vector<Coverage> coverage(ruleCount);
  for (const GrantedMilestone& g : request.granted) {
    for (std::size_t i = 0; i < ruleCount; ++i) {
      if (config.milestones[i].id == g.ruleId) coverage[i].add(g.fromDay, g.toDay);
    }
  }
  for (Coverage& c : coverage) c.seal();

  std::vector<int> blockDays(ruleCount, 0);
  std::vector<DayNumber> blockStart(ruleCount, 0);
  std::vector<MilestoneBlock> earned;
  std::map<int, int> freezesUsed;
  std::vector<DayStatus> statuses;
  statuses.reserve(static_cast<std::size_t>(today - firstDay) + 1);
  bool active = false;
  int runLength = 0;
  DayNumber runStart = 0;

  for (DayNumber d = firstDay; d <= today; ++d) {
    DayStatus status;
    const bool isChecked = checked.count(d) > 0;
    if (isChecked || madeUp.count(d)) {
      status = isChecked ? DayStatus::kChecked : DayStatus::kMadeUp;
      if (!active) {
        active = true;
        runStart = d;
        runLength = 0;
        std::fill(blockDays.begin(), blockDays.end(), 0);
      }
      ++runLength;
      ++report.total;
      report.longest = std::max(report.longest, runLength);
      for (std::size_t i = 0; i < ruleCount; ++i) {
        // A day inside a granted block never counts again; it neither adds to
        // nor resets the open block, so joining two streaks loses nothing.
        if (coverage[i].covers(d)) continue;
        if (blockDays[i] == 0) blockStart[i] = d;
        if (++blockDays[i] == config.milestones[i].everyDays) {
          const MilestoneRule& rule = config.milestones[i];
          earned.push_back(MilestoneBlock{rule.id, rule.id + "@" + formatDate(blockStart[i]),
                                          blockStart[i], d, MilestoneState::kNew, rule.rewardTitle,
                                          rule.rewardValueFen});
          blockDays[i] = 0;
        }
      }
    } else if (restDays.count(d)) {
      status = DayStatus::kRest;
    } else if (d == today) {
      status = DayStatus::kToday;
    } else if (active && freezesUsed[monthKey(yearMonthOf(d))] < config.freezePerMonth) {
      status = DayStatus::kFrozen;
      ++freezesUsed[monthKey(yearMonthOf(d))];
    } else {
      status = DayStatus::kMissed;
      active = false;
      runLength = 0;
      std::fill(blockDays.begin(), blockDays.end(), 0);
    }
    statuses.push_back(status);
  }

  report.checkedInToday = statuses.back() == DayStatus::kChecked;
  report.alive = active;
  report.current = active ? runLength : 0;
  report.hasCurrentStart = active;
  report.currentStart = active ? runStart : 0;
  report.atRisk = active && statuses.back() == DayStatus::kToday;
  const int thisMonth = monthKey(yearMonthOf(today));
  report.makeUpRemainingThisMonth = std::max(0, config.makeUpPerMonth - makeUpsUsed[thisMonth]);
  report.freezeRemainingThisMonth = std::max(0, config.freezePerMonth - freezesUsed[thisMonth]);

  auto statusOf = [&](DayNumber d) {
    if (d > today) return restDays.count(d) ? DayStatus::kRest : DayStatus::kFuture;
    if (d < firstDay) return restDays.count(d) ? DayStatus::kRest : DayStatus::kNone;
    return statuses[static_cast<std::size_t>(d - firstDay)];
  };
  std::unordered_set<DayNumber> candidates;
  for (DayNumber d = std::max(firstDay, today - config.makeUpWindowDays); d < today; ++d) {
    if (statusOf(d) == DayStatus::kMissed &&
        makeUpsUsed[monthKey(yearMonthOf(d))] < config.makeUpPerMonth) {
      report.makeUpCandidates.push_back(d);
      report.makeUpRemaining.push_back(config.makeUpPerMonth -
                                       makeUpsUsed[monthKey(yearMonthOf(d))]);
      candidates.insert(d);
    }
  }

  // 5. Milestones: the granted ones echoed, then the new ones, by date.
  for (const GrantedMilestone& g : request.granted) {
    MilestoneBlock block{g.ruleId,
                         g.ruleId + "@" + formatDate(g.fromDay),
                         g.fromDay,
                         g.toDay,
                         MilestoneState::kGranted,
                         "",
                         0};
    for (const MilestoneRule& rule : config.milestones) {
      if (rule.id == g.ruleId) {
        block.rewardTitle = rule.rewardTitle;
        block.rewardValueFen = rule.rewardValueFen;
      }
    }
    report.milestones.push_back(std::move(block));
  }
  report.milestones.insert(report.milestones.end(), earned.begin(), earned.end());
  std::sort(report.milestones.begin(), report.milestones.end(),
            [](const MilestoneBlock& a, const MilestoneBlock& b) {
              return std::tie(a.fromDay, a.ruleId, a.toDay, a.state) <
                     std::tie(b.fromDay, b.ruleId, b.toDay, b.state);
            });
  report.milestones.erase(
      std::unique(report.milestones.begin(), report.milestones.end(),
                  [](const MilestoneBlock& a, const MilestoneBlock& b) { return a.key == b.key; }),
      report.milestones.end());

  // 6. Progress to the nearest milestone and the headline.
  for (std::size_t i = 0; i < ruleCount; ++i) {
    const MilestoneRule& rule = config.milestones[i];
    const int done = active ? blockDays[i] : 0;
    const int remaining = rule.everyDays - done;
    if (!report.hasProgress || remaining < report.progress.remaining) {
      report.hasProgress = true;
      report.progress = MilestoneProgress{rule.id, done, rule.everyDays, remaining, ""};
      report.progress.text =
          active ? "再坚持" + daysText(remaining) + "可得" + rule.rewardTitle
                 : "连续打卡" + daysText(rule.everyDays) + "可得" + rule.rewardTitle;
    }
  }
  const std::string streakText = "已连续" + daysText(report.current);
  if (report.checkedInToday) {
    report.statusText = "今日已打卡 · " + streakText;
  } else if (active && statuses.back() == DayStatus::kRest) {
    report.statusText = "今天是医生批准的休息日 · " + streakText;
  } else if (active) {
    report.statusText = streakText + " · 今天还没打卡";
  } else if (report.total > 0) {
    report.statusText = "连续记录已中断，今天重新开始吧";
  } else {
    report.statusText = "今天完成第一次打卡吧";
  }

  // 7. The month calendar.
  const YearMonth shown = request.hasViewMonth ? request.viewMonth : yearMonthOf(today);
  CalendarMonth& calendar = report.calendar;
  calendar.month = shown;
  const DayNumber monthStart = firstDayOf(shown);
  const auto weekStart = static_cast<unsigned>(config.weekStartsOn == 6 ? 6 : 0);
  calendar.leadingBlankDays = (isoWeekdayIndex(monthStart) + 7 - weekStart) % 7;
  const unsigned length = daysIn(shown);
  calendar.days.reserve(length);
  for (unsigned i = 0; i < length; ++i) {
    const DayNumber d = monthStart + static_cast<DayNumber>(i);
    calendar.days.push_back(CalendarDay{d, statusOf(d), d == today, candidates.count(d) > 0});
  }
  const bool hasHistory = report.total > 0 || request.hasStartDay;
  calendar.hasPrevious = hasHistory && monthStart > firstDay && shown.year > 1970;
  calendar.hasNext = firstDayOf(nextMonth(shown)) <= today && shown.year < 2199;
  return report;
}

Result<CheckInDecision> recordCheckIn(const StreakRequest& history,
                                      const CheckInRecord& candidate) {
  Result<StreakReport> before = evaluateStreak(history);
  if (!before.ok()) return before.error();

  for (const CheckInRecord& r : history.checkIns) {
    if (r.id != candidate.id) continue;
    if (contentKey(r) != contentKey(candidate)) {
      return Error{"streak.duplicate_id", "这条打卡的编号已被另一条记录使用", "/checkIn/id"};
    }
    CheckInDecision same;
    same.outcome = CheckInOutcome::kUnchanged;
    same.code = "streak.duplicate_delivery";
    same.message = "这条打卡已经记录过了";
    same.day = candidate.kind == CheckInKind::kMakeUp
                   ? candidate.forDay
                   : civilDayOf(std::clamp(candidate.atMs, kMinInstantMs, kMaxInstantMs),
                                history.config.utcOffsetMinutes);
    same.report = std::move(before).value();
    return same;
  }

  StreakRequest after = history;
  after.checkIns.push_back(candidate);
  Result<StreakReport> evaluated = evaluateStreak(after);
  if (!evaluated.ok()) return evaluated.error();
  StreakReport report = std::move(evaluated).value();

  CheckInDecision decision;
  decision.day = candidate.kind == CheckInKind::kMakeUp
                     ? candidate.forDay
                     : civilDayOf(std::clamp(candidate.atMs, kMinInstantMs, kMaxInstantMs),
                                  history.config.utcOffsetMinutes);
  for (const IgnoredCheckIn& ignored : report.ignored) {
    if (ignored.id != candidate.id) continue;
    if (ignored.code == "streak.duplicate_day") {
      decision.outcome = CheckInOutcome::kUnchanged;
      decision.code = ignored.code;
      decision.message = candidate.kind == CheckInKind::kMakeUp ? "这一天已经记录过了，无需补签"
                                                                : "今天已经打过卡了";
      decision.report = std::move(report);
      return decision;
    }
    return Error{ignored.code, ignored.message, "/checkIn"};
  }
  // Nothing already stored may stop counting because of the newcomer (e.g. an
  // older make-up losing the month's allowance to it).
  auto countsLost = [](const StreakReport& r) {
    return std::count_if(r.ignored.begin(), r.ignored.end(), [](const IgnoredCheckIn& i) {
      return i.code != "streak.duplicate_day";  // a duplicate day still counts once
    });
  };
  if (countsLost(report) != countsLost(before.value())) {
    return Error{
        "streak.makeup_quota_exceeded",
        "本月补签次数已用完（每月" + std::to_string(history.config.makeUpPerMonth) + "次）",
        "/checkIn"};
  }
  decision.outcome = CheckInOutcome::kAccepted;
  decision.message = candidate.kind == CheckInKind::kMakeUp ? "补签成功" : "打卡成功";
  decision.report = std::move(report);
  return decision;
}

}  // namespace carecircle
