// The server's issuance (loops/issuance.mjs) for the patients whose referrals
// changed: a claim, a hospital event, a complaint. Every minute, and within
// seconds of the change (the referrals table NOTIFYs; jobs/index.mjs turns
// that into a run). Each patient is its own short transaction; this job's
// transaction only holds its lock. A run on demand waits for a running one
// rather than skipping, so a change that arrived during a run is seen.

import { runIssuance } from '../loops/issuance.mjs';

export default {
  name: 'referral-issuance',
  cron: '* * * * *',
  waitForLock: true,
  async run(client, { pool, ctx, channel, log }) {
    return runIssuance(pool, ctx, { scope: 'due', channel, log });
  },
};
