// Tidy-tree layout: Buchheim, Jünger and Leipert's linear-time improvement of
// Walker's algorithm ("Improving Walker's Algorithm to Run in Linear Time",
// 2002), written to give exactly the coordinates of d3-hierarchy's
// d3.tree().nodeSize([dx, dy]) with a separation of
// (a.parent === b.parent ? siblingSeparation : cousinSeparation): the same
// double-precision operations in the same order, so a test can compare with
// d3 bit for bit. Iterative throughout: a million-deep chain must not use a
// million stack frames (the wasm stack is small).
#pragma once

#include <cstdint>
#include <vector>

namespace carecircle {

// A rooted tree in compressed form: node 0 is the root; the children of node
// v are childList[childStart[v] .. childStart[v + 1]) in left-to-right order.
// childStart has nodeCount + 1 entries.
struct TreeShape {
  std::vector<std::int32_t> childStart;
  std::vector<std::int32_t> childList;
  std::size_t nodeCount() const { return childStart.empty() ? 0 : childStart.size() - 1; }
};

struct LayoutOptions {
  double dx = 1;                 // node width: d3 nodeSize()[0]
  double dy = 1;                 // level height: d3 nodeSize()[1]
  double siblingSeparation = 1;  // separation between siblings, in node widths
  double cousinSeparation = 2;   // separation between non-siblings
};

struct TreeLayout {
  std::vector<double> x;            // per node, root at 0
  std::vector<std::int32_t> depth;  // per node, root at 0; y = depth * dy
};

// Precondition: `shape` is a tree rooted at 0 (every other node has exactly
// one parent, no cycles) — the referral graph builder guarantees it.
TreeLayout layoutTidyTree(const TreeShape& shape, const LayoutOptions& options);

}  // namespace carecircle
