#include "referral/referral_graph.hpp"

#include <algorithm>
#include <string_view>
#include <tuple>

#include "referral/id_index.hpp"

namespace carecircle {
namespace {

constexpr std::int32_t kNone = -1;

// Who touched first: earliest invitation, then record id (a total order, so
// the arrival order of records can never change the forest).
bool touchesEarlier(const ReferralRecord& a, const ReferralRecord& b) {
  return std::tie(a.invitedAtMs, a.id) < std::tie(b.invitedAtMs, b.id);
}

bool sameContent(const ReferralRecord& a, const ReferralRecord& b) {
  return std::tie(a.referrerId, a.refereeId, a.invitedAtMs, a.registeredAtMs, a.arrivedAtMs,
                  a.convertedAtMs, a.vestedAtMs, a.voidedAtMs, a.consentToShareProgress,
                  a.rewardTitle) == std::tie(b.referrerId, b.refereeId, b.invitedAtMs,
                                             b.registeredAtMs, b.arrivedAtMs, b.convertedAtMs,
                                             b.vestedAtMs, b.voidedAtMs, b.consentToShareProgress,
                                             b.rewardTitle);
}

// The stage a record has reached; timestamps that go backwards are an issue
// and the stage stops at the last step that is in order.
ReferralStage stageOf(const ReferralRecord& r, const GraphOptions& o, bool& regressed) {
  regressed = false;
  if (r.voidedAtMs != 0) return ReferralStage::kVoided;
  const std::int64_t steps[] = {r.invitedAtMs, r.registeredAtMs, r.arrivedAtMs, r.convertedAtMs,
                                r.vestedAtMs};
  int reached = 0;
  std::int64_t last = r.invitedAtMs;
  for (int k = 1; k < 5; ++k) {
    if (steps[k] == 0) continue;  // a step the backend did not record (e.g. walk-in without 建档)
    if (steps[k] < last) {
      regressed = true;
      break;
    }
    reached = k;
    last = steps[k];
  }
  static constexpr ReferralStage kByStep[] = {ReferralStage::kInvited, ReferralStage::kRegistered,
                                              ReferralStage::kArrived, ReferralStage::kConverted,
                                              ReferralStage::kVested};
  const ReferralStage stage = kByStep[reached];
  // 48 h after the last step without a conversion, the offer lapses: it is
  // held for a month and a recovery call is due (seed 001, 失败挽回).
  if (reached < 3 && o.nowMs != 0 && o.nowMs - last >= o.lapseAfterMs)
    return ReferralStage::kLapsed;
  return stage;
}

}  // namespace

const char* referralStageName(ReferralStage stage) {
  switch (stage) {
    case ReferralStage::kInvited:
      return "invited";
    case ReferralStage::kRegistered:
      return "registered";
    case ReferralStage::kArrived:
      return "arrived";
    case ReferralStage::kConverted:
      return "converted";
    case ReferralStage::kVested:
      return "vested";
    case ReferralStage::kLapsed:
      return "lapsed";
    case ReferralStage::kVoided:
      return "voided";
  }
  return "invited";
}

namespace {

// Steps 2-4 on records already resolved to node indices: one referrer per
// referee, cycles broken, children and roots in first-touch order, depths.
// `earlier(a, b)` orders records by first touch; `name(k)` names record k in
// issues; `referrerNode/refereeNode` are -1 for records left out.
template <typename Earlier, typename Name>
void linkForest(ReferralGraph& g, std::size_t recordCount,
                const std::vector<std::int32_t>& referrerNode,
                const std::vector<std::int32_t>& refereeNode, Earlier earlier, Name name) {
  // 2. One referrer per referee: first touch wins, the others are reported.
  const std::size_t n = g.parent.size();
  g.viaRecord.assign(n, kNone);
  for (std::size_t k = 0; k < recordCount; ++k) {
    if (refereeNode[k] == kNone) continue;
    const std::int32_t child = refereeNode[k];
    const std::int32_t current = g.viaRecord[child];
    if (current == kNone) {
      g.viaRecord[child] = static_cast<std::int32_t>(k);
      continue;
    }
    const bool newer = earlier(static_cast<std::int32_t>(k), current);
    const std::int32_t loser = newer ? current : static_cast<std::int32_t>(k);
    if (newer) g.viaRecord[child] = static_cast<std::int32_t>(k);
    g.issues.push_back({"referral.duplicate_referee",
                        "同一位朋友被多人推荐，以最先邀请的为准",
                        {name(g.viaRecord[child]), name(loser)}});
  }
  for (std::size_t v = 0; v < n; ++v) {
    if (g.viaRecord[v] != kNone) g.parent[v] = referrerNode[g.viaRecord[v]];
  }

  // 3. Cycles: with at most one parent each, walk up from every node once.
  //    A cycle is broken at its most recent touch, which is reported.
  std::vector<std::uint8_t> mark(n, 0);  // 0 new, 1 on the current walk, 2 done
  std::vector<std::int32_t> path;
  for (std::size_t start = 0; start < n; ++start) {
    if (mark[start]) continue;
    path.clear();
    std::int32_t v = static_cast<std::int32_t>(start);
    while (v != kNone && mark[v] == 0) {
      mark[v] = 1;
      path.push_back(v);
      v = g.parent[v];
    }
    if (v != kNone && mark[v] == 1) {  // back on this walk: v..end of path is a cycle
      const auto from = std::find(path.begin(), path.end(), v);
      std::int32_t latest = *from;
      GraphIssue issue{"referral.cycle", "推荐关系形成了环，已在最近一次邀请处断开", {}};
      for (auto it = from; it != path.end(); ++it) {
        issue.recordIds.push_back(name(g.viaRecord[*it]));
        if (earlier(g.viaRecord[latest], g.viaRecord[*it])) latest = *it;
      }
      std::sort(issue.recordIds.begin(), issue.recordIds.end());
      g.issues.push_back(std::move(issue));
      g.parent[latest] = kNone;
      g.viaRecord[latest] = kNone;
    }
    for (std::int32_t p : path) mark[p] = 2;
  }

  // 4. Children in first-touch order (CSR), roots, depths.
  g.childStart.assign(n + 1, 0);
  for (std::size_t v = 0; v < n; ++v) {
    if (g.parent[v] != kNone) ++g.childStart[g.parent[v] + 1];
  }
  for (std::size_t v = 0; v < n; ++v) g.childStart[v + 1] += g.childStart[v];
  g.childList.assign(g.childStart[n], kNone);
  std::vector<std::int32_t> fill(g.childStart.begin(), g.childStart.end() - 1);
  for (std::size_t v = 0; v < n; ++v) {
    if (g.parent[v] != kNone)
      g.childList[fill[g.parent[v]]++] = static_cast<std::int32_t>(v);
    else
      g.roots.push_back(static_cast<std::int32_t>(v));
  }
  auto firstTouch = [&](std::int32_t a, std::int32_t b) {
    const std::int32_t ra = g.viaRecord[a], rb = g.viaRecord[b];
    if (ra == kNone || rb == kNone) {
      if (ra != kNone || rb != kNone) return ra == kNone;
      return g.ids.empty() ? a < b : g.ids[a] < g.ids[b];
    }
    return earlier(ra, rb);
  };
  for (std::size_t v = 0; v < n; ++v) {
    std::sort(g.childList.begin() + g.childStart[v], g.childList.begin() + g.childStart[v + 1],
              firstTouch);
  }
  if (!g.ids.empty()) {
    std::sort(g.roots.begin(), g.roots.end(),
              [&](std::int32_t a, std::int32_t b) { return g.ids[a] < g.ids[b]; });
  }
  g.depth.assign(n, 0);
  std::vector<std::int32_t> stack(g.roots.begin(), g.roots.end());
  while (!stack.empty()) {
    const std::int32_t v = stack.back();
    stack.pop_back();
    for (std::int32_t k = g.childStart[v]; k < g.childStart[v + 1]; ++k) {
      g.depth[g.childList[k]] = g.depth[v] + 1;
      stack.push_back(g.childList[k]);
    }
  }
  std::stable_sort(g.issues.begin(), g.issues.end(), [](const GraphIssue& a, const GraphIssue& b) {
    return std::tie(a.code, a.recordIds) < std::tie(b.code, b.recordIds);
  });
}

}  // namespace

ReferralGraph buildReferralGraph(const std::vector<ReferralRecord>& records,
                                 const std::vector<PatientRecord>& patients,
                                 const GraphOptions& options) {
  ReferralGraph g;
  // Node → its id as a view of the request's own string (stable while this runs).
  std::vector<std::string_view> nodeKey;
  nodeKey.reserve(patients.size() + records.size());
  IdIndex node(patients.size() + records.size(), [&nodeKey](std::int32_t v) { return nodeKey[v]; });
  auto addNode = [&](const std::string& id, std::int32_t patient) -> std::int32_t {
    const auto [v, inserted] = node.emplace(id, static_cast<std::int32_t>(g.ids.size()));
    if (inserted) {
      nodeKey.push_back(id);
      g.ids.push_back(id);
      g.patientIndex.push_back(patient);
    } else if (patient != kNone && g.patientIndex[v] == kNone) {
      g.patientIndex[v] = patient;
    }
    return v;
  };
  for (std::size_t p = 0; p < patients.size(); ++p) {
    const auto before = g.ids.size();
    addNode(patients[p].id, static_cast<std::int32_t>(p));
    if (g.ids.size() == before) {
      g.issues.push_back(
          {"referral.duplicate_patient", "患者编号重复:" + patients[p].id.substr(0, 128), {}});
    }
  }

  // 1. One record per id; then per-record checks.
  g.stage.assign(records.size(), ReferralStage::kInvited);
  IdIndex byId(records.size(),
               [&records](std::int32_t k) -> std::string_view { return records[k].id; });
  std::vector<bool> usable(records.size(), true);
  for (std::size_t k = 0; k < records.size(); ++k) {
    const auto [kept, inserted] = byId.emplace(records[k].id, static_cast<std::int32_t>(k));
    if (inserted) continue;
    const std::int32_t other = kept;
    if (sameContent(records[other], records[k])) {
      usable[k] = false;  // the same delivery twice
      continue;
    }
    // Keep the earlier touch, whatever the arrival order.
    const std::int32_t loser =
        touchesEarlier(records[k], records[other]) ? other : static_cast<std::int32_t>(k);
    if (loser == other) kept = static_cast<std::int32_t>(k);
    usable[loser] = false;
    g.issues.push_back({"referral.duplicate_record",
                        "同一编号的推荐记录内容不一致，仅保留最早的一条",
                        {records[loser].id}});
  }
  std::vector<std::int32_t> referrerNode(records.size(), kNone), refereeNode(records.size(), kNone);
  for (std::size_t k = 0; k < records.size(); ++k) {
    if (!usable[k]) continue;
    const ReferralRecord& r = records[k];
    bool regressed = false;
    g.stage[k] = stageOf(r, options, regressed);
    if (regressed) {
      g.issues.push_back({"referral.stage_regression",
                          "推荐进度的时间先后颠倒，已按最后一个有效环节计算",
                          {r.id}});
    }
    if (r.referrerId == r.refereeId) {
      usable[k] = false;
      g.issues.push_back({"referral.self_referral", "不能推荐自己", {r.id}});
      continue;
    }
    if (options.requireKnownPatients &&
        (node.find(r.referrerId) == kNone || node.find(r.refereeId) == kNone)) {
      usable[k] = false;
      g.issues.push_back({"referral.unknown_id", "推荐记录引用了不存在的患者", {r.id}});
      continue;
    }
    referrerNode[k] = addNode(r.referrerId, kNone);
    refereeNode[k] = addNode(r.refereeId, kNone);
    const std::int32_t referrerPatient = g.patientIndex[referrerNode[k]];
    const std::int32_t refereePatient = g.patientIndex[refereeNode[k]];
    if (referrerPatient != kNone && refereePatient != kNone &&
        patients[refereePatient].firstVisitAtMs != 0 &&
        patients[referrerPatient].firstVisitAtMs != 0 &&
        patients[refereePatient].firstVisitAtMs < patients[referrerPatient].firstVisitAtMs) {
      usable[k] = false;
      g.issues.push_back({"referral.referee_predates_referrer",
                          "被推荐人比推荐人更早在本院就诊，不计为推荐",
                          {r.id}});
    }
  }

  for (std::size_t k = 0; k < records.size(); ++k) {
    if (!usable[k]) refereeNode[k] = kNone;
  }
  g.parent.assign(g.ids.size(), kNone);
  linkForest(
      g, records.size(), referrerNode, refereeNode,
      [&](std::int32_t a, std::int32_t b) { return touchesEarlier(records[a], records[b]); },
      [&](std::int32_t k) { return records[k].id; });
  return g;
}

ReferralGraph buildReferralGraph(const IndexedReferrals& in) {
  ReferralGraph g;
  const std::size_t records = in.referrer.size();
  std::vector<std::int32_t> referrerNode(records, kNone), refereeNode(records, kNone);
  for (std::size_t k = 0; k < records; ++k) {
    const std::int32_t a = in.referrer[k], b = in.referee[k];
    if (a < 0 || b < 0 || a >= in.nodeCount || b >= in.nodeCount) {
      g.issues.push_back(
          {"referral.unknown_id", "推荐记录引用了不存在的患者", {"#" + std::to_string(k)}});
    } else if (a == b) {
      g.issues.push_back({"referral.self_referral", "不能推荐自己", {"#" + std::to_string(k)}});
    } else {
      referrerNode[k] = a;
      refereeNode[k] = b;
    }
  }
  g.parent.assign(static_cast<std::size_t>(std::max(in.nodeCount, 0)), kNone);
  g.patientIndex.assign(g.parent.size(), kNone);
  g.stage.assign(records, ReferralStage::kInvited);
  linkForest(
      g, records, referrerNode, refereeNode,
      [&](std::int32_t a, std::int32_t b) {
        return std::tie(in.invitedAtMs[a], a) < std::tie(in.invitedAtMs[b], b);
      },
      [](std::int32_t k) { return "#" + std::to_string(k); });
  return g;
}

SubtreeShape subtreeShape(const ReferralGraph& graph, std::int32_t root, int maxDepth,
                          const std::vector<bool>& collapsed) {
  // Breadth-first so that each node's children are contiguous in childList;
  // root == -1 is a virtual root over the whole forest.
  SubtreeShape out;
  std::vector<std::int32_t> queue{root};
  std::vector<std::int32_t> levels{0};
  out.graphNode.push_back(root);
  out.shape.childStart.push_back(0);
  for (std::size_t head = 0; head < queue.size(); ++head) {
    const std::int32_t v = queue[head];
    const bool open =
        levels[head] < maxDepth &&
        (v == kNone || v >= static_cast<std::int32_t>(collapsed.size()) || !collapsed[v]);
    std::int32_t hidden = 0;
    auto visit = [&](std::int32_t child) {
      if (open) {
        queue.push_back(child);
        levels.push_back(levels[head] + 1);
        out.graphNode.push_back(child);
        out.shape.childList.push_back(static_cast<std::int32_t>(queue.size() - 1));
      } else {
        ++hidden;
      }
    };
    if (v == kNone) {
      for (std::int32_t r : graph.roots) visit(r);
    } else {
      for (std::int32_t k = graph.childStart[v]; k < graph.childStart[v + 1]; ++k)
        visit(graph.childList[k]);
    }
    out.shape.childStart.push_back(static_cast<std::int32_t>(out.shape.childList.size()));
    out.hiddenChildren.push_back(hidden);
  }
  return out;
}

}  // namespace carecircle
