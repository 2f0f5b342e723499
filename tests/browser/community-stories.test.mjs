// 病友故事 (#stories, web/stories.js): the community's approved stories, the
// same checks against both backends:
//
//   offline  `/` — the offline demo: synthetic stories of fictitious members
//            (web/backend/demo-data.js) and the demo patient's own approved
//            stories from the device's review queue;
//   http     `/?backend=http` — scripts/backend/server.mjs as a child process
//            on a private PostgreSQL (free port, temporary data directory):
//            stories of other members of the demo community, approved by
//            staff, and the demo patient's own.
//
// On a 375×667 @2x touch phone in Asia/Shanghai (real headless Chromium,
// service workers blocked):
//   1. 打卡 → 病友故事 (the entry card) shows exactly what a direct read of the
//      backend returns — every page, through 加载更多 — in its order: title,
//      masked author, approval date (zh-CN), words; the demo patient's own
//      approved story is there (我的故事, data-mine), a pending or rejected one
//      is not; 展开 unfolds a long story.
//   2. G12: on the screen there is no link but 返回, no image, canvas or SVG
//      (no QR), no price, coupon, referral code, booking or invite text, and
//      the invite prompt is not shown.
//   3. A withdrawn 'stories' consent takes the patient's own story out.
//   4. http only: a patient who is not a member sees the friendly empty state
//      (加入病友社群后可以阅读病友故事); with no network the screen says so and
//      重试 reads again once online; a server error shows a clear message.
//   5. offline: the demo pages with its own cursor and refuses one it did
//      not make (request.bad_query), as the server does.
//   No console error, page error or CSP violation; no web storage; no
//   patient id in any URL.
//
// Screenshots (test-output/screenshots/): community-stories-<backend>.png,
// community-stories-<backend>-mine.png, community-stories-http-not-member.png,
// community-stories-http-offline.png, community-stories-http-error.png.
// Cleanup: browser, backend process (by pid) and PostgreSQL (by its data
// directory); the test checks that none is left.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { PHONE, REPO, recordCspViolations, twoBackendSuite } from './harness.mjs';

import { DEMO_COMMUNITY_ID, DEMO_PATIENT_ID, DEMO_STAFF_ID } from '../../scripts/backend/seed.mjs';
import { generateDemoCommunityStories } from '../../web/backend/demo-data.js';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 20_000;
const TEST_TIMEOUT = 180_000;
const CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };
/** The demo patient's own story: long enough to be folded (展开). */
const MINE = {
  title: '术后第30天，我又能唱歌了',
  story:
    '每天坚持做颈部康复操，按时复查。谢谢病友们的鼓励，也谢谢护士耐心的讲解。刚开始的时候，我连转头都很小心，' +
    '每做一个动作都要停下来歇一歇。后来跟着群里的病友一起打卡，早上做一遍操，晚上散步半小时，心里慢慢不那么紧张了。' +
    '现在我又能在家里哼几句歌，家人都说我的精神头回来了。',
};
const PENDING = { title: '还在审核的故事', story: '今天和病友们一起散步，聊了很多生活上的小事。' };
const REJECTED = { title: '被退回的故事', story: '今天去公园走了一圈，天气很好，心情也很好。' };
/** Nothing of this may appear on the stories screen (G12): price, coupon, code, QR, booking, invitation. */
const FORBIDDEN_TEXT = /¥|￥|\d+\s*元|券|推荐码|邀请|预约|挂号|二维码|扫码|优惠|折扣/;

const problems = [];
/** Set while a step answers 5xx on purpose (the browser logs those as failed resources). */
let serverErrorsExpected = false;

/** Chromium and the two backends (harness.mjs twoBackendSuite): `suite.browser`, `suite.stack`. */
const suite = twoBackendSuite({ chromium, shots: SHOTS });

// ------------------------------------------------------------ helpers

const api = (...args) => suite.stack.api(...args);
const newKey = () => `k-${randomUUID()}`;

async function token(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function newPage(label) {
  const context = await suite.browser.newContext(CONTEXT);
  await recordCspViolations(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('pageerror', (err) => problems.push(`${label} pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // Refusals are answers (4xx), which the browser logs as failed resources; offline fetches fail on purpose.
    const text = msg.text();
    if (msg.type() !== 'error') return;
    if (/Failed to load resource: (the server responded with a status of 4\d\d|net::ERR_INTERNET_DISCONNECTED)/.test(text)) return;
    if (serverErrorsExpected && /Failed to load resource: the server responded with a status of 5\d\d/.test(text)) return;
    problems.push(`${label} console: ${text}`);
  });
  return { context, page };
}

async function openApp(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(`the app shows its error screen: ${await page.textContent('#load-error-detail')}`);
}

/** Opens 病友故事 from the 打卡 screen's entry card and waits for its outcome. */
async function openStories(page) {
  await page.evaluate(() => {
    location.hash = '#checkin';
  });
  await page.waitForSelector('#view-checkin:not([hidden])');
  await page.evaluate(() => delete document.body.dataset.stories);
  await page.locator('#stories-entry').scrollIntoViewIfNeeded();
  await page.tap('#stories-entry');
  await page.waitForSelector('#view-stories:not([hidden])');
  await page.waitForSelector('body[data-stories]');
  return page.getAttribute('#view-stories', 'data-state');
}

/** A viewport screenshot at 375×667, scrolled to the top of the screen (or `selector`). */
async function shot(page, name, selector) {
  await page.waitForSelector('#toast', { state: 'hidden', timeout: 8_000 }).catch(() => {});
  if (selector) await page.locator(selector).evaluate((n) => n.scrollIntoView({ block: 'center' }));
  else await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), animations: 'disabled' });
}

/** The stories as the screen shows them, in order. */
function storiesOnScreen(page) {
  return page.$$eval('#stories-list > li', (items) => items.map((li) => ({
    id: li.dataset.storyId,
    mine: li.dataset.mine === 'true',
    title: li.querySelector('.story__title').textContent,
    story: li.querySelector('.story__text').textContent,
    author: li.querySelector('.story__author').textContent,
    date: li.querySelector('.story__date').textContent,
    chip: li.querySelector('.story__mine')?.textContent ?? null,
  })));
}

/** Taps 加载更多 until the screen says that everything is shown. */
async function loadEverything(page) {
  for (let guard = 0; guard < 20 && (await page.isVisible('#stories-more')); guard += 1) {
    const before_ = await page.locator('#stories-list > li').count();
    await page.locator('#stories-more').scrollIntoViewIfNeeded();
    await page.tap('#stories-more');
    await page.waitForFunction((n) => document.querySelectorAll('#stories-list > li').length > n, before_);
  }
  await page.waitForSelector('#stories-more', { state: 'hidden' });
}

/**
 * What the screen should show for a page of the backend's reply: the date in
 * the programme's zone as the patient screens write every date (11月23日, with
 * the year only outside the current one).
 */
function expectedOnScreen(stories) {
  const zone = { timeZone: 'Asia/Shanghai' };
  const withYear = new Intl.DateTimeFormat('zh-CN', { ...zone, year: 'numeric', month: 'long', day: 'numeric' });
  const withoutYear = new Intl.DateTimeFormat('zh-CN', { ...zone, month: 'long', day: 'numeric' });
  const yearOf = (ms) => new Intl.DateTimeFormat('en', { ...zone, year: 'numeric' }).format(new Date(ms));
  const day = { format: (d) => (yearOf(d.getTime()) === yearOf(Date.now()) ? withoutYear : withYear).format(d) };
  return stories.map((st) => ({
    id: st.id,
    mine: st.mine,
    title: st.title,
    story: st.story,
    author: st.author,
    date: day.format(new Date(st.approvedAtMs)),
    chip: st.mine ? '我的故事' : null,
  }));
}

/** G12: nothing but the stories and 返回 on the screen. */
async function assertNothingButStories(page) {
  const found = await page.evaluate((source) => {
    const root = document.getElementById('view-stories');
    const links = [...root.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    const media = root.querySelectorAll('img, canvas, svg, iframe, video, object, embed').length;
    const forbidden = new RegExp(source).exec(root.textContent)?.[0] ?? null;
    const invite = document.getElementById('invite-sheet');
    return { links, media, forbidden, invite: Boolean(invite) && !invite.hidden };
  }, FORBIDDEN_TEXT.source);
  assert.deepEqual(found, { links: ['#checkin'], media: 0, forbidden: null, invite: false },
    'no booking link, price, coupon, code, QR or invite prompt on the stories screen (G12)');
}

/** Expands the demo patient's own (long) story: 展开 → 收起, the words unfolded. */
async function expandMine(page, id) {
  const item = `#stories-list > li[data-story-id="${id}"]`;
  await page.waitForSelector(`${item} .story__toggle:not([hidden])`);
  const folded = await page.locator(`${item} .story__text`).evaluate((n) => n.clientHeight);
  await page.tap(`${item} .story__toggle`);
  assert.equal(await page.getAttribute(`${item} .story__toggle`, 'aria-expanded'), 'true');
  assert.equal(await page.textContent(`${item} .story__toggle`), '收起');
  const open = await page.locator(`${item} .story__text`).evaluate((n) => [n.clientHeight, n.scrollHeight]);
  assert.ok(open[0] > folded && open[0] >= open[1] - 1, `unfolded: ${folded} → ${open}`);
}

// ------------------------------------------------------------ the backends

/**
 * The offline demo's "server" (its backend on the app's IndexedDB), in the page.
 * The demo patient submits three stories; the demo's review approves one and rejects one.
 */
const offline = {
  name: 'offline',
  url: () => suite.stack.staticServer.url,
  async seed(page) {
    return page.evaluate(async ({ mine, pending, rejected }) => {
      const { createOfflineBackend } = await import('/backend/offline.js');
      const { loadCore } = await import('/core.js');
      const core = await loadCore();
      const backend = createOfflineBackend();
      await backend.init();
      await backend.setConsent('stories', true);
      const submit = async (words) => (await backend.submitStory({ ...words, key: crypto.randomUUID() }, core)).storyId;
      const ids = { mine: await submit(mine), pending: await submit(pending), rejected: await submit(rejected) };
      await backend.decideStory({ storyId: ids.mine, decision: 'approve', key: crypto.randomUUID() }, core);
      await backend.decideStory({ storyId: ids.rejected, decision: 'reject', reason: 'other', key: crypto.randomUUID() }, core);
      return ids;
    }, { mine: MINE, pending: PENDING, rejected: REJECTED });
  },
  /** Every page, read directly from the backend. */
  async readAll(page) {
    return page.evaluate(async () => {
      const { createOfflineBackend } = await import('/backend/offline.js');
      const backend = createOfflineBackend();
      await backend.init();
      const pages = [];
      let before;
      do {
        const reply = await backend.getCommunityStories(before === undefined ? {} : { before });
        pages.push(reply);
        before = reply.nextCursor;
      } while (before !== undefined);
      return pages;
    });
  },
  async withdraw(page) {
    await page.evaluate(async () => {
      const { createOfflineBackend } = await import('/backend/offline.js');
      const backend = createOfflineBackend();
      await backend.init();
      await backend.setConsent('stories', false);
    });
  },
  /** What the demo answers to each cursor: the error code, or the page's story ids. */
  async tryCursors(page, cursors) {
    return page.evaluate(async (list) => {
      const { createOfflineBackend } = await import('/backend/offline.js');
      const backend = createOfflineBackend();
      await backend.init();
      const answers = [];
      for (const before of list) {
        answers.push(await backend.getCommunityStories({ before }).then((p) => p.stories.map((st) => st.id), (e) => e.code));
      }
      return answers;
    }, cursors);
  },
};

const http = {
  name: 'http',
  url: () => `${suite.stack.base}?backend=http`,
  /**
   * Three other members of the demo community with 24 approved stories
   * between them (the demo's words, stored directly, approved by the demo
   * staff member), and the demo patient's three through the API: one approved
   * by staff, one rejected, one pending.
   */
  async seed() {
    const members = [];
    for (let i = 0; i < 3; i += 1) members.push((await token('newPatient', { communityMember: true })).patientId);
    const words = generateDemoCommunityStories(Date.now());
    for (const [i, st] of words.slice(0, 24).entries()) {
      await suite.stack.pool.query(
        `INSERT INTO stories (id, patient_id, title, story, status, submitted_at_ms, decided_at_ms, decided_by)
         VALUES ($1, $2, $3, $4, 'approved', $5, $5, $6)`,
        [`st-browser-${String(i).padStart(2, '0')}`, members[i % 3], st.title, st.story, st.approvedAtMs, DEMO_STAFF_ID],
      );
    }
    // Another community's approved story: never on this patient's screen.
    const { rows } = await suite.stack.pool.query("SELECT id FROM patients WHERE id LIKE 'demo-pt-%' ORDER BY id LIMIT 1");
    await suite.stack.pool.query("INSERT INTO communities (id, name, action_title) VALUES ('test-c-other', '其他康复群', '散步') ON CONFLICT DO NOTHING");
    await suite.stack.pool.query("UPDATE patients SET community_id = 'test-c-other', is_community_member = true WHERE id = $1", [rows[0].id]);
    await suite.stack.pool.query(
      `INSERT INTO stories (id, patient_id, title, story, status, submitted_at_ms, decided_at_ms, decided_by)
       VALUES ('st-browser-other', $1, '别的社群的故事', $2, 'approved', $3, $3, $4)`,
      [rows[0].id, words[0].story, Date.now(), DEMO_STAFF_ID],
    );
    const patient = (await token('demoPatient')).token;
    const staff = (await token('staff', { role: 'service' })).token; // 客服 review stories
    assert.equal((await api('PUT', '/me/consents', { token: patient, key: newKey(), body: { purpose: 'stories', granted: true } })).status, 200);
    const submit = async (body) => {
      const r = await api('POST', '/stories', { token: patient, key: newKey(), body });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return r.body.storyId;
    };
    const ids = { mine: await submit(MINE), pending: await submit(PENDING), rejected: await submit(REJECTED) };
    const decide = (body) => api('POST', '/staff/stories/decide', { token: staff, key: newKey(), body });
    assert.equal((await decide({ storyId: ids.mine, decision: 'approve' })).status, 200);
    assert.equal((await decide({ storyId: ids.rejected, decision: 'reject', reason: 'other' })).status, 200);
    return ids;
  },
  /** Every page, read directly from the API with a session of the demo patient. */
  async readAll() {
    const patient = (await token('demoPatient')).token;
    const pages = [];
    let before;
    do {
      const r = await api('GET', `/community/stories${before === undefined ? '' : `?before=${encodeURIComponent(before)}`}`, { token: patient });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const { serverTimeMs, ...reply } = r.body;
      pages.push(reply);
      before = reply.nextCursor;
    } while (before !== undefined);
    return pages;
  },
  async withdraw() {
    const patient = (await token('demoPatient')).token;
    assert.equal((await api('PUT', '/me/consents', { token: patient, key: newKey(), body: { purpose: 'stories', granted: false } })).status, 200);
  },
};

// ------------------------------------------------------------ tests

for (const backend of [offline, http]) {
  test(`${backend.name}: 病友故事 shows what the backend returns, the patient’s own approved story among them, and nothing else`, { timeout: TEST_TIMEOUT }, async () => {
    const { context, page } = await newPage(backend.name);
    try {
      await openApp(page, backend.url());
      const ids = await backend.seed(page);

      assert.equal(await openStories(page), 'ready');
      assert.equal(await page.title(), '病友故事 · CareCircle');
      assert.equal(await page.getAttribute('.tabbar__tab[data-tab="checkin"]', 'aria-current'), 'page', '打卡 stays the current tab');
      const pages = await backend.readAll(page);
      assert.ok(pages.length >= 2, 'more than one page');
      assert.ok(pages.every((p, i) => p.stories.length === (i < pages.length - 1 ? 20 : p.stories.length)), 'pages of 20');

      // The first page as the backend returned it, then every page through 加载更多.
      assert.deepEqual(await storiesOnScreen(page), expectedOnScreen(pages[0].stories), 'the first page, as the backend returned it');
      assert.equal(await page.isVisible('#stories-more'), true, '加载更多 while there are more');
      await assertNothingButStories(page);
      await shot(page, `community-stories-${backend.name}`);

      await loadEverything(page);
      const all = pages.flatMap((p) => p.stories);
      const shown = await storiesOnScreen(page);
      assert.deepEqual(shown, expectedOnScreen(all), 'every page, in order, each story once');
      assert.equal(new Set(shown.map((s) => s.id)).size, shown.length);
      assert.equal(await page.textContent('#stories-more-note'), `已显示全部 ${all.length} 篇`);

      // The patient's own approved story, marked; the pending and rejected ones nowhere.
      const mine = shown.filter((s) => s.mine);
      assert.deepEqual(mine.map((s) => [s.id, s.title, s.story, s.author, s.chip]), [[ids.mine, MINE.title, MINE.story, '演示用户 王*', '我的故事']]);
      assert.ok(!shown.some((s) => s.id === ids.pending || s.id === ids.rejected || s.title === PENDING.title || s.title === REJECTED.title));
      assert.ok(shown.filter((s) => !s.mine).every((s) => /^(演示新用户 )?\p{Script=Han}\*$/u.test(s.author)), 'other authors by masked labels only');
      if (backend.name === 'http') assert.ok(!shown.some((s) => s.id === 'st-browser-other'), 'no other community’s story');
      await assertNothingButStories(page);

      await expandMine(page, ids.mine);
      await shot(page, `community-stories-${backend.name}-mine`, `#stories-list > li[data-story-id="${ids.mine}"]`);

      // G9: the consent withdrawn, the patient's own story is gone from the next read.
      await backend.withdraw(page);
      assert.equal(await openStories(page), 'ready');
      await loadEverything(page);
      const afterWithdrawal = await storiesOnScreen(page);
      assert.equal(afterWithdrawal.some((s) => s.id === ids.mine), false, 'withdrawn: not shown');
      assert.deepEqual(afterWithdrawal, expectedOnScreen((await backend.readAll(page)).flatMap((p) => p.stories)));

      assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'no web storage');
      assert.ok(!page.url().includes(DEMO_PATIENT_ID) && !page.url().includes('demo-patient'), `nothing personal in ${page.url()}`);
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close();
    }
  });
}

test('offline: the demo pages with its own cursor and refuses one it did not make (request.bad_query)', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page } = await newPage('offline-cursor');
  try {
    await openApp(page, offline.url());
    const [first] = await offline.readAll(page);
    const cursor = first.nextCursor;
    assert.equal(typeof cursor, 'string');
    const b64 = (text) => Buffer.from(text, 'utf8').toString('base64url');
    const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split(/:(.*)/s);
    const answers = await offline.tryCursors(page, [
      cursor, '', 'x', 'not-a-cursor!', `${cursor}=`, 'A'.repeat(5000), b64('hello'), b64(`-1:${id}`), b64(`${at}:${id} x`),
    ]);
    const rest = answers[0];
    assert.ok(Array.isArray(rest) && rest.length > 0 && !rest.some((i) => first.stories.some((st) => st.id === i)), 'the next page, nothing twice');
    assert.deepEqual(answers.slice(1), Array(8).fill('request.bad_query'));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('http: a non-member sees how to read the stories; offline and server errors say so; 重试 reads again', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page } = await newPage('http-states');
  try {
    await openApp(page, http.url());

    // Not a member of the community (the server's fact): the friendly empty state.
    await suite.stack.pool.query('UPDATE patients SET is_community_member = false WHERE id = $1', [DEMO_PATIENT_ID]);
    try {
      assert.equal(await openStories(page), 'not-member');
      assert.equal(await page.textContent('#stories-empty-title'), '加入病友社群后可以阅读病友故事');
      assert.match(await page.textContent('#stories-empty'), /不影响您的打卡、就诊和任何服务/);
      assert.equal(await page.isVisible('#stories-retry'), false);
      assert.equal(await page.locator('#stories-list > li').count(), 0);
      await assertNothingButStories(page);
      await shot(page, 'community-stories-http-not-member');
    } finally {
      await suite.stack.pool.query('UPDATE patients SET is_community_member = true, community_id = $2 WHERE id = $1', [DEMO_PATIENT_ID, DEMO_COMMUNITY_ID]);
    }

    // No network: said at once, nothing from a cache; 重试 once online reads the stories.
    await page.context().setOffline(true);
    assert.equal(await openStories(page), 'offline');
    assert.equal(await page.textContent('#stories-empty-title'), '现在没有网络');
    assert.equal(await page.textContent('#stories-empty .stories-empty__text'), '联网后可以阅读病友故事。');
    await shot(page, 'community-stories-http-offline');
    await page.context().setOffline(false);
    await page.evaluate(() => delete document.body.dataset.stories);
    await page.tap('#stories-retry');
    await page.waitForSelector('body[data-stories="ready"]');
    assert.ok((await page.locator('#stories-list > li').count()) > 0, 'the stories once online');

    // A server error: a clear message, and 重试.
    serverErrorsExpected = true;
    await page.route('**/api/v1/community/stories*', (route) => route.fulfill({
      status: 500,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'internal.unexpected', message: '服务器暂时出了点问题，请稍后再试' }, serverTimeMs: Date.now() }),
    }));
    assert.equal(await openStories(page), 'error');
    assert.equal(await page.textContent('#stories-empty-title'), '病友故事暂时无法读取');
    assert.equal(await page.textContent('#stories-empty .stories-empty__text'), '服务器暂时出了点问题，请稍后再试');
    assert.equal(await page.isVisible('#stories-retry'), true);
    await shot(page, 'community-stories-http-error');
    await page.unroute('**/api/v1/community/stories*');
    serverErrorsExpected = false;
    assert.deepEqual(problems, [], 'refusals and failures are shown, not thrown');
  } finally {
    serverErrorsExpected = false;
    await context.close();
  }
});
