// What the browser tests share: how Debian's Chromium is launched here, and
// the child processes (the reference backend) some tests start and must leave
// nothing behind of.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';

import { createPool, freePort, isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { CHROMIUM, FLAGS } from '../../scripts/chromium.mjs';
import { shellFromEnv, startServer } from '../../scripts/serve.mjs';
import { apiClient, livePids, processesMentioning, stopProcess } from '../support/backend.mjs';

/**
 * Whether a failed request is the offline demo fetching its own data
 * (/demo/…, e.g. the campaigns its background issuance reads when a page
 * opens) cancelled by the test navigating away: the browser reports it as
 * net::ERR_ABORTED, which is not a failure of the page.
 */
export function demoFetchCancelled(req) {
  return req.failure()?.errorText === 'net::ERR_ABORTED' && new URL(req.url()).pathname.startsWith('/demo/');
}

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export { CHROMIUM, FLAGS };

// Which shell the browser tests open: the sources while they change (the
// default), or the production build (CARECIRCLE_WEB=build, as `npm test` runs
// them: what ships is what is tested). Every server the tests start, the
// in-process one (scripts/serve.mjs) and the backend child, serves the same.
export const SHELL = shellFromEnv();

/** Throws a clear error when what the browser tests serve is not built. */
export function requireBuilt() {
  const needed = [join('build', 'wasm', 'core.mjs'), join('build', 'wasm', 'core.wasm')];
  if (SHELL === 'build') needed.push(join('build', 'web', 'index.html'), join('build', 'web', 'sw.js'));
  for (const file of needed) {
    if (!existsSync(join(REPO, file))) throw new Error(`${file} is missing: run npm run build first`);
  }
}

const SERVER = join(REPO, 'scripts', 'backend', 'server.mjs');

/**
 * Starts scripts/backend/server.mjs in demo mode (the synthetic hospital and
 * its demo sign-in) on `port` against `databaseUrl`, with any extra `args`;
 * resolves with the child when it is READY. Its jobs run on events and on
 * demand (立即运行, runNow), never by the clock: an hourly sweep that fell
 * inside a test would issue the seeded history's rewards under it.
 */
export async function spawnBackend({ databaseUrl, port, args = [] }) {
  const argv = [SERVER, '--demo', '--no-schedule', '--database-url', databaseUrl, '--port', String(port), ...args];
  const child = spawn(process.execPath, argv, {
    cwd: REPO,
    env: { ...process.env, CARECIRCLE_WEB: SHELL },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`backend did not start in time:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('READY\n')) {
        clearTimeout(timer);
        resolvePromise();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`backend exited (${code}) while starting:\n${output}`));
    });
  });
  child.stdout.resume();
  return child;
}


export { apiClient, livePids, processesMentioning, stopProcess };

/**
 * The reference backend as a child process on a fixed port that a test may
 * stop, kill (`child`) and start again; `pids` are every process it started.
 */
export function restartableBackend({ databaseUrl, port, args = [] }) {
  const handle = {
    /** @type {import('node:child_process').ChildProcess | null} */ child: null,
    /** @type {number[]} */ pids: [],
    async start() {
      handle.child = await spawnBackend({ databaseUrl, port, args });
      handle.pids.push(handle.child.pid);
      return handle.child;
    },
    async stop(signal = 'SIGTERM') {
      const { child } = handle;
      handle.child = null;
      await stopProcess(child, signal);
    },
  };
  return handle;
}

/**
 * What the tests that run one flow against both backends need: the offline
 * demo's static server, a private PostgreSQL (free port, temporary data
 * directory) with a pool, and scripts/backend/server.mjs as a child process
 * serving /api/v1 and the shell at `base`. `stop()` tears it all down and
 * asserts that no PostgreSQL or backend process is left.
 */
export async function startBackendStack() {
  const stack = {};
  stack.staticServer = await startServer({ port: 0 });
  stack.postgres = await startPostgres();
  stack.pool = createPool(stack.postgres.url, { max: 2 });
  const port = await freePort();
  stack.base = `http://127.0.0.1:${port}/`;
  stack.api = apiClient(`${stack.base}api/v1`);
  stack.backend = restartableBackend({ databaseUrl: stack.postgres.url, port });
  await stack.backend.start();
  stack.stop = async () => {
    await stack.staticServer?.close().catch(() => {});
    await stack.backend.stop();
    await stack.pool?.end().catch(() => {});
    const { dir } = stack.postgres;
    await stack.postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
    assert.deepEqual(processesMentioning(dir), [], 'no PostgreSQL process is left');
    assert.deepEqual(livePids(stack.backend.pids), [], 'no backend process is left');
  };
  return stack;
}

/**
 * Signs in to the staff workbench (#staff, already opened on `page`) with
 * the demo's staff account of `role` (护士 nurse, 客服 service, 医生 doctor,
 * 运营 operations, 审计 auditor), signing a different role out first.
 */
export async function signInStaff(page, role) {
  await page.waitForSelector('body[data-staff="signin"], body[data-staff="ready"]', { timeout: 60_000 });
  const current = await page.getAttribute('body', 'data-staff-role');
  if (current === role) return;
  if (current) {
    await page.click('#staff-signout');
    await page.waitForSelector('body[data-staff="signin"]');
  }
  await page.click(`#staff-signin-roles [data-staff-role="${role}"]`);
  await page.waitForSelector(`body[data-staff="ready"][data-staff-role="${role}"]`);
}

// A phone as the screens are tested: 375×667 @2x, touch, zh-CN, Beijing time.
export const PHONE = {
  viewport: { width: 375, height: 667 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
};

/** Logs every CSP violation in pages of `context` as a console error, so tests that fail on console errors see it. */
export async function recordCspViolations(context) {
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
}

/**
 * The demo served in-process and a fresh Chromium profile on a phone: checks
 * the wasm is built, serves web/, launches, records CSP violations, pins the
 * clock to `now` (when given) and gives the first page `stepTimeout`.
 * Returns {server, context, page, close()}; close() also removes the profile.
 */
export async function launchPhone({ startServer, chromium, now, stepTimeout, contextOptions = {} }) {
  requireBuilt();
  mkdirSync(join(REPO, 'test-output', 'screenshots'), { recursive: true });
  const server = await startServer({ port: 0 });
  const profileDir = mkdtempSync(join(tmpdir(), 'carecircle-chrome-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    ...PHONE,
    serviceWorkers: 'allow',
    ...contextOptions,
  });
  await recordCspViolations(context);
  if (now) await context.clock.setFixedTime(now);
  const page = context.pages()[0] ?? (await context.newPage());
  if (stepTimeout) page.setDefaultTimeout(stepTimeout);
  const close = async () => {
    await context.close().catch(() => {});
    await server.close();
    rmSync(profileDir, { recursive: true, force: true });
  };
  return { server, context, page, close };
}

/**
 * The set-up of a browser suite that runs its flows on both backends: before
 * the tests it checks the build, makes the screenshot folder, runs `check`
 * (a suite's own precondition), starts the backend stack (startBackendStack)
 * and Chromium; after them it closes both. The returned handle's `browser`
 * and `stack` are set once the `before` hook ran.
 * @param {{chromium: import('playwright-core').BrowserType, shots: string, check?: () => void}} options
 */
export function twoBackendSuite({ chromium, shots, check = () => {} }) {
  const suite = { browser: null, stack: null };
  before(async () => {
    requireBuilt();
    check();
    mkdirSync(shots, { recursive: true });
    suite.stack = await startBackendStack();
    suite.browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  });
  after(async () => {
    await suite.browser?.close().catch(() => {});
    await suite.stack?.stop();
  });
  return suite;
}
