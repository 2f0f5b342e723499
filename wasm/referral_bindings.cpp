#include <emscripten/bind.h>

#include "carecircle/referral_json.hpp"
#include "guard.hpp"

namespace {
std::string analyzeReferrals(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::analyzeReferralsJson, request);
}
std::string myReferralTree(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::myReferralTreeJson, request);
}
std::string layoutForest(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::layoutForestJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_referral) {
  emscripten::function("analyzeReferrals", &analyzeReferrals);
  emscripten::function("myReferralTree", &myReferralTree);
  emscripten::function("layoutForest", &layoutForest);
}
