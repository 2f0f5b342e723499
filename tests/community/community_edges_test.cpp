// Exact boundaries of the community rules: the KOC line (default 12 and a
// configured one) and its form limits, the health report's activity and rate
// lines to one message and one basis point, the member lists' cut-off days,
// the group cap, and the Q&A slot to the minute.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "community/community.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kMinute = 60'000;

DayNumber day(const char* date) {
  return *parseDate(date);
}

// Epoch ms of a wall-clock time in Beijing (UTC+8).
std::int64_t beijing(DayNumber d, int hour, int minute = 0) {
  return (std::int64_t{d} * 1440 + hour * 60 + minute - 480) * kMinute;
}

// ---- KOC ----------------------------------------------------------------------

KocRequest answers(const char* recommend, const char* gatherings, const char* experience) {
  KocRequest r;
  r.hasAnswers = true;
  r.answers = {{"peakMoment", "strong"},  {"recommend", recommend},
               {"gatherings", gatherings}, {"groupActivity", "sometimes"},
               {"experience", experience}, {"incentive", "benefit"}};
  return r;
}

KocAssessment assess(const KocRequest& r) {
  Result<KocResult> out = assessKoc(r);
  if (!out.ok()) {
    ADD_FAILURE() << out.error().code << " " << out.error().path;
    return {};
  }
  return out.value().assessment;
}

TEST(CommunityEdges, KocDefaultLineIsTwelvePointsExactly) {
  const KocAssessment twelve = assess(answers("yes", "weekly", "fair"));  // 4+3+2+2+1
  EXPECT_EQ(twelve.score, 12);
  EXPECT_TRUE(twelve.qualifies);
  const KocAssessment eleven = assess(answers("yes", "monthly", "fair"));  // 4+3+1+2+1
  EXPECT_EQ(eleven.score, 11);
  EXPECT_FALSE(eleven.qualifies);
  EXPECT_EQ(eleven.summary, "暂不进入转介绍计划（差1分）");
}

TEST(CommunityEdges, KocConfiguredLineAndTheSensitiveCase) {
  KocRequest r = answers("yes", "weekly", "fair");  // 12 points
  r.config.threshold = 13;
  EXPECT_FALSE(assess(r).qualifies);
  r.config.threshold = 11;
  EXPECT_TRUE(assess(r).qualifies);
  r.sensitiveCase = true;  // never invited, whatever the score
  const KocAssessment sensitive = assess(r);
  EXPECT_FALSE(sensitive.qualifies);
  EXPECT_EQ(sensitive.summary, "临床敏感情形，暂不进入转介绍计划");
}

std::string kocError(const KocConfig& c) {
  KocRequest r;
  r.config = c;
  Result<KocResult> out = assessKoc(r);
  return out.ok() ? "ok" : out.error().code + " " + out.error().path;
}

KocQuestion question(const std::string& id, int options, int topPoints) {
  KocQuestion q;
  q.id = id;
  q.text = "题目";
  for (int k = 0; k < options; ++k) {
    KocOption o;
    o.id = "o" + std::to_string(k);
    o.label = "选项";
    o.points = k == 0 ? topPoints : 0;
    q.options.push_back(o);
  }
  return q;
}

TEST(CommunityEdges, KocFormLimits) {
  KocConfig c;
  c.threshold = 0;
  // Questions 1..12.
  c.questions.clear();
  EXPECT_EQ(kocError(c), "community.bad_config /config/questions");
  for (int k = 0; k < 12; ++k) c.questions.push_back(question("q" + std::to_string(k), 2, 1));
  EXPECT_EQ(kocError(c), "ok");
  c.questions.push_back(question("q12", 2, 1));
  EXPECT_EQ(kocError(c), "community.bad_config /config/questions");
  // Options 2..8.
  for (const auto& [options, valid] :
       std::vector<std::pair<int, bool>>{{1, false}, {2, true}, {8, true}, {9, false}}) {
    c.questions = {question("q", options, 1)};
    EXPECT_EQ(kocError(c), valid ? "ok" : "community.bad_config /config/questions/0/options")
        << options;
  }
  // Points 0..10.
  for (const auto& [points, valid] :
       std::vector<std::pair<int, bool>>{{-1, false}, {0, true}, {10, true}, {11, false}}) {
    c.questions = {question("q", 2, points)};
    EXPECT_EQ(kocError(c),
              valid ? "ok" : "community.bad_config /config/questions/0/options/0/points")
        << points;
  }
  // The line may be anything from 0 to the maximum score.
  c.questions = {question("a", 2, 10), question("b", 2, 5)};
  for (const auto& [threshold, valid] :
       std::vector<std::pair<int, bool>>{{-1, false}, {0, true}, {15, true}, {16, false}}) {
    c.threshold = threshold;
    EXPECT_EQ(kocError(c), valid ? "ok" : "community.bad_config /config/threshold") << threshold;
  }
}

// ---- health report -------------------------------------------------------------

GroupMonthData group(std::vector<std::int64_t> daily) {
  GroupMonthData g;
  g.id = "g";
  g.name = "甲状腺病友群";
  g.memberCount = 100;
  g.dailyMessages = std::move(daily);
  return g;
}

Result<HealthReport> report(std::vector<GroupMonthData> groups, HealthThresholds t = {}) {
  HealthReportRequest r;
  r.month = YearMonth{2026, 11};
  r.thresholds = t;
  r.groups = std::move(groups);
  return communityHealthReport(r);
}

ActivityLevel activity(std::vector<std::int64_t> daily, HealthThresholds t = {}) {
  Result<HealthReport> r = report({group(std::move(daily))}, t);
  if (!r.ok() || r.value().groups.size() != 1) {
    ADD_FAILURE() << (r.ok() ? "no group" : r.error().code);
    return ActivityLevel::kNoData;
  }
  return r.value().groups[0].activity;
}

TEST(CommunityEdges, ActivityLinesAtOneMessage) {
  // Default lines: healthy at an average of 50 a day, warning below 20.
  EXPECT_EQ(activity({50, 50}), ActivityLevel::kHealthy);
  EXPECT_EQ(activity({50, 49}), ActivityLevel::kNormal);  // 49.5 a day
  EXPECT_EQ(activity({20, 20}), ActivityLevel::kNormal);
  EXPECT_EQ(activity({20, 19}), ActivityLevel::kWarning);  // 19.5 a day
  // Configured lines 10 and 3.
  const HealthThresholds t{10, 3, 4000, 3000};
  EXPECT_EQ(activity({10}, t), ActivityLevel::kHealthy);
  EXPECT_EQ(activity({9}, t), ActivityLevel::kNormal);
  EXPECT_EQ(activity({3}, t), ActivityLevel::kNormal);
  EXPECT_EQ(activity({2}, t), ActivityLevel::kWarning);
  // The warning line may equal the healthy one: then nothing is "normal".
  const HealthThresholds same{10, 10, 4000, 3000};
  EXPECT_EQ(activity({10}, same), ActivityLevel::kHealthy);
  EXPECT_EQ(activity({9}, same), ActivityLevel::kWarning);
}

TEST(CommunityEdges, RateLinesAtOneBasisPoint) {
  // Revisit pass line 40.00 %: 4000 of 10000 passes, 3999 does not.
  GroupMonthData g = group({});
  g.hasRevisit = true;
  g.revisitMembers = 10000;
  g.hasFission = true;
  g.quarterNewMembers = 10000;
  for (const auto& [revisited, referred, pass, good] :
       std::vector<std::tuple<int, int, bool, bool>>{
           {4000, 3000, true, true}, {3999, 2999, false, false}, {10000, 10000, true, true}}) {
    g.revisited = revisited;
    g.quarterReferred = referred;
    Result<HealthReport> r = report({g});
    ASSERT_TRUE(r.ok()) << r.error().code;
    ASSERT_EQ(r.value().groups.size(), 1u);
    EXPECT_EQ(r.value().groups[0].conversion.level == RateLevel::kMeets, pass) << revisited;
    EXPECT_EQ(r.value().groups[0].fission.level == RateLevel::kMeets, good) << referred;
    EXPECT_EQ(r.value().groups[0].benchmark, good) << referred;
  }
}

TEST(CommunityEdges, ReportConfigLimits) {
  const std::vector<std::tuple<HealthThresholds, bool, const char*>> cases = {
      {{1, 0, 0, 0}, true, "healthy 1"},
      {{0, 0, 0, 0}, false, "healthy 0"},
      {{1'000'000, 0, 0, 0}, true, "healthy max"},
      {{1'000'001, 0, 0, 0}, false, "healthy over max"},
      {{50, 50, 4000, 3000}, true, "warning = healthy"},
      {{50, 51, 4000, 3000}, false, "warning above healthy"},
      {{50, -1, 4000, 3000}, false, "warning negative"},
      {{50, 20, 10000, 10000}, true, "bp 10000"},
      {{50, 20, 10001, 3000}, false, "revisit bp over"},
      {{50, 20, 4000, 10001}, false, "fission bp over"},
      {{50, 20, -1, 3000}, false, "revisit bp negative"},
      {{50, 20, 4000, -1}, false, "fission bp negative"},
  };
  for (const auto& [t, valid, what] : cases) {
    Result<HealthReport> r = report({group({1})}, t);
    EXPECT_EQ(r.ok(), valid) << what;
    if (!r.ok()) EXPECT_EQ(r.error().code, "community.bad_config") << what;
  }
}

TEST(CommunityEdges, CountsAtTheirLimits) {
  GroupMonthData g = group(std::vector<std::int64_t>(30, 1));  // November: 30 days
  EXPECT_TRUE(report({g}).ok());
  g.dailyMessages.push_back(1);
  EXPECT_EQ(report({g}).error().code, "community.bad_counts");
  g = group({1});
  g.hasRevisit = true;
  g.revisitMembers = 5;
  g.revisited = 5;
  EXPECT_TRUE(report({g}).ok());
  g.revisited = 6;
  EXPECT_EQ(report({g}).error().code, "community.bad_counts");
  g = group({1});
  g.hasFission = true;
  g.quarterNewMembers = 5;
  g.quarterReferred = 5;
  EXPECT_TRUE(report({g}).ok());
  g.quarterReferred = 6;
  EXPECT_EQ(report({g}).error().code, "community.bad_counts");
}

// ---- member lists -----------------------------------------------------------------

MemberListRequest members(DayNumber today) {
  MemberListRequest r;
  r.nowMs = beijing(today, 12);
  r.groupId = "g";
  return r;
}

MemberRecord member(const std::string& id, std::int64_t joined,
                    std::optional<std::int64_t> lastMessage = std::nullopt,
                    MemberRole role = MemberRole::kPatient) {
  MemberRecord m;
  m.id = id;
  m.displayName = id;
  m.role = role;
  m.joinedAtMs = joined;
  m.lastMessageAtMs = lastMessage;
  m.lastInteractionAtMs = lastMessage;
  return m;
}

MemberLists lists(const MemberListRequest& r) {
  Result<MemberLists> out = memberLists(r);
  if (!out.ok()) {
    ADD_FAILURE() << out.error().code;
    return {};
  }
  return out.value();
}

std::vector<std::string> ids(const std::vector<ReactivationEntry>& v) {
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(e.id);
  return out;
}

std::vector<std::string> ids(const std::vector<CleanUpEntry>& v) {
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(e.id);
  return out;
}

TEST(CommunityEdges, SilentAndInactiveCutOffDaysAreIncluded) {
  // Today 2026-11-23: silent (3 months) cut-off 2026-08-23, inactive (6) 2026-05-23.
  const DayNumber today = day("2026-11-23");
  MemberListRequest r = members(today);
  r.members = {member("silentOnCutoff", beijing(day("2026-01-01"), 9), beijing(day("2026-08-23"), 23, 59)),
               member("spokeNextDay", beijing(day("2026-01-01"), 9), beijing(day("2026-08-24"), 0, 0)),
               member("goneOnCutoff", beijing(day("2026-01-01"), 9), beijing(day("2026-05-23"), 12)),
               member("activeNextDay", beijing(day("2026-01-01"), 9), beijing(day("2026-05-24"), 12))};
  const MemberLists l = lists(r);
  EXPECT_EQ(l.silentCutoff, day("2026-08-23"));
  EXPECT_EQ(l.inactiveCutoff, day("2026-05-23"));
  EXPECT_EQ(ids(l.cleanUp), std::vector<std::string>{"goneOnCutoff"});
  EXPECT_EQ(ids(l.reactivation), (std::vector<std::string>{"activeNextDay", "silentOnCutoff"}));
}

TEST(CommunityEdges, ConfiguredSilentAndInactiveMonths) {
  const DayNumber today = day("2026-11-23");
  MemberListRequest r = members(today);
  r.config.silentMonths = 1;
  r.config.inactiveMonths = 2;
  r.members = {member("a", beijing(day("2026-01-01"), 9), beijing(day("2026-10-23"), 9)),
               member("b", beijing(day("2026-01-01"), 9), beijing(day("2026-10-24"), 9)),
               member("c", beijing(day("2026-01-01"), 9), beijing(day("2026-09-23"), 9))};
  const MemberLists l = lists(r);
  EXPECT_EQ(ids(l.reactivation), std::vector<std::string>{"a"});
  EXPECT_EQ(ids(l.cleanUp), std::vector<std::string>{"c"});
}

TEST(CommunityEdges, MemberListConfigLimits) {
  const std::vector<std::tuple<int, int, int, bool>> cases = {
      {1, 1, 1, true},      {0, 6, 200, false},   {24, 24, 200, true},  {25, 25, 200, false},
      {3, 2, 200, false},   {3, 3, 200, true},    {3, 36, 200, true},   {3, 37, 200, false},
      {3, 6, 0, false},     {3, 6, 100000, true}, {3, 6, 100001, false}};
  for (const auto& [silent, inactive, cap, valid] : cases) {
    MemberListRequest r = members(day("2026-11-23"));
    r.config.silentMonths = silent;
    r.config.inactiveMonths = inactive;
    r.config.groupCap = cap;
    Result<MemberLists> out = memberLists(r);
    EXPECT_EQ(out.ok(), valid) << silent << "/" << inactive << "/" << cap;
  }
}

TEST(CommunityEdges, StaffNeverListedAndFutureStampsCountAsToday) {
  const DayNumber today = day("2026-11-23");
  MemberListRequest r = members(today);
  for (MemberRole role : {MemberRole::kDoctor, MemberRole::kNurse, MemberRole::kService}) {
    r.members.push_back(member("staff" + std::to_string(static_cast<int>(role)),
                               beijing(day("2025-01-01"), 9), std::nullopt, role));
  }
  // Joined long ago, "last message" stamped a year ahead by a fast clock:
  // counts as today, so active.
  r.members.push_back(member("fast", beijing(day("2025-01-01"), 9), beijing(today + 365, 9)));
  // A waiting request stamped tomorrow is shown as requested today.
  r.waiting = {{"early", "", beijing(today + 1, 9)}};
  const MemberLists l = lists(r);
  EXPECT_EQ(l.staff, 3);
  EXPECT_TRUE(l.reactivation.empty());
  EXPECT_TRUE(l.cleanUp.empty());
  ASSERT_EQ(l.waiting.size(), 1u);
  EXPECT_EQ(l.waiting[0].requestedOn, today);
}

TEST(CommunityEdges, WaitingListAdmitsExactlyTheFreeSlots) {
  MemberListRequest r = members(day("2026-11-23"));
  r.config.groupCap = 3;
  r.members = {member("m", beijing(day("2026-11-20"), 9), beijing(day("2026-11-22"), 9))};
  for (int k = 0; k < 4; ++k)
    r.waiting.push_back({"w" + std::to_string(k), "", beijing(day("2026-11-01"), 9 + k)});
  const MemberLists l = lists(r);
  EXPECT_EQ(l.freeSlots, 2);
  ASSERT_EQ(l.waiting.size(), 4u);
  EXPECT_EQ(l.waiting[0].status, WaitingStatus::kAdmit);
  EXPECT_EQ(l.waiting[1].status, WaitingStatus::kAdmit);
  EXPECT_EQ(l.waiting[2].status, WaitingStatus::kWait);
  EXPECT_EQ(l.waiting[3].status, WaitingStatus::kWait);
}

// ---- the Q&A slot (default: Wednesday 20:00 for 60 minutes) ------------------------

QaSlotReply qa(std::int64_t nowMs, QaConfig c = {}) {
  QaSlotRequest r;
  r.nowMs = nowMs;
  r.config = std::move(c);
  Result<QaSlotReply> out = qaSlotReply(r);
  if (!out.ok()) {
    ADD_FAILURE() << out.error().code;
    return {};
  }
  return out.value();
}

TEST(CommunityEdges, SlotOpensOnItsFirstMillisecondAndClosesAtItsEnd) {
  const DayNumber wednesday = day("2026-11-25");
  const std::int64_t start = beijing(wednesday, 20);
  EXPECT_FALSE(qa(start - 1).inSlot);
  EXPECT_EQ(qa(start - 1).minutesUntilNext, 1);  // rounds up
  EXPECT_TRUE(qa(start).inSlot);
  EXPECT_TRUE(qa(start + 60 * kMinute - 1).inSlot);
  EXPECT_FALSE(qa(start + 60 * kMinute).inSlot);
  EXPECT_EQ(qa(start - kMinute).minutesUntilNext, 1);
  EXPECT_EQ(qa(start - kMinute - 1).minutesUntilNext, 2);
}

TEST(CommunityEdges, SlotConfigLimits) {
  const std::vector<std::tuple<int, int, int, bool>> cases = {
      {1, 0, 1, true},      {0, 0, 1, false},   {8, 0, 1, false},     {7, 1439, 1, true},
      {7, 1440, 1, false},  {3, -1, 1, false},  {3, 1200, 0, false},  {3, 1200, 1440, true},
      {3, 1200, 1441, false}};
  for (const auto& [weekday, start, duration, valid] : cases) {
    QaSlotRequest r;
    r.nowMs = beijing(day("2026-11-23"), 12);
    r.config.slots = {QaSlot{weekday, start, duration}};
    EXPECT_EQ(qaSlotReply(r).ok(), valid) << weekday << " " << start << " " << duration;
  }
  QaSlotRequest many;
  many.nowMs = beijing(day("2026-11-23"), 12);
  many.config.slots.assign(14, QaSlot{});
  EXPECT_TRUE(qaSlotReply(many).ok());
  many.config.slots.push_back(QaSlot{});
  EXPECT_FALSE(qaSlotReply(many).ok());
}

}  // namespace
}  // namespace carecircle
