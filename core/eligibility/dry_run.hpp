// Dry run of one campaign over the hospital's current patients (the console's
// 试运行): who would receive what, and the budget that would be used per
// month. The same evaluation as evaluateEligibility / evaluateEligibilityBatch
// (one Evaluator per patient), so the dry run's eligible and pending patients
// are exactly the batch's; nothing is issued or stored.
//
// Large hospitals are run in chunks (≤ 10,000 patients a request): each reply
// carries the running totals, and the next request hands them back as `carry`,
// so the first rows reach the operator after one chunk and the last reply's
// totals cover every patient — the core does every sum.
#pragma once

#include <string>
#include <string_view>

namespace carecircle {

// {nowMs, utcOffsetMinutes?, campaigns, counters?, pools?, patients (≤ 10,000),
//  campaignId, carry?} → {campaignId, title, month, rows:[{patientId, status, grants}],
//  totals:{patients, eligible, pending, receiving, grants, valueFen, waitingGrants,
//  waitingFen, byMonth:[{month, grants, valueFen}]},
//  budget:{budgetFen, spentFen, plannedFen, remainingFen, exceeded, exceededInMonth}}.
// Shapes: docs/api/eligibility.md; schemas docs/schema/eligibility/dryRunCampaign.*.
std::string dryRunCampaignJson(std::string_view requestText);

}  // namespace carecircle
