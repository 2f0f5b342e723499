// Browser test of the offline demo in real headless Chromium (playwright-core).
//
// Starts scripts/serve.mjs in-process on a free port, opens the demo in a
// fresh profile as a 375×667 @2x touch phone in Asia/Shanghai, and checks:
//   1. the demo loads and shows exactly what the core computes for the stored
//      inputs (numbers, status, progress, calendar cells, rewards);
//   2. tapping 打卡 adds today, the button turns into 今日已打卡, and the state
//      survives a reload (IndexedDB);
//   3. a missed day the core offers for 补签 can be made up from the calendar;
//   4. 清除本机数据 wipes IndexedDB (and no web storage is used at all);
//   5. the service worker takes over and the demo reloads with the server gone;
//   6. no console error, page error, failed request or CSP violation anywhere.
// Screenshots: test-output/screenshots/streak-home.png, streak-after-checkin.png.
//
// Needs build/wasm/core.{mjs,wasm} (npm run build); fails clearly without it.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, demoFetchCancelled, FLAGS, PHONE } from './harness.mjs';

import { startServer } from '../../scripts/serve.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 20_000;
const TEST_TIMEOUT = 45_000;

let server;
let context;
let page;
let profileDir;
const problems = []; // console errors, page errors, failed requests, CSP violations
let loaded = false; // set once the first test saw the demo render

function requireLoadedDemo() {
  assert.ok(loaded, 'the demo did not load (see the first test)');
}

before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(REPO, 'build', 'wasm', file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ port: 0 });
  profileDir = mkdtempSync(join(tmpdir(), 'carecircle-chrome-'));
  context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    ...PHONE,
    serviceWorkers: 'allow',
  });
  // Record CSP violations in the page itself (they also log console errors).
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    if (!demoFetchCancelled(req)) problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
});

after(async () => {
  await context?.close().catch(() => {});
  if (server && !server.closed) await server.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

// Opens the demo and waits until it is rendered; fails fast (with the error
// screen's text) when loading fails.
async function openDemo() {
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])', { timeout: STEP_TIMEOUT });
  if (await page.isVisible('#load-error')) {
    assert.fail(`the demo shows its error screen: ${await page.textContent('#load-error-detail')}\n${problems.join('\n')}`);
  }
}

async function readScreen() {
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent;
    return {
      current: Number(text('stat-current')),
      longest: Number(text('stat-longest')),
      total: Number(text('stat-total')),
      statusText: text('status-text'),
      progressText: document.getElementById('progress-card').hidden ? null : text('progress-text'),
      checkInLabel: text('checkin-label'),
      checkInDisabled: document.getElementById('checkin-btn').disabled,
      calendarTitle: text('cal-title'),
      weekdays: [...document.querySelectorAll('#cal-weekdays > *')].map((n) => n.textContent),
      blanks: document.querySelectorAll('#cal-days .day--blank').length,
      days: [...document.querySelectorAll('#cal-days [data-date]')].map((n) => ({
        date: n.dataset.date,
        status: n.dataset.status,
        canMakeUp: n.classList.contains('can-makeup'),
        tappable: n.tagName === 'BUTTON',
      })),
      rewards: [...document.querySelectorAll('#rewards-list .reward')].map((n) => ({
        key: n.dataset.key,
        state: n.querySelector('.reward__state').textContent,
        title: n.querySelector('.reward__title').textContent,
      })),
    };
  });
}

// Evaluates the stored inputs through the same core, in the page, the way a
// second client would: the screen must show exactly this.
async function coreReportForStoredInputs(viewMonth) {
  return page.evaluate(async (month) => {
    const { loadCore } = await import('/core.js');
    const { createOfflineBackend } = await import('/backend/offline.js');
    const core = await loadCore();
    const backend = createOfflineBackend();
    await backend.init();
    const [profile, inputs] = await Promise.all([backend.getProfile(), backend.getStreakInputs()]);
    const now = backend.now();
    const envelope = core.call('evaluateStreak', {
      nowMs: now.nowMs,
      clock: now.clock,
      patientId: profile.patientId,
      ...inputs,
      ...(month ? { viewMonth: month } : {}),
    });
    return { envelope, inputs, nowMs: now.nowMs };
  }, viewMonth);
}

function assertScreenMatchesReport(screen, report) {
  assert.equal(screen.current, report.current, 'current streak');
  assert.equal(screen.longest, report.longest, 'longest streak');
  assert.equal(screen.total, report.total, 'total check-in days');
  assert.equal(screen.statusText, report.statusText, 'statusText verbatim');
  assert.equal(screen.progressText, report.progress ? report.progress.text : null, 'progress text verbatim');
  assert.equal(screen.checkInDisabled, report.checkedInToday, 'button disabled iff checked in today');
  assert.equal(screen.checkInLabel, report.checkedInToday ? '今日已打卡' : '打卡');
  assert.equal(screen.calendarTitle, report.calendar.title);
  assert.deepEqual(screen.weekdays, report.calendar.weekdayLabels);
  assert.equal(screen.blanks, report.calendar.leadingBlankDays);
  assert.deepEqual(
    screen.days,
    report.calendar.days.map((d) => ({ date: d.date, status: d.status, canMakeUp: d.canMakeUp, tappable: d.canMakeUp })),
    'calendar cells',
  );
  assert.deepEqual(
    screen.rewards,
    [...report.milestones].reverse().map((m) => ({
      key: m.key,
      state: m.state === 'granted' ? '已发放' : '新获得',
      title: m.rewardTitle,
    })),
    'rewards list',
  );
}

test('the offline demo loads and shows what the core computes', { timeout: TEST_TIMEOUT }, async () => {
  await openDemo();

  assert.equal(await page.isVisible('#demo-badge'), true, '演示数据 badge is visible');
  assert.equal((await page.textContent('#demo-badge')).trim(), '演示数据');
  assert.equal(await page.textContent('#clock-label'), '本机时间', 'device clock is marked');
  assert.equal(await page.textContent('#community-name'), '甲状腺术后康复群');
  assert.ok((await page.locator('#action-steps li').count()) >= 3, 'action steps are listed');

  const { envelope, inputs } = await coreReportForStoredInputs();
  assert.equal(envelope.ok, true, JSON.stringify(envelope.error));
  const report = envelope.value;
  assert.ok(inputs.checkIns.length >= 30, `seeded history (${inputs.checkIns.length} check-ins)`);
  assert.equal(inputs.config, undefined, 'the demo passes no config: the core defaults apply');

  const screen = await readScreen();
  assertScreenMatchesReport(screen, report);

  // Consistency that holds whatever the rules are.
  assert.ok(report.total >= report.longest && report.longest >= report.current && report.current >= 0);
  assert.ok(report.total > 0, 'seeded days count');
  const countedThisView = screen.days.filter((d) => d.status === 'checked' || d.status === 'madeUp').length;
  assert.ok(report.total >= countedThisView, 'total covers the counted days on the calendar');
  assert.equal(report.checkedInToday, false, 'the seeded history leaves today open');
  assert.equal(
    report.milestones.every((m) => m.state === 'granted'),
    true,
    'milestones earned by the seeded history were issued and passed back as granted',
  );

  // Mobile layout: no horizontal overflow at 375 and 360 px; touch targets ≥ 44 px.
  for (const width of [375, 360]) {
    await page.setViewportSize({ width, height: 667 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal overflow at ${width}px (overflow ${overflow}px)`);
  }
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('#app button')]
      .filter((b) => b.offsetParent !== null)
      .map((b) => ({ id: b.id || b.dataset.date || b.className, rect: b.getBoundingClientRect() }))
      .filter(({ rect }) => rect.width < 44 || rect.height < 44)
      .map(({ id, rect }) => `${id} ${rect.width.toFixed(0)}×${rect.height.toFixed(0)}`),
  );
  assert.deepEqual(small, [], 'touch targets ≥ 44 px at 360 px');
  await page.setViewportSize({ width: 375, height: 667 });

  // Full page with the fixed bottom tab bar at the real bottom: a viewport as
  // tall as the page (a plain fullPage shot pins fixed elements to the first screen).
  const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 375, height: pageHeight });
  await page.screenshot({ path: join(SHOTS, 'streak-home.png'), fullPage: true, animations: 'disabled' });
  await page.setViewportSize({ width: 375, height: 667 });
  loaded = true;

  // Month navigation re-evaluates with the core's previousMonth / nextMonth.
  if (report.calendar.hasPrevious) {
    await page.tap('#cal-prev');
    const previous = (await coreReportForStoredInputs(report.calendar.previousMonth)).envelope.value;
    await page.waitForFunction((title) => document.getElementById('cal-title').textContent === title, previous.calendar.title);
    assertScreenMatchesReport(await readScreen(), previous);
    assert.equal(previous.calendar.nextMonth, report.calendar.month);
    await page.tap('#cal-next');
    await page.waitForFunction((title) => document.getElementById('cal-title').textContent === title, report.calendar.title);
    assertScreenMatchesReport(await readScreen(), report);
  }
});

test('tapping 打卡 records today and survives a reload', { timeout: TEST_TIMEOUT }, async () => {
  requireLoadedDemo();
  const beforeTap = await readScreen();
  assert.equal(beforeTap.checkInLabel, '打卡');
  assert.equal(beforeTap.checkInDisabled, false);

  await page.tap('#checkin-btn');
  await page.waitForFunction(() => document.getElementById('checkin-label').textContent === '今日已打卡');
  await page.waitForSelector('#toast:not([hidden])');

  const afterTap = await readScreen();
  assert.equal(afterTap.checkInDisabled, true, 'button disabled after check-in');
  assert.equal(afterTap.total, beforeTap.total + 1, 'today adds one day to the total');
  assert.equal(afterTap.current, beforeTap.current + 1, 'today extends (or starts) the current streak');
  assert.ok(afterTap.longest >= afterTap.current);
  const todayCell = await page.locator('#cal-days .is-today').getAttribute('data-status');
  assert.equal(todayCell, 'checked', "today's calendar cell is checked");

  const { envelope, inputs, nowMs } = await coreReportForStoredInputs();
  assert.equal(envelope.ok, true);
  assertScreenMatchesReport(afterTap, envelope.value);
  const mine = inputs.checkIns.filter((c) => !c.id.startsWith('demo-seed-'));
  assert.equal(mine.length, 1, 'exactly one new check-in stored');
  assert.equal(mine[0].kind, 'normal');
  assert.ok(Math.abs(nowMs - mine[0].atMs) < 60_000, 'stamped with the device clock');
  assert.ok(mine[0].seq > Math.max(...inputs.checkIns.filter((c) => c !== mine[0]).map((c) => c.seq)), 'seq is monotonic');

  // The first screen as the patient sees it, with the confirmation toast.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, 'streak-after-checkin.png'), animations: 'disabled' });

  await openDemo();
  const reloaded = await readScreen();
  assert.equal(reloaded.checkInLabel, '今日已打卡', 'still checked in after reload');
  assert.equal(reloaded.checkInDisabled, true);
  assert.equal(reloaded.current, afterTap.current);
  assert.equal(reloaded.longest, afterTap.longest);
  assert.equal(reloaded.total, afterTap.total);
});

/**
 * Deletes the seeded check-in of yesterday (device zone) from the demo's
 * IndexedDB: test set-up, so that a make-up candidate exists whatever the
 * date (the seeded gap 2 days ago is covered by the month's streak freeze when
 * it is the month's first missed day; two missed days cannot both be).
 */
async function deleteYesterdaysSeededCheckIn() {
  const deleted = await page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const dateOf = (ms) => new Date(ms).toLocaleDateString('en-CA');
        const yesterday = dateOf(Date.now() - 86_400_000);
        const open = indexedDB.open('carecircle-demo');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('checkIns', 'readwrite');
          const store = tx.objectStore('checkIns');
          const ids = [];
          store.getAll().onsuccess = (e) => {
            for (const c of e.target.result) {
              if (c.id.startsWith('demo-seed-') && dateOf(c.atMs) === yesterday) {
                ids.push(c.id);
                store.delete(c.id);
              }
            }
          };
          tx.oncomplete = () => {
            db.close();
            resolve(ids);
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
  assert.equal(deleted.length, 1, 'the demo seeds one check-in yesterday');
  await openDemo();
}

test('a missed day can be made up (补签) from the calendar', { timeout: TEST_TIMEOUT }, async () => {
  requireLoadedDemo();
  let current = (await coreReportForStoredInputs()).envelope.value;
  if (current.makeUpCandidates.length === 0) {
    await deleteYesterdaysSeededCheckIn();
    current = (await coreReportForStoredInputs()).envelope.value;
  }
  const date = current.makeUpCandidates.at(-1);
  assert.ok(date, `the core offers a make-up candidate (${JSON.stringify(current.makeUpCandidates)})`);
  for (let i = 0; i < 2 && (await page.locator(`#cal-days [data-date="${date}"]`).count()) === 0; i += 1) {
    const title = await page.textContent('#cal-title');
    await page.tap('#cal-prev');
    await page.waitForFunction((old) => document.getElementById('cal-title').textContent !== old, title);
  }
  const cell = page.locator(`#cal-days [data-date="${date}"]`);
  assert.equal(await cell.evaluate((n) => n.tagName), 'BUTTON', 'a make-up candidate is tappable');
  const beforeTap = await readScreen();

  await cell.tap();
  await page.waitForSelector('#sheet:not([hidden])');
  assert.match(await page.textContent('#sheet-title'), /补签/);
  await page.screenshot({ path: join(SHOTS, 'streak-makeup-sheet.png'), animations: 'disabled' });
  await page.tap('#sheet-confirm');
  await page.waitForSelector(`#cal-days [data-date="${date}"][data-status="madeUp"]`);
  await page.waitForSelector('#sheet', { state: 'hidden' });

  const afterTap = await readScreen();
  assert.equal(afterTap.total, beforeTap.total + 1, 'a made-up day counts');
  assert.ok(afterTap.current >= beforeTap.current, 'a make-up never shortens the streak');
  const shownMonth = afterTap.days[0].date.slice(0, 7);
  const { envelope, inputs } = await coreReportForStoredInputs(shownMonth);
  assertScreenMatchesReport(afterTap, envelope.value);
  const stored = inputs.checkIns.filter((c) => c.kind === 'makeUp');
  assert.equal(stored.length, 1);
  assert.equal(stored[0].forDate, date);
});

test('清除本机数据 deletes the IndexedDB data; nothing is kept in localStorage', { timeout: TEST_TIMEOUT }, async () => {
  requireLoadedDemo();
  assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'no web storage used (G19)');
  await page.tap('#wipe-btn');
  await page.waitForSelector('#sheet:not([hidden])');
  await Promise.all([page.waitForEvent('load'), page.tap('#sheet-confirm')]);
  await page.waitForSelector('body[data-ready="true"]');
  const { inputs } = await coreReportForStoredInputs();
  assert.deepEqual(
    inputs.checkIns.filter((c) => !c.id.startsWith('demo-seed-')),
    [],
    'the check-ins made in this test are gone (the demo re-seeds its synthetic history)',
  );
  assert.deepEqual(inputs.granted.length > 0, true, 'seeded milestones issued again');
  const screen = await readScreen();
  assert.equal(screen.checkInLabel, '打卡');
  assert.equal(screen.checkInDisabled, false);
});

test('the service worker serves the demo with the server gone', { timeout: TEST_TIMEOUT }, async () => {
  requireLoadedDemo();
  const ready = await page.evaluate(async () => {
    if (!('serviceWorker' in navigator)) return 'no serviceWorker API';
    const timeout = new Promise((resolve) => setTimeout(() => resolve('not active after 10 s'), 10_000));
    return Promise.race([navigator.serviceWorker.ready.then(() => true), timeout]);
  });
  assert.equal(ready, true, 'service worker installed and active');
  await openDemo();
  assert.equal(await page.evaluate(() => navigator.serviceWorker.controller !== null), true, 'page is controlled');
  const online = await readScreen();

  await server.close();
  server.closed = true;
  await context.setOffline(true);
  try {
    await openDemo();
    const offline = await readScreen();
    assert.deepEqual(offline, online, 'same screen from the cache');
  } finally {
    await context.setOffline(false);
  }
});

test('no console errors, page errors, failed requests or CSP violations', () => {
  assert.deepEqual(problems, []);
});
