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
  return 0;
}
