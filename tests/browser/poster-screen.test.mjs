// Browser test of the poster screen (推荐 › 推荐海报, #poster) in real
// headless Chromium (playwright-core).
//
// Same set-up as referral.test.mjs: scripts/serve.mjs in-process on a free
// port, a fresh profile, a 375×667 @2x touch phone in Asia/Shanghai, the
// device clock pinned (NOW). Checks:
//   1. the screen opens from the 推荐 tab (the tab stays highlighted) with the
//      letter the demo patient's KOC assessment picked; for every template
//      the page's poster is exactly layoutPoster's reply for the request it
//      sent, computed again by the core in the page; that request carries
//      the referral code the offline backend made ONCE (same after a
//      reload), the QR rows Nayuki's npm build makes for the core's payload,
//      the streak report's numbers, and no code/QR on the story or check-in
//      poster (G12, G3); the canvas holds exactly a fresh replay of the draw
//      list; a screenshot of the canvas decodes with zbar to the exact
//      referral code payload (and finds no QR where none may be);
//   2. scratching the thank-you card (pointer events) reveals the code: zbar
//      finds nothing under the foil and the payload once it is gone;
//   3. 保存图片 downloads the PNG (2×, decodes with zbar), 分享 hands a PNG
//      file to the Web Share API or says why it cannot;
//   4. a story with "保证根治" shows the core's poster.wording_flagged error
//      verbatim with the core's spans highlighted; 提交故事 needs the separate
//      consent box; a photo goes in as a blob: URL; nothing of the story
//      lands in localStorage, sessionStorage, IndexedDB or Cache Storage;
//   5. no horizontal overflow at 360/375/430 px, touch targets ≥ 44 px;
//   6. no console error, page error, failed request or CSP violation.
// Screenshots: test-output/screenshots/poster-screen-*.png.
//
// Needs build/wasm/core.{mjs,wasm} (npm run build), zbar-tools and the npm
// package nayuki-qr-code-generator (served at /vendor/qrcodegen.js).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { demoFetchCancelled, launchPhone } from './harness.mjs';

import { startServer } from '../../scripts/serve.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 20_000;
const TEST_TIMEOUT = 90_000;
const NOW = new Date('2026-11-23T12:00:00+08:00');
const TEMPLATES = ['referralHonour', 'referralBenefit', 'referralPrivilege', 'thankYouCard', 'checkInPoster', 'storyPoster'];
const WITH_QR = new Set(['referralHonour', 'referralBenefit', 'referralPrivilege', 'thankYouCard']);
// A story the wording check lets through, and one it must flag (G11).
const STORY = Object.freeze({
  title: '术后第30天，我又能唱歌了',
  story: '出院那天，护士把颈部康复操一个动作一个动作地教给我。\n\n现在每天晚上和病友们一起打卡，已经能和孙女一起唱歌了。谢谢一路陪伴的医生、护士和病友们！孙女说：Grandma, keep going! We walk 3.5 km together every Sunday morning.',
});
const FLAGGED_STORY = '王阿姨，你吃这个药试试，保证根治！';

let server;
let context;
let page;
let phone;
const problems = [];
let opened = false;

function watch(target) {
  target.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  target.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  target.on('requestfailed', (req) => {
    // A blob: URL revoked after the download started is ours to revoke.
    if (!req.url().startsWith('blob:') && !demoFetchCancelled(req)) problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  target.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
}

function zbar(file) {
  const r = spawnSync('zbarimg', ['--nodbus', '--quiet', '--raw', file], { encoding: 'utf8' });
  return { status: r.status, text: r.stdout.replace(/\n$/, '') };
}

before(async () => {
  assert.ok(existsSync(join(REPO, 'node_modules', 'nayuki-qr-code-generator', 'index.js')), 'npm ci: nayuki-qr-code-generator is missing');
  assert.equal(spawnSync('zbarimg', ['--version']).status, 0, 'zbarimg is missing: apt-get install zbar-tools');
  phone = await launchPhone({ startServer, chromium, now: NOW, stepTimeout: STEP_TIMEOUT, contextOptions: { acceptDownloads: true } });
  ({ server, context, page } = phone);
  watch(page);
});

after(async () => {
  await phone?.close();
});

async function waitForApp() {
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])', { timeout: STEP_TIMEOUT });
  if (await page.isVisible('#load-error')) {
    assert.fail(`the demo shows its error screen: ${await page.textContent('#load-error-detail')}\n${problems.join('\n')}`);
  }
}

/** Waits until the screen shows `template` in `state` (ready | error | empty). */
async function waitForPoster(template, state = 'ready') {
  await page.waitForSelector(`#view-poster[data-template="${template}"][data-state="${state}"]`);
}

async function pick(template) {
  await page.locator(`.poster-tpl[data-template="${template}"]`).tap();
  assert.equal(await page.getAttribute(`.poster-tpl[data-template="${template}"]`, 'aria-pressed'), 'true');
}

/**
 * What the page shows and what the core says about it, computed in the page:
 * the poster and its request (from the screen module the app loaded), the
 * core's reply for that request, the stored referral code checked by the
 * core and encoded with Nayuki's library, the streak report, and whether the
 * canvas equals a fresh replay of the draw list.
 */
async function inspect() {
  return page.evaluate(async () => {
    const { shownPoster } = await import('/poster/screen.js');
    const { loadCore } = await import('/core.js');
    const { createOfflineBackend } = await import('/backend/offline.js');
    const { replayPoster } = await import('/poster/replay.js');
    const { default: qrcodegen } = await import('/vendor/qrcodegen.js');
    const core = await loadCore();
    const backend = createOfflineBackend();
    await backend.init();
    const shown = shownPoster();
    if (!shown) return { shown: null };
    const reply = core.call('layoutPoster', shown.request);
    const own = await backend.getReferralCode(core);
    const again = await backend.getReferralCode(core);
    // A letter's or the card's own link (its channel token before the code), else the plain join link.
    const channels = await backend.getChannelTokens(core);
    const letterOf = { referralHonour: 'honour', referralBenefit: 'benefit', referralPrivilege: 'privilege' };
    const letter = channels.letters.find((l) => l.template === letterOf[shown.template]);
    const card = [...channels.cards].sort((x, y) => Number(x.used) - Number(y.used) || y.issuedAtMs - x.issuedAtMs)[0];
    const linkBase = (shown.template === 'thankYouCard' ? card?.linkBase : letter?.linkBase) ?? own.linkBase;
    const checked = core.call('checkReferralCode', linkBase ? { code: own.code, linkBase } : { code: own.code }).value;
    const qr = qrcodegen.QrCode.encodeText(checked.qrPayload, qrcodegen.QrCode.Ecc.MEDIUM);
    const rows = Array.from({ length: qr.size }, (_, y) =>
      Array.from({ length: qr.size }, (_, x) => (qr.getModule(x, y) ? '1' : '0')).join(''));
    const inputs = await backend.getStreakInputs();
    const now = backend.now();
    const profile = await backend.getProfile();
    const streak = core.call('evaluateStreak', { nowMs: now.nowMs, clock: now.clock, patientId: profile.patientId, ...inputs }).value;
    // The canvas against a fresh replay of the same reply at the same ratio.
    const canvas = document.getElementById('poster-canvas');
    const ratio = canvas.width / shown.value.width;
    const fresh = document.createElement('canvas');
    const images = {};
    if (shown.request.images?.photo) {
      const img = new Image();
      img.src = shown.request.images.photo.href;
      await img.decode();
      images.photo = img;
    }
    replayPoster(fresh, shown.value, { images, pixelRatio: ratio });
    const a = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const b = fresh.getContext('2d').getImageData(0, 0, fresh.width, fresh.height).data;
    let differing = a.length === b.length ? 0 : -1;
    if (differing === 0) for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) differing += 1;
    const rect = canvas.getBoundingClientRect();
    // This device's widths, measured here independently of web/poster/metrics.js.
    const ctx = document.createElement('canvas').getContext('2d');
    const family = reply.ok ? reply.value.fontFamily : '';
    const advances = shown.request.metrics?.advances ?? null;
    const remeasured = {};
    for (const ch of Object.keys(advances ?? {})) {
      let px = 0;
      for (const weight of [400, 700]) {
        ctx.font = `${weight} 100px ${family}`;
        px = Math.max(px, ctx.measureText(ch).width);
      }
      remeasured[ch] = Math.min(4000, Math.ceil(px * 10 - 1e-6));
    }
    const lines = (reply.ok ? reply.value.drawList : []).filter((op) => op[0] === 'text').map((op) => {
      ctx.font = `${op[4]} ${op[3]}px ${family}`;
      return { x: op[1], size: op[3], weight: op[4], align: op[5], text: op[7], width: ctx.measureText(op[7]).width };
    });
    return {
      advances,
      remeasured,
      lines,
      shown,
      reply,
      own,
      channels,
      linkBase,
      again,
      checked,
      rows,
      streak: { current: streak.current, longest: streak.longest, total: streak.total, today: streak.today },
      actionTitle: profile.community.actionTitle,
      canvas: { width: canvas.width, height: canvas.height, cssWidth: rect.width, dpr: window.devicePixelRatio, differing },
      aside: document.getElementById('poster-preview-aside').textContent,
    };
  });
}

/** Screenshot of one element; returns the file and what zbar reads in it. */
async function shoot(selector, name) {
  const file = join(SHOTS, `poster-screen-${name}.png`);
  await page.locator(selector).screenshot({ path: file, animations: 'disabled' });
  return { file, ...zbar(file) };
}

async function fullPageShot(name) {
  await page.waitForSelector('#toast', { state: 'hidden', timeout: 8_000 }).catch(() => {});
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 375, height });
  await page.screenshot({ path: join(SHOTS, `poster-screen-${name}.png`), fullPage: true, animations: 'disabled' });
  await page.setViewportSize({ width: 375, height: 667 });
}

async function fillStory(title, story) {
  await page.fill('#poster-story-title', title);
  await page.fill('#poster-story-text', story);
}

test('海报 opens from 推荐 with the letter the KOC assessment picked', { timeout: TEST_TIMEOUT }, async () => {
  await page.goto(server.url, { waitUntil: 'load' });
  await waitForApp();
  await page.tap('a[data-tab="referral"]');
  await page.waitForSelector('body[data-referral="ready"]');
  assert.equal(await page.isVisible('#poster-entry'), true, 'the 生成推荐海报 card in the referral centre');
  await page.tap('#poster-entry');
  await waitForPoster('referralBenefit');
  assert.equal(await page.isVisible('#view-poster'), true);
  assert.equal(await page.isVisible('#view-referral'), false);
  assert.equal(await page.title(), '推荐海报 · CareCircle');
  assert.equal(await page.getAttribute('a[data-tab="referral"]', 'aria-current'), 'page', 'the 推荐 tab stays highlighted');
  assert.equal(await page.locator('.tabbar__tab').count(), 3, 'still three bottom tabs');
  assert.equal(await page.isVisible('.poster-tpl[data-template="referralBenefit"] .poster-tpl__tag'), true, '为您推荐 on the KOC letter');
  assert.equal(await page.locator('.poster-tpl__tag:visible').count(), 1);
  assert.equal(await page.locator('.poster-tpl.has-thumb').count(), TEMPLATES.length, 'every template has a thumbnail');
  await fullPageShot('open');
  opened = true;
});

for (const template of TEMPLATES) {
  test(`${template}: the screen shows layoutPoster's reply; the QR decodes to the referral code`, { timeout: TEST_TIMEOUT }, async () => {
    assert.ok(opened, 'the poster screen did not open (see the first test)');
    await pick(template);
    if (template === 'storyPoster') {
      await waitForPoster(template, 'empty');
      assert.equal(await page.textContent('#poster-placeholder'), '填写标题和故事后即可预览海报');
      await fillStory(STORY.title, STORY.story);
    }
    await waitForPoster(template);
    const r = await inspect();
    assert.ok(r.shown, 'a poster is shown');
    assert.equal(r.shown.template, template);
    assert.equal(r.shown.request.template, template);
    assert.equal(r.reply.ok, true, JSON.stringify(r.reply.error));
    assert.deepEqual(r.shown.value, r.reply.value, 'the page draws exactly what layoutPoster returns for its request');
    assert.equal(r.aside, r.reply.value.title);

    // Measured widths: the request carries this device's widths of printable
    // ASCII and of every character the patient's texts use.
    assert.ok(r.advances, 'the request carries measured widths (metrics.advances)');
    assert.deepEqual(r.advances, r.remeasured, 'the widths are what this canvas measures');
    for (let cp = 0x20; cp < 0x7f; cp += 1) assert.ok(String.fromCodePoint(cp) in r.advances, `ASCII ${cp} measured`);
    for (const ch of Object.values(r.shown.request.data).filter((v) => typeof v === 'string').join('')) {
      if (ch !== '\n') assert.ok(ch in r.advances, `${ch} measured`);
    }

    // Canvas: the draw list replayed at the device pixel ratio, fitted to the card.
    const ratio = Math.ceil((r.canvas.dpr * r.canvas.cssWidth - 0.5) / r.reply.value.width);
    assert.equal(r.canvas.width, r.reply.value.width * ratio, 'a whole pixel ratio, at least one canvas pixel per device pixel');
    assert.equal(r.canvas.height, r.reply.value.height * ratio);
    assert.ok(r.canvas.cssWidth >= 300 && r.canvas.cssWidth <= 375, `canvas fits the card (${r.canvas.cssWidth}px)`);
    assert.equal(r.canvas.differing, 0, 'the canvas holds exactly a replay of the draw list');

    // The code: made ONCE by the offline backend with the core, the same every time.
    assert.equal(r.own.code, r.again.code, 'getReferralCode returns the stored code');
    assert.match(r.own.code, /^[0-9A-HJKMNP-TV-Z]{13}$/, 'a 13-symbol Crockford code');
    assert.equal(r.channels.letterTemplate, 'benefit', 'the letter the saved KOC assessment chose');

    const file = join(SHOTS, `poster-screen-${template}.png`);
    if (WITH_QR.has(template)) {
      assert.deepEqual(r.shown.request.referral, { code: r.checked.display, linkBase: r.linkBase }, 'the demo’s join URL (+ the channel token) + ?c=');
      assert.deepEqual(r.shown.request.qr, { payload: r.checked.qrPayload, rows: r.rows }, 'Nayuki grid for the core payload');
      assert.equal(r.reply.value.qrPayload, `${r.linkBase}${r.own.code}`, 'the QR carries the demo’s join link with the code');
      assert.equal(new URL(r.reply.value.qrPayload).searchParams.get('c'), r.own.code);
      // The letters the patient may hand out and the card carry their own token; the 黑金推荐函 only after a KOC result chose it.
      const token = new URL(r.reply.value.qrPayload).searchParams.get('t');
      if (template === 'referralPrivilege') assert.equal(token, null, 'no 黑金推荐函 token: the demo patient’s KOC result chose the benefit letter');
      else assert.match(token ?? '', { referralHonour: /^H/, referralBenefit: /^B/, thankYouCard: /^D/ }[template], `the channel token: ${r.reply.value.qrPayload}`);
    } else {
      assert.equal(r.shown.request.referral, undefined, 'no code on this poster (G12/G3)');
      assert.equal(r.shown.request.qr, undefined, 'no QR on this poster (G12/G3)');
      assert.equal(r.reply.value.qrPayload, null);
    }
    if (template === 'referralHonour') {
      assert.ok(['bronze', 'silver', 'gold'].includes(r.shown.request.data.medal), 'the medal the core says the patient holds');
    }
    if (template === 'checkInPoster') {
      assert.deepEqual(r.shown.request.data, {
        currentDays: r.streak.current,
        totalDays: r.streak.total,
        longestDays: r.streak.longest,
        date: r.streak.today,
        planTitle: r.actionTitle,
        hospitalName: '康复示范医院（演示）',
      }, "evaluateStreak's numbers and the hospital, nothing about sharing (G3)");
      assert.equal(await page.textContent('#poster-checkin-facts'),
        `当前连续 ${r.streak.current} 天 · 最长连续 ${r.streak.longest} 天 · 累计打卡 ${r.streak.total} 天`);
    }
    if (template === 'storyPoster') {
      assert.deepEqual(r.shown.request.data, { title: STORY.title, story: STORY.story, hospitalName: '康复示范医院（演示）' }, 'title, story and the hospital only (G12)');
      // Every line fits its box as this canvas draws it: title 630 px from x = 60, story 590 px from x = 80.
      const title = r.lines.filter((l) => l.x === 60 && l.weight === 700);
      const story = r.lines.filter((l) => l.x === 80 && l.align === 'left');
      assert.ok(title.length >= 1 && story.length >= 2, JSON.stringify(r.lines));
      for (const l of title) assert.ok(l.width <= 630, `title line "${l.text}" is ${l.width}px wide`);
      for (const l of story) assert.ok(l.width <= 590, `story line "${l.text}" is ${l.width}px wide`);
    }

    if (template === 'thankYouCard') {
      // Under the foil the code cannot be read; the canvas underneath has it.
      const covered = await shoot('#poster-stage', 'thankYouCard-foil');
      assert.equal(covered.status, 4, `nothing to scan under the foil: ${covered.text}`);
      assert.equal(await page.isDisabled('#poster-save'), true, 'save waits for the scratch');
      assert.equal(await page.isDisabled('#poster-share'), true, 'share waits for the scratch');
      return;
    }
    const shot = await shoot('#poster-canvas', template);
    assert.equal(shot.file, file);
    if (WITH_QR.has(template)) {
      assert.equal(shot.status, 0, `zbar found no QR code in ${file}`);
      assert.equal(shot.text, `${r.linkBase}${r.own.code}`, 'the QR decodes to the join link (with its channel token) and the exact referral code');
      assert.equal(shot.text, r.reply.value.qrPayload);
    } else {
      assert.equal(shot.status, 4, `a QR code where none may be (G12/G3): ${shot.text}`);
    }
    await fullPageShot(`${template}-page`);
  });
}

test('the referral code survives a reload: the same code, the same QR', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(opened, 'the poster screen did not open (see the first test)');
  await pick('referralHonour');
  await waitForPoster('referralHonour');
  const before = await inspect();
  await page.goto(`${server.url}#poster/referralHonour`, { waitUntil: 'load' });
  await waitForApp();
  await waitForPoster('referralHonour');
  const after = await inspect();
  assert.equal(after.own.code, before.own.code, 'created once, stored in IndexedDB');
  assert.deepEqual(after.shown.request, before.shown.request);
  assert.deepEqual(after.shown.value, before.shown.value);
});

test('scratching the thank-you card reveals the code', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(opened, 'the poster screen did not open (see the first test)');
  await pick('thankYouCard');
  await waitForPoster('thankYouCard');
  assert.equal(await page.getAttribute('#view-poster', 'data-revealed'), 'false');
  assert.equal(await page.isVisible('#poster-scratch-bar'), true);
  const { linkBase, own } = await inspect();

  // A finger across the scratch region, row by row (pointer events, as a touch screen sends them).
  const scratch = (fromRow, toRow) => page.evaluate(([from, to]) => {
    const target = document.getElementById('poster-scratch');
    const r = target.getBoundingClientRect();
    const fire = (type, x, y) => target.dispatchEvent(new PointerEvent(type, {
      bubbles: true, cancelable: true, pointerId: 7, pointerType: 'touch', isPrimary: true,
      clientX: x, clientY: y, buttons: type === 'pointerup' ? 0 : 1, pressure: type === 'pointerup' ? 0 : 0.5,
    }));
    const rows = Math.ceil(r.height / 12);
    for (let row = from; row < Math.min(to, rows); row += 1) {
      if (target.hidden) break;
      const y = r.top + 6 + row * 12;
      fire('pointerdown', r.left + 4, y);
      for (let x = r.left + 4; x <= r.right - 4; x += 8) fire('pointermove', x, y);
      fire('pointerup', r.right - 4, y);
    }
    return { rows, scratched: Number(document.getElementById('view-poster').dataset.scratched ?? 0) };
  }, [fromRow, toRow]);

  const partly = await scratch(0, 3);
  assert.ok(partly.scratched > 0 && partly.scratched < 60, `a few strokes clear part of the foil (${partly.scratched}%)`);
  assert.equal(await page.getAttribute('#view-poster', 'data-revealed'), 'false', 'not yet revealed');
  await shoot('#poster-stage', 'thankYouCard-scratching');

  await scratch(3, 1000);
  await page.waitForSelector('#view-poster[data-revealed="true"]');
  await page.waitForSelector('#poster-foil', { state: 'hidden' });
  assert.equal(await page.isVisible('#poster-scratch-bar'), false);
  assert.equal(await page.isEnabled('#poster-save'), true, 'save once revealed');
  assert.equal(await page.isEnabled('#poster-share'), true, 'share once revealed');
  assert.equal(await page.textContent('#poster-action-msg'), '已刮开，这是您的专属推荐码');
  const revealed = await shoot('#poster-stage', 'thankYouCard');
  assert.equal(revealed.status, 0, 'zbar reads the revealed code');
  assert.equal(revealed.text, `${linkBase}${own.code}`, 'the revealed QR is the join link with the card’s token and the referral code');
  assert.match(new URL(revealed.text).searchParams.get('t') ?? '', /^D/, 'the card’s token');
  await fullPageShot('thankYouCard-page');
});

test('保存图片 downloads the PNG; 分享 shares a file or says why not (nothing depends on it)', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(opened, 'the poster screen did not open (see the first test)');
  await pick('referralPrivilege');
  await waitForPoster('referralPrivilege');
  const { own, reply } = await inspect();

  const [download] = await Promise.all([page.waitForEvent('download'), page.tap('#poster-save')]);
  assert.equal(download.suggestedFilename(), `${reply.value.title}.png`);
  const file = join(SHOTS, 'poster-screen-saved.png');
  await download.saveAs(file);
  const png = readFileSync(file);
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.equal(png.readUInt32BE(16), reply.value.width * 2, 'saved at 2×');
  assert.equal(png.readUInt32BE(20), reply.value.height * 2);
  assert.deepEqual(zbar(file), { status: 0, text: `${own.linkBase}${own.code}` }, 'the saved image scans to the join link with the code');
  await page.waitForSelector('#poster-action-msg:not([hidden])');

  // 分享 without the Web Share API (desktop Linux Chromium): a clear message.
  const canShareFiles = await page.evaluate(() => typeof navigator.canShare === 'function' && typeof navigator.share === 'function');
  if (!canShareFiles) {
    await page.tap('#poster-share');
    await page.waitForFunction(() => document.getElementById('poster-action-msg').textContent.includes('不支持直接分享图片'));
    assert.equal(await page.textContent('#poster-action-msg'), '当前浏览器不支持直接分享图片。请先点“保存图片”，再从相册发送给朋友。');
  }

  // With it (a phone browser): one PNG file goes to the system share sheet, and nothing is recorded.
  await page.evaluate(() => {
    window.sharedForTest = [];
    Object.defineProperty(navigator, 'canShare', { configurable: true, value: (data) => Array.isArray(data?.files) });
    Object.defineProperty(navigator, 'share', {
      configurable: true,
      value: async (data) => {
        window.sharedForTest.push({ title: data.title, files: data.files.map((f) => ({ name: f.name, type: f.type, size: f.size })) });
      },
    });
  });
  const storedBefore = await page.evaluate(async () => {
    const { createOfflineBackend } = await import('/backend/offline.js');
    const backend = createOfflineBackend();
    return JSON.stringify(await backend.getEligibilityInputs());
  });
  await page.tap('#poster-share');
  await page.waitForFunction(() => window.sharedForTest.length === 1);
  const shared = await page.evaluate(() => window.sharedForTest);
  assert.equal(shared[0].title, reply.value.title);
  assert.deepEqual(shared[0].files.map(({ name, type }) => ({ name, type })), [{ name: `${reply.value.title}.png`, type: 'image/png' }]);
  assert.ok(shared[0].files[0].size > 10_000, 'a real PNG');
  const storedAfter = await page.evaluate(async () => {
    const { createOfflineBackend } = await import('/backend/offline.js');
    return JSON.stringify(await createOfflineBackend().getEligibilityInputs());
  });
  assert.equal(storedAfter, storedBefore, 'sharing changes nothing stored: no reward, no counter (G3)');
  await page.evaluate(() => {
    delete navigator.canShare;
    delete navigator.share;
  });
});

test('inside a mini-program web-view: share goes through wx.miniProgram, save shows the image to long-press', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(opened, 'the poster screen did not open (see the first test)');
  const mp = await context.newPage();
  mp.setDefaultTimeout(STEP_TIMEOUT);
  watch(mp);
  // What WeChat's mini-program web-view puts on the page (its user agent and
  // environment flag), and a double of the JS-SDK the shell bundles at
  // web/vendor/jweixin.mjs (served in place of the real file: no network).
  await mp.addInitScript(() => {
    const ua = `${navigator.userAgent} MicroMessenger/8.0.50 miniProgram`;
    Object.defineProperty(Navigator.prototype, 'userAgent', { get: () => ua });
    window.__wxjs_environment = 'miniprogram';
    window.mpMessages = [];
  });
  await mp.route('**/vendor/jweixin.mjs', (route) =>
    route.fulfill({
      contentType: 'text/javascript',
      body: `export default { miniProgram: {
        postMessage: (m) => window.mpMessages.push(m),
        navigateTo: () => {},
        navigateBack: () => {},
        getEnv: (cb) => cb({ miniprogram: true }),
      } };`,
    }),
  );
  try {
    await mp.goto(`${server.url}#poster/referralHonour`, { waitUntil: 'load' });
    await mp.waitForSelector('#view-poster[data-template="referralHonour"][data-state="ready"]');
    const title = await mp.textContent('#poster-preview-aside');
    await mp.tap('#poster-share');
    await mp.waitForFunction(() => window.mpMessages.length === 1);
    // The mini-program's share card (miniprogram/pages/index) needs the opaque
    // referral code for its join path; nothing personal rides along.
    const messages = await mp.evaluate(() => window.mpMessages);
    assert.equal(messages.length, 1);
    const { code, token, ...rest } = messages[0].data;
    assert.deepEqual(rest, { type: 'share', title, path: '', imageUrl: '' }, 'the title, the code and the letter\'s token only: no name in the message');
    assert.match(code, /^[0-9A-HJKMNP-TV-Z]{13}$/, 'the opaque referral code (Crockford base32)');
    // The letter's channel token, as its QR link carries it (t=): opaque, checked by the backend's core.
    assert.match(token, /^[0-9A-HJKMNP-TV-Z]{17}$/, 'the letter\'s opaque channel token');
    assert.match(await mp.textContent('#poster-action-msg'), /右上角/);
    await mp.tap('#poster-save');
    await mp.waitForSelector('#poster-sheet:not([hidden])');
    const image = await mp.evaluate(async () => {
      const img = document.getElementById('poster-sheet-img');
      await img.decode();
      return { src: img.src, width: img.naturalWidth };
    });
    assert.match(image.src, /^blob:/);
    assert.equal(image.width, 1500, 'the 2× PNG, to long-press and save');
    await mp.waitForTimeout(300);
    await mp.screenshot({ path: join(SHOTS, 'poster-screen-miniprogram-save.png'), animations: 'disabled' });
    await mp.locator('#poster-sheet .btn').tap();
    await mp.waitForSelector('#poster-sheet', { state: 'hidden' });
  } finally {
    await mp.close();
  }
});

test('story: the wording check with the core spans, consent to submit, a photo, nothing stored', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(opened, 'the poster screen did not open (see the first test)');
  await pick('storyPoster');
  const title = '我的康复故事';
  await fillStory(title, FLAGGED_STORY);
  await waitForPoster('storyPoster', 'error');

  // The core's error, verbatim, with its own spans marked.
  const expected = await page.evaluate(async ([t, s]) => {
    const { loadCore } = await import('/core.js');
    const core = await loadCore();
    return core.call('layoutPoster', { template: 'storyPoster', data: { title: t, story: s } });
  }, [title, FLAGGED_STORY]);
  assert.equal(expected.ok, false);
  assert.equal(expected.error.code, 'poster.wording_flagged');
  const shownError = await page.evaluate(async () => (await import('/poster/screen.js')).shownPosterError());
  assert.deepEqual(shownError, expected.error);
  assert.equal(await page.textContent('#poster-error'), expected.error.message);
  const marks = await page.locator('#poster-flags .poster-flag[data-field="/data/story"] mark').allTextContents();
  assert.deepEqual(marks, expected.error.matches.map((m) => FLAGGED_STORY.slice(m.utf16Start, m.utf16End)));
  assert.deepEqual(marks, ['你吃这个药试试', '根治']);
  assert.equal(await page.textContent('#poster-flags .poster-flag[data-field="/data/story"] .poster-flag__text'), FLAGGED_STORY);
  const reasons = await page.locator('#poster-flags .poster-flag__reason').allTextContents();
  for (const m of expected.error.matches) assert.ok(reasons.some((r) => r.includes(m.explanation)), `explains ${m.ruleId}`);
  assert.equal(await page.getAttribute('#poster-story-text', 'aria-invalid'), 'true');
  assert.equal(await page.isVisible('#poster-canvas'), false, 'no preview of a refused poster');
  assert.equal(await page.isDisabled('#poster-save'), true);
  await fullPageShot('story-flagged');

  // 提交故事 with the flagged text and no consent: the consent comes first.
  assert.equal(await page.isChecked('#poster-consent'), false);
  await page.tap('#poster-submit');
  assert.match(await page.textContent('#poster-submit-msg'), /单独同意/);
  assert.notEqual(await page.getAttribute('#view-poster', 'data-story-submitted'), 'true');

  // A clean story: previewable and savable without consent (G9), still not submittable without it.
  await fillStory(STORY.title, STORY.story);
  await waitForPoster('storyPoster');
  assert.equal(await page.isEnabled('#poster-save'), true, 'refusing consent blocks nothing else');
  await page.tap('#poster-submit');
  assert.match(await page.textContent('#poster-submit-msg'), /单独同意/);
  assert.notEqual(await page.getAttribute('#view-poster', 'data-story-submitted'), 'true');

  // With consent: submitted (the demo uploads nothing and says so).
  await page.locator('#poster-consent').check();
  await page.tap('#poster-submit');
  await page.waitForSelector('#view-poster[data-story-submitted="true"]');
  assert.match(await page.textContent('#poster-submit-msg'), /演示模式/);
  // Withdrawable.
  await page.locator('#poster-consent').uncheck();
  // The sheet names the pending story the withdrawal removes.
  await page.waitForSelector('#sheet:not([hidden])');
  assert.match(await page.textContent('#sheet-body'), new RegExp(`等待审核的故事《${STORY.title}》将被删除`));
  await page.tap('#sheet-confirm');
  await page.waitForSelector('#view-poster[data-story-submitted="false"]');
  assert.match(await page.textContent('#poster-submit-msg'), /撤回/);

  // A photo (synthetic, made in the page): a blob: URL in the image slot.
  const photo = await page.evaluate(async () => {
    const c = new OffscreenCanvas(1200, 900);
    const x = c.getContext('2d');
    const g = x.createLinearGradient(0, 0, 1200, 900);
    g.addColorStop(0, '#f6d1b8');
    g.addColorStop(1, '#9cc9b7');
    x.fillStyle = g;
    x.fillRect(0, 0, 1200, 900);
    x.fillStyle = '#fffaf3';
    x.beginPath();
    x.arc(600, 360, 150, 0, 2 * Math.PI);
    x.fill();
    x.fillRect(400, 540, 400, 360);
    const bytes = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  });
  await page.setInputFiles('#poster-photo-input', { name: 'photo.png', mimeType: 'image/png', buffer: Buffer.from(photo, 'base64') });
  await page.waitForSelector('#poster-photo-thumb:not([hidden])');
  await waitForPoster('storyPoster');
  const r = await inspect();
  assert.equal(r.shown.request.images.photo.width, 1200);
  assert.equal(r.shown.request.images.photo.height, 900);
  assert.match(r.shown.request.images.photo.href, /^blob:http:\/\/127\.0\.0\.1:\d+\//);
  assert.deepEqual(r.shown.value, r.reply.value);
  assert.ok(r.reply.value.drawList.some((op) => op[0] === 'image' && op[1] === 'photo'), 'the photo slot is drawn');
  assert.equal(r.canvas.differing, 0, 'the canvas holds the replay with the photo');
  const shot = await shoot('#poster-canvas', 'storyPoster-photo');
  assert.equal(shot.status, 4, 'no QR code on a story poster (G12)');
  await fullPageShot('storyPoster-photo-page');

  // G19: nothing of the story anywhere in the browser's storage.
  const storage = await page.evaluate(async () => {
    const dump = {};
    for (const info of await indexedDB.databases()) {
      const db = await new Promise((resolveOpen, rejectOpen) => {
        const req = indexedDB.open(info.name);
        req.onsuccess = () => resolveOpen(req.result);
        req.onerror = () => rejectOpen(req.error);
      });
      for (const name of db.objectStoreNames) {
        dump[`${info.name}/${name}`] = await new Promise((resolveAll) => {
          const req = db.transaction(name).objectStore(name).getAll();
          req.onsuccess = () => resolveAll(req.result);
        });
      }
      db.close();
    }
    const cached = [];
    for (const key of await caches.keys()) {
      for (const request of await (await caches.open(key)).keys()) cached.push(request.url);
    }
    return {
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      idb: JSON.stringify(dump),
      cached,
    };
  });
  assert.equal(storage.local, 0, 'nothing in localStorage (G19)');
  assert.equal(storage.session, 0, 'nothing in sessionStorage');
  assert.equal(storage.cookie, '');
  for (const needle of [STORY.title, '颈部康复操一个动作', title, '保证根治', 'blob:']) {
    assert.ok(!storage.idb.includes(needle), `IndexedDB holds nothing of the story (${needle})`);
  }
  assert.ok(storage.cached.every((url) => !url.startsWith('blob:')), 'no photo in Cache Storage');

  // Removing the photo revokes it; the story card moves up (the core's layout without a photo).
  await page.tap('#poster-photo-remove');
  await waitForPoster('storyPoster');
  const without = await inspect();
  assert.equal(without.shown.request.images, undefined);
  assert.deepEqual(without.shown.value, without.reply.value);
});

test('phone widths: no horizontal overflow, touch targets ≥ 44 px', { timeout: TEST_TIMEOUT }, async () => {
  assert.ok(opened, 'the poster screen did not open (see the first test)');
  for (const template of ['referralHonour', 'thankYouCard', 'checkInPoster', 'storyPoster']) {
    await pick(template);
    await page.waitForSelector(`#view-poster[data-template="${template}"]:not([data-state="pending"])`);
    for (const width of [360, 430, 375]) {
      await page.setViewportSize({ width, height: 667 });
      await page.waitForTimeout(50);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal overflow at ${width}px (${template}: ${overflow}px)`);
      const small = await page.evaluate(() =>
        [...document.querySelectorAll('#app a, #app button, #app input, #app textarea, #app label.btn')]
          .filter((n) => n.offsetParent !== null || getComputedStyle(n).position === 'fixed')
          .filter((n) => !(n instanceof HTMLInputElement && (n.type === 'file' || n.type === 'checkbox')))
          .map((n) => ({ id: n.id || n.dataset.template || n.dataset.tab || n.className, rect: n.getBoundingClientRect() }))
          .filter(({ rect }) => rect.width > 0 && (rect.width < 44 || rect.height < 44))
          .map(({ id, rect }) => `${id} ${rect.width.toFixed(0)}×${rect.height.toFixed(0)}`),
      );
      assert.deepEqual(small, [], `touch targets ≥ 44 px at ${width}px (${template})`);
      const consentRow = await page.evaluate(() => {
        const label = document.querySelector('.poster-consent__check');
        return label && label.offsetParent !== null ? label.getBoundingClientRect().height : null;
      });
      if (consentRow !== null) assert.ok(consentRow >= 44, 'the consent row is a ≥ 44 px target');
    }
  }
  await page.setViewportSize({ width: 360, height: 667 });
  await pick('referralHonour');
  await waitForPoster('referralHonour');
  await page.waitForTimeout(100);
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 360, height });
  await page.screenshot({ path: join(SHOTS, 'poster-screen-360.png'), fullPage: true, animations: 'disabled' });
  await page.setViewportSize({ width: 375, height: 667 });
  // Back to the referral centre.
  await page.tap('.poster-back');
  await page.waitForSelector('#view-referral:not([hidden])');
  assert.equal(await page.isVisible('#view-poster'), false);
});

test('measured widths stop at the core\'s 8,192 entries, ASCII first, and the core accepts the table', { timeout: TEST_TIMEOUT }, async () => {
  const r = await page.evaluate(async () => {
    const { measuredMetrics } = await import('/poster/metrics.js');
    const { loadCore } = await import('/core.js');
    const core = await loadCore();
    let story = '';
    for (let cp = 0x4e00; cp < 0x4e00 + 9000; cp += 1) story += String.fromCodePoint(cp);
    const data = { title: 'Nine thousand', story };
    const probe = core.call('layoutPoster', { template: 'storyPoster', data });
    const metrics = measuredMetrics(data, probe.value.fontFamily);
    const keys = Object.keys(metrics.advances);
    const reply = core.call('layoutPoster', { template: 'storyPoster', data, metrics });
    const ascii = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).every((ch) => ch in metrics.advances);
    return { count: keys.length, ascii, last: String.fromCodePoint(0x4e00 + 8192 - 95 - 1) in metrics.advances, cut: String.fromCodePoint(0x4e00 + 8192 - 95) in metrics.advances, reply: reply.ok ? 'ok' : reply.error.code };
  });
  assert.deepEqual(r, { count: 8192, ascii: true, last: true, cut: false, reply: 'ok' });
});

test('no console errors, page errors, failed requests or CSP violations', () => {
  assert.deepEqual(problems, []);
});
