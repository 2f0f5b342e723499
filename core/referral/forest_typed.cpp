#include "referral/forest_typed.hpp"

#include <cmath>
#include <utility>

#include "common/civil_date.hpp"
#include "common/json_io.hpp"

namespace carecircle {
namespace {

using json_io::childPath;
using json_io::fail;

// layoutForest's limits (referral_json.cpp).
constexpr std::size_t kMaxRows = 2'000'000;
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxTitleBytes = 128;

// UTF-16 code units of the UTF-8 sequence that starts with `lead`.
int unitsOf(unsigned char lead) { return lead >= 0xF0 ? 2 : 1; }

// The strings of `packed`, `count` of them, or input.bad_shape at `path`.
std::vector<std::string> unpack(const PackedText& packed, std::size_t count,
                                const std::string& path) {
  if (count > kMaxRows) fail("input.too_many_items", "列表条目过多（上限2000000条）", path);
  if (packed.offsets.size() != count + 1 || packed.offsets.front() != 0) {
    fail("input.bad_shape", "offsets 应比字符串多一项且从 0 开始", path + "/offsets");
  }
  std::vector<std::string> out;
  out.reserve(count);
  std::size_t byte = 0;  // position in text
  std::uint32_t unit = 0;
  const std::string& t = packed.text;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t end = packed.offsets[i + 1];
    if (end < packed.offsets[i]) fail("input.bad_shape", "offsets 不能递减", path + "/offsets");
    const std::size_t from = byte;
    while (unit < end && byte < t.size()) {
      unit += static_cast<std::uint32_t>(unitsOf(static_cast<unsigned char>(t[byte])));
      ++byte;
      while (byte < t.size() && (static_cast<unsigned char>(t[byte]) & 0xC0) == 0x80) ++byte;
    }
    if (unit != end) fail("input.bad_shape", "offsets 与文本长度不符", path + "/offsets");
    out.emplace_back(t, from, byte - from);
  }
  if (byte != t.size()) fail("input.bad_shape", "offsets 与文本长度不符", path + "/offsets");
  return out;
}

std::size_t countOf(const PackedText& packed) {
  return packed.offsets.empty() ? 0 : packed.offsets.size() - 1;
}

// The path of field `key` of item i of `list` ("/records/5/id"), built only
// for an error: 100k records must not cost a million strings.
std::string fieldPath(const char* list, std::size_t i, const char* key) {
  return childPath(childPath(list, i), key);
}

void checkText(const std::string& s, std::size_t maxBytes, bool required, const char* list,
               std::size_t i, const char* key) {
  if (s.size() > maxBytes) {
    fail("input.out_of_range", "文本过长（上限" + std::to_string(maxBytes) + "字节）",
         fieldPath(list, i, key));
  }
  if (required && s.empty())
    fail("input.missing_field", std::string("字段不能为空：") + key, fieldPath(list, i, key));
}

std::int64_t instantAt(const std::vector<double>& column, const char* list, std::size_t i,
                       const char* key) {
  if (column.empty()) return 0;
  const double v = column[i];
  if (!std::isfinite(v) || std::floor(v) != v)
    fail("input.wrong_type", "字段类型错误：应为整数，实际为小数", fieldPath(list, i, key));
  if (v < 0 || v > static_cast<double>(kMaxInstantMs)) {
    fail("input.out_of_range", "数值超出允许范围（0~" + std::to_string(kMaxInstantMs) + ")",
         fieldPath(list, i, key));
  }
  return static_cast<std::int64_t>(v);
}

void checkLength(const std::vector<double>& column, std::size_t count, const char* name,
                 const std::string& path) {
  if (!column.empty() && column.size() != count)
    fail("input.bad_shape", std::string(name) + " 的长度应与 id 相同", path);
}

TreeRequest decode(const TypedForestRequest& in) {
  TreeRequest r;
  if (in.nowMs < 0 || in.nowMs > kMaxInstantMs)
    fail("input.out_of_range", "数值超出允许范围（0~" + std::to_string(kMaxInstantMs) + ")", "/nowMs");
  r.graph.nowMs = in.nowMs;
  r.graph.requireKnownPatients = in.requireKnownPatients;
  const LayoutOptions& l = in.layout;
  const std::pair<double, const char*> lengths[] = {{l.dx, "nodeWidth"},
                                                    {l.dy, "levelHeight"},
                                                    {l.siblingSeparation, "siblingSeparation"},
                                                    {l.cousinSeparation, "cousinSeparation"}};
  for (const auto& [value, name] : lengths) {
    if (!std::isfinite(value) || value <= 0 || value > 1e6)
      fail("input.out_of_range", "尺寸应为正数且不超过1000000", childPath("/layout", name));
  }
  r.layout = l;

  const TypedRecords& rec = in.records;
  const std::size_t n = countOf(rec.id);
  std::vector<std::string> ids = unpack(rec.id, n, "/records/id");
  std::vector<std::string> from = unpack(rec.referrerId, n, "/records/referrerId");
  std::vector<std::string> to = unpack(rec.refereeId, n, "/records/refereeId");
  std::vector<std::string> titles =
      rec.hasRewardTitle ? unpack(rec.rewardTitle, n, "/records/rewardTitle")
                         : std::vector<std::string>();
  if (rec.invitedAtMs.size() != n)
    fail("input.bad_shape", "invitedAtMs 的长度应与 id 相同", "/records/invitedAtMs");
  checkLength(rec.registeredAtMs, n, "registeredAtMs", "/records/registeredAtMs");
  checkLength(rec.arrivedAtMs, n, "arrivedAtMs", "/records/arrivedAtMs");
  checkLength(rec.convertedAtMs, n, "convertedAtMs", "/records/convertedAtMs");
  checkLength(rec.vestedAtMs, n, "vestedAtMs", "/records/vestedAtMs");
  checkLength(rec.voidedAtMs, n, "voidedAtMs", "/records/voidedAtMs");
  if (!rec.consentToShareProgress.empty() && rec.consentToShareProgress.size() != n) {
    fail("input.bad_shape", "consentToShareProgress 的长度应与 id 相同",
         "/records/consentToShareProgress");
  }
  r.records.resize(n);
  constexpr const char* kRecords = "/records";
  for (std::size_t i = 0; i < n; ++i) {
    ReferralRecord& x = r.records[i];
    // The order of layoutForest's record decoder, so the first fault reported is the same.
    checkText(ids[i], kMaxIdBytes, true, kRecords, i, "id");
    checkText(from[i], kMaxIdBytes, true, kRecords, i, "referrerId");
    checkText(to[i], kMaxIdBytes, true, kRecords, i, "refereeId");
    x.id = std::move(ids[i]);
    x.referrerId = std::move(from[i]);
    x.refereeId = std::move(to[i]);
    x.invitedAtMs = instantAt(rec.invitedAtMs, kRecords, i, "invitedAtMs");
    x.registeredAtMs = instantAt(rec.registeredAtMs, kRecords, i, "registeredAtMs");
    x.arrivedAtMs = instantAt(rec.arrivedAtMs, kRecords, i, "arrivedAtMs");
    x.convertedAtMs = instantAt(rec.convertedAtMs, kRecords, i, "convertedAtMs");
    x.vestedAtMs = instantAt(rec.vestedAtMs, kRecords, i, "vestedAtMs");
    x.voidedAtMs = instantAt(rec.voidedAtMs, kRecords, i, "voidedAtMs");
    x.consentToShareProgress =
        !rec.consentToShareProgress.empty() && rec.consentToShareProgress[i] != 0;
    if (!titles.empty()) {
      checkText(titles[i], kMaxTitleBytes, false, kRecords, i, "rewardTitle");
      x.rewardTitle = std::move(titles[i]);
    }
  }

  if (in.hasPatients) {
    const TypedPatients& pat = in.patients;
    const std::size_t m = countOf(pat.id);
    std::vector<std::string> pids = unpack(pat.id, m, "/patients/id");
    std::vector<std::string> names =
        pat.hasName ? unpack(pat.name, m, "/patients/name") : std::vector<std::string>();
    checkLength(pat.firstVisitAtMs, m, "firstVisitAtMs", "/patients/firstVisitAtMs");
    r.patients.resize(m);
    for (std::size_t i = 0; i < m; ++i) {
      checkText(pids[i], kMaxIdBytes, true, "/patients", i, "id");
      r.patients[i].id = std::move(pids[i]);
      if (!names.empty()) {
        checkText(names[i], kMaxNameBytes, false, "/patients", i, "name");
        r.patients[i].name = std::move(names[i]);
      }
      r.patients[i].firstVisitAtMs = instantAt(pat.firstVisitAtMs, "/patients", i, "firstVisitAtMs");
    }
  }
  for (std::size_t i = 0; i < in.collapsed.size(); ++i) {
    if (in.collapsed[i].size() > kMaxIdBytes)
      fail("input.wrong_type", "collapsed 应为患者编号字符串", childPath("/collapsed", i));
  }
  return r;
}

}  // namespace

void appendPacked(PackedText& packed, const std::string& s) {
  if (packed.offsets.empty()) packed.offsets.push_back(0);
  std::uint32_t units = packed.offsets.back();
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b & 0xC0) != 0x80) units += static_cast<std::uint32_t>(unitsOf(b));
  }
  packed.text += s;
  packed.offsets.push_back(units);
}

Result<TreeRequest> decodeTypedForest(const TypedForestRequest& request) {
  try {
    return decode(request);
  } catch (const json_io::InputError& e) {
    return e.error;
  }
}

TypedForestRows typedForestRows(const StaffForestTable& table, const TreeRequest& request) {
  const ReferralGraph& g = table.graph;
  const ForestColumns& c = table.columns;
  const std::size_t rows = c.node.size();
  TypedForestRows out;
  out.key.offsets.reserve(rows + 1);
  out.label.offsets.reserve(rows + 1);
  out.sublabel.offsets.reserve(rows + 1);
  out.key.offsets.push_back(0);
  out.label.offsets.push_back(0);
  out.sublabel.offsets.push_back(0);
  out.patient.resize(rows);
  for (std::size_t row = 0; row < rows; ++row) {
    const std::int32_t node = c.node[row];
    appendPacked(out.key, g.ids[node]);
    appendPacked(out.label, forestLabel(g, request.patients, node));
    appendPacked(out.sublabel, forestSublabel(g, node));
    out.patient[row] = g.patientIndex[node];
  }
  return out;
}

}  // namespace carecircle
