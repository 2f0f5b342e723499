// layoutForestTyped: the staff forest over typed columns, labels included
// (core/referral/forest_typed.hpp; docs/api/referral.md). Staff module.
//
// In:  {nowMs?, requireKnownPatients?, layout?, collapsed?: string[],
//       records: {id, referrerId, refereeId, rewardTitle?: Packed,
//                 invitedAtMs, registeredAtMs?, …, voidedAtMs?: numbers,
//                 consentToShareProgress?: numbers (0/1)},
//       patients?: {id, name?: Packed, firstVisitAtMs?: numbers}}
//      where Packed = {text: string, offsets: Uint32Array | number[]} and
//      numbers = a typed array or an array.
// Out: {ok: true, value: {nodeCount, shownCount, levelCounts, bounds, nodeWidth,
//       levelHeight, issueCount, issues, columns: {x: Float64Array,
//       depth, parent, hiddenChildren, patient: Int32Array,
//       key, label, sublabel: Packed}}} — or {ok: false, error}.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "common/json_io.hpp"
#include "referral/forest_typed.hpp"

namespace {

using carecircle::Error;
using emscripten::val;

struct Refused {
  Error error;
};

[[noreturn]] void refuse(const char* code, std::string message, std::string path) {
  throw Refused{Error{code, std::move(message), std::move(path)}};
}

bool present(const val& v) { return !v.isUndefined() && !v.isNull(); }

bool listLike(const val& v) {
  return val::global("ArrayBuffer")["isView"](v).as<bool>() ||
         val::global("Array")["isArray"](v).as<bool>();
}

val objectAt(const val& parent, const char* key, const std::string& path, bool required) {
  const val v = parent[key];
  if (!present(v)) {
    if (required) refuse("input.missing_field", std::string("缺少必填字段 ") + key, path);
    return val::undefined();
  }
  if (v.typeOf().as<std::string>() != "object" || listLike(v))
    refuse("input.wrong_type", "字段类型错误：应为对象", path);
  return v;
}

// A column of numbers; absent leaves `out` empty.
void numbers(const val& parent, const char* key, const std::string& path, bool required,
             std::vector<double>& out) {
  const val v = parent[key];
  if (!present(v)) {
    if (required) refuse("input.missing_field", std::string("缺少必填字段 ") + key, path);
    return;
  }
  if (!listLike(v)) refuse("input.wrong_type", "字段类型错误：应为数组或类型化数组", path);
  out = emscripten::convertJSArrayToNumberVector<double>(v);
}

// A packed string column {text, offsets}; false when absent.
bool packed(const val& parent, const char* key, const std::string& path, bool required,
            carecircle::PackedText& out) {
  const val v = parent[key];
  if (!present(v)) {
    if (required) refuse("input.missing_field", std::string("缺少必填字段 ") + key, path);
    return false;
  }
  if (v.typeOf().as<std::string>() != "object" || !v["text"].isString() ||
      !present(v["offsets"]) || !listLike(v["offsets"])) {
    refuse("input.wrong_type", "字段类型错误：应为 {text, offsets}", path);
  }
  out.text = v["text"].as<std::string>();
  const std::vector<double> offsets = emscripten::convertJSArrayToNumberVector<double>(v["offsets"]);
  out.offsets.reserve(offsets.size());
  for (const double o : offsets) {
    if (!(o >= 0 && o <= 4294967295.0) || std::floor(o) != o)
      refuse("input.bad_shape", "offsets 应为非负整数", path + "/offsets");
    out.offsets.push_back(static_cast<std::uint32_t>(o));
  }
  return true;
}

double numberAt(const val& parent, const char* key, const std::string& path, double fallback) {
  const val v = parent[key];
  if (!present(v)) return fallback;
  if (!v.isNumber()) refuse("input.wrong_type", "字段类型错误：应为数字", path);
  return v.as<double>();
}

carecircle::TypedForestRequest decodeRequest(const val& request) {
  if (request.typeOf().as<std::string>() != "object" || request.isNull() || listLike(request))
    refuse("input.wrong_type", "请求应为对象", "");
  carecircle::TypedForestRequest in;
  const double now = numberAt(request, "nowMs", "/nowMs", 0);
  if (!std::isfinite(now) || std::floor(now) != now)
    refuse("input.wrong_type", "字段类型错误：应为整数，实际为小数", "/nowMs");
  in.nowMs = now < -1 ? -1 : now > 1e16 ? static_cast<std::int64_t>(1e16) : static_cast<std::int64_t>(now);
  const val known = request["requireKnownPatients"];
  if (present(known)) {
    if (!known.isTrue() && !known.isFalse())
      refuse("input.wrong_type", "字段类型错误：应为布尔值", "/requireKnownPatients");
    in.requireKnownPatients = known.isTrue();
  }
  const val layout = objectAt(request, "layout", "/layout", false);
  if (present(layout)) {
    in.layout.dx = numberAt(layout, "nodeWidth", "/layout/nodeWidth", in.layout.dx);
    in.layout.dy = numberAt(layout, "levelHeight", "/layout/levelHeight", in.layout.dy);
    in.layout.siblingSeparation =
        numberAt(layout, "siblingSeparation", "/layout/siblingSeparation", in.layout.siblingSeparation);
    in.layout.cousinSeparation =
        numberAt(layout, "cousinSeparation", "/layout/cousinSeparation", in.layout.cousinSeparation);
  }
  const val collapsed = request["collapsed"];
  if (present(collapsed)) {
    if (!val::global("Array")["isArray"](collapsed).as<bool>())
      refuse("input.wrong_type", "collapsed 应为患者编号字符串的数组", "/collapsed");
    const auto n = collapsed["length"].as<std::size_t>();
    if (n > 100'000) refuse("input.too_many_items", "列表条目过多（上限100000条）", "/collapsed");
    for (std::size_t i = 0; i < n; ++i) {
      const val id = collapsed[i];
      if (!id.isString())
        refuse("input.wrong_type", "collapsed 应为患者编号字符串", "/collapsed/" + std::to_string(i));
      in.collapsed.push_back(id.as<std::string>());
    }
  }
  const val records = objectAt(request, "records", "/records", true);
  carecircle::TypedRecords& r = in.records;
  packed(records, "id", "/records/id", true, r.id);
  packed(records, "referrerId", "/records/referrerId", true, r.referrerId);
  packed(records, "refereeId", "/records/refereeId", true, r.refereeId);
  r.hasRewardTitle = packed(records, "rewardTitle", "/records/rewardTitle", false, r.rewardTitle);
  numbers(records, "invitedAtMs", "/records/invitedAtMs", true, r.invitedAtMs);
  numbers(records, "registeredAtMs", "/records/registeredAtMs", false, r.registeredAtMs);
  numbers(records, "arrivedAtMs", "/records/arrivedAtMs", false, r.arrivedAtMs);
  numbers(records, "convertedAtMs", "/records/convertedAtMs", false, r.convertedAtMs);
  numbers(records, "vestedAtMs", "/records/vestedAtMs", false, r.vestedAtMs);
  numbers(records, "voidedAtMs", "/records/voidedAtMs", false, r.voidedAtMs);
  std::vector<double> consent;
  numbers(records, "consentToShareProgress", "/records/consentToShareProgress", false, consent);
  r.consentToShareProgress.reserve(consent.size());
  for (const double c : consent) r.consentToShareProgress.push_back(c != 0 && !std::isnan(c));
  const val patients = objectAt(request, "patients", "/patients", false);
  if (present(patients)) {
    in.hasPatients = true;
    packed(patients, "id", "/patients/id", true, in.patients.id);
    in.patients.hasName = packed(patients, "name", "/patients/name", false, in.patients.name);
    numbers(patients, "firstVisitAtMs", "/patients/firstVisitAtMs", false,
            in.patients.firstVisitAtMs);
  }
  return in;
}

// A copy of `data` as a JS-owned typed array (nothing for JS to .delete()).
template <typename T>
val copyOut(const std::vector<T>& data) {
  return val(emscripten::typed_memory_view(data.size(), data.data())).call<val>("slice");
}

val packedOut(const carecircle::PackedText& p) {
  val out = val::object();
  out.set("text", p.text);
  out.set("offsets", copyOut(p.offsets));
  return out;
}

val failure(const Error& e) {
  val error = val::object();
  error.set("code", e.code);
  error.set("message", e.message);
  error.set("path", e.path);
  val out = val::object();
  out.set("ok", false);
  out.set("error", error);
  return out;
}

val layoutForestTyped(val request) {
  try {
    const carecircle::TypedForestRequest in = decodeRequest(request);
    carecircle::Result<carecircle::TreeRequest> decoded = carecircle::decodeTypedForest(in);
    if (!decoded.ok()) return failure(decoded.error());
    const carecircle::TreeRequest& tree = decoded.value();
    const carecircle::StaffForestTable table = carecircle::staffForestTable(tree, in.collapsed);
    const carecircle::TypedForestRows rows = carecircle::typedForestRows(table, tree);
    const carecircle::ForestColumns& c = table.columns;
    val columns = val::object();
    columns.set("x", copyOut(c.x));
    columns.set("depth", copyOut(c.depth));
    columns.set("parent", copyOut(c.parentRow));
    columns.set("hiddenChildren", copyOut(c.hiddenChildren));
    columns.set("patient", copyOut(rows.patient));
    columns.set("key", packedOut(rows.key));
    columns.set("label", packedOut(rows.label));
    columns.set("sublabel", packedOut(rows.sublabel));
    val issues = val::array();
    for (std::size_t i = 0; i < table.graph.issues.size() && i < 100; ++i) {
      const carecircle::GraphIssue& g = table.graph.issues[i];
      val issue = val::object();
      issue.set("code", g.code);
      issue.set("message", g.message);
      val ids = val::array();
      for (const std::string& id : g.recordIds) ids.call<void>("push", val(id));
      issue.set("recordIds", ids);
      issues.call<void>("push", issue);
    }
    val levels = val::array();
    for (const std::int64_t n : c.levelCounts) levels.call<void>("push", static_cast<double>(n));
    val bounds = val::object();
    bounds.set("minX", c.minX);
    bounds.set("maxX", c.maxX);
    bounds.set("maxY", c.maxY);
    val value = val::object();
    value.set("nodeCount", static_cast<double>(table.graph.ids.size()));
    value.set("shownCount", static_cast<double>(c.x.size()));
    value.set("levelCounts", levels);
    value.set("bounds", bounds);
    value.set("nodeWidth", tree.layout.dx);
    value.set("levelHeight", tree.layout.dy);
    value.set("issueCount", static_cast<double>(table.graph.issues.size()));
    value.set("issues", issues);
    value.set("columns", columns);
    val out = val::object();
    out.set("ok", true);
    out.set("value", value);
    return out;
  } catch (const Refused& r) {
    return failure(r.error);
  } catch (const std::bad_alloc&) {
    return failure(Error{"input.too_large", "数据量超出可处理范围", ""});
  } catch (...) {
    return failure(Error{"internal.unexpected", "系统内部错误，请稍后重试", ""});
  }
}

}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_forest_typed) {
  emscripten::function("layoutForestTyped", &layoutForestTyped);
}
