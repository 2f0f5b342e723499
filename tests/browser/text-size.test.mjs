// Older eyes: every patient screen at three text sizes (100 %, 130 %, 200 %)
// on phones 320 and 375 px wide, with an automatic layout check, and no raw
// code, English or debug figure in front of anyone on any screen.
//
// How the text size is set: as WeChat sets it. The page gets a stand-in for
// WeChat's WeixinJSBridge (an init script), and the test fires its
// 'menu:setfont' event with `fontScale` 100, 130 and 200 — the event
// WeChat's web-view sends when the reader changes 我 › 设置 › 字体大小.
// The shell's own handler (web/lib/text-size.js) sets the root font size
// from it, and every size in the style sheets is rem/em from the root, so
// this is also exactly what a phone's text size does where the web-view
// maps it to the root (default) font size. Each run asserts that the root
// really took the size (16, 20.8, 32 px), so a style sheet that pins the root
// in px, or a handler that resets it, fails here. (Chromium's own font-size
// preference, CDP Page.setFontSizes, was tried first: Playwright's
// screenshots reset it, so the pictures showed 100 %.)
//
// For each screen and each of the six (width, size) pairs: a full-page
// screenshot (test-output/screenshots/text-size-<screen>-<width>-<size>.png)
// and the layout check — no element sticks out of the viewport horizontally
// (except inside a container that scrolls sideways), no element's content is
// wider than its box, no text is clipped by its own box (overflow hidden,
// ellipsis) — and at the default size body text ≥ 16 px and secondary text
// ≥ 14 px. The text check reads every visible text node, placeholder and
// input value: no code-like token (bad-cycle, input.out_of_range), no
// "Failed to"/"Error"/"undefined"/"NaN"/"null", no English word at all
// except the brand CareCircle, the units KB and MB (download progress) and
// TA (written Chinese for "him or her").
// Referral codes (4-4-5 symbols with dashes) are what the patient types and
// are allowed as such.
//
// The offline demo (scripts/serve.mjs in-process): the HTTP backend serves
// the same shell. One Chromium, one context, the pages reused; the device
// clock pinned so that the pictures are reproducible. Screenshots at device
// pixel ratio 1 (the layout is the same at 2; the files stay small).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { chromium } from 'playwright-core';

import { CHROMIUM, FLAGS, PHONE, REPO, recordCspViolations, signInStaff } from './harness.mjs';

import { startServer } from '../../scripts/serve.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const NOW = new Date('2026-11-23T12:00:00+08:00');
const STEP_TIMEOUT = 30_000;
const TEST_TIMEOUT = 240_000;
/** The three text sizes: WeChat's fontScale and the root font size it gives, in px. */
const SIZES = Object.freeze([
  { name: '100', percent: 100, px: 16 },
  { name: '130', percent: 130, px: 20.8 },
  { name: '200', percent: 200, px: 32 },
]);
const WIDTHS = Object.freeze([320, 375]);
const HEIGHT = 667;

/**
 * Allowed Latin tokens: the brand, the units of the download progress, and
 * TA — the everyday written Chinese "him or her" the core's copy uses.
 */
const ALLOWED_WORDS = new Set(['CareCircle', 'KB', 'MB', 'TA']);
/** A referral code as shown and typed (e.g. 7K3M-9QXR-A2BT6). */
const REFERRAL_CODE = /\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{5}\b/g;
/** A link shown to be copied and sent (the patient's own join link, 我的推荐码). */
const LINK = /https?:\/\/\S+/g;
// A coupon's counter code, shown to be read aloud at the counter (two groups of four).
const COUNTER_CODE = /\b[0-9A-Z]{4}-[0-9A-Z]{4}\b/g;
/** Staff's term of art (key opinion consumer) on the workbench, never on a patient screen. */
const STAFF_WORDS = Object.freeze(['KOC']);
const FORBIDDEN = Object.freeze([
  [/[A-Za-z]+[._-][A-Za-z]/, 'a code-like token'],
  [/Failed to|Error|undefined|NaN|null/, 'an error or debug word'],
  [/[A-Za-z]{2,}/, 'an English word'],
]);

let server;
let browser;
let context;
let page;
const problems = [];

function watch(target, label) {
  target.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource|net::ERR_/.test(msg.text())) problems.push(`${label} console: ${msg.text()}`);
  });
  target.on('pageerror', (err) => problems.push(`${label} pageerror: ${err.message}`));
}

before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(REPO, 'build', 'wasm', file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  context = await browser.newContext({ ...PHONE, deviceScaleFactor: 1, serviceWorkers: 'block' });
  await recordCspViolations(context);
  await context.addInitScript(fakeWeChatBridge);
  await context.clock.setFixedTime(NOW);
  page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  watch(page, 'patient');
});

after(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  if (server) await server.close();
});

// ------------------------------------------------------------ helpers

/**
 * A stand-in for WeChat's WeixinJSBridge: keeps the page's 'menu:setfont'
 * handler so that the test can fire the event as WeChat does.
 */
function fakeWeChatBridge() {
  const handlers = new Map();
  window.WeixinJSBridge = {
    on: (name, handler) => handlers.set(name, handler),
    invoke: () => {},
  };
  window.__setWeChatFont = (fontScale) => {
    const handler = handlers.get('menu:setfont');
    if (!handler) return false;
    handler({ fontScale });
    return true;
  };
}

/** Sends WeChat's text size event to `target` and checks that the root follows it. */
async function setTextSize(target, size) {
  assert.equal(await target.evaluate((p) => window.__setWeChatFont(p), size.percent), true, 'the shell listens to menu:setfont');
  const root = await target.evaluate(() => getComputedStyle(document.documentElement).fontSize);
  assert.equal(root, `${size.px}px`, `the root font size follows the browser's text size (${size.name} %)`);
}

async function waitForApp(target = page) {
  await target.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await target.isVisible('#load-error')) assert.fail(`error screen: ${await target.textContent('#load-error-detail')}`);
}

/** A tap on `selector` wherever the page is scrolled (the sweep leaves it scrolled and resized). */
async function press(selector, target = page) {
  await target.locator(selector).first().evaluate((el) => el.click());
}

/** Navigates by hash inside the loaded app and waits for the screen's marker. */
async function go(hash, marker) {
  if (marker) await page.evaluate((m) => delete document.body.dataset[m], marker);
  await page.evaluate((h) => {
    location.hash = h;
  }, hash);
  if (marker) await page.waitForSelector(`body[data-${marker}]`);
}

/**
 * In the page: what is wrong with the layout as it is now, and (with
 * `sizes`) text smaller than the minimums at the default size.
 */
function layoutProblems({ sizes }) {
  const vw = document.documentElement.clientWidth;
  const out = [];
  const name = (el) => {
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const text = (el.textContent ?? '').trim().replace(/\s+/g, ' ').slice(0, 24);
    return `<${el.tagName.toLowerCase()}${id}${cls}>${text ? ` "${text}"` : ''}`;
  };
  const scrollsSideways = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll') return true;
    }
    return false;
  };
  const ownText = (el) => [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  const replaced = new Set(['IMG', 'CANVAS', 'SVG', 'VIDEO', 'INPUT', 'TEXTAREA', 'SELECT', 'IFRAME']);
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.checkVisibility({ checkVisibilityCSS: true })) continue;
    if (el.closest('svg') && el.tagName.toLowerCase() !== 'svg') continue;
    const r = el.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;  // visually hidden (screen-reader text)
    const cs = getComputedStyle(el);
    if (cs.position === 'absolute' && cs.clip !== 'auto') continue;
    if (!scrollsSideways(el) && (r.left < -1 || r.right > vw + 1)) {
      out.push(`${name(el)} sticks out of the viewport (${Math.round(r.left)}..${Math.round(r.right)} of ${vw})`);
    }
    if (cs.display === 'inline' || replaced.has(el.tagName)) continue;
    const scrollable = (o) => o === 'auto' || o === 'scroll';
    if (!scrollable(cs.overflowX) && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      // What sticks out: a child box or a line of its own text (decoration
      // drawn by ::before/::after, such as a ticket's notches, does not count).
      const left = r.left + el.clientLeft;
      const right = left + el.clientWidth;
      let lo = left;
      let hi = right;
      for (const child of el.childNodes) {
        let rects = [];
        if (child.nodeType === Node.ELEMENT_NODE) {
          if (!child.checkVisibility({ checkVisibilityCSS: true })) continue;
          rects = [child.getBoundingClientRect()];
        } else if (child.nodeType === Node.TEXT_NODE && child.textContent.trim()) {
          const range = document.createRange();
          range.selectNodeContents(child);
          rects = [...range.getClientRects()];
        }
        for (const cr of rects) {
          if (cr.width <= 1 || cr.height <= 1) continue;
          lo = Math.min(lo, cr.left);
          hi = Math.max(hi, cr.right);
        }
      }
      if (hi > right + 1 || lo < left - 1) out.push(`${name(el)} content ${Math.round(hi - lo)} px wider than its box ${el.clientWidth} px`);
    }
    const clipsY = cs.overflowY === 'hidden' || cs.overflowY === 'clip';
    if (ownText(el) && clipsY && cs.webkitLineClamp === 'none' && el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 1) {
      out.push(`${name(el)} text clipped: ${el.scrollHeight} px in a ${el.clientHeight} px box`);
    }
    if (sizes && ownText(el)) {
      const px = parseFloat(cs.fontSize);
      if (px < 14 - 0.01) out.push(`${name(el)} text ${px} px (secondary text is at least 14 px)`);
    }
  }
  if (sizes) {
    const body = parseFloat(getComputedStyle(document.body).fontSize);
    if (body < 16) out.push(`body text ${body} px (at least 16 px)`);
  }
  return [...new Set(out)];
}

/** In the page: every text a person sees (text nodes, placeholders, field values). */
function visibleTexts() {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.textContent.trim();
    const parent = n.parentElement;
    if (!text || !parent || parent.closest('script, style, template')) continue;
    if (!parent.checkVisibility({ checkVisibilityCSS: true })) continue;
    const r = parent.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1) continue;
    texts.push(text);
  }
  for (const field of document.querySelectorAll('input, textarea')) {
    if (!field.checkVisibility({ checkVisibilityCSS: true }) || field.type === 'hidden') continue;
    if (field.placeholder) texts.push(field.placeholder);
    if (field.value && !['checkbox', 'radio', 'file'].includes(field.type)) texts.push(field.value);
  }
  return texts;
}

/** The texts of `target` that a person should not see, with why (`texts`: these instead of the page's). */
async function wordingProblems(target, screen, { words = [], texts = null } = {}) {
  const out = [];
  for (const text of texts ?? (await target.evaluate(visibleTexts))) {
    const scrubbed = text
      .replace(LINK, ' ')
      .replace(REFERRAL_CODE, ' ')
      .replace(COUNTER_CODE, ' ')
      .replace(/[A-Za-z]+/g, (w) => (ALLOWED_WORDS.has(w) || words.includes(w) ? ' ' : w));
    for (const [pattern, why] of FORBIDDEN) {
      if (pattern.test(scrubbed)) {
        out.push(`${screen}: ${why} in "${text.slice(0, 80)}"`);
        break;
      }
    }
  }
  return out;
}

/**
 * The six pictures and checks of one screen as it is now: each width, each
 * text size; `scrollTo` the top first.
 */
async function sweep(screen, { target = page, prepare } = {}) {
  const found = [];
  for (const width of WIDTHS) {
    for (const size of SIZES) {
      await target.setViewportSize({ width, height: HEIGHT });
      await setTextSize(target, size);
      if (prepare) await prepare();
      await target.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const label = `${screen} @${width}px ${size.name}%`;
      for (const p of await target.evaluate(layoutProblems, { sizes: size.percent === 100 })) found.push(`${label}: ${p}`);
      await target.evaluate(() => {
        const toast = document.getElementById('toast');
        if (toast) toast.hidden = true;
      });
      await target.screenshot({ path: join(SHOTS, `text-size-${screen}-${width}-${size.name}.png`), fullPage: true, animations: 'disabled' });
    }
  }
  await target.setViewportSize({ width: 375, height: HEIGHT });
  await setTextSize(target, SIZES[0]);
  found.push(...(await wordingProblems(target, screen)));
  return found;
}

// ------------------------------------------------------------ the screens

test('patient screens hold at 100/130/200 % text on 320 and 375 px, in Chinese only', { timeout: TEST_TIMEOUT }, async () => {
  const found = [];
  await page.goto(`${server.url}#checkin`, { waitUntil: 'load' });
  await waitForApp();
  // Nothing locks the text size against the phone's setting.
  assert.deepEqual(
    await page.evaluate(() => [getComputedStyle(document.documentElement).webkitTextSizeAdjust, getComputedStyle(document.body).webkitTextSizeAdjust]),
    ['auto', 'auto'],
    'no text-size-adjust lock',
  );
  found.push(...(await sweep('checkin')));

  await go('#stories', 'stories');
  await page.waitForSelector('#stories-list > li');
  found.push(...(await sweep('stories')));

  await go('#wallet', 'wallet');
  found.push(...(await sweep('wallet')));
  // A usable coupon's sheet with its counter code (QR and the code read aloud).
  await press('.coupon--available .coupon__ticket--open');
  await page.waitForSelector('#coupon-sheet[data-status="issued"]');
  assert.match(await page.textContent('#coupon-sheet-code'), /\S/, 'the counter code is shown');
  found.push(...(await sweep('coupon-sheet')));
  await press('#coupon-sheet-close');
  await page.waitForSelector('#coupon-sheet', { state: 'detached' });
  // The reward sheet, with a milestone the core reports for the demo's streak (its own words).
  await page.evaluate(async () => {
    const { loadCore } = await import('/core.js');
    const { createOfflineBackend } = await import('/backend/offline.js');
    const { openRewardMoment } = await import('/reward-moment.js');
    const core = await loadCore();
    const backend = createOfflineBackend();
    await backend.init();
    const profile = await backend.getProfile();
    const now = backend.now();
    const report = core.call('evaluateStreak', { nowMs: now.nowMs, clock: now.clock, patientId: profile.patientId, ...(await backend.getStreakInputs()) }).value;
    const m = report.milestones[0];
    openRewardMoment({
      heading: '恭喜，打卡目标达成！',
      lead: `${m.earnedText}，可在券包中查看和使用。`,
      items: [{ key: m.key, title: m.rewardTitle, valueFen: m.rewardValueFen, note: `连续打卡 ${m.rangeLabel}` }],
    });
  });
  await page.waitForSelector('#reward-moment .reward-moment__panel');
  found.push(...(await sweep('reward-moment')));
  await press('#reward-moment-close');
  await page.waitForSelector('#reward-moment', { state: 'detached' });

  await go('#referral', 'referral');
  await page.waitForSelector('#ref-tree-scroll:not([hidden])');
  found.push(...(await sweep('referral')));
  await press('#ref-mode-list');
  await page.waitForSelector('#ref-list:not([hidden])');
  found.push(...(await sweep('referral-list')));
  await press('#ref-list .ref-row--friend button');
  await page.waitForSelector('#friend-sheet:not([hidden])');
  found.push(...(await sweep('referral-friend')));
  await press('#friend-close');
  await page.waitForSelector('#friend-sheet', { state: 'hidden' });

  await go('#poster/referralPrivilege');
  await page.waitForSelector('#view-poster[data-template="referralPrivilege"][data-state="ready"]');
  found.push(...(await sweep('poster')));
  // What the poster itself says (drawn on a canvas, so not in the page's text).
  const drawn = await page.evaluate(async () => {
    const { shownPoster } = await import('/poster/screen.js');
    return shownPoster().value.drawList.filter((op) => op[0] === 'text').map((op) => op[7]);
  });
  assert.ok(drawn.length > 3, 'the poster draws its words');
  found.push(...(await wordingProblems(page, 'poster-canvas', { texts: drawn })));

  // 我的故事: a story submitted with the separate consent (the demo keeps it pending).
  await go('#poster/storyPoster');
  await page.waitForSelector('#view-poster[data-template="storyPoster"]');
  await page.fill('#poster-story-title', '术后第30天，我又能唱歌了');
  await page.fill('#poster-story-text', '出院那天，护士把颈部康复操一个动作一个动作地教给我。现在每天晚上和病友们一起打卡，已经能和孙女一起唱歌了。');
  await page.waitForSelector('#view-poster[data-template="storyPoster"][data-state="ready"]');
  await press('#poster-consent');
  await press('#poster-submit');
  await page.waitForSelector('#view-poster[data-story-submitted="true"]');
  await page.waitForSelector('#poster-mine:not([hidden])');
  found.push(...(await sweep('story-editor')));

  await go('#settings', 'settings');
  found.push(...(await sweep('settings')));
  await press('#logout-btn');
  await page.waitForSelector('#sheet:not([hidden])');
  found.push(...(await sweep('settings-logout')));
  await press('#sheet-cancel');
  // Withdrawing the stories consent names the pending story it removes; cancelled, nothing changes.
  await press('#consent-stories');
  await page.waitForSelector('#sheet:not([hidden])');
  assert.match(await page.textContent('#sheet-body'), /等待审核的故事《术后第30天，我又能唱歌了》将被删除/);
  assert.equal(await page.getAttribute('#sheet-confirm', 'class'), 'btn btn--danger-solid', 'the confirm button of a deletion is red');
  found.push(...(await sweep('settings-withdraw-stories')));
  await press('#sheet-cancel');
  assert.equal(await page.isChecked('#consent-stories'), true, 'cancelled: the consent stays');

  // 加入: the friend's phone is a second page of the same profile (shared IndexedDB).
  const code = await page.evaluate(async () => {
    const { createOfflineBackend } = await import('/backend/offline.js');
    const { loadCore } = await import('/core.js');
    const backend = createOfflineBackend();
    await backend.init();
    return (await backend.getReferralCode(await loadCore())).code;
  });
  const friend = await context.newPage();
  watch(friend, 'friend');
  await friend.goto(`${server.url}#join/${code}`, { waitUntil: 'load' });
  await friend.waitForSelector('#view-join:not([hidden])[data-lookup="done"]');
  found.push(...(await sweep('join', { target: friend })));
  await friend.close();

  assert.deepEqual(found, [], `layout or wording problems:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
});

test('the staff workbench shows no code, English or timing figure', { timeout: TEST_TIMEOUT }, async () => {
  const found = [];
  await page.setViewportSize({ width: 375, height: HEIGHT });
  await page.goto('about:blank');
  await page.goto(`${server.url}#staff/forest`, { waitUntil: 'load' });
  await signInStaff(page, 'nurse');
  await page.waitForSelector('#staff-forest[data-state="ready"]', { timeout: 60_000 });
  found.push(...(await wordingProblems(page, 'staff-forest', { words: STAFF_WORDS })));
  for (const [hash, role, ready, screen] of [
    ['#staff/koc', 'nurse', '#koc-questions input', 'staff-koc'],
    ['#staff/report', 'operations', '#report-groups > li', 'staff-report'],
    ['#staff/moderation', 'service', '#mod-rules > li', 'staff-moderation'],
  ]) {
    await go(hash);
    await signInStaff(page, role);
    await go(hash);
    await page.waitForSelector(ready, { state: 'attached' });
    found.push(...(await wordingProblems(page, screen, { words: STAFF_WORDS })));
    if (screen === 'staff-koc') {
      // The note's limit is stated and kept in characters: 188 characters (564 bytes, over the
      // core's 500) are cut to 120, and the count says so.
      await page.fill('#koc-note', '护'.repeat(188));
      assert.equal([...(await page.inputValue('#koc-note'))].length, 120);
      assert.equal(await page.textContent('#koc-note-count'), '120/120字');
      assert.match(await page.textContent('.koc-field__label'), /最多120字/);
      const checked = await page.evaluate(async (note) => {
        const { loadCore } = await import('/core.js');
        return (await loadCore()).callAsync('assessKoc', { answers: {}, peakMomentNote: note });
      }, await page.inputValue('#koc-note'));
      assert.notEqual(checked.error?.code, 'input.out_of_range', 'the core takes a note of 120 characters');
    }
  }
  assert.deepEqual(found, [], `wording problems:\n${found.join('\n')}`);
  assert.deepEqual(problems, []);
});

test('the load-error screen says what happened in Chinese', { timeout: TEST_TIMEOUT }, async () => {
  await page.route('**/core*.wasm', (route) => route.abort('internetdisconnected'));
  try {
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForSelector('#load-error:not([hidden])');
    const found = await wordingProblems(page, 'load-error');
    assert.deepEqual(found, [], found.join('\n'));
    assert.match(await page.textContent('#load-error-detail'), /网络/);
  } finally {
    await page.unroute('**/core*.wasm');
  }
});
