// Property tests of the monthly quota (稀缺名额, "the 15th's 10 half-price
// coupons"): the core never offers a coupon the server's counter says is gone,
// so however the requests interleave, a month never issues more than its pool.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "eligibility/eligibility.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kDay = 86'400'000;

std::int64_t beijingNoon(DayNumber day) {
  return std::int64_t{day} * kDay + 4 * 3'600'000;
}

Campaign scarce(int size) {
  Campaign quota;
  quota.id = "scarce";
  quota.title = "稀缺名额";
  quota.type = CampaignType::kMonthlyQuota;
  quota.pools = {
      QuotaPool{"half", size, Reward{"half", RewardType::kVoucher, "体检半价券", 30000}}};
  return quota;
}

// A patient referred by a member, so the quota applies to them.
EligibilityRequest patient(const std::string& id, DayNumber today, int poolSize) {
  EligibilityRequest r;
  r.nowMs = beijingNoon(today);
  r.patient.id = id;
  r.campaigns = {scarce(poolSize)};
  ReferralFacts ref;
  ref.id = "r-" + id;
  ref.referrerId = "member";
  ref.refereeId = id;
  ref.refereeIsNewPatient = true;
  ref.referrerIsMember = true;
  ref.registrationConfirmedAtMs = beijingNoon(today - 20);
  r.referrals = {ref};
  return r;
}

bool offered(const EligibilityRequest& r) {
  const Result<EligibilityReport> report = evaluateEligibility(r);
  EXPECT_TRUE(report.ok()) << (report.ok() ? "" : report.error().code);
  if (!report.ok()) return false;
  for (const Grant& g : report.value().campaigns.at(0).grants) {
    if (g.state == GrantState::kIssuable) return true;
  }
  return false;
}

TEST(EligibilityProperty, NoCouponIsOfferedOnceTheCounterReachesThePool) {
  std::mt19937 rng(20261115);
  const DayNumber nov1 = *parseDate("2026-11-01");
  for (int i = 0; i < 2'000; ++i) {
    const int size = 1 + static_cast<int>(rng() % 20);
    const DayNumber today = nov1 + static_cast<int>(rng() % 30);
    const int used = static_cast<int>(rng() % (size + 5));
    EligibilityRequest r = patient("p" + std::to_string(i), today, size);
    r.pools = {PoolCounter{"scarce", "half", yearMonthOf(today), used}};
    const bool open = formatDate(today) >= "2026-11-15";
    ASSERT_EQ(offered(r), open && used < size)
        << "size " << size << " used " << used << " on " << formatDate(today);
  }
}

TEST(EligibilityProperty, AMonthNeverIssuesMoreThanItsPool) {
  // 300 patients ask in a random order on random days of November and
  // December; the server issues what the core offers and bumps its counter,
  // as the reference backend does in one transaction.
  const DayNumber nov1 = *parseDate("2026-11-01");
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    const int size = 10;
    std::vector<int> used(2, 0);  // November, December
    for (int step = 0; step < 1'500; ++step) {
      const int who = static_cast<int>(rng() % 300);
      const DayNumber today = nov1 + static_cast<int>(rng() % 61);
      const YearMonth month = yearMonthOf(today);
      int& counter = used[month.month == 11 ? 0 : 1];
      EligibilityRequest r = patient("p" + std::to_string(who), today, size);
      r.pools = {PoolCounter{"scarce", "half", month, counter}};
      if (offered(r)) ++counter;
    }
    EXPECT_LE(used[0], size) << "seed " << seed;
    EXPECT_LE(used[1], size) << "seed " << seed;
    EXPECT_EQ(used[0] + used[1] > 0, true) << "seed " << seed << ": nothing was ever offered";
  }
}

}  // namespace
}  // namespace carecircle
