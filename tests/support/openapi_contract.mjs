// The contract check of the reference backend: every reply is validated
// against the response schema docs/api/openapi.yaml gives for its route and
// status (or the route's `default`). A reply for a route or status the file
// does not describe is a failure too: what the server answers, an integrator
// must be able to read in the contract. A path or method the file does not
// list may only be answered as not there: 404 or 405 with the error body.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const OPENAPI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'api', 'openapi.yaml');

let loaded;
/**
 * Loads the OpenAPI file once: `check(method, path, status, json)` returns a
 * list of problems (empty when the reply matches). `path` is relative to the
 * API root (…/api/v1), query string allowed.
 */
export function openApiContract() {
  loaded ??= (async () => {
    const api = await SwaggerParser.dereference(OPENAPI);
    // OpenAPI 3.0 schemas: Ajv knows `nullable`; `example` is an annotation.
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const routes = Object.entries(api.paths).map(([template, item]) => ({
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{[^/]+?\\\}/g, '[^/]+')}$`),
      item,
    }));
    const compiled = new Map();
    const validatorOf = (schema) => {
      if (!compiled.has(schema)) compiled.set(schema, ajv.compile(schema));
      return compiled.get(schema);
    };
    const errorBody = api.components.schemas.Error;
    const refusal = (what, status, json) => {
      if (status !== 404 && status !== 405) return [`${what}: not in openapi.yaml, yet answered ${status}`];
      const validate = validatorOf(errorBody);
      return validate(json) ? [] : [`${what} ${status}: the error body does not match components/schemas/Error`];
    };
    return function check(method, path, status, json) {
      const pathname = path.split('?')[0];
      const route = routes.find((r) => r.pattern.test(pathname));
      if (!route) return refusal(`${method} ${pathname}: no such path`, status, json);
      const op = route.item[method.toLowerCase()];
      if (!op) return refusal(`${method} ${route.template}: no such method`, status, json);
      const response = op.responses?.[String(status)] ?? op.responses?.default;
      if (!response) return [`${method} ${route.template} ${status}: status not in openapi.yaml`];
      const schema = response.content?.['application/json']?.schema;
      if (!schema) return json === undefined ? [] : [`${method} ${route.template} ${status}: a JSON body the file does not describe`];
      const validate = validatorOf(schema);
      if (validate(json)) return [];
      return validate.errors.slice(0, 5).map((e) => `${method} ${route.template} ${status}: ${e.instancePath || '/'} ${e.message}`);
    };
  })();
  return loaded;
}
