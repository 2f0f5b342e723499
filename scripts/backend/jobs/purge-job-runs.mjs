// Deletes the record of job runs (job_runs, read by operations at GET
// /staff/jobs) older than JOB_RUNS_RETENTION_DAYS by the server's clock.

/** Days a job run stays listed. */
export const JOB_RUNS_RETENTION_DAYS = 30;

export default {
  name: 'purge-job-runs',
  cron: '23 4 * * *',
  async run(client, { nowMs }) {
    const { rowCount } = await client.query('DELETE FROM job_runs WHERE started_at_ms < $1::bigint', [nowMs() - JOB_RUNS_RETENTION_DAYS * 86_400_000]);
    return { deleted: rowCount };
  },
};
