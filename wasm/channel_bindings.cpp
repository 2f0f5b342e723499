// Referral channels: tokens for the letters and the discharge card, and the
// check of a friend's claimed channel (core/referral/channel_token.hpp).
#include <emscripten/bind.h>

#include "guard.hpp"
#include "referral/channel_token.hpp"

namespace {

std::string makeChannelToken(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::makeChannelTokenJson, request);
}
std::string checkChannelClaim(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::checkChannelClaimJson, request);
}

}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_channels) {
  emscripten::function("makeChannelToken", &makeChannelToken);
  emscripten::function("checkChannelClaim", &checkChannelClaim);
}
