// The fast lane of the referral graph exports whose requests are bulk
// (analyzeReferrals, layoutForest with `columns`): a 100k-patient forest is
// ~9 MB of JSON, and building nlohmann's DOM of it cost several times the
// graph and the layout together. Here the request is read with nlohmann's
// SAX interface straight into the records and patients, and the columns
// reply is written straight into its text.
//
// The lane takes only requests that are entirely valid. Anything else — a
// wrong type, an unknown or repeated key, a null, a value out of range, bad
// JSON, a non-columns forest — makes it answer "not mine" (std::nullopt) and
// the caller decodes the same text the ordinary way, which gives every error
// its usual code, message and path. So both lanes give the same bytes for
// every input (tests/referral/forest_json_test.cpp compares them).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace carecircle::forest_json {

// The envelope analyzeReferralsJson(text) gives, or nullopt when the text is
// not an entirely valid request.
std::optional<std::string> analyzeReferrals(std::string_view text);
// The envelope layoutForestJson(text) gives for a valid request with
// "columns": true, or nullopt otherwise.
std::optional<std::string> layoutForestColumns(std::string_view text);

}  // namespace carecircle::forest_json
