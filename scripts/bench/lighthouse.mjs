// Measured as a phone would: Lighthouse 12.2.3 (its node API) in its default
// mobile preset — a Moto G-class phone, 4× slower CPU, slow 4G (150 ms RTT,
// 1.6 Mbit/s down), simulated — on the production build of the shell
// (build/web, served with gzip by scripts/serve.mjs) in Debian's Chromium,
// started by chrome-launcher with this machine's flags and a fresh profile
// for every run (each run is cold: nothing cached, no service worker).
//
// Two pages: 打卡 (the patient's first screen, `/`) and the join page a
// friend opens from a poster or a shared link (`/?c=<code>`). Each is run
// `runs` times (at least 5); the medians are printed with the spread, next
// to the budgets (performance score ≥ 90, LCP ≤ 2.5 s).
//
//   node scripts/bench/lighthouse.mjs [--runs N] [--json FILE]   (alone)
//   npm run bench                                                (with the rest)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { CHROMIUM, FLAGS } from '../chromium.mjs';
import { startServer } from '../serve.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// A referral code of the core's shape: the join page looks it up, as on a friend's phone.
export const PAGES = [
  { name: '打卡 (first screen)', path: '' },
  { name: 'join page', path: '?c=7YDZRMEJX1XM6' },
];

export const BUDGETS = { score: 90, lcpMs: 2500 };

/** One cold Lighthouse run of `url` in a fresh Chromium; returns the figures. */
async function lighthouseOnce(url) {
  const [{ default: lighthouse }, { launch }] = await Promise.all([import('lighthouse'), import('chrome-launcher')]);
  const profile = mkdtempSync(join(tmpdir(), 'cc-lighthouse-'));
  const chrome = await launch({
    chromePath: CHROMIUM,
    chromeFlags: [...FLAGS, '--mute-audio', '--no-default-browser-check'],
    userDataDir: profile,
    logLevel: 'silent',
  });
  try {
    // No config: Lighthouse's default is the mobile preset (formFactor mobile,
    // simulated throttling: 4× CPU, slow 4G). Performance only.
    const result = await lighthouse(url, { port: chrome.port, output: 'json', logLevel: 'error', onlyCategories: ['performance'] });
    const { lhr } = result;
    if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    const audit = (id) => lhr.audits[id]?.numericValue ?? NaN;
    const settings = lhr.configSettings;
    return {
      score: Math.round((lhr.categories.performance.score ?? NaN) * 100),
      fcpMs: audit('first-contentful-paint'),
      lcpMs: audit('largest-contentful-paint'),
      tbtMs: audit('total-blocking-time'),
      ttiMs: audit('interactive'),
      siMs: audit('speed-index'),
      bytes: audit('total-byte-weight'),
      requests: lhr.audits['network-requests']?.details?.items?.length ?? NaN,
      preset: `${settings.formFactor}, ${settings.throttlingMethod}, CPU ×${settings.throttling.cpuSlowdownMultiplier}, ` +
        `RTT ${settings.throttling.rttMs} ms, ${(settings.throttling.throughputKbps / 1000).toFixed(1)} Mbit/s`,
    };
  } finally {
    await chrome.kill();
    rmSync(profile, { recursive: true, force: true });
  }
}

/**
 * Runs every page `runs` times (cold) and adds the medians to `row`.
 * @returns {Promise<{pages: object[], met: boolean}>}
 */
export async function run(row, { runs = Number(process.env.BENCH_LIGHTHOUSE_RUNS || 5) } = {}) {
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`runs must be a positive integer, not ${runs}`);
  const server = await startServer({ port: 0, web: 'build' });
  const pages = [];
  try {
    for (const page of PAGES) {
      const results = [];
      for (let i = 0; i < runs; i += 1) results.push(await lighthouseOnce(`${server.url}${page.path}`));
      const mid = (key) => median(results.map((r) => r[key]));
      const spread = (key, unit = ' ms') => `${Math.round(Math.min(...results.map((r) => r[key])))}–${Math.round(Math.max(...results.map((r) => r[key])))}${unit}`;
      const figures = {
        page: page.name, runs, score: mid('score'), lcpMs: mid('lcpMs'), tbtMs: mid('tbtMs'), ttiMs: mid('ttiMs'),
        fcpMs: mid('fcpMs'), siMs: mid('siMs'), bytes: mid('bytes'), requests: mid('requests'),
        preset: results[0].preset, all: results,
      };
      figures.met = figures.score >= BUDGETS.score && figures.lcpMs <= BUDGETS.lcpMs;
      pages.push(figures);
      const tag = `Lighthouse ${page.name}`;
      row(`${tag}: performance score`, `${figures.score}`, `median of ${runs} cold runs (${spread('score', '')}); budget ≥ ${BUDGETS.score}: ${figures.score >= BUDGETS.score ? 'met' : 'NOT MET'}; ${figures.preset}`);
      row(`${tag}: LCP`, `${Math.round(figures.lcpMs)} ms`, `${spread('lcpMs')}; budget ≤ ${BUDGETS.lcpMs} ms: ${figures.lcpMs <= BUDGETS.lcpMs ? 'met' : 'NOT MET'}`);
      row(`${tag}: TBT`, `${Math.round(figures.tbtMs)} ms`, spread('tbtMs'));
      row(`${tag}: TTI`, `${Math.round(figures.ttiMs)} ms`, spread('ttiMs'));
      row(`${tag}: FCP`, `${Math.round(figures.fcpMs)} ms`, `${spread('fcpMs')}; speed index ${Math.round(figures.siMs)} ms`);
      row(`${tag}: bytes`, `${(figures.bytes / 1024).toFixed(0)} KiB`, `${figures.requests} requests (Lighthouse's total byte weight, on the wire)`);
    }
  } finally {
    await server.close();
  }
  return { pages, met: pages.every((p) => p.met) };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const jsonAt = args.indexOf('--json');
  const rows = [];
  const result = await run((...r) => rows.push(r), runsAt >= 0 ? { runs: Number(args[runsAt + 1]) } : {});
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [what, value, note] of rows) console.log(`${what.padEnd(width)}  ${String(value).padStart(10)}  ${note}`);
  if (jsonAt >= 0) writeFileSync(args[jsonAt + 1], JSON.stringify(result, null, 2));
}
