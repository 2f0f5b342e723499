#include "referral/forest_table.hpp"

namespace carecircle {

StaffForestTable staffForestTable(const TreeRequest& request,
                                  const std::vector<std::string>& collapsedIds) {
  StaffForestTable out;
  out.graph = buildReferralGraph(request.records, request.patients, request.graph);
  out.columns = forestColumns(out.graph, request.layout, collapsedNodes(out.graph, collapsedIds));
  return out;
}

}  // namespace carecircle
