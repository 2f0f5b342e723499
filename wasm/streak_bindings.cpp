#include <emscripten/bind.h>

#include "guard.hpp"
#include "streak/streak_json.hpp"

namespace {
std::string evaluateStreak(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::evaluateStreakJson, request);
}
std::string recordCheckIn(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::recordCheckInJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_streak) {
  emscripten::function("evaluateStreak", &evaluateStreak);
  emscripten::function("recordCheckIn", &recordCheckIn);
}
