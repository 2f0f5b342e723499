// Redeeming at the counter, on both backends (harness.mjs twoBackendSuite):
//   the patient taps a usable coupon → the sheet shows its value, rules,
//   validity, place and a counter code (QR + code to read aloud) → staff,
//   signed in as 护士 on the workbench's 到店核销 screen, type the code and
//   redeem it → the patient's open sheet says 已使用 and the wallet shows the
//   coupon as used, without a reload; the same code again and an unknown
//   code are refused on the staff screen, nothing redeemed twice.
// The staff screen is the desktop console (1366×768): the code is redeemed
// by scanning a photo of the sheet's QR (zxing-wasm's reader), and the
// redemption appears in the day's list and in its CSV export.
// Over HTTP patient and staff are separate browser contexts; the offline
// demo has no server, so its staff page is a second page of the same browser.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import QRCode from 'qrcode';

import { chromium } from 'playwright-core';

import { PHONE, recordCspViolations, REPO, signInStaff, twoBackendSuite } from './harness.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 30_000;
const TEST_TIMEOUT = 180_000;
const CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };

const suite = twoBackendSuite({ chromium, shots: SHOTS });
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

async function walletCoupons(page) {
  await page.evaluate(() => delete document.body.dataset.wallet);
  await page.tap('.tabbar a[data-tab="wallet"]');
  await page.waitForSelector('body[data-wallet="ready"]');
  return page.evaluate(() => [...document.querySelectorAll('#wallet-groups .coupon')].map((n) => ({ key: n.dataset.key, status: n.dataset.status })));
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

const backends = [
  { name: 'offline', url: () => suite.stack.staticServer.url },
  { name: 'http', url: () => `${suite.stack.base}?backend=http` },
];

for (const backend of backends) {
  test(`${backend.name}: a coupon's counter code is redeemed once at the counter; the wallet says 已使用 without a reload`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const patientContext = await newContext();
    const contexts = [patientContext];
    try {
      const patient = await watchedPage(patientContext, `${backend.name} patient`);
      await openApp(patient, backend.url());
      if (backend.name === 'http') {
        // The server issues on its sweep or with a check-in, never because a
        // client asks: the patient checks in today and the server issues
        // what the seeded history left due.
        await patient.tap('#checkin-btn');
        await patient.waitForFunction(() => document.getElementById('checkin-label').textContent === '今日已打卡');
        if (await patient.isVisible('#reward-moment-close')) await patient.tap('#reward-moment-close');
      }
      const coupons = await walletCoupons(patient);
      const usable = coupons.find((c) => c.status === 'available');
      assert.ok(usable, `a usable coupon in the wallet: ${JSON.stringify(coupons)}`);
      await patient.tap(`#wallet-groups .coupon[data-key="${usable.key}"] .coupon__ticket`);
      await patient.waitForSelector('#coupon-sheet[data-status="issued"]');
      const sheet = await patient.evaluate(() => ({
        title: document.getElementById('coupon-sheet-title').textContent,
        code: document.getElementById('coupon-sheet-code').dataset.code,
        shown: document.getElementById('coupon-sheet-code').textContent,
        place: document.getElementById('coupon-sheet-place').textContent,
        rules: document.getElementById('coupon-sheet-rules').textContent,
        validity: document.getElementById('coupon-sheet-validity')?.textContent ?? '',
        qr: document.getElementById('coupon-sheet-qr').width,
      }));
      assert.match(sheet.code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
      assert.equal(sheet.shown.replace('-', ''), sheet.code, 'the code to read aloud');
      assert.match(sheet.place, /康复示范医院（演示）/);
      assert.ok(sheet.rules.length > 10, `the campaign's rules: ${sheet.rules}`);
      assert.ok(sheet.validity.length > 0, 'validity worded by the core');
      assert.ok(sheet.qr > 0, 'a QR is drawn');
      await patient.screenshot({ path: join(SHOTS, `loops-${backend.name}-coupon-sheet.png`), animations: 'disabled' });

      let staff;
      if (backend.name === 'http') {
        const staffContext = await newContext();
        contexts.push(staffContext);
        staff = await watchedPage(staffContext, 'http staff');
      } else {
        staff = await watchedPage(patientContext, 'offline staff');
      }
      await staff.setViewportSize({ width: 1366, height: 768 });
      await openApp(staff, `${backend.url()}#staff`);
      await signInStaff(staff, 'nurse');
      await staff.evaluate(() => {
        location.hash = '#staff/counter';
      });
      await staff.waitForSelector('#staff-counter:not([hidden]) #counter-form');
      const unknown = await redeemAtCounter(staff, 'ZZZZ-ZZZZ');
      assert.equal(unknown.state, 'error');
      assert.match(unknown.text, /没有找到这个核销码/);
      // A photo of the sheet's QR, decoded on the staff page.
      await staff.evaluate(() => {
        const r = document.getElementById('counter-result');
        r.hidden = true;
        delete r.dataset.state;
      });
      const photo = await QRCode.toBuffer(`CCV1:${sheet.code}`, { margin: 4, scale: 8 });
      await staff.setInputFiles('#counter-photo', { name: '券码.png', mimeType: 'image/png', buffer: photo });
      await staff.waitForSelector('#counter-result:not([hidden])[data-state]');
      const done = await staff.evaluate(() => ({ state: document.getElementById('counter-result').dataset.state, text: document.getElementById('counter-result').textContent }));
      assert.equal(done.state, 'ok', done.text);
      assert.match(done.text, /已核销/);
      const title = done.text.replace(/^已核销：/, '');
      await staff.waitForFunction((t) => [...document.querySelectorAll('#counter-day-table tbody td')].some((td) => td.textContent === t), title);
      await staff.screenshot({ path: join(SHOTS, `loops-${backend.name}-counter-staff.png`), animations: 'disabled' });
      const [download] = await Promise.all([staff.waitForEvent('download'), staff.click('#counter-day-export')]);
      assert.match(download.suggestedFilename(), /^核销记录-\d{4}-\d{2}-\d{2}\.csv$/);
      const csv = await readFile(await download.path(), 'utf8');
      assert.ok(csv.startsWith('\uFEFF核销时间,券,'), 'a header Excel reads (UTF-8 with BOM)');
      assert.ok(csv.split('\r\n').some((line) => line.includes(`,${title},`)), `the redemption is in the export: ${csv.slice(0, 300)}`);

      // The patient's sheet learns it by itself (poll), then the wallet shows it.
      await patient.waitForSelector('#coupon-sheet[data-status="used"] #coupon-sheet-used:not([hidden])', { timeout: 15_000 });
      await patient.screenshot({ path: join(SHOTS, `loops-${backend.name}-coupon-used.png`), animations: 'disabled' });
      await patient.tap('#coupon-sheet-close');
      await patient.waitForFunction((key) => document.querySelector(`#wallet-groups .coupon[data-key="${key}"]`)?.dataset.status === 'used', usable.key);

      const twice = await redeemAtCounter(staff, sheet.code);
      assert.equal(twice.state, 'error', 'a second redemption is refused');
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      for (const context of contexts) await context.close().catch(() => {});
    }
  });
}
