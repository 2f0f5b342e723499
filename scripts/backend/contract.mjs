// The request side of docs/api/openapi.yaml, enforced: every mutation's JSON
// body is validated against the requestBody schema of its operationId in the
// contract itself (read once at start), before any service code runs. The
// same validators check each item of a /batch, so an item gets exactly the
// 400 its single endpoint would answer.
//
// Two guards no JSON Schema expresses run before the schema: a body nested
// deeper than MAX_JSON_DEPTH, and a NUL character in any string or key
// (PostgreSQL text cannot hold one), are 400 request.bad_body.
//
// Error paths are JSON Pointers into the body; a property name that appears
// in a path or a message is cut to ECHO_LIMIT characters, so a huge unknown
// field name is never sent back.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';

import { ApiError } from './service.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const OPENAPI_FILE = join(HERE, '..', '..', 'docs', 'api', 'openapi.yaml');

/** Deepest nesting of objects and arrays a request body may have. */
export const MAX_JSON_DEPTH = 32;
/** Longest piece of the caller's own text (a property name) an error echoes. */
export const ECHO_LIMIT = 64;

export const echo = (text) => String(text).slice(0, ECHO_LIMIT);

const pointerPart = (key) => echo(key).replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Walks a parsed JSON value without recursion: the first string or key with a
 * NUL, or the first container deeper than MAX_JSON_DEPTH, as an ApiError.
 * @param {unknown} value
 * @returns {ApiError | null}
 */
export function guardJson(value) {
  const stack = [[value, '', 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return new ApiError(400, 'request.bad_body', '内容中不能含有空字符（\\u0000）', { path });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) {
      return new ApiError(400, 'request.bad_body', `请求内容嵌套过深（最多${MAX_JSON_DEPTH}层）`, { path });
    }
    for (const [k, child] of Object.entries(v)) {
      const childPath = `${path}/${pointerPart(k)}`;
      if (k.includes('\u0000')) return new ApiError(400, 'request.bad_body', '字段名中不能含有空字符（\\u0000）', { path: childPath });
      stack.push([child, childPath, depth + 1]);
    }
  }
  return null;
}

/** Inlines every local $ref (#/components/...) of `node`. */
function resolveRefs(node, doc, seen = new Set()) {
  if (Array.isArray(node)) return node.map((n) => resolveRefs(n, doc, seen));
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') {
    const ref = node.$ref;
    if (!ref.startsWith('#/')) throw new Error(`openapi: only local $ref are supported (${ref})`);
    if (seen.has(ref)) throw new Error(`openapi: recursive $ref ${ref}`);
    const target = ref
      .slice(2)
      .split('/')
      .reduce((o, part) => o?.[part.replaceAll('~1', '/').replaceAll('~0', '~')], doc);
    if (target === undefined) throw new Error(`openapi: unresolved $ref ${ref}`);
    return resolveRefs(target, doc, new Set([...seen, ref]));
  }
  const out = {};
  for (const [k, v] of Object.entries(node)) {
    // OpenAPI-only keywords that are not JSON Schema.
    if (k === 'example' || k === 'examples' || k === 'xml' || k === 'externalDocs') continue;
    out[k] = resolveRefs(v, doc, seen);
  }
  return out;
}

/**
 * The JSON Schemas of every operation's request body, by operationId.
 * @param {string} [file]
 * @returns {Map<string, object>}
 */
export function requestSchemas(file = OPENAPI_FILE) {
  const doc = parseYaml(readFileSync(file, 'utf8'));
  const schemas = new Map();
  for (const item of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(item)) {
      const schema = operation?.requestBody?.content?.['application/json']?.schema;
      if (operation?.operationId && schema) schemas.set(operation.operationId, resolveRefs(schema, doc));
    }
  }
  return schemas;
}

/** One ajv error as the contract's 400: code request.bad_body, a JSON Pointer path, a bounded message. */
export function schemaError(error) {
  let path = error.instancePath ?? '';
  let message;
  switch (error.keyword) {
    case 'additionalProperties':
      path += `/${pointerPart(error.params.additionalProperty)}`;
      message = `含有未知字段 ${echo(error.params.additionalProperty)}`;
      break;
    case 'required':
      path += `/${pointerPart(error.params.missingProperty)}`;
      message = `缺少字段 ${echo(error.params.missingProperty)}`;
      break;
    case 'type':
      message = `${path || '请求内容'} 的类型应为 ${error.params.type}`;
      break;
    case 'enum':
      message = `${path || '请求内容'} 应为 ${error.params.allowedValues.map((v) => echo(JSON.stringify(v))).join(' / ')}`;
      break;
    case 'maxLength':
    case 'maxItems':
    case 'maxProperties':
      message = `${path || '请求内容'} 过长（最多 ${error.params.limit}）`;
      break;
    default:
      message = `${path || '请求内容'} 不符合接口约定（${error.keyword}）`;
  }
  return new ApiError(400, 'request.bad_body', message, { path });
}

/**
 * Compiles the request validators: `validate(operationId, body)` → ApiError | null.
 * @param {Map<string, object>} [schemas]
 */
export function createValidators(schemas = requestSchemas()) {
  // strict: false — OpenAPI keywords such as `format: int64` or
  // `description` inside schemas are not ajv's; formats are the core's to check.
  const ajv = new Ajv({ strict: false, allErrors: false, validateFormats: false, coerceTypes: false, useDefaults: false });
  const compiled = new Map();
  for (const [operationId, schema] of schemas) compiled.set(operationId, ajv.compile(schema));
  return {
    has: (operationId) => compiled.has(operationId),
    schema: (operationId) => schemas.get(operationId),
    /** @returns {ApiError | null} */
    validate(operationId, body) {
      const guard = guardJson(body);
      if (guard) return guard;
      const check = compiled.get(operationId);
      if (!check || check(body)) return null;
      return schemaError(check.errors[0]);
    },
  };
}
