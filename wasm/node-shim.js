// --extern-pre-js: makes Emscripten's EXPORT_ES6 output valid ESM under Node
// (it refers to require and __dirname). Browsers and workers skip it.
const __isNode = typeof process === 'object' && typeof process.versions === 'object' &&
  typeof process.versions.node === 'string';
const require = __isNode ? (await import('node:module')).createRequire(import.meta.url) : undefined;
const __dirname = __isNode
  ? (await import('node:path')).dirname((await import('node:url')).fileURLToPath(import.meta.url))
  : '';
