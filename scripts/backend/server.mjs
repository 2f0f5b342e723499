#!/usr/bin/env node
// CareCircle reference backend: the HTTP contract of docs/api/openapi.yaml on
// PostgreSQL, every mutation re-checked by the same C++ core the shell runs
// (build/wasm/core.mjs in Node). The template a hospital's integrator copies.
//
//   npm run backend                     private PostgreSQL in a temporary data
//                                       directory, API + the web shell on
//                                       http://127.0.0.1:8787/ (stopped on Ctrl-C)
//   node scripts/backend/server.mjs [--port N] [--data-dir DIR] [--database-url URL]
//        [--no-web] [--demo] [--origin https://…] [--allow-origin https://…] [--oidc-config FILE]
//        [--now-offset-ms N] [--rate-limit-address N] [--rate-limit-token N] [--verbose]
//
//   --data-dir DIR      keep the database in DIR between runs (default: a temp dir, removed on exit)
//   --database-url URL  use a running PostgreSQL instead of starting one (tests restart the
//                       HTTP process against the same database this way)
//   --no-web            API only (default: everything outside /api/ is the web shell,
//                       served by scripts/serve.mjs behind this server: one origin, CSP 'self')
//   --demo              DEMO MODE: the synthetic demo hospital and its sign-in (POST /demo/sessions,
//                       from this machine only). Off by default: a deployment never passes it.
//                       `npm run backend` does, and the server says so when it starts.
//   --origin O          a public origin the server is reached at (its Host is accepted; repeatable)
//   --allow-origin O    CORS for a shell served from another origin (repeatable; its Host is accepted too)
//   --oidc-config FILE  the hospital's identity provider (JSON: issuer, audience, jwksUrl, claims;
//                       docs/identity.md). WeChat sign-in: CARECIRCLE_WECHAT_APPID / _SECRET in the environment
//   --now-offset-ms N   TEST ONLY: shifts the server clock (e.g. to the 15th of a month)
//   --deployment FILE   the deployment's public face (JSON: joinUrl, hospitalName, logo, miniProgramPath);
//   --join-url URL, --hospital-name NAME, --logo FILE, --mini-program-path PATH  the same as flags
//                       (they win over the file; loops/deployment.mjs). Demo mode defaults to its own URL.
//   --rate-limit-address N, --rate-limit-token N
//                       requests per minute per client address / per bearer token (DEFAULT_RATE_LIMITS)
//   --no-jobs           TEST ONLY: no scheduled jobs in this process (the request path alone)
//   --no-schedule       TEST ONLY: jobs run on events and on demand, never by the clock (so a test's
//                       seeded state is not changed by an hourly sweep that happens to fall inside it)
//   --verbose           log every request-level event (pino JSON lines on stderr), not only warnings
//
// Built on Fastify: helmet's security headers with the shell's strict CSP,
// @fastify/rate-limit, a 1 MiB body limit answered 413, every mutation's body
// validated against docs/api/openapi.yaml (contract.mjs), pino logging.
// routes.mjs maps the HTTP routes to service.mjs; mutations.mjs runs each
// mutation once per idempotency key; jobs/ purges what expires.
//
// In-process (tests): `const b = await startBackend({databaseUrl, port: 0}); … await b.close()`.
//
// Every JSON reply carries `serverTimeMs` (the server's clock, for the
// client's skew correction). Errors are `{error: {code, message}}`.
// Mutations need an `Idempotency-Key`; a replay returns the stored reply.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Writable } from 'node:stream';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import Fastify from 'fastify';

import { CONTENT_SECURITY_POLICY } from '../serve.mjs';
import { createValidators, echo } from './contract.mjs';
import { applySchema, createPool, inTransaction, isConnectionError, startPostgres } from './db.mjs';
import { startJobs } from './jobs/index.mjs';
import { applyInboxSchema } from './loops/inbox.mjs';
import { RecordingSender, assertSender } from './notify/senders.mjs';
import { loadDeployment, registerDeploymentLogo } from './loops/deployment.mjs';
import { applyLoopsSchema } from './loops/counter.mjs';
import { applyCampaignsSchema } from './console/campaigns.mjs';
import { applyChannelsSchema } from './loops/channels.mjs';
import { applyHospitalDeskSchema } from './console/hospital-desk.mjs';
import { applyIntakeSchema, seedDemoGroups } from './intake/intake.mjs';
import { intakeConfig } from './intake/routes.mjs';
import { applyStoriesMonthSchema } from './console/stories-month.mjs';
import { applyCommunityConsoleSchema, seedCommunityConsoleDemo } from './console/community.mjs';
import { runMutation } from './mutations.mjs';
import { GET_ROUTES, OPERATIONS, apiRoutes, isKnownPath, registerRoutes } from './routes.mjs';
import { applyAuthSchema, createAuth, installAuthHooks, registerAuthRoutes } from './auth/index.mjs';
import { WeChatJsCode2Session } from './auth/wechat.mjs';
import { seedCommunityMonth, seedDemoHospital } from './seed.mjs';
import { ApiError, loadServerCore, noteContact } from './service.mjs';

export { apiRoutes };

const HOST = '127.0.0.1';
const DEFAULT_PORT = 8787;
export const API_PREFIX = '/api/v1';
/** Largest request body (bytes); a bigger one is answered 413 request.too_large. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_BATCH_ITEMS = 100;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{16,128}$/;
const BEARER = /^Bearer ([A-Za-z0-9_.~+/=-]{16,256})$/;
/** Seconds a client waits before retrying after a 503 (PostgreSQL unreachable). */
export const RETRY_AFTER_UNAVAILABLE_S = 2;

/**
 * Request rates per minute (429 request.rate_limited with Retry-After past
 * them): per client address over everything it asks (generous: many phones
 * of one ward may share an address), and per bearer token over the API. A
 * phone syncing its outbox sends one /batch of up to 100 mutations, far below
 * either. Counted per server process.
 */
export const DEFAULT_RATE_LIMITS = Object.freeze({ perAddressPerMinute: 3000, perTokenPerMinute: 300 });

const INTERNAL = { error: { code: 'internal.unexpected', message: '服务器暂时出了点问题，请稍后再试' } };
const UNAVAILABLE = { error: { code: 'service.unavailable', message: '服务器暂时无法处理，请稍后再试' } };

/** The Content-Security-Policy string of scripts/serve.mjs as helmet directives (the same policy, byte for byte). */
function cspDirectives(policy = CONTENT_SECURITY_POLICY) {
  const directives = {};
  for (const part of policy.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives[name] = values;
  }
  return directives;
}

/** A pino destination that hands every line to `log(line)`. */
function lineStream(log) {
  return new Writable({
    write(chunk, encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) log(line);
      done();
    },
  });
}

/** A client that went away mid-request: not a server error, no stack. */
function isClientAbort(error) {
  return ['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'].includes(error?.code) ||
    /aborted|premature close/i.test(String(error?.message ?? ''));
}

/**
 * Starts the backend on an existing database.
 * @param {{databaseUrl: string, port?: number, host?: string, demo?: boolean, web?: boolean,
 *   allowOrigins?: string[], origins?: string[], oidc?: object | null, wechat?: object | null,
 *   nowOffsetMs?: number, seed?: boolean, poolSize?: number,
 *   rateLimits?: {perAddressPerMinute?: number, perTokenPerMinute?: number},
 *   jobs?: boolean, sender?: object | null, logLevel?: string, log?: (line: string) => void}} options
 * @returns {Promise<{url: string, apiUrl: string, port: number, coreVersion: string, pool: import('pg').Pool,
 *   nowMs: () => number, jobs: object, close: () => Promise<void>}>}
 */
export async function startBackend({
  databaseUrl,
  port = 0,
  host = HOST,
  demo = false,
  web = true,
  allowOrigins = [],
  origins = [],
  oidc = null,
  wechat = null,
  nowOffsetMs = 0,
  seed = true,
  poolSize = 20,
  rateLimits = {},
  jobs: runJobs = true,
  schedule = true,
  sender: senderOption,
  deployment: deploymentOptions = {},
  intake: intakeOptions = {},
  logLevel = 'warn',
  log = () => {},
}) {
  if (!databaseUrl) throw new Error('startBackend: databaseUrl is required');
  const limits = { ...DEFAULT_RATE_LIMITS, ...rateLimits };
  const core = await loadServerCore();
  const validators = createValidators();
  // Group-message intake: the archive puller's secret and the channel the bot speaks through.
  const intake = intakeConfig(intakeOptions, { demo });
  const pool = createPool(databaseUrl, { max: poolSize });
  // The server may read a clock: it is the server. The offset exists for tests only.
  // The deployment's public face (hospital, join URL): read once the server listens (a demo's URL names its port).
  let deployment = null;
  // Tests move the server's clock forward (advanceClock) and run the scheduled jobs on demand.
  let clockOffsetMs = nowOffsetMs;
  const ctx = Object.freeze({ core, nowMs: () => Date.now() + clockOffsetMs, get deployment() { return deployment; } });
  // Notifications leave through this sender (notify/senders.mjs); demo mode keeps them in memory.
  const sender = senderOption === undefined ? (demo ? new RecordingSender() : null) : senderOption === null ? null : assertSender(senderOption);
  try {
    await applySchema(pool);
    await applyAuthSchema(pool);
    await applyLoopsSchema(pool);
    await applyCampaignsSchema(pool);
    await applyChannelsSchema(pool);
    await applyHospitalDeskSchema(pool);
    await applyInboxSchema(pool);
    await applyIntakeSchema(pool);
    await applyStoriesMonthSchema(pool);
    await applyCommunityConsoleSchema(pool);
    if (seed && demo) await seedDemoHospital(pool, ctx);
    if (seed && demo) await seedDemoGroups(pool, ctx.nowMs());
    if (seed && demo) await seedCommunityConsoleDemo(pool, ctx.nowMs());
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }

  let staticServer = null;
  if (web) {
    const { startServer } = await import('../serve.mjs');
    staticServer = await startServer({ port: 0 });
  }

  const app = Fastify({
    logger: { level: logLevel, stream: lineStream(log) },
    bodyLimit: MAX_BODY_BYTES,
    keepAliveTimeout: 5_000,
    requestTimeout: 60_000,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
  });

  // ---------------------------------------------------------------- replies

  function corsHeaders(request) {
    const origin = request.headers.origin;
    if (!origin || !allowOrigins.includes(origin)) return {};
    return {
      'Access-Control-Allow-Origin': origin,
      Vary: 'Origin',
      'Access-Control-Allow-Headers': 'Authorization, Content-Type, Idempotency-Key',
      'Access-Control-Allow-Methods': 'GET, POST, PUT, OPTIONS',
      'Access-Control-Max-Age': '600',
      'Access-Control-Expose-Headers': 'Retry-After',
    };
  }

  /** Every JSON reply: the body plus serverTimeMs, never cached. */
  function send(reply, status, body) {
    return reply
      .code(status)
      // helmet writes the same policy with other spacing; the shell's exact string here.
      .headers({ 'Cache-Control': 'no-store', 'Content-Security-Policy': CONTENT_SECURITY_POLICY, ...corsHeaders(reply.request) })
      .type('application/json; charset=utf-8')
      .send(JSON.stringify({ ...body, serverTimeMs: ctx.nowMs() }));
  }

  /** Maps any failure to the contract's error body. */
  function errorReply(error, request, reply) {
    if (error instanceof ApiError) return send(reply, error.status, error.toBody());
    if (isConnectionError(error) || error?.code === '40P01' || error?.code === '40001') {
      // PostgreSQL gone, or a conflict that outlasted the in-server retries: try again shortly.
      request.log.warn({ code: error.code, msg: error.message }, 'database unavailable: answered 503');
      reply.header('Retry-After', String(RETRY_AFTER_UNAVAILABLE_S));
      return send(reply, 503, UNAVAILABLE);
    }
    switch (error?.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, 413, { error: { code: 'request.too_large', message: `请求内容过大（最多${MAX_BODY_BYTES}字节）` } });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, 415, { error: { code: 'request.bad_content_type', message: '请求内容应为 application/json' } });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return send(reply, 400, { error: { code: 'request.bad_json', message: '请求内容不是有效的 JSON' } });
      default:
        break;
    }
    if (error?.statusCode === 400 && (error instanceof SyntaxError || /JSON|prototype|constructor/i.test(error.message))) {
      return send(reply, 400, { error: { code: 'request.bad_json', message: '请求内容不是有效的 JSON' } });
    }
    if (isClientAbort(error)) {
      request.log.info({ code: error.code }, 'client went away');
      return reply.code(499).send();
    }
    if (typeof error?.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      return send(reply, error.statusCode, { error: { code: `request.http_${error.statusCode}`, message: '请求不正确' } });
    }
    request.log.error({ err: error }, 'unexpected error');
    return send(reply, 500, INTERNAL);
  }
  app.setErrorHandler(errorReply);

  // Sign-in, the role policy, the Host check and the staff audit log (auth/, docs/identity.md).
  const auth = createAuth({ pool, ctx, host, port, origins: [...origins, ...allowOrigins], demo, oidc, wechat, log });
  installAuthHooks(app, auth, { prefix: API_PREFIX, nowMs: ctx.nowMs });

  // ---------------------------------------------------------------- security headers, limits

  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives() },
    // The API is read by the shell of this origin, or of an --allow-origin one through CORS.
    crossOriginResourcePolicy: { policy: allowOrigins.length ? 'cross-origin' : 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: false, // loopback over http; a TLS front end sets its own
  });

  const tokenOf = (request) => BEARER.exec(String(request.headers.authorization ?? ''))?.[1] ?? null;
  const tooMany = (request, context) =>
    new ApiError(429, 'request.rate_limited', `请求太频繁，请${Math.ceil(context.ttl / 1000)}秒后再试`, {});
  await app.register(rateLimit, {
    global: true,
    max: limits.perAddressPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `addr:${request.ip}`,
    errorResponseBuilder: (request, context) => Object.assign(tooMany(request, context), { statusCode: 429 }),
  });
  // Per token as well as per address: a limiter of its own that counts every
  // API request carrying a bearer token (the global one counts every request).
  const checkToken = app.createRateLimit({
    max: limits.perTokenPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `token:${tokenOf(request)}`,
    allowList: (request) => tokenOf(request) === null,
  });
  async function perToken(request, reply) {
    const limit = await checkToken(request);
    if (!limit.isAllowed && limit.isExceeded) {
      reply.header('Retry-After', String(Math.max(1, limit.ttlInSeconds)));
      throw tooMany(request, limit);
    }
  }

  // ---------------------------------------------------------------- auth

  /** The caller, allowed by the role policy to call this route (auth/policy.mjs), or 401 / 403. */
  async function authenticate(request) {
    const url = request.routeOptions?.url ?? '';
    return auth.guard(request, request.method, url.startsWith(API_PREFIX) ? url.slice(API_PREFIX.length) : url);
  }

  function idempotencyKeyOf(request) {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') {
      throw new ApiError(400, 'request.missing_idempotency_key', '缺少 Idempotency-Key 请求头');
    }
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError(400, 'request.bad_idempotency_key', 'Idempotency-Key 应为 16–128 个字母、数字或 _.:-');
    }
    return key;
  }

  /**
   * The route's onRequest hooks, before the body is read: the per-token rate
   * limit, the idempotency key of a mutation, the session and its role.
   */
  function guard(role, { mutation }) {
    return [
      perToken,
      async (request) => {
        if (mutation) request.idempotencyKey = idempotencyKeyOf(request);
        request.who = await authenticate(request);
        // What a late check-in may prove depends on when the patient last reached the server.
        if (request.who.role === 'patient') await noteContact(pool, request.who.subjectId, ctx.nowMs());
      },
    ];
  }

  // ---------------------------------------------------------------- operations

  async function read(request, route) {
    const query = {};
    for (const [k, v] of Object.entries(request.query ?? {})) query[k] = Array.isArray(v) ? v[0] : v;
    return inTransaction(pool, (client) => route.run(client, ctx, request.who, query), { readOnly: true });
  }

  async function mutate(request, operationName) {
    const invalid = validators.validate(operationName, request.body ?? null);
    if (invalid) throw invalid;
    const result = await runMutation(pool, ctx, request.who, OPERATIONS[operationName], request.idempotencyKey, request.body);
    return { status: result.status, body: { ...result.body, ...(result.replayed ? { replayed: true } : {}) } };
  }

  /**
   * A batch of the caller's mutations, each deduplicated by its OWN key and
   * run in its own transaction, in order. The reply lists every item's
   * outcome, with the status its single endpoint would have answered (a body
   * that breaks the contract is that item's 400); an item that failed
   * unexpectedly (5xx, 503 when PostgreSQL is gone) is retried by the client
   * under the same key.
   */
  async function batch(request) {
    const body = request.body;
    const shape = validators.validate('sendBatch', body ?? null);
    if (shape) {
      // The contract's error for a malformed envelope; the item count has its own message.
      if (Array.isArray(body?.items) && body.items.length > MAX_BATCH_ITEMS) {
        throw new ApiError(400, 'request.bad_body', `一批最多${MAX_BATCH_ITEMS}项`, { path: '/items' });
      }
      throw shape;
    }
    body.items.forEach((item, i) => {
      if (OPERATIONS[item.operation].role !== 'patient') {
        throw new ApiError(400, 'request.bad_body', `第${i + 1}项的 operation 不能在批量中提交`, { path: `/items/${i}/operation` });
      }
    });
    const results = [];
    for (const item of body.items) {
      const base = { idempotencyKey: item.idempotencyKey };
      const invalid = validators.validate(item.operation, item.body ?? null);
      if (invalid) {
        results.push({ ...base, status: invalid.status, body: invalid.toBody() });
        continue;
      }
      try {
        const r = await runMutation(pool, ctx, request.who, OPERATIONS[item.operation], item.idempotencyKey, item.body ?? null);
        results.push({ ...base, status: r.status, body: r.body, ...(r.replayed ? { replayed: true } : {}) });
      } catch (error) {
        if (isConnectionError(error)) {
          request.log.warn({ code: error.code, msg: error.message }, 'database unavailable during a batch item');
          results.push({ ...base, status: 503, body: UNAVAILABLE });
        } else {
          request.log.error({ err: error, item: echo(item.idempotencyKey) }, 'batch item failed');
          results.push({ ...base, status: 500, body: INTERNAL });
        }
      }
    }
    return { results };
  }

  await app.register(
    async (api) => {
      registerRoutes(api, {
        core,
        read,
        mutate,
        batch,
        deployment: () => deployment,
        pool,
        ctx,
        guard,
        send,
        intake,
      });
      registerAuthRoutes(api, { auth, send, guard });
      api.options('/*', (request, reply) => reply.code(204).headers(corsHeaders(request)).send());
    },
    { prefix: API_PREFIX },
  );

  // ---------------------------------------------------------------- everything else: the web shell

  function proxyToWeb(request, reply) {
    return new Promise((resolvePromise) => {
      const headers = { ...request.headers, host: `${HOST}:${staticServer.port}` };
      delete headers['content-length'];
      delete headers['transfer-encoding'];
      const upstream = http.request(
        { host: HOST, port: staticServer.port, method: request.method, path: request.url, headers },
        (up) => {
          const { connection, 'keep-alive': keepAlive, 'transfer-encoding': te, ...upHeaders } = up.headers;
          resolvePromise(reply.code(up.statusCode ?? 502).headers(upHeaders).send(up));
        },
      );
      upstream.on('error', () => {
        resolvePromise(reply.code(502).type('text/plain; charset=utf-8').send('Bad Gateway\n'));
      });
      upstream.end();
    });
  }

  registerDeploymentLogo(app, () => deployment);

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0];
    if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) {
      if (isKnownPath(path.slice(API_PREFIX.length))) {
        return send(reply, 405, { error: { code: 'request.method_not_allowed', message: '不支持这种请求方法' } });
      }
      return send(reply, 404, { error: { code: 'request.not_found', message: '没有这个接口' } });
    }
    if (staticServer) return proxyToWeb(request, reply);
    return send(reply, 404, { error: { code: 'request.not_found', message: '没有这个接口' } });
  });

  await app.listen({ port, host });
  const actualPort = app.server.address().port;
  try {
    deployment = loadDeployment(deploymentOptions, { core, demo, demoJoinUrl: `http://${host}:${actualPort}/?backend=http` });
  } catch (error) {
    await app.close();
    if (staticServer) await staticServer.close();
    await pool.end().catch(() => {});
    throw error;
  }
  auth.setPort(actualPort);

  // Keep the staff report's month current for a long-running demo.
  const monthly = setInterval(() => {
    if (!demo) return;
    pool
      .connect()
      .then((client) => seedCommunityMonth(client, ctx.nowMs()).finally(() => client.release()))
      .catch(() => {});
  }, 3_600_000);
  monthly.unref();

  let jobs = null;
  if (runJobs) {
    try {
      jobs = await startJobs(pool, { databaseUrl, ctx, sender, schedule, log: (line) => app.log.info(line) });
    } catch (error) {
      clearInterval(monthly);
      await app.close();
      if (staticServer) await staticServer.close();
      await pool.end().catch(() => {});
      throw error;
    }
  }

  let closing = null;
  return {
    url: `http://${host}:${actualPort}/`,
    apiUrl: `http://${host}:${actualPort}${API_PREFIX}`,
    port: actualPort,
    coreVersion: core.version,
    pool,
    nowMs: ctx.nowMs,
    jobs,
    /** The notification sender (a RecordingSender in demo mode: tests read what it got). */
    sender,
    /** TEST ONLY: moves the server's clock by `ms` (e.g. 90 days) for every later request and job run. */
    advanceClock(ms) {
      if (!Number.isSafeInteger(ms)) throw new TypeError('advanceClock: integer milliseconds');
      clockOffsetMs += ms;
      return ctx.nowMs();
    },
    /** Sign-in and sessions (auth/index.mjs): tests open sessions of records they made. */
    auth,
    /** Group-message intake: its secret and channel (tests read the recording channel). */
    intake,
    close() {
      closing ??= (async () => {
        clearInterval(monthly);
        await jobs?.stop();
        app.server.closeAllConnections();
        await app.close();
        if (staticServer) await staticServer.close();
        await pool.end().catch(() => {});
      })();
      return closing;
    },
  };
}

function parseArgs(argv) {
  const options = { port: Number(process.env.PORT ?? DEFAULT_PORT), allowOrigins: [], origins: [] };
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
    else if (arg === '--no-jobs') options.jobs = false;
    else if (arg === '--no-schedule') options.schedule = false;
    else if (arg === '--demo') options.demo = true;
    else if (arg === '--origin') options.origins.push(new URL(value(i++)).origin);
    else if (arg === '--oidc-config') options.oidcConfig = resolve(value(i++));
    else if (arg === '--verbose') options.verbose = true;
    else if (arg === '--deployment') (options.deployment ??= {}).file = resolve(value(i++));
    else if (arg === '--join-url') (options.deployment ??= {}).joinUrl = value(i++);
    else if (arg === '--hospital-name') (options.deployment ??= {}).hospitalName = value(i++);
    else if (arg === '--logo') (options.deployment ??= {}).logo = resolve(value(i++));
    else if (arg === '--mini-program-path') (options.deployment ??= {}).miniProgramPath = value(i++);
    else if (arg === '--rate-limit-address') options.perAddressPerMinute = Number(value(i++));
    else if (arg === '--rate-limit-token') options.perTokenPerMinute = Number(value(i++));
    else throw new Error(`unknown option: ${arg}`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error('invalid --port');
  if (options.nowOffsetMs !== undefined && !Number.isSafeInteger(options.nowOffsetMs)) throw new Error('invalid --now-offset-ms');
  for (const name of ['perAddressPerMinute', 'perTokenPerMinute']) {
    if (options[name] !== undefined && !(Number.isSafeInteger(options[name]) && options[name] > 0)) throw new Error(`invalid rate limit: ${options[name]}`);
  }
  options.databaseUrl ??= process.env.DATABASE_URL;
  return options;
}

async function main() {
  // Run as a command, it serves the production build of the shell (build/web)
  // unless CARECIRCLE_WEB=source says the sources (scripts/serve.mjs).
  process.env.CARECIRCLE_WEB ||= 'build';
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
      demo: options.demo ?? false,
      web: options.web ?? true,
      allowOrigins: options.allowOrigins,
      origins: options.origins,
      oidc: options.oidcConfig ? JSON.parse(readFileSync(options.oidcConfig, 'utf8')) : null,
      wechat: WeChatJsCode2Session.fromEnv(),
      nowOffsetMs: options.nowOffsetMs ?? 0,
      deployment: options.deployment ?? {},
      jobs: options.jobs ?? true,
      schedule: options.schedule ?? true,
      rateLimits: {
        ...(options.perAddressPerMinute ? { perAddressPerMinute: options.perAddressPerMinute } : {}),
        ...(options.perTokenPerMinute ? { perTokenPerMinute: options.perTokenPerMinute } : {}),
      },
      logLevel: options.verbose ? 'info' : 'warn',
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    process.stderr.write(`backend failed to start: ${error.stack ?? error}\n`);
    await stop(1);
    return;
  }
  process.stdout.write(`CareCircle reference backend (core ${backend.coreVersion}): API ${backend.apiUrl}\n`);
  if (options.web ?? true) process.stdout.write(`Web shell: ${backend.url}\n`);
  if (options.demo) {
    process.stdout.write(
      'DEMO MODE: synthetic demo hospital (演示数据); demo sign-in for patients and each staff role, from this machine only\n' +
        `Demo login: curl -s -X POST -H 'Content-Type: application/json' -d '{"as":"demoPatient"}' ${backend.apiUrl}/demo/sessions\n`,
    );
  }
  process.stdout.write('READY\n');
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) await main();
