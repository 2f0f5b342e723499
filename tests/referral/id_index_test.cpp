#include "referral/id_index.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "referral/referral_graph.hpp"

namespace carecircle {
namespace {

constexpr std::int64_t kT0 = 1795420800000;  // 2026-11-23T08:00:00Z

// Ids that stress the index: empty, very long, long shared prefixes that
// differ only at the end, repeats, multi-byte text.
std::vector<std::string> hostileIds(std::size_t count) {
  std::mt19937 rng(20261207);
  const std::string prefix(4096, 'p');
  std::vector<std::string> out{
      "", "", std::string(100000, 'x'), std::string(100000, 'x') + "y", "患者", "患者 "};
  while (out.size() < count) {
    switch (rng() % 4) {
      case 0:
        out.push_back(prefix + std::to_string(rng() % (count / 2 + 1)));
        break;
      case 1:
        out.push_back("p" + std::to_string(rng() % (count / 2 + 1)));
        break;
      case 2:
        out.push_back(out[rng() % out.size()]);  // a repeat
        break;
      default:
        out.push_back(std::string(rng() % 40, static_cast<char>('a' + rng() % 26)));
    }
  }
  return out;
}

TEST(IdIndex, AgreesWithAHashMapOnHostileIdsWhileGrowing) {
  const std::vector<std::string> ids = hostileIds(20000);
  // Sized for far fewer ids than it gets, so it must grow several times.
  IdIndex index(1, [&ids](std::int32_t v) -> std::string_view { return ids[v]; });
  std::unordered_map<std::string, std::int32_t> reference;
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const auto [value, inserted] = index.emplace(ids[k], static_cast<std::int32_t>(k));
    const auto [it, expected] = reference.emplace(ids[k], static_cast<std::int32_t>(k));
    ASSERT_EQ(inserted, expected) << k;
    ASSERT_EQ(value, it->second) << k;
  }
  for (const auto& [id, value] : reference) ASSERT_EQ(index.find(id), value);
  EXPECT_EQ(index.find("not listed"), -1);
  EXPECT_EQ(index.find(std::string(100000, 'x') + "z"), -1);
  EXPECT_EQ(index.find(std::string(4096, 'p')), -1);  // a prefix of many ids, itself absent
}

TEST(IdIndex, TheValueReturnedByEmplaceCanBeRedirectedToAnEqualKey) {
  const std::vector<std::string> ids{"r1", "r2", "r1"};
  IdIndex index(ids.size(), [&ids](std::int32_t v) -> std::string_view { return ids[v]; });
  index.emplace(ids[0], 0);
  index.emplace(ids[1], 1);
  auto [kept, inserted] = index.emplace(ids[2], 2);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(kept, 0);
  kept = 2;  // the later record with the same id now stands for it
  EXPECT_EQ(index.find("r1"), 2);
  EXPECT_EQ(index.find("r2"), 1);
}

TEST(ReferralGraphIds, DuplicatePatientIdsAreReportedOnceEachAndTheFirstIsKept) {
  const std::string longId(5000, 'L');
  std::vector<PatientRecord> patients{{"a", "甲", kT0}, {"", "空", 0},   {longId, "长", 0},
                                      {"a", "乙", kT0}, {"", "空二", 0}, {longId, "长二", 0}};
  ReferralRecord r;
  r.id = "r1";
  r.referrerId = "a";
  r.refereeId = longId;
  r.invitedAtMs = kT0 + 1;
  GraphOptions o;
  o.requireKnownPatients = true;
  const ReferralGraph g = buildReferralGraph({r}, patients, o);
  ASSERT_EQ(g.ids, (std::vector<std::string>{"a", "", longId}));
  EXPECT_EQ(g.patientIndex, (std::vector<std::int32_t>{0, 1, 2}));
  std::vector<std::string> messages;
  for (const GraphIssue& i : g.issues) {
    EXPECT_EQ(i.code, "referral.duplicate_patient");
    messages.push_back(i.message);
  }
  // In the order met; a long id is cut to its first 128 bytes.
  EXPECT_EQ(messages, (std::vector<std::string>{"患者编号重复:a", "患者编号重复:",
                                                "患者编号重复:" + longId.substr(0, 128)}));
  EXPECT_EQ(g.parent.at(2), 0);
}

TEST(ReferralGraphIds, AThirdCopyOfARecordIdIsComparedWithTheCurrentWinner) {
  auto rec = [](const std::string& to, std::int64_t invited) {
    ReferralRecord r;
    r.id = "same";
    r.referrerId = "a";
    r.refereeId = to;
    r.invitedAtMs = invited;
    return r;
  };
  // b loses to c, then c loses to d: only d's referral stands.
  const ReferralGraph g =
      buildReferralGraph({rec("b", kT0 + 2), rec("c", kT0 + 1), rec("d", kT0)}, {}, {});
  EXPECT_EQ(g.ids, (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(g.parent, (std::vector<std::int32_t>{-1, 0}));
  EXPECT_EQ(g.issues.size(), 2u);
}

TEST(ReferralGraphIds, UnlistedIdsOfManyRecordsAllBecomeNodesInFirstSeenOrder) {
  // No patients: the node index is sized for one node per record and must
  // grow to hold both ends of each.
  std::vector<ReferralRecord> records;
  for (int k = 0; k < 3000; ++k) {
    ReferralRecord r;
    r.id = "r" + std::to_string(k);
    r.referrerId = "from" + std::to_string(k);
    r.refereeId = "to" + std::to_string(k);
    r.invitedAtMs = kT0 + k;
    records.push_back(r);
  }
  const ReferralGraph g = buildReferralGraph(records, {}, {});
  ASSERT_EQ(g.ids.size(), 6000u);
  for (int k = 0; k < 3000; ++k) {
    ASSERT_EQ(g.ids[2 * k], "from" + std::to_string(k));
    ASSERT_EQ(g.ids[2 * k + 1], "to" + std::to_string(k));
    ASSERT_EQ(g.parent[2 * k + 1], 2 * k);
  }
  EXPECT_TRUE(g.issues.empty());
}

}  // namespace
}  // namespace carecircle
