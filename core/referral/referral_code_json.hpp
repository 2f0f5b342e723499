// JSON entry points for referral codes: minting a code from server
// randomness and checking a typed one. Shapes in docs/api/poster.md (the
// poster screen and the join page share them); fixtures in
// tests/fixtures/poster/{makeReferralCode,checkReferralCode}/.
#pragma once

#include <string>
#include <string_view>

namespace carecircle {

// {"randomHex", "linkBase"?} → {"code","display","qrPayload","qrEcc"}.
std::string makeReferralCodeJson(std::string_view requestText);

// {"code", "linkBase"?} → the same reply for a typed code, or poster.bad_code
// with a message that says what to fix.
std::string checkReferralCodeJson(std::string_view requestText);

}  // namespace carecircle
