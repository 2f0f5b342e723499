// The batch request's streaming decoder against the DOM decoder it stands in
// for: on valid batches it must be the one that answers (no silent fallback),
// and on every input, valid or hostile, the reply must be byte for byte the
// DOM decoder's (same results, same error code, message and path).
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eligibility/eligibility_json.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kNow = 1795420800000;  // 2026-11-23T00:00:00Z
constexpr std::int64_t kDay = 86'400'000;

json campaigns() {
  const json voucher = {
      {"id", "exam"}, {"type", "voucher"}, {"title", "100元体检券"}, {"valueFen", 10000}};
  return json::array(
      {{{"id", "fission-referee"},
        {"title", "老带新·朋友券"},
        {"type", "referralReward"},
        {"refereeRewards", {voucher}}},
       {{"id", "fission-referrer"},
        {"title", "老带新·推荐人券"},
        {"type", "referralReward"},
        {"referrerRewards", {voucher}}},
       {{"id", "quota"},
        {"title", "稀缺名额"},
        {"type", "monthlyQuota"},
        {"pools",
         {{{"id", "half"},
           {"size", 10},
           {"reward",
            {{"id", "half"},
             {"type", "voucher"},
             {"title", "体检半价券"},
             {"valueFen", 30000}}}}}}},
       {{"id", "checkin"},
        {"title", "康复打卡"},
        {"type", "checkInMilestone"},
        {"milestoneRuleId", "revisit"},
        {"rewards",
         {{{"id", "v50"}, {"type", "voucher"}, {"title", "50元复诊抵用券"}, {"valueFen", 5000}}}}},
       {{"id", "ambassador"},
        {"title", "健康大使"},
        {"type", "referralTier"},
        {"tiers",
         {{{"id", "bronze"},
           {"title", "铜质健康大使"},
           {"minReferrals", 1},
           {"rewards", {{{"id", "m"}, {"type", "medal"}, {"title", "铜质勋章"}}}}}}}}});
}

// A batch of `n` patients exercising every field the decoder reads, nulls
// for absent fields and a streak report's milestone as it is.
json batch(std::mt19937& rng, int n) {
  auto chance = [&rng](int percent) { return static_cast<int>(rng() % 100) < percent; };
  auto daysAgo = [&rng](int most) {
    return kNow - static_cast<std::int64_t>(rng() % most) * kDay - 3'600'000;
  };
  json patients = json::array();
  for (int i = 0; i < n; ++i) {
    const std::string id = "p" + std::to_string(i);
    json c = {{"patient", {{"id", id}}}};
    if (chance(50)) c["patient"]["isStaff"] = chance(5);
    if (chance(50)) c["patient"]["isCommunityMember"] = chance(50) ? json(true) : json(nullptr);
    json referrals = json::array();
    if (chance(50)) {
      json r = {{"id", "in" + std::to_string(i)},
                {"referrerId", "m" + std::to_string(i)},
                {"refereeId", id},
                {"level", 1},
                {"channel", "code"},
                {"refereeIsNewPatient", chance(80)},
                {"referrerIsMember", chance(50)},
                {"registrationConfirmedAtMs", chance(70) ? json(daysAgo(200)) : json(0)}};
      if (chance(20)) r["refereeName"] = chance(50) ? json("李小芳") : json(nullptr);
      if (chance(10)) r["arrivalConfirmedAtMs"] = daysAgo(100);
      referrals.push_back(r);
    }
    for (int k = 0, out = static_cast<int>(rng() % 4); k < out; ++k) {
      const std::int64_t reg = chance(80) ? daysAgo(300) : 0;
      json r = {{"id", "out" + std::to_string(i) + "_" + std::to_string(k)},
                {"referrerId", id},
                {"refereeId", "x" + std::to_string(i) + "_" + std::to_string(k)},
                {"level", chance(10) ? 2 : 1},
                {"refereeIsNewPatient", chance(85)},
                {"refereeIsInpatient", chance(30)},
                {"registrationConfirmedAtMs", reg},
                {"complaintAtMs", reg && chance(5) ? json(reg + 10 * kDay) : json(0)},
                {"admissionConfirmedAtMs", chance(10) ? json(daysAgo(50)) : json(nullptr)},
                {"conversionConfirmedAtMs", 0},
                {"dischargeConfirmedAtMs", nullptr}};
      if (chance(30)) r["refereeName"] = "王" + std::to_string(k);
      referrals.push_back(r);
    }
    if (!referrals.empty() || chance(50)) c["referrals"] = referrals;
    if (chance(60)) {
      json milestones = json::array();
      for (int b = 0, blocks = static_cast<int>(rng() % 3); b < blocks; ++b) {
        json m = {{"key", "revisit@2026-0" + std::to_string(b + 1) + "-01"}, {"ruleId", "revisit"}};
        if (chance(50)) {  // the streak report's milestone, as it is
          m["fromDate"] = "2026-01-01";
          m["state"] = "earned";
          m["rewardValueFen"] = 5000;
          m["rangeLabel"] = json::array({1, "x", json::object({{"deep", {1, 2}}})});
          m["earnedText"] = nullptr;
        }
        milestones.push_back(m);
      }
      c["milestones"] = milestones;
    } else if (chance(20)) {
      c["milestones"] = nullptr;
    }
    if (chance(20)) {
      c["issued"] = json::array({{{"grantKey", "checkin:revisit@2026-01-01:self"},
                                  {"campaignId", "checkin"},
                                  {"title", "50元复诊抵用券"},
                                  {"status", chance(50) ? "used" : "issued"},
                                  {"issuedAtMs", daysAgo(60)},
                                  {"usedAtMs", chance(50) ? json(daysAgo(10)) : json(nullptr)}}});
    }
    patients.push_back(c);
  }
  return {
      {"nowMs", kNow},
      {"utcOffsetMinutes", 480},
      {"campaigns", campaigns()},
      {"pools", {{{"campaignId", "quota"}, {"poolId", "half"}, {"month", "2026-11"}, {"used", 4}}}},
      {"counters", {{{"campaignId", "fission-referee"}, {"grants", 3}, {"spentFen", 30000}}}},
      {"patients", patients}};
}

// The reply as the DOM-built encoder wrote it: the oracle for the writer.
std::string domReply(const std::string& text) {
  const Result<EligibilityBatchRequest> request = parseEligibilityBatch(text);
  if (!request.ok()) return "";
  const Result<std::vector<PatientSummary>> summaries = evaluateEligibilityBatch(request.value());
  if (!summaries.ok()) return "";
  json results = json::array();
  for (const PatientSummary& s : summaries.value()) {
    results.push_back(
        {{"patientId", s.patientId}, {"eligible", s.eligible}, {"pending", s.pending}});
  }
  const json envelope = {{"ok", true}, {"value", {{"results", results}}}};
  return envelope.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(EligibilityBatchStream, ValidBatchesStreamAndAnswerAsTheDom) {
  std::mt19937 rng(20261123);
  for (int round = 0; round < 20; ++round) {
    const std::string text = batch(rng, 1 + round * 7).dump();
    ASSERT_TRUE(eligibilityBatchStreams(text)) << text.substr(0, 400);
    const std::string reply = evaluateEligibilityBatchJson(text);
    EXPECT_EQ(reply, evaluateEligibilityBatchJsonViaDom(text));
    EXPECT_EQ(reply, domReply(text));
    EXPECT_NE(reply.find("\"eligible\":[\""), std::string::npos) << "no patient was eligible";
  }
}

// Every node of `j` (objects and arrays included), for mutation.
void collect(json& j, std::vector<json*>& out) {
  out.push_back(&j);
  if (j.is_structured())
    for (auto& child : j) collect(child, out);
}

json randomValue(std::mt19937& rng) {
  switch (rng() % 14) {
    case 0:
      return nullptr;
    case 1:
      return "";
    case 2:
      return std::string(300, 'x');
    case 3:
      return -1;
    case 4:
      return 1.5;
    case 5:
      return true;
    case 6:
      return json::object();
    case 7:
      return json::array();
    case 8:
      return 946684799999;  // just before 2000
    case 9:
      return 18446744073709551615ULL;
    case 10:
      return "void";
    case 11:
      return 0;
    case 12:
      return json::array({json::object()});
    default:
      return 7258118400001;  // just after 2200
  }
}

TEST(EligibilityBatchStream, HostileVariantsAnswerExactlyAsTheDom) {
  std::mt19937 rng(7);
  const char* keys[] = {"id",       "patient", "referrals", "milestones",  "issued",
                        "level",    "status",  "grantKey",  "issuedAtMs",  "usedAtMs",
                        "key",      "ruleId",  "isStaff",   "refereeName", "channel",
                        "patients", "nowMs",   "campaigns", "bogus"};
  int streamed = 0;
  int refused = 0;
  for (int round = 0; round < 1500; ++round) {
    json request = batch(rng, 3);
    std::vector<json*> nodes;
    collect(request, nodes);
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      json* node = nodes[rng() % nodes.size()];
      const char* key = keys[rng() % std::size(keys)];
      switch (rng() % 3) {
        case 0:
          *node = randomValue(rng);
          break;
        case 1:
          if (node->is_object()) (*node)[key] = randomValue(rng);
          break;
        default:
          if (node->is_object()) node->erase(key);
      }
      nodes.clear();
      collect(request, nodes);
    }
    std::string text = request.dump();
    switch (rng() % 6) {  // and damage to the text itself
      case 0:
        text.resize(rng() % text.size());
        break;
      case 1: {  // a repeated key in some object
        const std::size_t at = text.find('{', rng() % text.size());
        if (at != std::string::npos)
          text.insert(at + 1, std::string("\"") + keys[rng() % std::size(keys)] + "\":\"x\",");
        break;
      }
      case 2:
        text[rng() % text.size()] = static_cast<char>(rng() % 256);
        break;
      default:
        break;
    }
    const std::string reply = evaluateEligibilityBatchJson(text);
    ASSERT_EQ(reply, evaluateEligibilityBatchJsonViaDom(text)) << text;
    (eligibilityBatchStreams(text) ? streamed : refused)++;
  }
  // Both sides were exercised: the decoder accepted some variants and gave others to the DOM.
  EXPECT_GT(streamed, 50);
  EXPECT_GT(refused, 500);
}

TEST(EligibilityBatchStream, LimitsAndShapesFallBackToTheDomsErrors) {
  std::mt19937 rng(3);
  const std::string valid = batch(rng, 2).dump();
  const std::vector<std::string> texts = {
      "",
      "[]",
      "{}",
      "null",
      valid + "x",
      valid.substr(0, valid.size() - 1),
      std::string(40, '[') + std::string(40, ']'),
      R"({"nowMs":1795420800000,"campaigns":[],"patients":[)" + std::string(33, '[') +
          std::string(33, ']') + "]}",
      R"({"nowMs":1795420800000,"campaigns":[],"patients":[{"patient":{"id":"a"}},{"patient":{"id":"a","id":"b"}}]})",
      R"({"nowMs":1795420800000,"campaigns":[],"patients":{}})",
      R"({"nowMs":1795420800000,"campaigns":[],"patients":[{"patient":null}]})",
      R"({"nowMs":1795420800000,"campaigns":[],"patients":[{"patient":{"id":""}}]})",
      R"({"nowMs":1795420800000,"campaigns":[],"patients":[{"patient":{"id":"a"},"referrals":[{"id":"r","referrerId":"a","refereeId":"b","level":1.0}]}]})",
      R"({"nowMs":1795420800000,"campaigns":[],"patients":[{"patient":{"id":"a"},"issued":[{"grantKey":"k","campaignId":"c","status":"lost","issuedAtMs":1795420800000}]}]})",
      R"({"nowMs":1795420800000,"patients":[]})",
      R"({"campaigns":[],"patients":[]})",
  };
  for (const std::string& text : texts) {
    EXPECT_EQ(evaluateEligibilityBatchJson(text), evaluateEligibilityBatchJsonViaDom(text)) << text;
  }
  std::string tooMany = R"({"nowMs":1795420800000,"campaigns":[],"patients":[)";
  for (int i = 0; i <= 10'000; ++i)
    tooMany += std::string(i ? "," : "") + R"({"patient":{"id":"p"}})";
  tooMany += "]}";
  EXPECT_FALSE(eligibilityBatchStreams(tooMany));
  EXPECT_NE(evaluateEligibilityBatchJson(tooMany).find("input.too_many_items"), std::string::npos);
}

}  // namespace
}  // namespace carecircle
