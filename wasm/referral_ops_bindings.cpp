// Operations figures of the referral module: referral quality and risk flags.
#include <emscripten/bind.h>

#include "guard.hpp"
#include "referral/referral_quality.hpp"
#include "referral/risk_flags.hpp"

namespace {
std::string referralQuality(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::referralQualityJson, request);
}
std::string riskFlags(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::riskFlagsJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_referral_ops) {
  emscripten::function("referralQuality", &referralQuality);
  emscripten::function("riskFlags", &riskFlags);
}
