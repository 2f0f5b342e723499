// The JSON layer's list limits at their exact values, on the exports that
// apply them: a list of exactly the limit is read (whatever the rules then
// say of its items, it is never refused for its length), one item more is
// input.too_many_items at the list's own path. Also the streak's granted
// milestone span: 3,660 days is read, 3,661 is input.out_of_range.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "registry/exports.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

json fixture(const std::string& relative) {
  std::ifstream in(std::filesystem::path(CARECIRCLE_FIXTURES_DIR) / relative, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

json run(const std::string& exportName, const json& request) {
  const JsonExport* e = findJsonExport(exportName);
  if (e == nullptr) {
    ADD_FAILURE() << "no export " << exportName;
    return json::object();
  }
  return json::parse(e->run(request.dump()));
}

bool refusedForLength(const json& reply, const std::string& pointer) {
  return reply.value("ok", true) == false && reply.contains("error") &&
         reply["error"].value("code", "") == "input.too_many_items" &&
         reply["error"].value("path", "") == pointer;
}

// Fills `pointer` of the fixture's request with `max` items, then `max + 1`.
void expectListLimit(const std::string& exportName, const std::string& fixturePath,
                     const std::string& pointer, std::size_t max,
                     const std::function<json(std::size_t)>& item) {
  SCOPED_TRACE(exportName + " " + pointer + " limit " + std::to_string(max));
  json request = fixture(fixturePath);
  const json::json_pointer at(pointer);
  json list = json::array();
  for (std::size_t k = 0; k < max; ++k) list.push_back(item(k));
  request[at] = list;
  const json atLimit = run(exportName, request);
  EXPECT_FALSE(refusedForLength(atLimit, pointer)) << atLimit.dump().substr(0, 300);
  request[at].push_back(item(max));
  const json over = run(exportName, request);
  EXPECT_TRUE(refusedForLength(over, pointer)) << over.dump().substr(0, 300);
}

constexpr std::int64_t kNowMs = 1795420800000;  // the streak fixtures' now
constexpr std::int64_t kMinute = 60'000;

TEST(ListLimitsEdges, StreakCheckInsRestDaysAndGranted) {
  const std::string empty = "streak/evaluateStreak/empty_history.json";
  expectListLimit("evaluateStreak", empty, "/checkIns", 50'000, [](std::size_t k) {
    return json{{"id", "c" + std::to_string(k)},
                {"patientId", "p-001"},
                {"atMs", kNowMs - static_cast<std::int64_t>(k + 1) * kMinute},
                {"seq", k + 1}};
  });
  expectListLimit("evaluateStreak", empty, "/restDays", 5'000,
                  [](std::size_t) { return json("2026-11-16"); });
  expectListLimit("evaluateStreak", empty, "/granted", 5'000, [](std::size_t) {
    return json{{"ruleId", "revisit-voucher-50"}, {"fromDate", "2026-11-01"}, {"toDate", "2026-11-07"}};
  });
}

TEST(ListLimitsEdges, EligibilityReferralsAndIssued) {
  const std::string base = "eligibility/evaluateEligibility/five_referrals_gold_ambassador.json";
  const json request = fixture(base);
  ASSERT_TRUE(request.contains("referrals"));
  ASSERT_FALSE(request["referrals"].empty());
  const json referral = request["referrals"][0];
  expectListLimit("evaluateEligibility", base, "/referrals", 10'000, [&](std::size_t k) {
    json r = referral;
    if (r.contains("id")) r["id"] = "rf-" + std::to_string(k);
    return r;
  });
  expectListLimit("evaluateEligibility", base, "/issued", 10'000, [](std::size_t k) {
    return json{{"key", "k-" + std::to_string(k)}};
  });
}

TEST(ListLimitsEdges, CommunityMembersAndGroups) {
  const std::string members = "community/memberLists/demo_thyroid_group.json";
  const json request = fixture(members);
  ASSERT_TRUE(request.contains("members"));
  ASSERT_FALSE(request["members"].empty());
  // 100,000 members must fit the 8 MiB request limit: short ids and names.
  json member = request["members"][0];
  member["displayName"] = "x";
  expectListLimit("memberLists", members, "/members", 100'000, [&](std::size_t k) {
    json m = member;
    m["id"] = std::to_string(k);
    return m;
  });
  const std::string report = "community/communityHealthReport/demo_hospital_12_groups.json";
  const json reportRequest = fixture(report);
  ASSERT_TRUE(reportRequest.contains("groups"));
  ASSERT_FALSE(reportRequest["groups"].empty());
  const json group = reportRequest["groups"][0];
  expectListLimit("communityHealthReport", report, "/groups", 1'000, [&](std::size_t k) {
    json g = group;
    if (g.contains("id")) g["id"] = "g-" + std::to_string(k);
    return g;
  });
}

TEST(ListLimitsEdges, GrantedSpanOf3660DaysIsReadAnd3661Refused) {
  json request = fixture("streak/evaluateStreak/empty_history.json");
  // 2016-11-03 .. 2026-11-07 is 3,656 days; shift the start to land on the edges.
  const auto granted = [&](const char* from) {
    request["granted"] = json::array({{{"ruleId", "revisit-voucher-50"}, {"fromDate", from}, {"toDate", "2026-11-07"}}});
    return run("evaluateStreak", request);
  };
  const json atLimit = granted("2016-10-30");  // 3,660 days before 2026-11-07
  EXPECT_EQ(atLimit.value("ok", false), true) << atLimit.dump().substr(0, 300);
  const json over = granted("2016-10-29");  // 3,661 days
  ASSERT_EQ(over.value("ok", true), false);
  ASSERT_TRUE(over.contains("error"));
  EXPECT_EQ(over["error"].value("code", ""), "input.out_of_range");
  EXPECT_EQ(over["error"].value("path", ""), "/granted/0");
}

}  // namespace
}  // namespace carecircle
