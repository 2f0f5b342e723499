#include "referral/risk_flags.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "common/civil_date.hpp"
#include "common/json_io.hpp"
#include "referral/referral_json.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr std::int64_t kMaxWindowMs = 90 * 24 * kMsPerHour;
constexpr std::size_t kMaxRecords = 200'000;
constexpr std::size_t kMaxReviews = 10'000;
constexpr std::size_t kMaxKeyBytes = 128;

struct Event {
  std::int64_t atMs;
  std::string patientId;
};

// Episodes of one key's events (sorted by time, then patient id): every event
// of an episode lies in a window shorter than `windowMs` holding at least
// `threshold` events; consecutive flagged events at least a window apart start
// a new episode.
void episodes(const std::vector<Event>& events, std::int64_t windowMs, int threshold, RiskKind kind,
              const std::string& key, std::vector<RiskFlag>& out) {
  const std::size_t n = events.size();
  if (n < static_cast<std::size_t>(threshold)) return;
  std::vector<bool> marked(n, false);  // in some dense window
  std::vector<int> peak(n, 0);         // events of the dense window ending here, else 0
  std::size_t left = 0;
  std::size_t markedUpTo = 0;  // one past the last marked index; left never decreases,
                               // so everything from left to there is marked already
  for (std::size_t right = 0; right < n; ++right) {
    while (events[right].atMs - events[left].atMs >= windowMs) ++left;
    const int inWindow = static_cast<int>(right - left + 1);
    if (inWindow >= threshold) {
      for (std::size_t i = std::max(left, markedUpTo); i <= right; ++i) marked[i] = true;
      markedUpTo = right + 1;
      peak[right] = inWindow;
    }
  }
  for (std::size_t i = 0; i < n;) {
    if (!marked[i]) {
      ++i;
      continue;
    }
    RiskFlag flag;
    flag.kind = kind;
    flag.subject = key;
    flag.firstAtMs = events[i].atMs;
    std::size_t j = i;
    while (true) {
      flag.patientIds.push_back(events[j].patientId);
      flag.peakInWindow = std::max(flag.peakInWindow, peak[j]);
      flag.lastAtMs = events[j].atMs;
      if (j + 1 >= n || !marked[j + 1] || events[j + 1].atMs - events[j].atMs >= windowMs) break;
      ++j;
    }
    flag.count = static_cast<int>(flag.patientIds.size());
    flag.id = std::string(riskKindName(kind)) + ":" + key + ":" + std::to_string(flag.firstAtMs);
    out.push_back(std::move(flag));
    i = j + 1;
  }
}

void byKey(std::map<std::string, std::vector<Event>>& groups, std::int64_t windowMs, int threshold,
           RiskKind kind, std::vector<RiskFlag>& out) {
  for (auto& [key, events] : groups) {
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      return std::tie(a.atMs, a.patientId) < std::tie(b.atMs, b.patientId);
    });
    episodes(events, windowMs, threshold, kind, key, out);
  }
}

}  // namespace

const char* riskKindName(RiskKind kind) {
  switch (kind) {
    case RiskKind::kSameDevice:
      return "sameDevice";
    case RiskKind::kSameAddress:
      return "sameAddress";
    case RiskKind::kComplaints:
      return "complaints";
    case RiskKind::kCodeBurst:
      return "codeBurst";
  }
  return "sameDevice";
}

Result<RiskFlags> riskFlags(const RiskFlagsRequest& request) {
  const RiskConfig& c = request.config;
  auto bad = [](std::string message, std::string path) {
    return Error{"referral.bad_config", std::move(message), std::move(path)};
  };
  if (c.utcOffsetMinutes < -kMaxUtcOffsetMinutes || c.utcOffsetMinutes > kMaxUtcOffsetMinutes)
    return bad("时区偏移必须在 UTC-14:00 到 UTC+14:00 之间", "/config/utcOffsetMinutes");
  if (c.sourceWindowMs < kMsPerMinute || c.sourceWindowMs > kMaxWindowMs)
    return bad("同源注册的时间窗应在1分钟到90天之间", "/config/sourceWindowMinutes");
  if (c.burstWindowMs < kMsPerMinute || c.burstWindowMs > kMaxWindowMs)
    return bad("推荐码集中使用的时间窗应在1分钟到90天之间", "/config/burstWindowMinutes");
  if (c.sourceThreshold < 2 || c.sourceThreshold > 100'000)
    return bad("同源注册的提示人数应在2到100000之间", "/config/sourceThreshold");
  if (c.burstThreshold < 2 || c.burstThreshold > 100'000)
    return bad("推荐码集中使用的提示人数应在2到100000之间", "/config/burstThreshold");
  if (c.complaintMinFriends < 1 || c.complaintMinFriends > 100'000)
    return bad("投诉提示的最少推荐人数应在1到100000之间", "/config/complaintMinFriends");
  if (c.complaintShareBp < 1 || c.complaintShareBp > 10'000)
    return bad("投诉占比应在1到10000（万分比）之间", "/config/complaintShareBp");
  if (request.nowMs < kMinInstantMs || request.nowMs > kMaxInstantMs)
    return Error{"referral.bad_now", "当前时间无效", "/nowMs"};

  std::vector<RiskFlag> flags;
  std::map<std::string, std::vector<Event>> devices, addresses, codes;
  for (const RegistrationSource& r : request.registrations) {
    if (!r.deviceKey.empty()) devices[r.deviceKey].push_back({r.atMs, r.patientId});
    if (!r.addressKey.empty()) addresses[r.addressKey].push_back({r.atMs, r.patientId});
  }
  byKey(devices, c.sourceWindowMs, c.sourceThreshold, RiskKind::kSameDevice, flags);
  byKey(addresses, c.sourceWindowMs, c.sourceThreshold, RiskKind::kSameAddress, flags);

  // One referrer's friends: their joins (bursts) and their complaints.
  std::map<std::string, std::vector<const ReferralRecord*>> friends;
  for (const ReferralRecord& r : request.referrals) {
    codes[r.referrerId].push_back({r.invitedAtMs, r.refereeId});
    friends[r.referrerId].push_back(&r);
  }
  byKey(codes, c.burstWindowMs, c.burstThreshold, RiskKind::kCodeBurst, flags);
  for (auto& [referrer, list] : friends) {
    const int total = static_cast<int>(list.size());
    int complaints = 0;
    for (const ReferralRecord* r : list) complaints += r->voidedAtMs != 0 ? 1 : 0;
    if (total < c.complaintMinFriends || complaints == 0 ||
        std::int64_t{complaints} * 10'000 < c.complaintShareBp * total)
      continue;
    std::sort(list.begin(), list.end(), [](const ReferralRecord* a, const ReferralRecord* b) {
      return std::tie(a->invitedAtMs, a->refereeId) < std::tie(b->invitedAtMs, b->refereeId);
    });
    RiskFlag flag;
    flag.kind = RiskKind::kComplaints;
    flag.subject = referrer;
    flag.count = total;
    flag.complaints = complaints;
    flag.firstAtMs = list.front()->invitedAtMs;
    for (const ReferralRecord* r : list) {
      flag.patientIds.push_back(r->refereeId);
      flag.lastAtMs = std::max({flag.lastAtMs, r->invitedAtMs, r->voidedAtMs});
    }
    // New friends or complaints make a new question for staff.
    flag.id = "complaints:" + referrer + ":" + std::to_string(total) + ":" + std::to_string(complaints);
    flags.push_back(std::move(flag));
  }

  std::map<std::string, const RiskReview*> reviews;
  for (const RiskReview& r : request.reviews) {
    auto [it, added] = reviews.emplace(r.flagId, &r);
    if (!added && r.reviewedAtMs > it->second->reviewedAtMs) it->second = &r;  // the latest counts
  }
  RiskFlags out;
  std::set<std::string> matched;
  for (RiskFlag& f : flags) {
    const auto it = reviews.find(f.id);
    if (it != reviews.end()) {
      f.review = *it->second;
      matched.insert(f.id);
      ++out.reviewed;
    } else {
      ++out.open;
    }
  }
  out.unmatchedReviews = static_cast<int>(reviews.size() - matched.size());
  std::sort(flags.begin(), flags.end(), [](const RiskFlag& a, const RiskFlag& b) {
    const bool aOpen = !a.review, bOpen = !b.review;
    if (aOpen != bOpen) return aOpen;
    if (a.lastAtMs != b.lastAtMs) return a.lastAtMs > b.lastAtMs;
    return a.id < b.id;
  });
  out.flags = std::move(flags);
  return out;
}

// ---------------------------------------------------------------------------
// JSON

namespace {

bool present(const Json& j, const char* key) {
  return j.contains(key) && !j.at(key).is_null();
}

std::int64_t readStamp(const Json& j, const char* key, const std::string& path, bool required) {
  std::int64_t ms = 0;
  if (!present(j, key) && !required) return 0;
  json_io::readInt(j, key, path, kMinInstantMs, kMaxInstantMs, ms, required);
  return ms;
}

RiskFlagsRequest decode(const Json& j) {
  RiskFlagsRequest r;
  json_io::readInt(j, "nowMs", "", 0, json_io::kMaxJsonSafeInt, r.nowMs, true);
  if (present(j, "config")) {
    const std::string p = "/config";
    const Json& c = json_io::requireObject(j.at("config"), p);
    RiskConfig& k = r.config;
    constexpr std::int64_t kLoose = 1'000'000'000;
    std::int64_t n = k.utcOffsetMinutes;
    json_io::readInt(c, "utcOffsetMinutes", p, -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes, n);
    k.utcOffsetMinutes = static_cast<int>(n);
    n = k.sourceWindowMs / kMsPerMinute;
    json_io::readInt(c, "sourceWindowMinutes", p, -kLoose, kLoose, n);
    k.sourceWindowMs = n * kMsPerMinute;
    n = k.burstWindowMs / kMsPerMinute;
    json_io::readInt(c, "burstWindowMinutes", p, -kLoose, kLoose, n);
    k.burstWindowMs = n * kMsPerMinute;
    n = k.sourceThreshold;
    json_io::readInt(c, "sourceThreshold", p, -kLoose, kLoose, n);
    k.sourceThreshold = static_cast<int>(n);
    n = k.burstThreshold;
    json_io::readInt(c, "burstThreshold", p, -kLoose, kLoose, n);
    k.burstThreshold = static_cast<int>(n);
    n = k.complaintMinFriends;
    json_io::readInt(c, "complaintMinFriends", p, -kLoose, kLoose, n);
    k.complaintMinFriends = static_cast<int>(n);
    json_io::readInt(c, "complaintShareBp", p, -kLoose, kLoose, k.complaintShareBp);
  }
  if (present(j, "registrations")) {
    const Json& list = json_io::requireArray(j.at("registrations"), "/registrations", kMaxRecords);
    r.registrations.reserve(list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = childPath("/registrations", i);
      const Json& o = json_io::requireObject(list[i], p);
      RegistrationSource s;
      json_io::readString(o, "patientId", p, kMaxKeyBytes, s.patientId, true);
      s.atMs = readStamp(o, "atMs", p, true);
      json_io::readString(o, "deviceKey", p, kMaxKeyBytes, s.deviceKey);
      json_io::readString(o, "addressKey", p, kMaxKeyBytes, s.addressKey);
      r.registrations.push_back(std::move(s));
    }
  }
  if (present(j, "referrals")) {
    r.referrals = readReferralRecords(j.at("referrals"), "/referrals", kMaxRecords,
                                      {.closed = false, .minInstantMs = kMinInstantMs});
  }
  if (present(j, "reviews")) {
    const Json& list = json_io::requireArray(j.at("reviews"), "/reviews", kMaxReviews);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = childPath("/reviews", i);
      const Json& o = json_io::requireObject(list[i], p);
      RiskReview v;
      json_io::readString(o, "flagId", p, 400, v.flagId, true);
      v.reviewedAtMs = readStamp(o, "reviewedAtMs", p, true);
      json_io::readString(o, "reviewedBy", p, kMaxKeyBytes, v.reviewedBy, true);
      json_io::readString(o, "note", p, 1'000, v.note);
      r.reviews.push_back(std::move(v));
    }
  }
  return r;
}

std::string two(int n) {
  return (n < 10 ? "0" : "") + std::to_string(n);
}

// "2026-12-01 09:05" in the programme's zone.
std::string localTime(std::int64_t ms, int offsetMinutes) {
  const DayNumber day = civilDayOf(ms, offsetMinutes);
  const std::int64_t local = ms + std::int64_t{offsetMinutes} * kMsPerMinute;
  const std::int64_t minute = (local - std::int64_t{day} * 1'440 * kMsPerMinute) / kMsPerMinute;
  return formatDate(day) + " " + two(static_cast<int>(minute / 60)) + ":" +
         two(static_cast<int>(minute % 60));
}

std::string windowText(std::int64_t ms) {
  const std::int64_t minutes = ms / kMsPerMinute;
  if (minutes % 1'440 == 0) return std::to_string(minutes / 1'440 * 24) + "小时";
  if (minutes % 60 == 0) return std::to_string(minutes / 60) + "小时";
  return std::to_string(minutes) + "分钟";
}

Json encodeFlag(const RiskFlag& f, const RiskConfig& c) {
  std::string title, text;
  const std::string span =
      "（" + localTime(f.firstAtMs, c.utcOffsetMinutes) + " 至 " + localTime(f.lastAtMs, c.utcOffsetMinutes) + "）";
  switch (f.kind) {
    case RiskKind::kSameDevice:
      title = "同一设备多次注册";
      text = "同一设备在" + windowText(c.sourceWindowMs) + "内最多注册了" + std::to_string(f.peakInWindow) +
             "个账号，本段共" + std::to_string(f.count) + "个" + span;
      break;
    case RiskKind::kSameAddress:
      title = "同一网络地址多次注册";
      text = "同一网络地址在" + windowText(c.sourceWindowMs) + "内最多注册了" +
             std::to_string(f.peakInWindow) + "个账号，本段共" + std::to_string(f.count) + "个" + span;
      break;
    case RiskKind::kComplaints:
      title = "推荐的朋友投诉集中";
      text = "推荐的" + std::to_string(f.count) + "位朋友中有" + std::to_string(f.complaints) + "位投诉";
      break;
    case RiskKind::kCodeBurst:
      title = "推荐码短时间内集中使用";
      text = "同一推荐码在" + windowText(c.burstWindowMs) + "内最多被" + std::to_string(f.peakInWindow) +
             "人使用，本段共" + std::to_string(f.count) + "人" + span + "，可能被发到了公开场所";
      break;
  }
  Json review = nullptr;
  if (f.review) {
    review = {{"reviewedAtMs", f.review->reviewedAtMs},
              {"reviewedAt", localTime(f.review->reviewedAtMs, c.utcOffsetMinutes)},
              {"reviewedBy", f.review->reviewedBy},
              {"note", f.review->note}};
  }
  return {{"id", f.id},
          {"kind", riskKindName(f.kind)},
          {"title", title},
          {"text", text},
          {"subject", f.subject},
          {"patientIds", f.patientIds},
          {"count", f.count},
          {"complaints", f.complaints},
          {"peakInWindow", f.peakInWindow},
          {"firstAtMs", f.firstAtMs},
          {"lastAtMs", f.lastAtMs},
          {"status", f.review ? "reviewed" : "open"},
          {"review", review}};
}

}  // namespace

std::string riskFlagsJson(std::string_view requestText) {
  json_io::Limits limits;
  limits.maxBytes = 64u << 20;
  return json_io::runEntry(requestText, limits, [](const Json& j) {
    const RiskFlagsRequest request = decode(j);
    Result<RiskFlags> result = riskFlags(request);
    if (!result.ok()) throw json_io::InputError{result.error()};
    const RiskFlags& r = result.value();
    Json flags = Json::array();
    for (const RiskFlag& f : r.flags) flags.push_back(encodeFlag(f, request.config));
    return Json{{"flags", flags},
                {"counts", {{"open", r.open}, {"reviewed", r.reviewed}, {"unmatchedReviews", r.unmatchedReviews}}},
                {"note", "风险提示仅供工作人员人工复核，系统不会因此自动处罚、作废或封禁任何人"}};
  });
}

}  // namespace carecircle
