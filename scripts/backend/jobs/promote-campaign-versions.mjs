// Makes a campaign's scheduled version live on its day (console/campaigns.mjs):
// at the start of the version's civil day the running version ends and the new
// one replaces it in the live set, under the same id. The console's campaign
// routes do the same before they answer; this job makes the change happen on
// time even when nobody opens the console.
import { promoteDueVersions } from '../console/campaigns.mjs';

export default {
  name: 'promote-campaign-versions',
  // Every five minutes (pg-boss cron, the programme's zone): a new version is live within minutes of midnight.
  cron: '*/5 * * * *',
  async run(client, { nowMs }) {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('carecircle.campaigns'))");
    return { promoted: await promoteDueVersions(client, nowMs) };
  },
};
