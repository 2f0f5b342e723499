// The streak module's exports (json_export.hpp: no Embind).
#include "json_export.hpp"
#include "streak/streak_json.hpp"

CARECIRCLE_JSON_EXPORT(evaluateStreak, carecircle::evaluateStreakJson)
CARECIRCLE_JSON_EXPORT(recordCheckIn, carecircle::recordCheckInJson)
