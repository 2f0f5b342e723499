// Headless Chromium figures: cold start of the offline demo with 4× CPU
// throttling (navigation → first interactive screen, bytes transferred, wasm
// instantiation), and the referral forest layout in the page against
// d3-hierarchy on the same data (the Node figures are in referral.mjs).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM, FLAGS } from '../chromium.mjs';
import { startServer } from '../serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One cold start of the offline demo in a fresh profile, 4× CPU throttling. */
async function coldStart(url) {
  const profile = mkdtempSync(join(tmpdir(), 'cc-bench-cold-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS,
    viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    serviceWorkers: 'block',
  });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    const t0 = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60_000 });
    const interactiveMs = Date.now() - t0;
    const marks = await page.evaluate(() => {
      const at = (name) => performance.getEntriesByName(name)[0];
      const instantiate = at('carecircle:wasm-instantiate');
      return {
        dcl: Math.round(performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? NaN),
        frame: Math.round(at('carecircle:frame-rendered')?.startTime ?? NaN),
        instantiate: Math.round(instantiate?.duration ?? NaN),
        wasmReady: Math.round((instantiate?.startTime ?? NaN) + (instantiate?.duration ?? NaN)),
        dataReady: Math.round(at('carecircle:core-and-data-ready')?.startTime ?? NaN),
        // 打卡 drawn with the core's report, and how much of that follows core + data
        // (the demo's first getStreakInputs and the render).
        checkIn: Math.round(at('carecircle:checkin-rendered')?.startTime ?? NaN),
        afterData: Math.round((at('carecircle:checkin-rendered')?.startTime ?? NaN) - (at('carecircle:core-and-data-ready')?.startTime ?? NaN)),
      };
    });
    return { interactiveMs, bytes, ...marks };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function run(row) {
  const server = await startServer({ port: 0 });
  const profile = mkdtempSync(join(tmpdir(), 'cc-bench-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS,
    viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    serviceWorkers: 'block',  // a cold start: nothing cached
  });
  try {
    // 1. Cold start, 4× slower CPU (a cheap Android phone): 5 runs, each in a
    // fresh profile (no HTTP cache, no IndexedDB, no service worker).
    const runs = [];
    for (let i = 0; i < 5; i += 1) runs.push(await coldStart(server.url));
    const mid = (key) => median(runs.map((r) => r[key]));
    row('cold start, 4× CPU throttle', `${mid('interactiveMs')} ms`,
      `navigation → first interactive screen; median of 5 fresh profiles (min ${Math.min(...runs.map((r) => r.interactiveMs))}, max ${Math.max(...runs.map((r) => r.interactiveMs))}); aim < 1000 ms`);
    row('  DOMContentLoaded at', `${mid('dcl')} ms`, 'HTML, CSS and every module of the first screen (preloaded in parallel)');
    row('  first screen drawn at', `${mid('frame')} ms`, '打卡 drawn from the profile, its button 准备中 until the core is ready');
    row('  wasm ready at', `${mid('wasmReady')} ms`, 'core.wasm compiled while downloading (compileStreaming), instantiated');
    row('  core + data ready at', `${mid('dataReady')} ms`, 'core + IndexedDB opened and the demo seeded (first visit)');
    row('  打卡 drawn with the core\'s report at', `${mid('checkIn')} ms`, `the offline demo's streak figures on the screen (min ${Math.min(...runs.map((r) => r.checkIn))}, max ${Math.max(...runs.map((r) => r.checkIn))})`);
    row('    of which after core + data ready', `${mid('afterData')} ms`, 'the first getStreakInputs (the demo\'s issuance, first step) and the render');
    row('wasm instantiate, 4× throttle', `${mid('instantiate')} ms`, 'last byte in hand → module ready; aim < 100 ms');
    row('bytes transferred, cold', `${(mid('bytes') / 1024).toFixed(0)} KiB`, 'on the wire, gzip where it helps');

    // 2. Referral forest in the page: d3 vs the core, same 100k forest.
    const d3Source = readFileSync(join(root, 'node_modules', 'd3-hierarchy', 'dist', 'd3-hierarchy.min.js'), 'utf8');
    const forest = await context.newPage();
    await forest.route('**/bench-d3-hierarchy.js', (route) => route.fulfill({ body: d3Source, contentType: 'text/javascript' }));
    await forest.goto(`${server.url}manifest.webmanifest`);
    const result = await forest.evaluate(async (n) => {
      await new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = '/bench-d3-hierarchy.js';
        s.onload = resolve;
        s.onerror = reject;
        document.head.append(s);
      });
      let seed = 20261123;
      const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
      const parent = new Int32Array(n);
      const depth = new Int32Array(n);
      parent[0] = -1;
      for (let i = 1; i < n; i++) {
        if (rand() < 0.01) { parent[i] = -1; continue; }
        let p = Math.max(0, i - 1 - Math.floor(rand() * Math.min(i, 50)));
        while (depth[p] >= 12) p = parent[p];
        parent[i] = p;
        depth[i] = depth[p] + 1;
      }
      const id = (i) => `p${String(i).padStart(8, '0')}`;
      const rows = [{ id: 'root', parentId: null }];
      for (let i = 0; i < n; i++) rows.push({ id: id(i), parentId: parent[i] < 0 ? 'root' : id(parent[i]) });
      let t = performance.now();
      const h = d3.stratify().id((d) => d.id).parentId((d) => d.parentId)(rows);
      d3.tree().nodeSize([88, 120])(h);
      const dx = new Float64Array(n);
      let k = 0;
      h.each((d) => { if (d.depth > 0) dx[k++] = d.x; });
      const d3Ms = performance.now() - t;

      const { default: createCore } = await import('/wasm/core.mjs');
      const core = await createCore();
      const records = [];
      for (let i = 0; i < n; i++) if (parent[i] >= 0) records.push({ referrerId: id(parent[i]), refereeId: id(i), invitedAtMs: i });
      t = performance.now();
      const index = new Map();
      for (let i = 0; i < n; i++) index.set(id(i), i);
      const m = records.length;
      const a = new Int32Array(m), b = new Int32Array(m), c = new Float64Array(m);
      for (let j = 0; j < m; j++) { a[j] = index.get(records[j].referrerId); b[j] = index.get(records[j].refereeId); c[j] = records[j].invitedAtMs; }
      const reply = core.layoutForestArrays(a, b, c, n, { nodeWidth: 88, levelHeight: 120 });
      const coreMs = performance.now() - t;
      let same = reply.ok && reply.value.x.length === n;
      for (let i = 0; same && i < n; i += 97) same = reply.value.x[i] === dx[i];
      return { d3Ms, coreMs, same };
    }, 100_000);
    row('tree 100,000 in Chromium: d3', `${result.d3Ms.toFixed(0)} ms`, 'stratify + tree, x into a Float64Array');
    row('tree 100,000 in Chromium: core arrays', `${result.coreMs.toFixed(0)} ms`,
      `${(result.d3Ms / result.coreMs).toFixed(1)}× d3 speed incl. interning ids${result.same ? '; layouts equal' : '; LAYOUTS DIFFER'}`);
    await forest.close();
    return result.same;
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
