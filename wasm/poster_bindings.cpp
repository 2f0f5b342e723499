// Poster module. QR grids come in with the request (made by the shell with
// Nayuki's npm build): the .wasm has no QR encoder, so encodeQr is not here.
// The referral code's exports are bound with the patient's referral view
// (referral_bindings.cpp): checking a code needs no poster.
#include <emscripten/bind.h>

#include "guard.hpp"
#include "poster/poster_json.hpp"

namespace {
std::string layoutPoster(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::layoutPosterJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_poster) {
  emscripten::function("layoutPoster", &layoutPoster);
}
