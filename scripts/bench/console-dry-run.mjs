// The console's campaign dry run over 100,000 patients: the operations
// person's wait. Two figures, each for the time to the first rows and to the
// whole table:
//   1. the core alone (wasm in Node): the chunks the console asks for
//      (2,000 patients each, the totals carried from chunk to chunk), the
//      final totals checked against evaluateEligibilityBatch over the same
//      patients before anything is reported;
//   2. the console itself: headless Chromium at 1366×768 on the offline demo
//      (the page's core playing the server) with a hospital of 100,000
//      synthetic patients (`?demoHospital=100000`): sign in as 运营, open
//      活动管理, 试运行 on the demo's fission campaign; the screen records when
//      the first rows were drawn and when the table was complete
//      (#campaign-dryrun data-first-ms / data-total-ms). Median of 3 fresh pages.
// BENCH_DRY_RUN_PATIENTS changes the size (default 100,000).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

import { chromium } from 'playwright-core';

import { CHROMIUM, FLAGS } from '../chromium.mjs';
import { startServer } from '../serve.mjs';
import { demoHospitalPatients, DRY_RUN_CHUNK } from '../../web/backend/offline-campaigns.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NOW = Date.UTC(2026, 11, 6, 4); // 2026-12-06 12:00 in Beijing
const CAMPAIGN = 'fission-exam';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * @param {any} core  the Emscripten module (build/wasm/core.mjs)
 * @param {(what: string, value: string, note?: string) => void} row
 * @returns {Promise<boolean>} whether the dry run agreed with the batch
 */
export async function run(core, row, { patients: n = Number(process.env.BENCH_DRY_RUN_PATIENTS || 100_000), pages = 3 } = {}) {
  const { campaigns } = JSON.parse(readFileSync(join(root, 'web', 'demo', 'campaigns.json'), 'utf8'));
  const hospital = demoHospitalPatients(NOW, n).map(({ patient, referrals }) => ({ patient, referrals }));
  const call = (name, request) => JSON.parse(core[name](JSON.stringify(request)));

  // 1. The core alone, chunk by chunk as the console asks.
  const runs = [];
  let last = null;
  for (let r = 0; r < 5; r += 1) {
    const t0 = performance.now();
    let first = 0;
    let carry = null;
    for (let i = 0; i < hospital.length; i += DRY_RUN_CHUNK) {
      const reply = call('dryRunCampaign', { nowMs: NOW, campaigns, campaignId: CAMPAIGN, patients: hospital.slice(i, i + DRY_RUN_CHUNK), ...(carry ? { carry } : {}) });
      if (!reply.ok) throw new Error(`dryRunCampaign: ${reply.error.code} ${reply.error.message}`);
      if (i === 0) first = performance.now() - t0;
      carry = reply.value.totals;
      last = reply.value;
    }
    runs.push({ first, total: performance.now() - t0 });
  }
  let eligible = 0;
  let pending = 0;
  for (let i = 0; i < hospital.length; i += 10_000) {
    const batch = call('evaluateEligibilityBatch', { nowMs: NOW, campaigns, patients: hospital.slice(i, i + 10_000) });
    if (!batch.ok) throw new Error(`evaluateEligibilityBatch: ${batch.error.code}`);
    for (const r of batch.value.results) {
      if (r.eligible.includes(CAMPAIGN)) eligible += 1;
      else if (r.pending.includes(CAMPAIGN)) pending += 1;
    }
  }
  const agreed = last.totals.patients === hospital.length && last.totals.eligible === eligible && last.totals.pending === pending;
  const count = (x) => x.toLocaleString('en-US');
  row(
    `dry run ${count(n)} patients, core (wasm, Node)`,
    `${median(runs.map((x) => x.first)).toFixed(1)} ms first`,
    `${median(runs.map((x) => x.total)).toFixed(0)} ms whole table; ${count(last.totals.receiving)} receiving, ${count(last.totals.grants)} grants; median of 5; ${agreed ? 'totals = evaluateEligibilityBatch' : 'TOTALS DIFFER FROM THE BATCH'}`,
  );

  // 2. The console in Chromium (the offline demo plays the server with the page's core).
  const server = await startServer({ port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...FLAGS] });
  const shown = [];
  try {
    for (let p = 0; p < pages; p += 1) {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'block' });
      const page = await context.newPage();
      page.setDefaultTimeout(180_000);
      await page.goto(`${server.url}?demoHospital=${n}#staff`, { waitUntil: 'load' });
      await page.waitForSelector('body[data-staff="signin"]');
      await page.click('#staff-signin-roles [data-staff-role="operations"]');
      await page.waitForSelector('#staff-campaigns:not([hidden])[data-state="ready"]');
      await page.click(`#campaign-table tr[data-campaign-id="${CAMPAIGN}"] .campaigns-link`);
      await page.waitForSelector('#campaign-frozen');
      await page.click('#campaign-dryrun-start');
      await page.waitForSelector('#campaign-dryrun[data-state="ready"]');
      shown.push({
        first: Number(await page.getAttribute('#campaign-dryrun', 'data-first-ms')),
        total: Number(await page.getAttribute('#campaign-dryrun', 'data-total-ms')),
        patients: Number((await page.textContent('#dryrun-patients')).replace(/[^\d]/g, '')),
      });
      await context.close();
    }
  } finally {
    await browser.close();
    await server.close?.();
  }
  const complete = shown.every((s) => s.patients === n);
  row(
    `dry run ${count(n)} patients, console (Chromium)`,
    `${median(shown.map((x) => x.first)).toFixed(0)} ms first`,
    `${median(shown.map((x) => x.total)).toFixed(0)} ms whole table; 1366×768 offline demo, first rows after one chunk of ${count(DRY_RUN_CHUNK)}; median of ${pages}${complete ? '' : '; NOT EVERY PATIENT COUNTED'}`,
  );
  return agreed && complete;
}
