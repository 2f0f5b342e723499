// The service worker precaches every file of the shell that a screen can
// load, or the offline demo breaks the first time that screen opens without a
// network. Nobody keeps that list by hand: the production build writes it into
// build/web/sw.js (Workbox's injectManifest, scripts/build-web.mjs) and the
// dev server writes it into web/sw.js when it serves the sources
// (scripts/serve.mjs). These tests hold both lists to the files in both
// directions: every file is listed, and every listed file exists.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { isPrecached, walk } from '../../scripts/build-web.mjs';
import { sourcePrecacheManifest } from '../../scripts/serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const web = join(root, 'web');
const built = join(root, 'build', 'web');

/** The manifest the build wrote into build/web/sw.js. */
function builtManifest() {
  assert.ok(existsSync(join(built, 'sw.js')), 'build/web/sw.js is missing: run npm run build');
  const source = readFileSync(join(built, 'sw.js'), 'utf8');
  assert.ok(!source.includes('self.__WB_MANIFEST'), 'the build replaced the manifest placeholder');
  const list = source.match(/const MANIFEST = (\[[\s\S]*?\]);/);
  assert.ok(list, 'build/web/sw.js declares const MANIFEST = [...]');
  return JSON.parse(list[1]);
}

test('the sources: every committed shell file is in the dev server\'s precache list, and every listed file exists', async () => {
  const manifest = await sourcePrecacheManifest(web, join(root, 'build', 'wasm'), join(root, 'node_modules'));
  const urls = new Set(manifest.map((entry) => entry.url));
  const committed = execFileSync('git', ['ls-files', 'web'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((path) => /\.(js|mjs|css|svg|webmanifest|json|html)$/.test(path))
    .map((path) => path.slice('web/'.length))
    .filter((path) => isPrecached(path) && existsSync(join(web, path)));
  assert.deepEqual(committed.filter((path) => !urls.has(path)), [], 'committed shell files missing from the list');
  for (const url of ['index.html', 'app.js', 'wasm/core.mjs', 'wasm/core.wasm', 'vendor/qrcodegen.js']) {
    assert.ok(urls.has(url), `${url} is precached`);
  }
  assert.equal(urls.has('sw.js'), false, 'the worker does not cache itself');
  // A patient's phone never downloads the staff desk's QR reader or CSV parser in the background.
  assert.deepEqual([...urls].filter((url) => url.startsWith('vendor/zxing/') || url === 'vendor/csv-parse-sync.mjs'), [], 'staff-only libraries are not precached');
  assert.ok(manifest.every((entry) => typeof entry.revision === 'string' && entry.revision.length > 0), 'every entry has a revision');
});

test('the build: build/web/sw.js precaches every file of build/web, and every listed file exists', () => {
  const manifest = builtManifest();
  const urls = manifest.map((entry) => entry.url);
  assert.equal(new Set(urls).size, urls.length, 'no file listed twice');
  // Brotli copies (<file>.br) are how the server sends a file, not files of their own.
  const files = walk(built).filter((path) => isPrecached(path) && !path.endsWith('.br'));
  assert.deepEqual(files.filter((path) => !urls.includes(path)), [], 'built files missing from the precache list');
  assert.deepEqual(urls.filter((url) => !existsSync(join(built, url))), [], 'listed but not in build/web');
  assert.deepEqual(urls.filter((url) => url.startsWith('vendor/zxing/') || url === 'vendor/csv-parse-sync.mjs'), [], 'staff-only libraries are not precached');
  assert.ok(files.length > 0 && walk(built).some((path) => path.startsWith('vendor/zxing/')), 'the build carries the QR reader (fetched on demand)');
  // Hashed assets are revisioned by their names, the rest by their content.
  for (const { url, revision } of manifest) {
    if (url.startsWith('assets/')) assert.equal(revision, null, `${url} is revisioned by its name`);
    else assert.match(String(revision), /^[0-9a-f]{32}$/, `${url} has a content revision`);
  }
});

test('the build: the page, the core and every screen chunk are precached', () => {
  const urls = new Set(builtManifest().map((entry) => entry.url));
  assert.ok(urls.has('index.html'), 'index.html');
  const html = readFileSync(join(built, 'index.html'), 'utf8');
  const linked = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  assert.ok(linked.some((path) => /\.js$/.test(path)), 'the page loads a script from assets/');
  // The core is fetched by the page's script when it runs (web/app.js), not preloaded.
  assert.ok(!linked.some((path) => /\.wasm$/.test(path)), 'the page does not preload the core');
  for (const path of linked) assert.ok(urls.has(path), `${path} (linked from index.html) is precached`);
  // Vite's manifest: every chunk, and what each one imports statically or with import().
  const chunks = JSON.parse(readFileSync(join(built, '.vite', 'manifest.json'), 'utf8'));
  const screens = Object.values(chunks).filter((chunk) => chunk.isDynamicEntry);
  assert.ok(screens.length >= 3, 'screens loaded on demand are chunks of their own');
  for (const chunk of Object.values(chunks)) {
    for (const file of [chunk.file, ...(chunk.css ?? []), ...(chunk.assets ?? [])]) {
      assert.ok(urls.has(file), `${file} (${chunk.src ?? 'chunk'}) is precached`);
    }
  }
  assert.ok([...urls].some((url) => /^assets\/core-[\w-]+\.wasm$/.test(url)), 'the core .wasm is precached under its hashed name');
});
