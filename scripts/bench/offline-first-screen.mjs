// The offline demo's 打卡 first screen, cold, 4× CPU throttling: how long
// from navigation until the streak screen shows what the core computed
// (carecircle:checkin-rendered), and how much of it comes after the core and
// the demo's data are ready (the first getStreakInputs and the render).
// Run alone: `node scripts/bench/offline-first-screen.mjs [runs]` (serves
// CARECIRCLE_WEB, the sources by default); `npm run bench` prints it too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, FLAGS } from '../chromium.mjs';
import { startServer } from '../serve.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function coldStart(url) {
  const profile = mkdtempSync(join(tmpdir(), 'cc-bench-first-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS,
    viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    serviceWorkers: 'block',
  });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60_000 });
    return await page.evaluate(() => {
      const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? NaN;
      return {
        checkIn: Math.round(at('carecircle:checkin-rendered')),
        afterData: Math.round(at('carecircle:checkin-rendered') - at('carecircle:core-and-data-ready')),
        interactive: Math.round(at('carecircle:interactive')),
      };
    });
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function run(row, runs = 5) {
  const server = await startServer({ port: 0 });
  try {
    const results = [];
    for (let i = 0; i < runs; i += 1) results.push(await coldStart(server.url));
    const mid = (key) => median(results.map((r) => r[key]));
    const span = (key) => `min ${Math.min(...results.map((r) => r[key]))}, max ${Math.max(...results.map((r) => r[key]))}`;
    row('offline 打卡 drawn with the core\'s report', `${mid('checkIn')} ms`, `navigation → carecircle:checkin-rendered, 4× CPU, median of ${runs} fresh profiles (${span('checkIn')})`);
    row('  of which after core + data ready', `${mid('afterData')} ms`, `the first getStreakInputs and the render (${span('afterData')})`);
    row('  page interactive at', `${mid('interactive')} ms`, 'every tab created (data-ready)');
    return results;
  } finally {
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run((name, value, note) => console.log(`${name.padEnd(44)} ${String(value).padStart(9)}  ${note}`), Number(process.argv[2]) || 5);
}
