// Referral channels end to end, on both backends (harness.mjs twoBackendSuite):
//   1. the nurse hands patient A the 出院感恩卡 for A's recorded discharge on
//      the workbench's 出院感恩卡 screen (1366×768; the offline demo's nurse
//      did at its synthetic discharge) → A's 海报 offers the card only from then
//      (over HTTP it was not there before) → A saves the card's PNG → the QR
//      in the saved file (zbar) is the join URL with the card's token →
//      friend B opens it and registers → the referral is recorded on the
//      channel dischargeCard with that token → the 感恩卡 campaign counts B
//      for A (a plain link would not); staff record B's registration,
//      admission and discharge (offline on the desk's 医院事件 screen, which
//      lists the friends who joined on the device) and A's 200元营养餐券 is
//      held for its 90 days; the same card number opened by another friend is
//      refused;
//   2. the nurse fills A's KOC assessment (privilege) on the KOC评估 screen and
//      saves it to A (保存到患者档案) → A's 海报 marks the
//      黑金推荐函 为您推荐 and its QR carries the letter's token → friend C
//      registers from the saved PNG → recorded on the channel letter → once
//      C's registration is confirmed, A's 黑金推荐函·荣誉理事 counts C (held
//      90 days), which a plain link would not.
//   Over HTTP, A, the nurse, B and C are separate browser contexts; the
//   offline demo has no server, so its "phones" are pages of one context
//   (shared IndexedDB), as the demo describes. Also over HTTP: a template
//   tapped while the 海报 is still loading stays chosen (the referral code's
//   reply held back on purpose).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
const KOC_PRIVILEGE = { peakMoment: 'strong', recommend: 'asked', gatherings: 'often', groupActivity: 'fixed', experience: 'great', incentive: 'privilege' };

const suite = twoBackendSuite({
  chromium,
  shots: SHOTS,
  check: () => assert.equal(spawnSync('zbarimg', ['--version']).status, 0, 'zbarimg is missing: apt-get install zbar-tools'),
});

const problems = [];
const core = await (async () => {
  const module = await loadCore();
  return { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
})();

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

async function newContext(options) {
  const context = await suite.browser.newContext(options);
  await recordCspViolations(context);
  return context;
}

async function openApp(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(`the app shows its error screen: ${await page.textContent('#load-error-detail')}`);
}

function zbar(file) {
  const r = spawnSync('zbarimg', ['--nodbus', '--quiet', '--raw', file], { encoding: 'utf8' });
  return { status: r.status, text: r.stdout.replace(/\n$/, '') };
}

/** A's 海报 on `template`, laid out; resolves with the screen's card token and the template buttons shown. */
async function openPoster(page, template) {
  await page.evaluate(() => {
    location.hash = '#checkin';
  });
  await page.waitForSelector('#view-checkin:not([hidden])');
  await page.evaluate((t) => {
    location.hash = `#poster/${t}`;
  }, template);
  await page.waitForFunction((t) => {
    const view = document.getElementById('view-poster');
    return view && view.dataset.template === t && view.dataset.state === 'ready';
  }, template, { timeout: 2 * STEP_TIMEOUT });
  return page.evaluate(() => ({
    card: document.getElementById('view-poster').dataset.card ?? '',
    shown: [...document.querySelectorAll('.poster-tpl')].filter((b) => !b.hidden).map((b) => b.dataset.template),
    recommended: [...document.querySelectorAll('.poster-tpl')].filter((b) => !b.querySelector('.poster-tpl__tag').hidden).map((b) => b.dataset.template),
    note: document.getElementById('poster-editor-note').textContent,
  }));
}

/** 保存图片 → the saved PNG, decoded by zbar. */
async function savePoster(page, name) {
  const revealed = await page.isVisible('#poster-reveal');
  if (revealed) await page.tap('#poster-reveal');
  await page.waitForSelector('#poster-save:not([disabled])');
  const [download] = await Promise.all([page.waitForEvent('download'), page.tap('#poster-save')]);
  const file = join(SHOTS, `${name}.png`);
  await download.saveAs(file);
  const decoded = zbar(file);
  assert.equal(decoded.status, 0, `zbar found no QR code in ${file}`);
  return decoded.text;
}

/** The friend opens the scanned URL, ticks the consent and registers; resolves with the join screen's facts. */
async function joinFrom(page, url) {
  await openApp(page, url);
  await page.waitForSelector('#view-join:not([hidden])[data-state="form"]');
  await page.waitForSelector('#view-join[data-lookup="done"]');
  const before = await page.evaluate(() => ({
    channel: document.getElementById('view-join').dataset.channel,
    sub: document.getElementById('join-sub').textContent,
    status: document.getElementById('join-code-status').dataset.state,
  }));
  await page.tap('#join-consent');
  await page.tap('#join-submit');
  await page.waitForSelector('#view-join[data-state="done"], #join-error:not([hidden])');
  const error = (await page.isVisible('#join-error')) ? `${await page.getAttribute('#join-error', 'data-code')}: ${await page.textContent('#join-error')}` : '';
  return { ...before, error, referralId: await page.getAttribute('#view-join', 'data-referral-id') };
}

/**
 * The nurse on the 出院感恩卡 screen hands over A's card for A's recorded
 * discharge (the time left empty: the latest one); the offline demo's nurse
 * handed it over at its synthetic discharge already (listed, 未使用). A second
 * card for the same discharge is refused. Resolves with the card's token.
 */
async function issueCard(staff, patientId, { handedOver = false } = {}) {
  await staff.evaluate(() => {
    location.hash = '#staff/discharge';
  });
  await staff.waitForSelector('#staff-discharge:not([hidden])[data-state="ready"]');
  await staff.fill('#discharge-patient', patientId);
  await staff.click('#discharge-find button[type="submit"]');
  await staff.waitForSelector('#discharge-view:not([hidden])');
  await staff.waitForSelector('#staff-discharge[data-state="ready"]');
  const before = Number(await staff.getAttribute('#staff-discharge', 'data-cards'));
  await staff.fill('#discharge-at', '');
  let token;
  if (handedOver) {
    [token] = await staff.evaluate(() => [...document.querySelectorAll('#discharge-table tr[data-token]')]
      .filter((tr) => tr.lastElementChild.textContent === '未使用').map((tr) => tr.dataset.token));
  } else {
    await staff.click('#discharge-submit');
    await staff.waitForSelector('#discharge-result[data-state="ok"]');
    await staff.waitForFunction((n) => Number(document.getElementById('staff-discharge').dataset.cards) === n + 1, before);
    token = await staff.getAttribute('#discharge-result', 'data-token');
  }
  assert.match(token ?? '', /^D[0-9A-HJKMNP-TV-Z]{16}$/);
  assert.equal(await staff.textContent(`#discharge-table tr[data-token="${token}"] td:last-child`), '未使用');
  await staff.screenshot({ path: join(SHOTS, `channels-${staff.label}-discharge.png`), animations: 'disabled' });
  // The same discharge again: one card per discharge, refused in words.
  await staff.click('#discharge-submit');
  await staff.waitForSelector('#discharge-result[data-state="error"]');
  assert.equal(await staff.textContent('#discharge-result'), '这次出院已经发过感恩卡了，每次出院只发一张');
  return token;
}

/** The nurse fills the KOC form (privilege), gets the core's result and saves it to the patient (保存到患者档案). */
async function saveKocOnScreen(staff, patientId) {
  await staff.evaluate(() => {
    location.hash = '#staff/koc';
  });
  await staff.waitForSelector('#koc-questions fieldset');
  for (const [question, option] of Object.entries(KOC_PRIVILEGE)) await staff.check(`input[name="koc-${question}"][value="${option}"]`);
  await staff.click('#koc-submit');
  await staff.waitForSelector('#koc-result:not([hidden]) #koc-save:not([hidden])');
  await staff.fill('#koc-patient', patientId);
  await staff.click('#koc-save-submit');
  await staff.waitForSelector('#koc-save-msg[data-state]');
  assert.equal(await staff.textContent('#koc-save-msg'), '已保存：患者的海报将推荐「黑金推荐函」');
  await staff.screenshot({ path: join(SHOTS, `channels-${staff.label}-koc-saved.png`), animations: 'disabled' });
}

/** The campaign grants for `referralId` in the eligibility of the patient whose inputs these are. */
function grantsFor(inputs, nowMs, campaignId, referralId) {
  const report = core.call('evaluateEligibility', { nowMs, ...inputs });
  assert.equal(report.ok, true, JSON.stringify(report.error));
  const campaign = report.value.campaigns.find((c) => c.campaignId === campaignId);
  assert.ok(campaign, `campaign ${campaignId} is evaluated`);
  return campaign.grants.filter((g) => g.referralId === referralId);
}

// ------------------------------------------------------------ the backends

const offline = {
  name: 'offline',
  contexts: [],
  async start() {
    const context = await newContext(PHONE_CONTEXT);
    this.contexts.push(context);
    this.context = context;
    const a = watch(await context.newPage(), 'offline A');
    const staff = watch(await context.newPage(), 'offline nurse');
    await staff.setViewportSize(DESKTOP.viewport);
    staff.label = 'offline';
    this.staff = staff;
    return { url: suite.stack.staticServer.url, a, staff };
  },
  async friend(label) {
    return watch(await this.context.newPage(), label);
  },
  async patientId(a) {
    return a.evaluate(async () => (await (await import('/backend/offline.js')).createOfflineBackend().getProfile()).patientId);
  },
  /** The demo's own record of the join (the friends who joined on this device). */
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
  /**
   * The nurse records the steps on 医院事件, where the friends who joined on
   * this device are listed (the demo confirmed the registration at the join:
   * recording it again changes nothing).
   */
  async recordEvents(a, referralId, events) {
    const { staff } = this;
    await staff.evaluate(() => {
      location.hash = '#staff/events';
    });
    await staff.waitForSelector(`#staff-events:not([hidden])[data-state="ready"] #events-table tr[data-referral-id="${referralId}"]`);
    for (const event of events) {
      await staff.selectOption('#events-patient', referralId);
      await staff.selectOption('#events-step', event);
      await staff.evaluate(() => delete document.getElementById('events-record-result').dataset.state);
      await staff.click('#events-submit');
      await staff.waitForSelector('#events-record-result[data-state]');
      assert.equal(await staff.getAttribute('#events-record-result', 'data-state'), 'ok', await staff.textContent('#events-record-result'));
    }
  },
  /** A's eligibility inputs, as the demo gives them to the core. */
  async inputs(a) {
    return a.evaluate(async () => {
      const b = (await import('/backend/offline.js')).createOfflineBackend();
      await b.init();
      return { inputs: await b.getEligibilityInputs(), nowMs: b.now().nowMs };
    });
  },
  async stop() {
    for (const c of this.contexts) await c.close().catch(() => {});
    this.contexts = [];
  },
};

const http = {
  name: 'http',
  contexts: [],
  async start() {
    const contextA = await newContext(PHONE_CONTEXT);
    const contextStaff = await newContext(DESKTOP);
    this.contexts.push(contextA, contextStaff);
    const a = watch(await contextA.newPage(), 'http A');
    const staff = watch(await contextStaff.newPage(), 'http nurse');
    staff.label = 'http';
    return { url: `${suite.stack.base}?backend=http`, a, staff };
  },
  async friend(label) {
    const context = await newContext(PHONE_CONTEXT);
    this.contexts.push(context);
    return watch(await context.newPage(), label);
  },
  async patientId() {
    return DEMO_PATIENT_ID;
  },
  /** The hospital's record of A's discharge an hour ago (a card follows a recorded discharge). */
  async recordDischarge(patientId) {
    const { serverTimeMs } = (await suite.stack.api('GET', '/now')).body;
    const r = await suite.stack.api('POST', '/staff/clinical-moments', {
      token: await this.staffToken(),
      key: `discharge-${patientId}-${serverTimeMs}`,
      body: { patientId, kind: 'discharge', atMs: serverTimeMs - 3_600_000 },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  },
  async recorded(a, referralId) {
    const { rows } = await suite.stack.pool.query('SELECT channel, channel_token FROM referrals WHERE id = $1', [referralId]);
    return rows[0] ? { channel: rows[0].channel, token: rows[0].channel_token } : null;
  },
  async staffToken() {
    this.nurse ??= (await suite.stack.api('POST', '/demo/sessions', { body: { as: 'staff', role: 'nurse' } })).body.token;
    return this.nurse;
  },
  async recordEvents(a, referralId, events) {
    for (const event of events) {
      const r = await suite.stack.api('POST', '/staff/referral-events', { token: await this.staffToken(), key: `ev-${referralId}-${event}`, body: { referralId, event } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  },
  async inputs() {
    const session = (await suite.stack.api('POST', '/demo/sessions', { body: { as: 'demoPatient' } })).body;
    const inputs = (await suite.stack.api('GET', '/eligibility-inputs', { token: session.token })).body;
    delete inputs.serverTimeMs;
    return { inputs, nowMs: (await suite.stack.api('GET', '/now')).body.serverTimeMs };
  },
  async stop() {
    for (const c of this.contexts) await c.close().catch(() => {});
    this.contexts = [];
    this.nurse = null;
  },
};

for (const backend of [offline, http]) {
  test(`${backend.name}: the discharge card and the 黑金推荐函 from the saved PNG's QR to a recorded channel and the campaign's reward`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    try {
      const { url, a, staff } = await backend.start();
      if (backend.name === 'http') {
        // A tap while the 海报 is still loading stays the patient's choice.
        let release;
        const held = new Promise((resolve) => {
          release = resolve;
        });
        await a.route('**/api/v1/me/referral-code', async (route) => {
          await held;
          await route.continue();
        });
        await openApp(a, url);
        await a.evaluate(() => {
          location.hash = '#poster';
        });
        await a.waitForSelector('#view-poster[data-state="pending"]');
        await a.locator('.poster-tpl[data-template="referralBenefit"]').tap();
        release();
        await a.waitForFunction(() => document.getElementById('view-poster').dataset.state === 'ready', null, { timeout: 2 * STEP_TIMEOUT });
        assert.equal(await a.getAttribute('#view-poster', 'data-template'), 'referralBenefit', 'the template tapped while loading stays chosen');
        await a.unroute('**/api/v1/me/referral-code');
        const before = await openPoster(a, 'referralHonour');
        assert.ok(!before.shown.includes('thankYouCard'), `no thank-you card before discharge: ${before.shown}`);
      } else {
        await openApp(a, url);
      }
      const patientId = await backend.patientId(a);

      // 1. The nurse hands over the card at discharge (over HTTP the hospital records
      // A's discharge first; the offline demo's history has one, its card handed over).
      await backend.recordDischarge?.(patientId);
      await staff.goto(`${url}#staff`, { waitUntil: 'load' });
      await staff.waitForSelector('body[data-ready="true"]');
      await signInStaff(staff, 'nurse');
      const token = await issueCard(staff, patientId, { handedOver: backend.name === 'offline' });

      const poster = await openPoster(a, 'thankYouCard');
      assert.equal(poster.card, token, 'the 海报 shows the card just issued (the newest unused one)');
      assert.match(poster.note, new RegExp(`卡号 ${token.slice(0, 4)}-`));
      const cardUrl = await savePoster(a, `channels-${backend.name}-card`);
      const scanned = new URL(cardUrl);
      assert.equal(scanned.searchParams.get('t'), token, `the QR carries the card's token: ${cardUrl}`);
      const code = scanned.searchParams.get('c');
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{13}$/);

      const b = await backend.friend(`${backend.name} B`);
      const joined = await joinFrom(b, cardUrl);
      assert.equal(joined.channel, 'dischargeCard');
      assert.match(joined.sub, /凭出院感恩卡登记/);
      assert.equal(joined.error, '');
      assert.ok(joined.referralId, 'the backend answered with the referral');
      await b.screenshot({ path: join(SHOTS, `channels-${backend.name}-card-joined.png`), animations: 'disabled' });
      const recorded = await backend.recorded(a, joined.referralId);
      assert.equal(recorded.channel, 'dischargeCard', 'recorded on the discharge card channel');
      if (backend.name === 'http') assert.equal(recorded.token, token);

      // The same card number a second time (another friend): refused, in words.
      const d = await backend.friend(`${backend.name} D`);
      const again = await joinFrom(d, cardUrl);
      assert.match(again.error, /^referral\.card_used: 这张感恩卡的卡号已经有朋友用过了/);
      assert.equal(await d.getAttribute('#view-join', 'data-state'), 'form', 'nothing registered');

      // The 感恩卡 campaign counts B for A because B came by the card (a plain link would not);
      // the hospital records B's registration, admission and discharge and the
      // 200元营养餐券 is held for its 90 days.
      await backend.recordEvents(a, joined.referralId, ['registrationConfirmed', 'admissionConfirmed', 'dischargeConfirmed']);
      const { inputs, nowMs } = await backend.inputs(a);
      const stay = inputs.referrals.find((r) => r.id === joined.referralId);
      assert.equal(stay?.channel, 'dischargeCard', 'the backend gives the core the card channel');
      assert.ok(stay.refereeIsInpatient && stay.admissionConfirmedAtMs > 0 && stay.dischargeConfirmedAtMs > 0, `B's stay as the desk recorded it: ${JSON.stringify(stay)}`);
      const meal = grantsFor(inputs, nowMs, 'thank-you-card', joined.referralId);
      assert.deepEqual(meal.map((g) => g.reward.title), ['200元营养餐券'], `A's 感恩卡 reward for B: ${JSON.stringify(meal)}`);
      assert.equal(meal[0].state, 'holding', `held after the discharge: ${JSON.stringify(meal[0])}`);
      const cardAsLink = { ...inputs, referrals: inputs.referrals.map((r) => (r.id === joined.referralId ? { ...r, channel: 'link' } : r)) };
      assert.notDeepEqual(grantsFor(cardAsLink, nowMs, 'thank-you-card', joined.referralId), meal, 'the same join by a plain link would not count');

      // 2. The KOC result chooses the 黑金推荐函; its QR carries the letter's token.
      await saveKocOnScreen(staff, patientId);
      const letter = await openPoster(a, 'referralPrivilege');
      assert.deepEqual(letter.recommended, ['referralPrivilege'], 'the letter the KOC assessment chose is 为您推荐');
      const letterUrl = await savePoster(a, `channels-${backend.name}-letter`);
      const letterToken = new URL(letterUrl).searchParams.get('t');
      assert.match(letterToken ?? '', /^P[0-9A-HJKMNP-TV-Z]{16}$/, `the 黑金推荐函's token: ${letterUrl}`);
      assert.equal(new URL(letterUrl).searchParams.get('c'), code);
      const c = await backend.friend(`${backend.name} C`);
      const byLetter = await joinFrom(c, letterUrl);
      assert.equal(byLetter.channel, 'letter');
      assert.match(byLetter.sub, /凭黑金推荐函登记/);
      assert.equal(byLetter.error, '');
      assert.equal((await backend.recorded(a, byLetter.referralId)).channel, 'letter', 'recorded on the letter channel');
      await backend.recordEvents(a, byLetter.referralId, ['registrationConfirmed']);
      // A's 黑金推荐函·荣誉理事 counts C (held 90 days): because C came by the letter, not by a plain link.
      const after = await backend.inputs(a);
      const viaLetter = after.inputs.referrals.find((r) => r.id === byLetter.referralId);
      assert.equal(viaLetter?.channel, 'letter', 'the backend gives the core the letter channel');
      const director = (inputs_) => {
        const report = core.call('evaluateEligibility', { nowMs: after.nowMs, ...inputs_ });
        const campaign = report.value.campaigns.find((x) => x.campaignId === 'black-gold-director');
        return { status: campaign.status, unlockOn: campaign.unlockOn, reasons: campaign.reasons.map((r) => r.code) };
      };
      const counted = director(after.inputs);
      const asLink = director({ ...after.inputs, referrals: after.inputs.referrals.map((r) => (r.id === byLetter.referralId ? { ...r, channel: 'link' } : r)) });
      assert.equal(counted.status, 'pending', JSON.stringify(counted));
      assert.ok(counted.unlockOn, `the director title unlocks after the hold: ${JSON.stringify(counted)}`);
      assert.notDeepEqual(counted, asLink, 'the same join by a plain link would not count');

      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await backend.stop();
    }
  });
}
