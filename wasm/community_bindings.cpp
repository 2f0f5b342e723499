#include <emscripten/bind.h>

#include "community/community_json.hpp"
#include "guard.hpp"

namespace {
std::string assessKoc(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::assessKocJson, request);
}
std::string communityHealthReport(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::communityHealthReportJson, request);
}
std::string memberLists(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::memberListsJson, request);
}
std::string replyOutsideQaSlot(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::replyOutsideQaSlotJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_community) {
  emscripten::function("assessKoc", &assessKoc);
  emscripten::function("communityHealthReport", &communityHealthReport);
  emscripten::function("memberLists", &memberLists);
  emscripten::function("replyOutsideQaSlot", &replyOutsideQaSlot);
}
