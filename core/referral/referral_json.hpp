// JSON entry points of the referral module. Shapes: docs/api/referral.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "referral/referral_graph.hpp"

namespace carecircle {

// How a request's referral records are read — the one decoder of a
// ReferralRecord for every export of this module. `closed`: any key other than
// the record's fields is input.unknown_field (the graph exports); open, unknown
// keys are ignored (the operations figures). Each *AtMs lies in
// [minInstantMs, 2200-01-01); absent or null is 0 ("not yet").
struct ReferralRecordReading {
  bool closed = true;
  std::int64_t minInstantMs = 0;
};
ReferralRecord readReferralRecord(const nlohmann::json& object, const std::string& path,
                                  const ReferralRecordReading& how);
// The array at `path` (at most `maxItems`), each item through readReferralRecord.
std::vector<ReferralRecord> readReferralRecords(const nlohmann::json& list, const std::string& path,
                                                std::size_t maxItems,
                                                const ReferralRecordReading& how);

// The value of analyzeReferrals' reply for a built graph (counts, stages, the
// first 1,000 issues): the one writer both lanes of the export call.
nlohmann::json analyzeReply(const ReferralGraph& graph, std::size_t recordCount);

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
