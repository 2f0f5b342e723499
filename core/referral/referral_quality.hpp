// Referral quality for operations staff (docs/api/referral.md, referralQuality):
// how well referrals turn into care, by the referrer's age band, from the same
// referral records the trees and the forest are built from.
//
//  - success rate: converted ÷ settled referrals;
//  - lapse rate:   lapsed ÷ settled (no conversion 48 h after the last step,
//                  the rule of the referral graph, so the tree, the recovery
//                  list and this report agree);
//  - complaint rate: voided ÷ settled;
//  - time from invitation to first visit (到院): lower median and buckets.
// A referral is settled once it is converted, lapsed or voided; one still
// inside its 48 hours is pending and counted apart. Rates are basis points,
// floored; 0 ÷ 0 is no rate at all. The core reads no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/civil_date.hpp"
#include "common/error.hpp"
#include "referral/referral_graph.hpp"

namespace carecircle {

struct ReferrerAge {
  std::string id;
  int birthYear = 0;  // 0 = not recorded
};

struct ReferralQualityConfig {
  int utcOffsetMinutes = 480;
  std::int64_t lapseAfterMs = 48 * 3'600'000;  // the referral graph's lapse rule
  // Age cut points in years, strictly increasing, 1..120, at most 10:
  // {40, 60, 75} → "40岁以下", "40-59岁", "60-74岁", "75岁及以上".
  std::vector<int> ageBands = {40, 60, 75};
};

struct ReferralQualityRequest {
  std::int64_t nowMs = 0;
  ReferralQualityConfig config;
  std::optional<DayNumber> fromDay;  // invitations on or after (local date)
  std::optional<DayNumber> toDay;    // invitations on or before
  std::vector<ReferrerAge> referrers;
  std::vector<ReferralRecord> referrals;
};

// Invitation → first visit, for referrals with an arrival not before the invitation.
struct FirstVisitFigures {
  int count = 0;
  std::optional<std::int64_t> medianMs;  // lower median
  // < 1 day, 1-3 days, 3-7 days, 7-30 days, ≥ 30 days
  std::vector<int> buckets = std::vector<int>(5, 0);
};

struct QualityFigures {
  int referrers = 0;  // distinct referrers with a referral in the period
  int referrals = 0;
  int pending = 0;
  int settled = 0;
  int converted = 0;
  int lapsed = 0;
  int voided = 0;
  std::optional<std::int64_t> successBp, lapseBp, complaintBp;
  FirstVisitFigures firstVisit;
};

struct AgeBandQuality {
  std::string id;     // "under40", "40to59", "75plus", "unknown"
  std::string label;  // Chinese
  std::optional<int> minAge, maxAge;
  QualityFigures figures;
};

struct ReferralQuality {
  DayNumber today = 0;
  std::optional<DayNumber> fromDay, toDay;
  std::int64_t lapseAfterMs = 0;
  QualityFigures overall;
  std::vector<AgeBandQuality> bands;  // youngest first, "unknown" last
  int excluded = 0;                   // records the referral graph refused (cycle, duplicate, ...)
  int outsidePeriod = 0;
};

// Errors: referral.bad_config (age cut points, lapse hours, UTC offset),
// referral.bad_now, referral.bad_period (from after to),
// referral.duplicate_referrer (one id twice among referrers).
Result<ReferralQuality> referralQuality(const ReferralQualityRequest& request);

std::string referralQualityJson(std::string_view requestText);

}  // namespace carecircle
