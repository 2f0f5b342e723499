// What a phone downloads: a size table of every .wasm and every file of the
// production build of the shell (build/web, scripts/build-web.mjs), raw and
// gzip -9, and the first screen's total against the budgets:
//   - the patient's first screen ≤ 200 KiB on the wire (gzip), everything
//     the page loads before it can show 打卡: the page, its script chunks,
//     its style sheet, the core's glue and .wasm;
//   - of which the core's .wasm ≤ 120 KiB gzip.
// The first screen's files are read off the build itself: index.html's
// script and style sheet, the core's first .wasm, and the chunks the entry imports
// statically (Vite's .vite/manifest.json), so the table follows the build.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = join(root, 'build', 'web');

export const BUDGETS = { firstScreenKiB: 200, firstScreenWasmKiB: 120 };

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

/** Raw, gzip -9 and what the server sends to a browser that takes Brotli (the build's .br copy, else gzip). */
function sizes(file) {
  const bytes = readFileSync(file);
  const gzip = gzipSync(bytes, { level: 9 }).length;
  const wire = existsSync(`${file}.br`) ? readFileSync(`${file}.br`).length : gzip;
  return { raw: bytes.length, gzip, wire };
}

/** The files of the first screen, relative to build/web. */
export function firstScreenFiles() {
  const manifest = JSON.parse(readFileSync(join(built, '.vite', 'manifest.json'), 'utf8'));
  const entry = Object.values(manifest).find((chunk) => chunk.isEntry && chunk.src === 'index.html');
  if (!entry) throw new Error('build/web/.vite/manifest.json has no entry for index.html');
  const files = new Set(['index.html']);
  const visit = (key) => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const css of chunk.css ?? []) files.add(css);
    for (const next of chunk.imports ?? []) visit(next);
  };
  files.add(entry.file);
  for (const css of entry.css ?? []) files.add(css);
  for (const next of entry.imports ?? []) visit(next);
  // The core: the .wasm the first screen loads (the script fetches it when it
  // runs; the patient's module where the core is split), and its Emscripten glue.
  const assets = readdirSync(join(built, 'assets'));
  const patient = assets.filter((file) => /^core-patient-[\w-]+\.wasm$/.test(file));
  const wasm = (patient.length > 0 ? patient : assets.filter((file) => /^core-[\w-]+\.wasm$/.test(file))).map((file) => `assets/${file}`);
  for (const file of wasm) files.add(file);
  for (const file of readdirSync(join(built, 'assets'))) {
    // The glue of the first module only: the poster's and staff's come on demand.
    if (/^core-[\w-]+\.mjs$/.test(file) && !/^core-(poster|staff)-/.test(file)) files.add(`assets/${file}`);
  }
  return { files: [...files], wasm };
}

/** Adds the size table to `row`; returns whether both budgets are met. */
export function run(row) {
  if (!existsSync(join(built, 'index.html'))) throw new Error('build/web is missing: run npm run build');
  // Each .wasm of the core: core.wasm (every module: Node, the backend) and
  // one per audience (core-patient.wasm is what the patient's first screen loads).
  for (const file of readdirSync(join(root, 'build', 'wasm')).filter((f) => f.endsWith('.wasm')).sort()) {
    const bytes = readFileSync(join(root, 'build', 'wasm', file));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    const brotli = brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_LGWIN]: 24 } }).length;
    const budget = file === 'core-patient.wasm'
      ? `; the first screen's module: budget ≤ ${BUDGETS.firstScreenWasmKiB} KiB gzip: ${gzip <= BUDGETS.firstScreenWasmKiB * 1024 ? 'met' : 'NOT MET'}`
      : '';
    row(`wasm ${file}`, kib(gzip), `gzip -9; ${kib(brotli)} brotli; ${kib(bytes.length)} raw${budget}`);
  }
  const { files: first, wasm } = firstScreenFiles();
  const shell = readdirSync(join(built, 'assets')).filter((f) => !f.endsWith('.br')).map((f) => `assets/${f}`)
    .concat(['index.html', 'sw.js']).sort();
  for (const file of shell) {
    const s = sizes(join(built, file));
    row(`shell ${file}`, kib(s.gzip), `gzip -9; ${kib(s.wire)} brotli; ${kib(s.raw)} raw${first.includes(file) ? '; first screen' : ''}`);
  }
  const total = first.reduce((sum, file) => sum + sizes(join(built, file)).gzip, 0);
  const wire = first.reduce((sum, file) => sum + sizes(join(built, file)).wire, 0);
  const wasmTotal = wasm.reduce((sum, file) => sum + sizes(join(built, file)).gzip, 0);
  const totalMet = total <= BUDGETS.firstScreenKiB * 1024;
  const wasmMet = wasmTotal <= BUDGETS.firstScreenWasmKiB * 1024;
  row('first screen, gzip', kib(total), `${first.length} files; budget ≤ ${BUDGETS.firstScreenKiB} KiB: ${totalMet ? 'met' : 'NOT MET'}`);
  row('first screen, as sent (brotli)', kib(wire), `what scripts/serve.mjs sends a browser that accepts br; budget ≤ ${BUDGETS.firstScreenKiB} KiB: ${wire <= BUDGETS.firstScreenKiB * 1024 ? 'met' : 'NOT MET'}`);
  row('  of which core .wasm', kib(wasmTotal), `${wasm.join(', ')}; budget ≤ ${BUDGETS.firstScreenWasmKiB} KiB: ${wasmMet ? 'met' : 'NOT MET'}`);
  return totalMet && wasmMet;
}
