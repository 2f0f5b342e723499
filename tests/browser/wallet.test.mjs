// Browser test of the wallet screen (我的券包) in real headless Chromium.
//
// Same set-up as demo.test.mjs: scripts/serve.mjs in-process on a free port,
// a fresh profile, a 375×667 @2x touch phone in Asia/Shanghai. Checks:
//   1. the bottom tab bar switches between 打卡 and 券包 (≥ 44 px targets);
//   2. the wallet shows exactly what the core returns for the stored inputs
//      (evaluateStreak's milestones → evaluateEligibility, computed in the page
//      by the loaded core, the way a second client would): coupon groups and
//      cards, every "为什么不能用" text verbatim, badges, campaigns with every
//      reason; the seeded demo covers each wallet state and the G8 guard (no
//      referee id or name on screen);
//   3. grants the core reported as issuable were issued once: a reload keeps
//      them, re-issues nothing, and each grant key is stored once;
//   4. 清除本机数据 also deletes referrals and issued rewards;
//   5. a core error (a campaign set the core refuses) reaches the toast as the
//      core's own message;
//   6. no console error, page error, failed request or CSP violation.
// The device clock is pinned (NOW) inside the demo campaigns' window.
// Screenshots: test-output/screenshots/wallet.png (full page), wallet-top.png.
//
// Needs build/wasm/core.{mjs,wasm} (npm run build); fails clearly without it.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, FLAGS, launchPhone, PHONE, recordCspViolations } from './harness.mjs';

import { startServer } from '../../scripts/serve.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 20_000;
const TEST_TIMEOUT = 45_000;
const DB_NAME = 'carecircle-demo';
const WALLET_ORDER = ['available', 'pending', 'locked', 'used', 'expired', 'void'];
// The device clock of the demo, pinned inside the demo campaigns' window
// (老带新 runs 2026-01-01…2026-12-31) so that the seeded wallet and the
// screenshots do not depend on the day the test runs. Timers run normally.
const NOW = new Date('2026-11-23T12:00:00+08:00');

let server;
let context;
let page;
let phone;
const problems = []; // console errors, page errors, failed requests, CSP violations
let loaded = false; // set once the first test saw the wallet render

function requireLoadedWallet() {
  assert.ok(loaded, 'the wallet did not load (see the first test)');
}

function watch(target) {
  target.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  target.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  target.on('requestfailed', (req) => {
    problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  target.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
}

before(async () => {
  phone = await launchPhone({ startServer, chromium, now: NOW, stepTimeout: STEP_TIMEOUT });
  ({ server, context, page } = phone);
  watch(page);
});

after(async () => {
  await phone?.close();
});

async function waitForApp(target = page) {
  await target.waitForSelector('body[data-ready="true"], #load-error:not([hidden])', { timeout: STEP_TIMEOUT });
  if (await target.isVisible('#load-error')) {
    assert.fail(`the demo shows its error screen: ${await target.textContent('#load-error-detail')}\n${problems.join('\n')}`);
  }
}

// Waits until the wallet tab is shown and rendered from a core reply.
async function waitForWallet() {
  await page.waitForSelector('body[data-wallet="ready"]', { timeout: STEP_TIMEOUT });
  await page.waitForSelector('#view-wallet:not([hidden])');
}

async function openWalletTab() {
  await page.tap('a[data-tab="wallet"]');
  await waitForWallet();
}

async function readWallet() {
  return page.evaluate(() => ({
    groups: [...document.querySelectorAll('#wallet-groups > .wallet-group')].map((section) => ({
      status: section.dataset.status,
      label: section.querySelector('.section-head__title').textContent,
      items: [...section.querySelectorAll('.coupon')].map((li) => ({
        key: li.dataset.key,
        status: li.dataset.status,
        title: li.querySelector('.coupon__title').textContent,
        amount: li.querySelector('.coupon__amount')?.textContent ?? null,
        quantity: li.querySelector('.coupon__qty')?.textContent ?? null,
        date: li.querySelector('.coupon__date')?.dataset.date ?? null,
        why: li.querySelector('.coupon__why-text')?.textContent ?? null,
      })),
    })),
    badges: [...document.querySelectorAll('#badge-groups .honour')].map((li) => ({
      campaignId: li.dataset.campaignId,
      tierId: li.dataset.tierId,
      title: li.querySelector('.honour__title').textContent,
      earned: li.dataset.earned === 'true',
      state: li.querySelector('.honour__state').textContent,
    })),
    campaigns: [...document.querySelectorAll('#campaign-list > .campaign')].map((li) => ({
      campaignId: li.dataset.campaignId,
      status: li.dataset.status,
      title: li.querySelector('.campaign__title').textContent,
      nextStep: li.querySelector('.campaign__next')?.textContent ?? '',
      unlockOn: li.querySelector('.campaign__unlock')?.dataset.date ?? null,
      reasons: [...li.querySelectorAll('.campaign__reason')].map((r) => r.textContent),
    })),
    summary: [...document.querySelectorAll('#wallet-summary > li')].map((li) => ({
      status: li.dataset.status,
      count: Number(li.querySelector('.wallet-summary__num').textContent),
    })),
    terms: document.getElementById('wallet-terms').textContent,
  }));
}

// The stored inputs, evaluated by the same core in the page (the flow of the
// contract: evaluateStreak's milestones go to evaluateEligibility).
async function coreWalletForStoredInputs() {
  return page.evaluate(async () => {
    const { loadCore } = await import('/core.js');
    const { createOfflineBackend } = await import('/backend/offline.js');
    const core = await loadCore();
    const backend = createOfflineBackend();
    await backend.init();
    const [profile, streakInputs, inputs] = await Promise.all([
      backend.getProfile(),
      backend.getStreakInputs(),
      backend.getEligibilityInputs(),
    ]);
    const now = backend.now();
    const streak = core.call('evaluateStreak', { nowMs: now.nowMs, clock: now.clock, patientId: profile.patientId, ...streakInputs });
    if (!streak.ok) return { envelope: streak, inputs };
    const milestones = streak.value.milestones.map(({ key, ruleId }) => ({ key, ruleId }));
    const envelope = core.call('evaluateEligibility', { nowMs: now.nowMs, ...inputs, milestones });
    return { envelope, inputs, patientId: profile.patientId };
  });
}

// What IndexedDB holds, read directly (not through the backend under test).
async function storedRecords(storeName) {
  return page.evaluate(
    ({ db, store }) =>
      new Promise((resolvePromise, reject) => {
        const open = indexedDB.open(db);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const database = open.result;
          if (!database.objectStoreNames.contains(store)) {
            database.close();
            resolvePromise([]);
            return;
          }
          const request = database.transaction(store, 'readonly').objectStore(store).getAll();
          request.onsuccess = () => {
            database.close();
            resolvePromise(request.result);
          };
          request.onerror = () => reject(request.error);
        };
      }),
    { db: DB_NAME, store: storeName },
  );
}

function yuan(fen) {
  return fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2);
}

function expectedWallet(value) {
  const groups = [];
  for (const status of WALLET_ORDER) {
    const items = value.wallet.filter((w) => w.status === status);
    if (items.length === 0) continue;
    groups.push({
      status,
      items: items.map((w) => ({
        key: w.key,
        status: w.status,
        title: w.title,
        amount: w.valueFen > 0 ? yuan(w.valueFen) : null,
        quantity: w.quantity > 1 ? `×${w.quantity}` : null,
        date: w.date,
        why: w.status === 'available' ? null : w.why,
      })),
    });
  }
  return groups;
}

function assertWalletMatchesReport(screen, value) {
  assert.deepEqual(
    screen.groups.map(({ status, items }) => ({ status, items })),
    expectedWallet(value),
    'coupon groups and cards are the core wallet, in order, with every why verbatim',
  );
  const statusesInReply = value.wallet.map((w) => w.status);
  assert.ok(statusesInReply.every((s) => WALLET_ORDER.includes(s)), `every wallet status has a group: ${statusesInReply}`);
  assert.deepEqual(
    screen.summary,
    screen.groups.map((g) => ({ status: g.status, count: g.items.length })),
    'the summary counts the cards shown',
  );
  assert.deepEqual(
    screen.badges,
    value.badges.map((b) => ({
      campaignId: b.campaignId,
      tierId: b.tierId,
      title: b.title,
      earned: b.earned,
      state: b.earned ? '已获得' : `再推荐${b.referralsToGo}位`,
    })),
    'badges',
  );
  assert.deepEqual(
    screen.campaigns,
    value.campaigns.map((c) => ({
      campaignId: c.campaignId,
      status: c.status,
      title: c.title,
      nextStep: c.nextStep,
      unlockOn: c.unlockOn,
      reasons: c.reasons.map((r) => r.message),
    })),
    'campaigns with status, next step and every reason verbatim',
  );
}

test('券包 shows exactly what the core returns for the stored inputs', { timeout: TEST_TIMEOUT }, async () => {
  await page.goto(server.url, { waitUntil: 'load' });
  await waitForApp();
  assert.equal(await page.isVisible('#view-checkin'), true, 'the check-in screen is the first tab');
  assert.equal(await page.getAttribute('a[data-tab="checkin"]', 'aria-current'), 'page');

  await openWalletTab();
  assert.equal(await page.isVisible('#view-checkin'), false, 'the check-in screen is hidden on 券包');
  assert.equal(await page.getAttribute('a[data-tab="wallet"]', 'aria-current'), 'page');
  assert.equal(await page.getAttribute('a[data-tab="checkin"]', 'aria-current'), null);
  assert.equal(await page.title(), '我的券包 · CareCircle');

  const { envelope, inputs, patientId } = await coreWalletForStoredInputs();
  assert.equal(envelope.ok, true, JSON.stringify(envelope.error));
  const value = envelope.value;
  const screen = await readWallet();
  assertWalletMatchesReport(screen, value);

  // The flow issued everything the core called issuable: nothing is left.
  const issuable = value.campaigns.flatMap((c) => c.grants.filter((g) => g.state === 'issuable'));
  assert.deepEqual(issuable, [], 'every issuable grant was issued by the page');
  assert.equal(value.wallet.filter((w) => w.status === 'pending').length, 0, 'nothing left 发放中');

  // The seeded demo shows each interesting state.
  const statuses = new Set(value.wallet.map((w) => w.status));
  for (const status of ['available', 'locked', 'used', 'expired', 'void']) {
    assert.ok(statuses.has(status), `the demo wallet has a ${status} item`);
  }
  const codes = new Set(value.campaigns.flatMap((c) => c.reasons.map((r) => r.code)));
  for (const code of [
    'eligibility.quality_hold',
    'eligibility.awaiting_event',
    'eligibility.referee_not_new',
    'eligibility.not_stackable',
    'eligibility.voided_by_complaint',
  ]) {
    assert.ok(codes.has(code), `a campaign explains ${code}`);
  }
  const thankYou = value.campaigns.find((c) => c.campaignId === 'thank-you-card');
  assert.ok(thankYou.grants.some((g) => g.state === 'issued'), '感恩卡 paid the discharge-card referral');
  // Seeded issued records carry keys the core still reports (no orphan after a core change).
  const grantKeys = new Set(value.campaigns.flatMap((c) => c.grants.map((g) => g.key)));
  for (const record of inputs.issued) assert.ok(grantKeys.has(record.grantKey), `issued ${record.grantKey} matches a grant`);

  // A 100元体检券 is available, with its face value.
  const available = screen.groups.find((g) => g.status === 'available');
  assert.ok(
    available.items.some((i) => i.title === '100元体检券' && i.amount === '100'),
    'a 100元体检券 is available',
  );
  // A locked coupon shows its why (the countdown) without a tap.
  const locked = value.wallet.find((w) => w.status === 'locked');
  const lockedCard = page.locator(`.coupon[data-key="${locked.key}"]`);
  assert.equal(await lockedCard.locator('.coupon__why-text').isVisible(), true, 'the locked why is visible');
  assert.equal(await lockedCard.locator('.coupon__why-text').textContent(), locked.why);
  assert.ok(locked.date, 'the core dates the unlock');
  assert.equal(await lockedCard.locator('.coupon__date').getAttribute('data-date'), locked.date);
  // Other disclosures open on tap; available coupons have none.
  const used = value.wallet.find((w) => w.status === 'used');
  const usedCard = page.locator(`.coupon[data-key="${used.key}"]`);
  assert.equal(await usedCard.locator('.coupon__why-text').isVisible(), false, 'closed until tapped');
  await usedCard.locator('summary').tap();
  assert.equal(await usedCard.locator('.coupon__why-text').isVisible(), true, 'opens on tap');
  assert.equal(await usedCard.locator('.coupon__why-text').textContent(), used.why);
  assert.equal(await page.locator('.coupon--available .coupon__why').count(), 0, 'no why on usable coupons');

  // Badges: earned and still to go.
  assert.ok(screen.badges.some((b) => b.earned), 'an earned badge');
  assert.ok(screen.badges.some((b) => !b.earned && /^再推荐\d+位$/.test(b.state)), 'a badge still to go');
  assert.equal(screen.terms, '奖励仅限本人使用的医疗健康服务，不可转让、不可兑换现金');

  // G8 / G19: no referee id (and so no name) of anyone on screen.
  const text = await page.textContent('#view-wallet');
  for (const r of inputs.referrals) {
    assert.ok(!text.includes(r.refereeId) && !text.includes(r.id), `referral ${r.id} stays opaque`);
  }
  assert.ok(!text.includes(patientId), 'no patient id on screen');

  // Mobile layout: no horizontal overflow; touch targets ≥ 44 px.
  for (const width of [375, 360]) {
    await page.setViewportSize({ width, height: 667 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal overflow at ${width}px (overflow ${overflow}px)`);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('#app a, #app button, #app summary')]
        .filter((n) => n.offsetParent !== null || getComputedStyle(n).position === 'fixed')
        .map((n) => ({ id: n.id || n.dataset.tab || n.className, rect: n.getBoundingClientRect() }))
        .filter(({ rect }) => rect.width > 0 && (rect.width < 44 || rect.height < 44))
        .map(({ id, rect }) => `${id} ${rect.width.toFixed(0)}×${rect.height.toFixed(0)}`),
    );
    assert.deepEqual(small, [], `touch targets ≥ 44 px at ${width}px`);
  }
  await page.setViewportSize({ width: 375, height: 667 });
  const bar = await page.locator('.tabbar').boundingBox();
  assert.ok(Math.abs(bar.y + bar.height - 667) <= 1, 'the tab bar sits at the bottom of the viewport');

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, 'wallet-top.png'), animations: 'disabled' });
  // Full page with the fixed tab bar at the real bottom: a viewport as tall as
  // the page (a plain fullPage shot pins fixed elements to the first screen).
  await page.waitForSelector('#toast', { state: 'hidden', timeout: 8_000 });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 375, height });
  await page.screenshot({ path: join(SHOTS, 'wallet.png'), fullPage: true, animations: 'disabled' });
  await page.setViewportSize({ width: 375, height: 667 });
  loaded = true;
});

test('a reload keeps the issued rewards and issues nothing twice', { timeout: TEST_TIMEOUT }, async () => {
  requireLoadedWallet();
  const before = await storedRecords('issued');
  const keys = before.map((r) => r.grantKey);
  assert.equal(new Set(keys).size, keys.length, 'each grant key once in IndexedDB');
  assert.ok(before.some((r) => r.status === 'issued' && r.title === '100元体检券'), 'the 100元体检券 is stored as issued');
  const screenBefore = await readWallet();

  await page.reload({ waitUntil: 'load' });
  await waitForApp();
  await waitForWallet(); // the URL is …#wallet: the tab survives the reload
  const after = await storedRecords('issued');
  assert.deepEqual(
    after.sort((a, b) => (a.grantKey < b.grantKey ? -1 : 1)),
    before.sort((a, b) => (a.grantKey < b.grantKey ? -1 : 1)),
    'the same records, issuedAtMs unchanged: nothing was issued again',
  );
  const screenAfter = await readWallet();
  assert.deepEqual(screenAfter, screenBefore, 'the same wallet after a reload');
  const { envelope } = await coreWalletForStoredInputs();
  assertWalletMatchesReport(screenAfter, envelope.value);

  // Back to 打卡: the streak screen is still there.
  await page.tap('a[data-tab="checkin"]');
  await page.waitForSelector('#view-checkin:not([hidden])');
  assert.equal(await page.isVisible('#view-wallet'), false);
  assert.ok((await page.textContent('#stat-total')).trim() !== '–', 'the streak is rendered');
  assert.equal(await page.title(), '康复打卡 · CareCircle');
});

test('清除本机数据 also deletes referrals and issued rewards', { timeout: TEST_TIMEOUT }, async () => {
  requireLoadedWallet();
  const issuedBefore = await storedRecords('issued');
  assert.ok(issuedBefore.some((r) => r.status === 'issued' && r.issuedAtMs === NOW.getTime()), 'rewards issued today');
  await page.tap('#wipe-btn');
  await page.waitForSelector('#sheet:not([hidden])');
  await Promise.all([page.waitForEvent('load'), page.tap('#sheet-confirm')]);
  await waitForApp();
  // Re-seeded demo, nothing of this session: only the hospital's earlier book.
  const issuedAfter = await storedRecords('issued');
  assert.ok(issuedAfter.length > 0, 'the demo re-seeds its synthetic history');
  assert.ok(
    issuedAfter.every((r) => r.issuedAtMs < NOW.getTime() - 86_400_000),
    'rewards issued in this session are gone',
  );
  const referrals = await storedRecords('referrals');
  assert.ok(referrals.length > 0 && referrals.every((r) => !('name' in r) && !('phone' in r)), 'synthetic, nameless referrals');
});

test('a core error reaches the toast as the core says it', { timeout: TEST_TIMEOUT }, async () => {
  // A separate browser context without the service worker, whose demo
  // hospital configures a cash reward (G1): the core refuses the set.
  const campaigns = JSON.parse(readFileSync(join(REPO, 'web', 'demo', 'campaigns.json'), 'utf8'));
  campaigns.campaigns[0].referrerRewards[0].type = 'cash';
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const ctx = await browser.newContext({ ...PHONE, serviceWorkers: 'block' });
    await recordCspViolations(ctx);
    await ctx.clock.setFixedTime(NOW);
    const other = await ctx.newPage();
    other.setDefaultTimeout(STEP_TIMEOUT);
    watch(other);
    await other.route('**/campaigns*.json', (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(campaigns) }),
    );
    await other.goto(`${server.url}#wallet`, { waitUntil: 'load' });
    await waitForApp(other);
    await other.waitForSelector('#wallet-error:not([hidden])');
    const expected = await other.evaluate(async (list) => {
      const { loadCore } = await import('/core.js');
      const core = await loadCore();
      return core.call('validateCampaigns', { campaigns: list }).value.violations[0];
    }, campaigns.campaigns);
    assert.equal(expected.code, 'campaign.cash_reward_forbidden');
    assert.equal(await other.textContent('#toast-text'), expected.message, 'the toast shows the core message verbatim');
    assert.equal(await other.textContent('#wallet-error'), expected.message);
    assert.equal(await other.locator('.coupon').count(), 0, 'nothing is shown that the core did not compute');
    await ctx.close();
  } finally {
    await browser.close();
  }
});

test('no console errors, page errors, failed requests or CSP violations', () => {
  assert.deepEqual(problems, []);
});
