#include "referral/referral_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "common/civil_date.hpp"
#include "common/json_io.hpp"
#include "referral/forest_json.hpp"
#include "referral/referral_view.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;
using json_io::Json;

constexpr std::size_t kMaxRecords = 2'000'000;  // a whole region's referrals; 10M is refused
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxNameBytes = 64;

json_io::Limits referralLimits() {
  json_io::Limits limits;
  limits.maxBytes = 160u << 20;  // a million compact records fit; ten million do not
  return limits;
}

bool has(const Json& j, const char* key) {
  return j.contains(key) && !j.at(key).is_null();
}

std::int64_t readInstant(const Json& j, const char* key, const std::string& path,
                         bool required = false) {
  std::int64_t ms = 0;
  json_io::readInt(j, key, path, 0, kMaxInstantMs, ms, required);
  return ms;
}

double readLength(const Json& j, const char* key, const std::string& path, double fallback) {
  if (!has(j, key)) return fallback;
  const Json& v = j.at(key);
  if (!v.is_number())
    fail("input.wrong_type", std::string("字段类型错误：应为数字"), childPath(path, key));
  const double d = v.get<double>();
  if (!std::isfinite(d) || d <= 0 || d > 1e6)
    fail("input.out_of_range", "尺寸应为正数且不超过1000000", childPath(path, key));
  return d;
}

void decodeCommon(const Json& j, TreeRequest& r) {
  r.graph.nowMs = readInstant(j, "nowMs", "");
  std::int64_t offset = r.utcOffsetMinutes;
  json_io::readInt(j, "utcOffsetMinutes", "", -kMaxUtcOffsetMinutes, kMaxUtcOffsetMinutes, offset);
  r.utcOffsetMinutes = static_cast<int>(offset);
  json_io::readBool(j, "requireKnownPatients", "", r.graph.requireKnownPatients);
  if (!has(j, "records")) fail("input.missing_field", "缺少必填字段 records", "/records");
  r.records = readReferralRecords(j.at("records"), "/records", kMaxRecords, {});
  if (has(j, "patients")) {
    const Json& patients = json_io::requireArray(j.at("patients"), "/patients", kMaxRecords);
    r.patients.reserve(patients.size());
    for (std::size_t i = 0; i < patients.size(); ++i) {
      const std::string p = childPath("/patients", i);
      const Json& o = json_io::requireObject(patients[i], p);
      json_io::rejectUnknownKeys(o, p, {"id", "name", "firstVisitAtMs"});
      PatientRecord x;
      json_io::readString(o, "id", p, kMaxIdBytes, x.id, true);
      json_io::readString(o, "name", p, kMaxNameBytes, x.name);
      x.firstVisitAtMs = readInstant(o, "firstVisitAtMs", p);
      r.patients.push_back(std::move(x));
    }
  }
  if (has(j, "layout")) {
    const Json& l = json_io::requireObject(j.at("layout"), "/layout");
    json_io::rejectUnknownKeys(
        l, "/layout", {"nodeWidth", "levelHeight", "siblingSeparation", "cousinSeparation"});
    r.layout.dx = readLength(l, "nodeWidth", "/layout", r.layout.dx);
    r.layout.dy = readLength(l, "levelHeight", "/layout", r.layout.dy);
    r.layout.siblingSeparation =
        readLength(l, "siblingSeparation", "/layout", r.layout.siblingSeparation);
    r.layout.cousinSeparation =
        readLength(l, "cousinSeparation", "/layout", r.layout.cousinSeparation);
  }
}

Json encodeIssues(const std::vector<GraphIssue>& issues, std::size_t max) {
  Json out = Json::array();
  for (std::size_t i = 0; i < issues.size() && i < max; ++i) {
    out.push_back({{"code", issues[i].code},
                   {"message", issues[i].message},
                   {"recordIds", issues[i].recordIds}});
  }
  return out;
}

Json encodeNodes(const std::vector<DrawNode>& nodes) {
  Json out = Json::array();
  for (const DrawNode& d : nodes) {
    Json n = {{"key", d.key},
              {"kind", d.kind},
              {"label", d.label},
              {"sublabel", d.sublabel},
              {"x", d.x},
              {"y", d.y},
              {"depth", d.depth},
              {"parent", d.parent},
              {"progressPercent", d.progressPercent},
              {"hiddenChildren", d.hiddenChildren}};
    n["edgeFrom"] = d.hasParent ? Json{{"x", d.px}, {"y", d.py}} : Json(nullptr);
    out.push_back(std::move(n));
  }
  return out;
}

std::string dateOf(std::int64_t ms, int offset) {
  return formatDate(civilDayOf(std::clamp(ms, kMinInstantMs, kMaxInstantMs), offset));
}

}  // namespace

ReferralRecord readReferralRecord(const Json& o, const std::string& p,
                                  const ReferralRecordReading& how) {
  json_io::requireObject(o, p);
  if (how.closed) {
    json_io::rejectUnknownKeys(
        o, p,
        {"id", "referrerId", "refereeId", "invitedAtMs", "registeredAtMs", "arrivedAtMs",
         "convertedAtMs", "vestedAtMs", "voidedAtMs", "consentToShareProgress", "rewardTitle"});
  }
  const auto instant = [&](const char* key, bool required) {
    std::int64_t ms = 0;
    json_io::readInt(o, key, p, how.minInstantMs, kMaxInstantMs, ms, required);
    return ms;
  };
  ReferralRecord x;
  json_io::readString(o, "id", p, kMaxIdBytes, x.id, true);
  json_io::readString(o, "referrerId", p, kMaxIdBytes, x.referrerId, true);
  json_io::readString(o, "refereeId", p, kMaxIdBytes, x.refereeId, true);
  x.invitedAtMs = instant("invitedAtMs", true);
  x.registeredAtMs = instant("registeredAtMs", false);
  x.arrivedAtMs = instant("arrivedAtMs", false);
  x.convertedAtMs = instant("convertedAtMs", false);
  x.vestedAtMs = instant("vestedAtMs", false);
  x.voidedAtMs = instant("voidedAtMs", false);
  json_io::readBool(o, "consentToShareProgress", p, x.consentToShareProgress);
  json_io::readString(o, "rewardTitle", p, 128, x.rewardTitle);
  return x;
}

std::vector<ReferralRecord> readReferralRecords(const Json& list, const std::string& path,
                                                std::size_t maxItems,
                                                const ReferralRecordReading& how) {
  const Json& items = json_io::requireArray(list, path, maxItems);
  std::vector<ReferralRecord> out;
  out.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    out.push_back(readReferralRecord(items[i], childPath(path, i), how));
  return out;
}

Json analyzeReply(const ReferralGraph& g, std::size_t recordCount) {
  Json levels = Json::array();
  for (std::int32_t d : g.depth) {
    while (levels.size() <= static_cast<std::size_t>(d)) levels.push_back(0);
    levels[d] = levels[d].get<std::int64_t>() + 1;
  }
  Json stages = Json::object();
  for (std::size_t k = 0; k < g.stage.size(); ++k) {
    const char* name = referralStageName(g.stage[k]);
    stages[name] = stages.value(name, 0) + 1;
  }
  const std::size_t maxDepth = levels.empty() ? 0 : levels.size() - 1;
  return Json{{"patients", g.ids.size()},      {"records", recordCount},
              {"roots", g.roots.size()},       {"maxDepth", maxDepth},
              {"levelCounts", std::move(levels)}, {"stageCounts", std::move(stages)},
              {"issueCount", g.issues.size()}, {"issues", encodeIssues(g.issues, 1000)}};
}

std::string analyzeReferralsJson(std::string_view text) {
  // A valid bulk request goes through the SAX lane; every other text, here.
  if (auto fast = forest_json::analyzeReferrals(text)) return *std::move(fast);
  return json_io::runEntry(text, referralLimits(), [](const Json& j) {
    json_io::rejectUnknownKeys(
        j, "", {"nowMs", "utcOffsetMinutes", "records", "patients", "requireKnownPatients"});
    TreeRequest r;
    decodeCommon(j, r);
    return analyzeReply(buildReferralGraph(r.records, r.patients, r.graph), r.records.size());
  });
}

std::string myReferralTreeJson(std::string_view text) {
  return json_io::runEntry(text, referralLimits(), [](const Json& j) {
    json_io::rejectUnknownKeys(
        j, "", {"nowMs", "utcOffsetMinutes", "patientId", "records", "patients", "layout"});
    TreeRequest r;
    decodeCommon(j, r);
    if (r.graph.nowMs == 0) fail("input.missing_field", "缺少必填字段 nowMs", "/nowMs");
    std::string patientId;
    json_io::readString(j, "patientId", "", kMaxIdBytes, patientId, true);
    Result<MyReferralTree> tree = myReferralTree(r, patientId);
    if (!tree.ok()) throw json_io::InputError{tree.error()};
    const MyReferralTree& t = tree.value();
    Json friends = Json::array();
    for (const FriendProgress& f : t.friends) {
      friends.push_back({{"recordId", f.recordId},
                         {"maskedName", f.maskedName},
                         {"stage", f.detailed ? referralStageName(f.stage) : "private"},
                         {"detailed", f.detailed},
                         {"stageLabel", f.stageLabel},
                         {"progressPercent", f.progressPercent},
                         {"level2Count", f.level2Count},
                         {"level3Count", f.level3Count},
                         {"indirectText", f.indirectText},
                         {"invitedDate", dateOf(f.invitedAtMs, r.utcOffsetMinutes)}});
    }
    Json feed = Json::array();
    for (const FeedEvent& e : t.feed) {
      feed.push_back({{"atMs", e.atMs},
                      {"date", dateOf(e.atMs, r.utcOffsetMinutes)},
                      {"kind", e.kind},
                      {"text", e.text}});
    }
    return Json{{"counts", {{"level1", t.level1}, {"level2", t.level2}, {"level3", t.level3}}},
                {"summary",
                 {{"directText", t.summary.directText},
                  {"indirectText", t.summary.indirectText},
                  {"hasReferrer", t.summary.hasReferrer}}},
                {"friends", friends},
                {"feed", feed},
                {"tree",
                 {{"nodes", encodeNodes(t.nodes)},
                  {"minX", t.minX},
                  {"maxX", t.maxX},
                  {"height", t.height},
                  {"nodeWidth", r.layout.dx},
                  {"levelHeight", r.layout.dy}}}};
  });
}

std::string layoutForestJson(std::string_view text) {
  if (auto fast = forest_json::layoutForestColumns(text)) return *std::move(fast);
  return json_io::runEntry(text, referralLimits(), [](const Json& j) {
    json_io::rejectUnknownKeys(
        j, "",
        {"nowMs", "utcOffsetMinutes", "records", "patients", "requireKnownPatients", "layout",
         "collapsed", "viewport", "maxVisible", "columns"});
    TreeRequest r;
    decodeCommon(j, r);
    std::vector<std::string> collapsed;
    if (has(j, "collapsed")) {
      const Json& list = json_io::requireArray(j.at("collapsed"), "/collapsed", 100'000);
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!list[i].is_string() || list[i].get_ref<const std::string&>().size() > kMaxIdBytes) {
          fail("input.wrong_type", "collapsed 应为患者编号字符串", childPath("/collapsed", i));
        }
        collapsed.push_back(list[i].get<std::string>());
      }
    }
    Viewport viewport;
    const bool hasViewport = has(j, "viewport");
    if (hasViewport) {
      const Json& v = json_io::requireObject(j.at("viewport"), "/viewport");
      json_io::rejectUnknownKeys(v, "/viewport", {"x0", "y0", "x1", "y1"});
      for (const char* key : {"x0", "y0", "x1", "y1"}) {
        if (!v.contains(key) || !v.at(key).is_number() || !std::isfinite(v.at(key).get<double>())) {
          fail("input.wrong_type", "视口坐标应为数字", childPath("/viewport", key));
        }
      }
      viewport = {v.at("x0").get<double>(), v.at("y0").get<double>(), v.at("x1").get<double>(),
                  v.at("y1").get<double>()};
    }
    std::int64_t maxVisible = 5000;
    json_io::readInt(j, "maxVisible", "", 1, 200'000, maxVisible);
    bool columns = false;
    json_io::readBool(j, "columns", "", columns);
    if (columns && hasViewport)
      fail("input.bad_enum", "columns 与 viewport 不能同时使用", "/columns");
    const ForestView f = staffForest(r, collapsed, hasViewport ? &viewport : nullptr,
                                     columns ? SIZE_MAX : static_cast<std::size_t>(maxVisible));
    if (columns) {
      // Column arrays for a client that culls per frame: ~5× smaller and
      // faster to parse than one object per node (measured by npm run bench).
      Json key = Json::array(), label = Json::array(), sublabel = Json::array(), x = Json::array(),
           depth = Json::array(), parent = Json::array(), hidden = Json::array();
      for (const DrawNode& d : f.visible) {
        key.push_back(d.key);
        label.push_back(d.label);
        sublabel.push_back(d.sublabel);
        x.push_back(d.x);
        depth.push_back(d.depth);
        parent.push_back(d.parent);
        hidden.push_back(d.hiddenChildren);
      }
      return Json{{"nodeCount", f.nodeCount},
                  {"shownCount", f.shownCount},
                  {"levelCounts", f.levelCounts},
                  {"bounds", {{"minX", f.minX}, {"maxX", f.maxX}, {"maxY", f.maxY}}},
                  {"columns",
                   {{"key", key},
                    {"label", label},
                    {"sublabel", sublabel},
                    {"x", x},
                    {"depth", depth},
                    {"parent", parent},
                    {"hiddenChildren", hidden}}},
                  {"levelHeight", r.layout.dy},
                  {"nodeWidth", r.layout.dx},
                  {"issueCount", f.issues.size()},
                  {"issues", encodeIssues(f.issues, 100)}};
    }
    return Json{{"nodeCount", f.nodeCount},
                {"shownCount", f.shownCount},
                {"levelCounts", f.levelCounts},
                {"bounds", {{"minX", f.minX}, {"maxX", f.maxX}, {"maxY", f.maxY}}},
                {"visible", encodeNodes(f.visible)},
                {"truncated", f.truncated},
                {"issueCount", f.issues.size()},
                {"issues", encodeIssues(f.issues, 100)}};
  });
}

std::string recoveryListJson(std::string_view text) {
  return json_io::runEntry(text, referralLimits(), [](const Json& j) {
    json_io::rejectUnknownKeys(j, "", {"nowMs", "utcOffsetMinutes", "records", "patients"});
    TreeRequest r;
    decodeCommon(j, r);
    if (r.graph.nowMs == 0) fail("input.missing_field", "缺少必填字段 nowMs", "/nowMs");
    const ReferralGraph g = buildReferralGraph(r.records, r.patients, r.graph);
    auto maskedOf = [&](std::int32_t node) {
      const std::int32_t p = node < 0 ? -1 : g.patientIndex[node];
      return p < 0 ? std::string() : maskName(r.patients[p].name);
    };
    struct Item {
      std::int32_t node;
      std::int64_t lapsedAtMs;
    };
    // Only the records the forest keeps (first touch wins, no cycles): the
    // referral a friend actually has, whose stage the graph decided.
    std::vector<Item> lapsed;
    for (std::size_t k = 0; k < g.ids.size(); ++k) {
      const std::int32_t rec = g.viaRecord[k];
      if (rec < 0 || g.stage[rec] != ReferralStage::kLapsed) continue;
      const ReferralRecord& x = r.records[rec];
      const std::int64_t last = std::max({x.invitedAtMs, x.registeredAtMs, x.arrivedAtMs});
      lapsed.push_back({static_cast<std::int32_t>(k), last + r.graph.lapseAfterMs});
    }
    // The most recent lapse first: its 48-hour call is the one still due.
    std::sort(lapsed.begin(), lapsed.end(), [&](const Item& a, const Item& b) {
      if (a.lapsedAtMs != b.lapsedAtMs) return a.lapsedAtMs > b.lapsedAtMs;
      return r.records[g.viaRecord[a.node]].id < r.records[g.viaRecord[b.node]].id;
    });
    const std::int64_t holdMs = std::int64_t{r.graph.offerHoldDays} * 86'400'000;
    Json items = Json::array();
    for (const Item& it : lapsed) {
      const ReferralRecord& x = r.records[g.viaRecord[it.node]];
      const char* lastStep = x.arrivedAtMs    ? "arrived"
                             : x.registeredAtMs ? "registered"
                                                : "invited";
      const std::int64_t heldUntilMs = it.lapsedAtMs + holdMs;
      items.push_back({{"recordId", x.id},
                       {"referrerId", x.referrerId},
                       {"refereeId", x.refereeId},
                       {"referrerMaskedName", maskedOf(g.parent[it.node])},
                       {"refereeMaskedName", maskedOf(it.node)},
                       {"consentToShareProgress", x.consentToShareProgress},
                       {"lastStep", lastStep},
                       {"lastStepAtMs", it.lapsedAtMs - r.graph.lapseAfterMs},
                       {"lapsedAtMs", it.lapsedAtMs},
                       {"lapsedDate", dateOf(it.lapsedAtMs, r.utcOffsetMinutes)},
                       {"heldUntilMs", heldUntilMs},
                       {"heldUntilDate", dateOf(heldUntilMs, r.utcOffsetMinutes)},
                       {"offerHeld", r.graph.nowMs < heldUntilMs}});
    }
    return Json{{"count", lapsed.size()},
                {"lapseAfterHours", r.graph.lapseAfterMs / 3'600'000},
                {"offerHoldDays", r.graph.offerHoldDays},
                {"items", items},
                {"issueCount", g.issues.size()},
                {"issues", encodeIssues(g.issues, 100)}};
  });
}

}  // namespace carecircle
