#include "registry/exports.hpp"

#include "community/community_json.hpp"
#include "eligibility/dry_run.hpp"
#include "eligibility/eligibility_json.hpp"
#include "moderation/group_triage.hpp"
#include "moderation/moderation_json.hpp"
#include "poster/poster_json.hpp"
#include "referral/channel_token.hpp"
#include "referral/hospital_events.hpp"
#include "referral/referral_code_json.hpp"
#include "referral/referral_json.hpp"
#include "referral/referral_quality.hpp"
#include "referral/risk_flags.hpp"
#include "streak/streak_json.hpp"
#if !defined(__EMSCRIPTEN__)
#include "common/qr_native.hpp"  // native only: links libqrcodegencpp
#endif

namespace carecircle {

const std::vector<JsonExport>& jsonExports() {
  static const std::vector<JsonExport> table = {
    {"evaluateStreak", &evaluateStreakJson},
    {"recordCheckIn", &recordCheckInJson},
    {"assessKoc", &assessKocJson},
    {"communityHealthReport", &communityHealthReportJson},
    {"memberLists", &memberListsJson},
    {"replyOutsideQaSlot", &replyOutsideQaSlotJson},
    {"moderateText", &moderateTextJson},
    {"moderationRules", &moderationRulesJson},
    {"triageGroupMessage", &triageGroupMessageJson},
    {"validateCampaigns", &validateCampaignsJson},
    {"validateCampaignChange", &validateCampaignChangeJson},
    {"evaluateEligibility", &evaluateEligibilityJson},
    {"evaluateEligibilityBatch", &evaluateEligibilityBatchJson},
    {"dryRunCampaign", &dryRunCampaignJson},
    {"mayShowInvitePrompt", &mayShowInvitePromptJson},
    {"layoutPoster", &layoutPosterJson},
    {"makeReferralCode", &makeReferralCodeJson},
    {"checkReferralCode", &checkReferralCodeJson},
    {"makeChannelToken", &makeChannelTokenJson},
    {"checkChannelClaim", &checkChannelClaimJson},
#if !defined(__EMSCRIPTEN__)
    {"encodeQr", &encodeQrJson},  // native only (no fixtures: the .wasm has no encoder)
#endif
    {"analyzeReferrals", &analyzeReferralsJson},
    {"myReferralTree", &myReferralTreeJson},
    {"layoutForest", &layoutForestJson},
    {"referralQuality", &referralQualityJson},
    {"riskFlags", &riskFlagsJson},
    {"recoveryList", &recoveryListJson},
    {"checkHospitalEvents", &checkHospitalEventsJson},
  };
  return table;
}

const JsonExport* findJsonExport(std::string_view name) {
  for (const JsonExport& e : jsonExports()) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

}  // namespace carecircle
