// layoutForestTyped's core: the same rows, words and issues as layoutForest's
// JSON columns for the same data, and the same error (code and path) for the
// same fault.
#include "referral/forest_typed.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "referral/referral_json.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kT0 = 1795420800000;
constexpr std::int64_t kHour = 3'600'000;

struct Rng {
  std::uint32_t s;
  int below(int n) {
    s = s * 1664525u + 1013904223u;
    return static_cast<int>((s >> 8) % static_cast<std::uint32_t>(n));
  }
};

json generated(std::uint32_t seed, int n) {
  Rng rng{seed};
  static const char* kNames[] = {"李晓芳", "王芳", "A", "", "周😀七", "欧阳娜娜"};
  json patients = json::array();
  json records = json::array();
  auto id = [](int i) { return "p" + std::to_string(i); };
  for (int i = 0; i < n; ++i) {
    if (rng.below(4) != 0) {
      json p = {{"id", id(i)}, {"name", kNames[rng.below(6)]}};
      if (rng.below(2)) p["firstVisitAtMs"] = kT0 - rng.below(1000) * kHour;
      patients.push_back(p);
    }
    if (i == 0 || rng.below(20) == 0) continue;
    const int from = rng.below(i + (rng.below(30) == 0 ? 3 : 0));
    json r = {{"id", "r" + std::to_string(rng.below(30) == 0 ? i - 1 : i)},
              {"referrerId", id(from)},
              {"refereeId", id(rng.below(40) == 0 ? from : i)},
              {"invitedAtMs", kT0 + rng.below(500) * kHour}};
    const int stage = rng.below(7);
    if (stage >= 1) r["registeredAtMs"] = kT0 + (500 + rng.below(100)) * kHour;
    if (stage >= 2) r["arrivedAtMs"] = kT0 + (600 + rng.below(100)) * kHour;
    if (stage >= 3) r["convertedAtMs"] = kT0 + (rng.below(5) == 0 ? 0 : 700) * kHour;
    if (stage >= 4) r["vestedAtMs"] = kT0 + 800 * kHour;
    if (stage == 6) r["voidedAtMs"] = kT0 + 900 * kHour;
    if (rng.below(2)) r["consentToShareProgress"] = rng.below(2) == 0;
    if (rng.below(5) == 0) r["rewardTitle"] = rng.below(2) ? "200元健康金" : "体检券";
    records.push_back(r);
  }
  return {{"nowMs", kT0 + 1000 * kHour}, {"records", records}, {"patients", patients}};
}

// The JSON request as columns.
TypedForestRequest typed(const json& j) {
  TypedForestRequest in;
  in.nowMs = j.value("nowMs", std::int64_t{0});
  in.requireKnownPatients = j.value("requireKnownPatients", false);
  if (j.contains("layout")) {
    in.layout.dx = j["layout"].value("nodeWidth", in.layout.dx);
    in.layout.dy = j["layout"].value("levelHeight", in.layout.dy);
  }
  if (j.contains("collapsed")) in.collapsed = j["collapsed"].get<std::vector<std::string>>();
  TypedRecords& r = in.records;
  r.hasRewardTitle = true;
  for (const json& x : j["records"]) {
    appendPacked(r.id, x["id"]);
    appendPacked(r.referrerId, x["referrerId"]);
    appendPacked(r.refereeId, x["refereeId"]);
    appendPacked(r.rewardTitle, x.value("rewardTitle", std::string()));
    r.invitedAtMs.push_back(x["invitedAtMs"].get<double>());
    r.registeredAtMs.push_back(x.value("registeredAtMs", 0.0));
    r.arrivedAtMs.push_back(x.value("arrivedAtMs", 0.0));
    r.convertedAtMs.push_back(x.value("convertedAtMs", 0.0));
    r.vestedAtMs.push_back(x.value("vestedAtMs", 0.0));
    r.voidedAtMs.push_back(x.value("voidedAtMs", 0.0));
    r.consentToShareProgress.push_back(x.value("consentToShareProgress", false) ? 1 : 0);
  }
  if (r.id.offsets.empty()) {
    for (PackedText* p : {&r.id, &r.referrerId, &r.refereeId, &r.rewardTitle}) p->offsets = {0};
  }
  if (j.contains("patients")) {
    in.hasPatients = true;
    in.patients.hasName = true;
    in.patients.id.offsets = {0};
    in.patients.name.offsets = {0};
    for (const json& p : j["patients"]) {
      appendPacked(in.patients.id, p["id"]);
      appendPacked(in.patients.name, p.value("name", std::string()));
      in.patients.firstVisitAtMs.push_back(p.value("firstVisitAtMs", 0.0));
    }
  }
  return in;
}

// Packed strings back as a list, for comparing with the JSON columns
// (offsets in UTF-16 units: ASCII and BMP characters here are one unit,
// an emoji two).
std::vector<std::string> strings(const PackedText& p) {
  std::vector<std::string> out;
  std::size_t byte = 0;
  std::uint32_t unit = 0;
  for (std::size_t i = 0; i + 1 < p.offsets.size(); ++i) {
    const std::size_t from = byte;
    while (unit < p.offsets[i + 1]) {
      const auto b = static_cast<unsigned char>(p.text[byte]);
      unit += b >= 0xF0 ? 2 : 1;
      ++byte;
      while (byte < p.text.size() && (static_cast<unsigned char>(p.text[byte]) & 0xC0) == 0x80)
        ++byte;
    }
    out.push_back(p.text.substr(from, byte - from));
  }
  return out;
}

TEST(ForestTyped, SameRowsWordsAndIssuesAsTheJsonColumns) {
  for (std::uint32_t seed = 1; seed <= 30; ++seed) {
    json request = generated(seed, 5 + static_cast<int>(seed * 17 % 250));
    if (seed % 3 == 0) request["collapsed"] = {"p0", "p2", "nobody"};
    if (seed % 4 == 0) request["requireKnownPatients"] = true;
    if (seed % 5 == 0) request["layout"] = {{"nodeWidth", 10.5}, {"levelHeight", 3}};
    const TypedForestRequest in = typed(request);
    Result<TreeRequest> tree = decodeTypedForest(in);
    ASSERT_TRUE(tree.ok()) << tree.error().code << " " << tree.error().path;
    const StaffForestTable table = staffForestTable(tree.value(), in.collapsed);
    const TypedForestRows rows = typedForestRows(table, tree.value());

    request["columns"] = true;
    const json reply = json::parse(layoutForestJson(request.dump()));
    ASSERT_TRUE(reply["ok"].get<bool>()) << seed;
    const json& v = reply["value"];
    const json& c = v["columns"];
    EXPECT_EQ(v["nodeCount"].get<std::size_t>(), table.graph.ids.size()) << seed;
    EXPECT_EQ(c["x"].get<std::vector<double>>(), table.columns.x) << seed;
    EXPECT_EQ(c["depth"].get<std::vector<std::int32_t>>(), table.columns.depth) << seed;
    EXPECT_EQ(c["parent"].get<std::vector<std::int32_t>>(), table.columns.parentRow) << seed;
    EXPECT_EQ(c["hiddenChildren"].get<std::vector<std::int32_t>>(), table.columns.hiddenChildren);
    EXPECT_EQ(c["key"].get<std::vector<std::string>>(), strings(rows.key)) << seed;
    EXPECT_EQ(c["label"].get<std::vector<std::string>>(), strings(rows.label)) << seed;
    EXPECT_EQ(c["sublabel"].get<std::vector<std::string>>(), strings(rows.sublabel)) << seed;
    EXPECT_EQ(v["levelCounts"].get<std::vector<std::int64_t>>(), table.columns.levelCounts);
    EXPECT_EQ(v["issueCount"].get<std::size_t>(), table.graph.issues.size()) << seed;
    for (std::size_t i = 0; i < v["issues"].size(); ++i) {
      EXPECT_EQ(v["issues"][i]["code"], table.graph.issues[i].code);
      EXPECT_EQ(v["issues"][i]["recordIds"].get<std::vector<std::string>>(),
                table.graph.issues[i].recordIds);
    }
  }
}

TEST(ForestTyped, EachFaultHasTheJsonPathsCodeAndPath) {
  const json base = {{"nowMs", kT0},
                     {"records",
                      {{{"id", "r1"}, {"referrerId", "a"}, {"refereeId", "b"}, {"invitedAtMs", kT0}},
                       {{"id", "r2"}, {"referrerId", "b"}, {"refereeId", "c"}, {"invitedAtMs", kT0}}}},
                     {"patients", {{{"id", "a"}, {"name", "李晓芳"}}}}};
  struct Case {
    const char* pointer;  // JSON pointer of the field to change
    json value;
  };
  const std::vector<Case> cases = {
      {"/records/1/id", ""},
      {"/records/1/referrerId", std::string(129, 'x')},
      {"/records/0/invitedAtMs", -1},
      {"/records/1/arrivedAtMs", 7258118400001},
      {"/patients/0/name", std::string(65, 'n')},
      {"/patients/0/id", ""},
  };
  for (const Case& k : cases) {
    json j = base;
    j[json::json_pointer(k.pointer)] = k.value;
    const json reply = json::parse(layoutForestJson(j.dump()));
    ASSERT_FALSE(reply["ok"].get<bool>()) << k.pointer;
    Result<TreeRequest> tree = decodeTypedForest(typed(j));
    ASSERT_FALSE(tree.ok()) << k.pointer;
    EXPECT_EQ(tree.error().code, reply["error"]["code"]) << k.pointer;
    EXPECT_EQ(tree.error().path, reply["error"]["path"]) << k.pointer;
  }
  // A fractional instant (JSON cannot say 1.5 as an integer: a type error there too).
  TypedForestRequest fractional = typed(base);
  fractional.records.invitedAtMs[0] = 1.5;
  EXPECT_EQ(decodeTypedForest(fractional).error().code, "input.wrong_type");
  EXPECT_EQ(decodeTypedForest(fractional).error().path, "/records/0/invitedAtMs");
}

TEST(ForestTyped, ColumnsThatDoNotFitAreABadShape) {
  const json base = {{"records",
                      {{{"id", "r1"}, {"referrerId", "a"}, {"refereeId", "b"}, {"invitedAtMs", kT0}}}}};
  TypedForestRequest in = typed(base);
  in.records.invitedAtMs.push_back(kT0);
  EXPECT_EQ(decodeTypedForest(in).error().code, "input.bad_shape");
  in = typed(base);
  in.records.referrerId.offsets = {0, 5};  // past the text's end
  EXPECT_EQ(decodeTypedForest(in).error().code, "input.bad_shape");
  EXPECT_EQ(decodeTypedForest(in).error().path, "/records/referrerId/offsets");
  in = typed(base);
  in.records.refereeId.offsets = {0};  // one string short
  EXPECT_EQ(decodeTypedForest(in).error().code, "input.bad_shape");
  in = typed(base);
  in.records.id = PackedText{"r1", {1, 2}};  // does not start at 0
  EXPECT_EQ(decodeTypedForest(in).error().code, "input.bad_shape");
  in = typed(base);
  in.records.id = PackedText{"😀", {0, 1}};  // cuts a surrogate pair
  EXPECT_EQ(decodeTypedForest(in).error().code, "input.bad_shape");
  in = typed(base);
  in.layout.dx = 0;
  EXPECT_EQ(decodeTypedForest(in).error().path, "/layout/nodeWidth");
  EXPECT_TRUE(decodeTypedForest(typed(base)).ok());
}

}  // namespace
}  // namespace carecircle
