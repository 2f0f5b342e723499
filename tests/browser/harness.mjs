// What the browser tests share: how Debian's Chromium is launched here, and
// the child processes (the reference backend) some tests start and must leave
// nothing behind of.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// No background networking: this machine's closed network refuses it (TOOLCHAIN.md §6).
export const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const SERVER = join(REPO, 'scripts', 'backend', 'server.mjs');

/** Starts scripts/backend/server.mjs on `port` against `databaseUrl`; resolves with the child when it is READY. */
export async function spawnBackend({ databaseUrl, port }) {
  const child = spawn(process.execPath, [SERVER, '--database-url', databaseUrl, '--port', String(port)], {
    cwd: REPO,
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

/** Stops a child process (if still running) and waits for it to exit. */
export async function stopProcess(child, signal = 'SIGTERM') {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** Processes whose command line contains `text` (e.g. a PostgreSQL data directory). */
export function processesMentioning(text) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(text)) found.push(`${entry}: ${cmdline}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** The pids among `pids` that are still alive (zombies count as gone). */
export function livePids(pids) {
  return pids.filter((pid) => existsSync(`/proc/${pid}`) && !/^\S+ \S+ Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
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
  for (const file of ['core.mjs', 'core.wasm']) {
    if (!existsSync(join(REPO, 'build', 'wasm', file))) {
      throw new Error(`build/wasm/${file} is missing: run npm run build first`);
    }
  }
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
