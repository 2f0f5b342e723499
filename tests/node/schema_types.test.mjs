// One tsc --noEmit run over tsconfig.json: the typed usage example of the
// core against build/wasm/core.d.ts (generated from docs/schema/ by
// scripts/gen-types.mjs), the mini-program's pages against
// miniprogram-api-typings, and the web side of the bridge and its JS-SDK
// double against weixin-js-sdk's typings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot, wasmDir } from './helpers.mjs';

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
