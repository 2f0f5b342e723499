#include "streak/streak_json.hpp"

#include <cstdint>

#include "common/json_io.hpp"
#include "common/json_writer.hpp"
#include "streak/streak.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::size_t kMaxCheckIns = 50'000;  // 10 years daily with replays fits 5×
constexpr std::size_t kMaxRestDays = 5'000;
constexpr std::size_t kMaxGranted = 5'000;
constexpr std::size_t kMaxIdBytes = 128;
using json_io::kMaxJsonSafeInt;
constexpr DayNumber kMaxGrantedSpanDays = 3'660;

DayNumber readDate(const Json& object, const char* key, const std::string& path) {
  std::string text;
  json_io::readString(object, key, path, 16, text, true);
  const auto day = parseDate(text);
  if (!day) fail("input.bad_date", "日期格式应为 YYYY-MM-DD 且为真实日期", childPath(path, key));
  return *day;
}

void decodeConfig(const Json& j, const std::string& path, StreakConfig& c) {
  json_io::requireObject(j, path);
  std::int64_t n = 0;
  if (json_io::readInt(j, "utcOffsetMinutes", path, -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes, n))
    c.utcOffsetMinutes = static_cast<int>(n);
  if (json_io::readInt(j, "futureToleranceMs", path, 0, 86'400'000, n)) c.futureToleranceMs = n;
  std::string weekStart;
  if (json_io::readString(j, "weekStartsOn", path, 16, weekStart)) {
    if (weekStart == "monday")
      c.weekStartsOn = 0;
    else if (weekStart == "sunday")
      c.weekStartsOn = 6;
    else
      fail("input.bad_enum", "weekStartsOn 只能是 monday 或 sunday",
           childPath(path, "weekStartsOn"));
  }
  if (j.contains("makeUp") && !j.at("makeUp").is_null()) {
    const std::string p = childPath(path, "makeUp");
    const Json& m = json_io::requireObject(j.at("makeUp"), p);
    if (json_io::readInt(m, "perMonth", p, 0, 31, n)) c.makeUpPerMonth = static_cast<int>(n);
    if (json_io::readInt(m, "windowDays", p, 0, 31, n)) c.makeUpWindowDays = static_cast<int>(n);
  }
  if (j.contains("freeze") && !j.at("freeze").is_null()) {
    const std::string p = childPath(path, "freeze");
    const Json& f = json_io::requireObject(j.at("freeze"), p);
    if (json_io::readInt(f, "perMonth", p, 0, 31, n)) c.freezePerMonth = static_cast<int>(n);
  }
  if (j.contains("milestones") && !j.at("milestones").is_null()) {
    const std::string p = childPath(path, "milestones");
    const Json& list = json_io::requireArray(j.at("milestones"), p, 16);
    c.milestones.clear();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string ip = childPath(p, i);
      const Json& m = json_io::requireObject(list[i], ip);
      MilestoneRule rule;
      json_io::readString(m, "id", ip, kMaxIdBytes, rule.id, true);
      if (json_io::readInt(m, "everyDays", ip, 1, 366, n)) rule.everyDays = static_cast<int>(n);
      json_io::readString(m, "rewardTitle", ip, 256, rule.rewardTitle);
      json_io::readInt(m, "rewardValueFen", ip, 0, 100'000'000, rule.rewardValueFen);
      c.milestones.push_back(std::move(rule));
    }
  }
}

CheckInRecord decodeCheckIn(const Json& j, const std::string& path) {
  json_io::requireObject(j, path);
  CheckInRecord r;
  json_io::readString(j, "id", path, kMaxIdBytes, r.id, true);
  json_io::readString(j, "patientId", path, kMaxIdBytes, r.patientId, true);
  // Any JS-safe integer is accepted here; implausible instants (a phone reset
  // to 1970) are reported per check-in by the rules, not as a request error.
  json_io::readInt(j, "atMs", path, 0, kMaxJsonSafeInt, r.atMs, true);
  json_io::readInt(j, "seq", path, 0, kMaxJsonSafeInt, r.seq);
  std::string kind;
  if (json_io::readString(j, "kind", path, 16, kind)) {
    if (kind == "makeUp")
      r.kind = CheckInKind::kMakeUp;
    else if (kind != "normal")
      fail("input.bad_enum", "kind 只能是 normal 或 makeUp", childPath(path, "kind"));
  }
  if (r.kind == CheckInKind::kMakeUp) r.forDay = readDate(j, "forDate", path);
  return r;
}

StreakRequest decodeRequest(const Json& j) {
  StreakRequest r;
  const std::string root;
  json_io::readInt(j, "nowMs", root, 0, kMaxJsonSafeInt, r.nowMs, true);
  std::string clock;
  if (json_io::readString(j, "clock", root, 16, clock)) {
    if (clock == "device")
      r.deviceClock = true;
    else if (clock != "server")
      fail("input.bad_enum", "clock 只能是 server 或 device", "/clock");
  }
  json_io::readString(j, "patientId", root, kMaxIdBytes, r.patientId, true);
  if (j.contains("config") && !j.at("config").is_null())
    decodeConfig(j.at("config"), "/config", r.config);
  if (j.contains("startDate") && !j.at("startDate").is_null()) {
    r.hasStartDay = true;
    r.startDay = readDate(j, "startDate", root);
  }
  if (!j.contains("checkIns")) fail("input.missing_field", "缺少必填字段 checkIns", "/checkIns");
  const Json& checkIns = json_io::requireArray(j.at("checkIns"), "/checkIns", kMaxCheckIns);
  r.checkIns.reserve(checkIns.size());
  for (std::size_t i = 0; i < checkIns.size(); ++i) {
    r.checkIns.push_back(decodeCheckIn(checkIns[i], childPath("/checkIns", i)));
  }
  if (j.contains("restDays") && !j.at("restDays").is_null()) {
    const Json& list = json_io::requireArray(j.at("restDays"), "/restDays", kMaxRestDays);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = childPath("/restDays", i);
      if (!list[i].is_string()) fail("input.wrong_type", "休息日应为 YYYY-MM-DD 字符串", p);
      const auto day = parseDate(list[i].get_ref<const std::string&>());
      if (!day) fail("input.bad_date", "日期格式应为 YYYY-MM-DD 且为真实日期", p);
      r.restDays.push_back(*day);
    }
  }
  if (j.contains("granted") && !j.at("granted").is_null()) {
    const Json& list = json_io::requireArray(j.at("granted"), "/granted", kMaxGranted);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = childPath("/granted", i);
      json_io::requireObject(list[i], p);
      GrantedMilestone g;
      json_io::readString(list[i], "ruleId", p, kMaxIdBytes, g.ruleId, true);
      g.fromDay = readDate(list[i], "fromDate", p);
      g.toDay = readDate(list[i], "toDate", p);
      if (g.toDay < g.fromDay || g.toDay - g.fromDay > kMaxGrantedSpanDays) {
        fail("input.out_of_range", "奖励区间无效（结束日期早于开始日期或跨度过大）", p);
      }
      r.granted.push_back(std::move(g));
    }
  }
  std::string month;
  if (json_io::readString(j, "viewMonth", root, 16, month)) {
    const auto ym = parseYearMonth(month);
    if (!ym) fail("input.bad_date", "月份格式应为 YYYY-MM", "/viewMonth");
    r.hasViewMonth = true;
    r.viewMonth = *ym;
  }
  return r;
}

// "11月21日": the shell shows dates as the core labels them.
std::string dayLabel(DayNumber d) {
  const YearMonth ym = yearMonthOf(d);
  return std::to_string(ym.month) + "月" + std::to_string(d - firstDayOf(ym) + 1) + "日";
}

const char* weekdayLabel(unsigned isoIndex) {
  static const char* const kLabels[] = {"一", "二", "三", "四", "五", "六", "日"};
  return kLabels[isoIndex % 7];
}

// Keys in ascending byte order in every object: the order of the
// std::map-backed objects these replies were first defined by.
void writeCalendar(JsonWriter& w, const CalendarMonth& c, int weekStartsOn) {
  w.beginObject();
  w.key("days");
  w.beginArray();
  for (const CalendarDay& d : c.days) {
    w.beginObject();
    w.field("canMakeUp", d.canMakeUp);
    w.field("date", formatDate(d.day));
    w.field("day", static_cast<std::int64_t>(d.day - c.days.front().day + 1));
    w.field("isToday", d.isToday);
    w.field("label", dayLabel(d.day));
    w.field("status", dayStatusName(d.status));
    w.endObject();
  }
  w.endArray();
  w.field("hasNext", c.hasNext);
  w.field("hasPrevious", c.hasPrevious);
  w.field("leadingBlankDays", static_cast<std::int64_t>(c.leadingBlankDays));
  w.key("legend");
  w.beginArray();
  for (const auto& [status, label] : {std::pair{DayStatus::kChecked, "已打卡"},
                                      {DayStatus::kMadeUp, "已补签"},
                                      {DayStatus::kRest, "休息日"},
                                      {DayStatus::kFrozen, "断签保护"},
                                      {DayStatus::kMissed, "未打卡"},
                                      {DayStatus::kToday, "今天"}}) {
    w.beginObject();
    w.field("label", label);
    w.field("status", dayStatusName(status));
    w.endObject();
  }
  w.endArray();
  w.field("month", formatYearMonth(c.month));
  w.field("nextMonth", formatYearMonth(nextMonth(c.month)));
  w.field("previousMonth", formatYearMonth(previousMonth(c.month)));
  w.field("title", std::to_string(c.month.year) + "年" + std::to_string(c.month.month) + "月");
  w.key("weekdayLabels");
  w.beginArray();
  for (unsigned i = 0; i < 7; ++i) w.value(weekdayLabel(i + static_cast<unsigned>(weekStartsOn)));
  w.endArray();
  w.endObject();
}

void writeReport(JsonWriter& w, const StreakReport& r, const StreakConfig& config) {
  w.beginObject();
  w.field("alive", r.alive);
  w.field("atRisk", r.atRisk);
  w.key("calendar");
  writeCalendar(w, r.calendar, config.weekStartsOn);
  w.field("checkedInToday", r.checkedInToday);
  w.field("clock", r.deviceClock ? "device" : "server");
  w.field("current", r.current);
  w.key("currentStartDate");
  if (r.hasCurrentStart)
    w.value(formatDate(r.currentStart));
  else
    w.null();
  w.field("freezeRemainingThisMonth", r.freezeRemainingThisMonth);
  w.key("ignored");
  w.beginArray();
  for (const IgnoredCheckIn& i : r.ignored) {
    w.beginObject();
    w.field("code", i.code);
    w.field("id", i.id);
    w.field("message", i.message);
    w.endObject();
  }
  w.endArray();
  w.field("longest", r.longest);
  w.key("makeUpCandidates");
  w.beginArray();
  for (const DayNumber d : r.makeUpCandidates) w.value(formatDate(d));
  w.endArray();
  w.key("makeUpOptions");
  w.beginArray();
  for (std::size_t i = 0; i < r.makeUpCandidates.size(); ++i) {
    const DayNumber d = r.makeUpCandidates[i];
    w.beginObject();
    w.field("date", formatDate(d));
    w.field("label", dayLabel(d));
    w.field("remainingInMonth", r.makeUpRemaining[i]);
    w.endObject();
  }
  w.endArray();
  w.field("makeUpRemainingThisMonth", r.makeUpRemainingThisMonth);
  w.key("milestones");
  w.beginArray();
  for (const MilestoneBlock& m : r.milestones) {
    w.beginObject();
    w.field("earnedText", "获得" + m.rewardTitle);
    w.field("fromDate", formatDate(m.fromDay));
    w.field("key", m.key);
    w.field("rangeLabel", dayLabel(m.fromDay) + "–" + dayLabel(m.toDay));
    w.field("rewardTitle", m.rewardTitle);
    w.field("rewardValueFen", m.rewardValueFen);
    w.field("ruleId", m.ruleId);
    w.field("state", m.state == MilestoneState::kGranted ? "granted" : "new");
    w.field("toDate", formatDate(m.toDay));
    w.endObject();
  }
  w.endArray();
  w.field("patientId", r.patientId);
  w.key("progress");
  if (r.hasProgress) {
    w.beginObject();
    w.field("done", r.progress.done);
    w.field("needed", r.progress.needed);
    w.field("remaining", r.progress.remaining);
    w.field("ruleId", r.progress.ruleId);
    w.field("text", r.progress.text);
    w.endObject();
  } else {
    w.null();
  }
  w.field("statusText", r.statusText);
  w.field("today", formatDate(r.today));
  w.field("todayLabel", dayLabel(r.today));
  w.field("total", r.total);
  w.field("utcOffsetMinutes", config.utcOffsetMinutes);
  w.endObject();
}

}  // namespace

std::string evaluateStreakJson(std::string_view requestText) {
  return json_io::runEntryWriting(requestText, {}, [](const Json& j, JsonWriter& w) {
    const StreakRequest request = decodeRequest(j);
    Result<StreakReport> report = evaluateStreak(request);
    if (!report.ok()) throw json_io::InputError{report.error()};
    writeReport(w, report.value(), request.config);
  });
}

std::string recordCheckInJson(std::string_view requestText) {
  return json_io::runEntryWriting(requestText, {}, [](const Json& j, JsonWriter& w) {
    const StreakRequest history = decodeRequest(j);
    if (!j.contains("checkIn")) fail("input.missing_field", "缺少必填字段 checkIn", "/checkIn");
    const CheckInRecord candidate = decodeCheckIn(j.at("checkIn"), "/checkIn");
    Result<CheckInDecision> decision = recordCheckIn(history, candidate);
    if (!decision.ok()) throw json_io::InputError{decision.error()};
    const CheckInDecision& d = decision.value();
    w.beginObject();
    w.field("code", d.code);
    w.field("date", formatDate(d.day));
    w.field("message", d.message);
    w.field("outcome", d.outcome == CheckInOutcome::kAccepted ? "accepted" : "unchanged");
    w.key("report");
    writeReport(w, d.report, history.config);
    w.endObject();
  });
}

}  // namespace carecircle
