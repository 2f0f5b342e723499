#include "carecircle/exports.hpp"

#include "carecircle/eligibility_json.hpp"
#include "carecircle/community_json.hpp"
#include "carecircle/moderation_json.hpp"
#include "carecircle/referral_json.hpp"
#include "carecircle/streak_json.hpp"
#include "carecircle/poster_json.hpp"
#if !defined(__EMSCRIPTEN__)
#include "carecircle/qr_native.hpp"  // native only: links libqrcodegencpp
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
      {"validateCampaigns", &validateCampaignsJson},
      {"validateCampaignChange", &validateCampaignChangeJson},
      {"evaluateEligibility", &evaluateEligibilityJson},
      {"evaluateEligibilityBatch", &evaluateEligibilityBatchJson},
      {"mayShowInvitePrompt", &mayShowInvitePromptJson},
      {"layoutPoster", &layoutPosterJson},
      {"makeReferralCode", &makeReferralCodeJson},
      {"checkReferralCode", &checkReferralCodeJson},
#if !defined(__EMSCRIPTEN__)
      {"encodeQr", &encodeQrJson},  // native only (no fixtures: the .wasm has no encoder)
#endif
      {"analyzeReferrals", &analyzeReferralsJson},
      {"myReferralTree", &myReferralTreeJson},
      {"layoutForest", &layoutForestJson},
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
