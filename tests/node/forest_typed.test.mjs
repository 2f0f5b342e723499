// layoutForestTyped through the .wasm: the golden fixtures of layoutForest
// (columns) and generated forests give the same rows, words, facts and issues
// as the JSON path; hostile columns get a clear error, never a crash. The
// same columns through the staff module (core-staff.mjs) that the console's
// worker loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCore } from './helpers.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(REPO, 'tests', 'fixtures', 'referral', 'layoutForest');
const core = await loadCore();
const staff = await (await import(pathToFileURL(join(REPO, 'build', 'wasm', 'core-staff.mjs')).href)).default();
const T0 = Date.UTC(2026, 10, 23);

function pack(list) {
  const offsets = new Uint32Array(list.length + 1);
  list.forEach((s, i) => { offsets[i + 1] = offsets[i] + s.length; });
  return { text: list.join(''), offsets };
}

const TIMES = ['invitedAtMs', 'registeredAtMs', 'arrivedAtMs', 'convertedAtMs', 'vestedAtMs', 'voidedAtMs'];

/** A layoutForest request as layoutForestTyped's columns. */
function typed(request) {
  const records = request.records;
  const out = {
    records: {
      id: pack(records.map((r) => r.id)),
      referrerId: pack(records.map((r) => r.referrerId)),
      refereeId: pack(records.map((r) => r.refereeId)),
      rewardTitle: pack(records.map((r) => r.rewardTitle ?? '')),
      consentToShareProgress: Uint8Array.from(records.map((r) => (r.consentToShareProgress ? 1 : 0))),
    },
  };
  for (const t of TIMES) out.records[t] = Float64Array.from(records.map((r) => r[t] ?? 0));
  for (const key of ['nowMs', 'requireKnownPatients', 'layout', 'collapsed']) if (request[key] !== undefined) out[key] = request[key];
  if (request.patients) {
    out.patients = {
      id: pack(request.patients.map((p) => p.id)),
      name: pack(request.patients.map((p) => p.name ?? '')),
      firstVisitAtMs: Float64Array.from(request.patients.map((p) => p.firstVisitAtMs ?? 0)),
    };
  }
  return out;
}

const unpack = (p) => Array.from({ length: p.offsets.length - 1 }, (_, i) => p.text.slice(p.offsets[i], p.offsets[i + 1]));

/** The typed reply in the JSON reply's shape, for deepEqual. */
function asJson(value) {
  const c = value.columns;
  return {
    bounds: value.bounds,
    columns: {
      depth: Array.from(c.depth), hiddenChildren: Array.from(c.hiddenChildren), key: unpack(c.key),
      label: unpack(c.label), parent: Array.from(c.parent), sublabel: unpack(c.sublabel), x: Array.from(c.x),
    },
    issueCount: value.issueCount, issues: value.issues, levelCounts: value.levelCounts,
    levelHeight: value.levelHeight, nodeCount: value.nodeCount, nodeWidth: value.nodeWidth, shownCount: value.shownCount,
  };
}

test('the golden fixtures of layoutForest (columns) give the same answer through layoutForestTyped', () => {
  let checked = 0;
  for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))) {
    const request = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
    if (request.viewport !== undefined) continue;  // the typed form has no viewport: it is for whole forests
    const expected = JSON.parse(readFileSync(join(FIXTURES, file.replace('.json', '.expected.json')), 'utf8'));
    const json = request.columns ? expected : JSON.parse(core.layoutForest(JSON.stringify({ ...request, columns: true })));
    for (const engine of [core, staff]) {
      const reply = engine.layoutForestTyped(typed(request));
      assert.equal(reply.ok, true, `${file}: ${JSON.stringify(reply.error)}`);
      assert.deepEqual(asJson(reply.value), json.value, file);
    }
    checked += 1;
  }
  assert.ok(checked >= 2, 'fixtures were read');
});

test('generated forests with every graph problem: the same rows, words and issues as the JSON path', () => {
  let s = 7;
  const rand = (n) => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % n);
  const names = ['李晓芳', '王芳', 'A', '', '周😀七', '欧阳娜娜'];
  for (let round = 0; round < 12; round += 1) {
    const n = 20 + rand(400);
    const records = [];
    const patients = [];
    for (let i = 0; i < n; i += 1) {
      if (rand(4)) patients.push({ id: `p${i}`, name: names[rand(names.length)], ...(rand(2) ? { firstVisitAtMs: T0 - rand(1000) * 3.6e6 } : {}) });
      if (i === 0 || rand(20) === 0) continue;
      const from = rand(i + (rand(30) === 0 ? 3 : 0));
      const r = { id: `r${rand(30) === 0 ? i - 1 : i}`, referrerId: `p${from}`, refereeId: `p${rand(40) === 0 ? from : i}`, invitedAtMs: T0 + rand(500) * 3.6e6 };
      if (rand(2)) r.registeredAtMs = T0 + (500 + rand(100)) * 3.6e6;
      if (rand(3) === 0) r.voidedAtMs = T0 + 900 * 3.6e6;
      if (rand(2)) r.consentToShareProgress = true;
      if (rand(5) === 0) r.rewardTitle = '200元健康金';
      records.push(r);
    }
    const request = { nowMs: T0 + 1000 * 3.6e6, records, patients, ...(round % 3 === 0 ? { collapsed: ['p0', 'p2'] } : {}) };
    const json = JSON.parse(core.layoutForest(JSON.stringify({ ...request, columns: true })));
    assert.equal(json.ok, true);
    const reply = staff.layoutForestTyped(typed(request));
    assert.equal(reply.ok, true, JSON.stringify(reply.error));
    assert.ok(reply.value.columns.x instanceof Float64Array && reply.value.columns.parent instanceof Int32Array);
    assert.deepEqual(asJson(reply.value), json.value, `round ${round}`);
    // patient: the row's index into the request's patients.
    const keys = unpack(reply.value.columns.key);
    reply.value.columns.patient.forEach((p, row) => {
      if (p >= 0) assert.equal(patients[p].id, keys[row]);
      else assert.ok(!patients.some((x) => x.id === keys[row]));
    });
  }
});

test('hostile columns get a clear error envelope, and the module stays usable', () => {
  const good = typed({ records: [{ id: 'r1', referrerId: 'a', refereeId: 'b', invitedAtMs: T0 }] });
  const code = (request) => staff.layoutForestTyped(request).error?.code ?? 'ok';
  assert.equal(code(good), 'ok');
  assert.equal(code(undefined), 'input.wrong_type');
  assert.equal(code(null), 'input.wrong_type');
  assert.equal(code('{"records":[]}'), 'input.wrong_type');
  assert.equal(code([]), 'input.wrong_type');
  assert.equal(code({}), 'input.missing_field');
  assert.equal(code({ records: [] }), 'input.wrong_type');
  assert.equal(code({ ...good, records: { ...good.records, id: 'r1' } }), 'input.wrong_type');
  assert.equal(code({ ...good, records: { ...good.records, id: { text: 'r1', offsets: [0, 9] } } }), 'input.bad_shape');
  assert.equal(code({ ...good, records: { ...good.records, id: { text: 'r1', offsets: [0, -2] } } }), 'input.bad_shape');
  assert.equal(code({ ...good, records: { ...good.records, id: { text: 'r1', offsets: [0.5, 2] } } }), 'input.bad_shape');
  assert.equal(code({ ...good, records: { ...good.records, invitedAtMs: [T0, T0] } }), 'input.bad_shape');
  assert.equal(code({ ...good, records: { ...good.records, invitedAtMs: [NaN] } }), 'input.wrong_type');
  assert.equal(code({ ...good, records: { ...good.records, invitedAtMs: ['x'] } }), 'input.wrong_type');
  assert.equal(code({ ...good, records: { ...good.records, invitedAtMs: [-1] } }), 'input.out_of_range');
  assert.equal(code({ ...good, records: { ...good.records, id: pack(['']) } }), 'input.missing_field');
  assert.equal(code({ ...good, records: { ...good.records, referrerId: pack(['x'.repeat(129)]) } }), 'input.out_of_range');
  assert.equal(code({ ...good, nowMs: 1.5 }), 'input.wrong_type');
  assert.equal(code({ ...good, nowMs: 1e300 }), 'input.out_of_range');
  assert.equal(code({ ...good, layout: { nodeWidth: 0 } }), 'input.out_of_range');
  assert.equal(code({ ...good, layout: { nodeWidth: 'wide' } }), 'input.wrong_type');
  assert.equal(code({ ...good, collapsed: [1] }), 'input.wrong_type');
  assert.equal(code({ ...good, collapsed: 'a' }), 'input.wrong_type');
  assert.equal(code({ ...good, requireKnownPatients: 1 }), 'input.wrong_type');
  assert.equal(code({ ...good, patients: { id: pack(['a']), name: pack(['名'.repeat(30)]) } }), 'input.out_of_range');
  const cycle = staff.layoutForestTyped(typed({ records: [
    { id: 'r1', referrerId: 'a', refereeId: 'b', invitedAtMs: T0 }, { id: 'r2', referrerId: 'b', refereeId: 'a', invitedAtMs: T0 + 1 }] }));
  assert.equal(cycle.value.issues[0].code, 'referral.cycle');
  assert.deepEqual(cycle.value.issues[0].recordIds, ['r1', 'r2']);
  assert.equal(code(good), 'ok', 'still usable');
});
