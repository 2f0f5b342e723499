// Member lists and the doctor's Q&A slot (seed 000):
//  - 沉默激活: "对进群后3个月不发言的老患者，客服私聊" → reactivation list;
//  - 定期清群: "每季度清理'潜水'超过6个月且无任何互动的成员" → clean-up candidates
//    (a list for staff to act on; the core removes nobody);
//  - "每个群控制在200人以内" → cap, free slots, a first-come waiting list;
//  - 医生不在,护士不答病: outside the doctor's fixed slot (每周三晚) the nurse only
//    sends the templated reply "您的情况已记录，医生将在周三晚8点统一回复，紧急情况请致电XX".
#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "community/community.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMinutesPerDay = 1'440;
constexpr std::size_t kMaxSlots = 14;

// The same day of the month `months` calendar months earlier, clamped to the
// end of a shorter month (2026-05-31 minus 3 months = 2026-02-28).
DayNumber monthsBefore(DayNumber day, int months) {
  YearMonth ym = yearMonthOf(day);
  const DayNumber dayOfMonth = day - firstDayOf(ym) + 1;
  for (int i = 0; i < months; ++i) ym = previousMonth(ym);
  return firstDayOf(ym) + std::min<DayNumber>(dayOfMonth, static_cast<DayNumber>(daysIn(ym))) - 1;
}

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

bool isStaff(MemberRole role) {
  return role != MemberRole::kPatient;
}

std::optional<Error> validateOffset(int offset) {
  if (offset < -kMaxUtcOffsetMinutes || offset > kMaxUtcOffsetMinutes) {
    return Error{"community.bad_config", "时区偏移必须在 UTC-14:00 到 UTC+14:00 之间",
                 "/config/utcOffsetMinutes"};
  }
  return std::nullopt;
}

bool nowInRange(std::int64_t nowMs) {
  return nowMs >= kMinInstantMs && nowMs <= kMaxInstantMs - 86'400'000 * 14;
}

}  // namespace

Result<MemberLists> memberLists(const MemberListRequest& request) {
  const MemberListConfig& c = request.config;
  if (auto e = validateOffset(c.utcOffsetMinutes)) return *e;
  auto bad = [](std::string message, std::string path) {
    return Error{"community.bad_config", std::move(message), std::move(path)};
  };
  if (c.silentMonths < 1 || c.silentMonths > 24)
    return bad("沉默月数必须在1到24之间", "/config/silentMonths");
  if (c.inactiveMonths < c.silentMonths || c.inactiveMonths > 36)
    return bad("清理月数必须不少于沉默月数且不超过36", "/config/inactiveMonths");
  if (c.groupCap < 1 || c.groupCap > 100'000)
    return bad("群人数上限必须在1到100000之间", "/config/groupCap");
  if (!nowInRange(request.nowMs)) return Error{"community.bad_now", "当前时间无效", "/nowMs"};

  const int offset = c.utcOffsetMinutes;
  MemberLists out;
  out.groupId = request.groupId;
  out.groupName = request.groupName;
  out.deviceClock = request.deviceClock;
  out.today = civilDayOf(request.nowMs, offset);
  out.silentCutoff = monthsBefore(out.today, c.silentMonths);
  out.inactiveCutoff = monthsBefore(out.today, c.inactiveMonths);
  out.cap = c.groupCap;
  // A stamp after now (a fast clock) counts as today.
  auto dayOf = [&](std::int64_t ms) { return civilDayOf(std::min(ms, request.nowMs), offset); };

  std::set<std::string> memberIds;
  for (std::size_t i = 0; i < request.members.size(); ++i) {
    const MemberRecord& m = request.members[i];
    if (!memberIds.insert(m.id).second) {
      return Error{"community.duplicate_member", "成员编号重复：" + m.id,
                   "/members/" + std::to_string(i) + "/id"};
    }
    ++out.members;
    if (isStaff(m.role)) {
      ++out.staff;
      continue;
    }
    ++out.patients;
    const DayNumber joined = dayOf(m.joinedAtMs);
    DayNumber lastActive = joined;
    if (m.lastMessageAtMs) lastActive = std::max(lastActive, dayOf(*m.lastMessageAtMs));
    if (m.lastInteractionAtMs) lastActive = std::max(lastActive, dayOf(*m.lastInteractionAtMs));
    if (lastActive <= out.inactiveCutoff) {
      out.cleanUp.push_back({m.id, m.displayName, lastActive, out.today - lastActive});
      continue;
    }
    // The silence clock starts at joining ("进群后3个月不发言"), or at the last message.
    const DayNumber silentSince =
        m.lastMessageAtMs ? std::max(joined, dayOf(*m.lastMessageAtMs)) : joined;
    if (silentSince <= out.silentCutoff) {
      const std::string name = m.displayName.empty() ? std::string("您好") : m.displayName;
      out.reactivation.push_back({m.id, m.displayName, !m.lastMessageAtMs, silentSince,
                                  out.today - silentSince,
                                  replaceAll(c.reactivationTemplate, "{name}", name)});
    }
  }
  std::sort(out.reactivation.begin(), out.reactivation.end(), [](const auto& a, const auto& b) {
    return std::tie(a.silentSince, a.id) < std::tie(b.silentSince, b.id);
  });
  std::sort(out.cleanUp.begin(), out.cleanUp.end(), [](const auto& a, const auto& b) {
    return std::tie(a.lastActive, a.id) < std::tie(b.lastActive, b.id);
  });

  out.freeSlots = std::max(0, out.cap - out.members);
  out.overCapBy = std::max(0, out.members - out.cap);
  out.freeSlotsAfterCleanUp =
      std::max(0, out.cap - (out.members - static_cast<int>(out.cleanUp.size())));

  std::vector<std::size_t> order(request.waiting.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const WaitingEntry& x = request.waiting[a];
    const WaitingEntry& y = request.waiting[b];
    return std::tie(x.requestedAtMs, x.id) < std::tie(y.requestedAtMs, y.id);
  });
  std::set<std::string> waitingIds;
  for (std::size_t i = 0; i < request.waiting.size(); ++i) {
    if (!waitingIds.insert(request.waiting[i].id).second) {
      return Error{"community.duplicate_member", "候补名单中编号重复：" + request.waiting[i].id,
                   "/waitingList/" + std::to_string(i) + "/id"};
    }
  }
  int position = 0;
  for (std::size_t i : order) {
    const WaitingEntry& w = request.waiting[i];
    WaitingPlace p{w.id, w.displayName, dayOf(w.requestedAtMs), 0, WaitingStatus::kAlreadyMember};
    if (memberIds.count(w.id) == 0) {
      p.position = ++position;
      p.status = position <= out.freeSlots ? WaitingStatus::kAdmit : WaitingStatus::kWait;
    }
    out.waiting.push_back(std::move(p));
  }

  const std::string counts = std::to_string(out.members) + "/" + std::to_string(out.cap) + "人";
  if (out.overCapBy > 0) {
    out.capText =
        "群成员" + counts + "，已超出上限" + std::to_string(out.overCapBy) + "人，暂停新成员入群";
  } else if (out.freeSlots == 0) {
    out.capText = "群成员已满（" + counts + "），新成员进入候补名单";
  } else {
    out.capText = "群成员" + counts + "，还可加入" + std::to_string(out.freeSlots) + "人";
  }
  return out;
}

namespace {

const char* weekdayName(int isoWeekday) {
  static const char* const kNames[] = {"周一", "周二", "周三", "周四", "周五", "周六", "周日"};
  return kNames[(isoWeekday + 6) % 7];
}

// "晚8点", "上午9点半", "下午3点15分": how a nurse says a time of day.
std::pair<std::string, std::string> timeOfDay(int minuteOfDay) {
  const int h = minuteOfDay / 60;
  const int m = minuteOfDay % 60;
  const char* period = h < 6    ? "凌晨"
                       : h < 9  ? "早上"
                       : h < 12 ? "上午"
                       : h < 13 ? "中午"
                       : h < 18 ? "下午"
                                : "晚";
  const int h12 = h > 12 ? h - 12 : h;
  std::string clock = std::to_string(h12) + "点";
  if (m == 30)
    clock += "半";
  else if (m != 0)
    clock += std::to_string(m) + "分";
  return {period, clock};
}

std::string slotText(DayNumber today, DayNumber day, int minuteOfDay) {
  const auto [period, clock] = timeOfDay(minuteOfDay);
  const bool evening = period == std::string("晚");
  const DayNumber weekStart = today - static_cast<DayNumber>(isoWeekdayIndex(today));
  const int weekday = static_cast<int>(isoWeekdayIndex(day)) + 1;
  if (day == today) return (evening ? "今晚" : "今天" + period) + clock;
  if (day == today + 1) return (evening ? "明晚" : "明天" + period) + clock;
  if (day < weekStart + 7) return weekdayName(weekday) + period + clock;
  return "下" + std::string(weekdayName(weekday)) + period + clock;
}

}  // namespace

Result<QaSlotReply> qaSlotReply(const QaSlotRequest& request) {
  const QaConfig& c = request.config;
  if (auto e = validateOffset(c.utcOffsetMinutes)) return *e;
  if (c.slots.empty() || c.slots.size() > kMaxSlots) {
    return Error{"community.bad_config", "答疑时段应有1到14个", "/config/qaSlots"};
  }
  for (std::size_t i = 0; i < c.slots.size(); ++i) {
    const QaSlot& s = c.slots[i];
    if (s.isoWeekday < 1 || s.isoWeekday > 7 || s.startMinute < 0 ||
        s.startMinute >= kMinutesPerDay || s.durationMinutes < 1 ||
        s.durationMinutes > kMinutesPerDay) {
      return Error{"community.bad_config",
                   "答疑时段无效（星期1-7，开始时间00:00-23:59，时长1-1440分钟）",
                   "/config/qaSlots/" + std::to_string(i)};
    }
  }
  if (!nowInRange(request.nowMs)) return Error{"community.bad_now", "当前时间无效", "/nowMs"};

  const std::int64_t offsetMs = std::int64_t{c.utcOffsetMinutes} * kMsPerMinute;
  const std::int64_t nowLocal = request.nowMs + offsetMs;
  const DayNumber today = civilDayOf(request.nowMs, c.utcOffsetMinutes);
  const DayNumber weekStart = today - static_cast<DayNumber>(isoWeekdayIndex(today));

  QaSlotReply reply;
  std::optional<std::pair<std::int64_t, QaSlotTime>> next;
  for (const QaSlot& s : c.slots) {
    for (int week = -1; week <= 1; ++week) {  // last week's slot may run past midnight into now
      const DayNumber day = weekStart + 7 * week + (s.isoWeekday - 1);
      const std::int64_t startLocal =
          (std::int64_t{day} * kMinutesPerDay + s.startMinute) * kMsPerMinute;
      const std::int64_t endLocal = startLocal + std::int64_t{s.durationMinutes} * kMsPerMinute;
      QaSlotTime t{startLocal - offsetMs, endLocal - offsetMs, day,
                   s.isoWeekday,          s.startMinute,       slotText(today, day, s.startMinute)};
      if (startLocal <= nowLocal && nowLocal < endLocal) {
        if (!reply.current || t.startMs < reply.current->startMs) reply.current = t;
      }
      if (startLocal > nowLocal && (!next || startLocal < next->first)) next.emplace(startLocal, t);
    }
  }
  // Each slot recurs weekly, so some start lies within the next 7 days.
  reply.next = next->second;
  reply.minutesUntilNext =
      static_cast<int>((next->first - nowLocal + kMsPerMinute - 1) / kMsPerMinute);
  reply.inSlot = reply.current.has_value();
  if (!reply.inSlot) {
    reply.reply = replaceAll(replaceAll(c.replyTemplate, "{slot}", reply.next.text), "{contact}",
                             c.emergencyContact);
  }
  return reply;
}

}  // namespace carecircle
