// The patient's side of the eligibility module: the wallet's per-patient
// eligibility and the invite-prompt cap. Linked into the patient's module of
// the core (wasm/CMakeLists.txt) as plain JSON exports (json_export.hpp: no
// Embind); campaign validation and the batch are staff
// work, in campaign_bindings.cpp.
#include "eligibility/eligibility_json.hpp"
#include "json_export.hpp"

CARECIRCLE_JSON_EXPORT(evaluateEligibility, carecircle::evaluateEligibilityJson)
CARECIRCLE_JSON_EXPORT(mayShowInvitePrompt, carecircle::mayShowInvitePromptJson)
