// The service worker's precache list (web/sw.js SHELL) must name every file of
// the shell that a screen can load, or the offline demo breaks the first time
// that screen opens without a network. The list is hand-kept; this test keeps
// it honest in both directions: every committed shell file is listed, and
// every listed file exists.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const web = join(root, 'web');

/** The entries of `const SHELL = [...]` in web/sw.js, without the leading './'. */
function precached() {
  const source = readFileSync(join(web, 'sw.js'), 'utf8');
  const list = source.match(/const SHELL = \[([\s\S]*?)\];/);
  assert.ok(list, 'web/sw.js declares const SHELL = [...]');
  return [...list[1].matchAll(/'\.\/([^']*)'/g)].map((m) => m[1]);
}

/** Committed files under web/ that the shell serves (scripts, styles, icons, manifest). */
function shellFiles() {
  const listed = execFileSync('git', ['ls-files', 'web'], { cwd: root, encoding: 'utf8' }).split('\n');
  return listed
    .filter((path) => /\.(js|mjs|css|svg|webmanifest)$/.test(path))
    .map((path) => path.slice('web/'.length))
    .filter((path) => path !== 'sw.js');
}

test('every shell file is in the service worker precache list', () => {
  const cached = new Set(precached());
  const missing = shellFiles().filter((path) => !cached.has(path));
  assert.deepEqual(missing, [], `add these to SHELL in web/sw.js (and bump VERSION): ${missing.join(', ')}`);
});

test('every precached file exists (built vendor files come from the build)', () => {
  const built = new Set(['vendor/qrcodegen.js', 'wasm/core.mjs', 'wasm/core.wasm']);
  const absent = precached().filter((path) => path !== '' && !built.has(path) && !existsSync(join(web, path)));
  assert.deepEqual(absent, [], `listed in web/sw.js but not in web/: ${absent.join(', ')}`);
});
