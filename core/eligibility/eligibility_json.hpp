// JSON entry points of the eligibility module. Shapes: docs/api/eligibility.md;
// campaign schema: docs/schema/campaign.schema.json.
#pragma once

#include <string>
#include <string_view>

#include "eligibility/eligibility.hpp"

namespace carecircle {

// {"campaigns":[…]} → {"valid":bool,"violations":[{campaignId,code,guard,message,path}]}
std::string validateCampaignsJson(std::string_view requestText);
// {"before":{…},"after":{…}} → {"allowed":bool,"violations":[…]} (G13 and the guards)
std::string validateCampaignChangeJson(std::string_view requestText);
// {nowMs, utcOffsetMinutes?, campaigns, patient, referrals?, milestones?, issued?,
//  counters?, pools?} → per-campaign eligibility, wallet and badges.
std::string evaluateEligibilityJson(std::string_view requestText);
// {nowMs, utcOffsetMinutes?, campaigns, counters?, pools?, patients:[{patient, referrals?,
//  milestones?, issued?}] (≤ 10,000)} → {"results":[{patientId, eligible:[ids], pending:[ids]}]}
//  The request is decoded as it is read: the plain form by a scanner straight
//  into the structs (batch_scan.hpp), else by nlohmann's SAX parser (no DOM of
//  the patients); a request neither accepts whole is decoded again through
//  the DOM, whose error envelope is the answer.
std::string evaluateEligibilityBatchJson(std::string_view requestText);
// The same answer with the request decoded through the DOM only: the
// reference the tests and the fuzz target hold the streaming decoder to.
std::string evaluateEligibilityBatchJsonViaDom(std::string_view requestText);
// Whether the streaming decoder accepts `requestText` whole (tests: a valid
// request must not fall back to the DOM unnoticed).
bool eligibilityBatchStreams(std::string_view requestText);
// Whether the plain-form scanner (batch_scan.hpp) reads `requestText` whole,
// the fastest of the decoders (tests: the generated batches must take it).
bool eligibilityBatchScans(std::string_view requestText);
// Decodes a batch request once, for a caller that evaluates it repeatedly
// (a server re-checking, the benchmark's "evaluation alone" figure).
Result<EligibilityBatchRequest> parseEligibilityBatch(std::string_view requestText);

// {nowMs, shownAtMs?, optedOut?, inClinicalMoment?, isStaff?, maxPrompts?, windowDays?}
std::string mayShowInvitePromptJson(std::string_view requestText);

}  // namespace carecircle
