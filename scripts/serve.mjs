#!/usr/bin/env node
// Static server for the CareCircle offline demo. No npm dependencies.
//
//   node scripts/serve.mjs [--port N] [--dev]    (or PORT=N; 0 picks a free port)
//
// Two ways to serve the shell (`web` option, or CARECIRCLE_WEB=build|source):
//  - build: the production build in build/web/ (scripts/build-web.mjs:
//    bundled, minified, hashed, precached by its service worker). What
//    `npm start`, `npm run backend` and `npm test`'s browser suite serve.
//    A path the build does not have falls back to the source tree below, so
//    that a test may still import a source module by its path ('/core.js').
//  - source (`--dev`): `web/` as it is, the built core (`build/wasm/core.mjs`,
//    `build/wasm/core.wasm`) at `/wasm/…` and the browser build of an npm
//    dependency at `/vendor/…` (VENDOR_FILES); /sw.js gets the list of files
//    to precache written in as the build would. The default of startServer(),
//    so that browser tests run on the sources while they change.
// Bound to 127.0.0.1 only. Every reply carries the demo's
// Content-Security-Policy: no inline script or style, wasm compilation allowed
// ('wasm-unsafe-eval'), everything else same-origin.
//
// Tests start it in-process: `const {url, close} = await startServer({port: 0})`.

import { createReadStream } from 'node:fs';
import { readFile as readFileAsync } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { stat } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { isPrecached } from './build-web.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');

const MIME_TYPES = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  ['.webmanifest', 'application/manifest+json; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.ico', 'image/x-icon'],
  ['.wasm', 'application/wasm'],
  ['.txt', 'text/plain; charset=utf-8'],
]);

// The only files served from the build tree: URL path → path under build/wasm.
const WASM_FILES = new Map([
  ['/wasm/core.mjs', 'core.mjs'],
  ['/wasm/core.wasm', 'core.wasm'],
  // The core by audience (web/core.js loads the patient's first, the others on demand) and its manifest.
  ...['patient', 'poster', 'staff'].flatMap((m) => [[`/wasm/core-${m}.mjs`, `core-${m}.mjs`], [`/wasm/core-${m}.wasm`, `core-${m}.wasm`]]),
  ['/wasm/modules.mjs', 'modules.mjs'],
]);

// Browser builds of npm dependencies, served from node_modules (never copied
// into web/): URL path → path under node_modules. Nayuki's QR Code generator
// makes the poster QR grid in the shell (docs/api/poster.md); crc's CRC-32
// checks the chunk the staff poster's PNG gets (web/staff/png-dpi.js).
const VENDOR_FILES = new Map([
  ['/vendor/qrcodegen.js', 'nayuki-qr-code-generator/index.js'],
  ['/vendor/crc32.js', 'crc/mjs/calculators/crc32.js'],
]);

/** Every file under `dir` (relative, '/'-separated), dot-files and folders skipped. */
function walk(dir, base = dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(full, base));
    else if (entry.isFile()) files.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return files;
}


/**
 * The service worker's precache list for the source tree, in Workbox's
 * manifest form ({url, revision}): every file of web/ and the mapped files,
 * revisioned by size and modification time.
 */
export async function sourcePrecacheManifest(webDir, wasmDir, vendorDir) {
  const entries = [];
  const add = async (url, file) => {
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) entries.push({ url, revision: `${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}` });
  };
  for (const file of walk(webDir).sort()) {
    if (isPrecached(file)) await add(file, path.join(webDir, file));
  }
  for (const [url, file] of WASM_FILES) await add(url.slice(1), path.join(wasmDir, file));
  for (const [url, file] of VENDOR_FILES) if (isPrecached(url.slice(1))) await add(url.slice(1), path.join(vendorDir, file));
  return entries;
}

function baseHeaders() {
  return {
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
}

function sendText(res, status, text, extra = {}) {
  const body = Buffer.from(`${text}\n`, 'utf8');
  res.writeHead(status, {
    ...baseHeaders(),
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

// Maps a request path to a file on disk, or null when it must be a 404/400.
// Returns {error: status} for malformed or hostile paths. With `builtDir`,
// a file of the build wins; otherwise (or when the build has no such file)
// the mapped files and the sources.
async function resolveFile(urlPath, webDir, wasmDir, vendorDir, builtDir) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { error: 400 };
  }
  // Reject traversal and oddities before touching the file system: any `..`
  // segment (raw or percent-encoded), backslashes, NUL bytes.
  if (decoded.includes('\0') || decoded.includes('\\')) return { error: 400 };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { error: 400 };
  if (segments.some((s) => s.startsWith('.') && s.length > 0)) return { error: 404 };  // dotfiles

  let relative = decoded.replace(/^\/+/, '');
  if (relative === '' || relative.endsWith('/')) relative += 'index.html';
  const under = (dir) => {
    const file = path.resolve(dir, relative);
    return file !== dir && !file.startsWith(dir + path.sep) ? null : file;
  };
  if (builtDir) {
    const file = under(builtDir);
    if (!file) return { error: 400 };
    if ((await stat(file).catch(() => null))?.isFile()) return { file, built: true };
  }
  if (WASM_FILES.has(urlPath)) return { file: path.join(wasmDir, WASM_FILES.get(urlPath)) };
  if (VENDOR_FILES.has(urlPath)) return { file: path.join(vendorDir, VENDOR_FILES.get(urlPath)) };
  const file = under(webDir);
  return file ? { file } : { error: 400 };
}

async function handle(req, res, { webDir, wasmDir, vendorDir, builtDir }) {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    return;
  }
  // The WHATWG URL parser silently resolves `..` (also `%2e%2e`) segments, so
  // look at the raw request target first: any traversal attempt is refused.
  const rawPath = String(req.url ?? '').split(/[?#]/, 1)[0];
  if (/(^|[/\\])(\.|%2e){2}([/\\]|$)/i.test(rawPath) || !rawPath.startsWith('/')) {
    sendText(res, 400, 'Bad Request');
    return;
  }
  let urlPath;
  try {
    urlPath = new URL(req.url, 'http://localhost').pathname;
  } catch {
    sendText(res, 400, 'Bad Request');
    return;
  }
  const resolved = await resolveFile(urlPath, webDir, wasmDir, vendorDir, builtDir);
  if (resolved.error === 400) return sendText(res, 400, 'Bad Request');
  if (resolved.error) return sendText(res, 404, 'Not Found');
  if (!builtDir && urlPath === '/sw.js') return sendSourceWorker(req, res, { webDir, wasmDir, vendorDir });

  let info;
  try {
    info = await stat(resolved.file);
  } catch {
    return sendText(res, 404, 'Not Found');
  }
  if (!info.isFile()) return sendText(res, 404, 'Not Found');

  const type = MIME_TYPES.get(path.extname(resolved.file).toLowerCase()) ?? 'application/octet-stream';
  const etag = `W/"${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}"`;
  const headers = { ...baseHeaders(), 'Content-Type': type, ETag: etag };
  // The build's assets/ carry their content hash in their names: never stale.
  if (resolved.built && urlPath.startsWith('/assets/')) headers['Cache-Control'] = 'public, max-age=31536000, immutable';
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  // The build has a Brotli copy of what compresses (scripts/build-web.mjs):
  // about a quarter smaller than gzip, what a production CDN sends.
  const accepted = req.headers['accept-encoding'] ?? '';
  if (resolved.built && /\bbr\b/.test(accepted)) {
    const brotli = await stat(`${resolved.file}.br`).catch(() => null);
    if (brotli?.isFile()) {
      res.writeHead(200, { ...headers, 'Content-Encoding': 'br', Vary: 'Accept-Encoding', 'Content-Length': brotli.size,
        'X-Decoded-Length': info.size });
      if (req.method === 'HEAD') return void res.end();
      const stream = createReadStream(`${resolved.file}.br`);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return;
    }
  }
  // gzip what compresses (the wasm shrinks ~3×): phones on slow networks and
  // the mini-program web-view get what a production CDN would send.
  if (COMPRESSIBLE.has(type) && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    const body = await gzipped(resolved.file, etag);
    res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding', 'Content-Length': body.length,
      'X-Decoded-Length': info.size });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': info.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(resolved.file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** web/sw.js with the sources' precache list written in (the build has its own). */
async function sendSourceWorker(req, res, dirs) {
  const source = await readFileAsync(path.join(dirs.webDir, 'sw.js'), 'utf8');
  const manifest = await sourcePrecacheManifest(dirs.webDir, dirs.wasmDir, dirs.vendorDir);
  const body = Buffer.from(source.replace('self.__WB_MANIFEST', JSON.stringify(manifest)), 'utf8');
  res.writeHead(200, { ...baseHeaders(), 'Content-Type': MIME_TYPES.get('.js'), 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const COMPRESSIBLE = new Set(['application/wasm', 'text/javascript; charset=utf-8', 'text/javascript',
  'text/css; charset=utf-8', 'text/html; charset=utf-8', 'application/json; charset=utf-8',
  'image/svg+xml', 'application/manifest+json; charset=utf-8']);
const gzipCache = new Map();  // file → {etag, body}: compressed once per version

async function gzipped(file, etag) {
  const cached = gzipCache.get(file);
  if (cached?.etag === etag) return cached.body;
  const body = gzipSync(await readFileAsync(file), { level: 6 });
  gzipCache.set(file, { etag, body });
  return body;
}

/** Which shell startServer serves when not told: CARECIRCLE_WEB=build|source, else the sources. */
export function shellFromEnv(env = process.env) {
  const value = env.CARECIRCLE_WEB || 'source';
  if (value !== 'build' && value !== 'source') throw new Error(`CARECIRCLE_WEB must be build or source, not ${value}`);
  return value;
}

/**
 * Starts the demo server on 127.0.0.1.
 * @param {{port?: number, root?: string, web?: 'build' | 'source'}} [options]
 *   port 0 picks a free port; root is the repository root (default: the one
 *   containing this script); web: the production build or the sources
 *   (default: shellFromEnv()).
 * @returns {Promise<{url: string, port: number, web: 'build' | 'source', close: () => Promise<void>}>}
 */
export async function startServer({ port = 0, root = REPO_ROOT, web = shellFromEnv() } = {}) {
  const repo = path.resolve(root);
  const dirs = {
    webDir: path.join(repo, 'web'),
    wasmDir: path.join(repo, 'build', 'wasm'),
    vendorDir: path.join(repo, 'node_modules'),
    builtDir: null,
  };
  if (web === 'build') {
    dirs.builtDir = path.join(repo, 'build', 'web');
    if (!(await stat(path.join(dirs.builtDir, 'index.html')).catch(() => null))) {
      throw new Error('build/web/index.html is missing: run `npm run build` (or serve the sources with --dev)');
    }
  } else if (web !== 'source') {
    throw new Error(`web must be build or source, not ${web}`);
  }
  const server = http.createServer((req, res) => {
    handle(req, res, dirs).catch(() => {
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = server.address().port;
  return {
    url: `http://${HOST}:${actualPort}/`,
    port: actualPort,
    web,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

function portFromArgs(argv, env) {
  let value = env.PORT;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--port' && i + 1 < argv.length) value = argv[i + 1];
    else if (argv[i].startsWith('--port=')) value = argv[i].slice('--port='.length);
  }
  if (value === undefined || value === '') return DEFAULT_PORT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new Error(`invalid port: ${value}`);
  }
  return n;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  let port;
  try {
    port = portFromArgs(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  // The command serves the production build unless told --dev (or CARECIRCLE_WEB=source).
  const web = process.argv.includes('--dev') ? 'source' : process.env.CARECIRCLE_WEB || 'build';
  let started;
  try {
    started = await startServer({ port, web });
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  const { url, close } = started;
  process.stdout.write(`CareCircle demo: ${url}${web === 'source' ? ' (sources, dev mode)' : ''}\n`);
  stat(path.join(REPO_ROOT, 'build', 'wasm', 'core.wasm')).catch(() =>
    process.stderr.write('warning: build/wasm/core.wasm not found — run `npm run build` first\n'),
  );
  const stop = () => close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
