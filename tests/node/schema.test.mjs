// Every golden fixture (tests/fixtures/<module>/<export>/) against the
// export's JSON Schemas (docs/schema/<module>/<export>.request.json and
// .reply.json): an accepted request is valid, a request the core refuses for
// its shape is invalid, and every expected reply — value or error — is valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from './helpers.mjs';
import { exportContracts, fixturesOf, validatorFor, describeErrors, coreVerdict } from './schema_support.mjs';

// Refusals about the request's shape, which the schema states too
// (poster.forbidden_field is also given for a link inside a story's text,
// which no schema sees, so it is not among them).
const SHAPE_CODES = new Set(['input.missing_field', 'input.wrong_type', 'input.unknown_field', 'input.bad_enum',
  'poster.unknown_template']);
// Refusals of the text before any field is read: no schema applies.
const TEXT_CODES = new Set(['input.bad_json', 'input.too_deep', 'input.too_large', 'moderation.bad_utf8']);

test('every export with golden fixtures has a request and a reply schema', () => {
  const contracts = new Set(exportContracts().map((c) => `${c.module}/${c.name}`));
  for (const module of readdirSync(fixturesDir)) {
    for (const name of readdirSync(join(fixturesDir, module))) {
      assert.ok(contracts.has(`${module}/${name}`), `docs/schema/${module}/${name}.request.json is missing`);
    }
  }
  for (const c of exportContracts()) assert.ok(existsSync(c.reply), `${c.reply} is missing`);
});

for (const contract of exportContracts()) {
  const fixtures = fixturesOf(contract.module, contract.name);
  if (fixtures.length === 0) continue;
  test(`${contract.module}/${contract.name}: golden requests and replies match the schemas`, () => {
    const request = validatorFor(contract.request);
    const reply = validatorFor(contract.reply);
    let requests = 0;
    for (const f of fixtures) {
      assert.ok(reply(f.expected), `${f.name}.expected.json: ${describeErrors(reply.errors)}`);
      const code = f.expected.ok ? null : f.expected.error.code;
      if (TEXT_CODES.has(code)) continue;
      const body = JSON.parse(f.requestText);
      requests += 1;
      if (coreVerdict(contract.name, f.expected).ok) {
        assert.ok(request(body), `${f.name}.json is accepted by the core: ${describeErrors(request.errors)}`);
      } else if (SHAPE_CODES.has(code)) {
        assert.equal(request(body), false, `${f.name}.json is refused by the core (${code}) but valid for the schema`);
      }
    }
    assert.ok(requests > 0);
  });
}
