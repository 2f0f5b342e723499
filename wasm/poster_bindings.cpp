// Poster module. QR grids come in with the request (made by the shell with
// Nayuki's npm build): the .wasm has no QR encoder, so encodeQr is not here.
// The referral code's exports are bound with the patient's referral view
// (referral_bindings.cpp): checking a code needs no poster. Plain JSON
// exports (json_export.hpp: no Embind).
#include "json_export.hpp"
#include "poster/poster_json.hpp"

CARECIRCLE_JSON_EXPORT(layoutPoster, carecircle::layoutPosterJson)
