// 病友故事官 on both backends: staff (运营, at 1366×768) publish the month's
// call for stories, pick the demo patient's approved story as the story of
// the month and download its A3 poster; the PNG is 3508 × 4961 px (A3 at
// 300 dpi) and says so (its pHYs chunk: 11811 px/m), zbar finds no QR code in it, and the core's layout of it carries
// no price, coupon or link text (G12); the patient (a phone) sees the 故事官
// honour in 荣誉勋章 (an honour, no cash: G1) and the call and the story of
// the month on 病友故事, and the call above the story form of 推荐海报
// (200 % text). A call that makes a claim is refused with the core's words.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';
import { PNG } from 'pngjs';

import { loadCore } from '../node/helpers.mjs';
import { PHONE, recordCspViolations, REPO, signInStaff, twoBackendSuite } from './harness.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');

/** The pHYs chunk a PNG file carries before its image data (read here by hand, its CRC checked with zlib), or null. */
function declaredPhys(bytes) {
  for (let at = 8; at + 12 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (type === 'IDAT' || type === 'IEND') return null;
    if (type === 'pHYs') {
      assert.equal(bytes.readUInt32BE(at + 8 + length), crc32(bytes.subarray(at + 4, at + 8 + length)), 'pHYs CRC');
      return { x: bytes.readUInt32BE(at + 8), y: bytes.readUInt32BE(at + 12), unit: bytes[at + 16] };
    }
    at += 12 + length;
  }
  return null;
}
const TEST_TIMEOUT = 240_000;
const suite = twoBackendSuite({ chromium, shots: SHOTS });
const STORY = { title: '坚持打卡的一百天', story: '每天做颈部操，复查时护士说恢复得不错。谢谢群里的病友一路鼓励，心里踏实多了。' };
/** Nothing of this may be on the poster (G12): price, coupon, code, QR, booking, link. */
const FORBIDDEN_TEXT = /¥|￥|\d+\s*元|券|推荐码|二维码|扫码|预约|挂号|优惠|折扣|https?:|www\./;
const newKey = () => `k-${randomUUID()}`;

const backends = [
  {
    name: 'offline',
    url: () => suite.stack.staticServer.url,
    async seed(page) {
      await page.evaluate(async (words) => {
        const { createOfflineBackend } = await import('/backend/offline.js');
        const { loadCore: load } = await import('/core.js');
        const core = await load();
        const backend = createOfflineBackend();
        await backend.init();
        await backend.setConsent('stories', true);
        const { storyId } = await backend.submitStory({ ...words, key: crypto.randomUUID() }, core);
        await backend.decideStory({ storyId, decision: 'approve', key: crypto.randomUUID() }, core);
      }, STORY);
    },
  },
  {
    name: 'http',
    url: () => `${suite.stack.base}?backend=http`,
    async seed() {
      const api = suite.stack.api;
      const session = async (body) => (await api('POST', '/demo/sessions', { body })).body.token;
      const patient = await session({ as: 'demoPatient' });
      const service = await session({ as: 'staff', role: 'service' });
      assert.equal((await api('PUT', '/me/consents', { token: patient, key: newKey(), body: { purpose: 'stories', granted: true } })).status, 200);
      const submitted = await api('POST', '/stories', { token: patient, key: newKey(), body: STORY });
      assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
      const decided = await api('POST', '/staff/stories/decide', { token: service, key: newKey(), body: { storyId: submitted.body.storyId, decision: 'approve' } });
      assert.equal(decided.status, 200, JSON.stringify(decided.body));
    },
  },
];

for (const backend of backends) {
  test(`${backend.name}: story of the month → 故事官 honour → A3 300 dpi poster with no QR and no price`, { timeout: TEST_TIMEOUT }, async () => {
    const problems = [];
    const dir = mkdtempSync(join(tmpdir(), 'cc-story-officer-'));
    const staffContext = await suite.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'block', acceptDownloads: true });
    const phoneContext = await suite.browser.newContext({ ...PHONE, serviceWorkers: 'block' });
    try {
      await recordCspViolations(staffContext);
      await recordCspViolations(phoneContext);
      const staff = await staffContext.newPage();
      staff.setDefaultTimeout(60_000);
      staff.on('pageerror', (err) => problems.push(`staff pageerror: ${err.message}`));
      await staff.goto(`${backend.url()}#staff/story-month`, { waitUntil: 'load' });
      if (backend.name === 'offline') await backend.seed(staff);
      else await backend.seed();
      await signInStaff(staff, 'operations');
      await staff.goto(`${backend.url()}#staff/story-month`);
      await staff.waitForSelector('#staff-story-month[data-state="ready"]');

      // A call that promises a cure is refused with the core's words; a plain one is published.
      await staff.fill('#story-month-theme', '我的康复日常');
      await staff.fill('#story-month-invitation', '分享您根治的经验');
      await staff.click('#story-month-call button[type="submit"]');
      await staff.waitForSelector('#story-month-call-error:not([hidden])');
      assert.match(await staff.textContent('#story-month-call-error'), /疗效|根治|不能/);
      await staff.fill('#story-month-invitation', '本月征集您的康复故事：复查、锻炼、饮食，都可以写。');
      await staff.click('#story-month-call button[type="submit"]');
      await staff.waitForFunction(() => document.getElementById('story-month-call-error').hidden);

      // Pick the demo patient's story.
      const candidate = staff.locator('#story-month-candidates li', { hasText: STORY.title }).first();
      await candidate.locator('button').click();
      await staff.waitForSelector('#story-month-download');
      assert.match(await staff.textContent('#story-month-pick'), new RegExp(STORY.title));
      await staff.screenshot({ path: join(SHOTS, `story-officer-${backend.name}-staff.png`) });

      const [download] = await Promise.all([staff.waitForEvent('download'), staff.click('#story-month-download')]);
      const file = join(dir, 'poster.png');
      await download.saveAs(file);
      const png = PNG.sync.read(readFileSync(file));
      assert.deepEqual([png.width, png.height], [3508, 4961], 'A3 at 300 dpi');
      assert.deepEqual(declaredPhys(readFileSync(file)), { x: 11811, y: 11811, unit: 1 }, 'the file declares 300 dpi (11811 px/m) so it prints at A3');
      // zbar finds no barcode of any kind (exit status 4: nothing found).
      let zbar = 0;
      try {
        execFileSync('zbarimg', ['--quiet', file], { stdio: 'pipe' });
      } catch (error) {
        zbar = error.status;
      }
      assert.equal(zbar, 4, 'zbarimg finds no QR or other code on the poster');
      // The core's layout of the same story: no QR, no price, coupon or link text.
      const module = await loadCore();
      const laid = JSON.parse(module.layoutPoster(JSON.stringify({ template: 'storyPoster', data: { ...STORY, name: '演示用户 王*' } })));
      assert.equal(laid.ok, true, JSON.stringify(laid));
      assert.equal(laid.value.qrPayload, null);
      const words = laid.value.drawList.filter((op) => op[0] === 'text').map((op) => op[7]).join('\n');
      assert.doesNotMatch(words, FORBIDDEN_TEXT);

      // The patient: 故事官 in 荣誉勋章, the call and the story of the month on 病友故事.
      // The offline demo keeps its data in the browser profile: the patient's phone is a page of the same one.
      const phone = await (backend.name === 'offline' ? staffContext : phoneContext).newPage();
      await phone.setViewportSize(PHONE.viewport);
      phone.setDefaultTimeout(60_000);
      phone.on('pageerror', (err) => problems.push(`phone pageerror: ${err.message}`));
      await phone.goto(`${backend.url()}#wallet`, { waitUntil: 'load' });
      await phone.waitForSelector('#badge-groups [data-honour="storyOfficer"]');
      assert.match(await phone.textContent('#badge-groups [data-honour="storyOfficer"]'), /故事官/);
      await phone.locator('#badges-card').screenshot({ path: join(SHOTS, `story-officer-${backend.name}-honour.png`) });
      await phone.goto(`${backend.url()}#stories`);
      await phone.waitForSelector('#stories-month:not([hidden]) .stories-month__pick');
      const month = await phone.textContent('#stories-month');
      assert.match(month, /本月故事征集：我的康复日常/);
      assert.match(month, new RegExp(`故事官.*${STORY.title}`));
      assert.doesNotMatch(month, FORBIDDEN_TEXT);
      await phone.screenshot({ path: join(SHOTS, `story-officer-${backend.name}-stories.png`) });
      // The same call above the story form (推荐海报 › 病友故事官), readable at 200 % text.
      await phone.goto(`${backend.url()}#poster/storyPoster`);
      await phone.waitForSelector('#poster-story-call:not([hidden])');
      assert.match(await phone.textContent('#poster-story-call'), /本月故事征集：我的康复日常/);
      // 200 % text as the shell applies WeChat's setting (web/lib/text-size.js: the root's font-size).
      await phone.evaluate(() => {
        document.documentElement.style.fontSize = '200%';
      });
      assert.equal(await phone.evaluate(() => getComputedStyle(document.documentElement).fontSize), '32px');
      const sideways = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(sideways <= 0, `nothing sticks out sideways at 200 % (${sideways} px)`);
      await phone.locator('#poster-story-call').scrollIntoViewIfNeeded();
      await phone.screenshot({ path: join(SHOTS, `story-officer-${backend.name}-poster-call-200.png`) });
      assert.deepEqual(problems, []);
    } finally {
      await staffContext.close();
      await phoneContext.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
