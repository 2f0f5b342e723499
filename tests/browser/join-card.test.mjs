// 凭卡号可领取: a friend without a camera types the 出院感恩卡's card number on
// the join page, on both backends (harness.mjs twoBackendSuite), at 200 %
// text (WeChat's 'menu:setfont', as text-size.test.mjs sends it):
//   - over HTTP the hospital records A's discharge and the nurse issues its
//     card (workbench 出院感恩卡); the offline demo's A has the card of its
//     synthetic discharge;
//   - A's 海报 offers that card (the core prints its number under the foil);
//   - friend B opens the join page on A's plain link (the offline demo's
//     friend is a page of the same browser; over HTTP a new phone, which types
//     the code again as printed), opens 「我有出院感恩卡」 and types:
//       a number with one symbol wrong → the core's check, in words for a
//       typed number, before anything is sent;
//       a well-formed number no card carries → refused by the backend
//       (没有找到这张感恩卡), nothing recorded;
//       the card's number, lower case with spaces → registered, the
//       referral recorded on the channel dischargeCard (over HTTP with the
//       card's token), as the QR does;
//   - friend C types the same card number → refused: the card is used;
//   - a join link that carries a token (the QR) shows no card field.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { PHONE, recordCspViolations, REPO, signInStaff, twoBackendSuite } from './harness.mjs';

import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { loadCore } from '../node/helpers.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 40_000;
const TEST_TIMEOUT = 300_000;
const PHONE_CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };
const DESKTOP = { viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: /** @type {'block'} */ ('block') };

const suite = twoBackendSuite({ chromium, shots: SHOTS });
const core = await (async () => {
  const module = await loadCore();
  return { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
})();

const problems = [];
function watch(page, label) {
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('pageerror', (err) => problems.push(`${label} pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) {
      problems.push(`${label} console: ${msg.text()}`);
    }
  });
  return page;
}

/** WeChat's WeixinJSBridge stand-in: the test fires 'menu:setfont' as WeChat does (see text-size.test.mjs). */
function fakeWeChatBridge() {
  const handlers = new Map();
  window.WeixinJSBridge = { on: (name, handler) => handlers.set(name, handler), invoke: () => {} };
  window.__setWeChatFont = (fontScale) => {
    const handler = handlers.get('menu:setfont');
    if (!handler) return false;
    handler({ fontScale });
    return true;
  };
}

async function newContext(options) {
  const context = await suite.browser.newContext(options);
  await recordCspViolations(context);
  await context.addInitScript(fakeWeChatBridge);
  return context;
}

async function openApp(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(`the app shows its error screen: ${await page.textContent('#load-error-detail')}`);
}

/** The nurse on the 出院感恩卡 screen issues the card for the patient's latest recorded discharge; resolves with its token. */
async function issueCard(staff, patientId) {
  await staff.evaluate(() => {
    location.hash = '#staff/discharge';
  });
  await staff.waitForSelector('#staff-discharge:not([hidden])[data-state="ready"]');
  await staff.fill('#discharge-patient', patientId);
  await staff.click('#discharge-find button[type="submit"]');
  await staff.waitForSelector('#discharge-view:not([hidden])');
  await staff.waitForSelector('#staff-discharge[data-state="ready"]');
  await staff.fill('#discharge-at', '');
  await staff.click('#discharge-submit');
  await staff.waitForSelector('#discharge-result[data-state="ok"]');
  const token = await staff.getAttribute('#discharge-result', 'data-token');
  assert.match(token, /^D[0-9A-HJKMNP-TV-Z]{16}$/);
  return token;
}

/** A's 海报 on the thank-you card: the card it shows (its token). */
async function cardOnPoster(a) {
  await a.evaluate(() => {
    location.hash = '#poster/thankYouCard';
  });
  await a.waitForFunction(() => {
    const view = document.getElementById('view-poster');
    return view && view.dataset.template === 'thankYouCard' && view.dataset.state === 'ready';
  }, null, { timeout: 2 * STEP_TIMEOUT });
  return a.getAttribute('#view-poster', 'data-card');
}

/** Sets 200 % text on `page` as WeChat does, and checks that the root follows. */
async function largeText(page) {
  assert.equal(await page.evaluate(() => window.__setWeChatFont(200)), true, 'the shell listens to menu:setfont');
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).fontSize), '32px');
}

/** Types `number` into the card field (opening it first) and leaves the field, as a person does. */
async function typeCard(page, number) {
  if ((await page.getAttribute('#join-card', 'data-open')) !== 'true') await page.tap('#join-card-toggle');
  await page.fill('#join-card-number', number);
  await page.locator('#join-card-number').press('Tab');
}

/** Submits the join form; resolves with the error shown (code and words) or the referral id. */
async function submit(page) {
  if (!(await page.isChecked('#join-consent'))) await page.tap('#join-consent');
  await page.tap('#join-submit');
  await page.waitForSelector('#view-join[data-state="done"], #view-join[data-state="queued"], #join-error:not([hidden]), #join-card-status[data-state="error"]');
  if (await page.isVisible('#view-join[data-state="queued"]')) return { error: 'queued' };
  if (await page.isVisible('#join-error')) {
    return { error: await page.getAttribute('#join-error', 'data-code'), words: await page.textContent('#join-error'), card: await page.textContent('#join-card-status') };
  }
  if (await page.isVisible('#view-join[data-state="done"]')) return { referralId: await page.getAttribute('#view-join', 'data-referral-id') };
  return { error: 'card-field', card: await page.textContent('#join-card-status') };
}

/** A well-formed discharge-card token that no card carries (the core makes it from fresh randomness). */
function unissuedCardToken() {
  const nowMs = Date.now();
  for (;;) {
    const made = core.call('makeChannelToken', {
      channel: 'dischargeCard',
      randomHex: randomBytes(10).toString('hex'),
      nowMs,
      dischargedAtMs: nowMs - 60_000,
      cardsAlreadyIssued: 0,
    });
    if (made.ok) return made.value;
  }
}

/** The token with one symbol changed (a different symbol of the alphabet): the check symbol catches it. */
function mistyped(token) {
  const at = 5;
  const swap = token[at] === '7' ? '8' : '7';
  return `${token.slice(0, at)}${swap}${token.slice(at + 1)}`;
}

const backends = {
  offline: {
    async start() {
      const context = await newContext(PHONE_CONTEXT);
      this.context = context;
      const a = watch(await context.newPage(), 'offline A');
      const staff = watch(await context.newPage(), 'offline nurse');
      await staff.setViewportSize(DESKTOP.viewport);
      return { url: suite.stack.staticServer.url, a, staff };
    },
    async patientId(a) {
      return a.evaluate(async () => (await (await import('/backend/offline.js')).createOfflineBackend().getProfile()).patientId);
    },
    async code(a) {
      return a.evaluate(async () => {
        const { loadCore: load } = await import('/core.js');
        const b = (await import('/backend/offline.js')).createOfflineBackend();
        await b.init();
        return (await b.getReferralCode(await load())).code;
      });
    },
    /** The demo's friend is a page of the same browser opened on A's plain link (the code filled in). */
    async friend(label, url, code) {
      const page = watch(await this.context.newPage(), label);
      await openApp(page, `${url}#join/${code}`);
      return page;
    },
    async recorded(a, referralId) {
      return a.evaluate(async (id) => {
        const db = await new Promise((resolve, reject) => {
          const r = indexedDB.open('carecircle-demo');
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        const row = await new Promise((resolve, reject) => {
          const r = db.transaction('referrals').objectStore('referrals').get(id);
          r.onsuccess = () => resolve(r.result);
          r.onerror = () => reject(r.error);
        });
        db.close();
        return row ? { channel: row.channel } : null;
      }, referralId);
    },
    async stop() {
      await this.context?.close().catch(() => {});
    },
  },
  http: {
    contexts: [],
    async start() {
      const contextA = await newContext(PHONE_CONTEXT);
      const contextStaff = await newContext(DESKTOP);
      this.contexts.push(contextA, contextStaff);
      return { url: `${suite.stack.base}?backend=http`, a: watch(await contextA.newPage(), 'http A'), staff: watch(await contextStaff.newPage(), 'http nurse') };
    },
    async patientId() {
      return DEMO_PATIENT_ID;
    },
    /** The hospital's record of A's discharge an hour ago (a card follows a recorded discharge). */
    async recordDischarge(patientId) {
      const nurse = (await suite.stack.api('POST', '/demo/sessions', { body: { as: 'staff', role: 'nurse' } })).body.token;
      const { serverTimeMs } = (await suite.stack.api('GET', '/now')).body;
      const r = await suite.stack.api('POST', '/staff/clinical-moments', {
        token: nurse,
        key: `discharge-${randomBytes(8).toString('hex')}`,
        body: { patientId, kind: 'discharge', atMs: serverTimeMs - 3_600_000 },
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    },
    async code() {
      const session = (await suite.stack.api('POST', '/demo/sessions', { body: { as: 'demoPatient' } })).body;
      return (await suite.stack.api('GET', '/profile', { token: session.token })).body.referralCode;
    },
    /**
     * Over HTTP the friend is a new phone (the demo signs a new patient in on a
     * join link), on A's plain link; the code is typed again as printed on the card.
     */
    async friend(label, url, code) {
      const context = await newContext(PHONE_CONTEXT);
      this.contexts.push(context);
      const page = watch(await context.newPage(), label);
      await openApp(page, `${url}#join/${code}`);
      await page.waitForSelector('#view-join:not([hidden])[data-state="form"]');
      const display = core.call('checkReferralCode', { code }).value.display;
      await page.fill('#join-code', display.toLowerCase());
      await page.locator('#join-code').press('Tab');
      return page;
    },
    async recorded(a, referralId) {
      const { rows } = await suite.stack.pool.query('SELECT channel, channel_token FROM referrals WHERE id = $1', [referralId]);
      return rows[0] ? { channel: rows[0].channel, token: rows[0].channel_token } : null;
    },
    async stop() {
      for (const c of this.contexts) await c.close().catch(() => {});
      this.contexts = [];
    },
  },
};

/** The flow on one backend (both tests below). */
async function typedCardFlow(name) {
  const backend = backends[name];
  problems.length = 0;
  try {
    const { url, a, staff } = await backend.start();
    await openApp(a, url);
    const patientId = await backend.patientId(a);
    // Over HTTP the hospital records A's discharge and the nurse hands over its card; the
    // offline demo's history has both already (a discharge three days ago, its card).
    let token;
    if (backend.recordDischarge) {
      await backend.recordDischarge(patientId);
      await staff.goto(`${url}#staff`, { waitUntil: 'load' });
      await staff.waitForSelector('body[data-ready="true"]');
      await signInStaff(staff, 'nurse');
      token = await issueCard(staff, patientId);
    } else {
      token = await cardOnPoster(a);
    }
    assert.match(token, /^D[0-9A-HJKMNP-TV-Z]{16}$/);
    const display = core.call('checkChannelClaim', { code: await backend.code(a), channel: 'dischargeCard', token }).value;
    assert.equal(display.token, token);
    const printed = `${token.slice(0, 4)}-${token.slice(4, 8)}-${token.slice(8, 12)}-${token.slice(12)}`;

    // A's 海报 offers that card (its number printed under the foil by the core's
    // layoutPoster: tests/poster/poster_card_number_test.cpp and its golden fixture).
    assert.equal(await cardOnPoster(a), token);

    const code = await backend.code(a);
    const b = await backend.friend(`${name} B`, url, code);
    await b.waitForSelector('#view-join:not([hidden])[data-state="form"]');
    await b.waitForSelector('#view-join[data-lookup="done"]');
    await largeText(b);
    assert.equal(await b.isVisible('#join-card-number'), false, 'closed until the friend says they have a card');

    // One symbol wrong: the core's check symbol, in words for a typed number; nothing is sent.
    await typeCard(b, mistyped(token));
    await b.waitForSelector('#join-card-status[data-state="error"]');
    assert.equal(await b.textContent('#join-card-status'), '卡号有误，请对照感恩卡重新输入（共17位，横线可不输）');
    assert.equal((await submit(b)).error, 'card-field');

    // Well formed, but no card carries it: the backend's lookup refuses, nothing is recorded.
    const stranger = unissuedCardToken();
    await typeCard(b, stranger.display);
    await b.waitForSelector('#join-card-status[data-state="ok"]');
    const unknown = await submit(b);
    assert.equal(unknown.error, 'referral.unknown_token', JSON.stringify(unknown));
    assert.equal(unknown.words, '没有找到这张感恩卡，请核对卡号后重新输入');
    assert.equal(unknown.card, '没有找到这张感恩卡，请核对卡号后重新输入');

    // The card's number as a person types it: lower case, spaces for hyphens.
    await typeCard(b, printed.toLowerCase().replaceAll('-', ' '));
    await b.waitForSelector('#join-card-status[data-state="ok"]');
    await b.screenshot({ path: join(SHOTS, `join-card-${name}-200.png`), fullPage: true, animations: 'disabled' });
    assert.equal(await b.isVisible('#join-error'), false, 'the last refusal goes once the number is changed');
    await b.locator('#join-form').screenshot({ path: join(SHOTS, `join-card-${name}-form-200.png`), animations: 'disabled' });
    await b.locator('#join-card').screenshot({ path: join(SHOTS, `join-card-${name}-field-200.png`), animations: 'disabled' });
    const overflow = await b.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `nothing sticks out sideways at 200 % (${overflow} px)`);
    const joined = await submit(b);
    assert.ok(joined.referralId, JSON.stringify(joined));
    assert.equal(await b.getAttribute('#view-join', 'data-channel'), 'dischargeCard');
    const recorded = await backend.recorded(a, joined.referralId);
    assert.equal(recorded?.channel, 'dischargeCard', 'recorded on the card channel, as from its QR');
    if (name === 'http') assert.equal(recorded.token, token);

    // Friend C, the same card number: one friend per card.
    const c = await backend.friend(`${name} C`, url, code);
    await c.waitForSelector('#view-join:not([hidden])[data-state="form"]');
    await c.waitForSelector('#view-join[data-lookup="done"]');
    await typeCard(c, printed);
    await c.waitForSelector('#join-card-status[data-state="ok"]');
    const used = await submit(c);
    assert.equal(used.error, 'referral.card_used', JSON.stringify(used));
    assert.equal(used.words, '这张感恩卡已经有朋友登记过了，每张卡只能登记一位朋友');
    await largeText(c);
    await c.screenshot({ path: join(SHOTS, `join-card-${name}-used-200.png`), fullPage: true, animations: 'disabled' });

    // From the card's QR the link names the card already: no field to type it.
    await c.goto(`${url}#join/${code}~${token}`, { waitUntil: 'load' });
    await c.waitForSelector('body[data-ready="true"]');
    await c.waitForSelector('#view-join:not([hidden])[data-state="form"]');
    assert.equal(await c.isVisible('#join-card'), false);
    assert.equal(await c.getAttribute('#view-join', 'data-channel'), 'dischargeCard');
    assert.deepEqual(problems, []);
  } finally {
    await backend.stop();
  }
}

test(`offline: a friend types the thank-you card's number at 200 % text; a wrong, unknown or used number is refused in words`, { timeout: TEST_TIMEOUT }, () =>
  typedCardFlow('offline'));

test(`http: a friend types the thank-you card's number at 200 % text; a wrong, unknown or used number is refused in words`, { timeout: TEST_TIMEOUT }, () =>
  typedCardFlow('http'));
