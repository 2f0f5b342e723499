// Referral codes (docs/api/poster.md; docs/product-rules.md, "Referral codes").
//
// A code is 12 data symbols of Crockford base32 (0-9, A-Z without I, L, O,
// U: 60 random bits, unguessable) followed by one check symbol from the SAME
// 32 symbols: 13 symbols, shown as "7K3M-9QXR-A2BT6" to be read aloud.
//
// The check symbol is Damm's scheme over GF(32) (H. M. Damm, "Total
// anti-symmetrische Quasigruppen", 2004): interim = 2·interim ⊕ symbol in
// GF(2^5) with x^5 + x^2 + 1; the check symbol makes the final interim 0. It
// detects EVERY single-symbol substitution, every adjacent transposition,
// every jump transposition (abc → cba) and every twin error (aa → bb) —
// including those involving the check symbol (proof in referral_code.cpp;
// exhaustive tests in tests/poster/referral_code_test.cpp). Crockford's own
// mod-37 check does the first two as well but needs five extra symbols
// (* ~ $ = U) that are hard to read aloud and awkward in a link; Damm keeps
// the check inside the alphabet.
//
// Reading is forgiving as Crockford specifies: case-insensitive, O → 0,
// I and L → 1, hyphens and spaces (ASCII or full-width) ignored, full-width
// letters and digits (typed with a Chinese IME) accepted.
//
// Randomness is an input: the core never reads an RNG. Pass at least 8 bytes
// from a cryptographic generator (crypto.getRandomValues, /dev/urandom); the
// first 60 bits are used.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/error.hpp"

namespace carecircle {

inline constexpr std::size_t kReferralCodeDataSymbols = 12;  // 60 bits
inline constexpr std::size_t kReferralCodeLength = 13;       // + 1 check symbol
inline constexpr std::size_t kReferralRandomBytes = 8;       // minimum input
inline constexpr std::string_view kCrockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct ReferralCode {
  std::string code;     // 13 canonical symbols, e.g. "7K3M9QXRA2BT6"
  std::string display;  // grouped 4-4-5 for reading aloud, e.g. "7K3M-9QXR-A2BT6"
};

// A new code from `random` (>= 8 bytes; the first 60 bits become the 12 data
// symbols, big-endian). Errors: poster.weak_random (fewer than 8 bytes, or
// all bytes equal — an uninitialised buffer, not randomness).
Result<ReferralCode> makeReferralCode(std::span<const std::uint8_t> random);

// Reads a code as a person typed it. Errors: poster.bad_code with a Chinese
// message saying what is wrong — empty, a character that cannot be in a code
// (and which one), the wrong number of symbols, or a failed check ("a symbol
// mistyped or two swapped").
Result<ReferralCode> checkReferralCode(std::string_view typed);

// The check symbol for 12 canonical data symbols (precondition: each in
// kCrockfordAlphabet). Exposed for tests.
char referralCheckSymbol(std::string_view dataSymbols);

// What a referral QR code carries: `linkBase` + code (e.g.
// "https://h.example.cn/r/" + "7K3M9QXRA2BT6"), or the bare code when
// `linkBase` is empty. Never personal data: the link base is programme
// configuration and must be an https URL (or, for a demo or test server on
// this machine, http://127.0.0.1:<port>/… or http://localhost:<port>/…) of 12..200 printable ASCII
// characters with no whitespace, quotes or angle brackets and no run of 7 or
// more digits (a phone or ID number has no business in a link).
// Errors: poster.bad_link.
Result<std::string> referralQrPayload(const ReferralCode& code, std::string_view linkBase);

}  // namespace carecircle
