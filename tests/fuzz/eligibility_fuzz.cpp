// libFuzzer target for the eligibility module's JSON entry points (campaign
// validation, change validation, evaluation, the batch, invite prompts, the campaign dry run). Every input must
// yield a well-formed envelope; internal.unexpected counts as a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "envelope.hpp"

#include "eligibility/dry_run.hpp"
#include "eligibility/eligibility_json.hpp"

using carecircle::fuzz::checkEnvelope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkEnvelope(carecircle::validateCampaignsJson(text));
  checkEnvelope(carecircle::validateCampaignChangeJson(text));
  checkEnvelope(carecircle::evaluateEligibilityJson(text));
  checkEnvelope(carecircle::mayShowInvitePromptJson(text));
  checkEnvelope(carecircle::dryRunCampaignJson(text));
  // The batch's streaming decoder must answer exactly as the DOM decoder.
  const std::string batch = carecircle::evaluateEligibilityBatchJson(text);
  checkEnvelope(batch);
  if (batch != carecircle::evaluateEligibilityBatchJsonViaDom(text)) __builtin_trap();
  return 0;
}
