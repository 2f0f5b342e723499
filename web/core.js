// Singleton loader of the CareCircle core (C++ → WebAssembly).
//
// The core is split by audience into separate modules, built from the same
// sources (wasm/CMakeLists.txt): `patient` (streaks, check-in, the wallet's
// eligibility, the invite-prompt cap, the referral tree and the code check:
// what the first screen and the join page need), `poster` (poster layout,
// channel tokens) and `staff` (the workbench's modules). Which module holds
// which export is read from the build's manifest (wasm/modules.mjs), never
// kept by hand here.
//
// loadCore() downloads only the patient module, with a streamed reader (real
// progress for the loading screen) while the browser compiles it from the
// same stream, then instantiates it through its Emscripten factory. Every
// export is JSON text in, JSON envelope out; `call(name, request)` does the
// stringify / parse and returns the envelope as is:
//   {ok: true, value} | {ok: false, error: {code, message, path}}
// `call` is synchronous and answers for the modules already loaded; a screen
// that needs another module awaits `need('poster')` (or `callAsync`) first,
// and a synchronous call of an export whose module is not loaded throws an
// error that says which module to await. No rule and no default lives here.
import MODULES from './wasm/modules.mjs';

// Each module's glue and .wasm by URL relative to this file, written out so
// that the production build finds them (and emits each with a content hash).
const MODULE_FILES = Object.freeze({
  patient: {
    glue: new URL('./wasm/core-patient.mjs', import.meta.url),
    wasm: new URL('./wasm/core-patient.wasm', import.meta.url),
  },
  poster: {
    glue: new URL('./wasm/core-poster.mjs', import.meta.url),
    wasm: new URL('./wasm/core-poster.wasm', import.meta.url),
  },
  staff: {
    glue: new URL('./wasm/core-staff.mjs', import.meta.url),
    wasm: new URL('./wasm/core-staff.wasm', import.meta.url),
  },
});

/** The module the first screen loads; the others are loaded on demand. */
export const FIRST_MODULE = 'patient';

/** Every module of the core, by audience: {glue, wasm, exports}. */
export const CORE_MODULES = MODULES.modules;

/** The module that holds a JSON export (by the build's manifest), or null. */
export function moduleOf(name) {
  return Object.hasOwn(MODULES.exports, name) ? MODULES.exports[name] : null;
}

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

// One core per page, even when this file is evaluated twice (the production
// build's chunk and a page that imports the source path): the loaded core and
// its progress listeners are kept on the page's global object, so a module
// loaded on demand by one is there for the other.
const SHARED = /** @type {{core: Promise<Core> | null, listeners: Set<(p: LoadProgress) => void>}} */ (
  (globalThis[Symbol.for('carecircle.core')] ??= { core: null, listeners: new Set() }));
const { listeners } = SHARED;

/**
 * @typedef {object} LoadProgress
 * @property {number} loaded  bytes of the patient module's .wasm received
 * @property {number} total   Content-Length, or 0 when unknown
 * @property {'download' | 'compile' | 'ready'} phase
 */

/**
 * @typedef {{ok: boolean, value?: any, error?: {code: string, message: string, path: string}}} Envelope
 * @typedef {object} Core
 * @property {(name: string, request: object) => Envelope} call
 *   synchronous; the export's module must be loaded (else it throws, naming the module)
 * @property {(name: string, request: object) => Promise<Envelope>} callAsync
 *   loads the export's module first when needed
 * @property {(...modules: string[]) => Promise<void>} need  loads these modules (once)
 * @property {(name: string) => boolean} has  whether `call(name)` can answer now
 * @property {() => string[]} loaded  the modules loaded so far
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
 * @param {(p: LoadProgress) => void} report
 */
async function readWithProgress(body, total, report) {
  const reader = body.getReader();
  const chunks = [];
  let loaded = 0;
  report({ loaded, total, phase: 'download' });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    report({ loaded, total, phase: 'download' });
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
 * Downloads a module's .wasm. Where the browser can, the module is compiled
 * while it downloads (WebAssembly.compileStreaming on one branch of the
 * stream, the progress bar on the other), so that little is left to do once
 * the last byte arrives; otherwise the bytes are compiled afterwards.
 * @param {URL} url
 * @param {(p: LoadProgress) => void} report
 * @returns {Promise<{bytes: Uint8Array, compiled: Promise<WebAssembly.Module> | null}>}
 */
async function downloadWasm(url, report) {
  const response = await fetch(url, { credentials: 'same-origin' });
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
    report({ loaded: bytes.byteLength, total: bytes.byteLength, phase: 'download' });
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
  return { bytes: await readWithProgress(body, total, report), compiled };
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

/**
 * Downloads and instantiates one module of the core; checks that it holds
 * every export the manifest gives it.
 * @param {string} audience
 * @param {(p: LoadProgress) => void} report
 */
async function loadModule(audience, report) {
  const files = MODULE_FILES[audience];
  const listed = CORE_MODULES[audience];
  if (!files || !listed) throw new Error(`unknown core module: ${audience}`);
  const [{ bytes, compiled }, factory] = await Promise.all([
    downloadWasm(files.wasm, report),
    import(/* @vite-ignore */ files.glue.href).then((m) => m.default),
  ]);
  if (typeof factory !== 'function') throw new Error(`${listed.glue} 没有导出 createCore`);
  report({ loaded: bytes.byteLength, total: bytes.byteLength, phase: 'compile' });
  const module = await instantiate(factory, bytes, compiled);
  for (const name of listed.exports) {
    if (typeof module[name] !== 'function') throw new Error(`核心模块缺少导出 ${name}`);
  }
  return module;
}

async function load() {
  if (!browserRunsCore()) throw new Error('当前微信或手机系统的版本过旧，打不开康复圈，请升级后再试');
  // Marks for `npm run bench` (cold start): bytes in hand → module ready.
  let size = 0;
  const report = (progress) => {
    if (progress.phase === 'compile') {
      size = progress.loaded;
      performance.mark('carecircle:wasm-downloaded');
    }
    emit(progress);
  };
  const patient = await loadModule(FIRST_MODULE, report);
  performance.measure('carecircle:wasm-instantiate', 'carecircle:wasm-downloaded');
  for (const name of REQUIRED_EXPORTS) {
    if (typeof patient[name] !== 'function') throw new Error(`核心模块缺少导出 ${name}`);
  }
  const version = String(patient.coreVersion());
  emit({ loaded: size, total: size, phase: 'ready' });

  /** @type {Map<string, any>} audience → its instantiated module */
  const modules = new Map([[FIRST_MODULE, patient]]);
  /** @type {Map<string, Promise<void>>} audience → its load, while under way */
  const pending = new Map();

  function needOne(audience) {
    if (modules.has(audience)) return Promise.resolve();
    let loading = pending.get(audience);
    if (!loading) {
      loading = loadModule(audience, () => {}).then((module) => {
        // The same build throughout: a module of another version (a stale
        // cache beside a new page) would answer by other rules.
        if (String(module.coreVersion()) !== version) throw new Error(`核心模块版本不一致（${audience}）`);
        modules.set(audience, module);
      });
      pending.set(audience, loading);
      // A failed load may be retried by asking again.
      loading.then(() => pending.delete(audience), () => pending.delete(audience));
    }
    return loading;
  }

  function exportOf(name) {
    const audience = typeof name === 'string' && /^[a-z][A-Za-z0-9]*$/.test(name) && name !== 'coreVersion' ? moduleOf(name) : null;
    if (!audience) throw new Error(`unknown core export: ${name}`);
    return audience;
  }

  return Object.freeze({
    version,
    /** JSON in, envelope out. Any JSON export of a loaded module, by its name. */
    call(name, request) {
      const audience = exportOf(name);
      const module = modules.get(audience);
      if (!module) {
        throw Object.assign(
          new Error(`core export ${name} is in the core's ${audience} module, which is not loaded yet: await core.need('${audience}') first`),
          { name: 'CoreModuleNotLoaded', module: audience, export: name },
        );
      }
      return JSON.parse(module[name](JSON.stringify(request)));
    },
    /** The same, loading the export's module first when it is not loaded yet. */
    async callAsync(name, request) {
      await needOne(exportOf(name));
      return this.call(name, request);
    },
    /** Loads these modules of the core (each once); resolves when all are ready. */
    async need(...audiences) {
      for (const audience of audiences) {
        if (!Object.hasOwn(CORE_MODULES, audience)) throw new Error(`unknown core module: ${audience}`);
      }
      await Promise.all(audiences.map(needOne));
    },
    /** Whether `call(name, …)` can answer now (the export exists and its module is loaded). */
    has(name) {
      const audience = typeof name === 'string' ? moduleOf(name) : null;
      return Boolean(audience && modules.has(audience));
    },
    /** The modules loaded so far. */
    loaded() {
      return [...modules.keys()];
    },
  });
}

/**
 * Loads the core's patient module once; later calls return the same promise.
 * A failed load may be retried by calling again.
 * @param {{onProgress?: (p: LoadProgress) => void}} [options]
 * @returns {Promise<Core>}
 */
export function loadCore({ onProgress } = {}) {
  if (onProgress) listeners.add(onProgress);
  if (!SHARED.core) {
    const loading = load();
    SHARED.core = loading;
    loading.catch(() => {
      if (SHARED.core === loading) SHARED.core = null;
    });
  }
  const loading = SHARED.core;
  const done = () => {
    if (onProgress) listeners.delete(onProgress);
  };
  loading.then(done, done);
  return loading;
}
