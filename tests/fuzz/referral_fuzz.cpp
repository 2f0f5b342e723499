// libFuzzer target for the referral module's JSON entry points (analysis, the
// patient's tree, the staff forest). Every input must yield a well-formed
// envelope; internal.unexpected counts as a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "envelope.hpp"

#include "referral/channel_token.hpp"
#include "referral/forest_json.hpp"
#include "referral/forest_typed.hpp"
#include "referral/hospital_events.hpp"
#include "referral/referral_json.hpp"
#include "referral/referral_quality.hpp"
#include "referral/risk_flags.hpp"

using carecircle::fuzz::checkEnvelope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  checkEnvelope(carecircle::analyzeReferralsJson(text));
  checkEnvelope(carecircle::makeChannelTokenJson(text));
  checkEnvelope(carecircle::checkChannelClaimJson(text));
  checkEnvelope(carecircle::myReferralTreeJson(text));
  checkEnvelope(carecircle::layoutForestJson(text));
  checkEnvelope(carecircle::referralQualityJson(text));
  checkEnvelope(carecircle::riskFlagsJson(text));
  checkEnvelope(carecircle::recoveryListJson(text));
  checkEnvelope(carecircle::checkHospitalEventsJson(text));
  // The forest's SAX lane answers only what the ordinary lane answers the same
  // way ("utcOffsetMinutes": null in front sends a request down the ordinary lane).
  if (auto fast = carecircle::forest_json::layoutForestColumns(text)) {
    if (*fast != carecircle::layoutForestJson("{\"utcOffsetMinutes\":null," + std::string(text.substr(1))))
      __builtin_trap();
  }
  // layoutForestTyped's decoding on columns cut from the same bytes.
  carecircle::TypedForestRequest typed;
  typed.records.id.text = std::string(text);
  typed.records.id.offsets = {0};
  for (std::size_t i = 0; i < size && i < 64; ++i) typed.records.id.offsets.push_back(data[i]);
  typed.records.referrerId = typed.records.id;
  typed.records.refereeId = typed.records.id;
  typed.records.invitedAtMs.assign(typed.records.id.offsets.size() - 1, size > 0 ? data[0] * 1e9 : 0);
  const auto decoded = carecircle::decodeTypedForest(typed);
  if (decoded.ok()) carecircle::staffForestTable(decoded.value(), {});
  return 0;
}
