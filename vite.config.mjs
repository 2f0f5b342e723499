// Production build of the web shell (scripts/build-web.mjs runs it; output in
// build/web/, not committed). The shell's sources stay plain ES modules that
// the dev server (scripts/serve.mjs --dev) serves as they are; this build
// bundles, minifies and content-hashes what they import, starting from
// web/index.html: the first screen is one script and one style sheet, each
// screen loaded with import() (the staff workbench, posters, stories, the
// coupon sheet) becomes a chunk of its own, shared code a shared chunk.
// Nothing is listed here: new modules are found through their imports.
//
// Files the sources reach with `new URL('…', import.meta.url)` (the core's
// .wasm and its Emscripten glue, the worker, a lazily linked style sheet) are
// emitted under assets/ with a content hash. Outside web/ the sources name two
// trees the dev server maps in: wasm/… (the core, built in build/wasm) and
// vendor/qrcodegen.js and vendor/crc32.js (npm packages); the
// `carecircle-paths` plugin maps them the same way here.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const web = join(root, 'web');
const require = createRequire(join(root, 'package.json'));

/** Source paths under web/ that live elsewhere: web-relative path → file. */
function mapped(webPath) {
  if (webPath.startsWith(`wasm${sep}`)) return join(root, 'build', webPath);
  if (webPath === join('vendor', 'qrcodegen.js')) return require.resolve('nayuki-qr-code-generator/index.js');
  if (webPath === join('vendor', 'crc32.js')) return join(root, 'node_modules', 'crc', 'mjs', 'calculators', 'crc32.js');
  return null;
}

/** Resolves the mapped trees for imports, `new URL(…, import.meta.url)` and HTML links alike. */
function carecirclePaths() {
  return {
    name: 'carecircle-paths',
    enforce: 'pre',
    resolveId(source, importer) {
      if (!importer || /^[a-z]+:/i.test(source) || source.startsWith('\0')) return null;
      const bare = source.split(/[?#]/, 1)[0];
      const from = importer.startsWith(web) ? dirname(importer) : web;
      const absolute = bare.startsWith('/') ? join(web, bare) : join(from, bare);
      const webPath = relative(web, absolute);
      if (webPath.startsWith('..')) return null;
      const file = mapped(webPath);
      if (!file) return null;
      if (!existsSync(file)) this.error(`${webPath} is built elsewhere and missing: ${file} (run scripts/build.sh)`);
      return file;
    },
    // Vite's handling of `new URL('…', import.meta.url)` looks for the file
    // beside the source: point it at the mapped file instead.
    transform(code, id) {
      if (!id.startsWith(web) || !code.includes('import.meta.url')) return null;
      const out = code.replace(/new URL\((['"])([^'"]+)\1(\s*,\s*import\.meta\.url\s*\))/g, (all, quote, url, rest) => {
        if (/^[a-z]+:/i.test(url)) return all;
        const file = mapped(relative(web, url.startsWith('/') ? join(web, url) : join(dirname(id), url)));
        if (!file) return all;
        let to = relative(dirname(id), file).split(sep).join('/');
        if (!to.startsWith('.')) to = `./${to}`;
        return `new URL(${quote}${to}${quote}${rest}`;
      });
      return out === code ? null : { code: out, map: null };
    },
  };
}

/**
 * The source index.html asks the browser to preload each module of the first
 * screen by its source name (for the unbundled dev server). In the build they
 * are one hashed chunk, which Vite preloads itself: the source names go.
 */
function dropSourceModulePreloads() {
  return {
    name: 'carecircle-drop-source-modulepreloads',
    transformIndexHtml: {
      order: 'pre',
      handler: (html) =>
        html
          .replace(/^[ \t]*<link rel="modulepreload" href="[^"]*">[ \t]*\r?\n/gm, '')
          // The preloaded core: the same hashed file core.js fetches.
          .replace(/(<link [^>]*href=")(wasm\/[^"]+)"/g, (all, head, path) => `${head}${relative(web, mapped(path.split('/').join(sep)) ?? path).split(sep).join('/')}"`)
          // The web app manifest names its icon relative to itself: it stays where it is.
          .replace(/<link rel="manifest"/g, '<link vite-ignore rel="manifest"'),
    },
  };
}

/**
 * Each module the shell loads with import() (a screen) is a chunk of its own.
 * Rollup would drop the exports the shell does not call; here a screen keeps
 * all of them (its import() reads as the whole module) and gets a one-line
 * module at its source path that re-exports the chunk (build/web/poster/
 * screen.js → assets/screen-<hash>.js): a page or a test that imports a
 * screen by its path gets the very module instance the shell runs, whatever
 * its hashed name.
 */
function stableScreenPaths() {
  const screens = new Set();
  return {
    name: 'carecircle-stable-screen-paths',
    transform(code, id) {
      if (!id.startsWith(web + sep) || !code.includes('import(')) return null;
      const out = code.replace(/\bimport\((\s*(['"])\.{1,2}\/[^'"]+\2\s*)\)/g, 'import($1).then((module) => module)');
      return out === code ? null : { code: out, map: null };
    },
    moduleParsed(info) {
      for (const id of info.dynamicallyImportedIds) if (id.startsWith(web + sep)) screens.add(id);
    },
    generateBundle(options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || !chunk.isDynamicEntry || !screens.has(chunk.facadeModuleId)) continue;
        const fileName = relative(web, chunk.facadeModuleId).split(sep).join('/');
        let target = relative(dirname(fileName), chunk.fileName).split(sep).join('/');
        if (!target.startsWith('.')) target = `./${target}`;
        const lines = [`export * from '${target}';`];
        if (chunk.exports.includes('default')) lines.push(`export { default } from '${target}';`);
        this.emitFile({ type: 'asset', fileName, source: `${lines.join('\n')}\n` });
      }
    },
  };
}

// The oldest engines the build is written for: WebAssembly exception
// handling (the core is compiled with -fwasm-exceptions) needs Chrome 95 and
// Safari 15.2, so nothing older can run the core anyway (docs/toolchain.md).
export const BROWSER_TARGETS = ['chrome95', 'safari15.2', 'firefox100', 'edge95'];

export default {
  root: web,
  base: './',            // relative URLs: the shell works at any path (a backend, a mini-program's web-view)
  publicDir: false,      // scripts/build-web.mjs copies the files read by name at run time
  logLevel: 'warn',
  plugins: [carecirclePaths(), dropSourceModulePreloads(), stableScreenPaths()],
  build: {
    outDir: join(root, 'build', 'web'),
    emptyOutDir: true,
    target: BROWSER_TARGETS,
    cssTarget: BROWSER_TARGETS,
    manifest: true,      // .vite/manifest.json: source module → chunk (the bench's size table)
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2048,
    // Small SVG icons go into the CSS and HTML as data: URLs (img-src allows
    // data:); nothing else is inlined: a style sheet or the manifest as a data:
    // URL would break the Content-Security-Policy.
    assetsInlineLimit: (file) => (file.endsWith('.svg') ? undefined : false),
    modulePreload: { polyfill: false },
  },
  worker: {
    format: 'es',        // the core's worker is a module worker
    plugins: () => [carecirclePaths()],
  },
};
