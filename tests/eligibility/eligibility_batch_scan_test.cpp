// The batch's fast path against the references it stands in for:
//  - the plain-form scanner (core/eligibility/batch_scan.hpp) must read the
//    plain batches itself and answer byte for byte as the DOM decoder does,
//    and on texts damaged in every small way (escapes, nulls, numbers written
//    otherwise, repeated keys, broken UTF-8, cut text) it must either read
//    them as the DOM does or leave them to it: the reply is the DOM's;
//  - the batch decides without words, and its eligible and pending lists must
//    be what the full single-patient evaluation (with every reason and next
//    step) says for each patient, over a rich campaign set (both referral
//    sides, exclusivity and priority, per-person limit and budget, channels,
//    inpatient and discharge triggers, tiers, quota pools, check-in).
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eligibility/eligibility_json.hpp"
#include "single_verdict.hpp"

namespace carecircle {
namespace {

using nlohmann::json;

constexpr std::int64_t kDay = 86'400'000;

// The richest valid campaign set of the goldens, with a tight per-person
// limit and budget on the referral reward so that both bite.
json goldenRequest() {
  std::ifstream in(std::string(CARECIRCLE_FIXTURES_DIR) +
                   "/eligibility/evaluateEligibility/five_referrals_gold_ambassador.json");
  std::stringstream text;
  text << in.rdbuf();
  json request = json::parse(text.str());
  for (json& c : request["campaigns"]) {
    if (c["id"] == "fission-exam") {
      c["perPersonLimit"] = 2;
      c["budgetFen"] = 60000;
    }
  }
  return request;
}

// A plain batch (no nulls, no escapes, integers as integers): what the
// scanner must read itself.
json plainBatch(std::mt19937& rng, int n) {
  const json golden = goldenRequest();
  const std::int64_t now = golden["nowMs"].get<std::int64_t>();
  auto chance = [&rng](int percent) { return static_cast<int>(rng() % 100) < percent; };
  auto daysAgo = [&](int most) {
    return now - static_cast<std::int64_t>(rng() % most) * kDay - 3'600'000;
  };
  const char* channels[] = {"code", "letter", "dischargeCard", "link"};
  json patients = json::array();
  for (int i = 0; i < n; ++i) {
    const std::string id = "p" + std::to_string(i);
    json c = {{"patient", {{"id", id}}}};
    if (chance(50)) c["patient"]["isStaff"] = chance(5);
    if (chance(50)) c["patient"]["isCommunityMember"] = chance(50);
    json referrals = json::array();
    if (chance(60)) {
      json r = {{"id", "in" + std::to_string(i)},
                {"referrerId", "m" + std::to_string(i)},
                {"refereeId", id},
                {"level", chance(90) ? 1 : 2},
                {"channel", channels[rng() % 4]},
                {"refereeIsNewPatient", chance(80)},
                {"refereeIsInpatient", chance(30)},
                {"referrerIsMember", chance(50)},
                {"registrationConfirmedAtMs", chance(70) ? daysAgo(200) : 0}};
      if (chance(20)) r["refereeName"] = "李小芳";
      if (chance(20)) r["dischargeConfirmedAtMs"] = daysAgo(120);
      referrals.push_back(r);
    }
    for (int k = 0, out = static_cast<int>(rng() % 7); k < out; ++k) {
      const std::int64_t reg = chance(80) ? daysAgo(300) : 0;
      json r = {{"id", "out" + std::to_string(i) + "_" + std::to_string(k)},
                {"referrerId", id},
                {"refereeId", "x" + std::to_string(i) + "_" + std::to_string(k)},
                {"level", chance(10) ? 2 : 1},
                {"channel", channels[rng() % 4]},
                {"refereeIsNewPatient", chance(85)},
                {"refereeIsInpatient", chance(30)},
                {"referrerIsMember", true},
                {"registrationConfirmedAtMs", reg},
                {"complaintAtMs", reg && chance(8) ? reg + 10 * kDay : 0}};
      if (chance(30)) r["dischargeConfirmedAtMs"] = daysAgo(150);
      if (chance(30)) r["refereeName"] = "王" + std::to_string(k) + "芳";
      referrals.push_back(r);
    }
    if (!referrals.empty() || chance(50)) c["referrals"] = referrals;
    if (chance(60)) {
      json milestones = json::array();
      for (int b = 0, blocks = static_cast<int>(rng() % 3); b < blocks; ++b) {
        milestones.push_back({{"key", "revisit-voucher-50@2026-0" + std::to_string(b + 1) + "-01"},
                              {"ruleId", chance(80) ? "revisit-voucher-50" : "other"}});
      }
      c["milestones"] = milestones;
    }
    if (chance(25) && !referrals.empty()) {
      const std::string ref = referrals.back()["id"];
      c["issued"] = json::array({{{"grantKey", "fission-exam:" + ref + ":referrer:exam-100"},
                                  {"campaignId", "fission-exam"},
                                  {"title", "100元体检券"},
                                  {"status", chance(50) ? "used" : "issued"},
                                  {"issuedAtMs", daysAgo(60)},
                                  {"usedAtMs", chance(50) ? daysAgo(10) : 0}}});
    }
    patients.push_back(c);
  }
  return {{"nowMs", now},
          {"utcOffsetMinutes", 480},
          {"campaigns", golden["campaigns"]},
          {"pools",
           {{{"campaignId", "scarce-quota"},
             {"poolId", "half-price-exam"},
             {"month", "2026-11"},
             {"used", 4}}}},
          {"counters", {{{"campaignId", "fission-exam"}, {"grants", 3}, {"spentFen", 30000}}}},
          {"patients", patients}};
}

TEST(EligibilityBatchScan, PlainBatchesAreScannedAndAnswerAsTheDom) {
  std::mt19937 rng(20261207);
  for (int round = 0; round < 6; ++round) {
    const json batch = plainBatch(rng, 40);
    // Compact, indented, and with every non-ASCII character escaped (a
    // patient's escaped name is left to the general decoder).
    for (const std::string& text : {batch.dump(), batch.dump(2), batch.dump(-1, ' ', true)}) {
      const bool escaped = text.find("\\u", text.find("\"patients\"")) != std::string::npos;
      EXPECT_EQ(eligibilityBatchScans(text), !escaped) << text.substr(0, 300);
      const std::string reply = evaluateEligibilityBatchJson(text);
      EXPECT_EQ(reply, evaluateEligibilityBatchJsonViaDom(text));
      EXPECT_EQ(reply.rfind(R"({"ok":true,)", 0), 0u) << reply.substr(0, 300);
    }
  }
}

TEST(EligibilityBatchScan, BatchWithoutWordsDecidesAsTheFullEvaluation) {
  std::mt19937 rng(7);
  int eligibleSeen = 0;
  int pendingSeen = 0;
  for (int round = 0; round < 5; ++round) {
    const json batch = plainBatch(rng, 120);
    const json reply = json::parse(evaluateEligibilityBatchJson(batch.dump()));
    ASSERT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
    const json& results = reply.at("value").at("results");
    ASSERT_EQ(results.size(), batch["patients"].size());
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto [eligible, pending] = singleVerdict(batch, batch["patients"][i]);
      EXPECT_EQ(results[i]["eligible"], eligible) << batch["patients"][i].dump();
      EXPECT_EQ(results[i]["pending"], pending) << batch["patients"][i].dump();
      eligibleSeen += static_cast<int>(eligible.size());
      pendingSeen += static_cast<int>(pending.size());
    }
  }
  // The generated patients reach both answers often enough to mean something.
  EXPECT_GT(eligibleSeen, 100);
  EXPECT_GT(pendingSeen, 100);
}

TEST(EligibilityBatchScan, DamagedTextsAnswerAsTheDom) {
  std::mt19937 rng(99);
  const std::string base = plainBatch(rng, 4).dump();
  const std::vector<std::string> inserts = {"\"",
                                            "\\",
                                            ",",
                                            "}",
                                            "]",
                                            "{",
                                            "[",
                                            "null",
                                            " ",
                                            "\n",
                                            "\x80",
                                            "\xC3\xA9",
                                            "\xC3",
                                            "\xED\xA0\x80",
                                            "\xF4\x90\x80\x80",
                                            "\xE0\x80\x80",
                                            "0",
                                            "-",
                                            ".5",
                                            "e3",
                                            "\\u0041",
                                            "tru",
                                            "\t",
                                            "\x01",
                                            "\"id\":\"q\",",
                                            "\"level\":1,",
                                            "\"patient\":{\"id\":\"z\"},",
                                            "\xEF\xBB\xBF"};
  int scanned = 0;
  for (int i = 0; i < 1500; ++i) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 2);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % (text.size() + 1);
      switch (rng() % 4) {
        case 0:
          if (at < text.size()) text.erase(at, 1 + rng() % 3);
          break;
        case 1:
          text.insert(at, inserts[rng() % inserts.size()]);
          break;
        case 2:
          text = text.substr(0, at);
          break;
        default:
          if (at < text.size()) text[at] = static_cast<char>(rng() % 128);
          break;
      }
    }
    if (eligibilityBatchScans(text)) ++scanned;
    ASSERT_EQ(evaluateEligibilityBatchJson(text), evaluateEligibilityBatchJsonViaDom(text)) << text;
  }
  // Some damage leaves a valid plain batch (a changed digit, added space).
  EXPECT_GT(scanned, 0);
}

TEST(EligibilityBatchScan, WhatTheScannerLeavesToTheGeneralDecoder) {
  std::mt19937 rng(5);
  json batch = plainBatch(rng, 3);
  const auto scans = [](const json& b) { return eligibilityBatchScans(b.dump()); };
  ASSERT_TRUE(scans(batch));
  json b = batch;
  b["patients"][0]["patient"]["isStaff"] = nullptr;  // null: an absent field, DOM's reading
  EXPECT_FALSE(scans(b));
  EXPECT_EQ(evaluateEligibilityBatchJson(b.dump()), evaluateEligibilityBatchJsonViaDom(b.dump()));
  b = batch;
  b["patients"][0]["milestones"] = {{{"key", "k@2026-01-01"}, {"ruleId", "r"}, {"state", "x"}}};
  EXPECT_FALSE(scans(b));  // a streak report's milestone as it is
  EXPECT_TRUE(eligibilityBatchStreams(b.dump()));
  b = batch;
  b["patients"][0]["patient"]["id"] = "a\"b";  // an escape
  EXPECT_FALSE(scans(b));
  EXPECT_TRUE(eligibilityBatchStreams(b.dump()));
  EXPECT_EQ(evaluateEligibilityBatchJson(b.dump()), evaluateEligibilityBatchJsonViaDom(b.dump()));
  b = batch;
  b["patients"][0]["patient"]["id"] = std::string(129, 'x');  // over the limit: the DOM's error
  EXPECT_FALSE(scans(b));
  EXPECT_NE(evaluateEligibilityBatchJson(b.dump()).find("input.out_of_range"), std::string::npos);
  b = batch;
  b["surplus"] = 1;  // an unknown key
  EXPECT_FALSE(scans(b));
  EXPECT_NE(evaluateEligibilityBatchJson(b.dump()).find("input.unknown_field"), std::string::npos);
  std::string text = batch.dump();
  text.insert(text.find("\"patients\":[") + 12, "1.0,");  // a number where a patient belongs
  EXPECT_FALSE(eligibilityBatchScans(text));
  EXPECT_EQ(evaluateEligibilityBatchJson(text), evaluateEligibilityBatchJsonViaDom(text));
}

}  // namespace
}  // namespace carecircle
