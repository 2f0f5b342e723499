// The referral graph (docs/api/referral.md; G5-G7 in docs/compliance.md) built from the flat records
// a backend sends, in time linear in the number of records whatever the
// shape (a one-million-long chain included), with every problem reported by
// code and the records involved. The result is a forest: each patient has at
// most one referrer (first touch wins) and there are no cycles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "referral/tree_layout.hpp"

namespace carecircle {

enum class ReferralStage { kInvited, kRegistered, kArrived, kConverted, kVested, kLapsed, kVoided };
const char* referralStageName(ReferralStage stage);

// One referral as the backend records it. Instants are epoch ms; 0 = not yet.
struct ReferralRecord {
  std::string id;
  std::string referrerId;
  std::string refereeId;
  std::int64_t invitedAtMs = 0;         // first touch; required
  std::int64_t registeredAtMs = 0;      // 建档
  std::int64_t arrivedAtMs = 0;         // 到院
  std::int64_t convertedAtMs = 0;       // 成交
  std::int64_t vestedAtMs = 0;          // reward vested (after the quality hold)
  std::int64_t voidedAtMs = 0;          // complaint
  bool consentToShareProgress = false;  // G7: the referee lets the referrer see detailed stages
  std::string rewardTitle;              // e.g. "200元健康金", shown when vested
};

struct PatientRecord {
  std::string id;
  std::string name;                 // full name, never leaves the core unmasked
  std::int64_t firstVisitAtMs = 0;  // 0 = unknown
};

struct GraphOptions {
  std::int64_t nowMs = 0;
  std::int64_t lapseAfterMs = 48 * 3'600'000;  // no conversion 48 h after the last step
  int offerHoldDays = 30;                      // a lapsed offer is held this long
  bool requireKnownPatients = false;           // true when `patients` lists everyone
};

struct GraphIssue {
  std::string code;  // referral.cycle, referral.self_referral, ...
  std::string message;
  std::vector<std::string> recordIds;
};

struct ReferralGraph {
  std::vector<std::string> ids;            // node index → patient id
  std::vector<std::int32_t> patientIndex;  // node → index into patients, -1 if unlisted
  std::vector<std::int32_t> parent;        // node → parent node, -1 for roots
  std::vector<std::int32_t> viaRecord;     // node → record that links it to its parent, -1
  std::vector<std::int32_t> childStart;    // CSR over children, ordered by first touch
  std::vector<std::int32_t> childList;
  std::vector<std::int32_t> roots;   // ordered by first touch, then id
  std::vector<std::int32_t> depth;   // roots at 0
  std::vector<ReferralStage> stage;  // per record
  std::vector<GraphIssue> issues;
};

// Never fails: every bad record becomes an issue and is left out of the forest.
ReferralGraph buildReferralGraph(const std::vector<ReferralRecord>& records,
                                 const std::vector<PatientRecord>& patients,
                                 const GraphOptions& options);

// The same graph from records already interned to patient indices 0..n-1
// (typed arrays from a client that holds a whole hospital's forest): record k
// links referrer[k] → referee[k], first touch = (invitedAtMs[k], k). Issues
// name records "#k". `ids` stays empty; roots are in index order.
struct IndexedReferrals {
  std::int32_t nodeCount = 0;
  std::vector<std::int32_t> referrer;
  std::vector<std::int32_t> referee;
  std::vector<std::int64_t> invitedAtMs;  // same length as referrer and referee
};
ReferralGraph buildReferralGraph(const IndexedReferrals& records);

// The subtree of `root` (a node of `graph`) down to `maxDepth` levels below
// it, children of `collapsed` nodes hidden, as a TreeShape plus the graph node
// of each shape node. The shape's node 0 is `root`.
struct SubtreeShape {
  TreeShape shape;
  std::vector<std::int32_t> graphNode;
  std::vector<std::int32_t>
      hiddenChildren;  // per shape node: children not shown (collapsed or too deep)
};
SubtreeShape subtreeShape(const ReferralGraph& graph, std::int32_t root, int maxDepth,
                          const std::vector<bool>& collapsed);

}  // namespace carecircle
