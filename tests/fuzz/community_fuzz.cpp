// libFuzzer target for the community module's JSON entry points. Any input
// must produce a well-formed envelope: {"ok":true,"value":…} or an error with
// a "<module>.<reason>" code. Crashes, sanitizer reports, hangs and malformed
// envelopes are findings; each one found becomes a fixture.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "envelope.hpp"

#include "community/community_json.hpp"

using carecircle::fuzz::checkEnvelope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkEnvelope(carecircle::assessKocJson(text));
  checkEnvelope(carecircle::communityHealthReportJson(text));
  checkEnvelope(carecircle::memberListsJson(text));
  checkEnvelope(carecircle::replyOutsideQaSlotJson(text));
  return 0;
}
