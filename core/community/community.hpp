// Community operations, staff side (docs/api/community.md; seed 000 "数据养鱼" / "风险管控",
// seed 001 "KOC识别模型").
//
//  - assessKoc():            the nurse's 转介绍意愿度评估表 (5 scored questions plus
//                            the incentive-type item), ≥ 12 points → the patient
//                            enters the referral programme; tags pick the
//                            e-referral letter template.
//  - communityHealthReport(): per group and month: activity, 60-day revisit
//                            rate, quarter's referral share of new members;
//                            换水计划 / 标杆群 flags; chart data.
//  - memberLists():          silent (3 months) → reactivation, inactive
//                            (6 months) → clean-up candidates, group cap and
//                            waiting list.
//  - qaSlotReply():          the doctor's fixed Q&A slot and the nurse's
//                            templated reply outside it (医生不在,护士不答病).
//
// Every rule is integer arithmetic: rates are basis points (1/100 of a
// percent), thresholds are compared exactly by cross-multiplying, never by
// dividing. "Now" and the UTC offset are inputs; the core reads no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/civil_date.hpp"
#include "common/error.hpp"

namespace carecircle {

// ---------------------------------------------------------------------------
// KOC willingness assessment (seed 001, 第一:找对人)

enum class IncentiveType { kHonour, kBenefit, kPrivilege };
const char* incentiveTypeName(IncentiveType type);  // "honour" | "benefit" | "privilege"
const char* incentiveTypeLabel(IncentiveType type);  // "荣誉驱动型" | "利益共享型" | "特权稀缺型"
// The e-referral letter template's title: "健康大使荣誉推荐函" | "成长基金推荐函" | "黑金推荐函".
// The template id is incentiveTypeName(): "honour" | "benefit" | "privilege".
const char* referralLetterTitle(IncentiveType type);

struct KocOption {
  std::string id;                          // stable within its question, 1..32 bytes
  std::string label;                       // Chinese, what the nurse reads out / taps
  int points = 0;                          // 0..10
  bool peakMoment = false;                 // choosing it sets the "experience peak moment" tag
  bool socialA = false;                    // choosing it makes the patient social-influence class A
  std::optional<IncentiveType> incentive;  // choosing it sets the incentive type
};

struct KocQuestion {
  std::string id;                  // stable, 1..32 bytes
  std::string text;                // Chinese question
  std::string hint;                // Chinese note for the nurse ("" for none)
  bool scored = true;              // false: a tag-only item that adds no points
  std::vector<KocOption> options;  // 2..8
};

// The seed's form: five scored questions (0..4 points each, 20 in all) and
// the incentive-type item. Seed 001: peak moment = "超预期服务时刻"; class A =
// "每周3次以上" friends' gatherings or "有固定社群活动"; incentive types
// honour (老年患者居多) / benefit (年轻父母) / privilege (企业主).
std::vector<KocQuestion> defaultKocQuestions();

struct KocConfig {
  std::vector<KocQuestion> questions = defaultKocQuestions();  // 1..12 questions
  int threshold = 12;  // points needed to join the referral programme (seed: ≥12)
  IncentiveType defaultIncentive = IncentiveType::kHonour;  // when no option names one
};

struct KocAnswer {
  std::string questionId;
  std::string optionId;
};

struct KocRequest {
  std::string patientId;  // optional, echoed
  KocConfig config;
  bool hasAnswers = false;  // false: the blank form only
  std::vector<KocAnswer> answers;
  // A clinically sensitive case (e.g. pregnancy loss, bereavement, poor
  // prognosis): never invited, whatever the score (seed 001: inviting a
  // patient just after a miscarriage raised complaints; G17, docs/compliance.md).
  bool sensitiveCase = false;
  std::string peakMomentNote;  // free text the nurse noted, echoed (≤ 500 bytes)
};

struct KocScoredAnswer {
  std::string questionId;
  std::string optionId;
  std::string label;
  int points = 0;
};

struct KocAssessment {
  int score = 0;
  int maxScore = 0;
  int threshold = 0;
  bool qualifies = false;  // enters the referral programme
  bool peakMoment = false;
  bool socialClassA = false;
  IncentiveType incentive = IncentiveType::kHonour;
  bool incentiveFromAnswers = false;     // false: the configured default applied
  std::vector<KocScoredAnswer> answers;  // in question order
  std::vector<std::string> reasons;      // Chinese, one line each
  std::string summary;
};

struct KocResult {
  std::string patientId;
  KocConfig config;  // the form to render (questions, threshold)
  int maxScore = 0;
  bool hasAssessment = false;
  KocAssessment assessment;
};

// Errors: community.bad_config (no questions, duplicate ids, points out of
// 0..10, fewer than 2 options, threshold above the maximum score),
// community.missing_answer (a question without an answer; path
// /answers/<questionId>), community.unknown_question, community.bad_answer
// (an option the question does not have).
Result<KocResult> assessKoc(const KocRequest& request);

// ---------------------------------------------------------------------------
// Community health report (seed 000, 第四招:数据养鱼)

struct HealthThresholds {
  std::int64_t healthyDailyMessages = 50;  // average per day ≥ this → healthy
  std::int64_t warningDailyMessages = 20;  // average per day < this → warning
  std::int64_t revisitPassBp = 4000;       // 60-day revisit rate ≥ 40.00 % passes
  std::int64_t fissionGoodBp = 3000;  // referred share of the quarter's new members ≥ 30.00 %
};

// Counts are 0..1e9 (daily messages 0..1e7); outside → community.bad_counts.
struct GroupMonthData {
  std::string id;
  std::string name;
  std::int64_t memberCount = 0;
  // Messages per civil day of the month, index 0 = the 1st; may be shorter
  // than the month (days not yet over are left out). Empty: no data.
  std::vector<std::int64_t> dailyMessages;
  bool hasRevisit = false;
  std::int64_t revisitMembers = 0;  // members whose 60-day window closed this month
  std::int64_t revisited = 0;       // ... of whom came back within 60 days
  bool hasFission = false;
  std::int64_t quarterNewMembers = 0;  // joined this quarter up to the month's end
  std::int64_t quarterReferred = 0;    // ... of whom were referred by members
};

struct HealthReportRequest {
  YearMonth month;
  HealthThresholds thresholds;
  std::vector<GroupMonthData> groups;
};

enum class ActivityLevel { kNoData, kWarning, kNormal, kHealthy };
enum class RateLevel { kNoData, kBelow, kMeets };
const char* activityLevelName(ActivityLevel level);  // "noData" | "warning" | "normal" | "healthy"

struct RateMetric {
  RateLevel level = RateLevel::kNoData;
  std::int64_t numerator = 0;
  std::int64_t denominator = 0;
  std::optional<std::int64_t> rateBp;  // floor(numerator * 10000 / denominator); none when 0/0
};

struct ChartData {
  std::int64_t yMax = 0;             // a "nice" 1/2/5 × 10^k ≥ every value and the healthy line
  std::vector<std::int64_t> yTicks;  // from 0 to yMax inclusive, evenly spaced
  std::vector<std::optional<std::int64_t>> values;  // one per day of the month; none = not reported
  std::vector<std::optional<std::int64_t>> heightsPermille;  // value * 1000 / yMax (floor)
  std::int64_t healthyLinePermille = 0;
  std::int64_t warningLinePermille = 0;
};

struct GroupHealth {
  std::string id;
  std::string name;
  std::int64_t memberCount = 0;
  ActivityLevel activity = ActivityLevel::kNoData;
  int daysReported = 0;
  std::int64_t totalMessages = 0;
  std::optional<std::int64_t> averageDailyX100;  // floor(total * 100 / days)
  RateMetric conversion;
  RateMetric fission;
  bool refreshPlan = false;  // 换水计划: activity warning
  bool benchmark = false;    // 标杆群: fission meets the target
  ChartData chart;
};

struct HealthReport {
  YearMonth month;
  int daysInMonth = 0;
  int quarter = 1;  // 1..4, the quarter containing the month
  HealthThresholds thresholds;
  std::vector<GroupHealth> groups;  // input order
  int healthy = 0, normal = 0, warning = 0, noActivityData = 0;
  int conversionPass = 0, fissionGood = 0, refreshPlans = 0, benchmarks = 0;
  std::int64_t totalMembers = 0;
  RateMetric overallConversion;  // sums over groups with data
  RateMetric overallFission;
};

// Errors: community.bad_config (warning line above the healthy line, bp
// outside 0..10000), community.duplicate_group, community.bad_counts (a count
// out of range, revisited > members, referred > new members, more daily
// counts than days in the month), input.too_many_items (over 1,000 groups).
Result<HealthReport> communityHealthReport(const HealthReportRequest& request);

// ---------------------------------------------------------------------------
// Member lists (seed 000: 沉默激活, 定期清群, 每群200人以内)

enum class MemberRole { kPatient, kDoctor, kNurse, kService };  // staff never appear on lists

struct MemberRecord {
  std::string id;
  std::string displayName;  // as the backend sends it (staff view); echoed
  MemberRole role = MemberRole::kPatient;
  std::int64_t joinedAtMs = 0;
  std::optional<std::int64_t> lastMessageAtMs;  // last message posted
  std::optional<std::int64_t>
      lastInteractionAtMs;  // any interaction (reaction, check-in, reply...)
};

struct WaitingEntry {
  std::string id;
  std::string displayName;
  std::int64_t requestedAtMs = 0;
};

struct MemberListConfig {
  int utcOffsetMinutes = 480;
  int silentMonths = 3;    // no message for this many calendar months → reactivation list
  int inactiveMonths = 6;  // no interaction at all for this many months → clean-up candidate
  int groupCap = 200;      // members per group, staff included
  // {name} is replaced by the member's display name. No incentive in it: a
  // reactivation message is care, not marketing.
  std::string reactivationTemplate =
      "{name}，您最近恢复得怎么样？群里的病友和护士都惦记着您，有任何康复上的问题欢迎在群里聊聊。";
};

struct MemberListRequest {
  std::int64_t nowMs = 0;
  bool deviceClock = false;
  MemberListConfig config;
  std::string groupId;
  std::string groupName;
  std::vector<MemberRecord> members;
  std::vector<WaitingEntry> waiting;
};

struct ReactivationEntry {
  std::string id;
  std::string displayName;
  bool neverSpoke = false;
  DayNumber silentSince = 0;  // day of the last message, or of joining
  int silentDays = 0;
  std::string suggestedMessage;
};

struct CleanUpEntry {
  std::string id;
  std::string displayName;
  DayNumber lastActive = 0;  // latest of joining, last message, last interaction
  int inactiveDays = 0;
};

enum class WaitingStatus { kAdmit, kWait, kAlreadyMember };

struct WaitingPlace {
  std::string id;
  std::string displayName;
  DayNumber requestedOn = 0;
  int position = 0;  // 1-based among those still waiting; 0 for alreadyMember
  WaitingStatus status = WaitingStatus::kWait;
};

struct MemberLists {
  std::string groupId;
  std::string groupName;
  DayNumber today = 0;
  bool deviceClock = false;
  DayNumber silentCutoff = 0;    // last message on or before this day → silent
  DayNumber inactiveCutoff = 0;  // last activity on or before this day → clean-up
  int members = 0, patients = 0, staff = 0, cap = 0;
  int freeSlots = 0;  // max(0, cap - members)
  int overCapBy = 0;  // max(0, members - cap)
  int freeSlotsAfterCleanUp = 0;
  std::vector<ReactivationEntry> reactivation;  // longest silent first
  std::vector<CleanUpEntry> cleanUp;            // longest inactive first
  std::vector<WaitingPlace> waiting;            // first come, first served
  std::string capText;
};

// Errors: community.bad_config, community.bad_now, community.duplicate_member
// (an id twice among members, or twice on the waiting list).
// Timestamps after now count as today (a fast device clock must not make
// anyone look more active than "today").
Result<MemberLists> memberLists(const MemberListRequest& request);

// ---------------------------------------------------------------------------
// The doctor's fixed Q&A slot (seed 000: 每周三晚在线答疑; 医生不在,护士不答病)

struct QaSlot {
  int isoWeekday = 3;      // 1 = Monday .. 7 = Sunday
  int startMinute = 1200;  // minutes after local midnight (20:00)
  int durationMinutes = 60;
};

struct QaConfig {
  int utcOffsetMinutes = 480;
  std::vector<QaSlot> slots = {QaSlot{}};  // 1..14
  std::string emergencyContact = "120";
  // {slot} → e.g. "周三晚8点", {contact} → emergencyContact.
  std::string replyTemplate = "您的情况已记录，医生将在{slot}统一回复，紧急情况请致电{contact}";
};

struct QaSlotRequest {
  std::int64_t nowMs = 0;
  QaConfig config;
};

struct QaSlotTime {
  std::int64_t startMs = 0;  // epoch ms UTC
  std::int64_t endMs = 0;
  DayNumber day = 0;  // local civil day of the start
  int isoWeekday = 1;
  int startMinute = 0;
  std::string text;  // relative to now: "今晚8点", "明天上午9点半", "周三晚8点", "下周三晚8点"
};

struct QaSlotReply {
  bool inSlot = false;  // the doctor answers now; the nurse does not reply
  std::optional<QaSlotTime> current;
  QaSlotTime next;    // the next slot starting after now
  std::string reply;  // the nurse's templated reply; "" while in a slot
  int minutesUntilNext = 0;
};

// Errors: community.bad_config (no slot, weekday/time/duration out of range),
// community.bad_now.
Result<QaSlotReply> qaSlotReply(const QaSlotRequest& request);

}  // namespace carecircle
