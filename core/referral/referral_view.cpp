#include "referral/referral_view.hpp"

#include <algorithm>
#include <tuple>

#include "common/civil_date.hpp"
#include "referral/id_index.hpp"

namespace carecircle {
namespace {

constexpr std::int32_t kNone = -1;

const char* detailedLabel(ReferralStage s) {
  switch (s) {
    case ReferralStage::kInvited:
      return "已邀请";
    case ReferralStage::kRegistered:
      return "已建档";
    case ReferralStage::kArrived:
      return "已到院";
    case ReferralStage::kConverted:
      return "已完成就诊";
    case ReferralStage::kVested:
      return "奖励已发放";
    case ReferralStage::kLapsed:
      return "优惠保留中";
    case ReferralStage::kVoided:
      return "已取消";
  }
  return "已邀请";
}

// Without the referee's consent (G7) only these coarse stages are shown.
const char* coarseLabel(ReferralStage s, const ReferralRecord& r) {
  switch (s) {
    case ReferralStage::kInvited:
      return "已邀请";
    case ReferralStage::kVested:
      return "奖励已发放";
    case ReferralStage::kVoided:
      return "已结束";
    case ReferralStage::kLapsed:
      return r.registeredAtMs ? "已接受邀请" : "已邀请";
    default:
      return "已接受邀请";
  }
}

// One scale for every friend, whatever the label: 邀请 20, 接受邀请 (建档) 40,
// 到院 60, 就诊 80, 奖励 100. "已接受邀请" is the coarse name of 已建档, so it
// sits at 40 too: a friend who did not consent never looks further along
// than one who did at the same step.
int percentOf(ReferralStage s, bool detailed, const ReferralRecord& r) {
  if (s == ReferralStage::kVoided) return 0;
  if (s == ReferralStage::kVested) return 100;
  if (!detailed)
    return s == ReferralStage::kInvited || (s == ReferralStage::kLapsed && !r.registeredAtMs) ? 20
                                                                                              : 40;
  if (s == ReferralStage::kLapsed) {
    return r.arrivedAtMs ? 60 : r.registeredAtMs ? 40 : 20;
  }
  return 20 * (static_cast<int>(s) + 1);
}

// "间接3人" and "二级2人 · 三级1人": the same words on the tree's node, the
// friend's sheet and the summary, so one count never reads as two.
std::string indirectLabel(int count) { return "间接" + std::to_string(count) + "人"; }
std::string levelsLabel(int level2, int level3) {
  return "二级" + std::to_string(level2) + "人 · 三级" + std::to_string(level3) + "人";
}

std::string monthDay(std::int64_t ms, int offset) {
  const DayNumber d = civilDayOf(std::clamp(ms, kMinInstantMs, kMaxInstantMs), offset);
  const YearMonth ym = yearMonthOf(d);
  return std::to_string(ym.month) + "月" + std::to_string(d - firstDayOf(ym) + 1) + "日";
}

std::string nameOf(const ReferralGraph& g, const std::vector<PatientRecord>& patients,
                   std::int32_t v) {
  const std::int32_t p = g.patientIndex[v];
  return p == kNone ? std::string() : patients[p].name;
}

void addFeed(const ReferralRecord& r, ReferralStage stage, bool detailed, const std::string& who,
             const TreeRequest& req, std::vector<FeedEvent>& feed) {
  if (r.registeredAtMs != 0) {
    feed.push_back(
        {r.registeredAtMs, "accepted",
         detailed ? "您的朋友" + who + "已建档，欢迎TA的加入" : "您邀请的一位朋友已接受邀请"});
  }
  if (detailed && r.arrivedAtMs != 0 && stage != ReferralStage::kVoided) {
    feed.push_back({r.arrivedAtMs, "arrived", "您的朋友" + who + "已到院，感谢您的信任"});
  }
  if (detailed && r.convertedAtMs != 0 && stage != ReferralStage::kVoided) {
    feed.push_back({r.convertedAtMs, "converted", "您的朋友" + who + "已完成就诊"});
  }
  if (stage == ReferralStage::kVested) {
    feed.push_back(
        {r.vestedAtMs, "reward",
         "您的" + (r.rewardTitle.empty() ? std::string("推荐奖励") : r.rewardTitle) + "已到账"});
  }
  // A lapse is inferred from the arrival and conversion instants, which only a
  // consenting referee shares (G7): without consent the backend leaves them
  // out, so a friend who did convert would read as lapsed. No lapse notice then.
  if (stage == ReferralStage::kLapsed && detailed) {
    const std::int64_t last = std::max({r.invitedAtMs, r.registeredAtMs, r.arrivedAtMs});
    const std::int64_t lapsedAt = last + req.graph.lapseAfterMs;
    const std::string until = monthDay(
        lapsedAt + std::int64_t{req.graph.offerHoldDays} * 86'400'000, req.utcOffsetMinutes);
    feed.push_back({lapsedAt, "lapsed", "您推荐的" + who + "暂未就诊，我们已为TA保留优惠至" + until});
  }
  if (stage == ReferralStage::kVoided) {
    feed.push_back({r.voidedAtMs, "voided", "您的一次推荐因收到投诉，相关奖励已取消"});
  }
}

}  // namespace

Result<MyReferralTree> myReferralTree(const TreeRequest& req, const std::string& patientId) {
  const ReferralGraph g = buildReferralGraph(req.records, req.patients, req.graph);
  const auto it = std::find(g.ids.begin(), g.ids.end(), patientId);
  if (it == g.ids.end())
    return Error{"referral.unknown_patient", "找不到该患者的推荐记录", "/patientId"};
  const auto self = static_cast<std::int32_t>(it - g.ids.begin());

  MyReferralTree out;
  // Levels 2 and 3 under each friend, counted only (G6): nothing deeper.
  for (std::int32_t k = g.childStart[self]; k < g.childStart[self + 1]; ++k) {
    const std::int32_t v = g.childList[k];
    const ReferralRecord& r = req.records[g.viaRecord[v]];
    FriendProgress f;
    f.recordId = r.id;
    f.maskedName = maskName(nameOf(g, req.patients, v));
    f.stage = g.stage[g.viaRecord[v]];
    f.detailed = r.consentToShareProgress;
    f.stageLabel = f.detailed ? detailedLabel(f.stage) : coarseLabel(f.stage, r);
    f.progressPercent = percentOf(f.stage, f.detailed, r);
    f.invitedAtMs = r.invitedAtMs;
    for (std::int32_t k2 = g.childStart[v]; k2 < g.childStart[v + 1]; ++k2) {
      const std::int32_t w = g.childList[k2];
      ++f.level2Count;
      f.level3Count += g.childStart[w + 1] - g.childStart[w];
    }
    f.indirectText = indirectLabel(f.level2Count + f.level3Count) + "：" +
                     levelsLabel(f.level2Count, f.level3Count);
    out.level1 += 1;
    out.level2 += f.level2Count;
    out.level3 += f.level3Count;
    addFeed(r, f.stage, f.detailed, f.maskedName, req, out.feed);
    out.friends.push_back(std::move(f));
  }
  std::stable_sort(out.feed.begin(), out.feed.end(), [](const FeedEvent& a, const FeedEvent& b) {
    return std::tie(b.atMs, a.kind, a.text) < std::tie(a.atMs, b.kind, b.text);
  });
  out.summary.directText = "直接推荐" + std::to_string(out.level1) + "人";
  out.summary.indirectText = "间接推荐" + std::to_string(out.level2 + out.level3) + "人（" +
                             levelsLabel(out.level2, out.level3) + "）";
  // A patient has a referrer when a record the graph kept links them to one
  // (the first touch; later claims are reported as issues and left out).
  out.summary.hasReferrer = g.parent[self] != kNone;

  // The drawing: me, my friends, and under each friend one anonymous "+N" node.
  TreeShape shape;
  std::vector<DrawNode> nodes;
  auto drawNode = [](std::string key, std::string kind, std::string label, std::string sublabel,
                     int percent) {
    DrawNode d;
    d.key = std::move(key);
    d.kind = std::move(kind);
    d.label = std::move(label);
    d.sublabel = std::move(sublabel);
    d.progressPercent = percent;
    return d;
  };
  nodes.push_back(drawNode("self", "self", "我", std::to_string(out.level1) + "位好友", 0));
  for (const FriendProgress& f : out.friends) {
    nodes.push_back(
        drawNode("friend:" + f.recordId, "friend", f.maskedName, f.stageLabel, f.progressPercent));
  }
  const std::size_t friends = out.friends.size();
  std::vector<std::int32_t> moreOf(friends, kNone);
  for (std::size_t i = 0; i < friends; ++i) {
    const int more = out.friends[i].level2Count + out.friends[i].level3Count;
    if (more == 0) continue;
    moreOf[i] = static_cast<std::int32_t>(nodes.size());
    nodes.push_back(drawNode("more:" + out.friends[i].recordId, "more", indirectLabel(more),
                             levelsLabel(out.friends[i].level2Count, out.friends[i].level3Count),
                             0));
  }
  shape.childStart.assign(nodes.size() + 1, 0);
  for (std::size_t v = 0; v < nodes.size(); ++v) {
    shape.childStart[v + 1] = shape.childStart[v];
    if (v == 0) {
      for (std::size_t i = 0; i < friends; ++i)
        shape.childList.push_back(static_cast<std::int32_t>(i + 1));
    } else if (v <= friends && moreOf[v - 1] != kNone) {
      shape.childList.push_back(moreOf[v - 1]);
    }
    shape.childStart[v + 1] = static_cast<std::int32_t>(shape.childList.size());
  }
  const TreeLayout layout = layoutTidyTree(shape, req.layout);
  for (std::size_t v = 0; v < nodes.size(); ++v) {
    nodes[v].x = layout.x[v];
    nodes[v].depth = layout.depth[v];
    nodes[v].y = layout.depth[v] * req.layout.dy;
    out.minX = std::min(out.minX, nodes[v].x);
    out.maxX = std::max(out.maxX, nodes[v].x);
    out.height = std::max(out.height, nodes[v].y);
  }
  // Pre-order (self, friend, its "+N", next friend, ...) serves both modes.
  auto attach = [&](DrawNode d, std::int32_t parentIndex) {
    d.parent = parentIndex;
    d.hasParent = true;
    d.px = out.nodes[parentIndex].x;
    d.py = out.nodes[parentIndex].y;
    out.nodes.push_back(std::move(d));
  };
  out.nodes.push_back(nodes[0]);
  for (std::size_t i = 0; i < friends; ++i) {
    attach(nodes[i + 1], 0);
    if (moreOf[i] != kNone)
      attach(nodes[moreOf[i]], static_cast<std::int32_t>(out.nodes.size() - 1));
  }
  return out;
}

ForestColumns forestColumns(const ReferralGraph& g, const LayoutOptions& layoutOptions,
                            const std::vector<bool>& collapsed) {
  ForestColumns out;
  for (std::int32_t d : g.depth) {
    if (static_cast<std::size_t>(d) >= out.levelCounts.size()) out.levelCounts.resize(d + 1, 0);
    ++out.levelCounts[d];
  }
  // The forest hangs under a virtual root (shape node 0, never drawn).
  const SubtreeShape sub = subtreeShape(g, kNone, 1 << 30, collapsed);
  const TreeLayout layout = layoutTidyTree(sub.shape, layoutOptions);
  const std::size_t shown = sub.graphNode.size();
  const std::size_t rows = shown - 1;
  out.node.resize(rows);
  out.x.resize(rows);
  out.depth.resize(rows);
  out.parentRow.assign(rows, kNone);
  out.hiddenChildren.resize(rows);
  for (std::size_t v = 0; v < shown; ++v) {
    for (std::int32_t k = sub.shape.childStart[v]; k < sub.shape.childStart[v + 1]; ++k) {
      if (v > 0) out.parentRow[sub.shape.childList[k] - 1] = static_cast<std::int32_t>(v - 1);
    }
  }
  if (rows > 0) out.minX = out.maxX = layout.x[1];
  for (std::size_t row = 0; row < rows; ++row) {
    const std::size_t v = row + 1;
    out.node[row] = sub.graphNode[v];
    out.x[row] = layout.x[v];
    out.depth[row] = layout.depth[v] - 1;
    out.hiddenChildren[row] = sub.hiddenChildren[v];
    out.minX = std::min(out.minX, out.x[row]);
    out.maxX = std::max(out.maxX, out.x[row]);
    out.maxY = std::max(out.maxY, out.depth[row] * layoutOptions.dy);
  }
  return out;
}

std::string forestLabel(const ReferralGraph& g, const std::vector<PatientRecord>& patients,
                        std::int32_t node) {
  return maskName(nameOf(g, patients, node));
}

const char* forestSublabel(const ReferralGraph& g, std::int32_t node) {
  const std::int32_t record = g.viaRecord[node];
  return record == kNone ? "" : detailedLabel(g.stage[record]);
}

std::vector<bool> collapsedNodes(const ReferralGraph& g,
                                 const std::vector<std::string>& collapsedIds) {
  std::vector<bool> collapsed(g.ids.size(), false);
  if (collapsedIds.empty()) return collapsed;
  IdIndex index(g.ids.size(), [&g](std::int32_t v) -> std::string_view { return g.ids[v]; });
  for (std::size_t v = 0; v < g.ids.size(); ++v)
    index.emplace(g.ids[v], static_cast<std::int32_t>(v));
  for (const std::string& id : collapsedIds) {
    const std::int32_t v = index.find(id);
    if (v != kNone) collapsed[v] = true;
  }
  return collapsed;
}

ForestView staffForest(const TreeRequest& req, const std::vector<std::string>& collapsedIds,
                       const Viewport* viewport, std::size_t maxVisible) {
  const ReferralGraph g = buildReferralGraph(req.records, req.patients, req.graph);
  ForestView out;
  out.nodeCount = g.ids.size();
  out.issues = g.issues;
  const std::vector<bool> collapsed = collapsedNodes(g, collapsedIds);
  const ForestColumns c = forestColumns(g, req.layout, collapsed);
  out.levelCounts = c.levelCounts;
  out.shownCount = c.x.size();
  out.minX = c.minX;
  out.maxX = c.maxX;
  out.maxY = c.maxY;
  std::vector<std::int32_t> drawIndex(c.x.size(), kNone);
  const double halfWidth = req.layout.dx / 2;
  for (std::size_t row = 0; row < c.x.size(); ++row) {
    const double x = c.x[row];
    const double y = c.depth[row] * req.layout.dy;
    if (viewport && (x + halfWidth < viewport->x0 || x - halfWidth > viewport->x1 ||
                     y < viewport->y0 || y > viewport->y1)) {
      continue;
    }
    if (out.visible.size() >= maxVisible) {
      out.truncated = true;
      continue;
    }
    const std::int32_t node = c.node[row];
    DrawNode d;
    d.key = g.ids[node];
    d.kind = "patient";
    d.label = forestLabel(g, req.patients, node);
    d.sublabel = forestSublabel(g, node);
    d.x = x;
    d.y = y;
    d.depth = c.depth[row];
    d.hiddenChildren = c.hiddenChildren[row];
    const std::int32_t p = c.parentRow[row];
    d.parent = p == kNone ? kNone : drawIndex[p];
    if (p != kNone) {
      d.hasParent = true;
      d.px = c.x[p];
      d.py = c.depth[p] * req.layout.dy;
    }
    drawIndex[row] = static_cast<std::int32_t>(out.visible.size());
    out.visible.push_back(std::move(d));
  }
  return out;
}

}  // namespace carecircle
