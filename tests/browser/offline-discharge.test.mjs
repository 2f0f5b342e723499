// The offline demo's nurse records the demo patient's admission and discharge
// on the workbench's 出院感恩卡 screen (1366×768) and hands over the
// thank-you card for that recorded discharge, as on the reference backend:
//   - today has no recorded discharge yet (the demo's synthetic one was three
//     days ago): a card for today is refused in words, nothing issued;
//   - 入院 then 出院 are recorded (clinical moments); the card for today is
//     then issued from the recorded discharge and listed 未使用;
//   - a second card for the same discharge is refused in words;
//   - a moment dated more than 7 days back is refused, nothing recorded.
// The patient's 海报 (感恩卡 template) then shows the new card.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { launchPhone, REPO, signInStaff } from './harness.mjs';
import { startServer } from '../../scripts/serve.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 40_000;
const DAY_MS = 86_400_000;
// 2026-12-07 10:00 in Beijing: the demo's clock, fixed.
const NOW = Date.parse('2026-12-07T10:00:00+08:00');

let demo;
const problems = [];

before(async () => {
  demo = await launchPhone({ startServer, chromium, now: NOW, stepTimeout: STEP_TIMEOUT, contextOptions: { serviceWorkers: 'block', viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 } });
  demo.page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  demo.page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(`console: ${msg.text()}`);
  });
});
after(async () => {
  await demo?.close();
});

/** The nurse's 出院感恩卡 screen with the patient looked up. */
async function openDischarge(page, patientId) {
  await page.evaluate(() => {
    location.hash = '#staff/discharge';
  });
  await page.waitForSelector('#staff-discharge:not([hidden])[data-state="ready"]');
  await page.fill('#discharge-patient', patientId);
  await page.click('#discharge-find button[type="submit"]');
  await page.waitForSelector('#discharge-view:not([hidden])');
  await page.waitForSelector('#staff-discharge[data-state="ready"]');
}

async function result(page, click) {
  await page.evaluate(() => delete document.getElementById('discharge-result').dataset.state);
  await page.click(click);
  await page.waitForSelector('#discharge-result[data-state]');
  return { state: await page.getAttribute('#discharge-result', 'data-state'), text: await page.textContent('#discharge-result') };
}

/** A datetime-local value in Beijing time (the context's zone). */
const local = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 16);

test('offline: the nurse records the demo patient\'s admission and discharge and issues the card from it', { timeout: 180_000 }, async () => {
  const { page, server } = demo;
  await page.goto(`${server.url}#staff`, { waitUntil: 'load' });
  await signInStaff(page, 'nurse');
  const patientId = await page.evaluate(async () => (await (await import('/backend/offline.js')).createOfflineBackend().getProfile()).patientId);
  await openDischarge(page, patientId);
  const seeded = Number(await page.getAttribute('#staff-discharge', 'data-cards'));
  assert.equal(seeded, 1, 'the synthetic history: the card of the discharge three days ago');

  // Today: no discharge recorded yet → refused in words, nothing issued.
  await page.fill('#discharge-at', local(NOW));
  const early = await result(page, '#discharge-submit');
  assert.equal(early.state, 'error');
  assert.match(early.text, /这一天没有这位患者的出院记录/);
  assert.equal(Number(await page.getAttribute('#staff-discharge', 'data-cards')), seeded, 'nothing issued');

  // 入院 this morning, 出院 an hour ago, as the hospital records them.
  await page.selectOption('#discharge-kind', 'admission');
  await page.fill('#discharge-moment-at', local(NOW - 2 * 3_600_000));
  const admitted = await result(page, '#discharge-record-submit');
  assert.equal(admitted.state, 'ok', admitted.text);
  assert.match(admitted.text, /^已登记入院：/);
  await page.selectOption('#discharge-kind', 'discharge');
  await page.fill('#discharge-moment-at', local(NOW - 3_600_000));
  const discharged = await result(page, '#discharge-record-submit');
  assert.equal(discharged.state, 'ok', discharged.text);
  assert.match(discharged.text, /^已登记出院：.*现在可以为这次出院发放感恩卡/);
  assert.equal(await page.inputValue('#discharge-at'), local(NOW - 3_600_000), 'the card form takes the recorded discharge');

  // The card for the recorded discharge.
  const issued = await result(page, '#discharge-submit');
  assert.equal(issued.state, 'ok', issued.text);
  const token = await page.getAttribute('#discharge-result', 'data-token');
  assert.match(token ?? '', /^D[0-9A-HJKMNP-TV-Z]{16}$/, `the card's token: ${token}`);
  await page.waitForSelector(`#discharge-table tr[data-token="${token}"]`);
  assert.equal(Number(await page.getAttribute('#staff-discharge', 'data-cards')), seeded + 1);
  assert.equal(await page.textContent(`#discharge-table tr[data-token="${token}"] td:last-child`), '未使用');
  await page.waitForSelector('#toast', { state: 'hidden' });
  await page.screenshot({ path: join(SHOTS, 'offline-discharge-recorded.png'), animations: 'disabled' });

  // One card per discharge.
  const again = await result(page, '#discharge-submit');
  assert.equal(again.state, 'error');
  assert.equal(again.text, '这次出院已经发过感恩卡了，每次出院只发一张');
  assert.equal(Number(await page.getAttribute('#staff-discharge', 'data-cards')), seeded + 1, 'one card per discharge');

  // A moment more than 7 days back is refused; nothing recorded.
  await page.fill('#discharge-moment-at', local(NOW - 8 * DAY_MS));
  const old = await result(page, '#discharge-record-submit');
  assert.equal(old.state, 'error');
  assert.equal(old.text, '这个时间不能登记：只能登记7天之内的，或90天之内计划的入院、出院');
  const recorded = await page.evaluate(async () => (await (await import('/backend/offline.js')).createOfflineBackend().getPromptHistory()).clinicalMoments);
  assert.deepEqual(recorded, [{ kind: 'admission', atMs: NOW - 2 * 3_600_000 }, { kind: 'discharge', atMs: NOW - 3_600_000 }], 'only the two moments in range');

  // The patient's side, on a phone: the 海报's 感恩卡 template shows the new card (the newest unused one).
  const patient = await demo.context.newPage();
  patient.setDefaultTimeout(STEP_TIMEOUT);
  patient.on('pageerror', (err) => problems.push(`patient pageerror: ${err.message}`));
  await patient.setViewportSize({ width: 375, height: 667 });
  await patient.goto(`${server.url}#checkin`, { waitUntil: 'load' });
  await patient.waitForSelector('#view-checkin:not([hidden])');
  await patient.evaluate(() => {
    location.hash = '#poster/thankYouCard';
  });
  await patient.waitForFunction(() => {
    const view = document.getElementById('view-poster');
    return view && view.dataset.template === 'thankYouCard' && view.dataset.state === 'ready';
  }, null, { timeout: 2 * STEP_TIMEOUT });
  assert.equal(await patient.getAttribute('#view-poster', 'data-card'), token, 'the 海报 shows the card just issued');
  assert.match(await patient.textContent('#poster-editor-note'), new RegExp(`卡号 ${token.slice(0, 4)}-`));
  await patient.locator('.poster-preview').scrollIntoViewIfNeeded();
  await patient.screenshot({ path: join(SHOTS, 'offline-discharge-poster.png'), animations: 'disabled' });
  await patient.close();
  assert.deepEqual(problems, [], 'no console error or page error');
});
