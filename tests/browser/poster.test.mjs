// Posters in real headless Chromium (playwright-core), through the built .wasm.
//
// Starts scripts/serve.mjs in-process and opens a document of the app's origin
// (with the demo's Content-Security-Policy), then for every template:
//   1. lays the golden fixture's request out with the .wasm in the page and
//      checks the reply equals the native golden bytes;
//   2. renders the SVG (as an <img>) and replays the draw list on a canvas at
//      device pixel ratio 2 with web/poster/replay.js, exports the PNG, and
//      saves both under test-output/screenshots/poster-*.png;
//   3. decodes every QR code with zbar (`zbarimg --nodbus --quiet --raw`) back
//      to the exact payload the core put in it — and finds none on the story
//      and check-in posters (G12, G3) nor under the thank-you card's foil.
// Then an XSS corpus goes through the story text, title and name: the SVG is
// put in the page as inline markup, as an SVG document in a frame and as an
// image, with the CSP switched off so that nothing but our escaping stands in
// the way: no script runs, no dialog opens, no element or handler appears.
//
// Needs build/wasm/core.{mjs,wasm} (npm run build) and zbar-tools.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';
import QRCode from 'qrcode';

import { CHROMIUM, FLAGS } from './harness.mjs';

import { startServer } from '../../scripts/serve.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(REPO, 'test-output', 'screenshots');
const FIXTURES = join(REPO, 'tests', 'fixtures', 'poster', 'layoutPoster');
const TEST_TIMEOUT = 60_000;

// One fixture per template: the request the golden files pin.
const TEMPLATES = [
  ['storyPoster', 'story_with_photo'],
  ['referralHonour', 'referral_honour_gold_medal'],
  ['referralBenefit', 'referral_benefit_growth_fund'],
  ['referralPrivilege', 'referral_privilege_black_gold'],
  ['thankYouCard', 'thank_you_card_scratch_region'],
  ['checkInPoster', 'checkin_poster_21_days'],
];

let server;
let browser;
let page;
const problems = [];  // console errors, page errors, failed requests, CSP violations

// A document of the app's origin, under its CSP, that boots nothing else.
async function openOriginPage(context, watch = () => {}) {
  const p = await context.newPage();
  watch(p);
  await p.goto(`${server.url}poster/replay.js`);
  await p.evaluate(async () => {
    const { default: createCore } = await import('/wasm/core.mjs');
    window.core = await createCore();
    window.replay = await import('/poster/replay.js');
    // A synthetic photo (G19: no real patient data in tests).
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
    window.photo = c.transferToImageBitmap();
  });
  return p;
}

function zbar(file) {
  const r = spawnSync('zbarimg', ['--nodbus', '--quiet', '--raw', file], { encoding: 'utf8' });
  return { status: r.status, text: r.stdout.replace(/\n$/, '') };
}

before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(REPO, 'build', 'wasm', file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  assert.equal(spawnSync('zbarimg', ['--version']).status, 0, 'zbarimg is missing: apt-get install zbar-tools');
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  const context = await browser.newContext({
    viewport: { width: 390, height: 900 }, deviceScaleFactor: 2, locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'}`);
    });
  });
  page = await openOriginPage(context, (p) => {
    p.on('console', (m) => {
      // The browser's own favicon probe for a non-HTML document is not ours.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) problems.push(`console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    p.on('requestfailed', (r) => problems.push(`requestfailed: ${r.url()}`));
    p.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  });
});

after(async () => {
  await browser?.close().catch(() => {});
  if (server) await server.close();
});

// Renders one poster both ways in the page; returns the PNG bytes.
async function render(poster, { foil = false } = {}) {
  const out = await page.evaluate(async ({ poster, foil }) => {
    const toBase64 = async (blob) => {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(s);
    };
    // The draw list, replayed and exported as the shell does.
    const images = { photo: window.photo };
    const canvasPng = await window.replay.posterToPngBlob(poster, { images, pixelRatio: 2 });
    let foilPng = null;
    if (foil) {
      const c = new OffscreenCanvas(1, 1);
      window.replay.replayPoster(c, poster, { images, pixelRatio: 2 });
      window.replay.drawScratchFoil(c, poster, { pixelRatio: 2 });
      foilPng = await toBase64(await c.convertToBlob({ type: 'image/png' }));
    }
    // The SVG, as an image at half size (= 1 poster px per device px at DPR 2).
    document.body.replaceChildren();
    document.body.style.margin = '0';
    const img = new Image();
    img.id = 'svg-poster';
    img.width = poster.width / 2;
    img.height = poster.height / 2;
    img.src = URL.createObjectURL(new Blob([poster.svg], { type: 'image/svg+xml' }));
    document.body.append(img);
    await img.decode();
    const wellFormed = !new DOMParser().parseFromString(poster.svg, 'image/svg+xml').querySelector('parsererror');
    return { canvas: await toBase64(canvasPng), foil: foilPng, wellFormed };
  }, { poster, foil });
  const svgShot = await page.locator('#svg-poster').screenshot();
  return {
    canvas: Buffer.from(out.canvas, 'base64'),
    foil: out.foil && Buffer.from(out.foil, 'base64'),
    svg: svgShot,
    wellFormed: out.wellFormed,
  };
}

for (const [template, fixture] of TEMPLATES) {
  test(`${template}: wasm = native bytes, SVG and canvas render, every QR decodes with zbar`,
    { timeout: TEST_TIMEOUT }, async () => {
      const request = readFileSync(join(FIXTURES, `${fixture}.json`), 'utf8');
      const expected = readFileSync(join(FIXTURES, `${fixture}.expected.json`), 'utf8');
      const replyText = await page.evaluate((r) => window.core.layoutPoster(r), request);
      assert.equal(`${replyText}\n`, expected, 'the .wasm in Chromium differs from the native golden bytes');
      const poster = JSON.parse(replyText).value;
      assert.equal(poster.template, template);

      const shots = await render(poster, { foil: template === 'thankYouCard' });
      assert.ok(shots.wellFormed, 'the SVG is not well-formed XML');
      const canvasFile = join(SHOTS, `poster-${template}.png`);
      const svgFile = join(SHOTS, `poster-${template}-svg.png`);
      writeFileSync(canvasFile, shots.canvas);
      writeFileSync(svgFile, shots.svg);
      // The exported PNG is the poster at DPR 2.
      assert.equal(shots.canvas.readUInt32BE(16), poster.width * 2);
      assert.equal(shots.canvas.readUInt32BE(20), poster.height * 2);

      for (const file of [canvasFile, svgFile]) {
        const decoded = zbar(file);
        if (poster.qrPayload === null) {
          assert.equal(decoded.status, 4, `${file}: a QR code where none may be (G12/G3): ${decoded.text}`);
        } else {
          assert.equal(decoded.status, 0, `${file}: zbar found no QR code`);
          assert.equal(decoded.text, poster.qrPayload, `${file}: the QR code decodes to something else`);
        }
      }
      if (shots.foil) {
        const foilFile = join(SHOTS, `poster-${template}-foil.png`);
        writeFileSync(foilFile, shots.foil);
        assert.equal(zbar(foilFile).status, 4, 'the code must be hidden under the scratch-off foil');
      }
    });
}

test('at fractional pixel ratios the QR modules meet on whole pixels: no seams, no blur, zbar decodes', { timeout: TEST_TIMEOUT }, async () => {
  const request = readFileSync(join(FIXTURES, 'referral_honour_gold_medal.json'), 'utf8');
  const poster = JSON.parse(await page.evaluate((r) => window.core.layoutPoster(r), request)).value;
  for (const ratio of [1.5, 2.625, 2.75, 3.5]) {
    const out = await page.evaluate(async ({ poster, ratio }) => {
      const canvas = new OffscreenCanvas(1, 1);
      window.replay.replayPoster(canvas, poster, { pixelRatio: ratio });
      const [, x, y, m, quiet, dark, light, rows] = poster.drawList.find((op) => op[0] === 'qr');
      const side = (rows.length + 2 * quiet) * m;
      const x0 = Math.round(x * ratio);
      const y0 = Math.round(y * ratio);
      const n = Math.round((x + side) * ratio) - x0;
      const px = canvas.getContext('2d').getImageData(x0, y0, n, n).data;
      const hex = (i) => `#${[px[i], px[i + 1], px[i + 2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
      let blended = 0;
      for (let i = 0; i < px.length; i += 4) if (hex(i) !== dark && hex(i) !== light) blended += 1;
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let s = '';
      for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { blended, pixels: n * n, png: btoa(s) };
    }, { poster, ratio });
    assert.equal(out.blended, 0, `ratio ${ratio}: ${out.blended} of ${out.pixels} QR pixels are neither dark nor light`);
    const file = join(SHOTS, `poster-qr-ratio-${ratio}.png`);
    writeFileSync(file, Buffer.from(out.png, 'base64'));
    assert.deepEqual(zbar(file), { status: 0, text: poster.qrPayload }, `ratio ${ratio}`);
  }
});

test('XSS corpus through the story: no script runs, no markup appears', { timeout: TEST_TIMEOUT }, async () => {
  const corpus = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(2)>',
    '"><svg onload=alert(3)>',
    "'><text onmouseover=alert(4)>",
    '</text><script>alert(5)</script><text>',
    '<![CDATA[<script>alert(6)</script>]]>',
    '<!--<script>alert(7)</script>-->',
    '<foreignObject><iframe src=javascript:alert(8)></iframe></foreignObject>',
    '<set attributeName=onmouseover to=alert(9)>',
    '<animate onbegin=alert(10) attributeName=x dur=1s>',
    '<a xlink:href=javascript:alert(11)>x</a>',
    '<style>*{background:url(javascript:alert(12))}</style>',
    '&lt;script&gt;alert(13)&lt;/script&gt; &amp; &#60;',
    '<x:script xmlns:x="urn:x">alert(14)</x:script><script href=data:,alert(16)></script>',
    '\u202E<script>alert(15)</script>\u0000',
  ];
  const half = Math.ceil(corpus.length / 2);
  const requests = [corpus.slice(0, half), corpus.slice(half)].map((lines, i) => JSON.stringify({
    template: 'storyPoster',
    data: { title: corpus[i], story: lines.join('\n'), name: '<b>李</b>晓芳', hospitalName: corpus[i + 2] },
  }));

  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 900 } });
  const xssPage = await openOriginPage(context);
  const dialogs = [];
  xssPage.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  try {
    for (const request of requests) {
      const result = await xssPage.evaluate(async (request) => {
        window.pwned = [];
        const alert = (n) => window.pwned.push(n);
        window.alert = alert;
        const reply = JSON.parse(window.core.layoutPoster(request));
        if (!reply.ok) return { error: reply.error };
        const { svg, drawList } = reply.value;
        // 1. Inline markup in the page.
        const host = document.createElement('div');
        host.innerHTML = svg;
        document.body.replaceChildren(host);
        // 2. A standalone SVG document in a frame (scripts there would run).
        const frame = document.createElement('iframe');
        frame.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
        document.body.append(frame);
        await new Promise((r) => { frame.onload = r; });
        // 3. An image.
        const img = new Image();
        img.src = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
        document.body.append(img);
        await img.decode();
        await new Promise((r) => setTimeout(r, 300));
        const docs = [host, frame.contentDocument];
        const names = new Set();
        let handlers = 0;
        for (const root of docs) {
          for (const el of root.querySelectorAll('*')) {
            names.add(el.localName);
            for (const a of el.attributes) if (/^on/i.test(a.name) || /javascript:/i.test(a.value)) handlers += 1;
          }
        }
        const svgText = [...host.querySelectorAll('text')].map((t) => t.textContent).join('');
        const listText = drawList.filter((op) => op[0] === 'text').map((op) => op[7]).join('');
        return { names: [...names].sort(), handlers, pwned: window.pwned, svgText, listText };
      }, request);
      assert.equal(result.error, undefined, JSON.stringify(result.error));
      assert.deepEqual(result.pwned, [], 'a script ran');
      assert.equal(result.handlers, 0, 'an event handler or javascript: URL appeared');
      const allowed = new Set(['svg', 'title', 'rect', 'circle', 'path', 'text', 'lineargradient', 'linearGradient', 'stop']);
      for (const name of result.names) assert.ok(allowed.has(name), `unexpected element <${name}>`);
      // The SVG shows exactly the text the draw list draws: the user's characters, as text.
      assert.equal(result.svgText, result.listText);
      assert.ok(result.svgText.includes('<script>alert('), 'the corpus is shown literally');
    }
    assert.deepEqual(dialogs, [], 'a dialog opened');
  } finally {
    await context.close();
  }
});

test('a wording problem comes back with spans the editor can highlight (G11)', async () => {
  const reply = await page.evaluate(() => JSON.parse(window.core.layoutPoster(JSON.stringify({
    template: 'storyPoster', data: { title: '我的康复故事', story: '王阿姨，你吃这个药试试，保证根治！' },
  }))));
  assert.equal(reply.ok, false);
  assert.equal(reply.error.code, 'poster.wording_flagged');
  const story = '王阿姨，你吃这个药试试，保证根治！';
  const spans = reply.error.matches.map((m) => story.slice(m.utf16Start, m.utf16End));
  assert.deepEqual(spans, ['你吃这个药试试', '根治']);
});

test('no console errors, page errors, failed requests or CSP violations', () => {
  assert.deepEqual(problems, []);
});

// zbar itself must work on this machine, or the QR assertions above mean nothing.
// The reference comes from an independent encoder (npm qrcode, not Nayuki's).
test('zbar decodes a reference QR code', async () => {
  const file = join(SHOTS, 'poster-zbar-reference.png');
  await QRCode.toFile(file, 'https://carecircle.example.cn/r/7YD0RMEJX1XM6', { scale: 4, margin: 4 });
  assert.deepEqual(zbar(file), { status: 0, text: 'https://carecircle.example.cn/r/7YD0RMEJX1XM6' });
});
