#include "referral/referral_view.hpp"

#include <gtest/gtest.h>

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

TEST(MaskName, KeepsFirstAndLastCharacterOnly) {
  EXPECT_EQ(maskName("李晓芳"), "李*芳");
  EXPECT_EQ(maskName("欧阳娜娜"), "欧*娜");
  EXPECT_EQ(maskName("李芳"), "李*");
  EXPECT_EQ(maskName("芳"), "*");
  EXPECT_EQ(maskName(""), "*");
  EXPECT_EQ(maskName("Anna"), "A*a");
  EXPECT_EQ(maskName("\xff\xfe"), "*");
}

TreeRequest demo() {
  TreeRequest r;
  r.graph.nowMs = kT0 + 40 * kHour;  // nobody has lapsed yet
  ReferralRecord consented = rec("r1", "me", "li", kT0);
  consented.registeredAtMs = kT0 + kHour;
  consented.arrivedAtMs = kT0 + 2 * kHour;
  consented.consentToShareProgress = true;
  ReferralRecord privateOne = rec("r2", "me", "zhang", kT0 + kHour);
  privateOne.registeredAtMs = kT0 + 2 * kHour;
  privateOne.arrivedAtMs = kT0 + 3 * kHour;
  privateOne.convertedAtMs = kT0 + 4 * kHour;
  ReferralRecord vested = rec("r3", "me", "wang", kT0 + 2 * kHour);
  vested.registeredAtMs = kT0 + 3 * kHour;
  vested.convertedAtMs = kT0 + 4 * kHour;
  vested.vestedAtMs = kT0 + 30 * kHour;
  vested.rewardTitle = "200元健康金";
  r.records = {consented,
               privateOne,
               vested,
               rec("r4", "li", "x1", kT0 + 10 * kHour),
               rec("r5", "x1", "x2", kT0 + 11 * kHour),
               rec("r6", "x2", "x3", kT0 + 12 * kHour)};
  r.patients = {
      {"me", "王建国", 0}, {"li", "李晓芳", 0}, {"zhang", "张伟", 0}, {"wang", "王小明", 0}};
  return r;
}

TEST(MyReferralTree, ThreeLevelsWithMaskedNamesAndAnonymousCounts) {
  Result<MyReferralTree> t = myReferralTree(demo(), "me");
  ASSERT_TRUE(t.ok());
  const MyReferralTree& tree = t.value();
  EXPECT_EQ(tree.level1, 3);
  EXPECT_EQ(tree.level2, 1);  // x1
  EXPECT_EQ(tree.level3, 1);  // x2; x3 is level 4 and never counted (G6)
  EXPECT_EQ(tree.friends.at(0).maskedName, "李*芳");
  EXPECT_EQ(tree.friends.at(1).maskedName, "张*");
  for (const DrawNode& n : tree.nodes) {
    EXPECT_EQ(n.label.find("晓"), std::string::npos);
    EXPECT_NE(n.label, "x1");
  }
}

TEST(MyReferralTree, DetailedStagesOnlyWithConsent) {
  Result<MyReferralTree> t = myReferralTree(demo(), "me");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t.value().friends.at(0).stageLabel, "已到院");      // consented
  EXPECT_EQ(t.value().friends.at(1).stageLabel, "已接受邀请");  // converted, but private
  EXPECT_EQ(t.value().friends.at(1).progressPercent, 40);  // coarse: never past 已建档's 40
  EXPECT_EQ(t.value().friends.at(2).stageLabel, "奖励已发放");
  EXPECT_EQ(t.value().friends.at(2).progressPercent, 100);
}

TEST(MyReferralTree, FeedIsNewestFirstAndConsentAware) {
  Result<MyReferralTree> t = myReferralTree(demo(), "me");
  ASSERT_TRUE(t.ok());
  const auto& feed = t.value().feed;
  ASSERT_FALSE(feed.empty());
  EXPECT_EQ(feed.front().text, "您的200元健康金已到账");
  bool sawArrival = false;
  for (const FeedEvent& e : feed) {
    if (e.text == "您的朋友李*芳已到院，感谢您的信任") sawArrival = true;
    EXPECT_EQ(e.text.find("张"), std::string::npos) << e.text;  // no consent: never named
  }
  EXPECT_TRUE(sawArrival);
  for (std::size_t i = 1; i < feed.size(); ++i) EXPECT_GE(feed[i - 1].atMs, feed[i].atMs);
}

TEST(MyReferralTree, LapsedOfferHasAHoldDate) {
  TreeRequest r;
  r.graph.nowMs = kT0 + 72 * kHour;
  ReferralRecord lapsed = rec("r1", "me", "li", kT0);
  lapsed.consentToShareProgress = true;
  r.records = {lapsed};
  r.patients = {{"li", "李晓芳", 0}};
  Result<MyReferralTree> t = myReferralTree(r, "me");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t.value().feed.size(), 1u);
  EXPECT_EQ(t.value().feed[0].kind, "lapsed");
  EXPECT_EQ(t.value().feed[0].text, "您推荐的李*芳暂未就诊，我们已为TA保留优惠至12月25日");
}

// A friend who did not consent to share progress: the backend sends no
// arrival or conversion, so 48 h after registering the record looks lapsed.
// The referrer must see only that the friend accepted, never a lapse notice
// (which would be wrong for a friend who converted, and a G7 leak either way).
TEST(MyReferralTree, NonConsentingFriendGetsNoLapseNotice) {
  TreeRequest r;
  r.graph.nowMs = kT0 + 96 * kHour;
  ReferralRecord quiet = rec("r1", "me", "li", kT0);
  quiet.registeredAtMs = kT0 + kHour;
  r.records = {quiet};
  r.patients = {{"li", "李晓芳", 0}};
  Result<MyReferralTree> t = myReferralTree(r, "me");
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t.value().feed.size(), 1u);
  EXPECT_EQ(t.value().feed[0].kind, "accepted");
  EXPECT_EQ(t.value().feed[0].text, "您邀请的一位朋友已接受邀请");
  for (const auto& e : t.value().feed) EXPECT_EQ(e.text.find("保留"), std::string::npos) << e.text;
  ASSERT_EQ(t.value().friends.size(), 1u);
  EXPECT_EQ(t.value().friends[0].stageLabel, "已接受邀请");
}

TEST(MyReferralTree, UnknownPatientIsAnError) {
  EXPECT_EQ(myReferralTree(demo(), "nobody").error().code, "referral.unknown_patient");
}

TEST(StaffForest, ViewportReturnsOnlyVisibleNodesWithParentEdges) {
  TreeRequest r = demo();
  Viewport v{-1000, 100, 1000, 130};  // depth 1 only (levelHeight 120)
  const ForestView f = staffForest(r, {}, &v, 100);
  EXPECT_EQ(f.nodeCount, 7u);
  for (const DrawNode& n : f.visible) {
    EXPECT_EQ(n.depth, 1);
    EXPECT_TRUE(n.hasParent);
    EXPECT_EQ(n.py, 0);
  }
  const ForestView collapsed = staffForest(r, {"me"}, nullptr, 100);
  EXPECT_EQ(collapsed.shownCount, 1u);
  EXPECT_EQ(collapsed.visible.at(0).hiddenChildren, 3);
}

}  // namespace
}  // namespace carecircle
