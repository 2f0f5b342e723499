// The console's campaign dry run (core/eligibility/dry_run.hpp).
#include <emscripten/bind.h>

#include "eligibility/dry_run.hpp"
#include "guard.hpp"

namespace {

std::string dryRunCampaign(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::dryRunCampaignJson, request);
}

}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_dry_run) {
  emscripten::function("dryRunCampaign", &dryRunCampaign);
}
