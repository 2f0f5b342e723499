// The server's issuance (loops/issuance.mjs) for every patient with
// referrals, check-ins or rewards, hourly: what comes with the clock rather
// than with a change — a 90-day quality hold that ends (vesting), the 15th's
// monthly places, a referral lapsed 48 hours after its last step, a streak
// milestone. Whether or not the patient opens the app.

import { runIssuance } from '../loops/issuance.mjs';

export default {
  name: 'referral-issuance-sweep',
  cron: '3 * * * *',
  waitForLock: true,
  async run(client, { pool, ctx, channel, log }) {
    return runIssuance(pool, ctx, { scope: 'all', channel, log });
  },
};
