// Scheduled jobs of the reference backend, run inside the server process.
//
// One file per job in this folder, each exporting {name, everyMs, run}:
//   run(client, {nowMs}) runs in its own transaction and returns a short
//   summary (e.g. {deleted: 12}).
// Every instance of the server schedules every job; a transaction-scoped
// advisory lock per job name lets one instance at a time run it, the others
// skip that round (two servers on one PostgreSQL never purge twice at once).
// A failing run (PostgreSQL gone) is logged and tried again next round;
// it never stops the server.
//
// To add a job: write jobs/<name>.mjs and list it in JOBS below.

import purgeExpiredSessions from './purge-expired-sessions.mjs';
import purgeIdempotencyKeys from './purge-idempotency-keys.mjs';

/** The jobs every server runs. */
export const JOBS = [purgeIdempotencyKeys, purgeExpiredSessions];

/**
 * Runs one job now, under its advisory lock.
 * @param {import('pg').Pool} pool
 * @param {{name: string, run: Function}} job
 * @param {{nowMs?: () => number}} [options]
 * @returns {Promise<{ran: boolean, summary?: object}>} ran: false when another instance held the lock
 */
export async function runJob(pool, job, { nowMs = Date.now } = {}) {
  const client = await pool.connect();
  let broken = null;
  const onError = (error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const { rows } = await client.query('SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked', [`carecircle.job.${job.name}`]);
    if (!rows[0].locked) {
      await client.query('ROLLBACK');
      return { ran: false };
    }
    const summary = await job.run(client, { nowMs });
    await client.query('COMMIT');
    return { ran: true, summary };
  } catch (error) {
    broken ??= error;
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken ? new Error(String(broken?.message ?? broken)) : undefined);
  }
}

/**
 * Schedules every job (first run after `firstDelayMs`, then every job.everyMs).
 * @param {import('pg').Pool} pool
 * @param {{jobs?: object[], log?: (line: string) => void, firstDelayMs?: number, nowMs?: () => number}} [options]
 * @returns {{runNow: (name: string) => Promise<{ran: boolean, summary?: object}>, stop: () => Promise<void>}}
 */
export function startJobs(pool, { jobs = JOBS, log = () => {}, firstDelayMs = 60_000, nowMs = Date.now } = {}) {
  const timers = [];
  const running = new Set();
  let stopped = false;
  const byName = new Map(jobs.map((job) => [job.name, job]));

  const tick = (job) => {
    if (stopped) return;
    const run = runJob(pool, job, { nowMs })
      .then((result) => {
        if (result.ran) log(`job ${job.name}: ${JSON.stringify(result.summary ?? {})}`);
      })
      .catch((error) => log(`job ${job.name} failed (next round retries): ${error.message}`))
      .finally(() => running.delete(run));
    running.add(run);
  };

  for (const job of jobs) {
    const first = setTimeout(() => {
      tick(job);
      const every = setInterval(() => tick(job), job.everyMs);
      every.unref();
      timers.push(every);
    }, firstDelayMs);
    first.unref();
    timers.push(first);
  }

  return {
    runNow(name) {
      const job = byName.get(name);
      if (!job) return Promise.reject(new Error(`no job ${name}`));
      return runJob(pool, job, { nowMs });
    },
    async stop() {
      stopped = true;
      for (const t of timers) {
        clearTimeout(t);
        clearInterval(t);
      }
      await Promise.allSettled([...running]);
    },
  };
}
