#include "referral/referral_quality.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "common/json_io.hpp"
#include "referral/referral_json.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::int64_t kMsPerHour = 3'600'000;
constexpr std::int64_t kMsPerDay = 24 * kMsPerHour;
constexpr std::size_t kMaxRecords = 200'000;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxCutPoints = 10;
// Upper bounds of the first-visit buckets: 1, 3, 7, 30 days; the last is open.
constexpr std::int64_t kBucketBounds[] = {kMsPerDay, 3 * kMsPerDay, 7 * kMsPerDay, 30 * kMsPerDay};

std::optional<std::int64_t> rateBp(int numerator, int denominator) {
  if (denominator == 0) return std::nullopt;
  return std::int64_t{numerator} * 10'000 / denominator;
}

void finish(QualityFigures& f, std::vector<std::int64_t>& firstVisits) {
  f.settled = f.converted + f.lapsed + f.voided;
  f.successBp = rateBp(f.converted, f.settled);
  f.lapseBp = rateBp(f.lapsed, f.settled);
  f.complaintBp = rateBp(f.voided, f.settled);
  f.firstVisit.count = static_cast<int>(firstVisits.size());
  if (!firstVisits.empty()) {
    std::sort(firstVisits.begin(), firstVisits.end());
    f.firstVisit.medianMs = firstVisits[(firstVisits.size() - 1) / 2];
  }
  for (std::int64_t ms : firstVisits) {
    std::size_t b = 0;
    while (b < 4 && ms >= kBucketBounds[b]) ++b;
    ++f.firstVisit.buckets[b];
  }
}

std::string bandLabel(std::optional<int> minAge, std::optional<int> maxAge) {
  if (!minAge) return std::to_string(*maxAge + 1) + "岁以下";
  if (!maxAge) return std::to_string(*minAge) + "岁及以上";
  return std::to_string(*minAge) + "-" + std::to_string(*maxAge) + "岁";
}

std::string bandId(std::optional<int> minAge, std::optional<int> maxAge) {
  if (!minAge) return "under" + std::to_string(*maxAge + 1);
  if (!maxAge) return std::to_string(*minAge) + "plus";
  return std::to_string(*minAge) + "to" + std::to_string(*maxAge);
}

}  // namespace

Result<ReferralQuality> referralQuality(const ReferralQualityRequest& request) {
  const ReferralQualityConfig& c = request.config;
  auto bad = [](std::string message, std::string path) {
    return Error{"referral.bad_config", std::move(message), std::move(path)};
  };
  if (c.utcOffsetMinutes < -kMaxUtcOffsetMinutes || c.utcOffsetMinutes > kMaxUtcOffsetMinutes)
    return bad("时区偏移必须在 UTC-14:00 到 UTC+14:00 之间", "/config/utcOffsetMinutes");
  if (c.lapseAfterMs < kMsPerHour || c.lapseAfterMs > 720 * kMsPerHour)
    return bad("失效小时数必须在1到720之间", "/config/lapseHours");
  if (c.ageBands.empty() || c.ageBands.size() > kMaxCutPoints)
    return bad("年龄分段点应有1到10个", "/config/ageBands");
  for (std::size_t i = 0; i < c.ageBands.size(); ++i) {
    if (c.ageBands[i] < 1 || c.ageBands[i] > 120 || (i > 0 && c.ageBands[i] <= c.ageBands[i - 1]))
      return bad("年龄分段点必须在1到120岁之间且逐个增大", "/config/ageBands/" + std::to_string(i));
  }
  if (request.nowMs < kMinInstantMs || request.nowMs > kMaxInstantMs)
    return Error{"referral.bad_now", "当前时间无效", "/nowMs"};
  if (request.fromDay && request.toDay && *request.fromDay > *request.toDay)
    return Error{"referral.bad_period", "统计起始日期晚于结束日期", "/period"};

  std::map<std::string, int> birthYear;
  for (std::size_t i = 0; i < request.referrers.size(); ++i) {
    const ReferrerAge& r = request.referrers[i];
    if (!birthYear.emplace(r.id, r.birthYear).second)
      return Error{"referral.duplicate_referrer", "推荐人编号重复：" + r.id,
                   "/referrers/" + std::to_string(i) + "/id"};
  }

  ReferralQuality out;
  out.today = civilDayOf(request.nowMs, c.utcOffsetMinutes);
  out.fromDay = request.fromDay;
  out.toDay = request.toDay;
  out.lapseAfterMs = c.lapseAfterMs;

  const std::size_t bandCount = c.ageBands.size() + 2;  // the cut bands, then "unknown"
  for (std::size_t b = 0; b + 1 < bandCount; ++b) {
    AgeBandQuality band;
    if (b > 0) band.minAge = c.ageBands[b - 1];
    if (b < c.ageBands.size()) band.maxAge = c.ageBands[b] - 1;
    band.id = bandId(band.minAge, band.maxAge);
    band.label = bandLabel(band.minAge, band.maxAge);
    out.bands.push_back(std::move(band));
  }
  out.bands.push_back({"unknown", "未登记年龄", std::nullopt, std::nullopt, {}});

  // The same stages the referral tree shows (lapse after the last step).
  GraphOptions options;
  options.nowMs = request.nowMs;
  options.lapseAfterMs = c.lapseAfterMs;
  const ReferralGraph graph = buildReferralGraph(request.referrals, {}, options);
  std::set<std::string> refused;
  for (const GraphIssue& issue : graph.issues) {
    if (issue.code == "referral.stage_regression") continue;  // counted at its last good step
    refused.insert(issue.recordIds.begin(), issue.recordIds.end());
  }

  std::vector<std::vector<std::int64_t>> visits(bandCount);
  std::vector<std::int64_t> allVisits;
  std::vector<std::set<std::string>> referrers(bandCount);
  std::set<std::string> allReferrers;
  for (std::size_t k = 0; k < request.referrals.size(); ++k) {
    const ReferralRecord& r = request.referrals[k];
    if (refused.count(r.id)) {
      ++out.excluded;
      continue;
    }
    const DayNumber invited = civilDayOf(r.invitedAtMs, c.utcOffsetMinutes);
    if ((request.fromDay && invited < *request.fromDay) ||
        (request.toDay && invited > *request.toDay)) {
      ++out.outsidePeriod;
      continue;
    }
    std::size_t band = bandCount - 1;
    const auto known = birthYear.find(r.referrerId);
    if (known != birthYear.end() && known->second != 0) {
      const int age = yearMonthOf(invited).year - known->second;
      if (age >= 0) {
        band = 0;
        while (band < c.ageBands.size() && age >= c.ageBands[band]) ++band;
      }
    }
    for (QualityFigures* f : {&out.overall, &out.bands[band].figures}) {
      ++f->referrals;
      switch (graph.stage[k]) {
        case ReferralStage::kConverted:
        case ReferralStage::kVested:
          ++f->converted;
          break;
        case ReferralStage::kLapsed:
          ++f->lapsed;
          break;
        case ReferralStage::kVoided:
          ++f->voided;
          break;
        default:
          ++f->pending;
      }
    }
    referrers[band].insert(r.referrerId);
    allReferrers.insert(r.referrerId);
    if (r.arrivedAtMs != 0 && r.arrivedAtMs >= r.invitedAtMs) {
      visits[band].push_back(r.arrivedAtMs - r.invitedAtMs);
      allVisits.push_back(r.arrivedAtMs - r.invitedAtMs);
    }
  }
  for (std::size_t b = 0; b < bandCount; ++b) {
    out.bands[b].figures.referrers = static_cast<int>(referrers[b].size());
    finish(out.bands[b].figures, visits[b]);
  }
  out.overall.referrers = static_cast<int>(allReferrers.size());
  finish(out.overall, allVisits);
  return out;
}

// ---------------------------------------------------------------------------
// JSON

namespace {

bool present(const Json& j, const char* key) {
  return j.contains(key) && !j.at(key).is_null();
}

DayNumber readDate(const Json& j, const char* key, const std::string& path) {
  std::string text;
  json_io::readString(j, key, path, 16, text, true);
  const auto day = parseDate(text);
  if (!day) fail("input.bad_date", "日期格式应为 YYYY-MM-DD", childPath(path, key));
  return *day;
}

ReferralQualityRequest decode(const Json& j) {
  ReferralQualityRequest r;
  json_io::readInt(j, "nowMs", "", 0, json_io::kMaxJsonSafeInt, r.nowMs, true);
  if (present(j, "config")) {
    const Json& c = json_io::requireObject(j.at("config"), "/config");
    std::int64_t n = r.config.utcOffsetMinutes;
    json_io::readInt(c, "utcOffsetMinutes", "/config", -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes,
                     n);
    r.config.utcOffsetMinutes = static_cast<int>(n);
    std::int64_t hours = r.config.lapseAfterMs / kMsPerHour;
    json_io::readInt(c, "lapseHours", "/config", -1'000'000, 1'000'000, hours);
    r.config.lapseAfterMs = hours * kMsPerHour;
    if (present(c, "ageBands")) {
      const Json& list = json_io::requireArray(c.at("ageBands"), "/config/ageBands", 64);
      r.config.ageBands.clear();
      for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string p = childPath("/config/ageBands", i);
        if (!list[i].is_number_integer()) fail("input.wrong_type", "年龄分段点应为整数", p);
        const auto v = list[i].get<std::int64_t>();
        if (v < -1'000 || v > 1'000 || (list[i].is_number_unsigned() && v < 0))
          fail("input.out_of_range", "年龄分段点超出允许范围", p);
        r.config.ageBands.push_back(static_cast<int>(v));
      }
    }
  }
  if (present(j, "period")) {
    const Json& p = json_io::requireObject(j.at("period"), "/period");
    if (present(p, "from")) r.fromDay = readDate(p, "from", "/period");
    if (present(p, "to")) r.toDay = readDate(p, "to", "/period");
  }
  if (present(j, "referrers")) {
    const Json& list = json_io::requireArray(j.at("referrers"), "/referrers", kMaxRecords);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string p = childPath("/referrers", i);
      const Json& o = json_io::requireObject(list[i], p);
      ReferrerAge a;
      json_io::readString(o, "id", p, kMaxIdBytes, a.id, true);
      std::int64_t year = 0;
      if (present(o, "birthYear")) json_io::readInt(o, "birthYear", p, 1900, 2199, year, true);
      a.birthYear = static_cast<int>(year);
      r.referrers.push_back(std::move(a));
    }
  }
  if (!present(j, "referrals"))
    fail("input.missing_field", "缺少必填字段 referrals", "/referrals");
  r.referrals = readReferralRecords(j.at("referrals"), "/referrals", kMaxRecords,
                                    {.closed = false, .minInstantMs = kMinInstantMs});
  return r;
}

std::string percentText(const std::optional<std::int64_t>& bp) {
  if (!bp) return "—";
  return std::to_string(*bp / 100) + "." + std::to_string(*bp % 100 / 10) + "%";
}

std::string durationText(std::int64_t ms) {
  const std::int64_t hours = ms / kMsPerHour;
  if (hours < 1) return "不到1小时";
  if (hours < 24) return std::to_string(hours) + "小时";
  const std::int64_t days = hours / 24;
  const std::int64_t rest = hours % 24;
  return std::to_string(days) + "天" + (rest ? std::to_string(rest) + "小时" : "");
}

Json encodeFigures(const QualityFigures& f) {
  static const char* const kBucketLabels[] = {"1天内", "1-3天", "3-7天", "7-30天", "30天及以上"};
  static const char* const kBucketIds[] = {"under1d", "1to3d", "3to7d", "7to30d", "30dPlus"};
  Json buckets = Json::array();
  for (std::size_t b = 0; b < 5; ++b) {
    buckets.push_back({{"id", kBucketIds[b]}, {"label", kBucketLabels[b]}, {"count", f.firstVisit.buckets[b]}});
  }
  auto bp = [](const std::optional<std::int64_t>& v) { return v ? Json(*v) : Json(nullptr); };
  const auto& median = f.firstVisit.medianMs;
  return {{"referrers", f.referrers},
          {"referrals", f.referrals},
          {"pending", f.pending},
          {"settled", f.settled},
          {"converted", f.converted},
          {"lapsed", f.lapsed},
          {"voided", f.voided},
          {"successRateBp", bp(f.successBp)},
          {"successRateText", percentText(f.successBp)},
          {"lapseRateBp", bp(f.lapseBp)},
          {"lapseRateText", percentText(f.lapseBp)},
          {"complaintRateBp", bp(f.complaintBp)},
          {"complaintRateText", percentText(f.complaintBp)},
          {"firstVisit",
           {{"count", f.firstVisit.count},
            {"medianHours", median ? Json(*median / kMsPerHour) : Json(nullptr)},
            {"medianText", median ? durationText(*median) : "暂无到院记录"},
            {"buckets", buckets}}}};
}

Json encode(const ReferralQuality& q) {
  Json bands = Json::array();
  for (const AgeBandQuality& b : q.bands) {
    Json band = encodeFigures(b.figures);
    band["id"] = b.id;
    band["label"] = b.label;
    band["minAge"] = b.minAge ? Json(*b.minAge) : Json(nullptr);
    band["maxAge"] = b.maxAge ? Json(*b.maxAge) : Json(nullptr);
    bands.push_back(std::move(band));
  }
  const std::int64_t hours = q.lapseAfterMs / kMsPerHour;
  return {{"today", formatDate(q.today)},
          {"period",
           {{"from", q.fromDay ? Json(formatDate(*q.fromDay)) : Json(nullptr)},
            {"to", q.toDay ? Json(formatDate(*q.toDay)) : Json(nullptr)}}},
          {"lapseHours", hours},
          {"definitions",
           {{"success", "成功：朋友已就诊成交（作废的不算）"},
            {"lapse", "失效：最后一步之后" + std::to_string(hours) + "小时内未成交"},
            {"complaint", "投诉：朋友投诉后推荐作废"},
            {"pending", "进行中：仍在" + std::to_string(hours) + "小时内，不计入比率"},
            {"age", "推荐人年龄按邀请当年减出生年份计算"}}},
          {"overall", encodeFigures(q.overall)},
          {"bands", bands},
          {"excluded", q.excluded},
          {"outsidePeriod", q.outsidePeriod}};
}

}  // namespace

std::string referralQualityJson(std::string_view requestText) {
  json_io::Limits limits;
  limits.maxBytes = 64u << 20;
  return json_io::runEntry(requestText, limits, [](const Json& j) {
    Result<ReferralQuality> result = referralQuality(decode(j));
    if (!result.ok()) throw json_io::InputError{result.error()};
    return encode(result.value());
  });
}

}  // namespace carecircle
