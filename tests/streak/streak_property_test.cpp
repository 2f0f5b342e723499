// Property test: whatever a patient does — days missed, check-ins arriving
// days late from an offline phone, make-ups, duplicates — a milestone voucher
// is never issued twice for the same streak block.
//
// The simulation does what a backend does: every evening it evaluates the
// streak with the blocks granted so far, issues every block the core calls new
// under its key, and passes it back as granted from then on. 300 seeded
// histories of 120 days each.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "streak/streak.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::int64_t kDay = 24 * kHour;

// Epoch ms of `hour` o'clock on `day` in Beijing (UTC+8).
std::int64_t at(DayNumber day, int hour) {
  return std::int64_t{day} * kDay + (hour - 8) * kHour;
}

struct Pending {
  CheckInRecord record;
  DayNumber arrivesOn = 0;  // the phone syncs on this day
};

TEST(StreakProperty, AVoucherIsNeverIssuedTwiceForTheSameBlock) {
  const DayNumber first = *parseDate("2026-06-01");
  std::size_t vouchers = 0;
  for (unsigned seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const double diligence = 0.55 + 0.45 * u(rng);  // how often this patient checks in
    StreakRequest request;
    request.patientId = "p1";
    request.hasStartDay = true;
    request.startDay = first;
    std::vector<Pending> inFlight;
    std::map<std::string, GrantedMilestone> issued;  // key → block
    std::int64_t seq = 0;
    int counted = 0;

    for (DayNumber today = first; today < first + 120; ++today) {
      if (u(rng) < diligence) {
        Pending p;
        p.record.id = "c" + std::to_string(++seq);
        p.record.patientId = "p1";
        p.record.atMs = at(today, 7 + static_cast<int>(u(rng) * 15));
        p.record.seq = seq;
        // One check-in in five waits offline for 1..4 days; some are sent twice.
        p.arrivesOn = today + (u(rng) < 0.2 ? 1 + static_cast<int>(u(rng) * 4) : 0);
        inFlight.push_back(p);
        if (u(rng) < 0.05) {
          Pending again = p;
          again.record.id += "-dup";
          inFlight.push_back(again);
        }
      } else if (u(rng) < 0.3) {
        // A make-up for a day in the window (the core decides whether it counts).
        Pending p;
        p.record.id = "m" + std::to_string(++seq);
        p.record.patientId = "p1";
        p.record.kind = CheckInKind::kMakeUp;
        p.record.forDay = today - 1 - static_cast<int>(u(rng) * 3);
        p.record.atMs = at(today, 21);
        p.record.seq = seq;
        p.arrivesOn = today;
        inFlight.push_back(p);
      }
      for (auto it = inFlight.begin(); it != inFlight.end();) {
        if (it->arrivesOn <= today) {
          request.checkIns.push_back(it->record);
          it = inFlight.erase(it);
        } else {
          ++it;
        }
      }

      // The evening sync: evaluate, issue what is new, pass it back.
      request.nowMs = at(today, 22);
      const Result<StreakReport> report = evaluateStreak(request);
      ASSERT_TRUE(report.ok()) << "seed " << seed << ": " << report.error().code;
      counted = report.value().total;
      for (const MilestoneBlock& block : report.value().milestones) {
        if (block.state != MilestoneState::kNew) {
          ASSERT_TRUE(issued.count(block.key))
              << "seed " << seed << ": granted echo of an unissued block";
          continue;
        }
        ASSERT_FALSE(issued.count(block.key))
            << "seed " << seed << ": block " << block.key << " offered twice";
        const GrantedMilestone granted{block.ruleId, block.fromDay, block.toDay};
        issued.emplace(block.key, granted);
        request.granted.push_back(granted);
      }
      // Asking again at once offers nothing new: issuing is idempotent.
      const Result<StreakReport> again = evaluateStreak(request);
      ASSERT_TRUE(again.ok());
      for (const MilestoneBlock& block : again.value().milestones)
        ASSERT_EQ(block.state, MilestoneState::kGranted)
            << "seed " << seed << " day " << formatDate(today);
    }

    // No two issued blocks share a day; each spans at least a block's worth
    // of days; there are never more vouchers than whole blocks of counted days.
    std::set<DayNumber> used;
    for (const auto& [key, block] : issued) {
      ASSERT_GE(block.toDay - block.fromDay + 1, 7) << key;
      for (DayNumber d = block.fromDay; d <= block.toDay; ++d)
        ASSERT_TRUE(used.insert(d).second)
            << "seed " << seed << ": " << formatDate(d) << " in two blocks";
    }
    ASSERT_LE(static_cast<int>(issued.size()), counted / 7) << "seed " << seed;
    vouchers += issued.size();
  }
  // The histories do earn vouchers (about one a week for a diligent patient).
  EXPECT_GT(vouchers, 300u * 5);
}

}  // namespace
}  // namespace carecircle
