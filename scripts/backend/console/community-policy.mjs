// Who may use the community console (community.mjs): no imports, so the role
// policy can read it without loading the routes.

/**
 * 运营 runs the groups (member lists), the health report's trend, referral
 * quality and the risk flags it reviews; 客服 makes the reactivation calls
 * from the member lists (沉默激活).
 */
export const COMMUNITY_CONSOLE_POLICY = Object.freeze({
  operations: {
    screens: ['members', 'quality', 'risk'],
    routes: [
      'GET /staff/community/groups', 'GET /staff/community/member-list-inputs', 'GET /staff/community/report-trend',
      'GET /staff/community/referral-quality-inputs', 'GET /staff/community/risk-flag-inputs', 'POST /staff/community/risk-flags/review',
    ],
  },
  service: {
    screens: ['members'],
    routes: ['GET /staff/community/groups', 'GET /staff/community/member-list-inputs'],
  },
});

/** What each route does, for the audit log. */
export const COMMUNITY_STAFF_OPERATIONS = Object.freeze({
  'GET /staff/community/groups': 'getCommunityGroups',
  'GET /staff/community/member-list-inputs': 'getMemberListInputs',
  'GET /staff/community/report-trend': 'getCommunityReportTrend',
  'GET /staff/community/referral-quality-inputs': 'getReferralQualityInputs',
  'GET /staff/community/risk-flag-inputs': 'getRiskFlagInputs',
  'POST /staff/community/risk-flags/review': 'reviewRiskFlag',
});
