#include "referral/hospital_events.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "common/civil_date.hpp"
#include "common/json_io.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::int64_t kMsPerMinute = 60'000;
constexpr std::int64_t kMsPerDay = 1'440 * kMsPerMinute;
constexpr int kMaxBackdateDays = 90;
constexpr std::size_t kMaxReferrals = 200'000;
constexpr std::size_t kMaxRows = 10'000;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxCellBytes = 4'096;  // a CSV record is at most 4 KiB
constexpr std::size_t kEchoChars = 64;

struct StepInfo {
  HospitalStep step;
  const char* name;
  std::string_view words[5];  // folded; "" ends the list
};

const StepInfo kSteps[kHospitalStepCount] = {
    {HospitalStep::kRegistration, "registrationConfirmed",
     {"registrationconfirmed", "registration", "建档", "注册", "登记"}},
    {HospitalStep::kArrival, "arrivalConfirmed", {"arrivalconfirmed", "arrival", "到院", "到诊"}},
    {HospitalStep::kConversion, "conversionConfirmed",
     {"conversionconfirmed", "conversion", "就诊", "成交", "完成就诊"}},
    {HospitalStep::kAdmission, "admissionConfirmed", {"admissionconfirmed", "admission", "入院", "住院"}},
    {HospitalStep::kDischarge, "dischargeConfirmed", {"dischargeconfirmed", "discharge", "出院"}},
    {HospitalStep::kComplaint, "complaint", {"complaint", "投诉"}},
};

// Lower-case ASCII with white space (also U+00A0 and U+3000), "_" and "-" removed.
std::string fold(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '_' || c == '-')
      continue;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      ++i;
      continue;
    }
    if (c == 0xE3 && text.substr(i, 3) == "\xE3\x80\x80") {
      i += 2;
      continue;
    }
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// The first kEchoChars characters of valid UTF-8 text (what a reason repeats of a row).
std::string echo(std::string_view text) {
  std::size_t chars = 0, i = 0;
  while (i < text.size() && chars < kEchoChars) {
    const auto c = static_cast<unsigned char>(text[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++chars;
  }
  return std::string(text.substr(0, std::min(i, text.size())));
}

// Reads minDigits..maxDigits digits at `at` (what follows is the caller's to
// check); nothing when there are fewer.
std::optional<int> digits(std::string_view s, std::size_t& at, std::size_t minDigits, std::size_t maxDigits) {
  std::size_t n = 0;
  int v = 0;
  while (n < maxDigits && at + n < s.size() && s[at + n] >= '0' && s[at + n] <= '9') {
    v = v * 10 + (s[at + n] - '0');
    ++n;
  }
  if (n < minDigits) return std::nullopt;
  at += n;
  return v;
}

std::string two(int n) {
  return (n < 10 ? "0" : "") + std::to_string(n);
}

}  // namespace

const char* hospitalStepName(HospitalStep step) {
  return kSteps[static_cast<std::size_t>(step)].name;
}

std::optional<HospitalStep> hospitalStepOf(std::string_view text) {
  for (const StepInfo& s : kSteps) {
    if (text == s.name) return s.step;
  }
  const std::string folded = fold(text);
  for (const StepInfo& s : kSteps) {
    for (std::string_view w : s.words) {
      if (!w.empty() && folded == w) return s.step;
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> parseHospitalEventTime(std::string_view text, int utcOffsetMinutes) {
  const std::string_view s = trim(text);
  std::size_t at = 0;
  const auto year = digits(s, at, 4, 4);
  if (!year || at >= s.size() || (s[at] != '-' && s[at] != '/')) return std::nullopt;
  ++at;
  const auto month = digits(s, at, 1, 2);
  if (!month || at >= s.size() || (s[at] != '-' && s[at] != '/')) return std::nullopt;
  ++at;
  const auto day = digits(s, at, 1, 2);
  if (!day) return std::nullopt;
  int hour = 0, minute = 0, second = 0;
  if (at < s.size() && (s[at] == ' ' || s[at] == 'T')) {
    std::size_t probe = at + 1;
    const auto h = digits(s, probe, 1, 2);
    if (h && probe < s.size() && s[probe] == ':') {
      ++probe;
      const auto mi = digits(s, probe, 2, 2);
      if (!mi) return std::nullopt;
      hour = *h;
      minute = *mi;
      if (probe < s.size() && s[probe] == ':') {
        ++probe;
        const auto sec = digits(s, probe, 2, 2);
        if (!sec) return std::nullopt;
        second = *sec;
      }
      at = probe;
    }
  }
  while (at < s.size() && (s[at] == ' ' || s[at] == '\t')) ++at;
  int offset = utcOffsetMinutes;
  if (at < s.size()) {
    if (s[at] == 'Z' && at + 1 == s.size()) {
      offset = 0;
      ++at;
    } else if (s[at] == '+' || s[at] == '-') {
      const int sign = s[at] == '-' ? -1 : 1;
      ++at;
      const auto zh = digits(s, at, 2, 2);
      if (!zh) return std::nullopt;
      if (at < s.size() && s[at] == ':') ++at;
      const auto zm = digits(s, at, 2, 2);
      if (!zm || *zm > 59) return std::nullopt;
      offset = sign * (*zh * 60 + *zm);
      if (offset > kMaxUtcOffsetMinutes || offset < -kMaxUtcOffsetMinutes) return std::nullopt;
    }
    if (at != s.size()) return std::nullopt;
  }
  if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
  const auto date = parseDate(std::to_string(*year) + "-" + two(*month) + "-" + two(*day));
  if (!date) return std::nullopt;
  return std::int64_t{*date} * kMsPerDay + (std::int64_t{hour} * 60 + minute - offset) * kMsPerMinute +
         std::int64_t{second} * 1'000;
}

Result<HospitalEventsCheck> checkHospitalEvents(const HospitalEventsRequest& request) {
  if (request.nowMs < kMinInstantMs || request.nowMs > kMaxInstantMs)
    return Error{"referral.bad_now", "当前时间无效", "/nowMs"};
  if (request.backdateDays < 1 || request.backdateDays > kMaxBackdateDays)
    return Error{"referral.bad_config", "补录天数应为1到90天", "/backdateDays"};
  if (request.utcOffsetMinutes < -kMaxUtcOffsetMinutes || request.utcOffsetMinutes > kMaxUtcOffsetMinutes)
    return Error{"referral.bad_config", "时区偏移超出允许范围", "/utcOffsetMinutes"};
  if (trim(request.recordedBy).empty())
    return Error{"referral.bad_recorder", "没有记录人：请以工作人员或医院系统的身份记录", "/recordedBy"};

  // The first listed wins for an id or a patient listed twice.
  std::map<std::string_view, std::size_t> byId, byPatient;
  for (std::size_t k = 0; k < request.referrals.size(); ++k) {
    byId.emplace(request.referrals[k].id, k);
    byPatient.emplace(request.referrals[k].patientId, k);
  }
  // What the batch has recorded so far: a later row for the same step is unchanged.
  std::map<std::pair<std::size_t, std::size_t>, std::int64_t> recorded;
  const std::string days = std::to_string(request.backdateDays);

  HospitalEventsCheck out;
  out.rows.reserve(request.rows.size());
  for (std::size_t i = 0; i < request.rows.size(); ++i) {
    const HospitalEventRow& row = request.rows[i];
    const std::string at = childPath("/rows", i);
    HospitalEventVerdict v;
    auto refuse = [&](const char* code, std::string reason, const char* field) {
      v.outcome = EventOutcome::kRefused;
      v.code = code;
      v.reason = std::move(reason);
      v.path = childPath(at, field);
      v.referralId.clear();
      ++out.refused;
    };
    if (row.event) v.step = hospitalStepOf(*row.event);
    if (row.columns && row.expected && *row.columns != *row.expected) {
      refuse("csv.wrong_columns",
             "这一行有" + std::to_string(*row.columns) + "列，表头有" + std::to_string(*row.expected) + "列",
             "columns");
    } else if (row.patientId.empty() && row.referralId.empty()) {
      refuse("event.missing_patient", "缺少患者编号", "patientId");
    } else if (auto found = row.referralId.empty() ? byPatient.find(row.patientId) : byId.find(row.referralId);
               found == (row.referralId.empty() ? byPatient.end() : byId.end())) {
      if (row.referralId.empty())
        refuse("referral.unknown", "这位患者没有推荐记录（不是经推荐来的，或编号有误）", "patientId");
      else
        refuse("referral.unknown", "没有这条推荐记录", "referralId");
    } else if (!v.step) {
      const std::string said = row.event ? echo(*row.event) : std::string();
      refuse("event.unknown_step",
             trim(said).empty() ? std::string("缺少事件，应为建档、到院、就诊、入院、出院或投诉")
                                : "不认识的事件“" + said + "”，应为建档、到院、就诊、入院、出院或投诉",
             "event");
    } else {
      const std::size_t k = found->second;
      const KnownReferral& referral = request.referrals[k];
      std::optional<std::int64_t> ms;
      std::string said;
      const char* field = "atText";
      if (row.atMs) {
        field = "atMs";
        said = std::to_string(*row.atMs);
        if (*row.atMs > 0) ms = *row.atMs;
      } else if (row.atText) {
        said = echo(*row.atText);
        ms = parseHospitalEventTime(*row.atText, request.utcOffsetMinutes);
      }
      if (!ms) {
        refuse("event.bad_time",
               trim(said).empty() ? std::string("缺少时间，应为 2026-12-06 09:30 这样的格式")
                                  : "时间“" + said + "”无法识别，应为 2026-12-06 09:30 这样的格式",
               field);
      } else if (*ms > request.nowMs + kHospitalEventAheadMs) {
        refuse("event.future_time", "时间晚于现在，不能记录尚未发生的事件", field);
      } else if (*ms < request.nowMs - std::int64_t{request.backdateDays} * kMsPerDay) {
        refuse("referral.event_too_old", "只能补录" + days + "天内的事件（奖励按事件时间计算）", field);
      } else {
        const auto s = static_cast<std::size_t>(*v.step);
        v.referralId = referral.id;
        const auto earlier = recorded.find({k, s});
        const std::int64_t already = referral.steps[s] != 0 ? referral.steps[s]
                                     : earlier != recorded.end() ? earlier->second
                                                                 : 0;
        if (already != 0) {
          v.outcome = EventOutcome::kUnchanged;
          v.atMs = already;
          v.reason = "已记录过，未重复记录";
          ++out.unchanged;
        } else {
          v.outcome = EventOutcome::kApply;
          v.atMs = *ms;
          recorded.emplace(std::make_pair(k, s), *ms);
          ++out.apply;
        }
      }
    }
    out.rows.push_back(std::move(v));
  }
  return out;
}

// ---------------------------------------------------------------------------
// JSON

namespace {

bool present(const Json& j, const char* key) {
  return j.contains(key) && !j.at(key).is_null();
}

HospitalEventsRequest decode(const Json& j) {
  json_io::rejectUnknownKeys(j, "", {"nowMs", "backdateDays", "utcOffsetMinutes", "recordedBy", "referrals", "rows"});
  HospitalEventsRequest r;
  json_io::readInt(j, "nowMs", "", 0, json_io::kMaxJsonSafeInt, r.nowMs, true);
  std::int64_t n = r.backdateDays;
  json_io::readInt(j, "backdateDays", "", -1'000'000, 1'000'000, n);
  r.backdateDays = static_cast<int>(n);
  n = r.utcOffsetMinutes;
  json_io::readInt(j, "utcOffsetMinutes", "", -1'000'000, 1'000'000, n);
  r.utcOffsetMinutes = static_cast<int>(n);
  json_io::readString(j, "recordedBy", "", kMaxIdBytes, r.recordedBy);

  if (!present(j, "referrals")) fail("input.missing_field", "缺少必填字段 referrals", "/referrals");
  const Json& referrals = json_io::requireArray(j.at("referrals"), "/referrals", kMaxReferrals);
  r.referrals.reserve(referrals.size());
  for (std::size_t i = 0; i < referrals.size(); ++i) {
    const std::string p = childPath("/referrals", i);
    const Json& o = json_io::requireObject(referrals[i], p);
    json_io::rejectUnknownKeys(o, p, {"id", "patientId", "steps"});
    KnownReferral x;
    json_io::readString(o, "id", p, kMaxIdBytes, x.id, true);
    json_io::readString(o, "patientId", p, kMaxIdBytes, x.patientId, true);
    if (present(o, "steps")) {
      const std::string sp = childPath(p, "steps");
      const Json& steps = json_io::requireObject(o.at("steps"), sp);
      json_io::rejectUnknownKeys(steps, sp,
                                 {"registrationConfirmed", "arrivalConfirmed", "conversionConfirmed",
                                  "admissionConfirmed", "dischargeConfirmed", "complaint"});
      for (std::size_t s = 0; s < kHospitalStepCount; ++s)
        json_io::readInt(steps, kSteps[s].name, sp, 0, kMaxInstantMs, x.steps[s]);
    }
    r.referrals.push_back(std::move(x));
  }

  if (!present(j, "rows")) fail("input.missing_field", "缺少必填字段 rows", "/rows");
  const Json& rows = json_io::requireArray(j.at("rows"), "/rows", kMaxRows);
  r.rows.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string p = childPath("/rows", i);
    const Json& o = json_io::requireObject(rows[i], p);
    json_io::rejectUnknownKeys(o, p, {"patientId", "referralId", "event", "atMs", "atText", "columns", "expected"});
    HospitalEventRow x;
    json_io::readString(o, "patientId", p, kMaxCellBytes, x.patientId);
    json_io::readString(o, "referralId", p, kMaxCellBytes, x.referralId);
    std::string text;
    if (json_io::readString(o, "event", p, kMaxCellBytes, text)) x.event = text;
    std::int64_t value = 0;
    if (json_io::readInt(o, "atMs", p, -json_io::kMaxJsonSafeInt, json_io::kMaxJsonSafeInt, value)) x.atMs = value;
    if (json_io::readString(o, "atText", p, kMaxCellBytes, text)) x.atText = text;
    if (json_io::readInt(o, "columns", p, 0, 100'000, value)) x.columns = value;
    if (json_io::readInt(o, "expected", p, 0, 100'000, value)) x.expected = value;
    r.rows.push_back(std::move(x));
  }
  return r;
}

const char* outcomeName(EventOutcome o) {
  switch (o) {
    case EventOutcome::kApply:
      return "apply";
    case EventOutcome::kUnchanged:
      return "unchanged";
    case EventOutcome::kRefused:
      return "refused";
  }
  return "refused";
}

Json encode(const HospitalEventsCheck& c, const HospitalEventsRequest& r) {
  Json rows = Json::array();
  for (const HospitalEventVerdict& v : c.rows) {
    Json row = {{"outcome", outcomeName(v.outcome)}};
    if (v.step) row["event"] = hospitalStepName(*v.step);
    if (v.outcome == EventOutcome::kRefused) {
      row["code"] = v.code;
      row["reason"] = v.reason;
      row["path"] = v.path;
    } else {
      row["referralId"] = v.referralId;
      row["atMs"] = v.atMs;
      if (v.outcome == EventOutcome::kUnchanged) row["reason"] = v.reason;
    }
    rows.push_back(std::move(row));
  }
  return {{"rows", rows},
          {"counts", {{"apply", c.apply}, {"unchanged", c.unchanged}, {"refused", c.refused}}},
          {"backdateDays", r.backdateDays},
          {"aheadMs", kHospitalEventAheadMs},
          {"recordedBy", r.recordedBy}};
}

}  // namespace

std::string checkHospitalEventsJson(std::string_view requestText) {
  json_io::Limits limits;
  limits.maxBytes = 48u << 20;
  return json_io::runEntry(requestText, limits, [](const Json& j) {
    const HospitalEventsRequest request = decode(j);
    Result<HospitalEventsCheck> result = checkHospitalEvents(request);
    if (!result.ok()) throw json_io::InputError{result.error()};
    return encode(result.value(), request);
  });
}

}  // namespace carecircle
