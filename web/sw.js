// Service worker of the CareCircle demo: cache-first app shell + the core, so
// the offline demo reloads with no network. Bump VERSION whenever a cached
// file changes: the new worker installs a new cache, takes over at once
// (skipWaiting + clients.claim) and deletes the old caches.
//
// Only same-origin GET requests for the files below are answered from the
// cache; everything else goes to the network untouched. No patient data is
// ever cached here (the demo's data lives in IndexedDB).

const VERSION = 'carecircle-shell-v18';

const SHELL = [
  './',
  './index.html',
  './styles.css',
  './app.js',
  './wallet.js',
  './referral.js',
  './join.js',
  './links.js',
  './coupon.js',
  './coupon.css',
  './invite.js',
  './settings.js',
  './stories.js',
  './settings.css',
  './svg.js',
  './lib/copy.js',
  './lib/text-size.js',
  './core.js',
  './core-worker.js',
  './core-worker-client.js',
  './backend/backend.js',
  './backend/offline.js',
  './backend/offline-intake.js',
  './backend/http-intake.js',
  './backend/demo-data.js',
  './backend/demo-deployment.js',
  './backend/http.js',
  './backend/outbox.js',
  './backend/miniprogram.js',
  './backend/staff-roles.js',
  './staff/staff.js',
  './staff/forest.js',
  './staff/koc.js',
  './staff/report.js',
  './staff/moderation.js',
  './staff/counter.js',
  './staff/story-month.js',
  './poster/screen.js',
  './poster/screen.css',
  './poster/replay.js',
  './poster/qr.js',
  './poster/metrics.js',
  './vendor/qrcodegen.js',
  './manifest.webmanifest',
  './demo/campaigns.json',
  './icons/icon.svg',
  './icons/alert.svg',
  './icons/check.svg',
  './icons/check-done.svg',
  './icons/chevron-down.svg',
  './icons/chevron-left.svg',
  './icons/chevron-right.svg',
  './icons/coupons.svg',
  './icons/error.svg',
  './icons/exercise.svg',
  './icons/gift.svg',
  './icons/gift-line.svg',
  './icons/letter.svg',
  './icons/logout.svg',
  './icons/medal.svg',
  './icons/referral-tree.svg',
  './icons/settings.svg',
  './icons/shield.svg',
  './icons/staff.svg',
  './icons/tab-checkin.svg',
  './icons/tab-referral.svg',
  './icons/tab-wallet.svg',
  './icons/ticket.svg',
  './icons/poster.svg',
  './icons/download.svg',
  './icons/share.svg',
  './icons/photo.svg',
  './icons/stories.svg',
  './wasm/core.mjs',
  './wasm/core.wasm',
];

const SHELL_URLS = new Set(SHELL.map((path) => new URL(path, self.registration.scope).href));

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(VERSION)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: 'reload' }))))
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
