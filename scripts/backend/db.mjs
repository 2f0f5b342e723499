// PostgreSQL for the reference backend: a PRIVATE instance in a data directory
// of its own, on a loopback port, started and stopped by the caller (the
// backend script or a test) — never a system service (docs/toolchain.md).
//
//   const pg = await startPostgres();          // temp dir, free port
//   const pool = createPool(pg.url);
//   await applySchema(pool);
//   …
//   await pool.end(); await pg.stop();          // stops it by its data directory
//
// As root, initdb/pg_ctl run as the `postgres` user (runuser, util-linux):
// PostgreSQL refuses to run as root. As any other user they run as that user.
//
// Least privilege: the cluster accepts passwords only (scram-sha-256, on the
// socket and on loopback; no trust). Its bootstrap superuser DB_ADMIN and the
// application's role DB_USER get generated secrets, kept in <dir>/secrets.json
// (mode 0600). DB_USER is no superuser, cannot create roles or databases, and
// owns only what schema.sql creates in its one database. fsync,
// synchronous_commit and full_page_writes stay on in every mode: a commit
// acknowledged to a client survives PostgreSQL being killed.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import pg from 'pg';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SCHEMA_FILE = join(HERE, 'schema.sql');
/** The application's role: no superuser, owner of the schema's objects only. */
export const DB_USER = 'cc';
/** The cluster's bootstrap superuser (creates the database and DB_USER; the server never uses it). */
export const DB_ADMIN = 'cc_admin';
export const DB_NAME = 'carecircle';
const HOST = '127.0.0.1';

/** The PostgreSQL server binaries (Debian: /usr/lib/postgresql/<major>/bin). */
export function findPgBin() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    for (const major of ['15', '16', '17', '14', '13']) {
      const bin = join(root, major, 'bin');
      if (existsSync(join(bin, 'pg_ctl'))) return bin;
    }
  }
  throw new Error('PostgreSQL server binaries not found (Debian: apt-get install postgresql; or set PG_BIN)');
}

function run(file, args, { asPostgres }) {
  const [cmd, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return new Promise((resolvePromise, reject) => {
    execFile(cmd, argv, { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        error.message = `${file} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`.trim();
        reject(error);
      } else {
        resolvePromise({ stdout, stderr });
      }
    });
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function paths(dir) {
  return { dir, data: join(dir, 'db'), log: join(dir, 'postgres.log'), socket: dir };
}

/**
 * Stops the instance whose data directory is `<dir>/db` (fast shutdown).
 * Quiet when nothing runs there.
 * @param {string} dir
 */
export async function stopPostgres(dir) {
  const p = paths(resolve(dir));
  if (!existsSync(join(p.data, 'postmaster.pid'))) return;
  if (!isRunning(dir)) return; // a stale pid file (the server was killed): pg_ctl start copes with it
  const bin = findPgBin();
  await run(join(bin, 'pg_ctl'), ['-D', p.data, '-m', 'fast', '-w', '-t', '30', 'stop'], { asPostgres: isRoot() }).catch(
    (error) => {
      if (!/no server running|PID file .* does not exist/i.test(error.message)) throw error;
    },
  );
}

/**
 * Starts a private PostgreSQL: initdb on first use of `dir`, then pg_ctl start
 * on 127.0.0.1:`port` (socket in `dir`), and creates the database.
 * @param {{dir?: string, port?: number, removeOnStop?: boolean}} [options]
 *   dir: kept between runs when given (default: a new temporary directory,
 *   removed on stop); port: default a free one.
 * @returns {Promise<{dir: string, port: number, url: string, adminUrl: string, stop: () => Promise<void>}>}
 */
export async function startPostgres({ dir, port, removeOnStop } = {}) {
  const bin = findPgBin();
  const temporary = !dir;
  const root = resolve(dir ?? mkdtempSync(join(tmpdir(), 'carecircle-pg-')));
  mkdirSync(root, { recursive: true });
  const p = paths(root);
  const asPostgres = isRoot();
  if (asPostgres) {
    const { uid, gid } = postgresIds();
    chownSync(root, uid, gid);
  }
  const secretsFile = join(root, 'secrets.json');
  if (!existsSync(join(p.data, 'PG_VERSION'))) {
    const secrets = { admin: randomBytes(24).toString('base64url'), app: randomBytes(24).toString('base64url') };
    writeFileSync(secretsFile, `${JSON.stringify(secrets)}\n`, { mode: 0o600 });
    // initdb reads the superuser's password from a file the postgres user can read; removed right after.
    const pwfile = join(root, '.initdb-pw');
    writeFileSync(pwfile, `${secrets.admin}\n`, { mode: 0o600 });
    if (asPostgres) {
      const { uid, gid } = postgresIds();
      chownSync(pwfile, uid, gid);
    }
    try {
      await run(
        join(bin, 'initdb'),
        ['-D', p.data, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-U', DB_ADMIN, '-E', 'UTF8', '--locale=C.UTF-8', ...(temporary ? ['--no-sync'] : [])],
        { asPostgres },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  } else {
    if (!existsSync(secretsFile)) {
      throw new Error(
        `${root} was made by an earlier version of this script (trust authentication, no secrets.json): ` +
          'remove it or choose another --data-dir (the new cluster uses scram-sha-256 passwords and a non-superuser application role)',
      );
    }
    // Our own directory: an instance left running by a killed script is ours to stop.
    await stopPostgres(root);
  }
  const secrets = JSON.parse(readFileSync(secretsFile, 'utf8'));
  const chosenPort = port ?? (await freePort());
  const options = [
    `-p ${chosenPort}`,
    `-k ${p.socket}`,
    `-c listen_addresses=${HOST}`,
    '-c max_connections=60',
    // Durable in every mode (fsync, synchronous_commit and full_page_writes
    // keep their defaults, on): what the server acknowledged survives a kill.
    '-c password_encryption=scram-sha-256',
  ].join(' ');
  await run(join(bin, 'pg_ctl'), ['-D', p.data, '-o', options, '-l', p.log, '-w', '-t', '60', 'start'], { asPostgres });
  const adminUrl = `postgresql://${DB_ADMIN}:${encodeURIComponent(secrets.admin)}@${HOST}:${chosenPort}/postgres`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [DB_USER]);
    if (role.rowCount === 0) {
      await admin.query(
        `CREATE ROLE ${DB_USER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD '${secrets.app}'`,
      );
    }
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${DB_NAME} OWNER ${DB_ADMIN}`);
      await admin.query(`REVOKE ALL ON DATABASE ${DB_NAME} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${DB_NAME} TO ${DB_USER}`);
      const db = new pg.Client({ connectionString: adminUrl.replace(/\/postgres$/, `/${DB_NAME}`) });
      await db.connect();
      try {
        // The application creates (and so owns) its own tables in public, nothing else.
        await db.query(`REVOKE ALL ON SCHEMA public FROM PUBLIC`);
        await db.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${DB_USER}`);
      } finally {
        await db.end();
      }
    }
    // The job runner's schema (jobs/index.mjs), owned by the application role, which may not create schemas.
    const jobDb = new pg.Client({ connectionString: adminUrl.replace(/\/postgres$/, `/${DB_NAME}`) });
    await jobDb.connect();
    try {
      await jobDb.query(`CREATE SCHEMA IF NOT EXISTS pgboss AUTHORIZATION ${DB_USER}`);
    } finally {
      await jobDb.end();
    }
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    dir: root,
    port: chosenPort,
    url: `postgresql://${DB_USER}:${encodeURIComponent(secrets.app)}@${HOST}:${chosenPort}/${DB_NAME}`,
    /** The superuser's URL (tests' fault injection and checks only; the server never uses it). */
    adminUrl: adminUrl.replace(/\/postgres$/, `/${DB_NAME}`),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopPostgres(root);
      if (removeOnStop ?? temporary) rmSync(root, { recursive: true, force: true });
    },
  };
}

function postgresIds() {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user (Debian: apt-get install postgresql)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

// bigint (int8) columns hold epoch ms and fen: all below 2^53, read as numbers.
const INT8_OID = 20;
const types = {
  getTypeParser(oid, format) {
    if (oid === INT8_OID && format !== 'binary') return (value) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * A connection pool with int8 read as Number.
 * @param {string} url
 * @param {{max?: number}} [options]
 */
export function createPool(url, { max = 20 } = {}) {
  const pool = new pg.Pool({ connectionString: url, max, types, connectionTimeoutMillis: 5_000 });
  // An idle client losing its server (PostgreSQL stopped) must not crash the
  // process: the pool drops it and connects anew on the next request.
  pool.on('error', () => {});
  // A client checked out by a transaction is watched by inTransaction; one
  // used through pool.query is watched by the pool itself. Any other
  // checked-out client gets a listener here too, so no 'error' is unhandled.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Applies scripts/backend/schema.sql (idempotent). */
export async function applySchema(pool) {
  await pool.query(readFileSync(SCHEMA_FILE, 'utf8'));
}

/** SQLSTATEs after which the whole transaction may simply run again. */
const RETRYABLE_SQLSTATES = new Set(['40P01', '40001']); // deadlock_detected, serialization_failure
export const MAX_CONFLICT_RETRIES = 5;

/**
 * Did this error come from losing PostgreSQL (killed, restarting, the
 * connection cut or not yet possible)? Such a request is answered 503 with
 * Retry-After; the pool makes new connections once the server is back.
 * @param {unknown} error
 */
export function isConnectionError(error) {
  if (!error || typeof error !== 'object') return false;
  const code = String(error.code ?? '');
  if (/^(08|57P0)/.test(code) || code === '53300') return true; // connection exception, admin shutdown / crash / cannot connect now, too many connections
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH'].includes(code)) return true;
  return /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|Client was closed|terminating connection/i.test(
    String(error.message ?? ''),
  );
}

/**
 * Runs `fn(client)` inside BEGIN … COMMIT (ROLLBACK on a throw).
 *
 * A connection that fails while checked out (PostgreSQL killed) reports its
 * error here, never as an unhandled 'error' event, and is discarded rather
 * than returned to the pool. With `retryConflicts`, a deadlock or a
 * serialization failure runs the whole transaction again (a few times, with
 * a short random pause), so two patients racing each other never see a 500.
 * @template T
 * @param {pg.Pool} pool
 * @param {(client: pg.PoolClient) => Promise<T>} fn
 * @param {{readOnly?: boolean, retryConflicts?: boolean}} [options] readOnly: one consistent snapshot
 *   for every query of a read (REPEATABLE READ, READ ONLY)
 * @returns {Promise<T>}
 */
export async function inTransaction(pool, fn, { readOnly = false, retryConflicts = false } = {}) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await transactionOnce(pool, fn, readOnly);
    } catch (error) {
      if (!retryConflicts || attempt >= MAX_CONFLICT_RETRIES || !RETRYABLE_SQLSTATES.has(error?.code)) throw error;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
    }
  }
}

async function transactionOnce(pool, fn, readOnly) {
  const client = await pool.connect();
  let broken = null;
  const onError = (error) => {
    broken = error;
  };
  client.on('error', onError);
  try {
    await client.query(readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (!broken && !isConnectionError(error)) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError;
      }
    } else {
      broken ??= error;
    }
    throw error;
  } finally {
    client.off('error', onError);
    // A client that lost its connection is destroyed, not pooled.
    client.release(broken ? (broken instanceof Error ? broken : new Error(String(broken))) : undefined);
  }
}

/** Is `dir` a data directory whose server is running? (for tests' leak checks) */
export function isRunning(dir) {
  const pid = join(resolve(dir), 'db', 'postmaster.pid');
  if (!existsSync(pid)) return false;
  const first = Number(readFileSync(pid, 'utf8').split('\n')[0]);
  try {
    process.kill(first, 0);
    return true;
  } catch {
    return false;
  }
}
