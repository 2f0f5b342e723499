// --pre-js: under Node, read this glue's .wasm from disk (__wasmFile, set by
// node-shim.js) instead of fetch()ing a file path (Node's global fetch
// cannot). Callers may still pass Module.wasmBinary.
if (typeof process === 'object' && typeof process.versions === 'object' &&
    typeof process.versions.node === 'string' && !Module['wasmBinary']) {
  Module['wasmBinary'] = require('fs').readFileSync(__wasmFile);
}
