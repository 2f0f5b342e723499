// One measurement in a fresh process (so peak memory is this run's own):
//   node scripts/bench/referral-run.mjs <d3|core-json|core-arrays|core-typed> <forest|chain> <n>
// Prints {ms, maxRssMiB, nodes, checksum} as JSON. The checksum (sum of |x| of
// a sample) lets the parent check that both engines produced the same layout.
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [engine, shape, nText] = process.argv.slice(2);
const n = Number(nText);
const T0 = Date.UTC(2026, 0, 1);
const NODE_WIDTH = 88;
const LEVEL_HEIGHT = 120;

// Deterministic referral-shaped forest: ~1 % roots, out-degree skewed toward
// recent patients, depth ≤ 12; or a single chain.
function generate() {
  let s = 20261123;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const parent = new Int32Array(n);
  const depth = new Int32Array(n);
  parent[0] = -1;
  for (let i = 1; i < n; i++) {
    if (shape === 'chain') { parent[i] = i - 1; depth[i] = depth[i - 1] + 1; continue; }
    if (rand() < 0.01) { parent[i] = -1; continue; }
    let p = Math.max(0, i - 1 - Math.floor(rand() * Math.min(i, 50)));
    while (depth[p] >= 12) p = parent[p];
    parent[i] = p;
    depth[i] = depth[p] + 1;
  }
  return parent;
}

const parent = generate();
const id = (i) => `p${String(i).padStart(8, '0')}`;  // lexicographic = numeric: same root order everywhere
let ms;
let checksum = 0;
let nodes = 0;
if (engine === 'd3') {
  const { stratify, tree } = await import('d3-hierarchy');
  const rows = [{ id: 'root', parentId: null }];
  for (let i = 0; i < n; i++) rows.push({ id: id(i), parentId: parent[i] < 0 ? 'root' : id(parent[i]) });
  const t0 = performance.now();
  const root = stratify().id((d) => d.id).parentId((d) => d.parentId)(rows);
  tree().nodeSize([NODE_WIDTH, LEVEL_HEIGHT])(root);
  const x = new Float64Array(n);
  let k = 0;
  root.each((d) => { if (d.depth > 0) x[k++] = d.x; });  // coordinates into a JS array
  ms = performance.now() - t0;
  nodes = k;
  for (let i = 0; i < n; i += 997) checksum += Math.abs(x[i]);
} else if (engine === 'core-arrays') {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { default: createCore } = await import(pathToFileURL(join(root, 'build', 'wasm', 'core.mjs')).href);
  const core = await createCore();
  // The same string-id records a backend sends; interning them is part of the time.
  const records = [];
  for (let i = 0; i < n; i++) {
    if (parent[i] >= 0) records.push({ id: `r${i}`, referrerId: id(parent[i]), refereeId: id(i), invitedAtMs: T0 + i });
  }
  const patientIds = [];
  for (let i = 0; i < n; i++) patientIds.push(id(i));
  const t0 = performance.now();
  const index = new Map();
  for (const p of patientIds) index.set(p, index.size);
  const m = records.length;
  const referrer = new Int32Array(m);
  const referee = new Int32Array(m);
  const invited = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const r = records[k];
    referrer[k] = index.get(r.referrerId) ?? -1;
    referee[k] = index.get(r.refereeId) ?? -1;
    invited[k] = r.invitedAtMs;
  }
  const reply = core.layoutForestArrays(referrer, referee, invited, index.size,
    { nodeWidth: NODE_WIDTH, levelHeight: LEVEL_HEIGHT });
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
  const x = reply.value.x;
  ms = performance.now() - t0;
  nodes = x.length;
  for (let i = 0; i < n; i += 997) checksum += Math.abs(x[i]);
} else if (engine === 'core-typed') {
  // layoutForestTyped: the same string-id records and the patients with names,
  // packed as columns (packing is part of the time); the reply carries the
  // masked labels, stages and keys as well as the coordinates.
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { default: createCore } = await import(pathToFileURL(join(root, 'build', 'wasm', 'core.mjs')).href);
  const core = await createCore();
  const records = [];
  for (let i = 0; i < n; i++) {
    if (parent[i] >= 0) records.push({ id: `r${i}`, referrerId: id(parent[i]), refereeId: id(i), invitedAtMs: T0 + i });
  }
  const patients = [];
  for (let i = 0; i < n; i++) patients.push({ id: id(i), name: '演示患者' });
  const pack = (list, field) => {
    const offsets = new Uint32Array(list.length + 1);
    const texts = new Array(list.length);
    for (let k = 0; k < list.length; k++) {
      texts[k] = list[k][field];
      offsets[k + 1] = offsets[k] + texts[k].length;
    }
    return { text: texts.join(''), offsets };
  };
  const t0 = performance.now();
  const invited = new Float64Array(records.length);
  for (let k = 0; k < records.length; k++) invited[k] = records[k].invitedAtMs;
  const reply = core.layoutForestTyped({
    records: { id: pack(records, 'id'), referrerId: pack(records, 'referrerId'), refereeId: pack(records, 'refereeId'), invitedAtMs: invited },
    patients: { id: pack(patients, 'id'), name: pack(patients, 'name') },
    layout: { nodeWidth: NODE_WIDTH, levelHeight: LEVEL_HEIGHT },
  });
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
  const x = reply.value.columns.x;
  ms = performance.now() - t0;
  nodes = x.length;
  for (let i = 0; i < n; i += 997) checksum += Math.abs(x[i]);
} else {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const { default: createCore } = await import(pathToFileURL(join(root, 'build', 'wasm', 'core.mjs')).href);
  const core = await createCore();
  const records = [];
  for (let i = 0; i < n; i++) {
    if (parent[i] >= 0) records.push({ id: `r${i}`, referrerId: id(parent[i]), refereeId: id(i), invitedAtMs: T0 + i });
  }
  // Roots with no referral of their own still appear: list them as patients.
  const patients = [];
  for (let i = 0; i < n; i++) if (parent[i] < 0) patients.push({ id: id(i) });
  const t0 = performance.now();
  const reply = JSON.parse(core.layoutForest(JSON.stringify({ records, patients, columns: true,
    layout: { nodeWidth: NODE_WIDTH, levelHeight: LEVEL_HEIGHT } })));
  if (!reply.ok) throw new Error(JSON.stringify(reply.error));
  const x = Float64Array.from(reply.value.columns.x);  // coordinates into a typed array
  ms = performance.now() - t0;
  nodes = x.length;
  // Columns come breadth-first; d3's each() is breadth-first too, roots in
  // the same order (first touch = index order here), so the samples align.
  for (let i = 0; i < n; i += 997) checksum += Math.abs(x[i]);
}
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, nodes, checksum }));
