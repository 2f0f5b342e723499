// docs/api/openapi.yaml is a valid OpenAPI document (swagger-parser's
// validator: structure, $refs, operation ids), every operation describes
// the JSON of each response, and the contract check used by the backend
// tests (tests/support/openapi_contract.mjs) refuses what it must.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { repoRoot } from './helpers.mjs';
import { openApiContract } from '../support/openapi_contract.mjs';

const file = join(repoRoot, 'docs', 'api', 'openapi.yaml');

test('openapi.yaml validates, and every response that has a body has a schema', async () => {
  const api = await SwaggerParser.validate(file);
  const missing = [];
  for (const [path, item] of Object.entries(api.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== 'object' || !op.responses) continue;
      for (const [status, response] of Object.entries(op.responses)) {
        if (status === '204') continue;
        if (!response.content?.['application/json']?.schema) missing.push(`${method} ${path} ${status}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

test('the contract check refuses unknown routes, statuses and bodies that do not match', async () => {
  const check = await openApiContract();
  assert.deepEqual(check('GET', '/now', 200, { serverTimeMs: 1795420800000, coreVersion: '0.1.0' }), []);
  assert.notDeepEqual(check('GET', '/now', 200, { serverTimeMs: 'noon' }), []);
  assert.match(check('GET', '/no-such-route', 200, {})[0], /no such path.*answered 200/);
  assert.match(check('DELETE', '/now', 200, {})[0], /no such method.*answered 200/);
  const notFound = { error: { code: 'request.not_found', message: '没有这个地址' }, serverTimeMs: 1795420800000 };
  assert.deepEqual(check('GET', '/no-such-route', 404, notFound), [], 'an unknown path may be answered 404');
  assert.notDeepEqual(check('GET', '/no-such-route', 404, { oops: true }), []);
  assert.notDeepEqual(check('GET', '/now', 418, {}), [], 'the default response is the error body');
});
