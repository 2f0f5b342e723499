// Singleton loader of the CareCircle core (C++ → WebAssembly).
//
// Downloads core.wasm with a streamed reader (real progress for the loading
// screen) while the browser compiles it from the same stream, then
// instantiates it through the Emscripten factory of core.mjs. Every
// export is JSON text in, JSON envelope out; `call(name, request)` does the
// stringify / parse and returns the envelope as is:
//   {ok: true, value} | {ok: false, error: {code, message, path}}
// No rule and no default lives here.

const WASM_URL = new URL('./wasm/core.wasm', import.meta.url);
const MODULE_URL = new URL('./wasm/core.mjs', import.meta.url);

// The smallest module that uses WebAssembly exception handling (a function
// holding `try … catch_all … end`). The core is compiled with
// -fwasm-exceptions: a browser that cannot validate this (before Chrome 95,
// Safari 15.2, Firefox 100) cannot run it, and is told so in plain words.
const WASM_EXCEPTIONS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 0, 6, 64, 25, 11, 11,
]);

/** Whether this browser can run the core (WebAssembly with exception handling). */
export function browserRunsCore() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(WASM_EXCEPTIONS_PROBE);
  } catch {
    return false;
  }
}

/** The JSON entry points this shell needs; loading fails clearly without them. */
export const REQUIRED_EXPORTS = Object.freeze(['evaluateStreak', 'recordCheckIn']);

// Functions on the Emscripten Module that are not JSON entry points.
const NOT_JSON = new Set(['coreVersion', 'run', 'inspect', 'count_emval_handles', 'get_first_emval']);

/** @type {Promise<Core> | null} */
let singleton = null;
/** @type {Set<(p: LoadProgress) => void>} */
const listeners = new Set();

/**
 * @typedef {object} LoadProgress
 * @property {number} loaded  bytes of core.wasm received
 * @property {number} total   Content-Length, or 0 when unknown
 * @property {'download' | 'compile' | 'ready'} phase
 */

/**
 * @typedef {object} Core
 * @property {(name: string, request: object) => {ok: boolean, value?: any, error?: {code: string, message: string, path: string}}} call
 * @property {string} version  coreVersion()
 */

function emit(progress) {
  for (const listener of listeners) {
    try {
      listener(progress);
    } catch {
      // A broken progress listener must not break loading.
    }
  }
}

/**
 * Reads `body` to the end, reporting progress; returns the bytes.
 * @param {ReadableStream<Uint8Array>} body
 * @param {number} total
 */
async function readWithProgress(body, total) {
  const reader = body.getReader();
  const chunks = [];
  let loaded = 0;
  emit({ loaded, total, phase: 'download' });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    emit({ loaded, total, phase: 'download' });
  }
  const bytes = new Uint8Array(loaded);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Downloads core.wasm. Where the browser can, the module is compiled while
 * it downloads (WebAssembly.compileStreaming on one branch of the stream, the
 * progress bar on the other), so that little is left to do once the last
 * byte arrives; otherwise the bytes are compiled afterwards.
 * @returns {Promise<{bytes: Uint8Array, compiled: Promise<WebAssembly.Module> | null}>}
 */
async function downloadWasm() {
  const response = await fetch(WASM_URL, { credentials: 'same-origin' });
  if (!response.ok) {
    throw new Error(`下载核心模块失败（HTTP ${response.status}）`);
  }
  // Content-Length counts compressed bytes when the server gzips, while the
  // reader yields decoded ones: use the decoded size when the server says it,
  // otherwise report an unknown total (0).
  const total = response.headers.get('Content-Encoding')
    ? Number(response.headers.get('X-Decoded-Length')) || 0
    : Number(response.headers.get('Content-Length')) || 0;
  if (!response.body || typeof response.body.getReader !== 'function') {
    const bytes = new Uint8Array(await response.arrayBuffer());
    emit({ loaded: bytes.byteLength, total: bytes.byteLength, phase: 'download' });
    return { bytes, compiled: null };
  }
  let body = response.body;
  let compiled = null;
  if (typeof WebAssembly.compileStreaming === 'function' && typeof body.tee === 'function') {
    const [forProgress, forCompiler] = body.tee();
    body = forProgress;
    compiled = WebAssembly.compileStreaming(
      new Response(forCompiler, { headers: { 'Content-Type': 'application/wasm' } }));
    // Judged after the download: a failure here falls back to compiling the bytes.
    compiled.catch(() => {});
  }
  return { bytes: await readWithProgress(body, total), compiled };
}

/**
 * Instantiates the Emscripten module: from the streamed compilation when it
 * worked, else from the bytes (the factory compiles them).
 */
async function instantiate(factory, bytes, compiled) {
  const module = compiled ? await compiled.catch(() => null) : null;
  if (!module) return factory({ wasmBinary: bytes });
  return factory({
    // Emscripten's hook: instantiate ourselves and hand the instance back.
    instantiateWasm(imports, receiveInstance) {
      WebAssembly.instantiate(module, imports).then((instance) => receiveInstance(instance, module));
      return {};
    },
  });
}

async function load() {
  if (!browserRunsCore()) throw new Error('当前微信或手机系统的版本过旧，打不开康复圈，请升级后再试');
  const [{ bytes, compiled }, factory] = await Promise.all([
    downloadWasm(),
    import(/* @vite-ignore */ MODULE_URL.href).then((m) => m.default),
  ]);
  if (typeof factory !== 'function') throw new Error('core.mjs 没有导出 createCore');
  emit({ loaded: bytes.byteLength, total: bytes.byteLength, phase: 'compile' });
  // Marks for `npm run bench` (cold start): bytes in hand → module ready.
  performance.mark('carecircle:wasm-downloaded');
  const module = await instantiate(factory, bytes, compiled);
  performance.measure('carecircle:wasm-instantiate', 'carecircle:wasm-downloaded');
  for (const name of [...REQUIRED_EXPORTS, 'coreVersion']) {
    if (typeof module[name] !== 'function') throw new Error(`核心模块缺少导出 ${name}`);
  }
  const version = String(module.coreVersion());
  emit({ loaded: bytes.byteLength, total: bytes.byteLength, phase: 'ready' });
  return Object.freeze({
    version,
    /** JSON in, envelope out. Any JSON export of the core, by its name. */
    call(name, request) {
      if (!/^[a-z][A-Za-z0-9]*$/.test(name) || NOT_JSON.has(name) || typeof module[name] !== 'function') {
        throw new Error(`unknown core export: ${name}`);
      }
      return JSON.parse(module[name](JSON.stringify(request)));
    },
  });
}

/**
 * Loads the core once; later calls return the same promise. A failed load
 * may be retried by calling again.
 * @param {{onProgress?: (p: LoadProgress) => void}} [options]
 * @returns {Promise<Core>}
 */
export function loadCore({ onProgress } = {}) {
  if (onProgress) listeners.add(onProgress);
  if (!singleton) {
    singleton = load();
    singleton.catch(() => {
      singleton = null;
    });
  }
  const done = () => {
    if (onProgress) listeners.delete(onProgress);
  };
  singleton.then(done, done);
  return singleton;
}
