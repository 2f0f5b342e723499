// The JSON layer's size limits at their exact values, on the exports that
// apply them: a string of exactly the limit is read, one byte more is
// input.out_of_range at its own path; a list of exactly the limit is read,
// one item more is input.too_many_items. Each case starts from a valid golden
// fixture request and changes one field.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

struct StringLimit {
  const char* fixture;  // module/export/name.json
  const char* pointer;  // the field to fill
  std::size_t maxBytes;
};

std::string exportOf(const std::string& fixturePath) {
  const auto first = fixturePath.find('/');
  const auto second = fixturePath.find('/', first + 1);
  return fixturePath.substr(first + 1, second - first - 1);
}

TEST(JsonLimitsEdges, StringsAtTheirLimitAndOneByteOver) {
  const StringLimit cases[] = {
      {"streak/evaluateStreak/empty_history.json", "/patientId", 128},
      {"eligibility/evaluateEligibility/five_referrals_gold_ambassador.json", "/patient/id", 128},
      {"eligibility/evaluateEligibility/five_referrals_gold_ambassador.json", "/campaigns/0/title", 256},
      {"eligibility/evaluateEligibility/five_referrals_gold_ambassador.json",
       "/campaigns/0/description", 4096},
      {"community/memberLists/demo_thyroid_group.json", "/members/0/id", 128},
      {"community/memberLists/demo_thyroid_group.json", "/members/0/displayName", 256},
      {"community/memberLists/demo_thyroid_group.json", "/group/name", 256},
      {"community/assessKoc/below_threshold.json", "/patientId", 128},
      {"referral/myReferralTree/no_referrals_yet.json", "/records/0/id", 128},
      {"referral/myReferralTree/no_referrals_yet.json", "/patients/0/name", 64},
  };
  for (const StringLimit& c : cases) {
    const json base = fixture(c.fixture);
    const json::json_pointer at(c.pointer);
    ASSERT_TRUE(base.contains(at)) << c.fixture << " " << c.pointer;
    json request = base;
    request[at] = std::string(c.maxBytes, 'a');
    const json ok = run(exportOf(c.fixture), request);
    EXPECT_EQ(ok.value("ok", false), true) << c.fixture << " " << c.pointer << ": " << ok.dump().substr(0, 300);
    request[at] = std::string(c.maxBytes + 1, 'a');
    const json over = run(exportOf(c.fixture), request);
    EXPECT_EQ(over.value("ok", true), false) << c.fixture << " " << c.pointer;
    if (over.contains("error")) {
      EXPECT_EQ(over["error"].value("code", ""), "input.out_of_range") << c.pointer;
      EXPECT_EQ(over["error"].value("path", ""), c.pointer) << c.fixture;
    }
  }
}

TEST(JsonLimitsEdges, CampaignListAtItsLimitAndOneOver) {
  const json base = fixture("eligibility/validateCampaigns/consistency_errors.json");
  ASSERT_TRUE(base.contains("campaigns"));
  ASSERT_FALSE(base["campaigns"].empty());
  json request = base;
  request["campaigns"] = json::array();
  for (int k = 0; k < 200; ++k) {
    json c = base["campaigns"][0];
    c["id"] = "c" + std::to_string(k);
    request["campaigns"].push_back(c);
  }
  EXPECT_EQ(run("validateCampaigns", request).value("ok", false), true);
  request["campaigns"].push_back(base["campaigns"][0]);
  const json over = run("validateCampaigns", request);
  EXPECT_EQ(over.value("ok", true), false);
  if (over.contains("error")) {
    EXPECT_EQ(over["error"].value("code", ""), "input.too_many_items");
    EXPECT_EQ(over["error"].value("path", ""), "/campaigns");
  }
}

}  // namespace
}  // namespace carecircle
