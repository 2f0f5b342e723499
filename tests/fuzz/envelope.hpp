// What every fuzz target requires of a reply: a well-formed envelope,
// {"ok":true,"value":…} or {"ok":false,"error":{"code","message",…}}, and
// never internal.unexpected (a bug caught at the boundary is still a bug).
// Returns the parsed reply for target-specific checks.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace carecircle::fuzz {

inline nlohmann::json checkEnvelope(const std::string& reply) {
  auto j = nlohmann::json::parse(reply, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("ok") || !j["ok"].is_boolean()) __builtin_trap();
  if (!j["ok"].get<bool>()) {
    const auto& error = j["error"];
    if (!error.is_object() || !error["code"].is_string() || !error["message"].is_string()) __builtin_trap();
    if (error["code"].get<std::string>() == "internal.unexpected") __builtin_trap();
  } else if (!j.contains("value")) {
    __builtin_trap();
  }
  return j;
}

}  // namespace carecircle::fuzz
