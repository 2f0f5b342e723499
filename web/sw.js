// Service worker of the CareCircle shell: cache-first app shell + the core, so
// the offline demo reloads with no network. The files it precaches are not
// listed by hand: the manifest placeholder below is replaced with the list of
// every file of the shell ({url, revision}) — by Workbox's injectManifest in the
// production build (scripts/build-web.mjs: every file of build/web, hashed
// assets revisioned by their names) and by the dev server when it serves the
// sources (scripts/serve.mjs). A changed list is a new worker: it installs a
// new cache named after the list, takes over at once (skipWaiting +
// clients.claim) and deletes the old caches. Files whose name carries their
// hash (revision null) are copied from the old cache instead of downloaded.
//
// Only same-origin GET requests for the files below are answered from the
// cache; everything else goes to the network untouched. No patient data is
// ever cached here (the demo's data lives in IndexedDB).

/** @type {{url: string, revision: string | null}[]} */
const MANIFEST = self.__WB_MANIFEST;

/** A short, stable name for this list (FNV-1a over urls and revisions). */
function fingerprint(entries) {
  let hash = 0x811c9dc5;
  for (const { url, revision } of entries) {
    for (const ch of `${url}\n${revision ?? ''}\n`) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  }
  return hash.toString(36);
}

const VERSION = `carecircle-shell-${fingerprint(MANIFEST)}`;

// The page itself is also asked for as the scope's root ('./').
const SHELL = ['./', ...MANIFEST.map(({ url }) => `./${url}`)];
const IMMUTABLE = new Set(MANIFEST.filter(({ revision }) => revision === null).map(({ url }) => `./${url}`));

const SHELL_URLS = new Set(SHELL.map((path) => new URL(path, self.registration.scope).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(VERSION)
      .then((cache) =>
        Promise.all(
          SHELL.map(async (path) => {
            const request = new Request(path, { cache: 'reload' });
            const kept = IMMUTABLE.has(path) ? await caches.match(request) : undefined;
            if (kept) return cache.put(request, kept);
            const response = await fetch(request);
            if (!response.ok) throw new Error(`precache ${path}: HTTP ${response.status}`);
            return cache.put(request, response);
          }),
        ),
      )
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== VERSION).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  url.search = '';
  url.hash = '';
  if (!SHELL_URLS.has(url.href)) return;
  event.respondWith(
    caches.open(VERSION).then(async (cache) => {
      const cached = await cache.match(url.href);
      if (cached) return cached;
      const response = await fetch(request);
      if (response.ok) cache.put(url.href, response.clone());
      return response;
    }),
  );
});
