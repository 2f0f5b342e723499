// The community console's staff calls over HTTP (scripts/backend/console/community.mjs):
// member lists, the health report's twelve months, referral quality, risk
// flags and their review. Staff work online: nothing is queued; the review
// carries its own Idempotency-Key.

const strip = ({ serverTimeMs, replayed, ...rest }) => rest;

/**
 * @param {{request: Function, newKey: () => string}} deps  http.js's request() and key maker
 */
export function communityConsoleHttp({ request, newKey }) {
  const get = async (path) => strip(await request('GET', path, { retries: 1 }));
  return {
    async getCommunityGroups() {
      return get('/staff/community/groups');
    },
    async getMemberListInputs(groupId) {
      return get(`/staff/community/member-list-inputs?group=${encodeURIComponent(groupId)}`);
    },
    async getCommunityReportTrend(month) {
      return get(`/staff/community/report-trend${month ? `?month=${encodeURIComponent(month)}` : ''}`);
    },
    async getReferralQualityInputs({ from, to } = {}) {
      const query = new URLSearchParams();
      if (from) query.set('from', from);
      if (to) query.set('to', to);
      const text = query.toString();
      return get(`/staff/community/referral-quality-inputs${text ? `?${text}` : ''}`);
    },
    async getRiskFlagInputs() {
      return get('/staff/community/risk-flag-inputs');
    },
    async reviewRiskFlag({ flagId, note }) {
      return strip(await request('POST', '/staff/community/risk-flags/review', { body: { flagId, ...(note ? { note } : {}) }, idempotencyKey: `risk-${newKey()}`, retries: 0 }));
    },
  };
}
