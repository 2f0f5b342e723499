// Posters against Satori (+ @resvg/resvg-js for the PNG) on the same poster,
// in the same run. Not a test: it prints what it
// measures and asserts nothing about speed.
//
// The poster: a 750×1334 e-referral letter (成长基金推荐函) with a title, a
// masked name, ~70 characters of wrapped Chinese text, the friend's benefit,
// the referral code and a QR code. Both sides get the same QR module grid
// (Nayuki's npm build, as the shell makes it) so the QR encoder is not what
// is compared: ours takes the rows in the request; Satori an <img> of an SVG
// drawn from the same rows. Satori needs font files: Debian's DejaVu Sans and
// Droid Sans Fallback (scripts/bench/poster-data.mjs).
//
// Figures:
//  - scene: ours = layoutPoster in the .wasm under Node (request JSON → draw
//    list + SVG + reply JSON); Satori = satori() → SVG. Warm, median.
//  - PNG at 1500×2668 (device pixel ratio 2): ours = the draw list replayed on
//    a canvas in headless Chromium and encoded (web/poster/replay.js
//    posterToPngBlob); Satori's SVG rasterised by resvg-js (native, Node).
//  - cold first poster: a fresh Node process from start to the first scene
//    (imports, wasm instantiation or font loading included), median of 3.
//  - bytes a browser would download for poster making, gzip -9.
//  - QR encodes per second: npm `qrcode` against Nayuki's npm build (what the
//    shell uses) and Debian's libqrcodegencpp natively (carecircle_cli
//    encodeQr, JSON included).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

import qrcodegen from 'nayuki-qr-code-generator';
import QRCode from 'qrcode';
import { chromium } from 'playwright-core';

import { CHROMIUM, FLAGS } from '../chromium.mjs';
import { startServer } from '../serve.mjs';
import { PAYLOAD, SATORI_FONT_FILES, ourRequest, qrGrid, satoriElement, satoriFonts } from './poster-data.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

/** Median ms of `fn` (sync or async; awaiting a sync result costs far below the 0.01 ms printed). */
async function timeIt(fn, { warmup = 3, runs = 25 } = {}) {
  for (let i = 0; i < warmup; i += 1) await fn();
  const samples = [];
  for (let i = 0; i < runs; i += 1) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

/** Runs `source` (an ES module body printing one number) in fresh Node processes; median ms. */
function coldMs(source, runs = 3) {
  const xs = [];
  for (let i = 0; i < runs; i += 1) {
    xs.push(Number(execFileSync('node', ['--input-type=module', '-e', source], { cwd: root }).toString().trim()));
  }
  return median(xs);
}

function perSecond(fn, ms = 1000) {
  fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    fn();
    n += 1;
  }
  return n / ((performance.now() - t0) / 1000);
}

/** Our PNG in headless Chromium: layoutPoster + replay on a canvas at DPR 2 + PNG encode. */
async function ourPngInChromium(request) {
  const server = await startServer({ port: 0 });
  const profile = mkdtempSync(join(tmpdir(), 'cc-bench-poster-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS,
    viewport: { width: 375, height: 667 }, deviceScaleFactor: 2, serviceWorkers: 'block',
  });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}manifest.webmanifest`);
    return await page.evaluate(async (req) => {
      const { loadCore } = await import('/core.js');
      const { posterToPngBlob } = await import('/poster/replay.js');
      const core = await loadCore();
      const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const layout = () => core.call('layoutPoster', req).value;
      const value = layout();
      let blob = await posterToPngBlob(value, { pixelRatio: 2 });
      const scene = [];
      const png = [];
      for (let i = 0; i < 15; i += 1) {
        const t0 = performance.now();
        const v = layout();
        const t1 = performance.now();
        blob = await posterToPngBlob(v, { pixelRatio: 2 });
        const t2 = performance.now();
        scene.push(t1 - t0);
        png.push(t2 - t1);
      }
      return { sceneMs: med(scene), pngMs: med(png), pngBytes: blob.size };
    }, request);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    await server.close();
  }
}

export async function run(core, cli, row) {
  const { default: satori } = await import('satori');
  const { Resvg } = await import('@resvg/resvg-js');
  for (const file of Object.values(SATORI_FONT_FILES)) {
    if (!existsSync(file)) throw new Error(`${file} missing (fonts-dejavu-core, fonts-droid-fallback: npm run setup)`);
  }
  const fonts = satoriFonts(readFileSync);
  const rows = qrGrid();
  const request = JSON.stringify(ourRequest(rows));
  const ours = JSON.parse(core.layoutPoster(request));
  if (!ours.ok) throw new Error(`layoutPoster failed: ${JSON.stringify(ours.error)}`);
  const ourSvg = ours.value.svg;

  // Scene, warm.
  const oursMs = await timeIt(() => core.layoutPoster(request), { warmup: 20, runs: 200 });
  const native = spawnSync(cli, ['layoutPoster', '--repeat', '500'], { input: request });
  const nativeMs = native.status === 0 ? Number(/([\d.]+) ms\/call/.exec(native.stderr.toString())[1]) : NaN;
  const tree = () => satoriElement(rows);
  const satoriSvg = await satori(tree(), { width: 750, height: 1334, fonts });
  const satoriMs = await timeIt(() => satori(tree(), { width: 750, height: 1334, fonts }), { warmup: 5, runs: 30 });
  row('poster scene, ours (wasm, Node)', `${oursMs.toFixed(2)} ms`,
    `layoutPoster JSON → draw list + SVG (${kib(ourSvg.length)}); median of 200`);
  row('poster scene, ours (native)', `${nativeMs.toFixed(2)} ms`, 'carecircle_cli layoutPoster, mean of 500');
  row('poster scene, Satori', `${satoriMs.toFixed(2)} ms`,
    `satori() → SVG (${kib(satoriSvg.length)}, text as paths); median of 30`);
  row('Satori / ours (scene)', `${(satoriMs / oursMs).toFixed(1)}×`, 'aim ≥ 5×');

  // PNG at device pixel ratio 2.
  const resvgMs = await timeIt(() => new Resvg(satoriSvg, { fitTo: { mode: 'zoom', value: 2 } }).render().asPng(), { warmup: 2, runs: 10 });
  const chromiumFigures = await ourPngInChromium(JSON.parse(request));
  row('poster PNG 1500×2668, ours', `${chromiumFigures.pngMs.toFixed(1)} ms`,
    `canvas replay + PNG encode in headless Chromium (scene there ${chromiumFigures.sceneMs.toFixed(2)} ms); ${kib(chromiumFigures.pngBytes)} PNG`);
  row('poster PNG 1500×2668, Satori + resvg', `${(resvgMs).toFixed(1)} ms`,
    `resvg-js (native) render + PNG of Satori's SVG; + ${satoriMs.toFixed(1)} ms scene`);
  row('Satori+resvg / ours (scene + PNG)',
    `${((satoriMs + resvgMs) / (chromiumFigures.sceneMs + chromiumFigures.pngMs)).toFixed(1)}×`, 'different engines: Skia canvas vs resvg');

  // Cold first poster in a fresh Node process.
  const coreUrl = pathToFileURL(join(root, 'build', 'wasm', 'core.mjs')).href;
  const dataUrl = pathToFileURL(join(root, 'scripts', 'bench', 'poster-data.mjs')).href;
  const oursCold = coldMs(`
    const t0 = performance.now();
    const { default: createCore } = await import(${JSON.stringify(coreUrl)});
    const { qrGrid, ourRequest } = await import(${JSON.stringify(dataUrl)});
    const core = await createCore();
    const r = JSON.parse(core.layoutPoster(JSON.stringify(ourRequest(qrGrid()))));
    if (!r.ok) process.exit(1);
    console.log(performance.now() - t0);`);
  const satoriCold = coldMs(`
    const t0 = performance.now();
    const { default: satori } = await import('satori');
    const { readFileSync } = await import('node:fs');
    const { qrGrid, satoriElement, satoriFonts } = await import(${JSON.stringify(dataUrl)});
    const svg = await satori(satoriElement(qrGrid()), { width: 750, height: 1334, fonts: satoriFonts(readFileSync) });
    if (!svg.startsWith('<svg')) process.exit(1);
    console.log(performance.now() - t0);`);
  row('cold first poster, ours', `${oursCold.toFixed(0)} ms`, 'fresh Node: import + instantiate + first layoutPoster; median of 3');
  row('cold first poster, Satori', `${satoriCold.toFixed(0)} ms`, 'fresh Node: import + read font + first satori(); median of 3');

  // Bytes a browser downloads to make posters, gzip -9.
  const oursBytes = ['build/wasm/core.wasm', 'build/wasm/core.mjs', 'web/core.js', 'web/poster/replay.js',
    'web/poster/metrics.js', 'web/poster/qr.js', 'node_modules/nayuki-qr-code-generator/index.js']
    .reduce((sum, f) => sum + gz(join(root, f)), 0);
  const modules = join(root, 'node_modules');
  const satoriBytes = gz(join(modules, 'satori', 'dist', 'index.js'));
  const resvgBytes = gz(join(modules, '@resvg', 'resvg-wasm', 'index_bg.wasm'))
    + gz(join(modules, '@resvg', 'resvg-wasm', 'index.mjs'));
  row('bytes shipped, ours', kib(oursBytes),
    'gzip -9: core.wasm (ALL modules, not only posters) + glue + replay/metrics/qr + Nayuki; system fonts');
  row('bytes shipped, Satori + resvg-wasm', kib(satoriBytes + resvgBytes),
    `gzip -9: satori ${kib(satoriBytes)} + resvg-wasm ${kib(resvgBytes)}; plus font files (DejaVu + Droid Sans Fallback ${kib(Object.values(SATORI_FONT_FILES).reduce((n, f) => n + gz(f), 0))})`);
  row('ours / Satori+resvg (bytes)', `${((oursBytes / (satoriBytes + resvgBytes)) * 100).toFixed(0)} %`, 'without Satori\'s font');

  // QR encodes per second.
  const qrcodeRate = perSecond(() => QRCode.create(PAYLOAD, { errorCorrectionLevel: 'M' }));
  const nayukiRate = perSecond(() => qrcodegen.QrCode.encodeText(PAYLOAD, qrcodegen.QrCode.Ecc.MEDIUM));
  const nativeQr = spawnSync(cli, ['encodeQr', '--repeat', '5000'], { input: JSON.stringify({ payload: PAYLOAD }) });
  const nativeQrMs = nativeQr.status === 0 ? Number(/([\d.]+) ms\/call/.exec(nativeQr.stderr.toString())[1]) : NaN;
  row('QR encodes/s, npm qrcode', `${(qrcodeRate / 1000).toFixed(1)} k/s`, `QRCode.create, ECC M, ${PAYLOAD.length}-char link`);
  row('QR encodes/s, Nayuki (npm, shell)', `${(nayukiRate / 1000).toFixed(1)} k/s`, `${(nayukiRate / qrcodeRate).toFixed(2)}× qrcode; encodeText, same payload`);
  row('QR encodes/s, Nayuki (native)', `${(1 / nativeQrMs).toFixed(1)} k/s`,
    `${((1000 / nativeQrMs) / qrcodeRate).toFixed(2)}× qrcode; libqrcodegencpp via encodeQr incl. JSON`);
  return true;
}
