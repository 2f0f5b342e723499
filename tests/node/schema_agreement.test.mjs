// The request schemas (docs/schema/<module>/<export>.request.json) and the
// core's decoders must give the same verdict. From every accepted golden
// request, variants are generated — each key dropped, set to null, or given a
// value of another JSON type, and an unknown key added to each object (arrays:
// their first element) — and each variant is checked by the schema and by the
// real .wasm. A variant the schema refuses must be refused by the core, but
// for null in an optional key, which the core reads as absent (the documented
// difference); a variant the schema accepts may be refused by the core only
// for a reason no schema can see (a date that does not exist, an unknown
// question id, a compliance guard), never for its shape. Every reply the core
// gives to a variant must also match the export's reply schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCore } from './helpers.mjs';
import { exportContracts, fixturesOf, validatorFor, describeErrors, coreVerdict } from './schema_support.mjs';

// Codes that speak of the request's shape: the schema must have refused first.
const SHAPE_CODES = new Set(['input.missing_field', 'input.wrong_type', 'input.unknown_field', 'input.bad_enum',
  'input.too_many_items', 'poster.forbidden_field', 'poster.unknown_template']);

function otherType(value) {
  if (typeof value === 'string') return 12345;
  if (typeof value === 'number') return 'x';
  if (typeof value === 'boolean') return 'yes';
  if (Array.isArray(value)) return { zz: 1 };
  return ['x'];
}

// Yields [label, variant] for every mutation of `root`.
function* variants(root) {
  const clone = () => structuredClone(root);
  const at = (obj, path) => path.reduce((o, k) => o[k], obj);
  function* visit(node, path) {
    if (Array.isArray(node)) {
      if (node.length > 0) {
        const p = [...path, 0];
        yield [`/${p.join('/')}: another type`, (() => { const c = clone(); at(c, path)[0] = otherType(node[0]); return c; })()];
        yield* visit(node[0], p);
      }
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const keys = Object.keys(node);
    for (const key of keys) {
      const p = [...path, key];
      yield [`/${p.join('/')}: dropped`, (() => { const c = clone(); delete at(c, path)[key]; return c; })()];
      yield [`/${p.join('/')}: another type`, (() => { const c = clone(); at(c, path)[key] = otherType(node[key]); return c; })()];
      yield [`/${p.join('/')}: null`, (() => { const c = clone(); at(c, path)[key] = null; return c; })()];
      yield* visit(node[key], p);
    }
    yield [`/${path.join('/')}: unknown key`, (() => { const c = clone(); at(c, path).zzUnknownKey = 1; return c; })()];
  }
  yield* visit(root, []);
}

const core = await loadCore();

// Accepted golden requests of an export. The batch export has no fixtures of
// its own: its requests are the single-patient ones, regrouped.
function baseRequests(contract) {
  if (contract.name === 'evaluateEligibilityBatch') {
    return fixturesOf('eligibility', 'evaluateEligibility')
      .filter((f) => f.expected.ok)
      .map((f) => {
        const { patient, referrals, milestones, issued, ...shared } = JSON.parse(f.requestText);
        const one = Object.fromEntries(Object.entries({ patient, referrals, milestones, issued }).filter(([, v]) => v !== undefined));
        return { name: `${f.name} (as a batch)`, requestText: JSON.stringify({ ...shared, patients: [one] }), expected: f.expected };
      });
  }
  return fixturesOf(contract.module, contract.name)
    .filter((f) => coreVerdict(contract.name, f.expected).ok && f.requestText.length < 200_000);
}

for (const contract of exportContracts()) {
  const fixtures = baseRequests(contract);
  assert.ok(fixtures.length > 0, `${contract.name}: no accepted request to vary`);
  test(`${contract.name}: schema and core agree on generated variants`, () => {
    const validate = validatorFor(contract.request);
    const validateReply = validatorFor(contract.reply);
    const disagreements = [];
    let checked = 0;
    for (const fixture of fixtures) {
      for (const [label, variant] of variants(JSON.parse(fixture.requestText))) {
        checked += 1;
        const schemaOk = validate(variant);
        const reply = JSON.parse(core[contract.name](JSON.stringify(variant)));
        if (!validateReply(reply)) disagreements.push(`${fixture.name} ${label}: the reply does not match the reply schema (${describeErrors(validateReply.errors)})`);
        const verdict = coreVerdict(contract.name, reply);
        // The one deliberate difference on this side (docs/schema/common.schema.json):
        // the core reads null as an absent optional field, the schema asks to leave the key out.
        const nullAsAbsent = label.endsWith(': null') && !schemaOk && verdict.ok;
        const agree = schemaOk === verdict.ok || (schemaOk && !SHAPE_CODES.has(verdict.code)) || nullAsAbsent;
        if (!agree) {
          disagreements.push(`${fixture.name} ${label}: schema ${schemaOk ? 'accepts' : `refuses (${describeErrors(validate.errors)})`}, core ${verdict.ok ? 'accepts' : `refuses ${verdict.code} at ${verdict.path}`}`);
        }
      }
    }
    assert.ok(checked > fixtures.length, 'variants were generated');
    assert.deepEqual(disagreements, [], `${disagreements.length} of ${checked} variants`);
  });
}
