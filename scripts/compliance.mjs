#!/usr/bin/env node
// The compliance self-check (`npm run compliance`): the page a hospital's
// compliance officer reads.
//   1. The hospital's live campaigns go through the core's validator
//      (validateCampaigns, the built .wasm): from the reference backend's
//      database with --database-url URL, otherwise the demo hospital's
//      web/demo/campaigns.json.
//   2. The guard table of docs/compliance.md is read, and every test a row
//      names is looked up in tests/ (GoogleTest names, fixtures, node and
//      browser test titles; the notation of docs/bad-input.md).
//   3. One line per guard G1–G20: where it is enforced, what tests it, and
//      OK, MISSING (a named test does not exist, or nothing is named) or
//      UNASSIGNED (a number the guard list does not use).
// Exit status 0 only when every campaign is valid and every guard is OK or
// unassigned. --json prints the same as JSON.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function filesUnder(dir, suffix) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(path, suffix));
    else if (entry.name.endsWith(suffix)) out.push(path);
  }
  return out;
}

/** Every test of the repository by kind: GoogleTest names, node and browser titles, fixture paths. */
export function testIndex(repo = REPO) {
  const testsDir = join(repo, 'tests');
  const gtests = new Set();
  for (const file of filesUnder(testsDir, '.cpp')) {
    for (const m of readFileSync(file, 'utf8').matchAll(/^TEST(?:_F|_P)?\((\w+),\s*(\w+)\)/gm)) gtests.add(`${m[1]}.${m[2]}`);
  }
  const titles = { node: [], browser: [] };
  for (const kind of ['node', 'browser']) {
    for (const file of filesUnder(join(testsDir, kind), '.mjs')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\btest\(\s*(['`])((?:(?!\1).)*)\1/g)) titles[kind].push(m[2]);
    }
  }
  const fixturesDir = join(testsDir, 'fixtures');
  const fixtures = filesUnder(fixturesDir, '.json').map((f) => f.slice(fixturesDir.length + 1));
  return { gtests, titles, fixtures };
}

/**
 * The tests one cell names, and which of them do not exist. A bare `Suite.Name`
 * is a GoogleTest (`Prefix*` after a named suite: any test of it starting so);
 * fixture(s) `a/*.json` files under tests/fixtures (`*` any characters);
 * node / browser `title` a test title (a trailing … means "starts with").
 */
export function checkCell(cell, index) {
  const named = [];
  const missing = [];
  let suite = '';
  for (const m of cell.matchAll(/(?:\b(node|browser|fixtures?)\s+)?`([^`]+)`/g)) {
    const [, kind = '', name] = m;
    if (kind === 'node' || kind === 'browser') {
      const prefix = name.endsWith('…') ? name.slice(0, -1) : null;
      named.push(`${kind} ${name}`);
      if (!index.titles[kind].some((t) => (prefix === null ? t === name : t.startsWith(prefix)))) missing.push(`${kind} test '${name}'`);
    } else if (name.includes('/')) {
      named.push(`fixture ${name}`);
      const source = name.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.+');
      const re = new RegExp(`^${source}$`);
      if (!index.fixtures.some((f) => re.test(f))) missing.push(`fixture ${name}`);
    } else {
      const full = name.includes('.') ? name : `${suite}.${name}`;
      suite = full.split('.')[0];
      named.push(full);
      const found = full.endsWith('*') ? [...index.gtests].some((t) => t.startsWith(full.slice(0, -1))) : index.gtests.has(full);
      if (!found) missing.push(`GoogleTest ${full}`);
    }
  }
  return { named, missing };
}

/** The rows of the guard table of docs/compliance.md: {id, rule, where, tests, unassigned}. */
export function guardRows(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    const m = /^\|\s*(G\d+)\s*\|/.exec(line);
    if (!m) continue;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4) throw new Error(`docs/compliance.md: the row of ${m[1]} has ${cells.length} cells, not 4`);
    const [id, rule, where, tests] = cells;
    rows.push({ id, rule, where, tests, unassigned: /^unassigned\b/.test(rule) });
  }
  return rows;
}

/** Guard numbers the self-check covers. */
export const GUARD_IDS = Object.freeze(Array.from({ length: 20 }, (_, i) => `G${i + 1}`));

/** One verdict per guard G1–G20 from the document's text and the repository's tests. */
export function guardVerdicts(text, index) {
  const rows = new Map();
  for (const row of guardRows(text)) {
    if (rows.has(row.id)) throw new Error(`docs/compliance.md: ${row.id} appears twice`);
    rows.set(row.id, row);
  }
  return GUARD_IDS.map((id) => {
    const row = rows.get(id);
    if (!row) return { id, status: 'MISSING', where: '', named: [], missing: ['no row in docs/compliance.md'] };
    if (row.unassigned) return { id, status: 'UNASSIGNED', where: '', named: [], missing: [] };
    const { named, missing } = checkCell(row.tests, index);
    const problems = [...missing];
    if (named.length === 0) problems.push('no test named');
    if (!row.where || row.where === '—') problems.push('no place of enforcement named');
    return { id, status: problems.length ? 'MISSING' : 'OK', where: row.where, named, missing: problems };
  });
}

/** The live campaigns: the backend's database when a URL is given, else the demo hospital's file. */
export async function liveCampaigns(databaseUrl) {
  if (!databaseUrl) {
    const path = join(REPO, 'web', 'demo', 'campaigns.json');
    return { source: 'web/demo/campaigns.json（演示医院）', campaigns: JSON.parse(readFileSync(path, 'utf8')).campaigns };
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT config FROM campaigns ORDER BY position');
    return { source: 'the reference backend’s database', campaigns: rows.map((r) => r.config) };
  } finally {
    await client.end();
  }
}

/** validateCampaigns through the built .wasm. */
export async function validateWithCore(campaigns) {
  const modulePath = join(REPO, 'build', 'wasm', 'core.mjs');
  if (!existsSync(modulePath)) throw new Error('build/wasm/core.mjs is missing: run npm run build first');
  const core = await (await import(pathToFileURL(modulePath).href)).default();
  const envelope = JSON.parse(core.validateCampaigns(JSON.stringify({ campaigns })));
  if (!envelope.ok) return { valid: false, violations: [{ campaignId: '', code: envelope.error.code, guard: '', message: envelope.error.message }] };
  return envelope.value;
}

/** A short, plain form of the "enforced where" cell for one line. */
function plain(text, width) {
  const flat = text.replaceAll('`', '').replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

/** The report: {campaigns, guards, ok} and its lines. */
export async function runCompliance({ databaseUrl = null, docPath = join(REPO, 'docs', 'compliance.md') } = {}) {
  const { source, campaigns } = await liveCampaigns(databaseUrl);
  const validation = await validateWithCore(campaigns);
  const guards = guardVerdicts(readFileSync(docPath, 'utf8'), testIndex());
  const lines = [];
  lines.push(`CareCircle compliance self-check — ${new Date().toISOString()}`);
  lines.push(`Campaigns (${source}): ${campaigns.length} checked by validateCampaigns — ${validation.valid ? 'all valid' : `${validation.violations.length} violation(s)`}`);
  for (const v of validation.violations) lines.push(`  ✗ ${v.campaignId || '(request)'} ${v.guard || ''} ${v.code}: ${v.message}`);
  lines.push('Guards (docs/compliance.md):');
  for (const g of guards) {
    if (g.status === 'UNASSIGNED') {
      lines.push(`  ${g.id.padEnd(4)} UNASSIGNED  (the guard list has no ${g.id})`);
      continue;
    }
    lines.push(`  ${g.id.padEnd(4)} ${g.status.padEnd(10)} enforced: ${plain(g.where, 110)}`);
    lines.push(`       tested by ${g.named.length}: ${plain(g.named.join(', '), 140)}`);
    for (const m of g.missing) lines.push(`       MISSING: ${m}`);
  }
  const ok = validation.valid && guards.every((g) => g.status !== 'MISSING');
  const enforced = guards.filter((g) => g.status === 'OK').length;
  lines.push(`${ok ? 'OK' : 'NOT OK'}: ${enforced} guards enforced and tested, ${guards.filter((g) => g.status === 'UNASSIGNED').length} unassigned, ${guards.filter((g) => g.status === 'MISSING').length} missing; campaigns ${validation.valid ? 'valid' : 'INVALID'}`);
  return { source, campaigns: campaigns.length, validation, guards, ok, lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const at = args.indexOf('--database-url');
  const databaseUrl = at >= 0 ? args[at + 1] : null;
  if (at >= 0 && !databaseUrl) {
    console.error('usage: node scripts/compliance.mjs [--database-url postgres://…] [--json]');
    process.exit(2);
  }
  try {
    const report = await runCompliance({ databaseUrl });
    if (args.includes('--json')) console.log(JSON.stringify({ ...report, lines: undefined }, null, 2));
    else console.log(report.lines.join('\n'));
    process.exitCode = report.ok ? 0 : 1;
  } catch (error) {
    console.error(`compliance self-check failed: ${error.message}`);
    process.exitCode = 2;
  }
}
