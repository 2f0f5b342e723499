// JSON entry points of the referral module. Shapes: docs/api/referral.md.
#pragma once

#include <string>
#include <string_view>

namespace carecircle {

// {nowMs?, records, patients?, requireKnownPatients?} → counts, stages, issues.
std::string analyzeReferralsJson(std::string_view requestText);
// {nowMs, patientId, records, patients?, layout?} → the patient's tree, list and feed.
std::string myReferralTreeJson(std::string_view requestText);
// {nowMs?, records, patients?, layout?, collapsed?, viewport?, maxVisible?} → the staff forest.
std::string layoutForestJson(std::string_view requestText);
// {nowMs, records, patients?, utcOffsetMinutes?} → the staff's recovery list:
// every referral lapsed (48 h without conversion) with the held offer's end.
std::string recoveryListJson(std::string_view requestText);

}  // namespace carecircle
