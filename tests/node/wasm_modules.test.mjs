// The core split by audience (wasm/CMakeLists.txt): core-patient, core-poster
// and core-staff are linked from the same objects as the full core.mjs, and
// build/wasm/modules.json (wasm/modules-manifest.mjs) says which holds what.
//   - each module loads in Node and exports exactly what the manifest lists;
//   - every export of the full core is in exactly one module (coreVersion in
//     each, the same version);
//   - every golden fixture request answers the same text through its module
//     as through the full core, bad JSON included;
//   - the shell's loader and worker know every module of the manifest.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { embindExports } from '../../wasm/modules-manifest.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const wasmDir = join(root, 'build', 'wasm');
const fixtures = join(root, 'tests', 'fixtures');

for (const file of ['core.mjs', 'modules.json', 'modules.mjs']) {
  assert.ok(existsSync(join(wasmDir, file)), `build/wasm/${file} is missing: run npm run build first`);
}
const manifest = JSON.parse(readFileSync(join(wasmDir, 'modules.json'), 'utf8'));
const audiences = Object.keys(manifest.modules);

const instantiate = async (file) => (await import(pathToFileURL(join(wasmDir, file)).href)).default();
const full = await instantiate('core.mjs');
const modules = Object.fromEntries(await Promise.all(audiences.map(async (a) => [a, await instantiate(manifest.modules[a].glue)])));

test('the manifest names a patient, a poster and a staff module, each with its glue and .wasm', async () => {
  assert.deepEqual(audiences, ['patient', 'poster', 'staff']);
  for (const [audience, entry] of Object.entries(manifest.modules)) {
    assert.equal(entry.glue, `core-${audience}.mjs`);
    assert.equal(entry.wasm, `core-${audience}.wasm`);
    assert.ok(existsSync(join(wasmDir, entry.wasm)), `${entry.wasm} is built`);
  }
  const { default: asModule } = await import(pathToFileURL(join(wasmDir, 'modules.mjs')).href);
  assert.deepEqual(asModule, manifest, 'modules.mjs is modules.json as an ES module');
});

test('each module exports exactly what the manifest lists for it', () => {
  for (const audience of audiences) {
    assert.deepEqual(embindExports(modules[audience]), manifest.modules[audience].exports, `core-${audience}`);
  }
});

test('every export of the full core is in exactly one module; coreVersion in each, the same', () => {
  const version = full.coreVersion();
  const owners = new Map();
  for (const audience of audiences) {
    assert.equal(modules[audience].coreVersion(), version, `core-${audience} is the same build`);
    for (const name of manifest.modules[audience].exports) {
      if (name === 'coreVersion') continue;
      owners.set(name, [...(owners.get(name) ?? []), audience]);
    }
  }
  const everything = embindExports(full).filter((name) => name !== 'coreVersion');
  assert.ok(everything.length >= 25, `the full core has its exports (${everything.length})`);
  for (const name of everything) {
    assert.deepEqual(owners.get(name)?.length, 1, `${name} is in exactly one module (${owners.get(name) ?? 'none'})`);
    assert.equal(manifest.exports[name], owners.get(name)[0], `the manifest's map names ${name}'s module`);
  }
  assert.deepEqual([...owners.keys()].sort(), everything.sort(), 'no module exports what the full core does not');
});

test('what the patient\'s first screen and the join page call is in the patient module', () => {
  for (const name of ['evaluateStreak', 'recordCheckIn', 'evaluateEligibility', 'mayShowInvitePrompt', 'myReferralTree', 'analyzeReferrals', 'checkReferralCode']) {
    assert.equal(manifest.exports[name], 'patient', name);
  }
  for (const name of ['layoutForest', 'layoutForestArrays', 'recoveryList', 'moderateText', 'assessKoc', 'validateCampaigns', 'evaluateEligibilityBatch']) {
    assert.equal(manifest.exports[name], 'staff', name);
  }
  assert.equal(manifest.exports.layoutPoster, 'poster');
});

test('every golden fixture answers the same text through its module as through the full core', () => {
  let calls = 0;
  const exportsWithFixtures = new Set();
  for (const module of readdirSync(fixtures)) {
    for (const name of readdirSync(join(fixtures, module))) {
      const audience = manifest.exports[name];
      assert.ok(audience, `tests/fixtures/${module}/${name}: ${name} is in a module`);
      exportsWithFixtures.add(audience);
      const dir = join(fixtures, module, name);
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))) {
        const request = readFileSync(join(dir, file), 'utf8');
        assert.equal(modules[audience][name](request), full[name](request), `${module}/${name}/${file} through core-${audience}`);
        calls += 1;
      }
      assert.equal(modules[audience][name]('{'), full[name]('{'), `${name}: bad JSON through core-${audience}`);
    }
  }
  assert.deepEqual([...exportsWithFixtures].sort(), audiences, 'each module answered fixtures');
  assert.ok(calls > 50, `fixtures replayed (${calls})`);
});

test('the shell\'s loader and worker name every module of the manifest', () => {
  for (const file of ['web/core.js', 'web/core-worker.js']) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const audience of audiences) {
      for (const part of [manifest.modules[audience].glue, manifest.modules[audience].wasm]) {
        assert.ok(text.includes(`new URL('./wasm/${part}', import.meta.url)`), `${file} names ./wasm/${part}`);
      }
    }
    assert.match(text, /from '\.\/wasm\/modules\.mjs'/, `${file} reads the build's manifest`);
  }
});
