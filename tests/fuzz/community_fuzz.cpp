// libFuzzer target for the community module's JSON entry points. Any input
// must produce a well-formed envelope: {"ok":true,"value":…} or an error with
// a "<module>.<reason>" code. Crashes, sanitizer reports, hangs and malformed
// envelopes are findings; each one found becomes a fixture.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "carecircle/community_json.hpp"

namespace {

void checkEnvelope(const std::string& reply) {
  const auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) {
    __builtin_trap();
  }
  if (!j["ok"].get<bool>()) {
    const auto& error = j["error"];
    if (!error.is_object() || !error["code"].is_string() || !error["message"].is_string()) {
      __builtin_trap();
    }
    if (error["code"].get<std::string>() == "internal.unexpected") __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkEnvelope(carecircle::assessKocJson(text));
  checkEnvelope(carecircle::communityHealthReportJson(text));
  checkEnvelope(carecircle::memberListsJson(text));
  checkEnvelope(carecircle::replyOutsideQaSlotJson(text));
  return 0;
}
