// The SAX lane of analyzeReferrals and layoutForest (columns) against the
// ordinary DOM lane: the same bytes for every request, and the SAX lane never
// answers a request it does not fully understand.
#include "referral/forest_json.hpp"

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

// The same request with "utcOffsetMinutes": null in front: null is "absent"
// to the ordinary lane and "not mine" to the SAX lane, so this text takes
// the ordinary lane and must give the same answer.
std::string ordinary(const std::string& text) {
  return "{\"utcOffsetMinutes\":null," + text.substr(1);
}

struct Rng {
  std::uint32_t s;
  std::uint32_t next() { return s = s * 1664525u + 1013904223u; }
  int below(int n) { return static_cast<int>((next() >> 8) % static_cast<std::uint32_t>(n)); }
};

// A referral-shaped request with every kind of graph problem and awkward
// strings: CJK names, quotes, backslashes, control bytes, long ids.
json generated(std::uint32_t seed, int n) {
  Rng rng{seed};
  static const char* kNames[] = {"李晓芳", "王芳", "A", "", "张\"三\"", "赵\\四", "钱\n五",
                                 "孙\x01六", "周😀七"};
  json patients = json::array();
  json records = json::array();
  auto id = [](int i) { return "p" + std::to_string(i); };
  for (int i = 0; i < n; ++i) {
    if (rng.below(4) != 0) {
      json p = {{"id", id(i)}, {"name", kNames[rng.below(9)]}};
      if (rng.below(2)) p["firstVisitAtMs"] = kT0 - rng.below(1000) * kHour;
      patients.push_back(p);
    }
    if (i == 0 || rng.below(20) == 0) continue;  // a root
    const int from = rng.below(i + (rng.below(30) == 0 ? 3 : 0));  // sometimes a later node: cycles
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
    if (rng.below(5) == 0) r["rewardTitle"] = "200元健康金";
    records.push_back(r);
  }
  return {{"nowMs", kT0 + 1000 * kHour}, {"records", records}, {"patients", patients}};
}

TEST(ForestJson, SaxLaneGivesTheOrdinaryLanesBytesOnGeneratedForests) {
  for (std::uint32_t seed = 1; seed <= 40; ++seed) {
    json request = generated(seed, 5 + static_cast<int>(seed * 13 % 300));
    const std::string analyze = request.dump();
    ASSERT_TRUE(forest_json::analyzeReferrals(analyze).has_value()) << seed;
    EXPECT_EQ(analyzeReferralsJson(analyze), analyzeReferralsJson(ordinary(analyze))) << seed;

    request["columns"] = true;
    if (seed % 3 == 0) request["layout"] = {{"nodeWidth", 10.5}, {"levelHeight", 3}};
    if (seed % 4 == 0) request["collapsed"] = {"p0", "p3", "nobody"};
    if (seed % 5 == 0) request["requireKnownPatients"] = true;
    if (seed % 2 == 0) request["maxVisible"] = 7;  // ignored by columns, still checked
    const std::string forest = request.dump();
    ASSERT_TRUE(forest_json::layoutForestColumns(forest).has_value()) << seed;
    const std::string fast = layoutForestJson(forest);
    EXPECT_EQ(fast, layoutForestJson(ordinary(forest))) << seed;
    EXPECT_TRUE(json::parse(fast)["ok"].get<bool>()) << seed;
  }
}

TEST(ForestJson, SaxLaneLeavesEveryIrregularRequestToTheOrdinaryLane) {
  const std::string rec = R"({"id":"r1","referrerId":"a","refereeId":"b","invitedAtMs":1795420800000})";
  const std::vector<std::string> irregular = {
      "",
      "[]",
      "{}",
      "{\"records\":[" + rec,
      "{\"records\":[" + rec + "]} x",
      "{\"records\":null}",
      "{\"records\":{}}",
      "{\"records\":[" + rec + "],\"records\":[]}",
      "{\"records\":[" + rec + "],\"nowMs\":1.5}",
      "{\"records\":[" + rec + "],\"nowMs\":-1}",
      "{\"records\":[" + rec + "],\"nowMs\":\"1\"}",
      "{\"records\":[" + rec + "],\"utcOffsetMinutes\":841}",
      "{\"records\":[" + rec + "],\"stage\":1}",
      "{\"records\":[" + rec + "],\"patients\":[{\"id\":\"\"}]}",
      "{\"records\":[" + rec + "],\"patients\":[{\"name\":\"x\"}]}",
      "{\"records\":[" + rec + "],\"patients\":[{\"id\":\"a\",\"id\":\"b\"}]}",
      "{\"records\":[" + rec + "],\"patients\":[{\"id\":\"a\",\"name\":null}]}",
      R"({"records":[{"id":"r1","referrerId":"a","refereeId":"b"}]})",
      R"({"records":[{"id":"r1","referrerId":"a","refereeId":"b","invitedAtMs":7258118400001}]})",
      R"({"records":[{"id":"r1","referrerId":"a","refereeId":"b","invitedAtMs":1e12}]})",
      R"({"records":[{"id":"r1","referrerId":"a","refereeId":"b","invitedAtMs":1,"x":1}]})",
      R"({"records":[{"id":"r1","referrerId":"a","refereeId":"b","invitedAtMs":1,"rewardTitle":null}]})",
      R"({"records":[{"id":"r1","referrerId":"a","refereeId":"b","invitedAtMs":1,"consentToShareProgress":1}]})",
      R"({"records":[[]]})",
      "{\"records\":" + std::string(100, '[') + "}",
      "{\"records\":[{\"id\":\"" + std::string(129, 'x') +
          R"(","referrerId":"a","refereeId":"b","invitedAtMs":1}]})",
  };
  for (const std::string& text : irregular) {
    // Not taken here, so the answer is the ordinary lane's by construction.
    EXPECT_FALSE(forest_json::analyzeReferrals(text).has_value()) << text.substr(0, 120);
  }
  // Forest-only keys and their checks.
  const std::vector<std::string> forest = {
      "{\"records\":[" + rec + "]}",                                      // not columns
      "{\"records\":[" + rec + "],\"columns\":false}",                    // not columns
      "{\"records\":[" + rec + "],\"columns\":true,\"viewport\":{\"x0\":0,\"y0\":0,\"x1\":1,\"y1\":1}}",
      "{\"records\":[" + rec + "],\"columns\":true,\"maxVisible\":0}",
      "{\"records\":[" + rec + "],\"columns\":true,\"layout\":{\"nodeWidth\":0}}",
      "{\"records\":[" + rec + "],\"columns\":true,\"layout\":{\"nodeWidth\":1000001}}",
      "{\"records\":[" + rec + "],\"columns\":true,\"layout\":{\"gap\":1}}",
      "{\"records\":[" + rec + "],\"columns\":true,\"collapsed\":[1]}",
      "{\"records\":[" + rec + "],\"columns\":true,\"collapsed\":[\"" + std::string(129, 'x') + "\"]}",
  };
  for (const std::string& text : forest) {
    EXPECT_FALSE(forest_json::layoutForestColumns(text).has_value()) << text;
  }
  // analyzeReferrals takes none of the forest's keys.
  EXPECT_FALSE(forest_json::analyzeReferrals("{\"records\":[" + rec + "],\"columns\":true}"));
}

TEST(ForestJson, ColumnsReplyMatchesTheOrdinaryLaneForEveryFixtureShape) {
  // One tiny forest with a fractional layout: numbers written as nlohmann does.
  const std::string text =
      R"({"records":[{"id":"r1","referrerId":"a","refereeId":"b","invitedAtMs":1795420800000},)"
      R"({"id":"r2","referrerId":"a","refereeId":"c","invitedAtMs":1795420800001}],)"
      R"("layout":{"nodeWidth":0.1,"levelHeight":1e-3,"siblingSeparation":3.3,"cousinSeparation":1},"columns":true})";
  ASSERT_TRUE(forest_json::layoutForestColumns(text).has_value());
  EXPECT_EQ(layoutForestJson(text), layoutForestJson(ordinary(text)));
}

}  // namespace
}  // namespace carecircle
