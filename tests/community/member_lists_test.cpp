// Member lists (seed 000): silent 3 months → reactivation, no interaction 6
// months → clean-up, the 200 cap and the waiting list; and the doctor's Q&A slot.
#include <gtest/gtest.h>

#include <string>

#include "community/community.hpp"
#include "community_test_util.hpp"

namespace carecircle {
namespace {

using testing::beijing;
using testing::day;

MemberRecord member(std::string id, std::int64_t joined,
                    std::optional<std::int64_t> lastMessage = std::nullopt,
                    std::optional<std::int64_t> lastInteraction = std::nullopt) {
  MemberRecord m;
  m.id = id;
  m.displayName = "病友" + id;
  m.joinedAtMs = joined;
  m.lastMessageAtMs = lastMessage;
  m.lastInteractionAtMs = lastInteraction;
  return m;
}

MemberListRequest at(const char* date, int hour = 10) {
  MemberListRequest r;
  r.nowMs = beijing(date, hour);
  r.groupId = "g01";
  r.groupName = "甲状腺术后康复群";
  return r;
}

MemberLists run(const MemberListRequest& r) {
  Result<MemberLists> lists = memberLists(r);
  EXPECT_TRUE(lists.ok()) << (lists.ok() ? "" : lists.error().code);
  return lists.ok() ? lists.value() : MemberLists{};
}

TEST(CommunityMembers, SilentForThreeCalendarMonthsMeansReactivation) {
  MemberListRequest r = at("2026-11-23");
  const std::int64_t joined = beijing("2026-01-05", 9);
  r.members = {member("a", joined, beijing("2026-08-23", 23)),  // exactly 3 months: silent
               member("b", joined, beijing("2026-08-24", 0)),   // one day short
               member("c", beijing("2026-08-01", 9)),           // joined, never spoke
               member("d", beijing("2026-09-01", 9))};          // joined < 3 months ago
  const MemberLists l = run(r);
  EXPECT_EQ(l.silentCutoff, day("2026-08-23"));
  ASSERT_EQ(l.reactivation.size(), 2u);
  EXPECT_EQ(l.reactivation.at(0).id, "c");  // longest silent first
  EXPECT_TRUE(l.reactivation.at(0).neverSpoke);
  EXPECT_EQ(l.reactivation.at(0).silentDays, 114);
  EXPECT_EQ(l.reactivation.at(1).id, "a");
  EXPECT_EQ(l.reactivation.at(1).silentDays, 92);
  EXPECT_EQ(
      l.reactivation[1].suggestedMessage,
      "病友a，您最近恢复得怎么样？群里的病友和护士都惦记着您，有任何康复上的问题欢迎在群里聊聊。");
  EXPECT_TRUE(l.cleanUp.empty());
}

TEST(CommunityMembers, MonthArithmeticClampsToShorterMonths) {
  const MemberLists l = run(at("2026-05-31"));
  EXPECT_EQ(l.silentCutoff, day("2026-02-28"));
  EXPECT_EQ(l.inactiveCutoff, day("2025-11-30"));
}

TEST(CommunityMembers, NoInteractionForSixMonthsMeansCleanUpNotReactivation) {
  MemberListRequest r = at("2026-11-23");
  const std::int64_t joined = beijing("2025-12-01", 9);
  r.members = {
      member("gone", joined, beijing("2026-04-01", 9)),
      member("lurker", joined, beijing("2026-04-01", 9),
             beijing("2026-11-01", 9)),                                  // reacts, never writes
      member("edge", joined, std::nullopt, beijing("2026-05-23", 12))};  // exactly 6 months
  const MemberLists l = run(r);
  ASSERT_EQ(l.cleanUp.size(), 2u);
  EXPECT_EQ(l.cleanUp.at(0).id, "gone");
  EXPECT_EQ(l.cleanUp.at(0).inactiveDays, 236);
  EXPECT_EQ(l.cleanUp.at(1).id, "edge");
  ASSERT_EQ(l.reactivation.size(), 1u);
  EXPECT_EQ(l.reactivation.at(0).id, "lurker");
  EXPECT_EQ(l.freeSlotsAfterCleanUp, 199);
}

TEST(CommunityMembers, StaffAreCountedButNeverListed) {
  MemberListRequest r = at("2026-11-23");
  MemberRecord doctor = member("dr", beijing("2025-01-01", 9));
  doctor.role = MemberRole::kDoctor;
  MemberRecord nurse = member("rn", beijing("2025-01-01", 9));
  nurse.role = MemberRole::kNurse;
  r.members = {doctor, nurse};
  const MemberLists l = run(r);
  EXPECT_EQ(l.members, 2);
  EXPECT_EQ(l.staff, 2);
  EXPECT_EQ(l.patients, 0);
  EXPECT_TRUE(l.reactivation.empty());
  EXPECT_TRUE(l.cleanUp.empty());
}

TEST(CommunityMembers, AFastClockCountsAsToday) {
  MemberListRequest r = at("2026-11-23");
  r.members = {member("x", beijing("2026-01-01", 9), beijing("2027-03-01", 9))};
  const MemberLists l = run(r);
  EXPECT_TRUE(l.reactivation.empty());
  EXPECT_TRUE(l.cleanUp.empty());
}

TEST(CommunityMembers, CapAndWaitingListAreFirstComeFirstServed) {
  MemberListRequest r = at("2026-11-23");
  for (int i = 0; i < 199; ++i)
    r.members.push_back(member("m" + std::to_string(i), beijing("2026-11-01", 9)));
  r.waiting = {{"w2", "候补二", beijing("2026-11-20", 9)},
               {"w1", "候补一", beijing("2026-11-19", 9)},
               {"m5", "已在群", beijing("2026-11-18", 9)},
               {"w3", "候补三", beijing("2026-11-20", 9)}};
  MemberLists l = run(r);
  EXPECT_EQ(l.freeSlots, 1);
  ASSERT_EQ(l.waiting.size(), 4u);
  EXPECT_EQ(l.waiting.at(0).status, WaitingStatus::kAlreadyMember);
  EXPECT_EQ(l.waiting.at(1).id, "w1");
  EXPECT_EQ(l.waiting.at(1).status, WaitingStatus::kAdmit);
  EXPECT_EQ(l.waiting.at(1).position, 1);
  EXPECT_EQ(l.waiting.at(2).id, "w2");  // same instant as w3: id breaks the tie
  EXPECT_EQ(l.waiting.at(2).status, WaitingStatus::kWait);
  EXPECT_EQ(l.waiting.at(3).position, 3);
  EXPECT_EQ(l.capText, "群成员199/200人，还可加入1人");

  r.members.push_back(member("m199", beijing("2026-11-01", 9)));
  r.members.push_back(member("m200", beijing("2026-11-01", 9)));
  l = run(r);
  EXPECT_EQ(l.overCapBy, 1);
  EXPECT_EQ(l.freeSlots, 0);
  EXPECT_EQ(l.waiting.at(1).status, WaitingStatus::kWait);
  EXPECT_EQ(l.capText, "群成员201/200人，已超出上限1人，暂停新成员入群");
}

TEST(CommunityMembers, DuplicatesAndBadConfigurationAreErrors) {
  MemberListRequest r = at("2026-11-23");
  r.members = {member("a", beijing("2026-01-01", 9)), member("a", beijing("2026-01-01", 9))};
  EXPECT_EQ(memberLists(r).error().code, "community.duplicate_member");
  EXPECT_EQ(memberLists(r).error().path, "/members/1/id");
  r.members.pop_back();
  r.waiting = {{"w", "", beijing("2026-11-01", 9)}, {"w", "", beijing("2026-11-02", 9)}};
  EXPECT_EQ(memberLists(r).error().code, "community.duplicate_member");
  r.waiting.clear();
  r.config.inactiveMonths = 2;  // shorter than the silent period
  EXPECT_EQ(memberLists(r).error().code, "community.bad_config");
  r.config = {};
  r.config.groupCap = 0;
  EXPECT_EQ(memberLists(r).error().code, "community.bad_config");
  r.config = {};
  r.nowMs = 5;
  EXPECT_EQ(memberLists(r).error().code, "community.bad_now");
}

// ---------------------------------------------------------------------------

QaSlotReply qa(std::int64_t nowMs, QaConfig config = {}) {
  QaSlotRequest r;
  r.nowMs = nowMs;
  r.config = std::move(config);
  Result<QaSlotReply> reply = qaSlotReply(r);
  EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().code);
  return reply.ok() ? reply.value() : QaSlotReply{};
}

TEST(CommunityQaSlot, OutsideTheSlotTheNurseSendsTheTemplate) {
  // Monday 2026-11-23 10:00 in Beijing; the slot is Wednesday 20:00-21:00.
  const QaSlotReply r = qa(beijing("2026-11-23", 10));
  EXPECT_FALSE(r.inSlot);
  EXPECT_EQ(r.reply, "您的情况已记录，医生将在周三晚8点统一回复，紧急情况请致电120");
  EXPECT_EQ(r.next.day, day("2026-11-25"));
  EXPECT_EQ(r.next.startMs, beijing("2026-11-25", 20));
  EXPECT_EQ(r.minutesUntilNext, 2 * 1440 + 600);
}

TEST(CommunityQaSlot, TheSlotIsNamedTheWayANurseWouldSayIt) {
  EXPECT_EQ(qa(beijing("2026-11-24", 9)).next.text, "明晚8点");
  EXPECT_EQ(qa(beijing("2026-11-25", 19, 30)).next.text, "今晚8点");
  EXPECT_EQ(qa(beijing("2026-11-25", 21)).next.text, "下周三晚8点");  // the slot's end is exclusive
  EXPECT_EQ(qa(beijing("2026-11-26", 8)).next.text, "下周三晚8点");
  QaConfig morning;
  morning.slots = {QaSlot{5, 9 * 60 + 30, 60}, QaSlot{1, 15 * 60 + 15, 30}};
  EXPECT_EQ(qa(beijing("2026-11-23", 10), morning).next.text, "今天下午3点15分");
  EXPECT_EQ(qa(beijing("2026-11-23", 16), morning).next.text, "周五上午9点半");
}

TEST(CommunityQaSlot, DuringTheSlotTheDoctorAnswers) {
  const QaSlotReply r = qa(beijing("2026-11-25", 20, 30));
  EXPECT_TRUE(r.inSlot);
  ASSERT_TRUE(r.current);
  EXPECT_EQ(r.current->startMs, beijing("2026-11-25", 20));
  EXPECT_EQ(r.reply, "");
  EXPECT_EQ(r.next.text, "下周三晚8点");
}

TEST(CommunityQaSlot, ASlotMayRunPastMidnightAndTheWeek) {
  QaConfig late;
  late.slots = {QaSlot{7, 23 * 60 + 30, 60}};  // Sunday 23:30 – Monday 00:30
  const QaSlotReply r = qa(beijing("2026-11-30", 0, 10), late);
  EXPECT_TRUE(r.inSlot);
  EXPECT_EQ(r.current->day, day("2026-11-29"));
}

TEST(CommunityQaSlot, OffsetContactAndTemplateAreConfiguration) {
  QaConfig c;
  c.utcOffsetMinutes = 0;
  c.emergencyContact = "010-12345678";
  c.replyTemplate = "已收到。{slot}答复；急事打{contact}";
  // 2026-11-25 19:30 UTC is 03:30 Thursday in Beijing but Wednesday evening at UTC+0.
  const QaSlotReply r = qa(beijing("2026-11-26", 3, 30), c);
  EXPECT_EQ(r.reply, "已收到。今晚8点答复；急事打010-12345678");
}

TEST(CommunityQaSlot, BadSlotsAreRefused) {
  QaSlotRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  r.config.slots = {QaSlot{8, 0, 60}};
  EXPECT_EQ(qaSlotReply(r).error().code, "community.bad_config");
  r.config.slots = {QaSlot{3, 1440, 60}};
  EXPECT_EQ(qaSlotReply(r).error().code, "community.bad_config");
  r.config.slots = {QaSlot{3, 1200, 0}};
  EXPECT_EQ(qaSlotReply(r).error().code, "community.bad_config");
  r.config.slots.clear();
  EXPECT_EQ(qaSlotReply(r).error().code, "community.bad_config");
  r.config = {};
  r.nowMs = 0;
  EXPECT_EQ(qaSlotReply(r).error().code, "community.bad_now");
}

}  // namespace
}  // namespace carecircle
