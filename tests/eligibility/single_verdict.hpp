// The batch tests' reference: what evaluateEligibility (the full, worded
// evaluation of one patient) says of one patient of a batch request.
#pragma once

#include <utility>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "eligibility/eligibility_json.hpp"

namespace carecircle {

// The campaign ids eligible now and pending, in configuration order, for
// `patientCase` ({patient, referrals?, milestones?, issued?}) under the
// batch's shared part (everything but "patients").
inline std::pair<nlohmann::json, nlohmann::json> singleVerdict(const nlohmann::json& batch,
                                                               const nlohmann::json& patientCase) {
  nlohmann::json request = batch;
  request.erase("patients");
  for (const auto& [key, value] : patientCase.items()) request[key] = value;
  const nlohmann::json reply = nlohmann::json::parse(evaluateEligibilityJson(request.dump()));
  EXPECT_TRUE(reply.at("ok").get<bool>()) << reply.dump();
  nlohmann::json eligible = nlohmann::json::array();
  nlohmann::json pending = nlohmann::json::array();
  for (const nlohmann::json& c : reply.at("value").at("campaigns")) {
    if (c.at("eligible").get<bool>())
      eligible.push_back(c.at("campaignId"));
    else if (c.at("status") == "pending")
      pending.push_back(c.at("campaignId"));
  }
  return {eligible, pending};
}

}  // namespace carecircle
