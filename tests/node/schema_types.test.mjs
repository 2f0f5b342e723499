// One tsc --noEmit run over tsconfig.json: the typed usage example of the
// core against build/wasm/core.d.ts (generated from docs/schema/ by
// scripts/gen-types.mjs), the mini-program's pages against
// miniprogram-api-typings, and the web side of the bridge and its JS-SDK
// double against weixin-js-sdk's typings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { loadCore, repoRoot, wasmDir } from './helpers.mjs';

test('the core declarations are generated beside core.mjs', () => {
  for (const name of ['core.d.ts', 'core.d.mts']) {
    const text = readFileSync(join(wasmDir, name), 'utf8');
    assert.match(text, /export interface EvaluateStreakRequest\b/);
    assert.match(text, /evaluateStreak\(request: string\): string;/);
  }
});

test('tsc --noEmit: usage example, mini-program pages, web bridge and its JS-SDK double', () => {
  const tsc = createRequire(join(repoRoot, 'package.json')).resolve('typescript/bin/tsc');
  assert.ok(existsSync(join(wasmDir, 'core.d.mts')), 'build first: scripts/build.sh writes build/wasm/core.d.mts');
  const run = spawnSync(process.execPath, [tsc, '-p', join(repoRoot, 'tsconfig.json')], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(run.status, 0, `tsc reported:\n${run.stdout}${run.stderr}`);
});

test('layoutForestArrays (declared by hand: it is not JSON) returns what core.d.ts says', async () => {
  const core = await loadCore();
  // 0 → 1 → 2, 0 → 3
  const reply = core.layoutForestArrays(new Int32Array([0, 1, 0]), new Int32Array([1, 2, 3]),
    new Float64Array([1.8e12, 1.8e12, 1.8e12]), 4, { nodeWidth: 88, collapsed: [1] });
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  const v = reply.value;
  const declared = readFileSync(join(wasmDir, 'core.d.ts'), 'utf8');
  const block = /export interface ForestArrays \{([\s\S]*?)\n\}/.exec(declared)[1];
  const fields = [...block.matchAll(/^\s+(\w+): (\w+)/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(fields.map(([k]) => k).sort(), Object.keys(v).sort(), 'declared fields = returned fields');
  for (const [key, type] of fields) {
    if (type === 'number') assert.equal(typeof v[key], 'number', key);
    else if (type === 'Issue') assert.ok(Array.isArray(v[key]), key);
    else assert.equal(v[key].constructor.name, type, key);
  }
  assert.equal(v.shownCount, 3, 'node 2 is folded under node 1');
  assert.equal(core.layoutForestArrays([0], [1, 2], [0], 3, undefined).ok, false, 'columns of different lengths are refused');
});

test('every export core.d.ts declares is a function of the module, and every wasm binding is declared', async () => {
  const core = await loadCore();
  const declared = readFileSync(join(wasmDir, 'core.d.ts'), 'utf8');
  const block = /export interface CareCircleCore \{([\s\S]*?)\n\}/.exec(declared)[1];
  const names = [...block.matchAll(/^ {2}(\w+)\(/gm)].map((m) => m[1]);
  assert.ok(names.length >= 20, names.join());
  for (const name of names) assert.equal(typeof core[name], 'function', name);
  // The bindings (wasm/*.cpp) name every export the module has: Embind's
  // emscripten::function, the plain JSON exports of wasm/json_export.hpp and
  // the request-less carecircle_value_<name>.
  const bound = [];
  const kinds = [/emscripten::function\("(\w+)"/g, /^CARECIRCLE_JSON_EXPORT\((\w+),/gm, /\bcarecircle_value_(\w+)\(\)/g];
  for (const file of readdirSync(join(repoRoot, 'wasm')).filter((f) => f.endsWith('.cpp'))) {
    const text = readFileSync(join(repoRoot, 'wasm', file), 'utf8');
    for (const kind of kinds) for (const m of text.matchAll(kind)) bound.push(m[1]);
  }
  assert.deepEqual(bound.sort(), [...names].sort());
});
