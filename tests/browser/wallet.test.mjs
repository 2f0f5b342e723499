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

import { CHROMIUM, demoFetchCancelled, FLAGS, launchPhone, PHONE, recordCspViolations } from './harness.mjs';

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
    if (!demoFetchCancelled(req)) problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`);
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
    const envelope = core.call('evaluateEligibility', { nowMs: now.nowMs, ...inputs, milestones, streakProgress: streak.value.progress ?? null });
    return { envelope, inputs, patientId: profile.patientId };
  });
}

// What IndexedDB holds, read directly (not through the backend under test).
async function storedRecords(storeName, target = page) {
  return target.evaluate(
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

// The 老带新 card listed five reasons without saying which friend each was
// about; 打卡 said "再坚持N天" while its campaign said "暂无可领". Read from
// the page, as a patient would compare them.
test('each reason about a friend who shares their progress names that friend as the tree does; the others stay unnamed (G7)', { timeout: TEST_TIMEOUT }, async () => {
  requireLoadedWallet();
  const perReferral = ['eligibility.quality_hold', 'eligibility.awaiting_event', 'eligibility.referee_not_new', 'eligibility.not_stackable', 'eligibility.voided_by_complaint'];
  const reasons = await page.evaluate(() =>
    [...document.querySelectorAll('.campaign[data-campaign-id="fission-exam"] .campaign__reason')].map((li) => ({ code: li.dataset.code, text: li.textContent })),
  );
  const labels = await page.evaluate(async () => {
    const { loadCore } = await import('/core.js');
    const { createOfflineBackend } = await import('/backend/offline.js');
    const core = await loadCore();
    const backend = createOfflineBackend();
    await backend.init();
    const [profile, graph] = await Promise.all([backend.getProfile(), backend.getReferralGraph()]);
    const tree = core.call('myReferralTree', { nowMs: backend.now().nowMs, patientId: profile.patientId, ...graph });
    return tree.value.friends.map((f) => f.maskedName);
  });
  const about = reasons.filter((r) => perReferral.includes(r.code));
  assert.ok(about.length >= 5, `the 老带新 card explains its referrals (${reasons.map((r) => r.code)})`);
  // A friend who shares their progress is named as on the tree; one who does
  // not (G7) stays unnamed, as in the inbox.
  const named = about.filter((r) => /^[^：]+\*[^：]*：/.test(r.text));
  assert.ok(named.length >= 1, 'reasons about friends who share their progress name them');
  for (const r of named) {
    const name = /^(.+?)：/.exec(r.text)?.[1];
    assert.ok(labels.includes(name), `“${r.text}” names a friend of the tree (${labels})`);
  }
  const sharing = await page.evaluate(async () => {
    const { createOfflineBackend } = await import('/backend/offline.js');
    const backend = createOfflineBackend();
    await backend.init();
    const graph = await backend.getReferralGraph();
    return graph.records.filter((r) => r.consentToShareProgress !== true).map((r) => r.refereeId).length;
  });
  assert.ok(about.length - named.length <= sharing, 'only friends without the consent go unnamed');
  // Two friends waiting for the same step are two lines, each with its friend.
  const names = named.map((r) => /^(.+?)：/.exec(r.text)?.[1]);
  assert.equal(new Set(named.map((r, i) => `${r.code}|${names[i]}`)).size, named.length, 'one line per reason and friend');
});

test('the check-in campaign says what 打卡 says', { timeout: TEST_TIMEOUT }, async () => {
  requireLoadedWallet();
  const campaign = await page.evaluate(() => {
    const li = document.querySelector('.campaign[data-campaign-id="checkin-voucher"]');
    return { status: li.dataset.status, label: li.querySelector('.campaign__status').textContent, next: li.querySelector('.campaign__next')?.textContent ?? '' };
  });
  await page.tap('a[data-tab="checkin"]');
  await page.waitForSelector('#view-checkin:not([hidden])');
  const progress = await page.textContent('#progress-text');
  assert.match(progress, /^再坚持\d+天可得/, 'the demo is on its way to a milestone');
  assert.equal(campaign.next, progress, 'the campaign repeats the check-in screen word for word');
  assert.equal(campaign.status, 'pending');
  assert.equal(campaign.label, '进行中', 'not 暂无可领 while 打卡 counts the days');
  await openWalletTab();
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
  // Re-seeded demo, nothing of this session: the device's book is what a
  // fresh phone's demo holds at the same moment (its synthetic history, and
  // what the demo's issuance gives that history when it starts). The demo's
  // issuance runs in the background when it opens; 券包's read waits for a
  // run, so each book is read once its wallet is shown.
  await openWalletTab();
  const issuedAfter = await storedRecords('issued');
  assert.ok(issuedAfter.length > 0, 'the demo re-seeds its synthetic history');
  const freshContext = await context.browser().newContext({ ...PHONE, serviceWorkers: 'block' });
  try {
    await freshContext.clock.setFixedTime(NOW);
    const fresh = await freshContext.newPage();
    fresh.setDefaultTimeout(STEP_TIMEOUT);
    await fresh.goto(server.url, { waitUntil: 'load' });
    await waitForApp(fresh);
    await fresh.tap('a[data-tab="wallet"]');
    await fresh.waitForSelector('body[data-wallet="ready"]', { timeout: STEP_TIMEOUT });
    const freshIssued = await storedRecords('issued', fresh);
    const book = (list) => list.map((r) => `${r.grantKey}|${r.status}`).sort();
    assert.deepEqual(book(issuedAfter), book(freshIssued), 'rewards issued in this session are gone: the book is a fresh device\'s');
  } finally {
    await freshContext.close();
  }

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
      return (await core.callAsync('validateCampaigns', { campaigns: list })).value.violations[0];
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

// The reward moment was a 2-second toast over the button, the progress card
// dropped to 0/7 and the invite sheet followed the same day. A fresh phone
// whose streak is one day short of a milestone checks in.
test('a check-in that earns a milestone: a reward sheet with 去券包查看, the card full, no invite prompt', { timeout: 2 * TEST_TIMEOUT }, async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  try {
    const ctx = await browser.newContext({ ...PHONE, serviceWorkers: 'block' });
    await recordCspViolations(ctx);
    await ctx.clock.setFixedTime(NOW);
    const other = await ctx.newPage();
    other.setDefaultTimeout(STEP_TIMEOUT);
    watch(other);
    await other.goto(server.url, { waitUntil: 'load' });
    await waitForApp(other);
    // Earlier days checked in until the core says one more day earns the milestone.
    const before = await other.evaluate(async () => {
      const { loadCore } = await import('/core.js');
      const { createOfflineBackend } = await import('/backend/offline.js');
      const core = await loadCore();
      const backend = createOfflineBackend();
      await backend.init();
      const profile = await backend.getProfile();
      const report = async () => {
        const now = backend.now();
        return core.call('evaluateStreak', { nowMs: now.nowMs, clock: now.clock, patientId: profile.patientId, ...(await backend.getStreakInputs()) }).value;
      };
      let r = await report();
      for (let back = 1; back <= 60 && !(r.progress && r.progress.remaining === 1 && !r.checkedInToday); back += 1) {
        const atMs = backend.now().nowMs - back * 86_400_000;
        await backend.saveCheckIn({ id: crypto.randomUUID(), patientId: profile.patientId, atMs, seq: await backend.nextSeq(), kind: 'normal' });
        r = await report();
      }
      return { progress: r.progress, checkedInToday: r.checkedInToday };
    });
    assert.equal(before.checkedInToday, false);
    assert.equal(before.progress.remaining, 1, `one day short of the milestone (${JSON.stringify(before.progress)})`);
    await other.reload({ waitUntil: 'load' });
    await waitForApp(other);
    assert.equal(await other.textContent('#progress-count'), `${before.progress.needed - 1}/${before.progress.needed}天`);

    await other.tap('#checkin-btn');
    await other.waitForSelector('#reward-moment .reward-moment__panel');
    const fresh = await other.evaluate(async () => {
      const { loadCore } = await import('/core.js');
      const { createOfflineBackend } = await import('/backend/offline.js');
      const core = await loadCore();
      const backend = createOfflineBackend();
      await backend.init();
      const profile = await backend.getProfile();
      const now = backend.now();
      const report = core.call('evaluateStreak', { nowMs: now.nowMs, clock: now.clock, patientId: profile.patientId, ...(await backend.getStreakInputs()) }).value;
      return { today: report.today, milestone: report.milestones.find((m) => m.toDate === report.today) };
    });
    assert.ok(fresh.milestone, 'the core reports the milestone that ends today');
    const sheet = await other.evaluate(() => ({
      role: document.querySelector('#reward-moment .reward-moment__panel').getAttribute('role'),
      title: document.getElementById('reward-moment-title').textContent,
      lead: document.getElementById('reward-moment-lead').textContent,
      items: [...document.querySelectorAll('#reward-moment .reward-moment__item')].map((li) => ({
        key: li.dataset.key,
        title: li.querySelector('.reward-moment__item-title').textContent,
        amount: li.querySelector('.reward-moment__amount')?.textContent ?? null,
      })),
      go: { text: document.getElementById('reward-moment-go').textContent, href: document.getElementById('reward-moment-go').getAttribute('href') },
      focused: document.activeElement?.id,
    }));
    assert.equal(sheet.role, 'dialog');
    assert.deepEqual(sheet.items, [{ key: fresh.milestone.key, title: fresh.milestone.rewardTitle, amount: yuan(fresh.milestone.rewardValueFen) }]);
    assert.ok(sheet.lead.includes(fresh.milestone.earnedText), `the core's words: ${sheet.lead}`);
    assert.deepEqual(sheet.go, { text: '去券包查看', href: '#wallet' });
    assert.equal(sheet.focused, 'reward-moment-go');
    // The card shows the milestone just reached, not the next block's 0.
    const { needed } = before.progress;
    assert.equal(await other.textContent('#progress-count'), `${needed}/${needed}天`);
    assert.equal(await other.textContent('#progress-text'), `今日达成：${fresh.milestone.earnedText}`);
    assert.equal(await other.getAttribute('#progress-bar', 'aria-valuenow'), String(needed));
    await other.waitForTimeout(300);
    await other.screenshot({ path: join(SHOTS, 'reward-moment.png'), animations: 'disabled' });
    // It stays (no 2-second toast): still there after the toast has gone.
    await other.waitForSelector('#toast', { state: 'hidden', timeout: 8_000 });
    assert.equal(await other.isVisible('#reward-moment'), true, 'the sheet stays until closed');
    // No invite prompt on a reward day (G17): the core said so.
    await other.waitForFunction(() => document.body.dataset.invitePrompt, null, { timeout: 15_000 });
    assert.equal(await other.getAttribute('body', 'data-invite-prompt'), 'skipped');
    assert.equal(await other.getAttribute('body', 'data-invite-prompt-reason'), 'eligibility.prompt_reward_day');
    assert.equal(await other.isVisible('#invite-sheet'), false);

    // 去券包查看: the voucher is in the wallet, usable.
    await other.tap('#reward-moment-go');
    await other.waitForSelector('body[data-wallet="ready"]');
    await other.waitForSelector('#view-wallet:not([hidden])');
    assert.equal(await other.isVisible('#reward-moment'), false);
    const coupon = other.locator(`.coupon[data-key*="${fresh.milestone.key}"]`);
    await coupon.first().waitFor();
    assert.equal(await coupon.first().getAttribute('data-status'), 'available');
    // A reload on the same day still shows the milestone reached.
    await other.goto(`${server.url}#checkin`, { waitUntil: 'load' });
    await waitForApp(other);
    assert.equal(await other.textContent('#progress-count'), `${needed}/${needed}天`);
    await ctx.close();
  } finally {
    await browser.close();
  }
});

test('no console errors, page errors, failed requests or CSP violations', () => {
  assert.deepEqual(problems, []);
});
