// JSON entry points of the community module (staff side). Request and reply
// shapes are documented in docs/api/community.md; fixtures in
// tests/fixtures/community/.
#pragma once

#include <string>
#include <string_view>

namespace carecircle {

// {"patientId"?, "answers"?: {questionId: optionId}, "sensitiveCase"?,
//  "peakMomentNote"?, "config"?} → envelope with the form and, when answers
// were given, the assessment.
std::string assessKocJson(std::string_view requestText);

// {"month": "YYYY-MM", "config"?, "groups": [...]} → envelope with the report.
std::string communityHealthReportJson(std::string_view requestText);

// {"nowMs", "clock"?, "config"?, "group"?, "members": [...], "waitingList"?} →
// envelope with the reactivation list, clean-up candidates and waiting list.
std::string memberListsJson(std::string_view requestText);

// {"nowMs", "config"?} → envelope saying whether the doctor's Q&A slot is on,
// when the next one is, and the nurse's templated reply outside it.
std::string replyOutsideQaSlotJson(std::string_view requestText);

}  // namespace carecircle
