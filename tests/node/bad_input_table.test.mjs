// docs/bad-input.md has no row without a test, and names no test that does
// not exist. Every row's last column lists its tests in backticks:
//   `Suite.Name`            a GoogleTest under tests/ (`Suite.Prefix*` or a bare
//                           `Prefix*` after a named suite: any test it starts)
//   fixture(s) `a/b/c.json` files under tests/fixtures/ (`*` matches any folders)
//   node `name…` / browser `name…`  a test('…') title in tests/node or tests/browser
//                           (a trailing … means "starts with")
// Renaming or deleting a test named in the table fails this test.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { repoRoot } from './helpers.mjs';

function filesUnder(dir, suffix) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, suffix));
    else if (entry.name.endsWith(suffix)) out.push(path);
  }
  return out;
}

const testsDir = join(repoRoot, 'tests');
const gtests = new Set();
for (const file of filesUnder(testsDir, '.cpp')) {
  for (const m of readFileSync(file, 'utf8').matchAll(/^TEST(?:_F|_P)?\((\w+),\s*(\w+)\)/gm)) gtests.add(`${m[1]}.${m[2]}`);
}
const jsTitles = { node: [], browser: [] };
for (const kind of ['node', 'browser']) {
  for (const file of filesUnder(join(testsDir, kind), '.mjs')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\btest\(\s*(['`])((?:(?!\1).)*)\1/g)) jsTitles[kind].push(m[2]);
  }
}

/** `a/b/c.json` exists under tests/fixtures; `*` matches any folders, a trailing `/*` any file. */
function fixtureExists(pattern) {
  const files = filesUnder(join(testsDir, 'fixtures'), '.json').map((f) => f.slice(join(testsDir, 'fixtures').length + 1));
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.+');
  const re = new RegExp(`^${source}$`);
  return files.some((f) => re.test(f));
}

/** The rows of every table in the document: { section, input, tests }. */
function rows() {
  const text = readFileSync(join(repoRoot, 'docs', 'bad-input.md'), 'utf8');
  const out = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3);
    if (!line.startsWith('|') || /^\|\s*(input|---)/.test(line)) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    out.push({ section, input: cells[0], tests: cells[cells.length - 1] });
  }
  return out;
}

/** What one row's test cell names, and which of those could not be found. */
function check(cell) {
  const missing = [];
  let named = 0;
  let suite = '';
  // `kind` is the word before a backticked name: node, browser, fixture(s) or nothing.
  for (const m of cell.matchAll(/(?:\b(node|browser|fixtures?)\s+)?`([^`]+)`/g)) {
    const [, kind = '', name] = m;
    named += 1;
    if (kind === 'node' || kind === 'browser') {
      const prefix = name.endsWith('…') ? name.slice(0, -1) : null;
      const found = jsTitles[kind].some((t) => (prefix === null ? t === name : t.startsWith(prefix)));
      if (!found) missing.push(`${kind} test '${name}'`);
    } else if (name.includes('/')) {
      if (!fixtureExists(name)) missing.push(`fixture ${name}`);
    } else {
      const full = name.includes('.') ? name : `${suite}.${name}`;
      suite = full.split('.')[0];
      const found = full.endsWith('*')
        ? [...gtests].some((t) => t.startsWith(full.slice(0, -1)))
        : gtests.has(full);
      if (!found) missing.push(`GoogleTest ${full}`);
    }
  }
  return { named, missing };
}

test('docs/bad-input.md: every row names at least one test, and every named test exists', () => {
  const all = rows();
  assert.ok(all.length >= 50, `only ${all.length} rows parsed`);
  for (const section of ['Structure', 'Numbers', 'Strings', 'Time', 'Referral graph', 'Campaign rules', 'Posters and referral codes']) {
    assert.ok(all.some((r) => r.section === section), `a "${section}" section`);
  }
  const problems = [];
  for (const row of all) {
    const { named, missing } = check(row.tests);
    if (named === 0) problems.push(`${row.section} / ${row.input}: no test named`);
    for (const m of missing) problems.push(`${row.section} / ${row.input}: ${m} not found`);
  }
  assert.deepEqual(problems, []);
});

test('the table checker itself notices what is missing', () => {
  assert.deepEqual(check('`JsonIo.RejectsNonJsonAsBadJson`').missing, []);
  assert.deepEqual(check('`JsonIo.NoSuchTest`').missing, ['GoogleTest JsonIo.NoSuchTest']);
  assert.deepEqual(check('`CampaignGuards.G1*`, `G99*`').missing, ['GoogleTest CampaignGuards.G99*']);
  assert.deepEqual(check('fixture `streak/evaluateStreak/none.json`').missing, ['fixture streak/evaluateStreak/none.json']);
  assert.deepEqual(check('fixtures `*/error_bad_json.json`').missing, []);
  assert.deepEqual(check('node `no such test…`').missing, ["node test 'no such test…'"]);
  assert.equal(check('nothing here').named, 0);
});
