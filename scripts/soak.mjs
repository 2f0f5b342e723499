#!/usr/bin/env node
// Fault suite of the reference backend (npm run soak; not part of npm test).
//
// Two server processes (scripts/backend/server.mjs) on one private PostgreSQL,
// all on loopback. Workers post check-ins the way the outbox does — each
// record under one idempotency key, retried with the same key after a 503 or
// a dropped connection until it is acknowledged — half of them to each
// process. Mid-run PostgreSQL is SIGKILLed and started again on the same data
// directory. Then the database is compared with what was acknowledged:
//   lost        acknowledged (200 accepted) but not stored — must be 0
//   duplicated  one record stored twice, or two rows for one patient's day — must be 0
// and both server processes must still be alive. Prints requests/s, p50/p99
// latency, the 503s while PostgreSQL was gone and how long recovery took
// (from the kill, and from PostgreSQL accepting connections again, to the
// first acknowledged write). Exit status 1 when a check fails.
//
//   node scripts/soak.mjs [--seconds N] [--workers N]   (defaults 24 s, 16 workers)

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

import { freePort, startPostgres } from './backend/db.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER = join(ROOT, 'scripts', 'backend', 'server.mjs');
const DAY_MS = 86_400_000;

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} needs a positive whole number`);
  return value;
}

const SECONDS = option('--seconds', 24);
const WORKERS = option('--workers', 16);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function spawnServer(databaseUrl) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [SERVER, '--database-url', databaseUrl, '--port', String(port), '--no-web', '--demo', '--rate-limit-address', '1000000', '--rate-limit-token', '1000000'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (c) => {
    output += c;
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.stdout.on('data', (c) => {
      output += c;
      if (output.includes('READY\n')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${output}`));
    });
  });
  return { child, api: `http://127.0.0.1:${port}/api/v1`, output: () => output };
}

async function call(api, method, path, { token, key, body } = {}) {
  const t0 = performance.now();
  try {
    const response = await fetch(`${api}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(key ? { 'Idempotency-Key': key } : {}),
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const json = await response.json().catch(() => null);
    return { status: response.status, body: json, ms: performance.now() - t0 };
  } catch (error) {
    return { status: 0, error: error.cause?.code ?? error.name, ms: performance.now() - t0 };
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const postgres = await startPostgres();
  const servers = [];
  let exitCode = 0;
  try {
    servers.push(await spawnServer(postgres.url), await spawnServer(postgres.url));
    const db = new pg.Pool({ connectionString: postgres.url, max: 2 });
    db.on('error', () => {});
    // Patients enrolled long ago, so that every past day they check in for is one the server believes.
    const patients = [];
    for (let i = 0; i < WORKERS; i += 1) {
      const r = await call(servers[i % 2].api, 'POST', '/demo/sessions', { body: { as: 'newPatient' } });
      if (r.status !== 200) throw new Error(`demo sign-in failed: ${r.status} ${JSON.stringify(r.body)}`);
      patients.push({ token: r.body.token ?? r.body.accessToken, id: r.body.patientId, api: servers[i % 2].api });
    }
    await db.query("UPDATE patients SET created_at = now() - interval '3000 days' WHERE id = ANY($1::text[])", [patients.map((p) => p.id)]);
    await db.end();

    const latencies = [];
    const statuses = new Map();
    const acked = new Map(); // record id → patient id
    let stop = false;
    let killedAt = null;
    let pgBackAt = null;
    let firstAckAfterKill = null;
    const nowMs = Date.now();

    const worker = async (p) => {
      for (let day = 1; !stop; day += 1) {
        const record = { id: `soak-${randomUUID()}`, patientId: p.id, atMs: nowMs - day * DAY_MS, seq: day, kind: 'normal' };
        const key = `soak-key-${randomUUID()}`;
        // As the outbox does: the same key until an answer that is not a 5xx or a dropped connection.
        for (;;) {
          const r = await call(p.api, 'POST', '/check-ins', { token: p.token, key, body: record });
          latencies.push(r.ms);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 200) {
            if (r.body.outcome === 'accepted') acked.set(record.id, p.id);
            if (killedAt !== null && firstAckAfterKill === null) firstAckAfterKill = Date.now();
            break;
          }
          if (r.status >= 400 && r.status < 500) throw new Error(`refused: ${r.status} ${JSON.stringify(r.body)}`);
          if (stop && Date.now() > stopDeadline) return;
          await sleep(r.status === 503 ? 200 : 100);
        }
      }
    };
    let stopDeadline = Infinity;
    const started = performance.now();
    const running = patients.map(worker);

    await sleep((SECONDS * 1000) / 3);
    const pid = Number(readFileSync(join(postgres.dir, 'db', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    killedAt = Date.now();
    process.stdout.write(`soak: PostgreSQL (pid ${pid}) SIGKILLed at +${Math.round(performance.now() - started)} ms\n`);
    await sleep(2_000);
    for (let attempt = 0; pgBackAt === null; attempt += 1) {
      try {
        await startPostgres({ dir: postgres.dir, port: postgres.port });
        pgBackAt = Date.now();
      } catch (error) {
        if (attempt > 40) throw error;
        await sleep(250); // the killed postmaster's children may still hold its shared memory
      }
    }
    process.stdout.write(`soak: PostgreSQL restarted at +${Math.round(performance.now() - started)} ms\n`);
    await sleep(Math.max(0, SECONDS * 1000 - (performance.now() - started)));
    stop = true;
    stopDeadline = Date.now() + 15_000;
    await Promise.all(running);
    const elapsedS = (performance.now() - started) / 1000;

    // What the database holds against what was acknowledged.
    const check = new pg.Client({ connectionString: postgres.url });
    await check.connect();
    const stored = await check.query(
      'SELECT id, patient_id, at_ms FROM check_ins WHERE patient_id = ANY($1::text[])',
      [patients.map((p) => p.id)],
    );
    const perDay = await check.query(
      `SELECT count(*)::int AS n FROM (SELECT patient_id, floor((at_ms + 28800000) / 86400000.0) AS day, count(*) AS c
         FROM check_ins WHERE patient_id = ANY($1::text[]) GROUP BY 1, 2 HAVING count(*) > 1) d`,
      [patients.map((p) => p.id)],
    );
    await check.end();
    const storedIds = new Map(stored.rows.map((r) => [r.id, r.patient_id]));
    const lost = [...acked.keys()].filter((id) => !storedIds.has(id)).length;
    const duplicated = stored.rows.length - storedIds.size + perDay.rows[0].n;
    const unacknowledgedButStored = [...storedIds.keys()].filter((id) => !acked.has(id)).length;
    const alive = servers.filter((s) => s.child.exitCode === null && s.child.signalCode === null).length;
    const sorted = [...latencies].sort((a, b) => a - b);
    const report = {
      seconds: Number(elapsedS.toFixed(1)),
      workers: WORKERS,
      requests: latencies.length,
      requestsPerSecond: Math.round(latencies.length / elapsedS),
      p50Ms: Number(percentile(sorted, 50).toFixed(1)),
      p99Ms: Number(percentile(sorted, 99).toFixed(1)),
      statuses: Object.fromEntries([...statuses].map(([k, v]) => [k === 0 ? 'network' : String(k), v])),
      acknowledged: acked.size,
      stored: storedIds.size,
      lost,
      duplicated,
      storedWithoutAcknowledgement: unacknowledgedButStored,
      recoveryFromKillMs: firstAckAfterKill ? firstAckAfterKill - killedAt : null,
      recoveryFromRestartMs: firstAckAfterKill && pgBackAt ? Math.max(0, firstAckAfterKill - pgBackAt) : null,
      serverProcessesAlive: `${alive}/2`,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    const failures = [];
    if (lost !== 0) failures.push(`${lost} acknowledged writes lost`);
    if (duplicated !== 0) failures.push(`${duplicated} duplicated`);
    if (alive !== 2) failures.push('a server process died');
    if (!firstAckAfterKill) failures.push('no write acknowledged after the restart');
    process.stdout.write(failures.length ? `soak: FAILED — ${failures.join('; ')}\n` : 'soak: ok — 0 lost, 0 duplicated, both processes alive\n');
    exitCode = failures.length ? 1 : 0;
  } finally {
    for (const s of servers) {
      if (s.child.exitCode === null) {
        s.child.kill('SIGTERM');
        await new Promise((r) => s.child.once('exit', r));
      }
    }
    await postgres.stop();
  }
  process.exit(exitCode);
}

await main();
