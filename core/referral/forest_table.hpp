// The staff forest as a table: the graph (ids, issues) and one row per shown
// node (columns), from which every bulk form of the forest is written — the
// JSON columns of layoutForest and the typed arrays of layoutForestTyped.
#pragma once

#include <string>
#include <vector>

#include "referral/referral_view.hpp"

namespace carecircle {

struct StaffForestTable {
  ReferralGraph graph;
  ForestColumns columns;  // rows breadth-first; columns.node[row] is a graph node
};

// The same graph, collapse and layout as staffForest() without a viewport:
// row k of `columns` is staffForest's visible[k]; label and sublabel of a row
// are forestLabel / forestSublabel of its node.
StaffForestTable staffForestTable(const TreeRequest& request,
                                  const std::vector<std::string>& collapsedIds);

}  // namespace carecircle
