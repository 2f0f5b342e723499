// The referral loop end to end on the offline demo — the flows
// loops-flow.test.mjs runs on the reference backend, here with the demo
// playing the server in the browser (web/backend/offline*.js on IndexedDB).
//
// The demo has no server: everything it "stores on the server" is the
// device's IndexedDB. So patient A, friend B and the hospital's desk cannot
// be separate browser profiles here, as they are over HTTP: they are pages
// of ONE browser context, sharing the device's database — B's "phone" is a
// second page that opens the join URL (the demo's own description of a
// friend joining), the desk is a third page at the console's 1366×768. The
// clock is the context's (Playwright's context.clock, fixed, moved by the
// test), which every page and the demo's "server" read.
//   A opens 推荐 and takes their join link (我的推荐码) and closes the app →
//   B opens it, registers with the progress consent → the nurse finds B on
//   医院事件 (the friends who joined on the device are the desk's patients
//   too) and records arrival and visit → the clock moves 90 days → with A's
//   app closed, the demo's scheduled issuance (计划任务 › 立即运行奖励发放, the
//   schedule's tick on demand) issues A's 100元体检券 → A opens the app: 消息
//   shows each step (B masked) and the reward → A's coupon sheet shows the
//   counter code, a fresh one two minutes later → the nurse types it on
//   到店核销: the older code is refused, the current one redeemed once, a
//   second redemption refused → A's open sheet and the wallet show 已使用
//   without a reload.
// The same loop for the 出院感恩卡 (the card of A's recorded discharge, listed
// on the nurse's 出院感恩卡 screen, one per discharge; B registers from the
// saved PNG's QR decoded by zbar, admission and discharge recorded, A's
// 200元营养餐券) and the 黑金推荐函 (A's KOC result
// saved on KOC评估, C registers from the saved PNG's QR, the registration the
// demo confirmed at the join is the letter campaigns' trigger, A's rewards
// with the 终身荣誉理事 title). The friend's own (referee) rewards are not
// issued here: the demo keeps one patient's wallet, A's.
// Bad input: a join URL with a forged letter token (one symbol changed; a
// well-formed one never issued) and one with a tampered code are refused in
// words; nothing is registered or issued.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { startServer } from '../../scripts/serve.mjs';
import { loadCore } from '../node/helpers.mjs';
import { CHROMIUM, FLAGS, PHONE, recordCspViolations, REPO, requireBuilt, signInStaff } from './harness.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 30_000;
const TEST_TIMEOUT = 120_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
const CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };
const DESKTOP = { width: 1366, height: 768 };
const DEMO_PATIENT_ID = 'demo-patient-0001';
const KOC_PRIVILEGE = { peakMoment: 'strong', recommend: 'asked', gatherings: 'often', groupActivity: 'fixed', experience: 'great', incentive: 'privilege' };
const CAMPAIGNS = JSON.parse(readFileSync(join(REPO, 'web', 'demo', 'campaigns.json'), 'utf8')).campaigns;
const REWARD_TYPES = new Map(
  CAMPAIGNS.flatMap((c) => [...(c.referrerRewards ?? []), ...(c.refereeRewards ?? []), ...(c.rewards ?? []), ...(c.tiers ?? []).flatMap((t) => t.rewards), ...(c.pools ?? []).map((p) => p.reward)])
    .map((r) => [r.title, r.type]),
);

let server;
let browser;
const problems = [];

before(async () => {
  requireBuilt();
  assert.equal(spawnSync('zbarimg', ['--version']).status, 0, 'zbarimg is missing: apt-get install zbar-tools');
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
});

after(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
});

/** The device: one context (one IndexedDB), its clock fixed at `t0` and moved by `at(ms)`. */
async function device(t0) {
  const context = await browser.newContext(CONTEXT);
  await recordCspViolations(context);
  await context.clock.setFixedTime(t0);
  let now = t0;
  return {
    context,
    now: () => now,
    async at(ms) {
      now = ms;
      await context.clock.setFixedTime(ms);
    },
  };
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

/** One store of the demo's database (the device's "server"), read as the page sees it. */
function readStore(page, store) {
  return page.evaluate((name) => new Promise((resolve, reject) => {
    const open = indexedDB.open('carecircle-demo');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const all = open.result.transaction(name).objectStore(name).getAll();
      all.onsuccess = () => {
        open.result.close();
        resolve(all.result);
      };
      all.onerror = () => reject(all.error);
    };
  }), store);
}

const issuedRows = (page) => readStore(page, 'issued');
/** A's rewards for one referral (its id is in the grant key), oldest first, as the inbox names the first. */
async function issuedFor(page, referralId) {
  return (await issuedRows(page))
    .filter((r) => r.grantKey.includes(`:${referralId}:`))
    .sort((a, b) => a.issuedAtMs - b.issuedAtMs || (a.grantKey < b.grantKey ? -1 : 1));
}

/** The desk: the nurse signed in on the console (desktop), in the device's context. */
async function openDesk(ctx) {
  const staff = await watchedPage(ctx.context, 'desk');
  await staff.setViewportSize(DESKTOP);
  await openApp(staff, `${server.url}#staff`);
  await signInStaff(staff, 'nurse');
  return staff;
}

async function staffScreen(staff, screen, ready) {
  await staff.evaluate((s) => {
    location.hash = `#staff/${s}`;
  }, screen);
  await staff.waitForSelector(ready);
}

/** A's join link (推荐 → 我的推荐码); A closes the app after. */
async function takeLink(ctx) {
  const a = await watchedPage(ctx.context, 'A');
  await openApp(a, server.url);
  await a.tap('.tabbar a[data-tab="referral"]');
  await a.waitForSelector('#my-code-card:not([hidden])');
  const link = await a.getAttribute('#my-code-link', 'href');
  assert.ok(new URL(link).searchParams.get('c'), `a join link with the code: ${link}`);
  await a.close();
  return link;
}

/** A's 海报 on `template`, 保存图片, the saved PNG's QR decoded by zbar; A closes the app after. */
async function scanPoster(ctx, template, name) {
  const a = await watchedPage(ctx.context, `A ${template}`);
  await openApp(a, server.url);
  await a.evaluate(() => {
    location.hash = '#checkin';
  });
  await a.waitForSelector('#view-checkin:not([hidden])');
  await a.evaluate((t) => {
    location.hash = `#poster/${t}`;
  }, template);
  await a.waitForFunction((t) => {
    const view = document.getElementById('view-poster');
    return view && view.dataset.template === t && view.dataset.state === 'ready';
  }, template, { timeout: 2 * STEP_TIMEOUT });
  if (await a.isVisible('#poster-reveal')) await a.tap('#poster-reveal');
  await a.waitForSelector('#poster-save:not([disabled])');
  const [download] = await Promise.all([a.waitForEvent('download'), a.tap('#poster-save')]);
  const file = join(SHOTS, `${name}.png`);
  await download.saveAs(file);
  const r = spawnSync('zbarimg', ['--nodbus', '--quiet', '--raw', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `zbar found no QR code in ${file}`);
  await a.close();
  return r.stdout.replace(/\n$/, '');
}

/** The friend's "phone" (a page of the same device) opens `url`, registers with the consent; the page closes after. */
async function friendJoins(ctx, url, label, channel) {
  const b = await watchedPage(ctx.context, label);
  await openApp(b, url);
  await b.waitForSelector('#view-join[data-lookup="done"]');
  assert.equal(await b.getAttribute('#view-join', 'data-channel'), channel, `${label} joins by the ${channel}`);
  await b.tap('#join-consent');
  await b.tap('#join-submit');
  await b.waitForSelector('body[data-join="done"]');
  const referralId = await b.getAttribute('#view-join', 'data-referral-id');
  await b.close();
  const row = (await readStore(ctx.desk, 'referrals')).find((r) => r.id === referralId);
  assert.ok(row, `${label} is A's friend in the demo's records`);
  assert.equal(row.referrerId, DEMO_PATIENT_ID);
  assert.equal(row.channel, channel, 'recorded on the channel');
  assert.ok(row.registrationConfirmedAtMs > 0, 'the demo confirmed the registration at the join');
  return referralId;
}

/**
 * The nurse records the steps on 医院事件 (the friend is listed there like the
 * hospital's own patients), a minute apart; resolves with the friend's masked name.
 */
async function recordSteps(ctx, referralId, events, shot) {
  const staff = ctx.desk;
  await staffScreen(staff, 'events', '#staff-events:not([hidden])[data-state="ready"]');
  const row = `#events-table tr[data-referral-id="${referralId}"]`;
  await staff.waitForSelector(row);
  const name = (await staff.textContent(`${row} td:first-child`)).replace(/（演示）$/, '');
  assert.match(name, /^\S\*\S?$/, 'the friend masked on the desk');
  for (const event of events) {
    await ctx.at(ctx.now() + MINUTE_MS);
    await staff.selectOption('#events-patient', referralId);
    await staff.selectOption('#events-step', event);
    await staff.evaluate(() => delete document.getElementById('events-record-result').dataset.state);
    await staff.click('#events-submit');
    await staff.waitForSelector('#events-record-result[data-state]');
    assert.equal(await staff.getAttribute('#events-record-result', 'data-state'), 'ok', await staff.textContent('#events-record-result'));
    await staff.waitForFunction(([sel, step]) => (document.querySelector(`${sel} td[data-step="${step}"]`)?.textContent ?? '—') !== '—', [row, event]);
  }
  await staff.screenshot({ path: join(SHOTS, `${shot}-desk.png`), animations: 'disabled' });
  return name;
}

/** Nothing issued in the hold; 90 days on, with A's app closed, the demo's scheduled issuance (its tick, on demand) issues. */
async function ninetyDaysLater(ctx, referralId) {
  assert.deepEqual(await issuedFor(ctx.desk, referralId), [], 'in the 90-day hold');
  await ctx.at(ctx.now() + 90 * DAY_MS + 10 * MINUTE_MS);
  const staff = ctx.desk;
  await signInStaff(staff, 'operations');
  await staffScreen(staff, 'jobs', '#staff-jobs:not([hidden]) .console-toolbar');
  const button = staff.locator('#staff-jobs button', { hasText: '立即运行奖励发放' });
  await button.click();
  await staff.waitForFunction(() => {
    const b = [...document.querySelectorAll('#staff-jobs button')].find((x) => x.textContent === '立即运行奖励发放');
    return b && !b.disabled;
  });
  await signInStaff(staff, 'nurse');
  return issuedFor(staff, referralId);
}

/** A opens the app again: 消息 shows each step (the friend masked, never by full name). */
async function inboxShows(ctx, friend, steps, shot) {
  const a = await watchedPage(ctx.context, 'A again');
  await openApp(a, server.url);
  await a.tap('#inbox-link');
  await a.waitForSelector('#view-inbox:not([hidden]) .inbox-item');
  const texts = await a.evaluate(() => [...document.querySelectorAll('#view-inbox .inbox-item__text')].map((p) => p.textContent));
  const masked = friend.replace('*', '\\*');
  for (const step of steps.map((s) => s.replaceAll('{friend}', masked))) {
    assert.ok(texts.some((t) => new RegExp(`^${step}$`).test(t)), `${step} in 消息:\n${texts.join('\n')}`);
  }
  await a.screenshot({ path: join(SHOTS, `${shot}-inbox.png`), fullPage: true, animations: 'disabled' });
  return a;
}

async function openSheet(page, key) {
  await page.tap(`#wallet-groups .coupon[data-key="${key}"] .coupon__ticket`);
  await page.waitForSelector('#coupon-sheet[data-status="issued"]');
  await page.waitForFunction(() => Boolean(document.getElementById('coupon-sheet-code')?.dataset.code));
  return page.evaluate(() => document.getElementById('coupon-sheet-code').dataset.code);
}

async function redeemAtCounter(staff, code) {
  await staff.fill('#counter-code', code);
  await staff.evaluate(() => {
    const r = document.getElementById('counter-result');
    r.hidden = true;
    delete r.dataset.state;
  });
  await staff.click('#counter-submit');
  await staff.waitForSelector('#counter-result:not([hidden])[data-state]');
  return staff.evaluate(() => ({ state: document.getElementById('counter-result').dataset.state, text: document.getElementById('counter-result').textContent }));
}

/** The wallet holds the voucher; its counter code, a fresh one two minutes later; the desk redeems it once; A sees 已使用. */
async function redeemOnce(ctx, a, grantKey, shot) {
  await a.evaluate(() => delete document.body.dataset.wallet);
  await a.tap('.tabbar a[data-tab="wallet"]');
  await a.waitForSelector('body[data-wallet="ready"]');
  await a.waitForSelector(`#wallet-groups .coupon[data-key="${grantKey}"][data-status="available"]`);
  const oldCode = await openSheet(a, grantKey);
  await a.tap('#coupon-sheet-close');
  await ctx.at(ctx.now() + 2 * MINUTE_MS);
  const code = await openSheet(a, grantKey);
  assert.notEqual(code, oldCode, 'a new code after two minutes');
  await a.screenshot({ path: join(SHOTS, `${shot}-counter-code.png`), animations: 'disabled' });

  const staff = ctx.desk;
  await staffScreen(staff, 'counter', '#staff-counter:not([hidden]) #counter-form');
  const stale = await redeemAtCounter(staff, oldCode);
  assert.equal(stale.state, 'error', 'the code from two minutes earlier is refused');
  const done = await redeemAtCounter(staff, code);
  assert.equal(done.state, 'ok', done.text);
  assert.equal((await issuedRows(staff)).find((r) => r.grantKey === grantKey)?.status, 'used');
  const twice = await redeemAtCounter(staff, code);
  assert.equal(twice.state, 'error', 'a second redemption is refused');

  await a.waitForSelector('#coupon-sheet[data-status="used"] #coupon-sheet-used:not([hidden])', { timeout: 20_000 });
  await a.tap('#coupon-sheet-close');
  await a.waitForFunction((key) => document.querySelector(`#wallet-groups .coupon[data-key="${key}"]`)?.dataset.status === 'used', grantKey);
  await a.screenshot({ path: join(SHOTS, `${shot}-used.png`), fullPage: true, animations: 'disabled' });
}

/** One device for one test: its desk page open from the start; closed whatever happens. */
async function onDevice(run) {
  problems.length = 0;
  const ctx = await device(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
  try {
    ctx.desk = await openDesk(ctx);
    await run(ctx);
    assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
  } finally {
    await ctx.context.close().catch(() => {});
  }
}

test('offline: A refers B on the same device; the desk records B\'s arrival and visit; 90 days later A\'s reward is issued with A\'s app closed, 消息 shows each step, the voucher is redeemed once', { timeout: TEST_TIMEOUT }, () =>
  onDevice(async (ctx) => {
    const link = await takeLink(ctx);
    const referralId = await friendJoins(ctx, link, 'B', 'link');
    const friend = await recordSteps(ctx, referralId, ['registrationConfirmed', 'arrivalConfirmed', 'conversionConfirmed'], 'loops-flow-offline');
    const grantKey = `fission-exam:${referralId}:referrer:exam-100`;
    const issued = await ninetyDaysLater(ctx, referralId);
    assert.equal(issued.find((r) => r.grantKey === grantKey)?.status, 'issued', `issued by the demo's schedule, not by A's app: ${JSON.stringify(issued)}`);
    const a = await inboxShows(ctx, friend, ['您的朋友{friend}已建档，欢迎TA的加入', '您的朋友{friend}已到院，感谢您的信任', '您的朋友{friend}已完成就诊', '您的100元体检券已到账'], 'loops-flow-offline');
    await redeemOnce(ctx, a, grantKey, 'loops-flow-offline');
  }));

/**
 * A's 出院感恩卡 on the nurse's 出院感恩卡 screen: the card follows A's recorded
 * discharge (the demo's synthetic one), one per discharge. When the demo
 * nurse already handed it over, a second card for that discharge is refused
 * and the one handed over is A's; otherwise the nurse issues it now.
 * Resolves with the card's token.
 */
async function dischargeCard(ctx) {
  const staff = ctx.desk;
  await staffScreen(staff, 'discharge', '#staff-discharge:not([hidden])[data-state="ready"]');
  await staff.fill('#discharge-patient', DEMO_PATIENT_ID);
  await staff.click('#discharge-find button[type="submit"]');
  await staff.waitForSelector('#discharge-view:not([hidden])');
  await staff.waitForSelector('#staff-discharge[data-state="ready"]');
  const unused = () => staff.evaluate(() => [...document.querySelectorAll('#discharge-table tr[data-token]')]
    .filter((tr) => tr.lastElementChild.textContent === '未使用').map((tr) => tr.dataset.token));
  const handedOver = await unused();
  await staff.fill('#discharge-at', '');
  await staff.click('#discharge-submit');
  await staff.waitForSelector('#discharge-result[data-state]');
  const state = await staff.getAttribute('#discharge-result', 'data-state');
  if (handedOver.length > 0) {
    assert.equal(state, 'error', 'one card per discharge');
    assert.equal(await staff.textContent('#discharge-result'), '这次出院已经发过感恩卡了，每次出院只发一张');
    assert.equal(handedOver.length, 1, `one unused card: ${handedOver}`);
    return handedOver[0];
  }
  assert.equal(state, 'ok', await staff.textContent('#discharge-result'));
  const token = await staff.getAttribute('#discharge-result', 'data-token');
  assert.match(token, /^D[0-9A-HJKMNP-TV-Z]{16}$/);
  await staff.waitForFunction((t) => Boolean(document.querySelector(`#discharge-table tr[data-token="${t}"]`)), token);
  return token;
}

test('offline: the 出院感恩卡 from the saved PNG: B registers by the card on the same device, the desk records admission and discharge; 90 days later A\'s meal coupon is issued with A\'s app closed, 消息 shows it, the coupon is redeemed once', { timeout: TEST_TIMEOUT }, () =>
  onDevice(async (ctx) => {
    const token = await dischargeCard(ctx);
    const url = await scanPoster(ctx, 'thankYouCard', 'loops-flow-offline-card');
    assert.equal(new URL(url).searchParams.get('t'), token, `the QR carries the card's token: ${url}`);
    const referralId = await friendJoins(ctx, url, 'B', 'dischargeCard');
    const friend = await recordSteps(ctx, referralId, ['admissionConfirmed', 'dischargeConfirmed'], 'loops-flow-offline-card');
    const row = (await readStore(ctx.desk, 'referrals')).find((r) => r.id === referralId);
    assert.equal(row.refereeIsInpatient, true, 'the admission makes B an inpatient, as the server\'s desk does');
    const issued = await ninetyDaysLater(ctx, referralId);
    const campaign = CAMPAIGNS.find((c) => c.id === 'thank-you-card');
    const mine = issued.filter((r) => r.grantKey.includes(':referrer:'));
    assert.deepEqual(mine.map((r) => [r.campaignId, r.title, r.status]), campaign.referrerRewards.map((w) => ['thank-you-card', w.title, 'issued']), `A's rewards for B: ${JSON.stringify(issued)}`);
    const a = await inboxShows(ctx, friend, ['您的朋友{friend}已建档，欢迎TA的加入', `您的${mine[0].title}已到账`], 'loops-flow-offline-card');
    await redeemOnce(ctx, a, mine[0].grantKey, 'loops-flow-offline-card');
  }));

/** The nurse fills the KOC form (privilege) and saves the result to A (保存到患者档案). */
async function saveKoc(ctx) {
  const staff = ctx.desk;
  await staffScreen(staff, 'koc', '#koc-questions fieldset');
  for (const [question, option] of Object.entries(KOC_PRIVILEGE)) await staff.check(`input[name="koc-${question}"][value="${option}"]`);
  await staff.click('#koc-submit');
  await staff.waitForSelector('#koc-result:not([hidden]) #koc-save:not([hidden])');
  await staff.fill('#koc-patient', DEMO_PATIENT_ID);
  await staff.click('#koc-save-submit');
  await staff.waitForSelector('#koc-save-msg[data-state]');
  assert.equal(await staff.textContent('#koc-save-msg'), '已保存：患者的海报将推荐「黑金推荐函」');
}

test('offline: the 黑金推荐函 from the saved PNG after the KOC result: C registers by the letter on the same device; 90 days later A\'s rewards for C (the 终身荣誉理事 title among them) are issued with A\'s app closed, 消息 shows it, the voucher is redeemed once', { timeout: TEST_TIMEOUT }, () =>
  onDevice(async (ctx) => {
    await saveKoc(ctx);
    const url = await scanPoster(ctx, 'referralPrivilege', 'loops-flow-offline-letter');
    assert.match(new URL(url).searchParams.get('t') ?? '', /^P[0-9A-HJKMNP-TV-Z]{16}$/, `the 黑金推荐函's token: ${url}`);
    const referralId = await friendJoins(ctx, url, 'C', 'letter');
    const letterCampaigns = CAMPAIGNS.filter((c) => c.referral?.channel === 'letter');
    assert.deepEqual([...new Set(letterCampaigns.map((c) => c.referral.trigger))], ['registrationConfirmed'], 'the letter campaigns\' trigger is the confirmed registration');
    const friend = await recordSteps(ctx, referralId, ['registrationConfirmed'], 'loops-flow-offline-letter');
    const letterIds = letterCampaigns.map((c) => c.id);
    const letterRewards = async () => (await issuedRows(ctx.desk)).filter((r) => letterIds.includes(r.campaignId));
    assert.deepEqual(await letterRewards(), [], 'no letter reward for A before C');
    const issued = await ninetyDaysLater(ctx, referralId);
    const mine = issued.filter((r) => r.grantKey.includes(':referrer:'));
    const honours = await letterRewards();
    const referrerTitles = letterCampaigns.flatMap((c) => [...(c.referrerRewards ?? []), ...(c.tiers?.[0]?.rewards ?? [])]).map((w) => w.title);
    assert.ok(referrerTitles.includes('终身荣誉理事'));
    for (const title of referrerTitles) assert.ok([...mine, ...honours].some((r) => r.title === title && r.status === 'issued'), `A's ${title} for C: ${JSON.stringify({ issued, honours })}`);
    const a = await inboxShows(ctx, friend, ['您的朋友{friend}已建档，欢迎TA的加入', `您的${mine[0].title}已到账`, '恭喜您获得终身荣誉理事'], 'loops-flow-offline-letter');
    const voucher = mine.find((r) => ['voucher', 'service'].includes(REWARD_TYPES.get(r.title)));
    assert.ok(voucher, `a reward for the counter among A's: ${JSON.stringify(mine)}`);
    await redeemOnce(ctx, a, voucher.grantKey, 'loops-flow-offline-letter');
  }));

test('offline: a join URL with a forged letter token or a tampered code is refused in words; nothing is registered or issued', { timeout: TEST_TIMEOUT }, () =>
  onDevice(async (ctx) => {
    await saveKoc(ctx);
    const url = new URL(await scanPoster(ctx, 'referralPrivilege', 'loops-flow-offline-forged'));
    const token = url.searchParams.get('t');
    const code = url.searchParams.get('c');
    const before = { referrals: (await readStore(ctx.desk, 'referrals')).length, issued: await issuedRows(ctx.desk) };

    // Forged tokens: the letter's token with one symbol changed (its check symbol
    // fails), and a well-formed 黑金推荐函 token the demo never issued.
    const module = await loadCore();
    const made = JSON.parse(module.makeChannelToken(JSON.stringify({ channel: 'letter', randomHex: randomBytes(10).toString('hex') })));
    assert.equal(made.ok, true, JSON.stringify(made));
    for (const [label, forgedToken, expected] of [
      ['changed', `${token.slice(0, -1)}${token.endsWith('Z') ? 'Y' : 'Z'}`, 'referral.bad_token'],
      ['never issued', made.value.token, 'referral.unknown_token'],
    ]) {
      const forged = new URL(url);
      forged.searchParams.set('t', forgedToken);
      const f = await watchedPage(ctx.context, `forged ${label}`);
      await openApp(f, forged.href);
      await f.waitForSelector('#view-join[data-lookup="done"]');
      await f.tap('#join-consent');
      await f.tap('#join-submit');
      await f.waitForSelector('#join-error:not([hidden])');
      assert.equal(await f.getAttribute('#join-error', 'data-code'), expected, `a token ${label}`);
      const said = await f.textContent('#join-error');
      assert.match(said, /[\u4e00-\u9fff]/, 'said in words');
      assert.doesNotMatch(said, /referral\.|undefined|null/, 'no raw code in front of the friend');
      assert.equal(await f.getAttribute('#view-join', 'data-state'), 'form', 'nothing registered');
      await f.screenshot({ path: join(SHOTS, `loops-flow-offline-forged-${label.replace(' ', '-')}.png`), animations: 'disabled' });
      await f.close();
    }

    // A tampered code: the core's message, and the join does not go through.
    const tampered = new URL(url);
    tampered.searchParams.delete('t');
    tampered.searchParams.set('c', `${code.slice(0, 4)}${code[4] === 'Z' ? 'Y' : 'Z'}${code.slice(5)}`);
    const t = await watchedPage(ctx.context, 'tampered');
    await openApp(t, tampered.href);
    await t.waitForSelector('#view-join:not([hidden])[data-state="form"]');
    await t.waitForSelector('#join-code-status[data-state="error"]');
    assert.match(await t.textContent('#join-code-status'), /推荐码有误/);
    await t.tap('#join-consent').catch(() => {});
    await t.tap('#join-submit').catch(() => {});
    await t.waitForTimeout(500);
    assert.notEqual(await t.getAttribute('#view-join', 'data-state'), 'done', 'nothing registered');
    await t.close();

    // Nothing recorded, nothing issued.
    assert.equal((await readStore(ctx.desk, 'referrals')).length, before.referrals, 'no referral recorded');
    const joined = (await readStore(ctx.desk, 'meta')).find((m) => m.name === 'joinedFriends');
    assert.equal(joined?.value.length ?? 0, 0, 'no friend joined');
    assert.deepEqual((await issuedRows(ctx.desk)).map((r) => r.grantKey).sort(), before.issued.map((r) => r.grantKey).sort(), 'nothing issued');
  }));
