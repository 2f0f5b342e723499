// The member lists' thresholds at their exact edges, as the community console
// uses them: 3 calendar months silent (the last minute of the cutoff day in
// Beijing vs the first minute of the next), 6 months without any interaction
// (one day short stays), the cap of 200 (199 admits one, 200 admits none) and
// the configured thresholds moving the cutoffs with them.
#include <gtest/gtest.h>

#include <string>

#include "community/community.hpp"
#include "community_test_util.hpp"

namespace carecircle {
namespace {

using testing::beijing;
using testing::day;

MemberRecord patient(std::string id, std::int64_t joined, std::optional<std::int64_t> message = std::nullopt,
                     std::optional<std::int64_t> interaction = std::nullopt) {
  MemberRecord m;
  m.id = std::move(id);
  m.displayName = "病友";
  m.joinedAtMs = joined;
  m.lastMessageAtMs = message;
  m.lastInteractionAtMs = interaction;
  return m;
}

MemberLists lists(const MemberListRequest& r) {
  Result<MemberLists> l = memberLists(r);
  EXPECT_TRUE(l.ok());
  return l.ok() ? l.value() : MemberLists{};
}

TEST(CommunityMemberThresholds, SilentCutoffIsTheLocalDayNotTheUtcDay) {
  MemberListRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  const std::int64_t joined = beijing("2026-01-05", 9);
  // 2026-08-23 23:59 Beijing is still the cutoff day (15:59 UTC); 2026-08-24 00:00 Beijing is not.
  r.members = {patient("last-minute", joined, beijing("2026-08-23", 23, 59), beijing("2026-11-20", 9)),
               patient("next-day", joined, beijing("2026-08-24", 0, 0), beijing("2026-11-20", 9))};
  const MemberLists l = lists(r);
  ASSERT_EQ(l.reactivation.size(), 1u);
  EXPECT_EQ(l.reactivation[0].id, "last-minute");
  EXPECT_EQ(l.silentCutoff, day("2026-08-23"));
}

TEST(CommunityMemberThresholds, SixMonthsOneDayShortStaysOffTheCleanUp) {
  MemberListRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  const std::int64_t joined = beijing("2025-10-01", 9);
  r.members = {patient("six-months", joined, std::nullopt, beijing("2026-05-23", 9)),
               patient("one-day-short", joined, std::nullopt, beijing("2026-05-24", 9))};
  const MemberLists l = lists(r);
  ASSERT_EQ(l.cleanUp.size(), 1u);
  EXPECT_EQ(l.cleanUp[0].id, "six-months");
  ASSERT_EQ(l.reactivation.size(), 1u);  // never spoke since joining: silent, not inactive
  EXPECT_EQ(l.reactivation[0].id, "one-day-short");
  EXPECT_TRUE(l.reactivation[0].neverSpoke);
}

TEST(CommunityMemberThresholds, TheCapOf200AdmitsExactlyTheFreePlaces) {
  MemberListRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  for (int i = 0; i < 199; ++i) r.members.push_back(patient("m" + std::to_string(i), beijing("2026-11-01", 9)));
  r.waiting = {{"w1", "候补一", beijing("2026-11-10", 9)}, {"w2", "候补二", beijing("2026-11-11", 9)}};
  MemberLists l = lists(r);
  EXPECT_EQ(l.cap, 200);
  EXPECT_EQ(l.freeSlots, 1);
  EXPECT_EQ(l.waiting[0].status, WaitingStatus::kAdmit);
  EXPECT_EQ(l.waiting[1].status, WaitingStatus::kWait);
  r.members.push_back(patient("m199", beijing("2026-11-01", 9)));
  l = lists(r);
  EXPECT_EQ(l.freeSlots, 0);
  EXPECT_EQ(l.overCapBy, 0);
  EXPECT_EQ(l.waiting[0].status, WaitingStatus::kWait);
  EXPECT_EQ(l.capText, "群成员已满（200/200人），新成员进入候补名单");
}

TEST(CommunityMemberThresholds, ConfiguredMonthsAndCapMoveTheEdges) {
  MemberListRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  r.config.silentMonths = 1;
  r.config.inactiveMonths = 2;
  r.config.groupCap = 2;
  const std::int64_t joined = beijing("2026-01-05", 9);
  r.members = {patient("a", joined, beijing("2026-10-23", 9), beijing("2026-11-20", 9)),
               patient("b", joined, beijing("2026-09-23", 9), beijing("2026-09-23", 9)),
               patient("c", joined, beijing("2026-11-22", 9))};
  const MemberLists l = lists(r);
  EXPECT_EQ(l.silentCutoff, day("2026-10-23"));
  EXPECT_EQ(l.inactiveCutoff, day("2026-09-23"));
  ASSERT_EQ(l.reactivation.size(), 1u);
  EXPECT_EQ(l.reactivation[0].id, "a");
  ASSERT_EQ(l.cleanUp.size(), 1u);
  EXPECT_EQ(l.cleanUp[0].id, "b");
  EXPECT_EQ(l.overCapBy, 1);
}

}  // namespace
}  // namespace carecircle
