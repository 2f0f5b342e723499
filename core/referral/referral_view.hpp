// What the shell draws for referrals, computed from the graph: the patient's
// "我的推荐树" (three levels at most, G6; masked names; detailed stages only
// with the referee's consent, G7; an event feed) and the staff forest of a
// whole hospital (tidy-tree coordinates, collapse state, the visible subset
// of a viewport).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/mask_name.hpp"  // maskName: the one masking of every screen
#include "referral/referral_graph.hpp"

namespace carecircle {

struct TreeRequest {
  GraphOptions graph;
  std::vector<ReferralRecord> records;
  std::vector<PatientRecord> patients;
  int utcOffsetMinutes = 480;
  LayoutOptions layout{88, 120, 1, 2};  // px: node width, level height
};

struct FriendProgress {
  std::string recordId;
  std::string maskedName;
  ReferralStage stage = ReferralStage::kInvited;
  bool detailed = false;    // the referee consented to share detailed progress
  std::string stageLabel;   // detailed or coarse, Chinese
  int progressPercent = 0;  // for the progress bar
  int level2Count = 0;      // their referrals, anonymous (G6)
  int level3Count = 0;
  std::string indirectText;  // "间接3人：二级2人 · 三级1人", the words of the tree's "more" node
  std::int64_t invitedAtMs = 0;
};

struct FeedEvent {
  std::int64_t atMs = 0;
  std::string kind;  // accepted, arrived, converted, reward, lapsed, voided
  std::string text;
};

struct DrawNode {
  std::string key;   // stable within a reply
  std::string kind;  // self, friend, more, patient
  std::string label;
  std::string sublabel;
  double x = 0;
  double y = 0;
  int depth = 0;
  std::int32_t parent = -1;  // index into nodes, -1 when none (or, in a viewport, off screen)
  bool hasParent = false;    // draw an edge from (px, py), which may lie off screen
  double px = 0;
  double py = 0;
  int progressPercent = 0;
  int hiddenChildren = 0;
};

// Every count the referral screens show, worded once: the header, the tree,
// the list and the sheets read these and nothing else.
struct ReferralSummary {
  std::string directText;    // "直接推荐13人" (level 1)
  std::string indirectText;  // "间接推荐9人（二级6人 · 三级3人）" (levels 2–3, G6: counts only)
  bool hasReferrer = false;  // the patient joined through someone's code (one referrer each)
};

struct MyReferralTree {
  std::vector<FriendProgress> friends;  // level 1, first touch first
  int level1 = 0, level2 = 0, level3 = 0;
  ReferralSummary summary;
  std::vector<FeedEvent> feed;  // newest first
  std::vector<DrawNode> nodes;  // tree mode: pre-order; the list mode is the same order
  double minX = 0, maxX = 0, height = 0;
};

// Errors: referral.unknown_patient when `patientId` appears nowhere.
Result<MyReferralTree> myReferralTree(const TreeRequest& request, const std::string& patientId);

struct Viewport {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};

struct ForestView {
  std::size_t nodeCount = 0;              // patients in the forest
  std::size_t shownCount = 0;             // after collapsing
  std::vector<std::int64_t> levelCounts;  // patients per depth (roots = level 0)
  double minX = 0, maxX = 0, maxY = 0;
  std::vector<DrawNode> visible;  // inside the viewport (all when no viewport)
  bool truncated = false;         // more than maxVisible nodes matched
  std::vector<GraphIssue> issues;
};

// The whole forest laid out as columns, one row per shown node in
// breadth-first order (roots first): the bulk form a client keeps in typed
// arrays and culls per frame. y = depth * layout.dy.
struct ForestColumns {
  std::vector<std::int32_t> node;  // graph node of each row
  std::vector<double> x;
  std::vector<std::int32_t> depth;           // roots at 0
  std::vector<std::int32_t> parentRow;       // row of the parent, -1 for roots
  std::vector<std::int32_t> hiddenChildren;  // children hidden by collapsing
  std::vector<std::int64_t> levelCounts;     // patients per depth in the whole graph
  double minX = 0, maxX = 0, maxY = 0;
};
ForestColumns forestColumns(const ReferralGraph& graph, const LayoutOptions& layout,
                            const std::vector<bool>& collapsed);

ForestView staffForest(const TreeRequest& request, const std::vector<std::string>& collapsedIds,
                       const Viewport* viewport, std::size_t maxVisible);

// The staff forest's words for one graph node, the same in every form of the
// forest: the masked name, and the detailed stage of the referral that
// brought the patient ("" for a patient nobody referred; staff see stages).
std::string forestLabel(const ReferralGraph& graph, const std::vector<PatientRecord>& patients,
                        std::int32_t node);
const char* forestSublabel(const ReferralGraph& graph, std::int32_t node);
// Per graph node: whether its id is one of `collapsedIds` (unknown ids are ignored).
std::vector<bool> collapsedNodes(const ReferralGraph& graph,
                                 const std::vector<std::string>& collapsedIds);

}  // namespace carecircle
