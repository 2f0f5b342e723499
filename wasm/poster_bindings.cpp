// Poster module. QR grids come in with the request (made by the shell with
// Nayuki's npm build): the .wasm has no QR encoder, so encodeQr is not here.
#include <emscripten/bind.h>

#include "guard.hpp"
#include "poster/poster_json.hpp"
#include "referral/referral_code_json.hpp"

namespace {
std::string layoutPoster(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::layoutPosterJson, request);
}
std::string makeReferralCode(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::makeReferralCodeJson, request);
}
std::string checkReferralCode(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::checkReferralCodeJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_poster) {
  emscripten::function("layoutPoster", &layoutPoster);
  emscripten::function("makeReferralCode", &makeReferralCode);
  emscripten::function("checkReferralCode", &checkReferralCode);
}
