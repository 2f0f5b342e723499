#!/usr/bin/env node
// CareCircle reference backend: the HTTP contract of docs/api/openapi.yaml on
// PostgreSQL, every mutation re-checked by the same C++ core the shell runs
// (build/wasm/core.mjs in Node). The template a hospital's integrator copies.
//
//   npm run backend                     private PostgreSQL in a temporary data
//                                       directory, API + the web shell on
//                                       http://127.0.0.1:8787/ (stopped on Ctrl-C)
//   node scripts/backend/server.mjs [--port N] [--data-dir DIR] [--database-url URL]
//        [--no-web] [--no-demo] [--allow-origin https://…] [--now-offset-ms N]
//
//   --data-dir DIR      keep the database in DIR between runs (default: a temp dir, removed on exit)
//   --database-url URL  use a running PostgreSQL instead of starting one (tests restart the
//                       HTTP process against the same database this way)
//   --no-web            API only (default: everything outside /api/ is the web shell,
//                       served by scripts/serve.mjs behind this server: one origin, CSP 'self')
//   --no-demo           no demo login endpoint (a hospital deployment has its own login)
//   --allow-origin O    CORS for a shell served from another origin (repeatable)
//   --now-offset-ms N   TEST ONLY: shifts the server clock (e.g. to the 15th of a month)
//
// In-process (tests): `const b = await startBackend({databaseUrl, port: 0}); … await b.close()`.
//
// Every JSON reply carries `serverTimeMs` (the server's clock, for the
// client's skew correction). Errors are `{error: {code, message}}`.
// Mutations need an `Idempotency-Key`; a replay returns the stored reply.

import { createHash } from 'node:crypto';
import http from 'node:http';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { applySchema, createPool, inTransaction, startPostgres } from './db.mjs';
import { demoSession, lookupSession, seedCommunityMonth, seedDemoHospital } from './seed.mjs';
import {
  ApiError,
  claimReferral,
  decideStory,
  getCommunityReportInputs,
  getCommunityStories,
  getConsents,
  getEligibilityInputs,
  getHospitalForest,
  getMyStories,
  getPendingStories,
  getPromptHistory,
  getProfile,
  getReferralGraph,
  getStreakInputs,
  issueRewards,
  loadServerCore,
  lookupReferralCode,
  recordHospitalEvent,
  recordPromptShown,
  redeemVoucher,
  saveCheckIn,
  saveGranted,
  setConsent,
  submitStory,
} from './service.mjs';

const HOST = '127.0.0.1';
const DEFAULT_PORT = 8787;
export const API_PREFIX = '/api/v1';
const MAX_BODY_BYTES = 1024 * 1024;
const MAX_BATCH_ITEMS = 100;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{16,128}$/;

/** Mutations by operation name: who may call them and what they run. */
const MUTATIONS = Object.freeze({
  saveCheckIn: { role: 'patient', run: (c, ctx, who, body) => saveCheckIn(c, ctx, who.subjectId, body) },
  saveGranted: { role: 'patient', run: (c, ctx, who, body) => saveGranted(c, ctx, who.subjectId, body) },
  issueRewards: { role: 'patient', run: (c, ctx, who, body) => issueRewards(c, ctx, who.subjectId, body) },
  claimReferral: { role: 'patient', run: (c, ctx, who, body) => claimReferral(c, ctx, who.subjectId, body) },
  setConsent: { role: 'patient', run: (c, ctx, who, body) => setConsent(c, ctx, who.subjectId, body) },
  submitStory: { role: 'patient', run: (c, ctx, who, body) => submitStory(c, ctx, who.subjectId, body) },
  recordPromptShown: { role: 'patient', run: (c, ctx, who, body) => recordPromptShown(c, ctx, who.subjectId, body) },
  recordHospitalEvent: { role: 'staff', run: (c, ctx, who, body) => recordHospitalEvent(c, ctx, body) },
  redeemVoucher: { role: 'staff', run: (c, ctx, who, body) => redeemVoucher(c, ctx, who.subjectId, body) },
  decideStory: { role: 'staff', run: (c, ctx, who, body) => decideStory(c, ctx, who.subjectId, body) },
});

const POST_ROUTES = new Map([
  ['/check-ins', 'saveCheckIn'],
  ['/milestones', 'saveGranted'],
  ['/rewards/issue', 'issueRewards'],
  ['/referrals', 'claimReferral'],
  ['/stories', 'submitStory'],
  ['/me/prompts', 'recordPromptShown'],
  ['/staff/referral-events', 'recordHospitalEvent'],
  ['/staff/vouchers/redeem', 'redeemVoucher'],
  ['/staff/stories/decide', 'decideStory'],
]);

/** PUT: replace one resource of the caller (an idempotent mutation, with its key like every other). */
const PUT_ROUTES = new Map([['/me/consents', 'setConsent']]);

const GET_ROUTES = new Map([
  ['/profile', { role: 'patient', run: (c, ctx, who) => getProfile(c, who.subjectId) }],
  ['/streak-inputs', { role: 'patient', run: (c, ctx, who) => getStreakInputs(c, who.subjectId) }],
  ['/eligibility-inputs', { role: 'patient', run: (c, ctx, who) => getEligibilityInputs(c, who.subjectId) }],
  ['/referral-graph', { role: 'patient', run: (c, ctx, who) => getReferralGraph(c, who.subjectId) }],
  ['/me/consents', { role: 'patient', run: (c, ctx, who) => getConsents(c, who.subjectId) }],
  ['/me/prompts', { role: 'patient', run: (c, ctx, who) => getPromptHistory(c, who.subjectId) }],
  ['/stories', { role: 'patient', run: (c, ctx, who) => getMyStories(c, who.subjectId) }],
  ['/community/stories', { role: 'patient', run: (c, ctx, who, query) => getCommunityStories(c, who.subjectId, query.get('before')) }],
  ['/referral-codes', { role: 'patient', run: (c, ctx, who, query) => lookupReferralCode(c, ctx, who.subjectId, query.get('code')) }],
  ['/staff/forest', { role: 'staff', run: (c) => getHospitalForest(c) }],
  ['/staff/stories', { role: 'staff', run: (c) => getPendingStories(c) }],
  [
    '/staff/community-report-inputs',
    {
      role: 'staff',
      run: async (c, ctx, who, query) => {
        const month = query.get('month') ?? new Date(ctx.nowMs() + 8 * 3_600_000).toISOString().slice(0, 7);
        if (!/^\d{4}-\d{2}$/.test(month)) throw new ApiError(400, 'request.bad_query', 'month 应为 YYYY-MM');
        return getCommunityReportInputs(c, month);
      },
    },
  ],
]);

/** Every route this server answers under /api/v1 (the contract test checks docs/api/openapi.yaml lists each). */
export function apiRoutes() {
  return [
    { method: 'GET', path: '/now' },
    ...[...GET_ROUTES.keys()].map((path) => ({ method: 'GET', path })),
    ...[...POST_ROUTES.keys()].map((path) => ({ method: 'POST', path })),
    ...[...PUT_ROUTES.keys()].map((path) => ({ method: 'PUT', path })),
    { method: 'POST', path: '/batch' },
    { method: 'POST', path: '/demo/sessions' },
  ];
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

class HttpError extends ApiError {}

function readBody(req) {
  return new Promise((resolvePromise, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'request.too_large', '请求内容过大'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req) {
  const type = String(req.headers['content-type'] ?? '');
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'request.bad_content_type', '请求内容应为 application/json');
  const text = await readBody(req);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request.bad_json', '请求内容不是有效的 JSON');
  }
}

/**
 * Starts the backend on an existing database.
 * @param {{databaseUrl: string, port?: number, host?: string, demo?: boolean, web?: boolean,
 *   allowOrigins?: string[], nowOffsetMs?: number, seed?: boolean, poolSize?: number,
 *   log?: (line: string) => void}} options
 * @returns {Promise<{url: string, apiUrl: string, port: number, coreVersion: string, pool: import('pg').Pool,
 *   nowMs: () => number, close: () => Promise<void>}>}
 */
export async function startBackend({
  databaseUrl,
  port = 0,
  host = HOST,
  demo = true,
  web = true,
  allowOrigins = [],
  nowOffsetMs = 0,
  seed = true,
  poolSize = 20,
  log = () => {},
}) {
  if (!databaseUrl) throw new Error('startBackend: databaseUrl is required');
  const core = await loadServerCore();
  const pool = createPool(databaseUrl, { max: poolSize });
  // The server may read a clock: it is the server. The offset exists for tests only.
  const ctx = Object.freeze({ core, nowMs: () => Date.now() + nowOffsetMs });
  try {
    await applySchema(pool);
    if (seed && demo) await seedDemoHospital(pool, ctx);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  let staticServer = null;
  if (web) {
    const { startServer } = await import('../serve.mjs');
    staticServer = await startServer({ port: 0 });
  }

  // ---------------------------------------------------------------- replies

  function send(res, status, body, extraHeaders = {}) {
    const payload = Buffer.from(JSON.stringify({ ...body, serverTimeMs: ctx.nowMs() }), 'utf8');
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': payload.length,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...corsHeaders(res.req),
      ...extraHeaders,
    });
    res.end(payload);
  }

  function sendError(res, error) {
    if (error instanceof ApiError) {
      send(res, error.status, error.toBody());
      return;
    }
    log(`error: ${error?.stack ?? error}`);
    send(res, 500, { error: { code: 'internal.unexpected', message: '服务器暂时出了点问题，请稍后再试' } });
  }

  function corsHeaders(req) {
    const origin = req?.headers.origin;
    if (!origin || !allowOrigins.includes(origin)) return {};
    return {
      'Access-Control-Allow-Origin': origin,
      Vary: 'Origin',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key',
      'Access-Control-Allow-Methods': 'GET, POST, PUT, OPTIONS',
      'Access-Control-Max-Age': '600',
    };
  }

  // ---------------------------------------------------------------- auth

  async function authenticate(req, role) {
    const header = String(req.headers.authorization ?? '');
    const match = /^Bearer ([A-Za-z0-9_.~+/=-]{16,256})$/.exec(header);
    if (!match) throw new HttpError(401, 'auth.missing_token', '请先登录', {});
    const who = await lookupSession(pool, match[1]);
    if (!who) throw new HttpError(401, 'auth.invalid_token', '登录已过期，请重新登录');
    if (role === 'staff' && who.role !== 'staff') throw new HttpError(403, 'auth.forbidden', '只有医院工作人员可以这样做');
    return who;
  }

  // ---------------------------------------------------------------- mutations

  /**
   * Runs one mutation under its idempotency key, in one transaction: the key
   * is claimed first (a concurrent duplicate waits on it, then replays), the
   * mutation runs under a savepoint, and the reply — success or a rejection —
   * is stored with the key before COMMIT. Unexpected failures roll everything
   * back (the key too) so the client's retry runs it again.
   * @returns {Promise<{status: number, body: object, replayed: boolean}>}
   */
  async function runMutation(who, operation, key, body) {
    const requestSha = sha256(`${operation}\n${JSON.stringify(body)}`);
    return inTransaction(pool, async (client) => {
      const claimed = await client.query(
        `INSERT INTO idempotency_keys (key, subject_id, operation, request_sha256) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO NOTHING RETURNING key`,
        [key, who.subjectId, operation, requestSha],
      );
      if (claimed.rowCount === 0) {
        const { rows } = await client.query(
          'SELECT subject_id, operation, request_sha256, status, response FROM idempotency_keys WHERE key = $1',
          [key],
        );
        const prior = rows[0];
        if (!prior || prior.status === null) throw new Error(`idempotency key ${key} vanished or incomplete`);
        if (prior.subject_id !== who.subjectId || prior.operation !== operation || prior.request_sha256 !== requestSha) {
          return {
            status: 422,
            body: { error: { code: 'idempotency.key_reused', message: '同一个请求编号被用于不同的内容' } },
            replayed: false,
          };
        }
        return { status: prior.status, body: prior.response, replayed: true };
      }
      await client.query('SAVEPOINT mutation');
      let status = 200;
      let reply;
      try {
        reply = await MUTATIONS[operation].run(client, ctx, who, body);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT mutation');
        status = error.status;
        reply = error.toBody();
      }
      await client.query('UPDATE idempotency_keys SET status = $2, response = $3 WHERE key = $1', [
        key,
        status,
        JSON.stringify(reply),
      ]);
      return { status, body: reply, replayed: false };
    });
  }

  function idempotencyKeyOf(req) {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') {
      throw new HttpError(400, 'request.missing_idempotency_key', '缺少 Idempotency-Key 请求头');
    }
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new HttpError(400, 'request.bad_idempotency_key', 'Idempotency-Key 应为 16–128 个字母、数字或 _.:-');
    }
    return key;
  }

  async function handleMutation(req, res, operation) {
    const key = idempotencyKeyOf(req);
    const who = await authenticate(req, MUTATIONS[operation].role);
    const body = await readJson(req);
    const result = await runMutation(who, operation, key, body);
    send(res, result.status, { ...result.body, ...(result.replayed ? { replayed: true } : {}) });
  }

  /**
   * A batch of the caller's mutations, each deduplicated by its OWN key and
   * run in its own transaction, in order. The reply lists every item's
   * outcome; an item that failed unexpectedly (5xx) is retried by the client
   * under the same key.
   */
  async function handleBatch(req, res) {
    idempotencyKeyOf(req); // required like on every mutation; items carry the keys that dedupe
    const who = await authenticate(req, 'patient');
    const body = await readJson(req);
    if (!body || !Array.isArray(body.items)) throw new HttpError(400, 'request.bad_body', '请求内容应为 {items: […]}');
    if (body.items.length > MAX_BATCH_ITEMS) {
      throw new HttpError(400, 'request.bad_body', `一批最多${MAX_BATCH_ITEMS}项`);
    }
    body.items.forEach((item, i) => {
      const ok =
        item &&
        typeof item.idempotencyKey === 'string' &&
        IDEMPOTENCY_KEY.test(item.idempotencyKey) &&
        Object.hasOwn(MUTATIONS, item.operation) &&
        MUTATIONS[item.operation].role === 'patient';
      if (!ok) throw new HttpError(400, 'request.bad_body', `第${i + 1}项缺少有效的 idempotencyKey 或 operation`, { path: `/items/${i}` });
    });
    const results = [];
    for (const item of body.items) {
      try {
        const r = await runMutation(who, item.operation, item.idempotencyKey, item.body ?? null);
        results.push({
          idempotencyKey: item.idempotencyKey,
          status: r.status,
          body: r.body,
          ...(r.replayed ? { replayed: true } : {}),
        });
      } catch (error) {
        log(`batch item ${item.idempotencyKey}: ${error?.stack ?? error}`);
        results.push({
          idempotencyKey: item.idempotencyKey,
          status: 500,
          body: { error: { code: 'internal.unexpected', message: '服务器暂时出了点问题，请稍后再试' } },
        });
      }
    }
    send(res, 200, { results });
  }

  async function handleGet(req, res, route, query) {
    const who = await authenticate(req, route.role);
    const value = await inTransaction(pool, (client) => route.run(client, ctx, who, query), { readOnly: true });
    send(res, 200, value);
  }

  async function handleApi(req, res, path, query) {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...corsHeaders(req), 'Content-Length': 0 });
      res.end();
      return;
    }
    if (req.method === 'GET' && path === '/now') {
      send(res, 200, { coreVersion: core.version });
      return;
    }
    if (req.method === 'GET' && GET_ROUTES.has(path)) return handleGet(req, res, GET_ROUTES.get(path), query);
    if (req.method === 'POST' && POST_ROUTES.has(path)) return handleMutation(req, res, POST_ROUTES.get(path));
    if (req.method === 'PUT' && PUT_ROUTES.has(path)) return handleMutation(req, res, PUT_ROUTES.get(path));
    if (req.method === 'POST' && path === '/batch') return handleBatch(req, res);
    if (req.method === 'POST' && path === '/demo/sessions' && demo) {
      const body = await readJson(req);
      send(res, 200, await demoSession(pool, ctx, body));
      return;
    }
    const known = GET_ROUTES.has(path) || POST_ROUTES.has(path) || PUT_ROUTES.has(path) || path === '/batch' || path === '/now';
    if (known) throw new HttpError(405, 'request.method_not_allowed', '不支持这种请求方法');
    throw new HttpError(404, 'request.not_found', '没有这个接口');
  }

  function proxyToWeb(req, res) {
    const upstream = http.request(
      { host: HOST, port: staticServer.port, method: req.method, path: req.url, headers: { ...req.headers, host: `${HOST}:${staticServer.port}` } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Bad Gateway\n');
    });
    req.pipe(upstream);
  }

  const server = http.createServer((req, res) => {
    let url;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      sendError(res, new HttpError(400, 'request.bad_url', '请求地址不正确'));
      return;
    }
    if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
      handleApi(req, res, url.pathname.slice(API_PREFIX.length), url.searchParams).catch((error) => sendError(res, error));
      return;
    }
    if (staticServer) {
      proxyToWeb(req, res);
      return;
    }
    sendError(res, new HttpError(404, 'request.not_found', '没有这个接口'));
  });
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 60_000;

  await new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const actualPort = server.address().port;

  // Keep the staff report's month current for a long-running demo.
  const monthly = setInterval(() => {
    if (!demo) return;
    pool
      .connect()
      .then((client) => seedCommunityMonth(client, ctx.nowMs()).finally(() => client.release()))
      .catch(() => {});
  }, 3_600_000);
  monthly.unref();

  let closing = null;
  return {
    url: `http://${host}:${actualPort}/`,
    apiUrl: `http://${host}:${actualPort}${API_PREFIX}`,
    port: actualPort,
    coreVersion: core.version,
    pool,
    nowMs: ctx.nowMs,
    close() {
      closing ??= (async () => {
        clearInterval(monthly);
        await new Promise((r) => {
          server.close(() => r());
          server.closeAllConnections();
        });
        if (staticServer) await staticServer.close();
        await pool.end().catch(() => {});
      })();
      return closing;
    },
  };
}

function parseArgs(argv) {
  const options = { port: Number(process.env.PORT ?? DEFAULT_PORT), allowOrigins: [] };
  const value = (i) => {
    if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`);
    return argv[i + 1];
  };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--port') options.port = Number(value(i++));
    else if (arg === '--data-dir') options.dataDir = resolve(value(i++));
    else if (arg === '--database-url') options.databaseUrl = value(i++);
    else if (arg === '--allow-origin') options.allowOrigins.push(value(i++));
    else if (arg === '--now-offset-ms') options.nowOffsetMs = Number(value(i++));
    else if (arg === '--no-web') options.web = false;
    else if (arg === '--no-demo') options.demo = false;
    else if (arg === '--verbose') options.verbose = true;
    else throw new Error(`unknown option: ${arg}`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error('invalid --port');
  if (options.nowOffsetMs !== undefined && !Number.isSafeInteger(options.nowOffsetMs)) throw new Error('invalid --now-offset-ms');
  options.databaseUrl ??= process.env.DATABASE_URL;
  return options;
}

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  let postgres = null;
  let backend = null;
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    await backend?.close().catch(() => {});
    await postgres?.stop().catch((error) => process.stderr.write(`stopping PostgreSQL: ${error.message}\n`));
    process.exit(code);
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  process.on('SIGHUP', () => stop(0));
  try {
    if (!options.databaseUrl) {
      postgres = await startPostgres({ dir: options.dataDir });
      process.stdout.write(`PostgreSQL (private, ${postgres.dir}) on 127.0.0.1:${postgres.port}\n`);
    }
    backend = await startBackend({
      databaseUrl: options.databaseUrl ?? postgres.url,
      port: options.port,
      demo: options.demo ?? true,
      web: options.web ?? true,
      allowOrigins: options.allowOrigins,
      nowOffsetMs: options.nowOffsetMs ?? 0,
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`backend failed to start: ${error.stack ?? error}\n`);
    await stop(1);
    return;
  }
  process.stdout.write(`CareCircle reference backend (core ${backend.coreVersion}): API ${backend.apiUrl}\n`);
  if (options.web ?? true) process.stdout.write(`Web shell: ${backend.url}\n`);
  if (options.demo ?? true) {
    process.stdout.write(
      `Demo login: curl -s -X POST -H 'Content-Type: application/json' -d '{"as":"demoPatient"}' ${backend.apiUrl}/demo/sessions\n`,
    );
  }
  process.stdout.write('READY\n');
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) await main();
