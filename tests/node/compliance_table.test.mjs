// docs/compliance.md: every guard G1–G20 has its row; each assigned guard
// names where it is enforced and tests that exist; the self-check
// (`npm run compliance`, scripts/compliance.mjs) runs the demo hospital's
// campaigns through the validator and prints every guard as enforced, except
// the two numbers the guard list does not use (G10, G18).
// Renaming or deleting a test named in the table fails this test.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { checkCell, guardRows, guardVerdicts, runCompliance, testIndex, validateWithCore } from '../../scripts/compliance.mjs';
import { repoRoot } from './helpers.mjs';

const DOC = readFileSync(join(repoRoot, 'docs', 'compliance.md'), 'utf8');
const UNASSIGNED = ['G10', 'G18'];

test('docs/compliance.md: every guard G1–G20 has one row; G10 and G18 are said to be unassigned; every named test exists', () => {
  const rows = guardRows(DOC);
  assert.deepEqual(rows.map((r) => r.id), Array.from({ length: 20 }, (_, i) => `G${i + 1}`));
  assert.deepEqual(rows.filter((r) => r.unassigned).map((r) => r.id), UNASSIGNED);
  const problems = guardVerdicts(DOC, testIndex())
    .filter((g) => g.status === 'MISSING')
    .map((g) => `${g.id}: ${g.missing.join('; ')}`);
  assert.deepEqual(problems, []);
});

test('the table checker notices a test that does not exist, a missing row and an empty test cell', () => {
  const index = testIndex();
  assert.deepEqual(checkCell('`CampaignGuards.G14NoLotteries`', index).missing, []);
  assert.deepEqual(checkCell('`CampaignGuards.G14NoLotteries`, `G99*`', index).missing, ['GoogleTest CampaignGuards.G99*']);
  assert.deepEqual(checkCell('fixtures `eligibility/mayShowInvitePrompt/clinical_*.json`', index).missing, []);
  assert.deepEqual(checkCell('fixture `eligibility/nothing/*.json`', index).missing, ['fixture eligibility/nothing/*.json']);
  assert.deepEqual(checkCell('node `no such test…`', index).missing, ["node test 'no such test…'"]);
  // A row renamed away, and a row without a test, are both MISSING.
  const withoutG14 = DOC.replace(/^\| G14 \|.*$/m, '');
  assert.equal(guardVerdicts(withoutG14, index).find((g) => g.id === 'G14').status, 'MISSING');
  const untested = DOC.replace(/^(\| G14 \|[^|]*\|[^|]*\|)[^|]*\|$/m, '$1 none |');
  assert.equal(guardVerdicts(untested, index).find((g) => g.id === 'G14').status, 'MISSING');
  const renamed = DOC.replace('`CampaignGuards.G14NoLotteries`', '`CampaignGuards.G14NoRaffles`');
  assert.deepEqual(guardVerdicts(renamed, index).find((g) => g.id === 'G14').missing, ['GoogleTest CampaignGuards.G14NoRaffles']);
});

test('npm run compliance: the demo campaigns are valid and every guard line says enforced, G10 and G18 unassigned', async () => {
  const report = await runCompliance();
  assert.equal(report.validation.valid, true, JSON.stringify(report.validation.violations));
  assert.ok(report.campaigns >= 8);
  for (const g of report.guards) {
    assert.equal(g.status, UNASSIGNED.includes(g.id) ? 'UNASSIGNED' : 'OK', `${g.id}: ${g.missing.join('; ')}`);
  }
  assert.equal(report.ok, true);
  // The printed page, as the command line shows it.
  const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'scripts', 'compliance.mjs')], { cwd: repoRoot });
  const guardLines = stdout.split('\n').filter((l) => /^\s+G\d+\s/.test(l));
  assert.equal(guardLines.length, 20);
  for (const line of guardLines) {
    const id = line.trim().split(/\s+/)[0];
    assert.match(line, UNASSIGNED.includes(id) ? /UNASSIGNED/ : /\bOK\s+enforced: \S/, line);
  }
  assert.match(stdout, /^OK: 18 guards enforced and tested, 2 unassigned, 0 missing; campaigns valid$/m);
});

test('the self-check fails a campaign the guards forbid', async () => {
  const { campaigns } = JSON.parse(readFileSync(join(repoRoot, 'web', 'demo', 'campaigns.json'), 'utf8'));
  const cash = structuredClone(campaigns);
  cash[0].referrerRewards[0].type = 'cash';
  const verdict = await validateWithCore(cash);
  assert.equal(verdict.valid, false);
  assert.ok(verdict.violations.some((v) => v.guard === 'G1'), JSON.stringify(verdict.violations));
});
