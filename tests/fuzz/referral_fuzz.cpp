// libFuzzer target for the referral module's JSON entry points (analysis, the
// patient's tree, the staff forest). Every input must yield a well-formed
// envelope; internal.unexpected counts as a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "carecircle/referral_json.hpp"

namespace {

void checkEnvelope(const std::string& reply) {
  const auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) __builtin_trap();
  if (!j["ok"].get<bool>()) {
    const auto& error = j["error"];
    if (!error.is_object() || !error["code"].is_string()) __builtin_trap();
    if (error["code"].get<std::string>() == "internal.unexpected") __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkEnvelope(carecircle::analyzeReferralsJson(text));
  checkEnvelope(carecircle::myReferralTreeJson(text));
  checkEnvelope(carecircle::layoutForestJson(text));
  return 0;
}
