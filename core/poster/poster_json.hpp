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

}  // namespace carecircle
