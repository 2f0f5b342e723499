#include "community/community_json.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "common/json_io.hpp"
#include "community/community.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxNameBytes = 256;
constexpr std::size_t kMaxTextBytes = 1'000;
constexpr std::size_t kMaxAnswers = 64;
constexpr std::size_t kMaxGroups = 1'000;
constexpr std::size_t kMaxMembers = 100'000;
constexpr std::int64_t kMaxDailyCount = 10'000'000;
constexpr std::int64_t kMaxCount = 1'000'000'000;
using json_io::kMaxJsonSafeInt;
constexpr std::int64_t kLooseBound =
    1'000'000'000;  // loose JSON range; the core checks the real one

bool present(const Json& j, const char* key) {
  return j.contains(key) && !j.at(key).is_null();
}

template <typename Fn>
void withObject(const Json& j, const char* key, const std::string& path, Fn&& fn) {
  if (!present(j, key)) return;
  const std::string p = childPath(path, key);
  fn(json_io::requireObject(j.at(key), p), p);
}

void readIntAs(const Json& j, const char* key, const std::string& path, std::int64_t min,
               std::int64_t max, int& out, bool required = false) {
  std::int64_t n = 0;
  if (json_io::readInt(j, key, path, min, max, n, required)) out = static_cast<int>(n);
}

std::optional<IncentiveType> parseIncentive(const std::string& text) {
  if (text == "honour") return IncentiveType::kHonour;
  if (text == "benefit") return IncentiveType::kBenefit;
  if (text == "privilege") return IncentiveType::kPrivilege;
  return std::nullopt;
}

IncentiveType readIncentive(const Json& j, const char* key, const std::string& path) {
  std::string text;
  json_io::readString(j, key, path, 16, text, true);
  const auto type = parseIncentive(text);
  if (!type)
    fail("input.bad_enum", "激励类型只能是 honour、benefit 或 privilege", childPath(path, key));
  return *type;
}

// Strict "HH:MM", 00:00..23:59 → minutes after midnight.
int readClockTime(const Json& j, const char* key, const std::string& path) {
  std::string text;
  json_io::readString(j, key, path, 8, text, true);
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
    fail("input.bad_time", "时间格式应为 HH:MM", childPath(path, key));
  }
  const int h = (text[0] - '0') * 10 + (text[1] - '0');
  const int m = (text[3] - '0') * 10 + (text[4] - '0');
  if (h > 23 || m > 59)
    fail("input.bad_time", "时间应在 00:00 到 23:59 之间", childPath(path, key));
  return h * 60 + m;
}

std::string clockText(int minuteOfDay) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", (minuteOfDay / 60) % 24, minuteOfDay % 60);
  return buffer;
}

// floor(x100 / 100) "." first decimal: 5433 → "54.3".
std::string oneDecimal(std::int64_t hundredths) {
  return std::to_string(hundredths / 100) + "." + std::to_string(hundredths % 100 / 10);
}

// ---------------------------------------------------------------------------
// assessKoc

KocOption decodeOption(const Json& j, const std::string& path) {
  json_io::requireObject(j, path);
  KocOption o;
  json_io::readString(j, "id", path, 32, o.id, true);
  json_io::readString(j, "label", path, kMaxTextBytes, o.label, true);
  readIntAs(j, "points", path, -kLooseBound, kLooseBound, o.points);
  json_io::readBool(j, "peakMoment", path, o.peakMoment);
  json_io::readBool(j, "socialA", path, o.socialA);
  if (present(j, "incentive")) o.incentive = readIncentive(j, "incentive", path);
  return o;
}

KocQuestion decodeQuestion(const Json& j, const std::string& path) {
  json_io::requireObject(j, path);
  KocQuestion q;
  json_io::readString(j, "id", path, 32, q.id, true);
  json_io::readString(j, "text", path, kMaxTextBytes, q.text, true);
  json_io::readString(j, "hint", path, kMaxTextBytes, q.hint);
  json_io::readBool(j, "scored", path, q.scored);
  if (!present(j, "options"))
    fail("input.missing_field", "缺少必填字段 options", childPath(path, "options"));
  const std::string p = childPath(path, "options");
  const Json& list = json_io::requireArray(j.at("options"), p, 8);
  for (std::size_t i = 0; i < list.size(); ++i)
    q.options.push_back(decodeOption(list[i], childPath(p, i)));
  return q;
}

KocRequest decodeKocRequest(const Json& j) {
  KocRequest r;
  const std::string root;
  json_io::readString(j, "patientId", root, kMaxIdBytes, r.patientId);
  json_io::readBool(j, "sensitiveCase", root, r.sensitiveCase);
  json_io::readString(j, "peakMomentNote", root, 500, r.peakMomentNote);
  withObject(j, "config", root, [&](const Json& c, const std::string& path) {
    readIntAs(c, "threshold", path, -kLooseBound, kLooseBound, r.config.threshold);
    if (present(c, "defaultIncentive"))
      r.config.defaultIncentive = readIncentive(c, "defaultIncentive", path);
    if (present(c, "questions")) {
      const std::string p = childPath(path, "questions");
      const Json& list = json_io::requireArray(c.at("questions"), p, 12);
      r.config.questions.clear();
      for (std::size_t i = 0; i < list.size(); ++i) {
        r.config.questions.push_back(decodeQuestion(list[i], childPath(p, i)));
      }
    }
  });
  if (present(j, "answers")) {
    const Json& answers = json_io::requireObject(j.at("answers"), "/answers");
    if (answers.size() > kMaxAnswers) fail("input.too_many_items", "答案条目过多", "/answers");
    r.hasAnswers = true;
    for (const auto& [questionId, option] : answers.items()) {
      const std::string p = childPath("/answers", questionId);
      if (!option.is_string()) fail("input.wrong_type", "答案应为选项编号（字符串）", p);
      r.answers.push_back({questionId, option.get<std::string>()});
    }
  }
  return r;
}

Json encodeForm(const KocResult& r) {
  Json questions = Json::array();
  for (const KocQuestion& q : r.config.questions) {
    Json options = Json::array();
    int best = 0;
    for (const KocOption& o : q.options) {
      best = std::max(best, o.points);
      options.push_back(
          {{"id", o.id},
           {"label", o.label},
           {"points", o.points},
           {"peakMoment", o.peakMoment},
           {"socialA", o.socialA},
           {"incentive", o.incentive ? Json(incentiveTypeName(*o.incentive)) : Json(nullptr)}});
    }
    questions.push_back({{"id", q.id},
                         {"text", q.text},
                         {"hint", q.hint},
                         {"scored", q.scored},
                         {"maxPoints", q.scored ? best : 0},
                         {"options", options}});
  }
  return {{"title", "转介绍意愿度评估表"},
          {"instructions",
           "出院前1天由责任护士询问，约3分钟。计分题合计达到入选线的患者进入转介绍计划。"},
          {"threshold", r.config.threshold},
          {"maxScore", r.maxScore},
          {"questions", questions}};
}

Json encodeAssessment(const KocAssessment& a, const KocRequest& request) {
  Json answers = Json::array();
  for (const KocScoredAnswer& s : a.answers) {
    answers.push_back({{"questionId", s.questionId},
                       {"optionId", s.optionId},
                       {"label", s.label},
                       {"points", s.points}});
  }
  return {{"score", a.score},
          {"maxScore", a.maxScore},
          {"threshold", a.threshold},
          {"qualifies", a.qualifies},
          {"sensitiveCase", request.sensitiveCase},
          {"tags",
           {{"peakMoment", a.peakMoment},
            {"peakMomentNote", request.peakMomentNote},
            {"socialClass", a.socialClassA ? "A" : "B"},
            {"incentiveType", incentiveTypeName(a.incentive)},
            {"incentiveLabel", incentiveTypeLabel(a.incentive)},
            {"incentiveFromAnswers", a.incentiveFromAnswers}}},
          {"letterTemplate", a.qualifies ? Json(incentiveTypeName(a.incentive)) : Json(nullptr)},
          {"letterTitle", a.qualifies ? Json(referralLetterTitle(a.incentive)) : Json(nullptr)},
          {"answers", answers},
          {"reasons", a.reasons},
          {"summary", a.summary}};
}

// ---------------------------------------------------------------------------
// communityHealthReport

HealthReportRequest decodeReportRequest(const Json& j) {
  HealthReportRequest r;
  std::string month;
  json_io::readString(j, "month", "", 16, month, true);
  const auto ym = parseYearMonth(month);
  if (!ym) fail("input.bad_date", "月份格式应为 YYYY-MM", "/month");
  r.month = *ym;
  withObject(j, "config", "", [&](const Json& c, const std::string& path) {
    HealthThresholds& t = r.thresholds;
    json_io::readInt(c, "healthyDailyMessages", path, -kLooseBound, kLooseBound,
                     t.healthyDailyMessages);
    json_io::readInt(c, "warningDailyMessages", path, -kLooseBound, kLooseBound,
                     t.warningDailyMessages);
    json_io::readInt(c, "revisitPassBp", path, -kLooseBound, kLooseBound, t.revisitPassBp);
    json_io::readInt(c, "fissionGoodBp", path, -kLooseBound, kLooseBound, t.fissionGoodBp);
  });
  if (!present(j, "groups")) fail("input.missing_field", "缺少必填字段 groups", "/groups");
  const Json& groups = json_io::requireArray(j.at("groups"), "/groups", kMaxGroups);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const std::string path = childPath("/groups", i);
    const Json& g = json_io::requireObject(groups[i], path);
    GroupMonthData d;
    json_io::readString(g, "id", path, kMaxIdBytes, d.id, true);
    json_io::readString(g, "name", path, kMaxNameBytes, d.name);
    json_io::readInt(g, "memberCount", path, 0, kMaxCount, d.memberCount);
    if (present(g, "dailyMessages")) {
      const std::string p = childPath(path, "dailyMessages");
      const Json& days = json_io::requireArray(g.at("dailyMessages"), p, 31);
      for (std::size_t k = 0; k < days.size(); ++k) {
        const std::string kp = childPath(p, k);
        if (!days[k].is_number_integer()) fail("input.wrong_type", "每日消息数应为整数", kp);
        const auto n = days[k].get<std::int64_t>();
        if (n < 0 || n > kMaxDailyCount ||
            (days[k].is_number_unsigned() && days[k].get<std::uint64_t>() > kMaxDailyCount))
          fail("input.out_of_range", "每日消息数超出允许范围（0~10000000）", kp);
        d.dailyMessages.push_back(n);
      }
    }
    withObject(g, "revisit", path, [&](const Json& o, const std::string& p) {
      d.hasRevisit = true;
      json_io::readInt(o, "members", p, 0, kMaxCount, d.revisitMembers, true);
      json_io::readInt(o, "revisitedWithin60Days", p, 0, kMaxCount, d.revisited, true);
    });
    withObject(g, "quarterNewMembers", path, [&](const Json& o, const std::string& p) {
      d.hasFission = true;
      json_io::readInt(o, "total", p, 0, kMaxCount, d.quarterNewMembers, true);
      json_io::readInt(o, "referredByMembers", p, 0, kMaxCount, d.quarterReferred, true);
    });
    r.groups.push_back(std::move(d));
  }
  return r;
}

std::string rateText(const std::optional<std::int64_t>& bp) {
  return bp ? oneDecimal(*bp) + "%" : "—";
}

Json encodeRate(const RateMetric& m, const char* meets, const char* below, const char* numeratorKey,
                const char* denominatorKey) {
  const char* level = m.level == RateLevel::kMeets   ? meets
                      : m.level == RateLevel::kBelow ? below
                                                     : "noData";
  const char* label = m.level == RateLevel::kMeets ? (std::string(meets) == "pass" ? "合格" : "佳")
                      : m.level == RateLevel::kBelow
                          ? (std::string(below) == "fail" ? "不合格" : "未达标")
                          : "无数据";
  return {{"level", level},
          {"label", label},
          {numeratorKey, m.numerator},
          {denominatorKey, m.denominator},
          {"rateBp", m.rateBp ? Json(*m.rateBp) : Json(nullptr)},
          {"rateText", rateText(m.rateBp)}};
}

const char* activityLabel(ActivityLevel level) {
  switch (level) {
    case ActivityLevel::kHealthy:
      return "健康";
    case ActivityLevel::kNormal:
      return "一般";
    case ActivityLevel::kWarning:
      return "预警";
    case ActivityLevel::kNoData:
      return "无数据";
  }
  return "";
}

Json encodeChart(const ChartData& c, const HealthThresholds& t) {
  Json labels = Json::array();
  Json values = Json::array();
  Json heights = Json::array();
  for (std::size_t d = 0; d < c.values.size(); ++d) {
    labels.push_back(std::to_string(d + 1));
    values.push_back(c.values[d] ? Json(*c.values[d]) : Json(nullptr));
    heights.push_back(c.heightsPermille[d] ? Json(*c.heightsPermille[d]) : Json(nullptr));
  }
  return {{"kind", "dailyMessages"},
          {"title", "每日消息数"},
          {"xLabels", labels},
          {"values", values},
          {"heightsPermille", heights},
          {"yMax", c.yMax},
          {"yTicks", c.yTicks},
          {"lines",
           {{{"kind", "healthy"},
             {"value", t.healthyDailyMessages},
             {"permille", c.healthyLinePermille},
             {"label", "健康线" + std::to_string(t.healthyDailyMessages) + "条"}},
            {{"kind", "warning"},
             {"value", t.warningDailyMessages},
             {"permille", c.warningLinePermille},
             {"label", "预警线" + std::to_string(t.warningDailyMessages) + "条"}}}}};
}

Json encodeReport(const HealthReport& r) {
  const std::string quarter = std::to_string(r.month.year) + "-Q" + std::to_string(r.quarter);
  Json groups = Json::array();
  for (const GroupHealth& g : r.groups) {
    Json actions = Json::array();
    if (g.refreshPlan) {
      actions.push_back(
          {{"code", "refreshPlan"},
           {"title", "换水计划"},
           {"text",
            "活跃度不足：引入2-3位爱交流的新病友，或由医生发起“话题周”，每天一个热点话题讨论。"}});
    }
    if (g.benchmark) {
      actions.push_back(
          {{"code", "benchmark"},
           {"title", "标杆群"},
           {"text", "老带新占比达标：加大资源投入，医生增加答疑频次，总结经验推广到其他群。"}});
    }
    Json fission = encodeRate(g.fission, "good", "belowTarget", "referred", "newMembers");
    fission["quarter"] = quarter;
    groups.push_back(
        {{"id", g.id},
         {"name", g.name},
         {"memberCount", g.memberCount},
         {"activity",
          {{"level", activityLevelName(g.activity)},
           {"label", activityLabel(g.activity)},
           {"daysReported", g.daysReported},
           {"totalMessages", g.totalMessages},
           {"averageDailyX100", g.averageDailyX100 ? Json(*g.averageDailyX100) : Json(nullptr)},
           {"averageText", g.averageDailyX100 ? "日均" + oneDecimal(*g.averageDailyX100) + "条"
                                              : "暂无消息数据"}}},
         {"conversion", encodeRate(g.conversion, "pass", "fail", "revisited", "members")},
         {"fission", fission},
         {"flags", {{"refreshPlan", g.refreshPlan}, {"benchmark", g.benchmark}}},
         {"actions", actions},
         {"chart", encodeChart(g.chart, r.thresholds)}});
  }
  const HealthThresholds& t = r.thresholds;
  Json overallFission =
      encodeRate(r.overallFission, "good", "belowTarget", "referred", "newMembers");
  overallFission["quarter"] = quarter;
  return {
      {"month", formatYearMonth(r.month)},
      {"title",
       std::to_string(r.month.year) + "年" + std::to_string(r.month.month) + "月社群健康度报告"},
      {"daysInMonth", r.daysInMonth},
      {"quarter", quarter},
      {"thresholds",
       {{"healthyDailyMessages", t.healthyDailyMessages},
        {"warningDailyMessages", t.warningDailyMessages},
        {"revisitPassBp", t.revisitPassBp},
        {"fissionGoodBp", t.fissionGoodBp},
        {"text", "活跃度：日均消息≥" + std::to_string(t.healthyDailyMessages) + "条为健康，低于" +
                     std::to_string(t.warningDailyMessages) + "条预警；转化率：60天复诊率≥" +
                     oneDecimal(t.revisitPassBp) + "%合格；裂变率：季度新成员中老带新≥" +
                     oneDecimal(t.fissionGoodBp) + "%为佳"}}},
      {"summary",
       {{"groups", r.groups.size()},
        {"totalMembers", r.totalMembers},
        {"healthy", r.healthy},
        {"normal", r.normal},
        {"warning", r.warning},
        {"noActivityData", r.noActivityData},
        {"conversionPass", r.conversionPass},
        {"fissionGood", r.fissionGood},
        {"refreshPlans", r.refreshPlans},
        {"benchmarks", r.benchmarks},
        {"overallConversion",
         encodeRate(r.overallConversion, "pass", "fail", "revisited", "members")},
        {"overallFission", overallFission}}},
      {"groups", groups}};
}

// ---------------------------------------------------------------------------
// memberLists and replyOutsideQaSlot

std::int64_t readInstant(const Json& j, const char* key, const std::string& path, bool required) {
  std::int64_t ms = 0;
  json_io::readInt(j, key, path, kMinInstantMs, kMaxInstantMs, ms, required);
  return ms;
}

MemberListRequest decodeMemberRequest(const Json& j) {
  MemberListRequest r;
  json_io::readInt(j, "nowMs", "", 0, kMaxJsonSafeInt, r.nowMs, true);
  std::string clock;
  if (json_io::readString(j, "clock", "", 16, clock)) {
    if (clock == "device")
      r.deviceClock = true;
    else if (clock != "server")
      fail("input.bad_enum", "clock 只能是 server 或 device", "/clock");
  }
  withObject(j, "config", "", [&](const Json& c, const std::string& path) {
    MemberListConfig& m = r.config;
    readIntAs(c, "utcOffsetMinutes", path, -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes,
              m.utcOffsetMinutes);
    readIntAs(c, "silentMonths", path, -kLooseBound, kLooseBound, m.silentMonths);
    readIntAs(c, "inactiveMonths", path, -kLooseBound, kLooseBound, m.inactiveMonths);
    readIntAs(c, "groupCap", path, -kLooseBound, kLooseBound, m.groupCap);
    json_io::readString(c, "reactivationTemplate", path, kMaxTextBytes, m.reactivationTemplate);
  });
  withObject(j, "group", "", [&](const Json& g, const std::string& path) {
    json_io::readString(g, "id", path, kMaxIdBytes, r.groupId);
    json_io::readString(g, "name", path, kMaxNameBytes, r.groupName);
  });
  if (!present(j, "members")) fail("input.missing_field", "缺少必填字段 members", "/members");
  const Json& members = json_io::requireArray(j.at("members"), "/members", kMaxMembers);
  r.members.reserve(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    const std::string path = childPath("/members", i);
    const Json& m = json_io::requireObject(members[i], path);
    MemberRecord rec;
    json_io::readString(m, "id", path, kMaxIdBytes, rec.id, true);
    json_io::readString(m, "displayName", path, kMaxNameBytes, rec.displayName);
    std::string role;
    if (json_io::readString(m, "role", path, 16, role)) {
      if (role == "doctor")
        rec.role = MemberRole::kDoctor;
      else if (role == "nurse")
        rec.role = MemberRole::kNurse;
      else if (role == "service")
        rec.role = MemberRole::kService;
      else if (role != "patient")
        fail("input.bad_enum", "role 只能是 patient、doctor、nurse 或 service",
             childPath(path, "role"));
    }
    rec.joinedAtMs = readInstant(m, "joinedAtMs", path, true);
    if (present(m, "lastMessageAtMs"))
      rec.lastMessageAtMs = readInstant(m, "lastMessageAtMs", path, true);
    if (present(m, "lastInteractionAtMs"))
      rec.lastInteractionAtMs = readInstant(m, "lastInteractionAtMs", path, true);
    r.members.push_back(std::move(rec));
  }
  if (present(j, "waitingList")) {
    const Json& list = json_io::requireArray(j.at("waitingList"), "/waitingList", kMaxMembers);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string path = childPath("/waitingList", i);
      const Json& w = json_io::requireObject(list[i], path);
      WaitingEntry e;
      json_io::readString(w, "id", path, kMaxIdBytes, e.id, true);
      json_io::readString(w, "displayName", path, kMaxNameBytes, e.displayName);
      e.requestedAtMs = readInstant(w, "requestedAtMs", path, true);
      r.waiting.push_back(std::move(e));
    }
  }
  return r;
}

const char* waitingStatusName(WaitingStatus s) {
  switch (s) {
    case WaitingStatus::kAdmit:
      return "admit";
    case WaitingStatus::kWait:
      return "wait";
    case WaitingStatus::kAlreadyMember:
      return "alreadyMember";
  }
  return "wait";
}

Json encodeMemberLists(const MemberLists& l) {
  Json reactivation = Json::array();
  for (const ReactivationEntry& e : l.reactivation) {
    reactivation.push_back({{"id", e.id},
                            {"displayName", e.displayName},
                            {"neverSpoke", e.neverSpoke},
                            {"silentSinceDate", formatDate(e.silentSince)},
                            {"silentDays", e.silentDays},
                            {"suggestedMessage", e.suggestedMessage}});
  }
  Json cleanUp = Json::array();
  for (const CleanUpEntry& e : l.cleanUp) {
    cleanUp.push_back({{"id", e.id},
                       {"displayName", e.displayName},
                       {"lastActiveDate", formatDate(e.lastActive)},
                       {"inactiveDays", e.inactiveDays}});
  }
  Json waiting = Json::array();
  for (const WaitingPlace& w : l.waiting) {
    waiting.push_back({{"id", w.id},
                       {"displayName", w.displayName},
                       {"requestedDate", formatDate(w.requestedOn)},
                       {"position", w.position},
                       {"status", waitingStatusName(w.status)}});
  }
  return {{"group", {{"id", l.groupId}, {"name", l.groupName}}},
          {"today", formatDate(l.today)},
          {"clock", l.deviceClock ? "device" : "server"},
          {"silentCutoffDate", formatDate(l.silentCutoff)},
          {"inactiveCutoffDate", formatDate(l.inactiveCutoff)},
          {"counts",
           {{"members", l.members},
            {"patients", l.patients},
            {"staff", l.staff},
            {"cap", l.cap},
            {"freeSlots", l.freeSlots},
            {"overCapBy", l.overCapBy},
            {"freeSlotsAfterCleanUp", l.freeSlotsAfterCleanUp},
            {"reactivation", l.reactivation.size()},
            {"cleanUp", l.cleanUp.size()},
            {"waiting", l.waiting.size()}}},
          {"capText", l.capText},
          {"reactivation", reactivation},
          {"cleanUp", cleanUp},
          {"waitingList", waiting}};
}

QaSlotRequest decodeQaRequest(const Json& j) {
  QaSlotRequest r;
  json_io::readInt(j, "nowMs", "", 0, kMaxJsonSafeInt, r.nowMs, true);
  withObject(j, "config", "", [&](const Json& c, const std::string& path) {
    QaConfig& q = r.config;
    readIntAs(c, "utcOffsetMinutes", path, -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes,
              q.utcOffsetMinutes);
    json_io::readString(c, "emergencyContact", path, 64, q.emergencyContact);
    json_io::readString(c, "replyTemplate", path, kMaxTextBytes, q.replyTemplate);
    if (present(c, "qaSlots")) {
      const std::string p = childPath(path, "qaSlots");
      const Json& list = json_io::requireArray(c.at("qaSlots"), p, 14);
      q.slots.clear();
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string sp = childPath(p, i);
        const Json& s = json_io::requireObject(list[i], sp);
        QaSlot slot;
        readIntAs(s, "weekday", sp, -kLooseBound, kLooseBound, slot.isoWeekday, true);
        slot.startMinute = readClockTime(s, "start", sp);
        readIntAs(s, "durationMinutes", sp, -kLooseBound, kLooseBound, slot.durationMinutes);
        q.slots.push_back(slot);
      }
    }
  });
  return r;
}

const char* weekdayLabel(int isoWeekday) {
  static const char* const kNames[] = {"周一", "周二", "周三", "周四", "周五", "周六", "周日"};
  return kNames[(isoWeekday + 6) % 7];
}

Json encodeSlotTime(const QaSlotTime& t) {
  return {{"startMs", t.startMs},
          {"endMs", t.endMs},
          {"date", formatDate(t.day)},
          {"weekday", t.isoWeekday},
          {"weekdayLabel", weekdayLabel(t.isoWeekday)},
          {"start", clockText(t.startMinute)},
          {"text", t.text}};
}

}  // namespace

std::string assessKocJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    const KocRequest request = decodeKocRequest(j);
    Result<KocResult> result = assessKoc(request);
    if (!result.ok()) throw json_io::InputError{result.error()};
    const KocResult& r = result.value();
    return Json{
        {"patientId", r.patientId},
        {"form", encodeForm(r)},
        {"assessment", r.hasAssessment ? encodeAssessment(r.assessment, request) : Json(nullptr)}};
  });
}

std::string communityHealthReportJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    Result<HealthReport> report = communityHealthReport(decodeReportRequest(j));
    if (!report.ok()) throw json_io::InputError{report.error()};
    return encodeReport(report.value());
  });
}

std::string memberListsJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    Result<MemberLists> lists = memberLists(decodeMemberRequest(j));
    if (!lists.ok()) throw json_io::InputError{lists.error()};
    return encodeMemberLists(lists.value());
  });
}

std::string replyOutsideQaSlotJson(std::string_view requestText) {
  return json_io::runEntry(requestText, {}, [](const Json& j) {
    const QaSlotRequest request = decodeQaRequest(j);
    Result<QaSlotReply> reply = qaSlotReply(request);
    if (!reply.ok()) throw json_io::InputError{reply.error()};
    const QaSlotReply& r = reply.value();
    Json slots = Json::array();
    for (const QaSlot& s : request.config.slots) {
      slots.push_back({{"weekday", s.isoWeekday},
                       {"weekdayLabel", weekdayLabel(s.isoWeekday)},
                       {"start", clockText(s.startMinute)},
                       {"end", clockText(s.startMinute + s.durationMinutes)},
                       {"durationMinutes", s.durationMinutes}});
    }
    return Json{{"inSlot", r.inSlot},
                {"currentSlot", r.current ? encodeSlotTime(*r.current) : Json(nullptr)},
                {"nextSlot", encodeSlotTime(r.next)},
                {"minutesUntilNext", r.minutesUntilNext},
                {"reply", r.inSlot ? Json(nullptr) : Json(r.reply)},
                {"slots", slots}};
  });
}

}  // namespace carecircle
