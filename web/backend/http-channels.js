// The referral channels over HTTP (scripts/backend/loops/channels.mjs): the
// patient's letters and discharge cards with the link each QR carries, and
// the staff calls that hand out a card at discharge and save a KOC result.

/** The reply without the transport's metadata (server time, replay flag). */
function strip(reply) {
  if (!reply || typeof reply !== 'object') return reply;
  const { serverTimeMs, replayed, ...rest } = reply;
  return rest;
}

/**
 * @param {{request: (method: string, path: string, options?: object) => Promise<any>, newKey: () => string}} deps
 */
export function channelsHttp({ request, newKey }) {
  return {
    /** GET /me/channel-tokens: {letterTemplate, letters: [{template, channel, token, linkBase}], cards: [...]}. */
    async getChannelTokens() {
      return strip(await request('GET', '/me/channel-tokens', { retries: 1 }));
    },
    /** Staff: GET /staff/discharge-cards?patientId=…. */
    async getDischargeCards(patientId) {
      return strip(await request('GET', `/staff/discharge-cards?patientId=${encodeURIComponent(patientId)}`, { retries: 1 }));
    },
    /** Staff: POST /staff/discharge-cards (online only: whether it went through matters now). */
    async issueDischargeCard({ patientId, dischargedAtMs }) {
      return strip(await request('POST', '/staff/discharge-cards', { body: { patientId, dischargedAtMs }, idempotencyKey: `card-${newKey()}`, retries: 0 }));
    },
    /** Staff: POST /staff/clinical-moments {patientId, kind, atMs?} (an admission, a discharge, …). */
    async recordClinicalMoment({ patientId, kind, atMs }) {
      return strip(await request('POST', '/staff/clinical-moments', { body: { patientId, kind, atMs }, idempotencyKey: `moment-${newKey()}`, retries: 0 }));
    },
    /** Staff: POST /staff/koc-assessments. */
    async saveKocAssessment(body) {
      return strip(await request('POST', '/staff/koc-assessments', { body, idempotencyKey: `koc-${newKey()}`, retries: 0 }));
    },
  };
}
