// Community health report (seed 000, 第四招:数据养鱼): "每月出《社群健康度报告》,
// 看三个核心指标: 活跃度 日均消息数≥50条为健康群,低于20条预警; 转化率 群内成员60天内
// 复诊率≥40%为合格; 裂变率 每季度新增成员中,老带新占比≥30%为佳". Groups short of
// activity get the 换水计划; groups with a high referral share become 标杆群.
//
// No floating point: a threshold is met when numerator × 10000 ≥ bp ×
// denominator (exact), and a rate is shown as floor(numerator × 10000 /
// denominator) basis points, so the figure shown never overstates the test.
#include <algorithm>
#include <set>

#include "community/community.hpp"

namespace carecircle {
namespace {

constexpr std::size_t kMaxGroups = 1'000;
constexpr std::int64_t kMaxDailyThreshold = 1'000'000;
constexpr std::int64_t kBpScale = 10'000;
// Bounds that keep every product below 2^63: 1,000 groups × 1e9 × 10,000 < 1e17.
constexpr std::int64_t kMaxCount = 1'000'000'000;
constexpr std::int64_t kMaxDailyCount = 10'000'000;

RateMetric rate(std::int64_t numerator, std::int64_t denominator, std::int64_t thresholdBp) {
  RateMetric m;
  m.numerator = numerator;
  m.denominator = denominator;
  if (denominator == 0) return m;  // 0 / 0: no data, neither pass nor fail
  m.rateBp = numerator * kBpScale / denominator;
  m.level =
      numerator * kBpScale >= thresholdBp * denominator ? RateLevel::kMeets : RateLevel::kBelow;
  return m;
}

// Smallest 1, 2 or 5 × 10^k that is ≥ v (v ≥ 1).
std::int64_t niceCeiling(std::int64_t v) {
  for (std::int64_t p = 1;; p *= 10) {
    for (std::int64_t m : {1, 2, 5}) {
      if (m * p >= v) return m * p;
    }
  }
}

ChartData chartFor(const GroupMonthData& g, int daysInMonth, const HealthThresholds& t) {
  ChartData c;
  std::int64_t top = std::max<std::int64_t>(t.healthyDailyMessages, 1);
  for (std::int64_t v : g.dailyMessages) top = std::max(top, v);
  c.yMax = niceCeiling(top);
  for (std::int64_t parts : {5, 4, 2, 1}) {
    if (c.yMax % parts != 0) continue;
    for (std::int64_t i = 0; i <= parts; ++i) c.yTicks.push_back(c.yMax / parts * i);
    break;
  }
  for (int d = 0; d < daysInMonth; ++d) {
    if (static_cast<std::size_t>(d) < g.dailyMessages.size()) {
      const std::int64_t v = g.dailyMessages[static_cast<std::size_t>(d)];
      c.values.emplace_back(v);
      c.heightsPermille.emplace_back(v * 1000 / c.yMax);
    } else {
      c.values.emplace_back(std::nullopt);
      c.heightsPermille.emplace_back(std::nullopt);
    }
  }
  c.healthyLinePermille = t.healthyDailyMessages * 1000 / c.yMax;
  c.warningLinePermille = t.warningDailyMessages * 1000 / c.yMax;
  return c;
}

}  // namespace

const char* activityLevelName(ActivityLevel level) {
  switch (level) {
    case ActivityLevel::kNoData:
      return "noData";
    case ActivityLevel::kWarning:
      return "warning";
    case ActivityLevel::kNormal:
      return "normal";
    case ActivityLevel::kHealthy:
      return "healthy";
  }
  return "noData";
}

Result<HealthReport> communityHealthReport(const HealthReportRequest& request) {
  const HealthThresholds& t = request.thresholds;
  auto bad = [](std::string message, std::string path) {
    return Error{"community.bad_config", std::move(message), std::move(path)};
  };
  if (t.healthyDailyMessages < 1 || t.healthyDailyMessages > kMaxDailyThreshold)
    return bad("健康群日均消息数标准必须在1到1000000之间", "/config/healthyDailyMessages");
  if (t.warningDailyMessages < 0 || t.warningDailyMessages > t.healthyDailyMessages)
    return bad("预警线必须在0到健康标准之间", "/config/warningDailyMessages");
  if (t.revisitPassBp < 0 || t.revisitPassBp > kBpScale)
    return bad("复诊率合格线必须在0到10000个基点之间", "/config/revisitPassBp");
  if (t.fissionGoodBp < 0 || t.fissionGoodBp > kBpScale)
    return bad("老带新占比目标必须在0到10000个基点之间", "/config/fissionGoodBp");
  if (request.groups.size() > kMaxGroups) {
    return Error{"input.too_many_items", "社群数量过多（上限1000个）", "/groups"};
  }

  HealthReport report;
  report.month = request.month;
  report.daysInMonth = static_cast<int>(daysIn(request.month));
  report.quarter = static_cast<int>((request.month.month - 1) / 3 + 1);
  report.thresholds = t;
  std::set<std::string> ids;
  std::int64_t revisitNum = 0, revisitDen = 0, fissionNum = 0, fissionDen = 0;
  for (std::size_t i = 0; i < request.groups.size(); ++i) {
    const GroupMonthData& g = request.groups[i];
    const std::string path = "/groups/" + std::to_string(i);
    if (!ids.insert(g.id).second) {
      return Error{"community.duplicate_group", "社群编号重复：" + g.id, path + "/id"};
    }
    const auto outside = [](std::int64_t v, std::int64_t max) { return v < 0 || v > max; };
    bool badCount = outside(g.memberCount, kMaxCount) || outside(g.revisitMembers, kMaxCount) ||
                    outside(g.revisited, kMaxCount) || outside(g.quarterNewMembers, kMaxCount) ||
                    outside(g.quarterReferred, kMaxCount);
    for (std::int64_t v : g.dailyMessages) badCount = badCount || outside(v, kMaxDailyCount);
    if (badCount) {
      return Error{"community.bad_counts", "人数或消息数超出允许范围（不能为负数）", path};
    }
    if (g.dailyMessages.size() > static_cast<std::size_t>(report.daysInMonth)) {
      return Error{"community.bad_counts", "每日消息数的天数超过了当月天数",
                   path + "/dailyMessages"};
    }
    if (g.hasRevisit && g.revisited > g.revisitMembers) {
      return Error{"community.bad_counts", "60天内复诊人数不能多于统计人数", path + "/revisit"};
    }
    if (g.hasFission && g.quarterReferred > g.quarterNewMembers) {
      return Error{"community.bad_counts", "老带新人数不能多于本季度新增成员数",
                   path + "/newMembers"};
    }

    GroupHealth h;
    h.id = g.id;
    h.name = g.name;
    h.memberCount = g.memberCount;
    h.daysReported = static_cast<int>(g.dailyMessages.size());
    for (std::int64_t v : g.dailyMessages) h.totalMessages += v;
    if (h.daysReported > 0) {
      const std::int64_t days = h.daysReported;
      h.averageDailyX100 = h.totalMessages * 100 / days;
      if (h.totalMessages >= t.healthyDailyMessages * days)
        h.activity = ActivityLevel::kHealthy;
      else if (h.totalMessages < t.warningDailyMessages * days)
        h.activity = ActivityLevel::kWarning;
      else
        h.activity = ActivityLevel::kNormal;
    }
    if (g.hasRevisit) h.conversion = rate(g.revisited, g.revisitMembers, t.revisitPassBp);
    if (g.hasFission) h.fission = rate(g.quarterReferred, g.quarterNewMembers, t.fissionGoodBp);
    h.refreshPlan = h.activity == ActivityLevel::kWarning;
    h.benchmark = h.fission.level == RateLevel::kMeets;
    h.chart = chartFor(g, report.daysInMonth, t);

    switch (h.activity) {
      case ActivityLevel::kHealthy:
        ++report.healthy;
        break;
      case ActivityLevel::kNormal:
        ++report.normal;
        break;
      case ActivityLevel::kWarning:
        ++report.warning;
        break;
      case ActivityLevel::kNoData:
        ++report.noActivityData;
        break;
    }
    if (h.conversion.level == RateLevel::kMeets) ++report.conversionPass;
    if (h.fission.level == RateLevel::kMeets) ++report.fissionGood;
    if (h.refreshPlan) ++report.refreshPlans;
    if (h.benchmark) ++report.benchmarks;
    report.totalMembers += g.memberCount;
    if (g.hasRevisit) revisitNum += g.revisited, revisitDen += g.revisitMembers;
    if (g.hasFission) fissionNum += g.quarterReferred, fissionDen += g.quarterNewMembers;
    report.groups.push_back(std::move(h));
  }
  report.overallConversion = rate(revisitNum, revisitDen, t.revisitPassBp);
  report.overallFission = rate(fissionNum, fissionDen, t.fissionGoodBp);
  return report;
}

}  // namespace carecircle
