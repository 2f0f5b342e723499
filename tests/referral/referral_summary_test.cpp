// One number per concept on the referral screens: the header, the tree's
// nodes, the friend's sheet and the feed read counts, percentages and names
// from one myReferralTree reply, worded once by the core.
#include <gtest/gtest.h>

#include <string>

#include "referral/referral_view.hpp"

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

MyReferralTree treeOf(std::vector<ReferralRecord> records, std::vector<PatientRecord> patients,
                      std::int64_t nowMs, const std::string& self = "me") {
  TreeRequest r;
  r.graph.nowMs = nowMs;
  r.records = std::move(records);
  r.patients = std::move(patients);
  Result<MyReferralTree> t = myReferralTree(r, self);
  EXPECT_TRUE(t.ok());
  return t.value();
}

// The tree said "+3人" under a friend whose sheet said "2人 · 再下一级 1人".
TEST(ReferralSummary, TheMoreNodeAndTheSheetSayTheSameIndirectCount) {
  const MyReferralTree t = treeOf(
      {rec("r1", "me", "li", kT0), rec("r2", "li", "a", kT0 + 1), rec("r3", "li", "b", kT0 + 2),
       rec("r4", "a", "c", kT0 + 3)},
      {{"li", "李晓芳", 0}}, kT0 + kHour);
  ASSERT_EQ(t.friends.size(), 1u);
  const FriendProgress& f = t.friends[0];
  EXPECT_EQ(f.level2Count, 2);
  EXPECT_EQ(f.level3Count, 1);
  ASSERT_EQ(t.nodes.size(), 3u);
  EXPECT_EQ(t.nodes[2].kind, "more");
  EXPECT_EQ(t.nodes[2].label, "间接3人");
  EXPECT_EQ(t.nodes[2].sublabel, "二级2人 · 三级1人");
  // The sheet's words start with the node's label and carry the same split.
  EXPECT_EQ(f.indirectText, t.nodes[2].label + "：" + t.nodes[2].sublabel);
  EXPECT_EQ(t.summary.directText, "直接推荐1人");
  EXPECT_EQ(t.summary.indirectText, "间接推荐3人（二级2人 · 三级1人）");
}

// 已建档 40 % next to 已接受邀请 60 %: the same step, two percentages.
TEST(ReferralSummary, CoarseAndDetailedLabelsOfOneStepShareOnePercent) {
  ReferralRecord open = rec("r1", "me", "a", kT0);
  open.registeredAtMs = kT0 + kHour;
  open.consentToShareProgress = true;
  ReferralRecord quiet = rec("r2", "me", "b", kT0 + 1);
  quiet.registeredAtMs = kT0 + kHour;
  const MyReferralTree t = treeOf({open, quiet}, {}, kT0 + 2 * kHour);
  ASSERT_EQ(t.friends.size(), 2u);
  EXPECT_EQ(t.friends[0].stageLabel, "已建档");
  EXPECT_EQ(t.friends[1].stageLabel, "已接受邀请");
  EXPECT_EQ(t.friends[0].progressPercent, t.friends[1].progressPercent);
  EXPECT_EQ(t.friends[1].progressPercent, 40);
  // A private friend further along (converted, not shown) is never drawn
  // past the step the label names.
  quiet.arrivedAtMs = kT0 + kHour + 1;
  quiet.convertedAtMs = kT0 + kHour + 2;
  const MyReferralTree later = treeOf({open, quiet}, {}, kT0 + 2 * kHour);
  EXPECT_EQ(later.friends[1].stageLabel, "已接受邀请");
  EXPECT_EQ(later.friends[1].progressPercent, 40);
}

// The feed said "郑*" where the tree said "郑*玲".
TEST(ReferralSummary, TheFeedNamesEachFriendAsTheTreeDoes) {
  ReferralRecord r = rec("r1", "me", "zheng", kT0);
  r.registeredAtMs = kT0 + kHour;
  r.arrivedAtMs = kT0 + 2 * kHour;
  r.consentToShareProgress = true;
  const MyReferralTree t = treeOf({r}, {{"zheng", "郑美玲", 0}}, kT0 + 3 * kHour);
  ASSERT_EQ(t.friends.size(), 1u);
  EXPECT_EQ(t.friends[0].maskedName, "郑*玲");
  EXPECT_EQ(t.nodes[1].label, "郑*玲");
  ASSERT_EQ(t.feed.size(), 2u);
  for (const FeedEvent& e : t.feed) {
    EXPECT_NE(e.text.find("郑*玲"), std::string::npos) << e.text;
    EXPECT_EQ(e.text.find("美"), std::string::npos) << e.text;
  }
}

TEST(ReferralSummary, HasReferrerOnlyWhenTheGraphKeepsALinkToOne) {
  const MyReferralTree none = treeOf({rec("r1", "me", "li", kT0)}, {}, kT0 + kHour);
  EXPECT_FALSE(none.summary.hasReferrer);
  const MyReferralTree joined =
      treeOf({rec("r0", "someone", "me", kT0 - kHour), rec("r1", "me", "li", kT0)}, {}, kT0 + kHour);
  EXPECT_TRUE(joined.summary.hasReferrer);
  EXPECT_EQ(joined.summary.directText, "直接推荐1人");  // the referrer is no friend of mine
  // One's own code: a self-referral is refused by the graph, so no referrer.
  const MyReferralTree self = treeOf({rec("r0", "me", "me", kT0)}, {{"me", "王建国", 0}}, kT0 + kHour);
  EXPECT_FALSE(self.summary.hasReferrer);
  EXPECT_EQ(self.summary.directText, "直接推荐0人");
}

TEST(ReferralSummary, NoReferralsYetIsZeroEverywhere) {
  const MyReferralTree t = treeOf({}, {{"me", "王建国", 0}}, kT0);
  EXPECT_EQ(t.summary.directText, "直接推荐0人");
  EXPECT_EQ(t.summary.indirectText, "间接推荐0人（二级0人 · 三级0人）");
  EXPECT_FALSE(t.summary.hasReferrer);
}

}  // namespace
}  // namespace carecircle
