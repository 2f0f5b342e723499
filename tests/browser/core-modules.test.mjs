// The core is split by audience (wasm/CMakeLists.txt, web/core.js): what a
// patient's first screen downloads is the patient module only.
//
// In a fresh profile with the service worker blocked (its precache would
// fetch every file in the background; tests/node/sw_precache.test.mjs checks
// that list), on the phone:
//   1. 打卡 (`/`): the page fetched the patient module's glue and .wasm, and
//      no other module of the core, by the time the network is idle;
//      `call` of a poster export throws, naming the module to await;
//   2. the join page (`/?c=<code>`): the same, with the code checked;
//   3. 推荐海报 (#poster) then fetches the poster module (and the staff
//      module: the offline demo plays the server in the page), the workbench
//      (#staff) finds both loaded and fetches nothing again;
//   4. with the service worker (a fresh profile): after the first load, with
//      the server gone and the network off, 推荐海报 and the workbench still
//      load their modules (the precache holds every module of the core).
// Runs on the shell the other browser tests open (CARECIRCLE_WEB).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { launchPhone, signInStaff } from './harness.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CHROMIUM, FLAGS, PHONE } from './harness.mjs';

import { startServer } from '../../scripts/serve.mjs';

const STEP_TIMEOUT = 30_000;
const TEST_TIMEOUT = 90_000;
// A core file as the source server and the build name it: wasm/core-staff.wasm, assets/core-staff-<hash>.wasm.
const CORE_FILE = /\/core(?:-(patient|poster|staff))?(?:-[\w-]{6,})?\.(wasm|mjs)$/;

let phone;
/** @type {string[]} every core file the pages asked for, as "<module>.<ext>" ("full" for core.wasm) */
const fetched = [];
const problems = [];

before(async () => {
  phone = await launchPhone({ startServer, chromium, stepTimeout: STEP_TIMEOUT, contextOptions: { serviceWorkers: 'block' } });
  phone.context.on('request', (request) => {
    const match = CORE_FILE.exec(new URL(request.url()).pathname);
    if (match) fetched.push(`${match[1] ?? 'full'}.${match[2]}`);
  });
  phone.context.on('page', (page) => watch(page));
  watch(phone.page);
});

after(async () => {
  await phone?.close();
});

function watch(page) {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
}

async function open(page, path) {
  await page.goto(`${phone.server.url}${path}`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(await page.textContent('#load-error-detail'));
  await page.waitForLoadState('networkidle');
}

const modulesOf = (list) => [...new Set(list.map((file) => file.split('.')[0]))].sort();

test('打卡 fetches the patient module of the core and no other', { timeout: TEST_TIMEOUT }, async () => {
  fetched.length = 0;
  const { page } = phone;
  await open(page, '');
  await page.waitForSelector('#checkin-btn');
  assert.deepEqual([...new Set(fetched)].sort(), ['patient.mjs', 'patient.wasm'], `the first screen's core files: ${fetched.join(', ')}`);
  // A synchronous call of an export whose module is not loaded names the module to await.
  const answer = await page.evaluate(async () => {
    const { loadCore } = await import('/core.js');
    const core = await loadCore();
    let error = null;
    try {
      core.call('layoutPoster', { template: 'storyPoster', data: { title: '标题', story: '内容' } });
    } catch (e) {
      error = { name: e.name, message: e.message, module: e.module };
    }
    return { error, loaded: core.loaded(), has: core.has('layoutPoster'), streak: core.has('evaluateStreak') };
  });
  assert.deepEqual(answer.loaded, ['patient']);
  assert.equal(answer.has, false);
  assert.equal(answer.streak, true);
  assert.equal(answer.error?.name, 'CoreModuleNotLoaded');
  assert.equal(answer.error?.module, 'poster');
  assert.match(answer.error?.message ?? '', /await core\.need\('poster'\)/);
  assert.deepEqual(modulesOf(fetched), ['patient'], 'asking does not download');
  assert.deepEqual(problems, []);
});

test('the join page (?c=<code>) fetches the patient module only, and the code is checked', { timeout: TEST_TIMEOUT }, async () => {
  const { page, context } = phone;
  // A code the core made: the demo patient's own (any well-formed code will do for the check).
  const code = await page.evaluate(async () => {
    const { loadCore } = await import('/core.js');
    const made = (await loadCore()).call('makeReferralCode', { randomHex: '00112233445566778899' });
    return made.ok ? made.value.code : null;
  });
  assert.ok(code, 'the core made a code');
  fetched.length = 0;
  const friend = await context.newPage();
  await open(friend, `?c=${code}`);
  await friend.waitForFunction(() => location.hash.startsWith('#join'));
  await friend.waitForLoadState('networkidle');
  assert.deepEqual([...new Set(fetched)].sort(), ['patient.mjs', 'patient.wasm'], `the join page's core files: ${fetched.join(', ')}`);
  await friend.close();
  assert.deepEqual(problems, []);
});

test('推荐海报 fetches the poster module on demand (and, in the offline demo, the staff module), once for the workbench too', { timeout: TEST_TIMEOUT }, async () => {
  const { page } = phone;
  fetched.length = 0;
  await page.goto(`${phone.server.url}#poster`);
  await page.waitForSelector('#view-poster[data-state="ready"], #view-poster[data-state="empty"]', { timeout: 60_000 });
  await page.waitForLoadState('networkidle');
  // The offline demo plays the server in the page (the letters' tokens, the
  // KOC result: web/backend/offline-core-modules.js), so it brings the staff
  // module too; over HTTP the screen needs the poster module only.
  assert.deepEqual(modulesOf(fetched), ['poster', 'staff'], `posters: ${fetched.join(', ')}`);
  const poster = await page.evaluate(async () => {
    const core = await (await import('/core.js')).loadCore();
    const laid = core.call('layoutPoster', { template: 'storyPoster', data: { title: '康复路上', story: '每天坚持做康复操。' } });
    return { ok: laid.ok, loaded: core.loaded().sort() };
  });
  assert.equal(poster.ok, true, 'layoutPoster answers synchronously once its module is loaded');
  assert.deepEqual(poster.loaded, ['patient', 'poster', 'staff']);

  fetched.length = 0;
  await page.goto(`${phone.server.url}#staff/koc`);
  await signInStaff(page, 'nurse');
  await page.waitForSelector('[data-staff-view="koc"]:not([hidden])');
  await page.waitForLoadState('networkidle');
  assert.deepEqual(fetched, [], `the workbench finds its modules loaded: ${fetched.join(', ')}`);
  const staff = await page.evaluate(async () => {
    const core = await (await import('/core.js')).loadCore();
    return { koc: core.call('assessKoc', {}).ok !== undefined, loaded: core.loaded().sort() };
  });
  assert.equal(staff.koc, true);
  assert.deepEqual(staff.loaded, ['patient', 'poster', 'staff']);
  assert.deepEqual(problems, []);
});

test('offline after the first load, posters and the workbench still load their modules (precached)', { timeout: TEST_TIMEOUT * 2 }, async () => {
  const server = await startServer({ port: 0 });
  const profile = mkdtempSync(join(tmpdir(), 'carecircle-chrome-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, ...PHONE, serviceWorkers: 'allow' });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT);
    watch(page);
    const load = async (hash = '') => {
      await page.goto(`${server.url}${hash}`, { waitUntil: 'load' });
      await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
      if (await page.isVisible('#load-error')) assert.fail(await page.textContent('#load-error-detail'));
    };
    await load();
    const ready = await page.evaluate(() => Promise.race([
      navigator.serviceWorker.ready.then(() => true),
      new Promise((resolve) => setTimeout(() => resolve('not active after 20 s'), 20_000)),
    ]));
    assert.equal(ready, true, 'the service worker is installed (its precache is complete)');
    await load();
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true, 'the page is controlled');

    await server.close();
    server.closed = true;
    await context.setOffline(true);
    await load('#poster');
    await page.waitForSelector('#view-poster[data-state="ready"], #view-poster[data-state="empty"]', { timeout: 60_000 });
    await page.goto(`${server.url}#staff/koc`);
    await signInStaff(page, 'nurse');
    await page.waitForSelector('[data-staff-view="koc"]:not([hidden])');
    // The KOC form is the staff module's assessKoc answer, drawn.
    await page.waitForSelector('#koc-questions fieldset');
    assert.deepEqual(problems, []);
  } finally {
    await context.close().catch(() => {});
    if (!server.closed) await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
