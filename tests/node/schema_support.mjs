// Loads the JSON Schemas of the exports (docs/schema/) into one Ajv instance.
// Each schema is registered under its file URL, so the relative $refs between
// files (../common.schema.json#/$defs/date) resolve as they do for any other
// tool reading the files from disk.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { repoRoot, fixturesDir } from './helpers.mjs';

export const schemaDir = join(repoRoot, 'docs', 'schema');

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith('.json')) yield path;
  }
}

/** Every export with a contract: [{module, name, request, reply}] (file paths). */
export function exportContracts() {
  const out = [];
  for (const module of readdirSync(schemaDir, { withFileTypes: true })) {
    if (!module.isDirectory()) continue;
    for (const file of readdirSync(join(schemaDir, module.name)).sort()) {
      const m = /^(.+)\.request\.json$/.exec(file);
      if (!m) continue;
      out.push({
        module: module.name,
        name: m[1],
        request: join(schemaDir, module.name, file),
        reply: join(schemaDir, module.name, `${m[1]}.reply.json`),
      });
    }
  }
  return out;
}

let ajv;
/** One Ajv (draft 2020-12, formats) holding every schema file. */
export function schemaAjv() {
  if (ajv) return ajv;
  ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTuples: false, allowUnionTypes: true });
  addFormats(ajv);
  // json-schema-to-typescript's annotation (a TypeScript type where JSON
  // Schema has none); no effect on validation.
  ajv.addKeyword({ keyword: 'tsType', schemaType: 'string' });
  for (const path of walk(schemaDir)) {
    const schema = JSON.parse(readFileSync(path, 'utf8'));
    // The campaign file names itself with a relative $id; here every file is
    // named by where it lies, which is what the $refs point at.
    ajv.addSchema({ ...schema, $id: pathToFileURL(path).href });
  }
  return ajv;
}

/** The compiled validator of one schema file. */
export function validatorFor(path) {
  const validate = schemaAjv().getSchema(pathToFileURL(path).href);
  if (!validate) throw new Error(`no schema at ${relative(repoRoot, path)}`);
  return validate;
}

export function describeErrors(errors) {
  return (errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
}

/** Golden fixtures of one export: [{name, requestText, expected}]. */
export function fixturesOf(module, name) {
  const dir = join(fixturesDir, module, name);
  let files;
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
    .sort()
    .map((f) => ({
      name: f.slice(0, -5),
      requestText: readFileSync(join(dir, f), 'utf8'),
      expected: JSON.parse(readFileSync(join(dir, f.replace(/\.json$/, '.expected.json')), 'utf8')),
    }));
}

/**
 * The core's verdict on a request, from its reply. validateCampaigns and
 * validateCampaignChange answer a campaign that breaks a compliance guard with
 * ok:true and valid/allowed false, while the campaign schema refuses such a
 * campaign; for these two exports that answer counts as a refusal.
 */
export function coreVerdict(name, reply) {
  if (!reply.ok) return { ok: false, code: reply.error.code, path: reply.error.path };
  if (name === 'validateCampaigns' && !reply.value.valid) return { ok: false, code: 'campaign.violation', path: '' };
  if (name === 'validateCampaignChange' && !reply.value.allowed) return { ok: false, code: 'campaign.violation', path: '' };
  return { ok: true };
}
