// JSON entry points of the poster module. Request and reply shapes are
// documented in docs/api/poster.md; fixtures in tests/fixtures/poster/.
#pragma once

#include <string>
#include <string_view>

namespace carecircle {

// {"template", "data", "images"?, "referral"?, "qr"?} → envelope with
// {"template","width","height","title","fontFamily","drawList","svg",
//  "scratch","qrPayload","truncated","notices"}. poster.wording_flagged
// errors carry "matches" (the spans to highlight) next to code/message/path.
std::string layoutPosterJson(std::string_view requestText);

// {"randomHex", "linkBase"?} → {"code","display","qrPayload","qrEcc"}.
std::string makeReferralCodeJson(std::string_view requestText);

// {"code", "linkBase"?} → the same reply for a typed code, or poster.bad_code
// with a message that says what to fix.
std::string checkReferralCodeJson(std::string_view requestText);

}  // namespace carecircle
