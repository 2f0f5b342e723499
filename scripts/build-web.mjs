#!/usr/bin/env node
// Production build of the web shell into build/web/ (not committed):
//
//   node scripts/build-web.mjs        (scripts/build.sh runs it after the core)
//
// 1. Vite (vite.config.mjs) bundles, minifies and content-hashes what
//    web/index.html imports: one chunk per screen loaded with import(), CSS
//    extracted, the core's .wasm, its glue and the worker as hashed assets.
// 2. Files the shell reads by a name known only at run time (icons set from
//    script, the manifest's icon, the demo's data, the JS-SDK loaded inside
//    WeChat) are copied as they are, at their source paths: every file of web/
//    that is not a script, a style sheet or a page.
// 3. Workbox (workbox-build's injectManifest) writes build/web/sw.js from
//    web/sw.js with the precache manifest of everything in build/web.
// 4. Every text file and the .wasm get a Brotli copy beside them (<file>.br,
//    quality 11), which scripts/serve.mjs sends to browsers that accept it:
//    about 28 % fewer bytes than gzip for the core's .wasm.
// Prints one line per file of the shell with its size.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WEB = join(root, 'web');
export const OUT = join(root, 'build', 'web');

/** Every file under `dir` (relative paths, '/'-separated), dot-files and folders skipped. */
export function walk(dir, base = dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(full, base));
    else if (entry.isFile()) files.push(relative(base, full).split('\\').join('/'));
  }
  return files.sort();
}

/** Files sent compressed: a Brotli copy is written beside each (served by scripts/serve.mjs). */
export const COMPRESSED = /\.(js|mjs|css|html|json|webmanifest|svg|wasm)$/;

/** Files the bundler owns (it follows their imports and links); the rest are copied. */
const BUNDLED = /\.(js|mjs|css|html)$/;

// Files no patient's phone should download in the background: the worker
// itself, WeChat's JS-SDK (fetched only inside WeChat), and the staff desk's
// libraries — the counter's QR reader (a 0.9 MB .wasm) and the CSV parser —
// which the workbench fetches when a staff screen first needs them (typing a
// counter code works without them).
export const NOT_PRECACHED = ['sw.js', 'vendor/jweixin.mjs', 'vendor/zxing/**', 'vendor/csv-parse-sync.mjs'];

/** Whether a shell file (path relative to the shell's root) is precached. */
export function isPrecached(file) {
  return !NOT_PRECACHED.some((pattern) => (pattern.endsWith('/**') ? file.startsWith(pattern.slice(0, -2)) : file === pattern));
}

// The precache manifest: every file of the build but those above.
// Hashed assets are revisioned by their name; the rest by their content.
export const PRECACHE = {
  globPatterns: ['**/*'],
  globIgnores: [...NOT_PRECACHED, '**/*.br'],
  dontCacheBustURLsMatching: /^assets\//,
  maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
};

export async function buildWeb({ quiet = false } = {}) {
  // The shell loads the core by audience (web/core.js): each module's glue and .wasm, and the manifest.
  const modules = ['patient', 'poster', 'staff'].flatMap((m) => [`core-${m}.mjs`, `core-${m}.wasm`]);
  for (const file of [...modules, 'modules.mjs']) {
    if (!existsSync(join(root, 'build', 'wasm', file))) throw new Error(`build/wasm/${file} is missing: build the core first`);
  }
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.mjs'), logLevel: quiet ? 'error' : 'warn' });

  // Style sheets the sources link at run time (new URL('./x.css', import.meta.url))
  // are emitted as they are, under assets/: their relative url(…)s, written
  // from the source folder, are rewritten from assets/ (icons are copied below).
  const manifest = JSON.parse(readFileSync(join(OUT, '.vite', 'manifest.json'), 'utf8'));
  for (const { src, file } of Object.values(manifest)) {
    if (!src?.endsWith('.css') || !file.endsWith('.css')) continue;
    const target = join(OUT, file);
    const text = readFileSync(target, 'utf8');
    const fixed = text.replace(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g, (all, quote, url) => {
      if (/^(data:|[a-z]+:|\/|#)/i.test(url)) return all;
      const from = relative(dirname(target), join(OUT, dirname(src), url)).split('\\').join('/');
      return `url(${quote}${from}${quote})`;
    });
    if (fixed !== text) writeFileSync(target, fixed);
  }

  let copied = 0;
  for (const file of walk(WEB)) {
    if (BUNDLED.test(file) && !file.startsWith('vendor/')) continue;
    if (file === 'sw.js') continue;
    const target = join(OUT, file);
    if (existsSync(target)) continue;
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(WEB, file), target);
    copied += 1;
  }

  const { injectManifest } = await import('workbox-build');
  const { count, size, warnings } = await injectManifest({
    swSrc: join(WEB, 'sw.js'),
    swDest: join(OUT, 'sw.js'),
    globDirectory: OUT,
    ...PRECACHE,
  });
  if (warnings.length) throw new Error(`workbox: ${warnings.join('; ')}`);

  for (const file of walk(OUT)) {
    if (!COMPRESSED.test(file)) continue;
    const bytes = readFileSync(join(OUT, file));
    if (bytes.length < 1024) continue;
    writeFileSync(join(OUT, `${file}.br`), brotliCompressSync(bytes, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_LGWIN]: 24, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }));
  }

  // The built page must keep the Content-Security-Policy without exceptions:
  // no inline script or style, no inline event handler.
  const html = readFileSync(join(OUT, 'index.html'), 'utf8');
  const inline = html.match(/<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+=|\sstyle=/i);
  if (inline) throw new Error(`build/web/index.html has inline code (${inline[0]}): the CSP forbids it`);

  const files = walk(OUT).filter((file) => !file.endsWith('.br'));
  if (!quiet) {
    for (const file of files) {
      const bytes = readFileSync(join(OUT, file));
      console.log(`  ${file.padEnd(48)} ${String(bytes.length).padStart(9)} B  ${String(gzipSync(bytes, { level: 9 }).length).padStart(8)} B gzip`);
    }
    console.log(`build-web: ${files.length} files in build/web (${copied} copied as they are); precache ${count} files, ${(size / 1024).toFixed(0)} KiB`);
  }
  return { files, precached: count };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    await buildWeb({ quiet: process.argv.includes('--quiet') });
  } catch (error) {
    process.stderr.write(`build-web: ${error.message}\n`);
    process.exit(1);
  }
}
