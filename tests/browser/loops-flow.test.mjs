// The referral loop end to end on the reference backend, with two separate
// browser profiles (patient A, friend B) and the server's clock moved
// forward by the test (the backend runs in this process: advanceClock):
//   A opens the app and takes their join link (推荐 → 我的推荐码) and closes
//   it → B opens the link in their own profile, registers with the progress
//   consent → staff record B's registration, arrival and conversion → the
//   server clock moves 90 days → A's reward vests without A opening the app
//   (the server's hourly issuance, run on demand here: the schedule's own
//   tick) → A opens the app: 消息 shows each step (B masked) and the reward;
//   the wallet holds the voucher → A shows the counter code → staff type it
//   on 到店核销 and redeem → A's sheet and wallet show 已使用 without a
//   reload; a second redemption and a code from two minutes earlier are
//   refused.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { CHROMIUM, FLAGS, PHONE, recordCspViolations, REPO, requireBuilt, SHELL, signInStaff } from './harness.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 30_000;
const TEST_TIMEOUT = 240_000;
const DAY_MS = 86_400_000;
const CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };

let postgres;
let backend;
let browser;
const problems = [];
const newKey = () => `k-${randomUUID()}`;

before(async () => {
  requireBuilt();
  mkdirSync(SHOTS, { recursive: true });
  postgres = await startPostgres();
  process.env.CARECIRCLE_WEB = SHELL;
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, demo: true, web: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
});

after(async () => {
  await browser?.close().catch(() => {});
  await backend?.close();
  if (postgres) {
    const { dir } = postgres;
    await postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
    assert.deepEqual(processesMentioning(dir), [], 'no process of the private PostgreSQL is left');
  }
});

async function newContext() {
  const context = await browser.newContext(CONTEXT);
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

async function redeemAtCounter(staff, code) {
  await staff.fill('#counter-code', code);
  await staff.evaluate(() => {
    const r = document.getElementById('counter-result');
    r.hidden = true;
    delete r.dataset.state;
  });
  await staff.tap('#counter-submit');
  await staff.waitForSelector('#counter-result:not([hidden])[data-state]');
  return staff.evaluate(() => ({ state: document.getElementById('counter-result').dataset.state, text: document.getElementById('counter-result').textContent }));
}

async function openSheet(page, key) {
  await page.tap(`#wallet-groups .coupon[data-key="${key}"] .coupon__ticket`);
  await page.waitForSelector('#coupon-sheet[data-status="issued"]');
  return page.evaluate(() => document.getElementById('coupon-sheet-code').dataset.code);
}

test('A refers B; the hospital records the steps; 90 days later A\'s reward is issued without A, A\'s inbox shows each step, the voucher is redeemed once', { timeout: TEST_TIMEOUT }, async () => {
  const url = `${backend.url}?backend=http`;
  const api = apiClient(backend.apiUrl);
  const contexts = [];
  try {
    // A takes their join link, then closes the app.
    const aContext = await newContext();
    contexts.push(aContext);
    let a = await watchedPage(aContext, 'A');
    await openApp(a, url);
    await a.tap('.tabbar a[data-tab="referral"]');
    await a.waitForSelector('#my-code-card:not([hidden])');
    const link = await a.getAttribute('#my-code-link', 'href');
    assert.ok(new URL(link).searchParams.get('c'), `a join link with the code: ${link}`);
    await a.close();

    // B, in their own profile, opens the link and registers with the consent.
    const bContext = await newContext();
    contexts.push(bContext);
    const b = await watchedPage(bContext, 'B');
    await openApp(b, link);
    await b.waitForSelector('#view-join[data-lookup="done"]');
    await b.tap('#join-consent');
    await b.tap('#join-submit');
    await b.waitForSelector('body[data-join="done"]');
    const referralId = await b.getAttribute('#view-join', 'data-referral-id');
    const { rows } = await backend.pool.query('SELECT p.name FROM referrals r JOIN patients p ON p.id = r.referee_id WHERE r.id = $1 AND r.referrer_id = $2', [referralId, DEMO_PATIENT_ID]);
    assert.equal(rows.length, 1, 'B is A\'s friend on the server');
    const bName = rows[0].name;

    // The hospital's desk records the steps.
    const nurse = (await api('POST', '/demo/sessions', { body: { as: 'staff', role: 'nurse' } })).body;
    for (const event of ['registrationConfirmed', 'arrivalConfirmed', 'conversionConfirmed']) {
      const r = await api('POST', '/staff/referral-events', { token: nurse.token, key: newKey(), body: { referralId, event } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
    const grantKey = `fission-exam:${referralId}:referrer:exam-100`;
    const issued = async () => (await backend.pool.query('SELECT status FROM issued_rewards WHERE patient_id = $1 AND grant_key = $2', [DEMO_PATIENT_ID, grantKey])).rows[0]?.status;
    assert.equal(await issued(), undefined, 'in the 90-day hold');

    // 90 days on, nobody opens anything: the server's schedule issues the reward.
    backend.advanceClock(90 * DAY_MS + 60_000);
    await backend.jobs.runNow('referral-issuance-sweep');
    assert.equal(await issued(), 'issued', 'issued by the server, not by A\'s client');

    // A opens the app again: 消息 shows each step and the reward.
    a = await watchedPage(aContext, 'A again');
    await openApp(a, url);
    await a.tap('#inbox-link');
    await a.waitForSelector('#view-inbox:not([hidden]) .inbox-item');
    const texts = await a.evaluate(() => [...document.querySelectorAll('#view-inbox .inbox-item__text')].map((p) => p.textContent));
    const masked = `${bName[0]}\\*(?:${bName.slice(-1)})?`;
    for (const step of [`您的朋友${masked}已建档，欢迎TA的加入`, `您的朋友${masked}已到院，感谢您的信任`, `您的朋友${masked}已完成就诊`, '您的100元体检券已到账']) {
      assert.ok(texts.some((t) => new RegExp(`^${step}$`).test(t)), `${step} in 消息:\n${texts.join('\n')}`);
    }
    assert.ok(texts.every((t) => !t.includes(bName)), 'B never by full name');
    await a.screenshot({ path: join(SHOTS, 'loops-flow-inbox.png'), fullPage: true, animations: 'disabled' });

    // The wallet holds the voucher; its counter code, then a fresh one two minutes later.
    await a.evaluate(() => delete document.body.dataset.wallet);
    await a.tap('.tabbar a[data-tab="wallet"]');
    await a.waitForSelector('body[data-wallet="ready"]');
    await a.waitForSelector(`#wallet-groups .coupon[data-key="${grantKey}"][data-status="available"]`);
    const oldCode = await openSheet(a, grantKey);
    await a.tap('#coupon-sheet-close');
    backend.advanceClock(2 * 60_000);
    const code = await openSheet(a, grantKey);
    assert.notEqual(code, oldCode, 'a new code after two minutes');
    await a.screenshot({ path: join(SHOTS, 'loops-flow-counter-code.png'), animations: 'disabled' });

    // Staff at the counter (their own profile, the desktop console).
    const staffContext = await newContext();
    contexts.push(staffContext);
    const staff = await watchedPage(staffContext, 'staff');
    await staff.setViewportSize({ width: 1366, height: 768 });
    await openApp(staff, `${url}#staff`);
    await signInStaff(staff, 'nurse');
    await staff.evaluate(() => {
      location.hash = '#staff/counter';
    });
    await staff.waitForSelector('#staff-counter:not([hidden]) #counter-form');
    const stale = await redeemAtCounter(staff, oldCode);
    assert.equal(stale.state, 'error', 'the code from two minutes earlier is refused');
    const done = await redeemAtCounter(staff, code);
    assert.equal(done.state, 'ok', done.text);
    assert.equal(await issued(), 'used');
    const twice = await redeemAtCounter(staff, code);
    assert.equal(twice.state, 'error', 'a second redemption is refused');

    // A's open sheet learns it by itself, then the wallet shows it.
    await a.waitForSelector('#coupon-sheet[data-status="used"] #coupon-sheet-used:not([hidden])', { timeout: 20_000 });
    await a.tap('#coupon-sheet-close');
    await a.waitForFunction((key) => document.querySelector(`#wallet-groups .coupon[data-key="${key}"]`)?.dataset.status === 'used', grantKey);
    await a.screenshot({ path: join(SHOTS, 'loops-flow-used.png'), fullPage: true, animations: 'disabled' });
    assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
  }
});
