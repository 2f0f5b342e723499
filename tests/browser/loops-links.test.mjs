// Links that work, on both backends (harness.mjs twoBackendSuite):
//   patient A saves the 成长基金推荐函 PNG (保存图片) → the QR in the saved
//   file is decoded with zbar → it is the deployment's join URL with ?c=<A's
//   code>, nothing else → friend B opens that URL → the shell moves the code
//   to the join route (#join/<code>), the code is filled in and checked, the
//   inviter is named (masked), the hospital's name and logo come from the
//   deployment's configuration, and the letter itself names the hospital;
//   a join URL whose code was tampered with shows the core's message and
//   registers nothing; A's own code typed on 填写推荐码 is refused on the
//   screen (the offline demo said 登记成功 before) and registers nothing.
// Over HTTP, B is a separate browser context (another phone). The offline
// demo has no server: its "friend's phone" is a second page of the same
// browser (shared IndexedDB), as the demo describes; a separate context there
// still lands on the join page with the code filled in.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { PHONE, recordCspViolations, REPO, twoBackendSuite } from './harness.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 30_000;
const TEST_TIMEOUT = 180_000;
const CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };
const HOSPITAL = '康复示范医院（演示）';

const suite = twoBackendSuite({
  chromium,
  shots: SHOTS,
  check: () => assert.equal(spawnSync('zbarimg', ['--version']).status, 0, 'zbarimg is missing: apt-get install zbar-tools'),
});

const problems = [];

async function newContext() {
  const context = await suite.browser.newContext(CONTEXT);
  await recordCspViolations(context);
  return context;
}

async function watchedPage(context, label) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('pageerror', (err) => problems.push(`${label} pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
      problems.push(`${label} console: ${msg.text()}`);
    }
  });
  return page;
}

async function openApp(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(`the app shows its error screen: ${await page.textContent('#load-error-detail')}`);
}

function zbar(file) {
  const r = spawnSync('zbarimg', ['--nodbus', '--quiet', '--raw', file], { encoding: 'utf8' });
  return { status: r.status, text: r.stdout.replace(/\n$/, '') };
}

/** A opens the 成长基金推荐函 and saves it (保存图片); resolves with the saved file and the letter's request. */
async function saveLetter(page, name) {
  await page.evaluate(() => {
    location.hash = '#poster/referralBenefit';
  });
  await page.waitForFunction(() => {
    const view = document.getElementById('view-poster');
    return view && view.dataset.template === 'referralBenefit' && view.dataset.state === 'ready';
  }, null, { timeout: 2 * STEP_TIMEOUT });
  const request = await page.evaluate(async () => (await import('/poster/screen.js')).shownPoster().request);
  const [download] = await Promise.all([page.waitForEvent('download'), page.tap('#poster-save')]);
  const file = join(SHOTS, `${name}.png`);
  await download.saveAs(file);
  return { file, request };
}

/** What the join screen shows once the code's lookup settled. */
async function joinScreen(page) {
  await page.waitForSelector('#view-join:not([hidden])[data-state="form"]');
  await page.waitForSelector('#view-join[data-lookup="done"]');
  await page.waitForSelector('#join-hospital:not([hidden])');
  return page.evaluate(() => ({
    hash: location.hash,
    search: location.search,
    code: /** @type {HTMLInputElement} */ (document.getElementById('join-code')).value,
    status: document.getElementById('join-code-status').dataset.state,
    statusText: document.getElementById('join-code-status').textContent,
    hospital: document.getElementById('join-hospital').textContent,
    logo: document.querySelector('#join-hospital img')?.getAttribute('src') ?? null,
    inviter: document.getElementById('join-inviter').hidden ? '' : document.getElementById('join-inviter-name').textContent,
    submitDisabled: /** @type {HTMLButtonElement} */ (document.querySelector('#join-submit'))?.disabled ?? null,
  }));
}

const backends = [
  {
    name: 'offline',
    url: () => suite.stack.staticServer.url,
    joinUrl: () => suite.stack.staticServer.url,
    logo: './icons/icon.svg',
    async referralCount() {
      return null;
    },
  },
  {
    name: 'http',
    url: () => `${suite.stack.base}?backend=http`,
    joinUrl: () => `${suite.stack.base}?backend=http`,
    logo: null,
    async referralCount() {
      return (await suite.stack.pool.query('SELECT count(*)::int AS n FROM referrals')).rows[0].n;
    },
  },
];

for (const backend of backends) {
  test(`${backend.name}: the saved letter's QR opens the join page with the code filled in`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const contextA = await newContext();
    const contexts = [contextA];
    try {
      const a = await watchedPage(contextA, `${backend.name} A`);
      await openApp(a, backend.url());
      const { file, request } = await saveLetter(a, `loops-${backend.name}-letter`);
      assert.equal(request.data.hospitalName, HOSPITAL, 'the letter names the hospital of the deployment');
      const decoded = zbar(file);
      assert.equal(decoded.status, 0, `zbar found no QR code in ${file}`);
      const url = new URL(decoded.text);
      const code = url.searchParams.get('c');
      assert.match(code ?? '', /^[0-9A-HJKMNP-TV-Z]{13}$/, `the QR carries the code as ?c=: ${decoded.text}`);
      // The letter's own token (成长基金推荐函: B…) before the code: how the friend came, nothing personal.
      const token = url.searchParams.get('t');
      assert.match(token ?? '', /^B[0-9A-HJKMNP-TV-Z]{16}$/, `the letter's channel token: ${decoded.text}`);
      assert.equal(decoded.text, `${backend.joinUrl()}${backend.joinUrl().includes('?') ? '&' : '?'}t=${token}&c=${code}`, 'the join URL, the token and the code, nothing else');
      assert.equal(request.referral.code.replaceAll('-', ''), code, 'the letter’s own code');

      // B opens the scanned URL: over HTTP a separate phone; offline the demo's second page.
      let b;
      if (backend.name === 'http') {
        const contextB = await newContext();
        contexts.push(contextB);
        b = await watchedPage(contextB, 'http B');
      } else {
        b = await watchedPage(contextA, 'offline B');
      }
      await openApp(b, decoded.text);
      const shown = await joinScreen(b);
      assert.equal(shown.hash, `#join/${code}~${token}`, 'the shell routed the ?c= (and the letter’s t=) to the join page');
      assert.ok(!new URLSearchParams(shown.search).has('c'), 'the code left the query');
      assert.ok(!new URLSearchParams(shown.search).has('t'), 'the token left the query');
      assert.equal(shown.code.replaceAll('-', ''), code, 'the code is filled in');
      assert.equal(shown.status, 'ok', `the code is accepted: ${shown.statusText}`);
      assert.match(shown.inviter, /\*/, 'the inviter is named, masked');
      assert.equal(shown.hospital, HOSPITAL, 'the hospital from the deployment’s configuration');
      assert.equal(shown.logo, backend.logo);
      await b.screenshot({ path: join(SHOTS, `loops-${backend.name}-join.png`), animations: 'disabled' });

      // A tampered code in the join URL: the core's message, nothing registered.
      const before = await backend.referralCount();
      const tamperedCode = `${code.slice(0, 4)}${code[4] === 'Z' ? 'Y' : 'Z'}${code.slice(5)}`;
      const tampered = new URL(decoded.text);
      tampered.searchParams.set('c', tamperedCode);
      const contextC = await newContext();
      contexts.push(contextC);
      const c = await watchedPage(contextC, `${backend.name} C`);
      await openApp(c, tampered.href);
      await c.waitForSelector('#view-join:not([hidden])[data-state="form"]');
      await c.waitForSelector('#join-code-status[data-state="error"]');
      assert.match(await c.textContent('#join-code-status'), /推荐码有误/);
      await c.tap('#join-submit').catch(() => {});
      await c.waitForTimeout(500);
      assert.notEqual(await c.getAttribute('#view-join', 'data-state'), 'done', 'nothing registered');
      assert.equal(await backend.referralCount(), before, 'no referral recorded');
      // A types their own code on 填写推荐码: refused on the screen, nothing registered.
      await a.evaluate(() => {
        location.hash = '#join';
      });
      await a.waitForSelector('#view-join:not([hidden])[data-mode="code"]');
      await a.fill('#join-code', code.toLowerCase());
      await a.dispatchEvent('#join-code', 'change');
      await a.waitForSelector('#view-join[data-lookup="done"]');
      assert.equal(await a.textContent('#join-code-status'), '这是您自己的推荐码，不能填写。请填写推荐您的朋友的推荐码');
      const ownBefore = await backend.referralCount();
      await a.tap('#join-submit');
      await a.waitForTimeout(500);
      assert.notEqual(await a.getAttribute('#view-join', 'data-state'), 'done', 'own code: not registered');
      assert.equal(await backend.referralCount(), ownBefore);
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      for (const context of contexts) await context.close().catch(() => {});
    }
  });
}
