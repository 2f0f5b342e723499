#include <emscripten/bind.h>

#include "eligibility/eligibility_json.hpp"
#include "guard.hpp"

namespace {
std::string validateCampaigns(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::validateCampaignsJson, request);
}
std::string validateCampaignChange(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::validateCampaignChangeJson, request);
}
std::string evaluateEligibility(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::evaluateEligibilityJson, request);
}
std::string evaluateEligibilityBatch(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::evaluateEligibilityBatchJson, request);
}
std::string mayShowInvitePrompt(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::mayShowInvitePromptJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_eligibility) {
  emscripten::function("validateCampaigns", &validateCampaigns);
  emscripten::function("validateCampaignChange", &validateCampaignChange);
  emscripten::function("evaluateEligibility", &evaluateEligibility);
  emscripten::function("evaluateEligibilityBatch", &evaluateEligibilityBatch);
  emscripten::function("mayShowInvitePrompt", &mayShowInvitePrompt);
}
