#include <emscripten/bind.h>

#include "guard.hpp"
#include "moderation/group_triage.hpp"
#include "moderation/moderation_json.hpp"

namespace {
std::string moderateText(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::moderateTextJson, request);
}
std::string moderationRules(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::moderationRulesJson, request);
}
std::string triageGroupMessage(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::triageGroupMessageJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_moderation) {
  emscripten::function("moderateText", &moderateText);
  emscripten::function("moderationRules", &moderationRules);
  emscripten::function("triageGroupMessage", &triageGroupMessage);
}
