// The production build of the shell (scripts/build-web.mjs → build/web) and
// how scripts/serve.mjs serves it and the sources: the page keeps the strict
// CSP with nothing inline, every file it names exists, each screen keeps a
// stable path to its hashed chunk, hashed assets are immutable, the Brotli
// copy decodes to the file, and the dev server's worker gets its precache
// list written in.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import http from 'node:http';

import { CONTENT_SECURITY_POLICY, startServer } from '../../scripts/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = join(root, 'build', 'web');

/** GET with explicit headers (fetch would decode the body and hide Content-Encoding). */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

let build;
let source;
before(async () => {
  assert.ok(existsSync(join(built, 'index.html')), 'build/web/index.html is missing: run npm run build');
  build = await startServer({ port: 0, web: 'build' });
  source = await startServer({ port: 0, web: 'source' });
});
after(async () => {
  await build?.close();
  await source?.close();
});

test('the built page has no inline script, style or handler, and every file it names exists', () => {
  const html = readFileSync(join(built, 'index.html'), 'utf8');
  assert.equal(/<script(?![^>]*\bsrc=)[^>]*>/i.test(html), false, 'no inline <script>');
  assert.equal(/<style\b/i.test(html), false, 'no <style>');
  assert.equal(/\son[a-z]+=/i.test(html), false, 'no inline event handler');
  assert.equal(/\sstyle=/i.test(html), false, 'no style attribute');
  assert.equal(/rel="modulepreload" href="(?!\.\/assets\/)/.test(html), false, 'no preload of a source module');
  const named = [...html.matchAll(/(?:src|href)="(\.\/)?([^"#?:]+)"/g)].map((m) => m[2]).filter((p) => !p.startsWith('data'));
  assert.ok(named.length > 3, 'the page names its files');
  for (const path of named) assert.ok(existsSync(join(built, path)), `${path} (named by index.html) exists`);
  const script = named.find((p) => /^assets\/index-[\w-]+\.js$/.test(p));
  assert.ok(script, 'one hashed entry script');
  assert.ok(readFileSync(join(built, script), 'utf8').split('\n').length < 50, 'the entry script is minified');
});

test('every url(…) of the built style sheets names a file of the build', () => {
  const chunks = JSON.parse(readFileSync(join(built, '.vite', 'manifest.json'), 'utf8'));
  const sheets = new Set(Object.values(chunks).flatMap((c) => [c.file, ...(c.css ?? [])]).filter((f) => f.endsWith('.css')));
  assert.ok(sheets.size >= 2, 'the main style sheet and those linked at run time');
  for (const sheet of sheets) {
    const text = readFileSync(join(built, sheet), 'utf8');
    for (const [, , url] of text.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)) {
      if (/^(data:|[a-z]+:|#)/i.test(url)) continue;
      assert.ok(existsSync(join(built, dirname(sheet), url)), `${sheet}: url(${url}) exists`);
    }
  }
});

test('each screen loaded on demand keeps a stable path that re-exports its hashed chunk', () => {
  const chunks = JSON.parse(readFileSync(join(built, '.vite', 'manifest.json'), 'utf8'));
  const screens = Object.values(chunks).filter((c) => c.isDynamicEntry && c.src && !c.src.startsWith('..'));
  assert.ok(screens.some((c) => c.src === 'poster/screen.js'), 'the poster screen is a chunk of its own');
  for (const chunk of screens) {
    const stub = join(built, chunk.src);
    assert.ok(existsSync(stub), `${chunk.src} exists in the build`);
    const text = readFileSync(stub, 'utf8');
    const target = /export \* from '([^']+)'/.exec(text)?.[1];
    assert.ok(target, `${chunk.src} re-exports its chunk`);
    assert.equal(join(dirname(chunk.src), target), chunk.file, `${chunk.src} points at ${chunk.file}`);
  }
  // The shell calls createPosterScreen only; the chunk keeps the exports tests and integrators use.
  const poster = Object.values(chunks).find((c) => c.src === 'poster/screen.js');
  assert.match(readFileSync(join(built, poster.file), 'utf8'), /\bshownPoster\b/);
});

test('the build is served with the CSP, hashed assets as immutable, Brotli when accepted', async () => {
  const page = await get(build.url, { 'accept-encoding': 'gzip' });
  assert.equal(page.status, 200);
  assert.equal(page.headers['content-security-policy'], CONTENT_SECURITY_POLICY);
  assert.equal(page.headers['cache-control'], 'no-cache', 'the page is revalidated');
  const html = gunzipSync(page.body).toString('utf8');
  assert.equal(html, readFileSync(join(built, 'index.html'), 'utf8'), 'the built page, not the source');

  const wasm = readdirSync(join(built, 'assets')).map((file) => `assets/${file}`).find((file) => /^assets\/core-[\w-]+\.wasm$/.test(file));
  assert.ok(wasm, 'the build has the hashed core');
  const br = await get(`${build.url}${wasm}`, { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(br.status, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers['content-type'], 'application/wasm');
  assert.match(br.headers['cache-control'], /immutable/);
  assert.equal(Number(br.headers['x-decoded-length']), readFileSync(join(built, wasm)).length);
  assert.ok(brotliDecompressSync(br.body).equals(readFileSync(join(built, wasm))), 'the Brotli copy decodes to the file');
  const gz = await get(`${build.url}${wasm}`, { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip', 'gzip for a browser without br');
  assert.ok(gunzipSync(gz.body).equals(readFileSync(join(built, wasm))));
});

test('a path the build does not have falls back to the sources; hostile paths are still refused', async () => {
  const source = await get(`${build.url}backend/offline.js`);
  assert.equal(source.status, 200);
  assert.equal(source.body.toString('utf8'), readFileSync(join(root, 'web', 'backend', 'offline.js'), 'utf8'));
  assert.equal((await get(`${build.url}wasm/core.mjs`)).status, 200, 'the core for source modules');
  assert.equal((await get(`${build.url}..%2f..%2fpackage.json`)).status, 400);
  assert.equal((await get(`${build.url}.vite/manifest.json`)).status, 404, 'dot-folders are not served');
  assert.equal((await get(`${build.url}nothing-here.js`)).status, 404);
});

test('the dev server writes the precache list into the sources\' worker', async () => {
  const sw = await get(`${source.url}sw.js`);
  assert.equal(sw.status, 200);
  const text = sw.body.toString('utf8');
  assert.equal(text.includes('self.__WB_MANIFEST'), false, 'the placeholder is replaced');
  const list = JSON.parse(/const MANIFEST = (\[[\s\S]*?\]);/.exec(text)[1]);
  const urls = list.map((e) => e.url);
  for (const url of ['index.html', 'app.js', 'core.js', 'wasm/core.wasm']) assert.ok(urls.includes(url), `${url} is listed`);
  assert.equal(urls.includes('sw.js'), false);
  const page = await get(source.url);
  assert.equal(page.body.toString('utf8'), readFileSync(join(root, 'web', 'index.html'), 'utf8'), 'the dev server sends the source page');
});

test('startServer refuses an unknown shell and a missing build', async () => {
  await assert.rejects(startServer({ port: 0, web: 'nightly' }), /build or source/);
  await assert.rejects(startServer({ port: 0, web: 'build', root: join(root, 'tests') }), /build\/web\/index.html is missing/);
});
