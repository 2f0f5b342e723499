// Hospital events (docs/api/referral.md, checkHospitalEvents): the referral
// steps a hospital confirms for a friend who came through a referral —
// registration (建档), arrival (到院), conversion (就诊), admission (入院),
// discharge (出院), complaint (投诉). Staff record them by hand, a day's CSV
// export of the hospital system brings them in bulk, the hospital system
// pushes them on a signed webhook; every way asks this one check, row by
// row, before anything is written:
//
//  - the row names a patient or a referral, and that referral is known;
//  - the step is one of the six (its stored name or a word a hospital export
//    uses for it: 建档, 到院, 就诊, 入院, 出院, 投诉, registration, …);
//  - the time is readable: epoch ms, or text "YYYY-MM-DD HH:mm[:ss]" (also
//    with "/" or "T") in the programme's zone, or with "Z" / "±hh:mm";
//  - it is not in the future (a minute's grace for clocks between systems)
//    and at most `backdateDays` back: rewards vest on these instants, and one
//    dated far back would release a reward at once;
//  - a step already recorded is left as it is ("unchanged"), also when an
//    earlier row of the same batch records it;
//  - who records them is named.
// The core reads no clock: nowMs is an input.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace carecircle {

enum class HospitalStep {
  kRegistration,
  kArrival,
  kConversion,
  kAdmission,
  kDischarge,
  kComplaint,
};
inline constexpr std::size_t kHospitalStepCount = 6;

// "registrationConfirmed" … "complaint": the stored names.
const char* hospitalStepName(HospitalStep step);
// The step a stored name or an export's word stands for (case, spaces, "_"
// and "-" ignored), or nothing.
std::optional<HospitalStep> hospitalStepOf(std::string_view text);
// Epoch ms of an export's time text (see above); `utcOffsetMinutes` applies to
// text without a zone. Nothing for text that is not a real time.
std::optional<std::int64_t> parseHospitalEventTime(std::string_view text, int utcOffsetMinutes);

struct KnownReferral {
  std::string id;
  std::string patientId;  // the friend (referee)
  std::array<std::int64_t, kHospitalStepCount> steps{};  // 0 = not yet recorded
};

struct HospitalEventRow {
  std::string patientId;               // "" = not given
  std::string referralId;              // "" = not given; when given, it decides
  std::optional<std::string> event;    // a stored name or a word
  std::optional<std::int64_t> atMs;    // epoch ms, or
  std::optional<std::string> atText;   // an export's time text
  std::optional<std::int64_t> columns, expected;  // a CSV row's cells and the header's
};

struct HospitalEventsRequest {
  std::int64_t nowMs = 0;
  int backdateDays = 7;
  int utcOffsetMinutes = 480;
  std::string recordedBy;
  std::vector<KnownReferral> referrals;
  std::vector<HospitalEventRow> rows;
};

enum class EventOutcome { kApply, kUnchanged, kRefused };

struct HospitalEventVerdict {
  EventOutcome outcome = EventOutcome::kRefused;
  std::string referralId;              // the referral it applies to (not when refused)
  std::optional<HospitalStep> step;    // when the step was recognised
  std::int64_t atMs = 0;               // apply: the row's instant; unchanged: the recorded one
  std::string code, reason, path;      // refused: why (Chinese), and where
};

struct HospitalEventsCheck {
  std::vector<HospitalEventVerdict> rows;  // one per request row, in order
  int apply = 0, unchanged = 0, refused = 0;
};

// A minute: how far ahead of nowMs a time may lie.
inline constexpr std::int64_t kHospitalEventAheadMs = 60'000;

// Errors (the whole batch): referral.bad_now, referral.bad_config
// (backdateDays 1..90, UTC offset), referral.bad_recorder (empty).
Result<HospitalEventsCheck> checkHospitalEvents(const HospitalEventsRequest& request);

// {nowMs, backdateDays?, utcOffsetMinutes?, recordedBy, referrals, rows} →
// {rows: [{outcome, referralId?, event?, atMs?, code?, reason?, path?}], counts, …}.
std::string checkHospitalEventsJson(std::string_view requestText);

}  // namespace carecircle
