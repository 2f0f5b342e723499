// Referral forest layout against d3-hierarchy (stratify + tree) on the same
// generated forests and chains — the core's JSON path (layoutForest columns),
// its typed path without labels (layoutForestArrays, ids interned in JS) and
// with labels (layoutForestTyped) — each run in a fresh Node process (cold, as a
// staff member opening the forest), coordinates ending up in JS: time and
// peak RSS. Layouts must agree (same checksum of sampled x) or the row says so.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const runner = join(dirname(fileURLToPath(import.meta.url)), 'referral-run.mjs');

function measure(engine, shape, n) {
  const out = execFileSync('node', ['--max-old-space-size=8192', runner, engine, shape, String(n)], {
    maxBuffer: 1 << 20, timeout: 300_000 });
  return JSON.parse(out.toString());
}

// The aims at 100k nodes (docs/performance.md): the JSON path at least as fast
// as d3-hierarchy, the typed paths at least 5× as fast.
const AIMS = { json: 1, typed: 5 };
const verdict = (ratio, aim) => `aim ≥ ${aim}× ${ratio >= aim ? 'met' : 'NOT MET'}`;

export function run(row, { sizes = [1_000, 10_000, 100_000, 1_000_000] } = {}) {
  let agreeAll = true;
  const cases = [...sizes.map((n) => ['forest', n]), ['chain', 20_000]];
  for (const [shape, n] of cases) {
    const d3 = measure('d3', shape, n);
    const arrays = measure('core-arrays', shape, n);
    const typed = n <= 1_000_000 ? measure('core-typed', shape, n) : null;
    const json = n <= 100_000 ? measure('core-json', shape, n) : null;
    const agree = d3.checksum === arrays.checksum && (!json || json.checksum === d3.checksum) &&
      (!typed || typed.checksum === d3.checksum);
    agreeAll &&= agree;
    const label = `${shape} ${n.toLocaleString('en')}`;
    row(`tree ${label}: d3`, `${d3.ms.toFixed(0)} ms`, `peak RSS ${d3.maxRssMiB.toFixed(0)} MiB`);
    row(`tree ${label}: core arrays`, `${arrays.ms.toFixed(0)} ms`,
      `peak RSS ${arrays.maxRssMiB.toFixed(0)} MiB; ${(d3.ms / arrays.ms).toFixed(1)}× d3 speed, ` +
      `${(arrays.maxRssMiB / d3.maxRssMiB).toFixed(2)}× its memory${agree ? '' : '; LAYOUTS DIFFER'}`);
    const aimed = shape === 'forest' && n === 100_000;
    if (aimed) row(`tree ${label}: core arrays vs d3`, `${(d3.ms / arrays.ms).toFixed(2)}×`, verdict(d3.ms / arrays.ms, AIMS.typed));
    if (typed) {
      row(`tree ${label}: core typed + labels`, `${typed.ms.toFixed(0)} ms`,
        `peak RSS ${typed.maxRssMiB.toFixed(0)} MiB; ${(d3.ms / typed.ms).toFixed(2)}× d3 speed (layoutForestTyped: string ids packed, masked names and stages back)`);
      if (aimed) row(`tree ${label}: core typed vs d3`, `${(d3.ms / typed.ms).toFixed(2)}×`, verdict(d3.ms / typed.ms, AIMS.typed));
    }
    if (json) {
      row(`tree ${label}: core JSON`, `${json.ms.toFixed(0)} ms`,
        `peak RSS ${json.maxRssMiB.toFixed(0)} MiB; ${(d3.ms / json.ms).toFixed(2)}× d3 speed (records as JSON text)`);
      if (aimed) row(`tree ${label}: core JSON vs d3`, `${(d3.ms / json.ms).toFixed(2)}×`, verdict(d3.ms / json.ms, AIMS.json));
    }
  }
  const chain = measure('core-arrays', 'chain', 1_000_000);
  row('tree chain 1,000,000: core arrays', `${chain.ms.toFixed(0)} ms`,
    `peak RSS ${chain.maxRssMiB.toFixed(0)} MiB (d3 stratify is quadratic on chains: not run)`);
  return agreeAll;
}
