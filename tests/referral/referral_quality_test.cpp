// Referral quality by the referrer's age band and risk flags for staff review:
// every threshold at its edge (the 48-hour lapse, age cut points, window
// lengths and counts, the complaint share), episodes, reviews and bad input.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/civil_date.hpp"
#include "referral/referral_quality.hpp"
#include "referral/risk_flags.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kMinute = 60'000;

std::int64_t beijing(const char* date, int hour, int minute = 0) {
  return std::int64_t{*parseDate(date)} * 24 * kHour + hour * kHour + minute * kMinute - 8 * kHour;
}

ReferralRecord referral(std::string id, std::string referrer, std::int64_t invited) {
  ReferralRecord r;
  r.id = id;
  r.referrerId = std::move(referrer);
  r.refereeId = "f-" + id;
  r.invitedAtMs = invited;
  return r;
}

ReferralQuality quality(const ReferralQualityRequest& r) {
  Result<ReferralQuality> q = referralQuality(r);
  EXPECT_TRUE(q.ok()) << (q.ok() ? "" : q.error().code + " " + q.error().path);
  return q.ok() ? q.value() : ReferralQuality{};
}

TEST(ReferralQuality, LapseIsExactlyFortyEightHoursAfterTheLastStep) {
  ReferralQualityRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  r.referrals = {referral("a", "p1", r.nowMs - 48 * kHour),      // exactly 48 h: lapsed
                 referral("b", "p1", r.nowMs - 48 * kHour + 1),  // 1 ms short: pending
                 referral("c", "p1", r.nowMs - 100 * kHour)};
  r.referrals[2].arrivedAtMs = r.nowMs - 47 * kHour;  // last step 47 h ago: pending
  const ReferralQuality q = quality(r);
  EXPECT_EQ(q.overall.referrals, 3);
  EXPECT_EQ(q.overall.lapsed, 1);
  EXPECT_EQ(q.overall.pending, 2);
  EXPECT_EQ(q.overall.settled, 1);
  EXPECT_EQ(q.overall.lapseBp, 10'000);
  EXPECT_EQ(q.overall.successBp, 0);
}

TEST(ReferralQuality, RatesAreOverSettledReferralsAndFloored) {
  ReferralQualityRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  const std::int64_t old = beijing("2026-10-01", 9);
  for (int i = 0; i < 3; ++i) {
    r.referrals.push_back(referral("c" + std::to_string(i), "p1", old));
    r.referrals.back().convertedAtMs = old + kHour;
  }
  r.referrals.push_back(referral("v", "p1", old));
  r.referrals.back().convertedAtMs = old + kHour;
  r.referrals.back().voidedAtMs = old + 2 * kHour;  // a complaint voids even a conversion
  r.referrals.push_back(referral("l1", "p1", old));
  r.referrals.push_back(referral("l2", "p1", old));
  const ReferralQuality q = quality(r);
  EXPECT_EQ(q.overall.settled, 6);
  EXPECT_EQ(q.overall.converted, 3);
  EXPECT_EQ(q.overall.voided, 1);
  EXPECT_EQ(q.overall.lapsed, 2);
  EXPECT_EQ(q.overall.successBp, 5'000);
  EXPECT_EQ(q.overall.lapseBp, 3'333);  // 33.33 %, floored
  EXPECT_EQ(q.overall.complaintBp, 1'666);
}

TEST(ReferralQuality, AgeBandsCutAtTheirFirstYear) {
  ReferralQualityRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  const std::int64_t invited = beijing("2026-06-01", 9);  // ages count from 2026
  r.referrers = {{"y39", 1987}, {"y40", 1986}, {"y59", 1967}, {"y60", 1966}, {"y75", 1951},
                 {"none", 0}, {"future", 2030}};
  for (const auto& a : r.referrers) r.referrals.push_back(referral("r-" + a.id, a.id, invited));
  r.referrals.push_back(referral("r-unlisted", "unlisted", invited));
  const ReferralQuality q = quality(r);
  ASSERT_EQ(q.bands.size(), 5u);
  EXPECT_EQ(q.bands[0].id, "under40");
  EXPECT_EQ(q.bands[0].label, "40岁以下");
  EXPECT_EQ(q.bands[0].figures.referrals, 1);  // 39
  EXPECT_EQ(q.bands[1].label, "40-59岁");
  EXPECT_EQ(q.bands[1].figures.referrals, 2);  // 40, 59
  EXPECT_EQ(q.bands[2].figures.referrals, 1);  // 60
  EXPECT_EQ(q.bands[3].label, "75岁及以上");
  EXPECT_EQ(q.bands[3].figures.referrals, 1);
  EXPECT_EQ(q.bands[4].id, "unknown");
  EXPECT_EQ(q.bands[4].figures.referrals, 3);  // no year, a year after the invitation, unlisted
  EXPECT_EQ(q.overall.referrers, 8);
}

TEST(ReferralQuality, FirstVisitMedianAndBucketEdges) {
  ReferralQualityRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  const std::int64_t t = beijing("2026-10-01", 9);
  const std::int64_t waits[] = {24 * kHour - 1, 24 * kHour, 72 * kHour, 7 * 24 * kHour, 30 * 24 * kHour};
  for (int i = 0; i < 5; ++i) {
    r.referrals.push_back(referral("w" + std::to_string(i), "p1", t));
    r.referrals.back().arrivedAtMs = t + waits[i];
  }
  const ReferralQuality q = quality(r);
  EXPECT_EQ(q.overall.firstVisit.count, 5);
  EXPECT_EQ(q.overall.firstVisit.buckets, (std::vector<int>{1, 1, 1, 1, 1}));
  EXPECT_EQ(*q.overall.firstVisit.medianMs, 72 * kHour);
  // Four values: the lower median.
  r.referrals.pop_back();
  EXPECT_EQ(*quality(r).overall.firstVisit.medianMs, 24 * kHour);
}

TEST(ReferralQuality, PeriodIsInclusiveByLocalDateAndRefusedRecordsAreLeftOut) {
  ReferralQualityRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  r.fromDay = *parseDate("2026-11-01");
  r.toDay = *parseDate("2026-11-30");
  r.referrals = {referral("in1", "p1", beijing("2026-11-01", 0)),
                 referral("out", "p1", beijing("2026-10-31", 23, 59)),
                 referral("in2", "p2", beijing("2026-11-20", 9)),
                 referral("self", "p3", beijing("2026-11-20", 9))};
  r.referrals[3].refereeId = "p3";  // a self-referral the graph refuses
  const ReferralQuality q = quality(r);
  EXPECT_EQ(q.overall.referrals, 2);
  EXPECT_EQ(q.outsidePeriod, 1);
  EXPECT_EQ(q.excluded, 1);
}

TEST(ReferralQuality, BadInputIsAClearError) {
  ReferralQualityRequest r;
  r.nowMs = beijing("2026-11-23", 10);
  r.config.ageBands = {40, 40};
  EXPECT_EQ(referralQuality(r).error().code, "referral.bad_config");
  r.config.ageBands = {40};
  r.config.lapseAfterMs = 0;
  EXPECT_EQ(referralQuality(r).error().path, "/config/lapseHours");
  r.config.lapseAfterMs = 48 * kHour;
  r.fromDay = 20'000;
  r.toDay = 19'999;
  EXPECT_EQ(referralQuality(r).error().code, "referral.bad_period");
  r.toDay.reset();
  r.referrers = {{"a", 1950}, {"a", 1960}};
  EXPECT_EQ(referralQuality(r).error().code, "referral.duplicate_referrer");
  r.referrers.clear();
  r.nowMs = 0;
  EXPECT_EQ(referralQuality(r).error().code, "referral.bad_now");
}

TEST(ReferralQuality, JsonRepliesAnEnvelopeForHostileInput) {
  EXPECT_NE(referralQualityJson(R"({"nowMs":1795420800000})").find("input.missing_field"), std::string::npos);
  EXPECT_NE(referralQualityJson(R"({"nowMs":1795420800000,"referrals":[],"config":{"ageBands":[1e400]}})")
                .find("\"ok\":false"),
            std::string::npos);
  EXPECT_NE(referralQualityJson(R"({"nowMs":1795420800000,"referrals":[],"period":{"from":"2026-02-30"}})")
                .find("input.bad_date"),
            std::string::npos);
  const std::string ok = referralQualityJson(R"({"nowMs":1795420800000,"referrals":[]})");
  EXPECT_NE(ok.find("\"successRateText\":\"—\""), std::string::npos) << ok;
}

// ---------------------------------------------------------------------------
// Risk flags

RiskFlags flags(const RiskFlagsRequest& r) {
  Result<RiskFlags> f = riskFlags(r);
  EXPECT_TRUE(f.ok()) << (f.ok() ? "" : f.error().code + " " + f.error().path);
  return f.ok() ? f.value() : RiskFlags{};
}

RiskFlagsRequest riskAt(const char* date) {
  RiskFlagsRequest r;
  r.nowMs = beijing(date, 12);
  return r;
}

TEST(RiskFlags, SameAddressNeedsTheThresholdInsideTheWindow) {
  RiskFlagsRequest r = riskAt("2026-11-23");
  const std::int64_t t = beijing("2026-11-20", 9);
  // Five registrations, the fifth exactly 24 h after the first: not in one window.
  for (int i = 0; i < 4; ++i) r.registrations.push_back({"p" + std::to_string(i), t + i * kHour, "", "addr-1"});
  r.registrations.push_back({"p4", t + 24 * kHour, "", "addr-1"});
  EXPECT_TRUE(flags(r).flags.empty());
  // One millisecond earlier: five in one window → one flag of all five.
  r.registrations.back().atMs = t + 24 * kHour - 1;
  RiskFlags f = flags(r);
  ASSERT_EQ(f.flags.size(), 1u);
  EXPECT_EQ(f.flags[0].kind, RiskKind::kSameAddress);
  EXPECT_EQ(f.flags[0].count, 5);
  EXPECT_EQ(f.flags[0].peakInWindow, 5);
  EXPECT_EQ(f.flags[0].id, "sameAddress:addr-1:" + std::to_string(t));
  EXPECT_EQ(f.open, 1);
  // Four: below the threshold of five.
  r.registrations.pop_back();
  EXPECT_TRUE(flags(r).flags.empty());
}

TEST(RiskFlags, EpisodesSplitAtAWindowLongGapAndKeepTheirIdAsTheyGrow) {
  RiskFlagsRequest r = riskAt("2026-11-23");
  r.config.sourceThreshold = 3;
  const std::int64_t t = beijing("2026-11-01", 9);
  for (int i = 0; i < 3; ++i) r.registrations.push_back({"a" + std::to_string(i), t + i * kMinute, "dev-9", ""});
  for (int i = 0; i < 3; ++i)
    r.registrations.push_back({"b" + std::to_string(i), t + 48 * kHour + i * kMinute, "dev-9", ""});
  RiskFlags f = flags(r);
  ASSERT_EQ(f.flags.size(), 2u);
  EXPECT_EQ(f.flags[0].firstAtMs, t + 48 * kHour);  // newest first
  EXPECT_EQ(f.flags[1].id, "sameDevice:dev-9:" + std::to_string(t));
  // A straggler 23 h later joins the first episode; the id stays.
  r.registrations.push_back({"a3", t + 2 * kMinute + 23 * kHour, "dev-9", ""});
  f = flags(r);
  ASSERT_EQ(f.flags.size(), 2u);
  EXPECT_EQ(f.flags[1].id, "sameDevice:dev-9:" + std::to_string(t));
  EXPECT_EQ(f.flags[1].count, 4);
  EXPECT_EQ(f.flags[1].peakInWindow, 4);  // all four lie within 24 h of the first
}

TEST(RiskFlags, ComplaintsFlagTheReferrerWhoseFriendsAllComplained) {
  RiskFlagsRequest r = riskAt("2026-11-23");
  const std::int64_t t = beijing("2026-10-01", 9);
  for (int i = 0; i < 3; ++i) {
    r.referrals.push_back(referral("k" + std::to_string(i), "p1", t + i * kHour));
    r.referrals.back().voidedAtMs = t + 10 * kHour;
  }
  RiskFlags f = flags(r);
  ASSERT_EQ(f.flags.size(), 1u);
  EXPECT_EQ(f.flags[0].kind, RiskKind::kComplaints);
  EXPECT_EQ(f.flags[0].id, "complaints:p1:3:3");
  // One friend without a complaint: not all of them → no flag at the default share.
  r.referrals.push_back(referral("k3", "p1", t + 5 * kHour));
  EXPECT_TRUE(flags(r).flags.empty());
  r.config.complaintShareBp = 7'500;  // 3 of 4 = 75.00 %: exactly the share
  EXPECT_EQ(flags(r).flags.size(), 1u);
  // Two friends, both complained: below the three-friend minimum.
  r = riskAt("2026-11-23");
  for (int i = 0; i < 2; ++i) {
    r.referrals.push_back(referral("j" + std::to_string(i), "p2", t));
    r.referrals.back().voidedAtMs = t + kHour;
  }
  EXPECT_TRUE(flags(r).flags.empty());
}

TEST(RiskFlags, CodeBurstAtTheThresholdAndReviewsAttachByIdLatestWins) {
  RiskFlagsRequest r = riskAt("2026-11-23");
  const std::int64_t t = beijing("2026-11-22", 8);
  for (int i = 0; i < 9; ++i) r.referrals.push_back(referral("b" + std::to_string(i), "p7", t + i * kMinute));
  EXPECT_TRUE(flags(r).flags.empty());  // 9 < 10
  r.referrals.push_back(referral("b9", "p7", t + 9 * kMinute));
  RiskFlags f = flags(r);
  ASSERT_EQ(f.flags.size(), 1u);
  EXPECT_EQ(f.flags[0].kind, RiskKind::kCodeBurst);
  const std::string id = f.flags[0].id;
  r.reviews = {{id, t + kHour, "ops-1", "已联系患者"}, {id, t + 2 * kHour, "ops-2", "确认在病友群转发"},
               {"codeBurst:gone:1", t, "ops-1", ""}};
  f = flags(r);
  EXPECT_EQ(f.open, 0);
  EXPECT_EQ(f.reviewed, 1);
  EXPECT_EQ(f.unmatchedReviews, 1);
  ASSERT_TRUE(f.flags[0].review.has_value());
  EXPECT_EQ(f.flags[0].review->reviewedBy, "ops-2");
}

TEST(RiskFlags, BadConfigurationAndHostileJson) {
  RiskFlagsRequest r = riskAt("2026-11-23");
  r.config.sourceThreshold = 1;
  EXPECT_EQ(riskFlags(r).error().path, "/config/sourceThreshold");
  r.config.sourceThreshold = 5;
  r.config.burstWindowMs = 91 * 24 * kHour;
  EXPECT_EQ(riskFlags(r).error().code, "referral.bad_config");
  r.config.burstWindowMs = kHour;
  r.config.complaintShareBp = 10'001;
  EXPECT_EQ(riskFlags(r).error().path, "/config/complaintShareBp");
  EXPECT_NE(riskFlagsJson(R"({"nowMs":1})").find("referral.bad_now"), std::string::npos);
  EXPECT_NE(riskFlagsJson(R"({"nowMs":1795420800000,"registrations":[{"patientId":"a"}]})")
                .find("input.missing_field"),
            std::string::npos);
  EXPECT_NE(riskFlagsJson("[]").find("\"ok\":false"), std::string::npos);
}

TEST(RiskFlags, ManyEventsInOneWindowStayLinear) {
  RiskFlagsRequest r = riskAt("2026-11-23");
  const std::int64_t t = beijing("2026-11-22", 8);
  for (int i = 0; i < 200'000; ++i)
    r.registrations.push_back({"p" + std::to_string(i), t + i, "", "one-address"});
  const RiskFlags f = flags(r);
  ASSERT_EQ(f.flags.size(), 1u);
  EXPECT_EQ(f.flags[0].count, 200'000);
}

}  // namespace
}  // namespace carecircle
