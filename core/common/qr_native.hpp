// NATIVE ONLY: the QR encoder backed by Debian's libqrcodegencpp (Nayuki's
// C++ library). common/qr_native.cpp is compiled only when the core is built
// natively; the wasm build gets its grids from the shell instead (qr.hpp).
// Never include this header from code that is part of the wasm build.
#pragma once

#include <string>
#include <string_view>

#include "common/qr.hpp"

namespace carecircle {

// qrcodegen::QrCode::encodeText(payload, ecc): versions 1..40, automatic
// mask, boosted ECC — exactly what the shell runs with the npm build.
// Errors: poster.bad_qr (empty payload, over 2,000 bytes, or too long for
// any QR version).
const QrEncoder& nayukiQrEncoder();

// JSON entry point, native exports only:
// {"payload", "ecc"?: "L"|"M"|"Q"|"H"} → {"payload","size","version","ecc","mask","rows"}.
// What the CLI uses to make the grids of golden fixtures and what a server
// uses before layoutPoster.
std::string encodeQrJson(std::string_view requestText);

}  // namespace carecircle
