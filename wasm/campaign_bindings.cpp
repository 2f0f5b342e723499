// The staff's side of the eligibility module: campaign validation (with the
// change checks of a running campaign); the batch over many patients is in
// eligibility_batch_bindings.cpp. Linked into the staff module of the core
// (wasm/CMakeLists.txt).
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
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_campaigns) {
  emscripten::function("validateCampaigns", &validateCampaigns);
  emscripten::function("validateCampaignChange", &validateCampaignChange);
}
