// A module worker that hosts the core off the main thread, for work too big
// to run between frames (a hospital's referral forest, eligibility batches).
//
// Protocol (postMessage in, postMessage out):
//   {id, name, request}               → {id, reply}: the export's envelope text
//   … plus keep: "k"                  the request text is also kept under "k"
//                                      (a 100k-patient forest is sent once)
//   {id, name, base: "k", extra: {…}} the kept request with the keys of
//                                      `extra` added at the top level
//   … plus decode: "columns"          → {id, envelope, ms, replyChars}: the
//                                      envelope parsed here, and each array of
//                                      `value.columns` packed for transfer:
//                                      integers → Int32Array, other numbers →
//                                      Float64Array, strings → {text, offsets}
//                                      (one string plus a Uint32Array of
//                                      boundaries: string i is
//                                      text.slice(offsets[i], offsets[i + 1]))
//   {id, name, typed: {…}}            a typed export (layoutForestTyped): the
//                                      request is an object of typed arrays and
//                                      packed strings, posted (and kept, with
//                                      keep: "k") as it is; with base: "k" and
//                                      extra, the kept object plus extra's keys
//                                      → {id, part: "geometry", envelope, ms}
//                                      first: the reply with its typed arrays
//                                      (transferred) but without the string
//                                      columns of value.columns, so the screen
//                                      draws at once; then, last,
//                                      {id, texts, ms}: those string columns
//                                      ({text, offsets} each). A refusal is one
//                                      message {id, envelope, ms}.
//   any failure                       → {id, error}
// Transport only: no rule, no default, nothing about what the reply means.
// The core's glue and .wasm by URL relative to this file: the dev server maps
// wasm/ to the build, the production build emits both with a content hash
// (the glue's own default would look for an unhashed core.wasm beside it).
// The core is split by audience (web/core.js): each export is answered by the
// module the build's manifest gives it, loaded on first use (the forest: the
// staff module).
import MODULES from './wasm/modules.mjs';

const MODULE_FILES = {
  patient: [new URL('./wasm/core-patient.mjs', import.meta.url), new URL('./wasm/core-patient.wasm', import.meta.url)],
  poster: [new URL('./wasm/core-poster.mjs', import.meta.url), new URL('./wasm/core-poster.wasm', import.meta.url)],
  staff: [new URL('./wasm/core-staff.mjs', import.meta.url), new URL('./wasm/core-staff.wasm', import.meta.url)],
};
/** @type {Map<string, Promise<any>>} module → its instance */
const cores = new Map();
/** The module holding `name` (an unknown name: the staff module, which then refuses it). */
function coreFor(name) {
  const audience = (typeof name === 'string' && Object.hasOwn(MODULES.exports, name) && MODULES.exports[name]) || 'staff';
  if (!cores.has(audience)) {
    const [glue, wasm] = MODULE_FILES[audience];
    cores.set(audience, import(/* @vite-ignore */ glue.href).then(({ default: createCore }) =>
      createCore({ locateFile: (file) => (file.endsWith('.wasm') ? wasm.href : file) })));
  }
  return cores.get(audience);
}
/** @type {Map<string, string>} request texts kept by name */
const kept = new Map();

function requestText(message) {
  if (typeof message.base === 'string') {
    const text = kept.get(message.base);
    if (text === undefined) throw new Error(`no kept request: ${message.base}`);
    const extra = JSON.stringify(message.extra ?? {});
    if (extra === '{}') return text;
    // A kept request is one JSON object: add the keys before its closing brace.
    const end = text.lastIndexOf('}');
    const body = text.slice(0, end).trimEnd();
    return `${body}${body.endsWith('{') ? '' : ','}${extra.slice(1, -1)}}`;
  }
  const { request } = message;
  return typeof request === 'string' ? request : JSON.stringify(request);
}

function packColumn(values) {
  if (values.every((v) => typeof v === 'string')) {
    const offsets = new Uint32Array(values.length + 1);
    let at = 0;
    for (let i = 0; i < values.length; i += 1) {
      at += values[i].length;
      offsets[i + 1] = at;
    }
    return { column: { text: values.join(''), offsets }, buffers: [offsets.buffer] };
  }
  if (values.every((v) => typeof v === 'number')) {
    const ints = values.every((v) => Number.isInteger(v) && v >= -2147483648 && v <= 2147483647);
    const array = ints ? Int32Array.from(values) : Float64Array.from(values);
    return { column: array, buffers: [array.buffer] };
  }
  return { column: values, buffers: [] };
}

/** A typed export: geometry first (transferred), the string columns after it. */
function runTyped(core, message) {
  const { id, name } = message;
  let request = message.typed;
  if (typeof message.base === 'string') {
    const base = kept.get(message.base);
    if (base === undefined) throw new Error(`no kept request: ${message.base}`);
    request = { ...base, ...(message.extra ?? {}) };
  }
  if (typeof message.keep === 'string') kept.set(message.keep, request);
  const started = performance.now();
  const envelope = core[name](request);
  const ms = performance.now() - started;
  const columns = envelope?.ok ? envelope.value?.columns : null;
  if (!columns || typeof columns !== 'object') {
    self.postMessage({ id, envelope, ms });
    return;
  }
  const texts = {};
  const transfer = [];
  for (const key of Object.keys(columns)) {
    const column = columns[key];
    if (ArrayBuffer.isView(column)) transfer.push(column.buffer);
    else if (column && typeof column.text === 'string') {
      texts[key] = column;
      delete columns[key];
    }
  }
  self.postMessage({ id, part: 'geometry', envelope, ms }, transfer);
  self.postMessage({ id, texts, ms }, Object.values(texts).map((t) => t.offsets.buffer));
}

self.addEventListener('message', async (event) => {
  const message = event.data ?? {};
  const { id, name } = message;
  try {
    const core = await coreFor(name);
    if (typeof name !== 'string' || typeof core[name] !== 'function' || name === 'coreVersion') {
      self.postMessage({ id, error: `unknown export: ${String(name)}` });
      return;
    }
    if (message.typed !== undefined || (typeof message.base === 'string' && typeof kept.get(message.base) === 'object')) {
      runTyped(core, message);
      return;
    }
    const text = requestText(message);
    if (typeof message.keep === 'string') kept.set(message.keep, text);
    const started = performance.now();
    const reply = core[name](text);
    const ms = performance.now() - started;
    if (message.decode !== 'columns') {
      self.postMessage({ id, reply });
      return;
    }
    const envelope = JSON.parse(reply);
    const transfer = [];
    const columns = envelope.ok ? envelope.value?.columns : null;
    if (columns && typeof columns === 'object') {
      for (const key of Object.keys(columns)) {
        if (!Array.isArray(columns[key])) continue;
        const { column, buffers } = packColumn(columns[key]);
        columns[key] = column;
        transfer.push(...buffers);
      }
    }
    self.postMessage({ id, envelope, ms, replyChars: reply.length }, transfer);
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
});
