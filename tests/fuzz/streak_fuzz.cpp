// libFuzzer target for the streak module's JSON entry points. Any input must
// produce a well-formed envelope: {"ok":true,"value":…} or an error with a
// "<module>.<reason>" code. Crashes, sanitizer reports, hangs and malformed
// envelopes are findings; each one found becomes a fixture.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "envelope.hpp"

#include "streak/streak_json.hpp"

using carecircle::fuzz::checkEnvelope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkEnvelope(carecircle::evaluateStreakJson(text));
  checkEnvelope(carecircle::recordCheckInJson(text));
  return 0;
}
