// A fast reader for the eligibility batch's patients, for its plain form.
//
// The batch request of many thousand patients is mostly their facts; this
// scanner reads them straight from the text into their structs in one pass,
// without a tokenizer in between. It accepts only the plain form (no escapes
// or nulls in the patients, integers written as integers, each field once,
// limits kept) and refuses anything else; the caller then decodes the text
// the general way, whose answer (or error envelope) is the reference.
#pragma once

#include <string>
#include <string_view>

#include "eligibility/eligibility.hpp"

namespace carecircle {

// The keys of one referral's facts in a batch request, in the order both
// streaming decoders number them (this scanner and the SAX decoder of
// eligibility_json.cpp): a field's index is its case in their switches.
inline constexpr std::string_view kReferralFactKeys[] = {"id",
                                                         "referrerId",
                                                         "refereeId",
                                                         "level",
                                                         "channel",
                                                         "refereeIsNewPatient",
                                                         "refereeIsInpatient",
                                                         "referrerIsMember",
                                                         "registrationConfirmedAtMs",
                                                         "arrivalConfirmedAtMs",
                                                         "conversionConfirmedAtMs",
                                                         "admissionConfirmedAtMs",
                                                         "dischargeConfirmedAtMs",
                                                         "complaintAtMs",
                                                         "refereeName"};

// Reads `text`'s patients into `out.patients` and copies every other member
// of the request object, unparsed, into `shared` as a JSON object text (for
// the caller to decode as the shared part). False when the text is not in the
// plain form; `out` and `shared` are then meaningless.
bool scanEligibilityBatchPatients(std::string_view text, EligibilityBatchRequest& out,
                                  std::string& shared);

}  // namespace carecircle
