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
// The same loop for the two other channels, from the PNG the patient saves on
// 海报 (its QR decoded by zbar) rather than the link:
//   the 出院感恩卡 the nurse issues for A's recorded discharge → B registers from the
//   card, staff record registration, admission and discharge → 90 days on A's
//   200元营养餐券 is issued (and B's 减免1天床位费, the campaign's referee
//   reward) → 消息 → counter;
//   the 黑金推荐函 once A's KOC result (privilege) is saved → C registers from
//   the letter, staff record the registration → 90 days on A's rewards for C,
//   the 终身荣誉理事 title among them, are issued → 消息 → the voucher among
//   them is redeemed once at the counter.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
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

const KOC_PRIVILEGE = { peakMoment: 'strong', recommend: 'asked', gatherings: 'often', groupActivity: 'fixed', experience: 'great', incentive: 'privilege' };
const CAMPAIGNS = JSON.parse(readFileSync(join(REPO, 'web', 'demo', 'campaigns.json'), 'utf8')).campaigns;
/** A campaign's reward type by its title (voucher and service rewards are the ones redeemed at the counter). */
const REWARD_TYPES = new Map(
  CAMPAIGNS.flatMap((c) => [...(c.referrerRewards ?? []), ...(c.refereeRewards ?? []), ...(c.rewards ?? []), ...(c.tiers ?? []).flatMap((t) => t.rewards), ...(c.pools ?? []).map((p) => p.reward)])
    .map((r) => [r.title, r.type]),
);

before(async () => {
  requireBuilt();
  assert.equal(spawnSync('zbarimg', ['--version']).status, 0, 'zbarimg is missing: apt-get install zbar-tools');
  mkdirSync(SHOTS, { recursive: true });
  postgres = await startPostgres();
  process.env.CARECIRCLE_WEB = SHELL;
  // Jobs run on events and on demand only: the test is the clock.
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, demo: true, web: true, schedule: false });
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

const api = () => apiClient(backend.apiUrl);
const appUrl = () => `${backend.url}?backend=http`;
/** A nurse's session (a new one each time: the server clock the tests move ends old sessions). */
async function nurse() {
  return (await api()('POST', '/demo/sessions', { body: { as: 'staff', role: 'nurse' } })).body.token;
}
const statusOf = async (patientId, grantKey) => (await backend.pool.query('SELECT status FROM issued_rewards WHERE patient_id = $1 AND grant_key = $2', [patientId, grantKey])).rows[0]?.status;

/** A's join link (推荐 → 我的推荐码); A closes the app after. */
async function takeLink(aContext) {
  const a = await watchedPage(aContext, 'A');
  await openApp(a, appUrl());
  await a.tap('.tabbar a[data-tab="referral"]');
  await a.waitForSelector('#my-code-card:not([hidden])');
  const link = await a.getAttribute('#my-code-link', 'href');
  assert.ok(new URL(link).searchParams.get('c'), `a join link with the code: ${link}`);
  await a.close();
  return link;
}

/** A's 海报 on `template`, 保存图片, the saved PNG's QR decoded by zbar; A closes the app after. */
async function scanPoster(aContext, template, name) {
  const a = await watchedPage(aContext, `A ${template}`);
  await openApp(a, appUrl());
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

/** The friend, in their own profile, opens `url` and registers with the consent; resolves with the referral and the friend. */
async function friendJoins(contexts, url, label, channel) {
  const context = await newContext();
  contexts.push(context);
  const b = await watchedPage(context, label);
  await openApp(b, url);
  await b.waitForSelector('#view-join[data-lookup="done"]');
  assert.equal(await b.getAttribute('#view-join', 'data-channel'), channel, `${label} joins by the ${channel}`);
  await b.tap('#join-consent');
  await b.tap('#join-submit');
  await b.waitForSelector('body[data-join="done"]');
  const referralId = await b.getAttribute('#view-join', 'data-referral-id');
  const { rows } = await backend.pool.query(
    'SELECT p.id, p.name, r.channel FROM referrals r JOIN patients p ON p.id = r.referee_id WHERE r.id = $1 AND r.referrer_id = $2',
    [referralId, DEMO_PATIENT_ID],
  );
  assert.equal(rows.length, 1, `${label} is A's friend on the server`);
  assert.equal(rows[0].channel, channel, 'recorded on the channel');
  return { referralId, friendId: rows[0].id, friendName: rows[0].name };
}

/** The hospital's desk records the steps. */
async function recordSteps(referralId, events) {
  for (const event of events) {
    const r = await api()('POST', '/staff/referral-events', { token: await nurse(), key: newKey(), body: { referralId, event } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
}

/** The rewards issued for the referral, per patient, oldest first (the order the inbox names the first). */
async function issuedFor(referralId) {
  const { rows } = await backend.pool.query(
    'SELECT patient_id, grant_key, campaign_id, title, status FROM issued_rewards WHERE referral_id = $1 ORDER BY issued_at_ms, grant_key',
    [referralId],
  );
  return rows;
}

/** Nothing is issued during the hold; 90 days on, with nobody opening anything, the server's schedule issues. */
async function ninetyDaysLater(referralId) {
  assert.deepEqual(await issuedFor(referralId), [], 'in the 90-day hold');
  backend.advanceClock(90 * DAY_MS + 60_000);
  await backend.jobs.runNow('referral-issuance-sweep');
  return issuedFor(referralId);
}

/** A opens the app again: 消息 shows each step (the friend masked, never by full name). */
async function inboxShows(aContext, friendName, steps, shot) {
  const a = await watchedPage(aContext, 'A again');
  await openApp(a, appUrl());
  await a.tap('#inbox-link');
  await a.waitForSelector('#view-inbox:not([hidden]) .inbox-item');
  const texts = await a.evaluate(() => [...document.querySelectorAll('#view-inbox .inbox-item__text')].map((p) => p.textContent));
  const masked = `${friendName[0]}\\*(?:${friendName.slice(-1)})?`;
  for (const step of steps.map((s) => s.replaceAll('{friend}', masked))) {
    assert.ok(texts.some((t) => new RegExp(`^${step}$`).test(t)), `${step} in 消息:\n${texts.join('\n')}`);
  }
  assert.ok(texts.every((t) => !t.includes(friendName)), 'the friend never by full name');
  await a.screenshot({ path: join(SHOTS, `${shot}-inbox.png`), fullPage: true, animations: 'disabled' });
  return a;
}

/** The wallet holds the voucher; its counter code, a fresh one two minutes later; staff redeem it once; A sees 已使用. */
async function redeemOnce(a, contexts, grantKey, shot) {
  await a.evaluate(() => delete document.body.dataset.wallet);
  await a.tap('.tabbar a[data-tab="wallet"]');
  await a.waitForSelector('body[data-wallet="ready"]');
  await a.waitForSelector(`#wallet-groups .coupon[data-key="${grantKey}"][data-status="available"]`);
  const oldCode = await openSheet(a, grantKey);
  await a.tap('#coupon-sheet-close');
  backend.advanceClock(2 * 60_000);
  const code = await openSheet(a, grantKey);
  assert.notEqual(code, oldCode, 'a new code after two minutes');
  await a.screenshot({ path: join(SHOTS, `${shot}-counter-code.png`), animations: 'disabled' });

  // Staff at the counter (their own profile, the desktop console).
  const staffContext = await newContext();
  contexts.push(staffContext);
  const staff = await watchedPage(staffContext, 'staff');
  await staff.setViewportSize({ width: 1366, height: 768 });
  await openApp(staff, `${appUrl()}#staff`);
  await signInStaff(staff, 'nurse');
  await staff.evaluate(() => {
    location.hash = '#staff/counter';
  });
  await staff.waitForSelector('#staff-counter:not([hidden]) #counter-form');
  const stale = await redeemAtCounter(staff, oldCode);
  assert.equal(stale.state, 'error', 'the code from two minutes earlier is refused');
  const done = await redeemAtCounter(staff, code);
  assert.equal(done.state, 'ok', done.text);
  assert.equal(await statusOf(DEMO_PATIENT_ID, grantKey), 'used');
  const twice = await redeemAtCounter(staff, code);
  assert.equal(twice.state, 'error', 'a second redemption is refused');

  // A's open sheet learns it by itself, then the wallet shows it.
  await a.waitForSelector('#coupon-sheet[data-status="used"] #coupon-sheet-used:not([hidden])', { timeout: 20_000 });
  await a.tap('#coupon-sheet-close');
  await a.waitForFunction((key) => document.querySelector(`#wallet-groups .coupon[data-key="${key}"]`)?.dataset.status === 'used', grantKey);
  await a.screenshot({ path: join(SHOTS, `${shot}-used.png`), fullPage: true, animations: 'disabled' });
}

async function withContexts(run) {
  problems.length = 0;
  const contexts = [];
  try {
    const aContext = await newContext();
    contexts.push(aContext);
    await run(aContext, contexts);
    assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
  }
}

test('A refers B; the hospital records the steps; 90 days later A\'s reward is issued without A, A\'s inbox shows each step, the voucher is redeemed once', { timeout: TEST_TIMEOUT }, () =>
  withContexts(async (aContext, contexts) => {
    const link = await takeLink(aContext);
    const { referralId, friendName } = await friendJoins(contexts, link, 'B', 'link');
    await recordSteps(referralId, ['registrationConfirmed', 'arrivalConfirmed', 'conversionConfirmed']);
    const grantKey = `fission-exam:${referralId}:referrer:exam-100`;
    const issued = await ninetyDaysLater(referralId);
    assert.equal(issued.find((r) => r.grant_key === grantKey)?.status, 'issued', 'issued by the server, not by A\'s client');
    const a = await inboxShows(aContext, friendName, ['您的朋友{friend}已建档，欢迎TA的加入', '您的朋友{friend}已到院，感谢您的信任', '您的朋友{friend}已完成就诊', '您的100元体检券已到账'], 'loops-flow');
    await redeemOnce(a, contexts, grantKey, 'loops-flow');
  }));

test('the 出院感恩卡 from the saved PNG: B registers by the card, is admitted and discharged; 90 days later A\'s meal coupon (and B\'s bed-day) are issued without A, 消息 shows it, the coupon is redeemed once', { timeout: TEST_TIMEOUT }, () =>
  withContexts(async (aContext, contexts) => {
    // The hospital records A's discharge an hour ago; the nurse hands over its card (a card follows a recorded discharge).
    const nowMs = (await api()('GET', '/now')).body.serverTimeMs;
    const discharged = await api()('POST', '/staff/clinical-moments', { token: await nurse(), key: newKey(), body: { patientId: DEMO_PATIENT_ID, kind: 'discharge', atMs: nowMs - 3_600_000 } });
    assert.equal(discharged.status, 200, JSON.stringify(discharged.body));
    const card = await api()('POST', '/staff/discharge-cards', { token: await nurse(), key: newKey(), body: { patientId: DEMO_PATIENT_ID } });
    assert.equal(card.status, 200, JSON.stringify(card.body));
    const url = await scanPoster(aContext, 'thankYouCard', 'loops-flow-card');
    assert.equal(new URL(url).searchParams.get('t'), card.body.token, `the QR carries the card's token: ${url}`);
    const { referralId, friendId, friendName } = await friendJoins(contexts, url, 'B', 'dischargeCard');
    await recordSteps(referralId, ['registrationConfirmed', 'admissionConfirmed', 'dischargeConfirmed']);
    const issued = await ninetyDaysLater(referralId);
    const campaign = CAMPAIGNS.find((c) => c.id === 'thank-you-card');
    const mine = issued.filter((r) => r.patient_id === DEMO_PATIENT_ID);
    assert.deepEqual(mine.map((r) => [r.campaign_id, r.title, r.status]), campaign.referrerRewards.map((w) => ['thank-you-card', w.title, 'issued']), `A's rewards for B: ${JSON.stringify(issued)}`);
    const theirs = issued.filter((r) => r.patient_id === friendId);
    assert.deepEqual(theirs.map((r) => [r.campaign_id, r.title]), campaign.refereeRewards.map((w) => ['thank-you-card', w.title]), `B's rewards: ${JSON.stringify(issued)}`);
    const a = await inboxShows(aContext, friendName, ['您的朋友{friend}已建档，欢迎TA的加入', `您的${mine[0].title}已到账`], 'loops-flow-card');
    await redeemOnce(a, contexts, mine[0].grant_key, 'loops-flow-card');
  }));

test('the 黑金推荐函 from the saved PNG after the KOC result: C registers by the letter; 90 days later A\'s rewards for C (the 终身荣誉理事 title among them) are issued without A, 消息 shows it, the voucher is redeemed once', { timeout: TEST_TIMEOUT }, () =>
  withContexts(async (aContext, contexts) => {
    const koc = await api()('POST', '/staff/koc-assessments', { token: await nurse(), key: newKey(), body: { patientId: DEMO_PATIENT_ID, answers: KOC_PRIVILEGE } });
    assert.equal(koc.status, 200, JSON.stringify(koc.body));
    const url = await scanPoster(aContext, 'referralPrivilege', 'loops-flow-letter');
    assert.match(new URL(url).searchParams.get('t') ?? '', /^P[0-9A-HJKMNP-TV-Z]{16}$/, `the 黑金推荐函's token: ${url}`);
    const { referralId, friendId, friendName } = await friendJoins(contexts, url, 'C', 'letter');
    // The letter campaigns' trigger is the confirmed registration.
    const letterCampaigns = CAMPAIGNS.filter((c) => c.referral?.channel === 'letter');
    assert.deepEqual([...new Set(letterCampaigns.map((c) => c.referral.trigger))], ['registrationConfirmed']);
    await recordSteps(referralId, ['registrationConfirmed']);
    // A tier's title counts referrals rather than belonging to one: found by A and the letter campaigns.
    const letterRewards = async () => (await backend.pool.query(
      'SELECT grant_key, title, status FROM issued_rewards WHERE patient_id = $1 AND campaign_id = ANY($2) ORDER BY grant_key',
      [DEMO_PATIENT_ID, letterCampaigns.map((c) => c.id)],
    )).rows;
    assert.deepEqual(await letterRewards(), [], 'no letter reward for A before C');
    const issued = await ninetyDaysLater(referralId);
    const mine = issued.filter((r) => r.patient_id === DEMO_PATIENT_ID);
    const honours = await letterRewards();
    const referrerTitles = letterCampaigns.flatMap((c) => [...(c.referrerRewards ?? []), ...(c.tiers?.[0]?.rewards ?? [])]).map((w) => w.title);
    assert.ok(referrerTitles.includes('终身荣誉理事'));
    for (const title of referrerTitles) assert.ok([...mine, ...honours].some((r) => r.title === title && r.status === 'issued'), `A's ${title} for C: ${JSON.stringify({ issued, honours })}`);
    const theirs = issued.filter((r) => r.patient_id === friendId).map((r) => r.title);
    for (const w of letterCampaigns.flatMap((c) => c.refereeRewards ?? [])) assert.ok(theirs.includes(w.title), `C's ${w.title}: ${JSON.stringify(issued)}`);
    const a = await inboxShows(aContext, friendName, ['您的朋友{friend}已建档，欢迎TA的加入', `您的${mine[0].title}已到账`, '恭喜您获得终身荣誉理事'], 'loops-flow-letter');
    const voucher = mine.find((r) => ['voucher', 'service'].includes(REWARD_TYPES.get(r.title)));
    assert.ok(voucher, `a reward for the counter among A's: ${JSON.stringify(mine)}`);
    await redeemOnce(a, contexts, voucher.grant_key, 'loops-flow-letter');
  }));
