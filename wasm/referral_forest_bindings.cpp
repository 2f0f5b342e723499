// The staff's side of the referral module: the hospital's forest (JSON and
// typed arrays) and the recovery list. Linked into the staff module of the
// core (wasm/CMakeLists.txt); the patient's tree is in referral_bindings.cpp.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "guard.hpp"
#include "referral/referral_json.hpp"
#include "referral/referral_view.hpp"

namespace {

using emscripten::val;

std::string layoutForest(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::layoutForestJson, request);
}
std::string recoveryList(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::recoveryListJson, request);
}

// A copy of `data` as a JS-owned typed array (nothing for JS to .delete()).
template <typename T>
val copyOut(const std::vector<T>& data) {
  return val(emscripten::typed_memory_view(data.size(), data.data())).call<val>("slice");
}

val failure(const char* code, const char* message) {
  val error = val::object();
  error.set("code", std::string(code));  // std::string: Embind converts it as UTF-8
  error.set("message", std::string(message));
  error.set("path", std::string());
  val out = val::object();
  out.set("ok", false);
  out.set("error", error);
  return out;
}

// The staff forest for a whole hospital as typed arrays in and out: the
// client interns patient ids to 0..nodeCount-1 and passes, per record, the
// referrer index, the referee index and the invitation time. The graph rules
// (first touch, cycles) and the layout run in the core; the reply holds
// Float64Array x and Int32Array node / depth / parentRow / hiddenChildren,
// one row per shown node, breadth-first. JSON would cost more than the
// layout itself at 100k nodes (see npm run bench).
val layoutForestArrays(val referrer, val referee, val invitedAtMs, val nodeCount, val options) {
  try {
    const val isView = val::global("ArrayBuffer")["isView"];
    const val isArray = val::global("Array")["isArray"];
    for (const val* column : {&referrer, &referee, &invitedAtMs}) {
      if (!isView(*column).as<bool>() && !isArray(*column).as<bool>()) {
        return failure("input.wrong_type", "referrer、referee 与 invitedAtMs 应为数组或类型化数组");
      }
    }
    if (!nodeCount.isNumber()) return failure("input.wrong_type", "nodeCount 应为整数");
    const double count = nodeCount.as<double>();
    if (!(count >= 0 && count <= 5'000'000) || std::floor(count) != count) {
      return failure("input.out_of_range", "nodeCount 超出范围（0~5000000）");
    }
    carecircle::IndexedReferrals in;
    in.nodeCount = static_cast<std::int32_t>(count);
    in.referrer = emscripten::convertJSArrayToNumberVector<std::int32_t>(referrer);
    in.referee = emscripten::convertJSArrayToNumberVector<std::int32_t>(referee);
    const std::vector<double> invited =
        emscripten::convertJSArrayToNumberVector<double>(invitedAtMs);
    if (in.referee.size() != in.referrer.size() || invited.size() != in.referrer.size()) {
      return failure("input.bad_shape", "referrer、referee 与 invitedAtMs 长度必须一致");
    }
    in.invitedAtMs.reserve(invited.size());
    for (double t : invited)
      in.invitedAtMs.push_back(std::isfinite(t) ? static_cast<std::int64_t>(t) : 0);
    carecircle::LayoutOptions layout{88, 120, 1, 2};
    if ((options.typeOf().as<std::string>() == "object" && !options.isNull())) {
      auto number = [&](const char* key, double& out) {
        const val v = options[key];
        if (v.isNumber() && std::isfinite(v.as<double>()) && v.as<double>() > 0)
          out = v.as<double>();
      };
      number("nodeWidth", layout.dx);
      number("levelHeight", layout.dy);
      number("siblingSeparation", layout.siblingSeparation);
      number("cousinSeparation", layout.cousinSeparation);
    }
    std::vector<bool> collapsed(static_cast<std::size_t>(in.nodeCount), false);
    if ((options.typeOf().as<std::string>() == "object" && !options.isNull()) &&
        !options["collapsed"].isUndefined()) {
      for (std::int32_t v :
           emscripten::convertJSArrayToNumberVector<std::int32_t>(options["collapsed"])) {
        if (v >= 0 && v < in.nodeCount) collapsed[v] = true;
      }
    }
    const carecircle::ReferralGraph graph = carecircle::buildReferralGraph(in);
    const carecircle::ForestColumns c = carecircle::forestColumns(graph, layout, collapsed);
    val issues = val::array();
    for (std::size_t i = 0; i < graph.issues.size() && i < 100; ++i) {
      val issue = val::object();
      issue.set("code", graph.issues[i].code);
      issue.set("message", graph.issues[i].message);
      val records = val::array();
      for (const std::string& id : graph.issues[i].recordIds) records.call<void>("push", val(id));
      issue.set("recordIds", records);
      issues.call<void>("push", issue);
    }
    val value = val::object();
    value.set("nodeCount", in.nodeCount);
    value.set("shownCount", static_cast<double>(c.x.size()));
    value.set("node", copyOut(c.node));
    value.set("x", copyOut(c.x));
    value.set("depth", copyOut(c.depth));
    value.set("parentRow", copyOut(c.parentRow));
    value.set("hiddenChildren", copyOut(c.hiddenChildren));
    std::vector<double> levels(c.levelCounts.begin(), c.levelCounts.end());
    value.set("levelCounts", copyOut(levels));
    value.set("minX", c.minX);
    value.set("maxX", c.maxX);
    value.set("maxY", c.maxY);
    value.set("levelHeight", layout.dy);
    value.set("issueCount", static_cast<double>(graph.issues.size()));
    value.set("issues", issues);
    val out = val::object();
    out.set("ok", true);
    out.set("value", value);
    return out;
  } catch (const std::bad_alloc&) {
    return failure("input.too_large", "数据量超出可处理范围");
  } catch (...) {
    return failure("internal.unexpected", "系统内部错误，请稍后重试");
  }
}

}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_referral_forest) {
  emscripten::function("layoutForest", &layoutForest);
  emscripten::function("recoveryList", &recoveryList);
  emscripten::function("layoutForestArrays", &layoutForestArrays);
}
