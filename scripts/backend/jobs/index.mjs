// Scheduled work of the reference backend on PostgreSQL, run by pg-boss
// (a job queue in the same database: schedules, queues and workers survive
// restarts and are shared by every server process on the database).
//
// One file per job in this folder, each exporting
//   {name, cron, waitForLock?, run(client, {nowMs, pool, ctx, channel, sender, log})}
// run() runs inside one transaction and returns a short summary of what it
// changed (e.g. {deleted: 12}); the runner writes every run — what ran, why
// (schedule / event / manual), when by the server's clock, the outcome and
// the summary — into job_runs, which operations read at GET /staff/jobs.
//
// Every server schedules every job on pg-boss (a cron per job, kept once in
// the database) and works its queue; the queues are "stately" (at most one
// waiting and one running job each). On top of pg-boss's own guarantees a
// transaction-scoped advisory lock per job name keeps two runs of one job
// apart: a purge skips when another is running, the issuance waits (a change
// that arrived during one run is seen by the next). A change to a referral
// (INSERT/UPDATE on referrals NOTIFYs carecircle_referrals_changed) queues an
// issuance run at once, so a hospital event reaches the referrer's inbox in
// seconds, not at the next minute. A failing run (PostgreSQL gone) is
// recorded when it can be and tried again at the next tick; it never stops
// the server.
//
// The application's database role may not create schemas (least privilege):
// the database's owner creates the schema `pgboss` for it (db.mjs
// startPostgres does), and installJobRunner creates pg-boss's tables in it.
//
// To add a job: write jobs/<name>.mjs and list it in JOBS below.

import pg from 'pg';
import PgBoss from 'pg-boss';

import deliverNotifications from './deliver-notifications.mjs';
import purgeExpiredSessions from './purge-expired-sessions.mjs';
import purgeIdempotencyKeys from './purge-idempotency-keys.mjs';
import purgeJobRuns from './purge-job-runs.mjs';
import promoteCampaignVersions from './promote-campaign-versions.mjs';
import referralIssuance from './referral-issuance.mjs';
import referralIssuanceSweep from './referral-issuance-sweep.mjs';

/** The jobs every server runs. */
export const JOBS = [purgeIdempotencyKeys, purgeExpiredSessions, purgeJobRuns, referralIssuance, referralIssuanceSweep, deliverNotifications, promoteCampaignVersions];

/** pg-boss's schema. */
export const JOB_SCHEMA = 'pgboss';
/** The zone the crons are read in (the programme's). */
export const JOB_TIME_ZONE = 'Asia/Shanghai';
const REFERRALS_CHANNEL = 'carecircle_referrals_changed';

/**
 * Creates pg-boss's tables once (pg-boss migrates them itself afterwards).
 * With the schema already there (made by the database's owner), the plan's
 * own CREATE SCHEMA, which needs a privilege the role does not have, is left out.
 * @param {import('pg').Pool} pool
 */
export async function installJobRunner(pool) {
  const state = async () =>
    (
      await pool.query(
        `SELECT to_regclass($1) IS NOT NULL AS installed,
                EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $2) AS has_schema,
                has_database_privilege(current_database(), 'CREATE') AS may_create`,
        [`${JOB_SCHEMA}.version`, JOB_SCHEMA],
      )
    ).rows[0];
  const before = await state();
  if (before.installed) return;
  if (!before.has_schema && !before.may_create) {
    throw new Error(
      `job runner: the schema ${JOB_SCHEMA} is missing and this database role may not create it; ` +
        `the database's owner runs: CREATE SCHEMA ${JOB_SCHEMA} AUTHORIZATION <the server's role>`,
    );
  }
  let plan = PgBoss.getConstructionPlans(JOB_SCHEMA);
  if (before.has_schema) plan = plan.replace(new RegExp(`CREATE SCHEMA IF NOT EXISTS ${JOB_SCHEMA}\\s*;`), '');
  const client = await pool.connect();
  try {
    await client.query(plan);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    // Another server installed it at the same time: fine.
    if (!(await state()).installed) throw error;
  } finally {
    client.release();
  }
}

async function recordRun(pool, row) {
  await pool.query(
    `INSERT INTO job_runs (job, cause, started_at_ms, finished_at_ms, outcome, summary, error) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [row.job, row.cause, row.startedAtMs, row.finishedAtMs, row.outcome, JSON.stringify(row.summary ?? {}), row.error ?? null],
  );
}

/**
 * Runs one job now, in one transaction under its advisory lock, and records the run.
 * @param {import('pg').Pool} pool
 * @param {{name: string, run: Function, waitForLock?: boolean}} job
 * @param {{nowMs?: () => number, ctx?: object, sender?: object | null, cause?: string, log?: (line: string) => void}} [options]
 * @returns {Promise<{ran: boolean, summary?: object}>} ran: false when another run held the lock
 */
export async function runJob(pool, job, { nowMs = Date.now, ctx = { nowMs }, sender = null, cause = 'manual', log = () => {} } = {}) {
  const startedAtMs = nowMs();
  const client = await pool.connect();
  let broken = null;
  const onError = (error) => {
    broken = error;
  };
  client.on('error', onError);
  let summary;
  try {
    await client.query('BEGIN');
    const lockKey = `carecircle.job.${job.name}`;
    if (job.waitForLock) {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
    } else {
      const { rows } = await client.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [lockKey]);
      if (!rows[0].locked) {
        await client.query('ROLLBACK');
        return { ran: false };
      }
    }
    summary = await job.run(client, { nowMs, pool, ctx, channel: sender?.channel ?? null, sender, log });
    await client.query('COMMIT');
  } catch (error) {
    broken ??= error;
    await client.query('ROLLBACK').catch(() => {});
    await recordRun(pool, {
      job: job.name,
      cause,
      startedAtMs,
      finishedAtMs: Math.max(startedAtMs, nowMs()),
      outcome: 'failed',
      error: String(error?.message ?? error).slice(0, 500),
    }).catch(() => {});
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken ? new Error(String(broken?.message ?? broken)) : undefined);
  }
  await recordRun(pool, { job: job.name, cause, startedAtMs, finishedAtMs: Math.max(startedAtMs, nowMs()), outcome: 'done', summary }).catch(
    (error) => log(`job ${job.name}: run not recorded: ${error.message}`),
  );
  return { ran: true, summary };
}

/**
 * Starts the job runner: pg-boss with a schedule and a worker per job, and a
 * listener that queues the issuance when a referral changes.
 * @param {import('pg').Pool} pool the server's pool (jobs run on it)
 * @param {{databaseUrl: string, ctx: {core: object, nowMs: () => number}, sender?: object | null,
 *   jobs?: object[], log?: (line: string) => void, schedule?: boolean, pollingIntervalSeconds?: number}} options
 * @returns {Promise<{runNow: (name: string) => Promise<{ran: boolean, summary?: object}>,
 *   enqueue: (name: string, cause?: string) => Promise<void>, stop: () => Promise<void>}>}
 */
export async function startJobs(pool, { databaseUrl, ctx, sender = null, jobs = JOBS, log = () => {}, schedule = true, pollingIntervalSeconds = 2 }) {
  if (!databaseUrl) throw new Error('startJobs: databaseUrl is required');
  const byName = new Map(jobs.map((job) => [job.name, job]));
  const options = (cause) => ({ nowMs: ctx.nowMs, ctx, sender, cause, log });
  await installJobRunner(pool);

  const boss = new PgBoss({
    connectionString: databaseUrl,
    schema: JOB_SCHEMA,
    max: 4,
    application_name: 'carecircle-jobs',
    schedule,
    supervise: true,
  });
  // pg-boss reports lost connections here; without a listener an EventEmitter would throw.
  boss.on('error', (error) => log(`job runner: ${error.message}`));
  await boss.start();
  for (const job of jobs) {
    // A run left active by a killed process expires after 2 minutes (a stately queue activates one at a time).
    await boss.createQueue(job.name, { policy: 'stately', retryLimit: 0, expireInSeconds: 120 });
    if (schedule) await boss.schedule(job.name, job.cron, { cause: 'schedule' }, { tz: JOB_TIME_ZONE });
    await boss.work(job.name, { pollingIntervalSeconds, batchSize: 1 }, async ([item]) => {
      const cause = item?.data?.cause === 'event' ? 'event' : item?.data?.cause === 'manual' ? 'manual' : 'schedule';
      try {
        const result = await runJob(pool, job, options(cause));
        if (result.ran) log(`job ${job.name} (${cause}): ${JSON.stringify(result.summary ?? {})}`);
      } catch (error) {
        log(`job ${job.name} failed (the next tick retries): ${error.message}`);
      }
    });
  }

  // A referral changed (claim, hospital event, complaint): queue an issuance run now.
  let listener = null;
  let stopped = false;
  const listen = async () => {
    if (stopped || !byName.has(referralIssuance.name)) return;
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'carecircle-jobs-listen' });
    client.on('notification', () => {
      boss.send(referralIssuance.name, { cause: 'event' }).catch((error) => log(`job runner: ${error.message}`));
    });
    client.on('error', (error) => {
      log(`job runner: listener lost (${error.message}); reconnecting`);
      client.end().catch(() => {});
      if (listener === client) listener = null;
      if (!stopped) setTimeout(() => listen().catch(() => {}), 2_000).unref();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${REFERRALS_CHANNEL}`);
      listener = client;
    } catch (error) {
      client.end().catch(() => {});
      log(`job runner: cannot listen (${error.message}); retrying`);
      if (!stopped) setTimeout(() => listen().catch(() => {}), 2_000).unref();
    }
  };
  await listen();

  return {
    /** Runs a job in this process now (tests, operations), recorded as manual. */
    runNow(name) {
      const job = byName.get(name);
      if (!job) return Promise.reject(new Error(`no job ${name}`));
      return runJob(pool, job, options('manual'));
    },
    /** Queues a run on pg-boss (any server's worker takes it). */
    async enqueue(name, cause = 'manual') {
      if (!byName.has(name)) throw new Error(`no job ${name}`);
      await boss.send(name, { cause });
    },
    async stop() {
      stopped = true;
      const l = listener;
      listener = null;
      await l?.end().catch(() => {});
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 }).catch((error) => log(`job runner: stop: ${error.message}`));
    },
  };
}
