// The APP (index.html + app.js, not just the modules) end to end in real
// headless Chromium, against the reference backend and in the offline demo.
//
// Setup, as outbox.test.mjs: a private PostgreSQL (free port, temporary data
// directory) and scripts/backend/server.mjs as a CHILD PROCESS (so that it can
// be stopped and started again) serving /api/v1 and, behind it, the web shell
// (one origin, the shell's CSP unchanged). Chromium as a 375×667 @2x touch
// phone in Asia/Shanghai; service workers blocked (demo.test.mjs covers them).
//
//   1. `/?backend=http` as the seeded demo patient: the screen shows the
//      server's data and server time; in 设置 a consent is refused and another
//      granted, and the check-in still works (refusing never blocks care, G9);
//      the check-in reaches PostgreSQL exactly once, survives a reload, and so
//      do the consents; 券包 lists every reward the server issued; 推荐 shows
//      the server's tree (counts, masked names, no full name anywhere).
//   2. G7 across two patients: a new patient registers with the demo
//      patient's code and the hospital confirms the visit; the demo patient's
//      tree shows that friend's coarse stage until the friend grants
//      "share my progress" (PUT /me/consents, idempotent), the detailed stage
//      then, and the coarse one again after the withdrawal.
//   3. The server goes away after load: the check-in and a consent queue in
//      the outbox (IndexedDB), the page says 离线，已保存在本机…, every tab
//      still works, logout warns about the unsynced records; the server comes
//      back and the outbox delivers both, exactly once, and says so.
//   4. The same patient flow on the offline demo (`/`): consents refused and
//      granted, check-in, reload, 券包, 推荐, and logout wiping IndexedDB.
// Screenshot: test-output/screenshots/screen-offline-toast.png.
//
// Cleanup: browser, backend process (by pid) and PostgreSQL (by its data
// directory); the test checks that no process is left.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { apiClient, CHROMIUM, FLAGS, livePids, PHONE, processesMentioning, restartableBackend } from './harness.mjs';

import { createPool, freePort, isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(REPO, 'test-output', 'screenshots');
// Service workers blocked: demo.test.mjs covers them.
const CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };
const STEP_TIMEOUT = 20_000;
const TEST_TIMEOUT = 120_000;

let postgres;
let pool;
let port;
let base;
/** The reference backend (harness.mjs restartableBackend), on `port`. */
let backend;
let browser;
const problems = [];
const timings = [];

// ------------------------------------------------------------ processes



const api = (...args) => apiClient(`${base}api/v1`)(...args);

/** Polls `fn` until it returns a truthy value. */
async function until(fn, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// ------------------------------------------------------------ the page

/** A fresh phone (own storage) with the problem listeners attached. */
async function newPhone(label) {
  const context = await browser.newContext(CONTEXT);
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('pageerror', (err) => problems.push(`${label} pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // A server that is gone on purpose fails requests; nothing else may log an error.
    if (msg.type() === 'error' && !/Failed to load resource|net::ERR_/.test(msg.text())) problems.push(`${label} console: ${msg.text()}`);
  });
  return { context, page };
}

async function openApp(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) {
    assert.fail(`the app shows its error screen: ${await page.textContent('#load-error-detail')}\n${problems.join('\n')}`);
  }
}

async function checkInScreen(page) {
  return page.evaluate(() => ({
    label: document.getElementById('checkin-label').textContent,
    disabled: /** @type {HTMLButtonElement} */ (document.getElementById('checkin-btn')).disabled,
    total: Number(document.getElementById('stat-total').textContent),
    current: Number(document.getElementById('stat-current').textContent),
    clock: document.getElementById('clock-label').textContent,
  }));
}

/** Taps 打卡 and waits for 今日已打卡; on a timeout, says what the page showed instead. */
async function tapCheckIn(page) {
  await page.tap('#checkin-btn');
  try {
    await page.waitForFunction(() => document.getElementById('checkin-label').textContent === '今日已打卡');
  } catch (error) {
    const seen = await page.evaluate(() => ({
      label: document.getElementById('checkin-label').textContent,
      disabled: document.getElementById('checkin-btn').disabled,
      toast: document.getElementById('toast-text').textContent,
      view: location.hash,
    }));
    await page.screenshot({ path: join(SHOTS, 'http-backend-checkin-failure.png') }).catch(() => {});
    throw new Error(`打卡 did not complete: ${JSON.stringify(seen)}\n${problems.join('\n')}`, { cause: error });
  }
}

async function showTab(page, name) {
  await page.tap(`.tabbar a[data-tab="${name}"]`);
  await page.waitForSelector(`#view-${name}:not([hidden])`);
}

/** Forgets a screen's "rendered" marker, so that the next wait sees a fresh render. */
async function forget(page, marker) {
  await page.evaluate((name) => delete document.body.dataset[name], marker);
}

async function openSettings(page) {
  await forget(page, 'settings');
  await page.tap('#settings-link');
  await page.waitForSelector('#view-settings:not([hidden])');
  await page.waitForSelector('body[data-settings="ready"]');
  await page.waitForFunction(() => !document.getElementById('consent-community').disabled);
}

/** The switches of 设置 as {purpose: {checked, state}}. */
async function readConsents(page) {
  return page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('#view-settings [data-purpose]')].map((li) => [
        li.dataset.purpose,
        { checked: li.querySelector('input').checked, state: li.querySelector('.set-item__state').textContent },
      ]),
    ),
  );
}

/** Taps the row of one purpose (its label) until its switch is `on`, and waits for the answer to be stored. */
async function setSwitch(page, purpose, on) {
  const input = page.locator(`#consent-${purpose}`);
  assert.notEqual(await input.isChecked(), on, `${purpose} is not ${on} yet`);
  await page.tap(`label[for="consent-${purpose}"] .set-item__title`);
  await page.waitForFunction(
    ([id, want]) => {
      const box = /** @type {HTMLInputElement} */ (document.getElementById(id));
      return box.checked === want && !box.disabled;
    },
    [`consent-${purpose}`, on],
  );
}

async function waitForToast(page, pattern) {
  await page.waitForFunction(
    (source) => {
      const toast = document.getElementById('toast');
      return !toast.hidden && new RegExp(source).test(document.getElementById('toast-text').textContent);
    },
    pattern.source,
  );
}

async function referralScreen(page) {
  await forget(page, 'referral');
  await showTab(page, 'referral');
  await page.waitForSelector('body[data-referral="ready"]');
  return page.evaluate(() => ({
    counts: ['ref-level1', 'ref-level2', 'ref-level3'].map((id) => Number(document.getElementById(id).textContent)),
    names: [...document.querySelectorAll('#ref-list .ref-row--friend .ref-row__label')].map((n) => n.textContent),
    privateRows: document.querySelectorAll('#ref-list .ref-row__body--private').length,
    arrivedRows: document.querySelectorAll('#ref-list .ref-row__body--arrived').length,
    text: document.body.innerText,
  }));
}

async function walletScreen(page) {
  await forget(page, 'wallet');
  await showTab(page, 'wallet');
  await page.waitForSelector('body[data-wallet="ready"]');
  return page.evaluate(() => ({
    keys: [...document.querySelectorAll('#wallet-groups .coupon')].map((n) => n.dataset.key),
    medals: [...document.querySelectorAll('#badge-groups [data-earned="true"]')].map((n) => `${n.dataset.campaignId}:${n.dataset.tierId}`),
    error: !document.getElementById('wallet-error').hidden,
  }));
}

// ------------------------------------------------------------ set-up

before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(REPO, 'build', 'wasm', file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  mkdirSync(SHOTS, { recursive: true });
  postgres = await startPostgres();
  pool = createPool(postgres.url, { max: 2 });
  port = await freePort();
  base = `http://127.0.0.1:${port}/`;
  backend = restartableBackend({ databaseUrl: postgres.url, port });
  await backend.start();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
});

after(async () => {
  await browser?.close().catch(() => {});
  await backend?.stop();
  await pool?.end().catch(() => {});
  if (postgres) {
    const { dir } = postgres;
    await postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
    assert.deepEqual(processesMentioning(dir), [], 'no PostgreSQL process is left');
  }
  const alive = livePids(backend?.pids ?? []);
  assert.deepEqual(alive, [], 'no backend process is left');
  if (timings.length) console.log(`# ${timings.join('; ')}`);
});

// ------------------------------------------------------------ 1. the app on the reference backend

test('?backend=http: check in, reload, 券包 and 推荐 from the server, consents persisted', { timeout: TEST_TIMEOUT }, async () => {
  const t0 = performance.now();
  const { context, page } = await newPhone('http');
  try {
    await openApp(page, `${base}?backend=http`);
    const tLoaded = performance.now();
    const profile = (await pool.query('SELECT display_name FROM patients WHERE id = $1', [DEMO_PATIENT_ID])).rows[0];
    assert.equal(await page.textContent('#patient-name'), profile.display_name, 'the profile comes from the server');
    assert.equal(await page.textContent('#community-name'), '甲状腺术后康复群（演示）');
    const before_ = await checkInScreen(page);
    assert.equal(before_.clock, '服务器时间', 'now() is the server clock');
    assert.equal(before_.label, '打卡');

    // 设置: refuse one purpose, grant another. Then the check-in still works.
    await openSettings(page);
    assert.equal(await page.getAttribute('#settings-link', 'aria-current'), 'page');
    const initial = await readConsents(page);
    assert.deepEqual(
      Object.keys(initial),
      ['community', 'rehabData', 'stories', 'shareProgressWithReferrer', 'referralPrompts'],
      'one switch per purpose, each separate',
    );
    for (const purpose of ['community', 'rehabData', 'stories', 'shareProgressWithReferrer']) {
      assert.deepEqual(initial[purpose], { checked: false, state: '未同意' }, `${purpose}: never answered is not given`);
    }
    assert.equal(initial.referralPrompts.checked, true, 'prompts on until the patient opts out');
    // Withdrawn, then given again: the server stores check-ins only with the
    // consent (G9; what a withdrawal does is tested in guards_backend and
    // guards-settings), and this flow goes on to read them back.
    await setSwitch(page, 'rehabData', true);
    await setSwitch(page, 'rehabData', false);
    await setSwitch(page, 'rehabData', true);
    await setSwitch(page, 'stories', true);
    await setSwitch(page, 'referralPrompts', false);
    const answered = await readConsents(page);
    assert.match(answered.rehabData.state, /^已同意/);
    assert.match(answered.stories.state, /^已同意/);
    assert.match(answered.referralPrompts.state, /您已关闭推荐提醒/, 'the core’s verdict on prompts, verbatim');
    const stored = async () =>
      (await pool.query('SELECT purpose, granted FROM consents WHERE patient_id = $1 ORDER BY purpose', [DEMO_PATIENT_ID])).rows;
    await until(async () => (await stored()).length === 3, 'the consents on the server');
    assert.deepEqual(await stored(), [
      { purpose: 'referralPrompts', granted: false },
      { purpose: 'rehabData', granted: true },
      { purpose: 'stories', granted: true },
    ]);

    // 打卡, stored on the server.
    await showTab(page, 'checkin');
    await tapCheckIn(page);
    const afterTap = await checkInScreen(page);
    assert.equal(afterTap.total, before_.total + 1, 'today counts');
    const mine = () =>
      pool.query("SELECT id, kind FROM check_ins WHERE patient_id = $1 AND id NOT LIKE 'demo-seed-%'", [DEMO_PATIENT_ID]);
    await until(async () => (await mine()).rowCount === 1, 'the check-in on the server');

    // Reload: the server's data, not the page's memory.
    await openApp(page, `${base}?backend=http`);
    const reloaded = await checkInScreen(page);
    assert.deepEqual(reloaded, afterTap, 'the same screen after a reload');
    assert.equal((await mine()).rowCount, 1, 'stored exactly once');
    await openSettings(page);
    const again = await readConsents(page);
    assert.equal(again.stories.checked, true);
    assert.equal(again.rehabData.checked, true);
    assert.match(again.rehabData.state, /^已同意/);
    assert.equal(again.referralPrompts.checked, false, 'the opt-out stays until turned back on');
    await setSwitch(page, 'referralPrompts', true);
    await until(
      async () => (await pool.query("SELECT granted FROM consents WHERE patient_id = $1 AND purpose = 'referralPrompts'", [DEMO_PATIENT_ID])).rows[0].granted,
      'prompts turned back on',
    );

    // 券包: every reward the server issued is in the wallet: a voucher, or an earned medal.
    const wallet = await walletScreen(page);
    assert.equal(wallet.error, false);
    const issued = await pool.query('SELECT grant_key, campaign_id FROM issued_rewards WHERE patient_id = $1 ORDER BY grant_key', [
      DEMO_PATIENT_ID,
    ]);
    assert.ok(issued.rowCount > 0, 'the server issued rewards (seeded, and what the wallet asked for)');
    assert.ok(wallet.keys.length > 0 && wallet.medals.length > 0);
    for (const { grant_key: key } of issued.rows) {
      const medal = wallet.medals.some((m) => key.startsWith(`${m}:`));
      assert.ok(wallet.keys.includes(key) || medal, `${key} is in the wallet`);
    }

    // 推荐: the server's tree, names masked by the core.
    const referral = await referralScreen(page);
    assert.deepEqual(referral.counts, [5, 2, 1]);
    assert.equal(referral.names.length, 5);
    const full = await pool.query("SELECT name FROM patients WHERE name <> '' AND id <> $1", [DEMO_PATIENT_ID]);
    for (const { name } of full.rows) assert.ok(!referral.text.includes(name), `the full name ${name} is never shown`);
    assert.ok(referral.names.every((n) => n.includes('*')), `masked: ${referral.names}`);
    await page.tap('#ref-mode-list');
    await page.waitForSelector('#ref-list:not([hidden])');

    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'no web storage (G19)');
    assert.ok(!page.url().includes(DEMO_PATIENT_ID), 'nothing personal in the URL');
    timings.push(`http flow: app ready in ${Math.round(tLoaded - t0)} ms, whole flow ${Math.round(performance.now() - t0)} ms`);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
});

// ------------------------------------------------------------ 2. G7 across two patients

test('G7: a friend’s detailed stage shows only while the friend consents', { timeout: TEST_TIMEOUT }, async () => {
  const { rows } = await pool.query('SELECT referral_code FROM patients WHERE id = $1', [DEMO_PATIENT_ID]);
  const friend = (await api('POST', '/demo/sessions', { body: { as: 'newPatient' } })).body;
  const claim = await api('POST', '/referrals', { token: friend.token, key: `claim-${friend.patientId}`, body: { code: rows[0].referral_code, channel: 'code' } });
  assert.equal(claim.status, 200, JSON.stringify(claim.body));
  const staff = (await api('POST', '/demo/sessions', { body: { as: 'staff' } })).body;
  for (const event of ['registrationConfirmed', 'arrivalConfirmed']) {
    const r = await api('POST', '/staff/referral-events', { token: staff.token, key: `${event}-${claim.body.referralId}`, body: { referralId: claim.body.referralId, event } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }

  const { context, page } = await newPhone('g7');
  try {
    await openApp(page, `${base}?backend=http`);
    const coarse = await referralScreen(page);
    assert.deepEqual(coarse.counts, [6, 2, 1], 'the new friend is a direct referral');

    // The friend grants "share my progress": PUT /me/consents with a key; a replay stores nothing twice.
    const key = `consent-${friend.patientId}-1`;
    const body = { purpose: 'shareProgressWithReferrer', granted: true };
    const put = await api('PUT', '/me/consents', { token: friend.token, key, body });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual({ ...put.body.consent, updatedAtMs: 0 }, { ...body, updatedAtMs: 0 });
    const replay = await api('PUT', '/me/consents', { token: friend.token, key, body });
    assert.equal(replay.body.replayed, true);
    assert.deepEqual(replay.body.consent, put.body.consent);
    const noKey = await api('PUT', '/me/consents', { token: friend.token, body });
    assert.equal(noKey.body.error.code, 'request.missing_idempotency_key');
    const bad = await api('PUT', '/me/consents', { token: friend.token, key: `consent-${friend.patientId}-x`, body: { purpose: 'diagnosis', granted: true } });
    assert.equal(bad.status, 400);
    assert.deepEqual((await api('GET', '/me/consents', { token: friend.token })).body.consents.map((c) => [c.purpose, c.granted]), [
      ['shareProgressWithReferrer', true],
    ]);

    await showTab(page, 'checkin');
    const detailed = await referralScreen(page);
    assert.equal(detailed.privateRows, coarse.privateRows - 1, 'one friend less behind the coarse stage');
    assert.equal(detailed.arrivedRows, coarse.arrivedRows + 1, 'the friend’s arrival is shown');

    const withdraw = await api('PUT', '/me/consents', { token: friend.token, key: `consent-${friend.patientId}-2`, body: { ...body, granted: false } });
    assert.equal(withdraw.status, 200);
    await showTab(page, 'checkin');
    const withdrawn = await referralScreen(page);
    assert.equal(withdrawn.privateRows, coarse.privateRows, 'withdrawn: coarse again');
    assert.equal(withdrawn.arrivedRows, coarse.arrivedRows);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
});

// ------------------------------------------------------------ 3. the server goes away after load

test('the server goes away after load: the outbox keeps the check-in and the consent, then syncs', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page } = await newPhone('outage');
  // This phone signs in as a new patient (today still open), not the seeded
  // one: the app's demo login gets that patient's session, the same after a reload.
  let session = null;
  await context.route('**/api/v1/demo/sessions', async (route) => {
    if (!session) {
      const response = await route.fetch({ postData: JSON.stringify({ as: 'newPatient', communityMember: true }) });
      session = await response.json();
    }
    await route.fulfill({ status: 200, json: session });
  });
  try {
    await openApp(page, `${base}?backend=http`);
    const { patientId } = session;
    // Every screen once online (the HTTP backend keeps the last good reads in memory).
    await walletScreen(page);
    await referralScreen(page);
    await openSettings(page);
    await showTab(page, 'checkin');
    assert.equal((await checkInScreen(page)).label, '打卡');

    await backend?.stop();
    const tDown = performance.now();
    await tapCheckIn(page);
    await waitForToast(page, /离线，已保存在本机/);
    await page.screenshot({ path: join(SHOTS, 'screen-offline-toast.png'), animations: 'disabled' });

    await openSettings(page);
    await setSwitch(page, 'stories', true);
    assert.equal((await readConsents(page)).stories.state, '已同意 · 待同步');
    const pendingText = await page.textContent('.set-pending');
    const pending = Number(/有 (\d+) 条记录等待同步/.exec(pendingText)?.[1]);
    assert.ok(pending >= 2, `the check-in and the consent wait in the outbox (${pendingText})`);

    // Logout warns that unsynced records would be lost; cancel.
    await page.tap('#logout-btn');
    await page.waitForSelector('#sheet:not([hidden])');
    assert.match(await page.textContent('#sheet-title'), /还没同步/);
    assert.match(await page.textContent('#sheet-body'), new RegExp(`还有 ${pending} 条记录没有同步`));
    await page.tap('#sheet-cancel');
    await page.waitForSelector('#sheet', { state: 'hidden' });

    // The other tabs still work from what was read before.
    assert.equal((await walletScreen(page)).error, false);
    assert.equal(await page.isVisible('#ref-error'), false);
    await referralScreen(page);
    assert.equal(await page.isVisible('#ref-error'), false);
    assert.equal(await page.isVisible('#load-error'), false);
    await showTab(page, 'checkin');

    const rows = async () => ({
      checkIns: (await pool.query('SELECT count(*)::int AS n FROM check_ins WHERE patient_id = $1', [patientId])).rows[0].n,
      consents: (await pool.query('SELECT purpose, granted FROM consents WHERE patient_id = $1', [patientId])).rows,
    });
    assert.deepEqual(await rows(), { checkIns: 0, consents: [] }, 'nothing reached the server while it was gone');

    // The server comes back: the outbox delivers on its next retry.
    await backend.start();
    const tUp = performance.now();
    await until(async () => {
      const r = await rows();
      return r.checkIns === 1 && r.consents.length === 1;
    }, 'the outbox to deliver', 90_000);
    const tSynced = performance.now();
    assert.deepEqual((await rows()).consents, [{ purpose: 'stories', granted: true }]);
    await waitForToast(page, /已联网，离线时的记录已同步/);
    await openSettings(page);
    assert.equal(await page.textContent('.set-pending'), '所有记录都已同步到服务器');

    await openApp(page, `${base}?backend=http`);
    assert.equal((await checkInScreen(page)).label, '今日已打卡', 'the server has today’s check-in');
    await openSettings(page);
    assert.deepEqual((await readConsents(page)).stories, { checked: true, state: '已同意' });
    assert.equal((await rows()).checkIns, 1, 'delivered exactly once');
    timings.push(`outage: server down ${Math.round(tUp - tDown)} ms, synced ${Math.round(tSynced - tUp)} ms after it came back`);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
});

// ------------------------------------------------------------ 4. the same flow on the offline demo

test('the offline demo: consents, check-in, reload, 券包, 推荐, logout', { timeout: TEST_TIMEOUT }, async () => {
  const t0 = performance.now();
  const { context, page } = await newPhone('demo');
  try {
    await openApp(page, base);
    const before_ = await checkInScreen(page);
    assert.equal(before_.clock, '本机时间');
    assert.equal(before_.label, '打卡');

    await openSettings(page);
    await setSwitch(page, 'rehabData', true);
    await setSwitch(page, 'rehabData', false);
    await setSwitch(page, 'stories', true);
    await setSwitch(page, 'shareProgressWithReferrer', true);
    assert.equal(await page.isVisible('.set-pending'), false, 'the offline demo has no outbox');

    await showTab(page, 'checkin');
    await tapCheckIn(page);
    const afterTap = await checkInScreen(page);
    assert.equal(afterTap.total, before_.total + 1);

    await openApp(page, base);
    assert.deepEqual(await checkInScreen(page), afterTap, 'IndexedDB kept the check-in');
    await openSettings(page);
    const consents = await readConsents(page);
    assert.deepEqual(
      Object.fromEntries(Object.entries(consents).map(([k, v]) => [k, v.checked])),
      { community: false, rehabData: false, stories: true, shareProgressWithReferrer: true, referralPrompts: true },
    );
    assert.equal(consents.rehabData.state, '已撤回');
    assert.equal(consents.community.state, '未同意');

    const wallet = await walletScreen(page);
    assert.ok(wallet.keys.length > 0, 'the demo wallet');
    const referral = await referralScreen(page);
    assert.ok(referral.counts[0] > 0, 'the demo tree');
    assert.ok(referral.names.every((n) => n.includes('*')));
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'no web storage (G19)');

    // Logout: confirmation, then IndexedDB is wiped and the app starts over at 打卡.
    await openSettings(page);
    await page.tap('#logout-btn');
    await page.waitForSelector('#sheet:not([hidden])');
    assert.equal(await page.textContent('#sheet-title'), '退出登录并清除本机数据？');
    await Promise.all([page.waitForEvent('load'), page.tap('#sheet-confirm')]);
    await page.waitForSelector('body[data-ready="true"]');
    assert.equal(new URL(page.url()).hash, '', 'back at the start');
    assert.equal((await checkInScreen(page)).label, '打卡', 'today’s check-in is gone with the device data');
    await openSettings(page);
    const wiped = await readConsents(page);
    assert.ok(['community', 'rehabData', 'stories', 'shareProgressWithReferrer'].every((p) => wiped[p].state === '未同意'));
    timings.push(`offline demo flow ${Math.round(performance.now() - t0)} ms`);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, []);
});
