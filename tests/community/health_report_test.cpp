// Community health report (seed 000, 数据养鱼): thresholds met exactly, no
// floating point, division by zero defined, chart data.
#include <gtest/gtest.h>

#include <string>

#include "community/community.hpp"

namespace carecircle {
namespace {

GroupMonthData group(std::string id, std::vector<std::int64_t> daily) {
  GroupMonthData g;
  g.id = std::move(id);
  g.name = "甲状腺术后康复群";
  g.memberCount = 186;
  g.dailyMessages = std::move(daily);
  return g;
}

HealthReport run(std::vector<GroupMonthData> groups, const char* month = "2026-11") {
  HealthReportRequest r;
  r.month = *parseYearMonth(month);
  r.groups = std::move(groups);
  Result<HealthReport> report = communityHealthReport(r);
  EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().code);
  return report.ok() ? report.value() : HealthReport{};
}

std::string errorOf(std::vector<GroupMonthData> groups, HealthThresholds t = {},
                    const char* month = "2026-11") {
  HealthReportRequest r;
  r.month = *parseYearMonth(month);
  r.thresholds = t;
  r.groups = std::move(groups);
  Result<HealthReport> report = communityHealthReport(r);
  return report.ok() ? "ok" : report.error().code + " " + report.error().path;
}

TEST(CommunityHealthReport, ActivityThresholdsAreExact) {
  // 10 days: 500 messages = exactly 50 a day (healthy); 499 is normal;
  // 200 = exactly 20 (normal); 199 is a warning.
  std::vector<std::int64_t> healthy(10, 50), normalHigh(10, 50), normalLow(10, 20), warning(10, 20);
  normalHigh[0] = 49;
  warning[0] = 19;
  const HealthReport s = run(
      {group("a", healthy), group("b", normalHigh), group("c", normalLow), group("d", warning)});
  EXPECT_EQ(s.groups.at(0).activity, ActivityLevel::kHealthy);
  EXPECT_EQ(s.groups.at(1).activity, ActivityLevel::kNormal);
  EXPECT_EQ(s.groups.at(2).activity, ActivityLevel::kNormal);
  EXPECT_EQ(s.groups.at(3).activity, ActivityLevel::kWarning);
  EXPECT_EQ(s.groups.at(1).averageDailyX100.value(), 4990);
  EXPECT_EQ(s.groups.at(3).averageDailyX100.value(), 1990);
  EXPECT_TRUE(s.groups.at(3).refreshPlan);
  EXPECT_FALSE(s.groups.at(2).refreshPlan);
  EXPECT_EQ(s.healthy, 1);
  EXPECT_EQ(s.normal, 2);
  EXPECT_EQ(s.warning, 1);
  EXPECT_EQ(s.refreshPlans, 1);
}

TEST(CommunityHealthReport, GroupsWithNoMessagesHaveDefinedResults) {
  const HealthReport r =
      run({group("silent", std::vector<std::int64_t>(30, 0)), group("unreported", {})});
  EXPECT_EQ(r.groups.at(0).activity, ActivityLevel::kWarning);  // zero a day is below 20
  EXPECT_EQ(r.groups.at(0).averageDailyX100.value(), 0);
  EXPECT_TRUE(r.groups.at(0).refreshPlan);
  EXPECT_EQ(r.groups.at(1).activity, ActivityLevel::kNoData);  // no day reported: no average, no flag
  EXPECT_FALSE(r.groups.at(1).averageDailyX100);
  EXPECT_FALSE(r.groups.at(1).refreshPlan);
  EXPECT_EQ(r.noActivityData, 1);
  // No revisit or fission data, and 0 / 0: neither pass nor fail.
  EXPECT_EQ(r.groups.at(0).conversion.level, RateLevel::kNoData);
  EXPECT_FALSE(r.groups.at(0).conversion.rateBp);
  EXPECT_EQ(r.overallConversion.level, RateLevel::kNoData);
  GroupMonthData empty = group("empty", {});
  empty.hasRevisit = true;
  empty.hasFission = true;
  const HealthReport z = run({empty});
  EXPECT_EQ(z.groups.at(0).conversion.level, RateLevel::kNoData);
  EXPECT_EQ(z.groups.at(0).fission.level, RateLevel::kNoData);
  EXPECT_FALSE(z.groups.at(0).benchmark);
}

TEST(CommunityHealthReport, RevisitAndReferralRatesUseBasisPointsAndExactComparisons) {
  GroupMonthData a = group("a", {60});
  a.hasRevisit = true, a.revisitMembers = 120, a.revisited = 48;         // exactly 40 %
  a.hasFission = true, a.quarterNewMembers = 30, a.quarterReferred = 9;  // exactly 30 %
  GroupMonthData b = group("b", {60});
  b.hasRevisit = true, b.revisitMembers = 10001, b.revisited = 4000;    // 39.996 %
  b.hasFission = true, b.quarterNewMembers = 7, b.quarterReferred = 2;  // 28.57 %
  const HealthReport r = run({a, b});
  EXPECT_EQ(r.groups.at(0).conversion.level, RateLevel::kMeets);
  EXPECT_EQ(r.groups.at(0).conversion.rateBp.value(), 4000);
  EXPECT_EQ(r.groups.at(0).fission.level, RateLevel::kMeets);
  EXPECT_TRUE(r.groups.at(0).benchmark);
  EXPECT_EQ(r.groups.at(1).conversion.level, RateLevel::kBelow);
  EXPECT_EQ(r.groups.at(1).conversion.rateBp.value(), 3999);  // floor: the figure never overstates the test
  EXPECT_EQ(r.groups.at(1).fission.rateBp.value(), 2857);
  EXPECT_FALSE(r.groups.at(1).benchmark);
  EXPECT_EQ(r.overallConversion.numerator, 4048);
  EXPECT_EQ(r.overallConversion.denominator, 10121);
  EXPECT_EQ(r.conversionPass, 1);
  EXPECT_EQ(r.benchmarks, 1);
  EXPECT_EQ(r.quarter, 4);
}

TEST(CommunityHealthReport, ChartDataIsReadyToDraw) {
  std::vector<std::int64_t> daily = {0, 12, 87, 50};
  const HealthReport r = run({group("a", daily)}, "2026-02");
  const ChartData& c = r.groups.at(0).chart;
  EXPECT_EQ(r.daysInMonth, 28);
  EXPECT_EQ(c.yMax, 100);
  EXPECT_EQ(c.yTicks, (std::vector<std::int64_t>{0, 20, 40, 60, 80, 100}));
  ASSERT_EQ(c.values.size(), 28u);
  EXPECT_EQ(*c.values[2], 87);
  EXPECT_EQ(*c.heightsPermille[2], 870);
  EXPECT_FALSE(c.values[4]);  // not reported yet
  EXPECT_EQ(c.healthyLinePermille, 500);
  EXPECT_EQ(c.warningLinePermille, 200);
  // The scale always shows the healthy line, even for a quiet group.
  EXPECT_EQ(run({group("q", {1, 2})}).groups.at(0).chart.yMax, 50);
  EXPECT_EQ(run({group("big", {1234})}).groups.at(0).chart.yMax, 2000);
  EXPECT_EQ(run({group("big", {1234})}).groups.at(0).chart.yTicks.back(), 2000);
}

TEST(CommunityHealthReport, InconsistentCountsAreErrors) {
  GroupMonthData g = group("a", {});
  g.hasRevisit = true, g.revisitMembers = 10, g.revisited = 11;
  EXPECT_EQ(errorOf({g}), "community.bad_counts /groups/0/revisit");
  g = group("a", {});
  g.hasFission = true, g.quarterNewMembers = 1, g.quarterReferred = 2;
  EXPECT_EQ(errorOf({g}), "community.bad_counts /groups/0/newMembers");
  EXPECT_EQ(errorOf({group("a", std::vector<std::int64_t>(29, 1))}, {}, "2026-02"),
            "community.bad_counts /groups/0/dailyMessages");
  EXPECT_EQ(errorOf({group("a", std::vector<std::int64_t>(29, 1))}, {}, "2028-02"),
            "ok");  // leap year
  EXPECT_EQ(errorOf({group("a", {}), group("a", {})}), "community.duplicate_group /groups/1/id");
  EXPECT_EQ(errorOf({group("a", {5, -1})}), "community.bad_counts /groups/0");
  g = group("a", {});
  g.hasRevisit = true, g.revisitMembers = 2'000'000'000, g.revisited = 1;
  EXPECT_EQ(errorOf({g}), "community.bad_counts /groups/0");
}

TEST(CommunityHealthReport, BadThresholdsAreRefused) {
  HealthThresholds t;
  t.warningDailyMessages = 60;
  EXPECT_EQ(errorOf({}, t), "community.bad_config /config/warningDailyMessages");
  t = {};
  t.healthyDailyMessages = 0;
  EXPECT_EQ(errorOf({}, t), "community.bad_config /config/healthyDailyMessages");
  t = {};
  t.revisitPassBp = 10001;
  EXPECT_EQ(errorOf({}, t), "community.bad_config /config/revisitPassBp");
  t = {};
  t.fissionGoodBp = -1;
  EXPECT_EQ(errorOf({}, t), "community.bad_config /config/fissionGoodBp");
}

TEST(CommunityHealthReport, AnEmptyHospitalIsAnEmptyReport) {
  const HealthReport r = run({});
  EXPECT_TRUE(r.groups.empty());
  EXPECT_EQ(r.overallFission.level, RateLevel::kNoData);
}

}  // namespace
}  // namespace carecircle
