// Native versus wasm, byte for byte, on generated requests: every golden
// fixture request is mutated (deleted keys, swapped types, extreme numbers,
// hostile strings, shuffled and duplicated arrays, truncated text) by a seeded
// generator, each variant runs through the .wasm here and through the native
// build (carecircle_cli --lines), and the two replies must be identical. A
// backend re-checking client mutations relies on exactly this.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, fixturesDir, repoRoot } from './helpers.mjs';

const core = await loadCore();
const cli = join(repoRoot, 'build', 'native', 'tests', 'carecircle_cli');
const PER_FIXTURE = Number(process.env.DIFF_PER_FIXTURE || 40);

let seed = 20261123;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const ODD_VALUES = [null, true, false, 0, -1, 1.5, 1e308, -9007199254740993, 9007199254740993, '', 'x',
  '2026-02-30', '<script>alert(1)</script>', '李*芳', '🩺💊', '\u0000', 'a'.repeat(300), [], {}, [1, 2], { a: 1 }];

function paths(value, prefix = [], out = []) {
  out.push(prefix);
  if (value && typeof value === 'object') {
    for (const key of Object.keys(value)) paths(value[key], [...prefix, key], out);
  }
  return out;
}

// Benign mutations keep a request valid (shuffled and duplicated arrays,
// shifted numbers) so that rule paths, not only error paths, are compared.
function mutateBenign(request) {
  const copy = structuredClone(request);
  for (const path of paths(copy)) {
    let value = copy;
    for (const key of path) value = value?.[key];
    if (Array.isArray(value) && value.length > 1 && rand() < 0.5) value.sort(() => rand() - 0.5);
  }
  for (const path of paths(copy).filter((p) => p.length > 0)) {
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent?.[key];
    const key = path[path.length - 1];
    if (typeof parent?.[key] === 'number' && Number.isInteger(parent[key]) && parent[key] > 1e12 && rand() < 0.3) {
      parent[key] += Math.floor((rand() - 0.5) * 86_400_000 * 10);  // instants move by up to ±5 days
    }
  }
  return JSON.stringify(copy);
}

function mutate(request) {
  if (rand() < 0.4) return mutateBenign(request);
  const copy = structuredClone(request);
  const all = paths(copy).filter((p) => p.length > 0);
  const steps = 1 + Math.floor(rand() * 3);
  for (let s = 0; s < steps && all.length; s++) {
    const path = pick(all);
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent?.[key];
    if (!parent || typeof parent !== 'object') continue;
    const key = path[path.length - 1];
    const r = rand();
    if (r < 0.3) {
      if (Array.isArray(parent)) parent.splice(Number(key), 1); else delete parent[key];
    } else if (r < 0.7) {
      parent[key] = structuredClone(pick(ODD_VALUES));
    } else if (r < 0.85 && Array.isArray(parent[key]) && parent[key].length) {
      parent[key].push(...parent[key].slice(0, 1 + Math.floor(rand() * parent[key].length)));
      parent[key].sort(() => rand() - 0.5);
    } else if (typeof parent[key] === 'number') {
      parent[key] = parent[key] + Math.floor((rand() - 0.5) * 86_400_000 * 3);
    } else {
      parent[key] = structuredClone(pick(ODD_VALUES));
    }
  }
  let text = JSON.stringify(copy);
  if (rand() < 0.1) text = text.slice(0, Math.floor(rand() * text.length));  // truncated: bad JSON
  return text;
}

function cases() {
  const out = [];
  const skip = new Set((process.env.DIFF_SKIP || '').split(',').filter(Boolean));
  for (const module of readdirSync(fixturesDir)) {
    if (skip.has(module)) continue;
    for (const exportName of readdirSync(join(fixturesDir, module))) {
      const dir = join(fixturesDir, module, exportName);
      for (const file of readdirSync(dir)) {
        if (!file.endsWith('.json') || file.endsWith('.expected.json')) continue;
        const text = readFileSync(join(dir, file), 'utf8');
        let request;
        try { request = JSON.parse(text); } catch { out.push([exportName, text.replace(/\n/g, ' ')]); continue; }
        if (text.length > 2_000_000) continue;  // the huge-input fixtures are covered as they are
        for (let i = 0; i < PER_FIXTURE; i++) out.push([exportName, mutate(request)]);
      }
    }
  }
  return out;
}

test('native and wasm give the same bytes on generated valid and invalid requests', { timeout: 600_000 }, () => {
  assert.ok(existsSync(cli), `${cli} is missing: build the native tree first`);
  const all = cases();
  assert.ok(all.length > 1000, `only ${all.length} cases`);
  const wasmReplies = all.map(([name, text]) => core[name](text));
  const input = all.map(([name, text]) => `${name}\t${text}`).join('\n') + '\n';
  const native = spawnSync(cli, ['--lines'], { input, maxBuffer: 1 << 30 });
  assert.equal(native.status, 0, native.stderr?.toString());
  const nativeReplies = native.stdout.toString().split('\n');
  let failures = 0;
  const examples = [];
  let errors = 0;
  for (let i = 0; i < all.length; i++) {
    if (wasmReplies[i] !== nativeReplies[i]) {
      failures++;
      if (examples.length < 3) examples.push({ export: all[i][0], request: all[i][1].slice(0, 300),
        wasm: wasmReplies[i].slice(0, 300), native: nativeReplies[i].slice(0, 300) });
    }
    if (wasmReplies[i].startsWith('{"error"')) errors++;
    assert.ok(!wasmReplies[i].includes('"internal.unexpected"'), `internal.unexpected for ${all[i][0]}: ${all[i][1].slice(0, 200)}`);
  }
  assert.equal(failures, 0, JSON.stringify(examples, null, 1));
  console.log(`differential: ${all.length} cases (${errors} error envelopes), native = wasm`);
});
