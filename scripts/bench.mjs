// `npm run bench`: measured figures, printed as a table. Not a test: it
// asserts nothing about speed. Every figure is measured in this run.
//
//  - size of the WebAssembly module and its JS glue, raw and gzip -9; a size
//    table of every .wasm and every file of the production build of the
//    shell, and the first screen against its budgets (scripts/bench/sizes.mjs);
//  - module instantiation in Node (fresh process each time, median of 7);
//  - streak evaluation over 10 years of daily check-ins (3,652 records plus
//    a few duplicates and make-ups), native (carecircle_cli) and wasm in
//    Node, median per call, and their ratio;
//  - eligibility: 5 rules over 100k generated patients against json-logic-js
//    and json-rules-engine (scripts/bench/eligibility.mjs);
//  - the console's campaign dry run over 100k patients: time to the first rows
//    and to the whole table, core alone and in the console (scripts/bench/console-dry-run.mjs);
//  - moderation throughput on 10 MB with 5,000 patterns (scripts/bench/moderation.mjs);
//  - referral forest layout against d3-hierarchy (scripts/bench/referral.mjs);
//  - headless Chromium: cold start with 4× CPU throttling (the offline demo's
//    打卡 up to drawn with the core's report, and the part after core + data
//    are ready), forest layout in the page against d3
//    (scripts/bench/browser.mjs), on the production build;
//  - Lighthouse 12.2.3's mobile preset (4× CPU, slow 4G) on 打卡 and on the
//    join page: score, LCP, TBT, TTI, medians of 5 cold runs
//    (scripts/bench/lighthouse.mjs; BENCH_LIGHTHOUSE_RUNS to change);
//  - posters against Satori + resvg (scene, PNG, cold, bytes) and QR encodes
//    per second against npm qrcode (scripts/bench/poster.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The browser figures are of the shell as it ships: the production build.
process.env.CARECIRCLE_WEB ||= 'build';
const wasmDir = join(root, 'build', 'wasm');
const cli = join(root, 'build', 'native', 'tests', 'carecircle_cli');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const rows = [];
const row = (what, value, note = '') => rows.push([what, value, note]);

// 1. Sizes.
for (const file of ['core.wasm', 'core.mjs']) {
  const bytes = readFileSync(join(wasmDir, file));
  row(`size ${file}`, `${kb(bytes.length)} raw`, `${kb(gzipSync(bytes, { level: 9 }).length)} gzip -9`);
}

// 1b. What a phone downloads: every .wasm, every file of the built shell, the first screen's budgets.
const { run: runSizes } = await import('./bench/sizes.mjs');
const sizesMet = runSizes(row);

// 2. Instantiation in fresh Node processes.
const probe = `
  const t0 = performance.now();
  const { default: createCore } = await import(${JSON.stringify(pathToFileURL(join(wasmDir, 'core.mjs')).href)});
  const core = await createCore();
  const t1 = performance.now();
  core.coreVersion();
  console.log(t1 - t0);`;
const inits = [];
for (let i = 0; i < 7; i++) {
  inits.push(Number(execFileSync('node', ['--input-type=module', '-e', probe]).toString().trim()));
}
row('instantiate (Node, cold process)', `${median(inits).toFixed(1)} ms`,
  `median of 7; min ${Math.min(...inits).toFixed(1)} max ${Math.max(...inits).toFixed(1)}`);

// 3. Ten years of daily check-ins.
const now = Date.UTC(2026, 10, 23, 4);
const checkIns = [];
for (let i = 0; i < 3652; i++) {
  if (i % 97 === 50) continue;  // an occasional missed day
  checkIns.push({ id: `c${i}`, patientId: 'p-001', atMs: now - i * 86400000 - (i % 11) * 600000, seq: i });
}
for (let i = 0; i < 40; i++) checkIns.push({ ...checkIns[i * 50], id: `dup${i}` });
const request = JSON.stringify({ nowMs: now, patientId: 'p-001', checkIns });
row('10-year request', `${checkIns.length} check-ins`, `${kb(request.length)} JSON`);

const { default: createCore } = await import(pathToFileURL(join(wasmDir, 'core.mjs')).href);
const core = await createCore();
const reply = core.evaluateStreak(request);
if (!JSON.parse(reply).ok) throw new Error(`bench request failed: ${reply.slice(0, 200)}`);
for (let i = 0; i < 5; i++) core.evaluateStreak(request);  // warm-up
const samples = [];
for (let i = 0; i < 30; i++) {
  const t0 = performance.now();
  core.evaluateStreak(request);
  samples.push(performance.now() - t0);
}
const wasmMs = median(samples);

const native = spawnSync(cli, ['evaluateStreak', '--repeat', '200'], { input: request });
if (native.status !== 0) throw new Error(`carecircle_cli failed: ${native.stderr}`);
const nativeMs = Number(/([\d.]+) ms\/call/.exec(native.stderr.toString())[1]);
const sameBytes = native.stdout.toString() === reply;

row('evaluateStreak 10 y, native', `${nativeMs.toFixed(3)} ms/call`, 'mean of 200, parse + rules + encode');
row('evaluateStreak 10 y, wasm (Node)', `${wasmMs.toFixed(3)} ms/call`, 'median of 30, incl. string copies');
row('wasm / native', `${(wasmMs / nativeMs).toFixed(2)}×`, sameBytes ? 'replies identical byte for byte' : 'REPLIES DIFFER');

// 4. Eligibility against json-logic-js and json-rules-engine.
const { run: runEligibility } = await import('./bench/eligibility.mjs');
const agreed = await runEligibility(core, cli, row, {
  patients: Number(process.env.BENCH_PATIENTS || 100_000),
});

// 4b. The console's campaign dry run over 100k patients: the first rows and the whole table.
const { run: runDryRun } = await import('./bench/console-dry-run.mjs');
const dryRunAgrees = await runDryRun(core, row);

// 5. Moderation throughput.
const { run: runModeration } = await import('./bench/moderation.mjs');
runModeration(core, cli, row);

// 6. Referral forest layout against d3-hierarchy.
const { run: runReferral } = await import('./bench/referral.mjs');
const treesAgree = runReferral(row);

// 7. Headless Chromium: cold start under 4× throttling, forest layout in the page.
const { run: runBrowser } = await import('./bench/browser.mjs');
const browserAgrees = await runBrowser(row);

// 7b. Lighthouse's mobile preset on 打卡 and the join page (budgets reported, not enforced).
const { run: runLighthouse } = await import('./bench/lighthouse.mjs');
const lighthouse = await runLighthouse(row);

// 8. Posters against Satori + resvg; QR encodes against npm qrcode.
const { run: runPoster } = await import('./bench/poster.mjs');
await runPoster(core, cli, row);

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`CareCircle bench — ${new Date().toISOString()} — node ${process.version}, core ${core.coreVersion()}`);
for (const [what, value, note] of rows) console.log(`${what.padEnd(width)}  ${value.padStart(16)}  ${note}`);
console.log(`budgets: first screen ${sizesMet ? 'met' : 'NOT MET'}; Lighthouse (score ≥ 90, LCP ≤ 2.5 s on both pages) ${lighthouse.met ? 'met' : 'NOT MET'}`);
if (!sameBytes || !agreed || !dryRunAgrees || !treesAgree || !browserAgrees) process.exitCode = 1;
