// The patient's side of the referral module: their three-level tree and feed,
// the graph check behind it, and the referral code (made and checked). Linked
// into the patient's module of the core (wasm/CMakeLists.txt); the staff's
// forest and recovery list are in referral_forest_bindings.cpp.
#include <emscripten/bind.h>

#include "guard.hpp"
#include "referral/referral_code_json.hpp"
#include "referral/referral_json.hpp"

namespace {

std::string analyzeReferrals(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::analyzeReferralsJson, request);
}
std::string myReferralTree(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::myReferralTreeJson, request);
}
std::string makeReferralCode(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::makeReferralCodeJson, request);
}
std::string checkReferralCode(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::checkReferralCodeJson, request);
}

}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_referral) {
  emscripten::function("analyzeReferrals", &analyzeReferrals);
  emscripten::function("myReferralTree", &myReferralTree);
  emscripten::function("makeReferralCode", &makeReferralCode);
  emscripten::function("checkReferralCode", &checkReferralCode);
}
