// d3-hierarchy as the oracle of the tidy-tree layout: on generated trees the
// core's coordinates (through the .wasm) must equal d3.tree().nodeSize(...)
// exactly, for the default and for custom separations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratify, tree as d3tree } from 'd3-hierarchy';
import { loadCore } from './helpers.mjs';

const core = await loadCore();
const T0 = Date.UTC(2026, 0, 1);

// Seeded generator: parent of node i is a random earlier node, biased so that
// out-degrees and depths look like referral trees (or a chain when asked).
function randomTree(n, seed, { chain = false, fanout = 3 } = {}) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const parent = [-1];
  for (let i = 1; i < n; i++) {
    if (chain) parent.push(i - 1);
    else parent.push(Math.max(0, i - 1 - Math.floor(rand() * Math.min(i, fanout * 4))));
  }
  return parent;
}

function coreLayout(parent, layout) {
  // invitedAtMs increases with the node number, so children keep index order.
  const records = parent.slice(1).map((p, k) => ({
    id: `r${k + 1}`, referrerId: `n${p}`, refereeId: `n${k + 1}`, invitedAtMs: T0 + (k + 1) * 1000,
  }));
  const reply = JSON.parse(core.layoutForest(JSON.stringify({ records, layout, maxVisible: 200000 })));
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  return new Map(reply.value.visible.map((d) => [d.key, d]));
}

function d3Layout(parent, { nodeWidth, levelHeight, siblingSeparation = 1, cousinSeparation = 2 }) {
  const rows = parent.map((p, i) => ({ id: `n${i}`, parentId: p < 0 ? null : `n${p}` }));
  const root = stratify().id((d) => d.id).parentId((d) => d.parentId)(rows);
  d3tree().nodeSize([nodeWidth, levelHeight])
    .separation((a, b) => (a.parent === b.parent ? siblingSeparation : cousinSeparation))(root);
  return root.descendants();
}

function assertSame(parent, layout) {
  const ours = coreLayout(parent, layout);
  const theirs = d3Layout(parent, layout);
  assert.equal(ours.size, theirs.length);
  for (const node of theirs) {
    const mine = ours.get(node.id);
    assert.ok(mine, `missing ${node.id}`);
    assert.equal(mine.x, node.x, `x of ${node.id}`);
    assert.equal(mine.y, node.y, `y of ${node.id}`);
  }
}

test('random referral-shaped trees lay out exactly as d3.tree', () => {
  for (let seed = 1; seed <= 25; seed++) {
    const n = 2 + ((seed * 37) % 400);
    assertSame(randomTree(n, seed, { fanout: 1 + (seed % 5) }), { nodeWidth: 88, levelHeight: 120 });
  }
});

test('custom node size and separations match d3 too', () => {
  const parent = randomTree(600, 99);
  assertSame(parent, { nodeWidth: 10, levelHeight: 3, siblingSeparation: 1.5, cousinSeparation: 3.25 });
  assertSame(parent, { nodeWidth: 1, levelHeight: 1, siblingSeparation: 1, cousinSeparation: 1 });
});

test('a 5,000-deep chain and a 5,000-wide star match d3', () => {
  assertSame(randomTree(5000, 1, { chain: true }), { nodeWidth: 88, levelHeight: 120 });
  assertSame([-1, ...Array.from({ length: 4999 }, () => 0)], { nodeWidth: 88, levelHeight: 120 });
});

test('a million-long chain lays out without exhausting the wasm stack', () => {
  const n = 1_000_000;
  const records = new Array(n - 1);
  for (let i = 1; i < n; i++) {
    records[i - 1] = { id: `r${i}`, referrerId: `n${i - 1}`, refereeId: `n${i}`, invitedAtMs: T0 + i };
  }
  const reply = JSON.parse(core.analyzeReferrals(JSON.stringify({ records })));
  assert.equal(reply.ok, true, JSON.stringify(reply.error));
  assert.equal(reply.value.maxDepth, n - 1);
  assert.equal(reply.value.roots, 1);
  const forest = JSON.parse(core.layoutForest(JSON.stringify({
    records, viewport: { x0: -10, y0: 0, x1: 10, y1: 1000 }, layout: { nodeWidth: 1, levelHeight: 100 } })));
  assert.equal(forest.ok, true, JSON.stringify(forest.error));
  assert.equal(forest.value.nodeCount, n);
  assert.equal(forest.value.visible.length, 11);  // depths 0..10 fall inside y ∈ [0, 1000]
  assert.equal(forest.value.bounds.maxY, (n - 1) * 100);
});

test('layoutForestArrays equals the JSON path and refuses bad shapes', () => {
  const parent = randomTree(500, 5);
  const referrer = Int32Array.from(parent.slice(1));
  const referee = Int32Array.from(parent.slice(1).map((_, k) => k + 1));
  const invited = Float64Array.from(parent.slice(1).map((_, k) => T0 + (k + 1) * 1000));
  const reply = core.layoutForestArrays(referrer, referee, invited, parent.length, { nodeWidth: 88, levelHeight: 120 });
  assert.equal(reply.ok, true);
  assert.ok(reply.value.x instanceof Float64Array);
  const ours = coreLayout(parent, { nodeWidth: 88, levelHeight: 120 });
  for (let row = 0; row < reply.value.x.length; row++) {
    assert.equal(reply.value.x[row], ours.get(`n${reply.value.node[row]}`).x);
  }
  const cycle = core.layoutForestArrays(Int32Array.from([0, 1]), Int32Array.from([1, 0]), Float64Array.from([1, 2]), 2, {});
  assert.equal(cycle.value.issues[0].code, 'referral.cycle');
  assert.equal(core.layoutForestArrays([0], [1, 2], [1], 3, {}).error.code, 'input.bad_shape');
  assert.equal(core.layoutForestArrays(null, 5, 'x', 2, {}).error.code, 'input.wrong_type');
  assert.equal(core.layoutForestArrays([0], [1], [1], -4, {}).error.code, 'input.out_of_range');
  assert.equal(core.layoutForestArrays([0], [9], [1], 2, {}).value.issues[0].code, 'referral.unknown_id');
});

test('property: level counts always sum to the node count, whatever the records', () => {
  let s = 424242;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let round = 0; round < 40; round++) {
    const n = 2 + Math.floor(rand() * 300);
    const records = [];
    const m = Math.floor(rand() * n * 1.5);  // cycles, self-referrals, double claims included
    for (let k = 0; k < m; k++) {
      records.push({ id: `r${k % (n + 3)}`, referrerId: `p${Math.floor(rand() * n)}`,
        refereeId: `p${Math.floor(rand() * n)}`, invitedAtMs: T0 + Math.floor(rand() * 1e6) });
    }
    const reply = JSON.parse(core.analyzeReferrals(JSON.stringify({ records })));
    assert.equal(reply.ok, true);
    const sum = reply.value.levelCounts.reduce((a, b) => a + b, 0);
    assert.equal(sum, reply.value.patients, `round ${round}`);
    const forest = JSON.parse(core.layoutForest(JSON.stringify({ records, columns: true })));
    assert.equal(forest.value.columns.key.length, reply.value.patients);  // every patient drawn once
    assert.equal(new Set(forest.value.columns.key).size, reply.value.patients);
  }
});
