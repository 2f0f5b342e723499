// Exact boundaries of the referral graph, the patient's tree and the staff
// forest: the 48-hour lapse to the millisecond, first-visit order at equal
// instants, consent (G7) on every feed event, depth limits, viewport edges
// and the tidy tree's separations.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "referral/referral_graph.hpp"
#include "referral/referral_view.hpp"
#include "referral/tree_layout.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kT0 = 1795420800000;  // 2026-11-23T08:00:00Z = 16:00 in Beijing
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

std::string parentOf(const ReferralGraph& g, const std::string& id) {
  const auto it = std::find(g.ids.begin(), g.ids.end(), id);
  if (it == g.ids.end()) return "<absent>";
  const std::int32_t p = g.parent[static_cast<std::size_t>(it - g.ids.begin())];
  return p < 0 ? "" : g.ids[static_cast<std::size_t>(p)];
}

ReferralStage stageAt(const ReferralRecord& r, std::int64_t nowMs, std::int64_t lapseAfterMs) {
  GraphOptions o;
  o.nowMs = nowMs;
  o.lapseAfterMs = lapseAfterMs;
  const ReferralGraph g = buildReferralGraph({r}, {}, o);
  if (g.stage.size() != 1) {
    ADD_FAILURE() << "no stage";
    return ReferralStage::kVoided;
  }
  return g.stage[0];
}

// ---- the lapse: 48 h by default, 24 h configured ------------------------------

TEST(ReferralEdges, OfferLapsesExactlyLapseAfterMsAfterTheLastStep) {
  for (const std::int64_t lapse : {48 * kHour, 24 * kHour}) {
    ReferralRecord r = rec("r1", "a", "b", kT0);
    r.registeredAtMs = kT0 + kHour;
    const std::int64_t last = r.registeredAtMs;
    EXPECT_EQ(stageAt(r, last + lapse - 1, lapse), ReferralStage::kRegistered) << lapse;
    EXPECT_EQ(stageAt(r, last + lapse, lapse), ReferralStage::kLapsed) << lapse;
  }
}

TEST(ReferralEdges, EveryStageBeforeConversionLapsesConversionDoesNot) {
  const std::int64_t later = kT0 + 100 * kHour;
  ReferralRecord invited = rec("r1", "a", "b", kT0);
  EXPECT_EQ(stageAt(invited, later, 48 * kHour), ReferralStage::kLapsed);
  ReferralRecord registered = invited;
  registered.registeredAtMs = kT0 + kHour;
  EXPECT_EQ(stageAt(registered, later, 48 * kHour), ReferralStage::kLapsed);
  ReferralRecord arrived = registered;
  arrived.arrivedAtMs = kT0 + 2 * kHour;
  EXPECT_EQ(stageAt(arrived, later, 48 * kHour), ReferralStage::kLapsed);
  ReferralRecord converted = arrived;
  converted.convertedAtMs = kT0 + 3 * kHour;
  EXPECT_EQ(stageAt(converted, later, 48 * kHour), ReferralStage::kConverted);
}

TEST(ReferralEdges, StepsAtTheSameInstantAreInOrderOneMsEarlierIsNot) {
  ReferralRecord same = rec("r1", "a", "b", kT0);
  same.registeredAtMs = kT0;
  same.arrivedAtMs = kT0;
  GraphOptions o;
  ReferralGraph g = buildReferralGraph({same}, {}, o);
  EXPECT_TRUE(g.issues.empty());
  ASSERT_EQ(g.stage.size(), 1u);
  EXPECT_EQ(g.stage.at(0), ReferralStage::kArrived);
  ReferralRecord back = same;
  back.arrivedAtMs = kT0 - 1;
  g = buildReferralGraph({back}, {}, o);
  EXPECT_EQ(codes(g), std::vector<std::string>{"referral.stage_regression"});
  ASSERT_EQ(g.stage.size(), 1u);
  EXPECT_EQ(g.stage.at(0), ReferralStage::kRegistered);
}

// ---- first touch, first visit, self-referral on both graph builders ---------

TEST(ReferralEdges, FirstTouchIsTheEarliestInvitationWhateverTheIds) {
  const ReferralGraph g = buildReferralGraph(
      {rec("a-later", "x", "friend", kT0 + 1), rec("z-earlier", "y", "friend", kT0)}, {}, {});
  EXPECT_EQ(parentOf(g, "friend"), "y");
  // One millisecond apart the other way round.
  const ReferralGraph h = buildReferralGraph(
      {rec("a-earlier", "x", "friend", kT0), rec("z-later", "y", "friend", kT0 + 1)}, {}, {});
  EXPECT_EQ(parentOf(h, "friend"), "x");
}

TEST(ReferralEdges, RefereeSeenAtTheSameInstantAsTheReferrerStillCounts) {
  const std::vector<ReferralRecord> records = {rec("r1", "a", "b", kT0)};
  for (const auto& [refereeVisit, counts] : std::vector<std::pair<std::int64_t, bool>>{
           {kT0 - 10 * kHour, true}, {kT0 - 20 * kHour - 1, false}, {0, true}}) {
    const std::vector<PatientRecord> patients = {{"a", "甲", kT0 - 20 * kHour},
                                                 {"b", "乙", refereeVisit}};
    const ReferralGraph g = buildReferralGraph(records, patients, {});
    EXPECT_EQ(parentOf(g, "b"), counts ? "a" : "") << refereeVisit;
  }
  const std::vector<PatientRecord> equal = {{"a", "甲", kT0 - kHour}, {"b", "乙", kT0 - kHour}};
  EXPECT_EQ(parentOf(buildReferralGraph(records, equal, {}), "b"), "a");
  // The referrer's unknown first visit never makes the referee "earlier" either.
  const std::vector<PatientRecord> unknownReferrer = {{"a", "甲", 0}, {"b", "乙", kT0 - kHour}};
  EXPECT_EQ(parentOf(buildReferralGraph(records, unknownReferrer, {}), "b"), "a");
}

TEST(ReferralEdges, SelfReferralAndUnknownIdsOnTheIndexedPathToo) {
  IndexedReferrals in;
  in.nodeCount = 3;
  in.referrer = {0, 1, 1, -1};
  in.referee = {1, 1, 3, 2};
  in.invitedAtMs = {kT0, kT0, kT0, kT0};
  const ReferralGraph g = buildReferralGraph(in);
  EXPECT_EQ(codes(g), (std::vector<std::string>{"referral.self_referral", "referral.unknown_id",
                                                "referral.unknown_id"}));
  ASSERT_EQ(g.parent.size(), 3u);
  EXPECT_EQ(g.parent.at(1), 0);
  EXPECT_EQ(g.parent.at(2), -1);
  // The last valid index links; one past it does not.
  in.referrer = {0, 0};
  in.referee = {2, 3};
  in.invitedAtMs = {kT0, kT0};
  const ReferralGraph h = buildReferralGraph(in);
  EXPECT_EQ(codes(h), std::vector<std::string>{"referral.unknown_id"});
  EXPECT_EQ(h.parent.at(2), 0);
}

TEST(ReferralEdges, RequireKnownPatientsChecksBothEnds) {
  GraphOptions o;
  o.requireKnownPatients = true;
  const std::vector<PatientRecord> onlyA = {{"a", "甲", 0}};
  const std::vector<PatientRecord> onlyB = {{"b", "乙", 0}};
  const std::vector<PatientRecord> both = {{"a", "甲", 0}, {"b", "乙", 0}};
  const std::vector<ReferralRecord> records = {rec("r1", "a", "b", kT0)};
  EXPECT_EQ(codes(buildReferralGraph(records, onlyA, o)),
            std::vector<std::string>{"referral.unknown_id"});
  EXPECT_EQ(codes(buildReferralGraph(records, onlyB, o)),
            std::vector<std::string>{"referral.unknown_id"});
  EXPECT_TRUE(codes(buildReferralGraph(records, both, o)).empty());
}

TEST(ReferralEdges, ACycleBreaksAtItsMostRecentTouch) {
  // a→b first, then b→c, then c→a closes the loop: c→a goes.
  const ReferralGraph g = buildReferralGraph(
      {rec("r3", "c", "a", kT0 + 3), rec("r1", "a", "b", kT0 + 1), rec("r2", "b", "c", kT0 + 2)},
      {}, {});
  EXPECT_EQ(codes(g), std::vector<std::string>{"referral.cycle"});
  EXPECT_EQ(parentOf(g, "a"), "");
  EXPECT_EQ(parentOf(g, "b"), "a");
  EXPECT_EQ(parentOf(g, "c"), "b");
}

TEST(ReferralEdges, SubtreeShowsExactlyMaxDepthLevels) {
  const ReferralGraph g = buildReferralGraph(
      {rec("r1", "a", "b", kT0), rec("r2", "b", "c", kT0 + 1), rec("r3", "c", "d", kT0 + 2)}, {},
      {});
  const std::int32_t a = static_cast<std::int32_t>(
      std::find(g.ids.begin(), g.ids.end(), "a") - g.ids.begin());
  for (int maxDepth : {1, 2, 3}) {
    const SubtreeShape s = subtreeShape(g, a, maxDepth, {});
    EXPECT_EQ(s.graphNode.size(), static_cast<std::size_t>(maxDepth + 1)) << maxDepth;
    ASSERT_FALSE(s.hiddenChildren.empty());
    EXPECT_EQ(s.hiddenChildren.back(), maxDepth < 3 ? 1 : 0) << maxDepth;
  }
}

// ---- the patient's tree: G6 counts, G7 consent on every event ----------------

TreeRequest treeOf(std::vector<ReferralRecord> records, std::int64_t nowMs) {
  TreeRequest r;
  r.graph.nowMs = nowMs;
  r.records = std::move(records);
  r.patients = {{"me", "王小明", 0}, {"li", "李晓芳", 0}, {"zhang", "张伟", 0}};
  return r;
}

MyReferralTree treeFor(const TreeRequest& r) {
  Result<MyReferralTree> t = myReferralTree(r, "me");
  if (!t.ok()) {
    ADD_FAILURE() << t.error().code;
    return {};
  }
  return t.value();
}

std::vector<std::string> feedKinds(const MyReferralTree& t) {
  std::vector<std::string> out;
  for (const FeedEvent& e : t.feed) out.push_back(e.kind);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ReferralEdges, G7WithoutConsentTheFeedNeverShowsArrivalOrTreatment) {
  ReferralRecord r = rec("r1", "me", "li", kT0);
  r.registeredAtMs = kT0 + kHour;
  r.arrivedAtMs = kT0 + 2 * kHour;
  r.convertedAtMs = kT0 + 3 * kHour;
  r.consentToShareProgress = false;
  const MyReferralTree without = treeFor(treeOf({r}, kT0 + 4 * kHour));
  EXPECT_EQ(feedKinds(without), std::vector<std::string>{"accepted"});
  ASSERT_EQ(without.feed.size(), 1u);
  EXPECT_EQ(without.feed[0].text, "您邀请的一位朋友已接受邀请");
  r.consentToShareProgress = true;
  const MyReferralTree with = treeFor(treeOf({r}, kT0 + 4 * kHour));
  EXPECT_EQ(feedKinds(with), (std::vector<std::string>{"accepted", "arrived", "converted"}));
  // The feed names the friend exactly as the tree does (one masking), never in full.
  ASSERT_EQ(with.friends.size(), 1u);
  EXPECT_EQ(with.friends[0].maskedName, "李*芳");
  for (const FeedEvent& e : with.feed) {
    EXPECT_NE(e.text.find("李*芳"), std::string::npos) << e.text;
    EXPECT_EQ(e.text.find("晓"), std::string::npos) << e.text;
  }
}

TEST(ReferralEdges, G7CoarseLapsedLabelAndPercent) {
  ReferralRecord never = rec("r1", "me", "li", kT0);
  ReferralRecord registered = rec("r2", "me", "zhang", kT0 + 1);
  registered.registeredAtMs = kT0 + kHour;
  const MyReferralTree t = treeFor(treeOf({never, registered}, kT0 + 100 * kHour));
  ASSERT_EQ(t.friends.size(), 2u);
  EXPECT_EQ(t.friends.at(0).stage, ReferralStage::kLapsed);
  EXPECT_EQ(t.friends.at(0).stageLabel, "已邀请");
  EXPECT_EQ(t.friends.at(0).progressPercent, 20);
  EXPECT_EQ(t.friends.at(1).stage, ReferralStage::kLapsed);
  EXPECT_EQ(t.friends.at(1).stageLabel, "已接受邀请");
  EXPECT_EQ(t.friends.at(1).progressPercent, 40);  // the step of 已建档, whatever the label
}

TEST(ReferralEdges, LapsedOfferHeldExactlyOfferHoldDays) {
  // Lapsed at kT0 + 48 h = 11-25 16:00 Beijing; held 30 days → 12月25日, 7 days → 12月2日.
  for (const auto& [days, until] :
       std::vector<std::pair<int, const char*>>{{30, "12月25日"}, {7, "12月2日"}}) {
    ReferralRecord lapsed = rec("r1", "me", "li", kT0);
    lapsed.consentToShareProgress = true;  // the lapse notice is for consenting friends (G7)
    TreeRequest r = treeOf({lapsed}, kT0 + 60 * kHour);
    r.graph.offerHoldDays = days;
    const MyReferralTree t = treeFor(r);
    ASSERT_EQ(t.feed.size(), 1u);
    EXPECT_EQ(t.feed[0].kind, "lapsed");
    EXPECT_NE(t.feed[0].text.find(std::string("优惠至") + until), std::string::npos)
        << t.feed[0].text;
  }
}

TEST(ReferralEdges, G6LevelsTwoAndThreeCountedNothingDeeper) {
  const MyReferralTree t = treeFor(treeOf({rec("r1", "me", "li", kT0), rec("r2", "li", "x", kT0 + 1),
                                           rec("r3", "x", "y", kT0 + 2), rec("r4", "y", "z", kT0 + 3)},
                                          kT0 + kHour));
  ASSERT_EQ(t.friends.size(), 1u);
  EXPECT_EQ(t.friends.at(0).level2Count, 1);
  EXPECT_EQ(t.friends.at(0).level3Count, 1);
  EXPECT_EQ(t.level1, 1);
  EXPECT_EQ(t.level2, 1);
  EXPECT_EQ(t.level3, 1);
  ASSERT_EQ(t.nodes.size(), 3u);  // me, li, "间接2人"
  EXPECT_EQ(t.nodes[2].label, "间接2人");
  EXPECT_EQ(t.nodes[2].sublabel, "二级1人 · 三级1人");
  EXPECT_EQ(t.friends.at(0).indirectText, "间接2人：二级1人 · 三级1人");
}

// ---- the staff forest: maxVisible and the viewport's edges -----------------

TEST(ReferralEdges, StaffForestDrawsAtMostMaxVisible) {
  TreeRequest r = treeOf({rec("r1", "me", "li", kT0), rec("r2", "me", "zhang", kT0 + 1)}, 0);
  for (const auto& [max, truncated] :
       std::vector<std::pair<std::size_t, bool>>{{4, false}, {3, false}, {2, true}}) {
    const ForestView v = staffForest(r, {}, nullptr, max);
    EXPECT_EQ(v.visible.size(), std::min<std::size_t>(max, 3)) << max;
    EXPECT_EQ(v.truncated, truncated) << max;
  }
}

TEST(ReferralEdges, ANodeTouchingTheViewportEdgeIsDrawn) {
  // One root at x = 0, node width 88: it spans -44..44.
  TreeRequest r = treeOf({rec("r1", "me", "li", kT0)}, 0);
  r.patients.pop_back();  // no other root beside "me"
  for (const auto& [x0, x1, drawn] : std::vector<std::tuple<double, double, bool>>{
           {44, 500, true}, {44.5, 500, false}, {-500, -44, true}, {-500, -44.5, false}}) {
    const Viewport vp{x0, 0, x1, 0};
    const ForestView v = staffForest(r, {}, &vp, 100);
    EXPECT_EQ(v.visible.size(), drawn ? 1u : 0u) << x0 << ".." << x1;
  }
}

// ---- the tidy tree ------------------------------------------------------------

TEST(ReferralEdges, TidyTreeSeparatesCousinsByCousinSeparation) {
  TreeShape s;  // 0 → {1, 2}; 1 → {3}; 2 → {4}
  s.childStart = {0, 2, 3, 4, 4, 4};
  s.childList = {1, 2, 3, 4};
  for (const double cousin : {2.0, 3.0}) {
    const TreeLayout l = layoutTidyTree(s, LayoutOptions{10, 1, 1, cousin});
    ASSERT_EQ(l.x.size(), 5u);
    EXPECT_DOUBLE_EQ(l.x[4] - l.x[3], cousin * 10) << cousin;
    EXPECT_DOUBLE_EQ(l.x[0], 0);
  }
}

TEST(ReferralEdges, TidyTreeCentresAParentOverItsChildren) {
  TreeShape s;  // 0 → {1, 2, 3}
  s.childStart = {0, 3, 3, 3, 3};
  s.childList = {1, 2, 3};
  const TreeLayout l = layoutTidyTree(s, LayoutOptions{10, 1, 1, 2});
  ASSERT_EQ(l.x.size(), 4u);
  EXPECT_DOUBLE_EQ(l.x[1], -10);
  EXPECT_DOUBLE_EQ(l.x[2], 0);
  EXPECT_DOUBLE_EQ(l.x[3], 10);
  EXPECT_EQ(l.depth[3], 1);
}

}  // namespace
}  // namespace carecircle
