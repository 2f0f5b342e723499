// JSON entry points of the streak module. Request and reply shapes are
// documented in docs/api/streak.md; fixtures in tests/fixtures/streak/.
#pragma once

#include <string>
#include <string_view>

namespace carecircle {

// {"nowMs", "patientId", "config"?, "startDate"?, "checkIns"[], "restDays"?[],
//  "granted"?[], "viewMonth"?, "clock"?} → envelope with the StreakReport.
std::string evaluateStreakJson(std::string_view requestText);

// Same history plus {"checkIn": {...}} → envelope with the CheckInDecision.
std::string recordCheckInJson(std::string_view requestText);

}  // namespace carecircle
