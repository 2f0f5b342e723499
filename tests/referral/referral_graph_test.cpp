#include "referral/referral_graph.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>

namespace carecircle {
namespace {

constexpr std::int64_t kT0 = 1795420800000;  // 2026-11-23T08:00:00Z
constexpr std::int64_t kHour = 3'600'000;

ReferralRecord rec(const std::string& id, const std::string& from, const std::string& to,
                   std::int64_t invited) {
  ReferralRecord r;
  r.id = id;
  r.referrerId = from;
  r.refereeId = to;
  r.invitedAtMs = invited;
  return r;
}

std::vector<std::string> codes(const ReferralGraph& g) {
  std::vector<std::string> out;
  for (const GraphIssue& i : g.issues) out.push_back(i.code);
  return out;
}

std::int32_t nodeOf(const ReferralGraph& g, const std::string& id) {
  return static_cast<std::int32_t>(std::find(g.ids.begin(), g.ids.end(), id) - g.ids.begin());
}

std::string parentOf(const ReferralGraph& g, const std::string& id) {
  const std::int32_t v = nodeOf(g, id);
  if (v == static_cast<std::int32_t>(g.ids.size())) return "<absent>";
  const std::int32_t p = g.parent[v];
  return p < 0 ? "" : g.ids[p];
}

TEST(ReferralGraph, BuildsAForestWithChildrenInFirstTouchOrder) {
  const ReferralGraph g = buildReferralGraph(
      {rec("r2", "a", "c", kT0 + 2), rec("r1", "a", "b", kT0 + 1), rec("r3", "b", "d", kT0 + 3)},
      {}, {});
  EXPECT_TRUE(g.issues.empty());
  ASSERT_EQ(g.roots.size(), 1u);
  EXPECT_EQ(g.ids[g.roots[0]], "a");
  const std::int32_t a = nodeOf(g, "a");
  ASSERT_EQ(g.childStart[a + 1] - g.childStart[a], 2);
  EXPECT_EQ(g.ids[g.childList[g.childStart[a]]], "b");  // invited first
  EXPECT_EQ(g.depth[nodeOf(g, "d")], 2);
}

TEST(ReferralGraph, SelfReferralIsReportedAndIgnored) {
  const ReferralGraph g = buildReferralGraph({rec("r1", "a", "a", kT0)}, {}, {});
  EXPECT_EQ(codes(g), std::vector<std::string>{"referral.self_referral"});
  EXPECT_EQ(g.issues.at(0).recordIds, std::vector<std::string>{"r1"});
}

TEST(ReferralGraph, FirstTouchWinsATwiceClaimedReferee) {
  const ReferralGraph g =
      buildReferralGraph({rec("late", "x", "c", kT0 + 5), rec("early", "y", "c", kT0 + 1)}, {}, {});
  EXPECT_EQ(parentOf(g, "c"), "y");
  ASSERT_EQ(codes(g), std::vector<std::string>{"referral.duplicate_referee"});
  EXPECT_EQ(g.issues.at(0).recordIds, (std::vector<std::string>{"early", "late"}));
}

TEST(ReferralGraph, CyclesAreBrokenAtTheMostRecentTouch) {
  const ReferralGraph g = buildReferralGraph(
      {rec("r1", "a", "b", kT0 + 1), rec("r2", "b", "c", kT0 + 2), rec("r3", "c", "a", kT0 + 3)},
      {}, {});
  ASSERT_EQ(codes(g), std::vector<std::string>{"referral.cycle"});
  EXPECT_EQ(g.issues.at(0).recordIds, (std::vector<std::string>{"r1", "r2", "r3"}));
  EXPECT_EQ(parentOf(g, "a"), "");  // r3 (c → a) was the latest touch
  EXPECT_EQ(parentOf(g, "c"), "b");
  EXPECT_EQ(g.roots.size(), 1u);
}

TEST(ReferralGraph, UnknownPatientsAreReportedWhenTheListIsComplete) {
  GraphOptions o;
  o.requireKnownPatients = true;
  const ReferralGraph g = buildReferralGraph({rec("r1", "a", "ghost", kT0)}, {{"a", "王芳", 0}}, o);
  EXPECT_EQ(codes(g), std::vector<std::string>{"referral.unknown_id"});
}

TEST(ReferralGraph, RefereeWhoWasAPatientFirstIsNotAReferral) {
  const ReferralGraph g = buildReferralGraph(
      {rec("r1", "new", "old", kT0)},
      {{"new", "新患者", kT0 - 10 * kHour}, {"old", "老患者", kT0 - 900 * kHour}}, {});
  EXPECT_EQ(codes(g), std::vector<std::string>{"referral.referee_predates_referrer"});
  EXPECT_EQ(parentOf(g, "old"), "");
}

TEST(ReferralGraph, DuplicateRecordsKeepTheEarlierAndDropExactReplays) {
  ReferralRecord a = rec("r1", "a", "b", kT0 + 1);
  ReferralRecord b = rec("r1", "a", "c", kT0 + 2);
  ReferralGraph g = buildReferralGraph({b, a, a}, {}, {});
  EXPECT_EQ(codes(g), std::vector<std::string>{"referral.duplicate_record"});
  EXPECT_EQ(parentOf(g, "b"), "a");
  EXPECT_EQ(parentOf(g, "c"), "<absent>");  // only the dropped record named c
}

TEST(ReferralGraph, StagesFollowTimestampsAndLapseAfter48Hours) {
  GraphOptions o;
  o.nowMs = kT0 + 100 * kHour;
  ReferralRecord arrived = rec("r1", "a", "b", kT0);
  arrived.registeredAtMs = kT0 + kHour;
  arrived.arrivedAtMs = kT0 + 2 * kHour;
  arrived.convertedAtMs = kT0 + 3 * kHour;
  ReferralRecord lapsed = rec("r2", "a", "c", kT0);
  lapsed.registeredAtMs = kT0 + kHour;  // then nothing for 99 hours
  ReferralRecord fresh = rec("r3", "a", "d", kT0 + 90 * kHour);
  ReferralRecord backwards = rec("r4", "a", "e", kT0);
  backwards.registeredAtMs = kT0 + 5 * kHour;
  backwards.arrivedAtMs = kT0 + 4 * kHour;  // before registration
  ReferralRecord voided = rec("r5", "a", "f", kT0);
  voided.convertedAtMs = kT0 + kHour;
  voided.voidedAtMs = kT0 + 2 * kHour;
  const ReferralGraph g = buildReferralGraph({arrived, lapsed, fresh, backwards, voided}, {}, o);
  EXPECT_EQ(g.stage.at(0), ReferralStage::kConverted);
  EXPECT_EQ(g.stage.at(1), ReferralStage::kLapsed);
  EXPECT_EQ(g.stage.at(2), ReferralStage::kInvited);
  EXPECT_EQ(g.stage.at(3), ReferralStage::kLapsed);  // stopped at registered, then 95 h passed
  EXPECT_EQ(g.stage.at(4), ReferralStage::kVoided);
  EXPECT_EQ(codes(g), std::vector<std::string>{"referral.stage_regression"});
}

TEST(ReferralGraph, ArrivalOrderNeverChangesTheForest) {
  std::vector<ReferralRecord> records;
  for (int i = 1; i < 300; ++i) {
    records.push_back(rec("r" + std::to_string(i), "p" + std::to_string((i * 7919) % i),
                          "p" + std::to_string(i), kT0 + (i % 13)));
  }
  records.push_back(rec("dup", "p5", "p40", kT0));  // a second claim on p40
  records.push_back(rec("cyc", "p200", "p0", kT0 + 99));
  const ReferralGraph reference = buildReferralGraph(records, {}, {});
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(records.begin(), records.end(), rng);
    const ReferralGraph g = buildReferralGraph(records, {}, {});
    for (const std::string& id : reference.ids)
      ASSERT_EQ(parentOf(g, id), parentOf(reference, id)) << id;
    ASSERT_EQ(codes(g), codes(reference));
  }
}

TEST(ReferralGraph, AMillionLongChainIsLinearAndIterative) {
  std::vector<ReferralRecord> records;
  const int n = 1'000'000;
  records.reserve(n);
  for (int i = 1; i < n; ++i) {
    records.push_back(rec("r" + std::to_string(i), "p" + std::to_string(i - 1),
                          "p" + std::to_string(i), kT0 + i));
  }
  const ReferralGraph g = buildReferralGraph(records, {}, {});
  EXPECT_EQ(g.roots.size(), 1u);
  EXPECT_EQ(*std::max_element(g.depth.begin(), g.depth.end()), n - 1);
  std::vector<bool> collapsed;
  const SubtreeShape s = subtreeShape(g, -1, 1 << 30, collapsed);
  const TreeLayout layout = layoutTidyTree(s.shape, LayoutOptions{});
  EXPECT_EQ(layout.x.size(), static_cast<std::size_t>(n) + 1);
  EXPECT_EQ(layout.depth.back(), n);
}

TEST(TidyTree, SmallTreesMatchHandComputedD3Coordinates) {
  // d3.tree().nodeSize([1, 1]) on a root with three leaves: -1, 0, 1.
  TreeShape star{{0, 3, 3, 3, 3}, {1, 2, 3}};
  TreeLayout l = layoutTidyTree(star, LayoutOptions{});
  EXPECT_EQ(l.x, (std::vector<double>{0, -1, 0, 1}));
  // Two cousins under two siblings are separated by 2: -1.5, 1.5 for the parents.
  TreeShape cousins{{0, 2, 3, 4, 4, 4}, {1, 2, 3, 4}};
  l = layoutTidyTree(cousins, LayoutOptions{});
  EXPECT_EQ(l.x, (std::vector<double>{0, -1, 1, -1, 1}));
  EXPECT_EQ(l.depth, (std::vector<std::int32_t>{0, 1, 1, 2, 2}));
}

}  // namespace
}  // namespace carecircle
