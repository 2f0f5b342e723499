// The patient's side of the eligibility module: the wallet's per-patient
// eligibility and the invite-prompt cap. Linked into the patient's module of
// the core (wasm/CMakeLists.txt); campaign validation and the batch are staff
// work, in campaign_bindings.cpp.
#include <emscripten/bind.h>

#include "eligibility/eligibility_json.hpp"
#include "guard.hpp"

namespace {
std::string evaluateEligibility(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::evaluateEligibilityJson, request);
}
std::string mayShowInvitePrompt(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::mayShowInvitePromptJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_eligibility) {
  emscripten::function("evaluateEligibility", &evaluateEligibility);
  emscripten::function("mayShowInvitePrompt", &mayShowInvitePrompt);
}
