// The hospital desk's row check: every hospital event (by hand, a CSV import,
// the signed webhook) is checked by the core before the backend writes it.
#include <emscripten/bind.h>

#include "guard.hpp"
#include "referral/hospital_events.hpp"

namespace {
std::string checkHospitalEvents(const std::string& request) {
  return carecircle::wasm::guarded(carecircle::checkHospitalEventsJson, request);
}
}  // namespace

EMSCRIPTEN_BINDINGS(carecircle_hospital_events) {
  emscripten::function("checkHospitalEvents", &checkHospitalEvents);
}
