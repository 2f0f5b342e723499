// The console's campaign calls over HTTP (scripts/backend/console/campaigns.mjs
// answers them): the list with every version, a save (create, edit a draft,
// publish, or schedule a new version of a running campaign) and one chunk of
// the dry run. The server decides everything; a refusal carries the core's
// violations (BackendError.violations) for the form to show next to its fields.

/**
 * @param {{request: Function, newKey: () => string}} deps  http.js's request() and key maker
 */
export function campaignsHttp({ request, newKey }) {
  const strip = (value) => {
    const { serverTimeMs, replayed, ...rest } = value;
    return rest;
  };
  return {
    /** GET /staff/campaigns → {today, campaigns}. */
    async getCampaigns() {
      return strip(await request('GET', '/staff/campaigns', { retries: 1 }));
    },
    /** POST /staff/campaigns {campaign, effectiveFrom?} → {outcome, campaignId, version, effectiveFromMs}. */
    async saveCampaign({ campaign, effectiveFrom }) {
      const body = { campaign, ...(effectiveFrom ? { effectiveFrom } : {}) };
      return strip(await request('POST', '/staff/campaigns', { body, idempotencyKey: `campaign-${newKey()}`, retries: 0 }));
    },
    /** POST /staff/campaigns/dry-run {campaign, after?, carry?} → one chunk (the server's reply). */
    async dryRunCampaign({ campaign, after, carry }) {
      const body = { campaign, ...(after ? { after } : {}), ...(carry ? { carry } : {}) };
      // Not a mutation (nothing is written); the client sends a key like for every POST.
      return strip(await request('POST', '/staff/campaigns/dry-run', { body, idempotencyKey: `dry-run-${newKey()}`, retries: 1 }));
    },
  };
}
