// Referral channels: tokens for the letters and the discharge card, and the
// check of a friend's claimed channel (core/referral/channel_token.hpp).
// Plain JSON exports (json_export.hpp: no Embind).
#include "json_export.hpp"
#include "referral/channel_token.hpp"

CARECIRCLE_JSON_EXPORT(makeChannelToken, carecircle::makeChannelTokenJson)
CARECIRCLE_JSON_EXPORT(checkChannelClaim, carecircle::checkChannelClaimJson)
