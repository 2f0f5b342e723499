// --extern-pre-js: makes Emscripten's EXPORT_ES6 output valid ESM under Node
// (it refers to require and __dirname). Browsers and workers skip it.
// __wasmFile: the .wasm beside this glue, by the glue's own name (core.mjs →
// core.wasm, core-patient.mjs → core-patient.wasm), read by node-wasm.js.
const __isNode = typeof process === 'object' && typeof process.versions === 'object' &&
  typeof process.versions.node === 'string';
const require = __isNode ? (await import('node:module')).createRequire(import.meta.url) : undefined;
const __dirname = __isNode
  ? (await import('node:path')).dirname((await import('node:url')).fileURLToPath(import.meta.url))
  : '';
const __wasmFile = __isNode
  ? (await import('node:url')).fileURLToPath(import.meta.url).replace(/\.m?js$/, '.wasm')
  : '';
