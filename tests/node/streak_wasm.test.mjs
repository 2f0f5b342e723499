// The built .wasm under Node: golden fixtures byte for byte (same files as the
// native GoogleTest), error envelopes, and the module surviving bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCore, fixturesDir } from './helpers.mjs';

const core = await loadCore();

function fixtureCases() {
  const cases = [];
  for (const module of readdirSync(fixturesDir)) {
    for (const exportName of readdirSync(join(fixturesDir, module))) {
      const dir = join(fixturesDir, module, exportName);
      for (const file of readdirSync(dir)) {
        if (!file.endsWith('.json') || file.endsWith('.expected.json')) continue;
        cases.push({ module, exportName, file, dir });
      }
    }
  }
  return cases;
}

const cases = fixtureCases();

test('there are golden fixtures to replay', () => {
  assert.ok(cases.length >= 8, `only ${cases.length} fixtures found`);
});

for (const { module, exportName, file, dir } of cases) {
  test(`golden ${module}/${exportName}/${file}: wasm reply equals the expected bytes`, () => {
    const request = readFileSync(join(dir, file), 'utf8');
    const expected = readFileSync(join(dir, file.replace(/\.json$/, '.expected.json')), 'utf8');
    assert.equal(typeof core[exportName], 'function', `export ${exportName} missing`);
    assert.equal(core[exportName](request) + '\n', expected);
  });
}

test('coreVersion is a semantic version', () => {
  assert.match(core.coreVersion(), /^\d+\.\d+\.\d+$/);
});

test('a malformed request returns an error envelope and the module keeps working', () => {
  const hostile = [
    '', '{', 'null', '[]', '\u0000', '{"nowMs":', '{"checkIns":' + '['.repeat(200000),
    JSON.stringify({ nowMs: 'x', patientId: 'p', checkIns: [] }),
    JSON.stringify({ nowMs: 1795420800000, patientId: 'p', checkIns: [{ id: 1 }] }),
    '{"a":"\ud800"}',
  ];
  for (const text of hostile) {
    for (const name of ['evaluateStreak', 'recordCheckIn']) {
      const reply = JSON.parse(core[name](text));
      assert.equal(reply.ok, false, `${name}(${text.slice(0, 30)}) should fail`);
      assert.match(reply.error.code, /^[a-z]+\.[a-z_]+$/);
      assert.ok(reply.error.message.length > 0);
    }
  }
  const ok = JSON.parse(core.evaluateStreak(JSON.stringify({
    nowMs: 1795420800000, patientId: 'p-001', checkIns: [
      { id: 'a', patientId: 'p-001', atMs: 1795420800000 - 86400000 },
      { id: 'b', patientId: 'p-001', atMs: 1795420800000 },
    ],
  })));
  assert.equal(ok.ok, true);
  assert.equal(ok.value.current, 2);
});

test('a request over the size limit is refused with input.too_large', () => {
  const big = '{"pad":"' + 'x'.repeat(9 * 1024 * 1024) + '"}';
  assert.equal(JSON.parse(core.evaluateStreak(big)).error.code, 'input.too_large');
  // ... and 10 years of daily check-ins still evaluate right after.
  const now = Date.UTC(2026, 10, 23, 4);
  const checkIns = [];
  for (let i = 0; i < 3652; i++) {
    checkIns.push({ id: `c${i}`, patientId: 'p', atMs: now - i * 86400000, seq: i });
  }
  const reply = JSON.parse(core.evaluateStreak(JSON.stringify({ nowMs: now, patientId: 'p', checkIns })));
  assert.equal(reply.ok, true);
  assert.equal(reply.value.current, 3652);
  assert.equal(reply.value.milestones.length, Math.floor(3652 / 7));
});

test('the reply does not depend on arrival order (shuffled through wasm)', () => {
  const now = Date.UTC(2026, 10, 23, 4);
  const checkIns = [];
  for (let i = 0; i < 60; i++) {
    if (i % 9 === 4) continue;  // a few gaps
    checkIns.push({ id: `c${i}`, patientId: 'p', atMs: now - i * 86400000 - (i % 5) * 3600000, seq: i });
  }
  checkIns.push({ ...checkIns[3] });  // a redelivery
  const first = core.evaluateStreak(JSON.stringify({ nowMs: now, patientId: 'p', checkIns }));
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 20; round++) {
    const shuffled = [...checkIns].sort(() => random() - 0.5);
    assert.equal(core.evaluateStreak(JSON.stringify({ nowMs: now, patientId: 'p', checkIns: shuffled })), first);
  }
});
