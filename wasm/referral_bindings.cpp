// The patient's side of the referral module: their three-level tree and feed,
// the graph check behind it, and the referral code (made and checked). Linked
// into the patient's module of the core (wasm/CMakeLists.txt) as plain JSON
// exports (json_export.hpp: no Embind); the staff's forest and recovery list
// are in referral_forest_bindings.cpp.
#include "json_export.hpp"
#include "referral/referral_code_json.hpp"
#include "referral/referral_json.hpp"

CARECIRCLE_JSON_EXPORT(analyzeReferrals, carecircle::analyzeReferralsJson)
CARECIRCLE_JSON_EXPORT(myReferralTree, carecircle::myReferralTreeJson)
CARECIRCLE_JSON_EXPORT(makeReferralCode, carecircle::makeReferralCodeJson)
CARECIRCLE_JSON_EXPORT(checkReferralCode, carecircle::checkReferralCodeJson)
