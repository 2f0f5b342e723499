// Story submission (病友故事官 → 提交故事, G9/G11) and the "invite a friend"
// prompt (邀请病友一起打卡, G17), the same flow against both backends:
//
//   offline  `/` — the offline demo (IndexedDB; its review queue is local, 演示);
//   http     `/?backend=http` — scripts/backend/server.mjs as a child process
//            on a private PostgreSQL (free port, temporary data directory).
//
// On a 375×667 @2x touch phone in Asia/Shanghai (real headless Chromium,
// service workers blocked):
//   1. story: with the 'stories' consent ticked, 提交故事 shows the backend's
//      real outcome (offline: 演示模式：已提交，等待医院审核…; http: 已提交，等待
//      医院审核…), and the story is stored once as pending (IndexedDB / the
//      stories table) and in the staff review queue; tapping again stores
//      nothing twice. Unticking the consent withdraws it: the page says so,
//      the stored row keeps no words, the staff queue no longer lists it.
//      A consent withdrawn behind the page's back (another device) is the
//      backend's refusal, shown in Chinese on the screen. http only: offline,
//      离线已保存，联网后提交, and the outbox delivers it once back online.
//   2. review: three more stories are submitted; in the workbench (内容审核,
//      a second page) staff approve one (通过) and reject one (退回 with the
//      reason 含疗效或用药说法); the third was decided behind the page's back,
//      and its 通过 shows the backend's refusal (story.not_pending) verbatim.
//      Each decided story leaves the queue with a toast. The patient's 我的故事
//      shows 已通过 and 未通过：含疗效或用药说法，可修改后重新提交; the stores
//      hold the same. Withdrawing the consent then withdraws the approved
//      story and deletes the rejected one's words (已撤回, （内容已删除）).
//   3. prompt: after a daily check-in the core allowed, the bottom sheet
//      appears and the prompt is recorded by the backend; with three prompts
//      in the history the next check-in shows none (the core's
//      eligibility.prompt_cap_reached); 不再提醒 stores the opt-out and the next
//      check-in shows none (eligibility.prompt_opted_out). "The next day" is
//      made by deleting today's check-in from the backend's store.
//   No console error, page error or CSP violation; no web storage; no
//   patient id in any URL.
//
// Screenshots (test-output/screenshots/): story-<backend>-submitted.png,
// story-<backend>-refused.png, story-http-queued.png, review-<backend>-staff.png,
// review-<backend>-mine.png, prompt-<backend>.png.
// Cleanup: browser, backend process (by pid) and PostgreSQL (by its data
// directory); the test checks that none is left.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { PHONE, REPO, recordCspViolations, signInStaff, twoBackendSuite } from './harness.mjs';

import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 20_000;
const TEST_TIMEOUT = 180_000;
const CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };
const STORY = { title: '术后第30天，我又能唱歌了', story: '每天坚持做颈部康复操，按时复查。谢谢病友们的鼓励，也谢谢护士耐心的讲解。' };
const STORY_2 = { title: '第一次独自复查', story: '今天自己去医院复查，护士提醒我按时做康复操，心里踏实多了。' };
const STORY_3 = { title: '和老伴一起散步', story: '傍晚和老伴在小区里慢慢走两圈，脖子也不那么僵了。' };
const STORY_4 = { title: '复查单上的小纸条', story: '护士在复查单背面写了康复操的要点，我把它贴在冰箱上，每天照着做。' };
const STORY_5 = { title: '学会了慢慢来', story: '刚出院时总是着急，现在每天散步二十分钟，和病友们一起打卡。' };
const STORY_6 = { title: '谢谢群里的病友', story: '群里的病友分享了很多生活上的小经验，让我心里踏实了不少。' };

const problems = [];

/** Chromium and the two backends (harness.mjs twoBackendSuite): `suite.browser`, `suite.stack`. */
const suite = twoBackendSuite({ chromium, shots: SHOTS });

// ------------------------------------------------------------ helpers

const api = (...args) => suite.stack.api(...args);

async function token(as) {
  // Staff here review stories: the 客服 (service) role.
  const r = await api('POST', '/demo/sessions', { body: { as, ...(as === 'staff' ? { role: 'service' } : {}) } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.token;
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
    problems.push(`${label} console: ${text}`);
  });
  return { context, page };
}

async function openApp(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(`the app shows its error screen: ${await page.textContent('#load-error-detail')}`);
}

/** A viewport screenshot at 375×667 with `selector` scrolled to the middle, after the toast is gone. */
async function shot(page, name, selector) {
  await page.waitForSelector('#toast', { state: 'hidden', timeout: 8_000 }).catch(() => {});
  if (selector) await page.locator(selector).evaluate((n) => n.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: join(SHOTS, `${name}.png`), animations: 'disabled' });
}

/** Midnight today in Asia/Shanghai (the programme's and the phone's zone), epoch ms. */
function shanghaiMidnightMs() {
  const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  return Date.parse(`${day}T00:00:00+08:00`);
}

/** Reads one value of the offline demo's meta store. */
function demoMeta(page, name) {
  return page.evaluate(async (key) => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open('carecircle-demo');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const stored = await new Promise((resolve, reject) => {
      const request = db.transaction('meta').objectStore('meta').get(key);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return stored ? stored.value : null;
  }, name);
}

// ------------------------------------------------------------ the backends

const offline = {
  name: 'offline',
  url: () => suite.stack.staticServer.url,
  /** The stored stories of the demo patient: the demo's local review queue. */
  async stories(page) {
    const list = (await demoMeta(page, 'stories')) ?? [];
    return list.map((s) => ({ id: s.id, status: s.status, title: s.title ?? null, story: s.story ?? null, reason: s.reason ?? null }));
  },
  /** Staff decide on another device (a second tab of the demo): the offline backend, as the workbench does. */
  async decideElsewhere(page, storyId) {
    const result = await page.evaluate(async (id) => {
      const { createOfflineBackend } = await import('/backend/offline.js');
      const { loadCore } = await import('/core.js');
      const b = createOfflineBackend();
      await b.init();
      return b.decideStory({ storyId: id, decision: 'approve', key: crypto.randomUUID() }, await loadCore());
    }, storyId);
    assert.equal(result.status, 'approved');
  },
  /** What staff see in the review queue: the staff screen, in a second page of the same browser. */
  async staffQueue(page) {
    return staffScreenQueue(page, this.url());
  },
  /** Another device withdraws the consent. */
  async withdrawStoriesElsewhere(page) {
    await page.evaluate(async () => {
      const { createOfflineBackend } = await import('/backend/offline.js');
      const b = createOfflineBackend();
      await b.init();
      await b.setConsent('stories', false);
    });
  },
  async prompts(page) {
    return ((await demoMeta(page, 'promptsShown')) ?? []).map((p) => p.atMs);
  },
  /** Prompts shown on other days (through the backend, which asks the core). */
  async addPrompts(page, n) {
    await page.evaluate(async (count) => {
      const { createOfflineBackend } = await import('/backend/offline.js');
      const { loadCore } = await import('/core.js');
      const b = createOfflineBackend();
      await b.init();
      for (let i = 0; i < count; i += 1) await b.recordPromptShown({ moment: 'checkInDone', key: crypto.randomUUID() }, await loadCore());
    }, n);
  },
  async clearPrompts(page) {
    await page.evaluate(async () => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('carecircle-demo');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const tx = db.transaction('meta', 'readwrite');
      tx.objectStore('meta').delete('promptsShown');
      await new Promise((resolve) => {
        tx.oncomplete = resolve;
      });
      db.close();
    });
  },
  /** "The next day": today's check-in is removed from the store. */
  async reopenToday(page) {
    await page.evaluate(async (midnight) => {
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open('carecircle-demo');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      const tx = db.transaction('checkIns', 'readwrite');
      const store = tx.objectStore('checkIns');
      const all = store.getAll();
      all.onsuccess = () => {
        for (const c of all.result) if (c.atMs >= midnight) store.delete(c.id);
      };
      await new Promise((resolve) => {
        tx.oncomplete = resolve;
      });
      db.close();
    }, shanghaiMidnightMs());
  },
  async optedOut(page) {
    const consents = (await demoMeta(page, 'consents')) ?? [];
    return consents.find((c) => c.purpose === 'referralPrompts')?.granted === false;
  },
};

const http = {
  name: 'http',
  url: () => `${suite.stack.base}?backend=http`,
  async stories() {
    const { rows } = await suite.stack.pool.query(
      'SELECT id, status, title, story, reject_reason AS reason FROM stories WHERE patient_id = $1 ORDER BY submitted_at_ms, id',
      [DEMO_PATIENT_ID],
    );
    return rows;
  },
  /** Staff decide on another device: the API with a staff session of its own. */
  async decideElsewhere(page, storyId) {
    const r = await api('POST', '/staff/stories/decide', {
      token: await token('staff'),
      key: `k-${randomUUID()}`,
      body: { storyId, decision: 'approve' },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  },
  /** What staff see in the review queue: the workbench (its own staff session) in a second page, and the API. */
  async staffQueue(page) {
    const r = await api('GET', '/staff/stories', { token: await token('staff') });
    assert.equal(r.status, 200);
    const onScreen = await staffScreenQueue(page, this.url());
    assert.deepEqual(onScreen, r.body.stories.map(({ id, title, story, authorName }) => ({ id, title, story, authorName })),
      'the workbench lists what GET /staff/stories returns');
    return onScreen;
  },
  async withdrawStoriesElsewhere() {
    const r = await api('PUT', '/me/consents', {
      token: await token('demoPatient'),
      key: `k-${randomUUID()}`,
      body: { purpose: 'stories', granted: false },
    });
    assert.equal(r.status, 200);
  },
  async prompts() {
    const { rows } = await suite.stack.pool.query('SELECT shown_at_ms FROM invite_prompts WHERE patient_id = $1 ORDER BY shown_at_ms', [DEMO_PATIENT_ID]);
    return rows.map((r) => Number(r.shown_at_ms));
  },
  async addPrompts(page, n) {
    const t = await token('demoPatient');
    for (let i = 0; i < n; i += 1) {
      const r = await api('POST', '/me/prompts', { token: t, key: `k-${randomUUID()}`, body: { moment: 'checkInDone' } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  },
  async clearPrompts() {
    await suite.stack.pool.query('DELETE FROM invite_prompts WHERE patient_id = $1', [DEMO_PATIENT_ID]);
  },
  async reopenToday() {
    await suite.stack.pool.query('DELETE FROM check_ins WHERE patient_id = $1 AND at_ms >= $2', [DEMO_PATIENT_ID, shanghaiMidnightMs()]);
  },
  async optedOut() {
    const { rows } = await suite.stack.pool.query("SELECT granted FROM consents WHERE patient_id = $1 AND purpose = 'referralPrompts'", [DEMO_PATIENT_ID]);
    return rows[0]?.granted === false;
  },
};

// ------------------------------------------------------------ steps

async function openStoryPoster(page) {
  await page.evaluate(() => {
    location.hash = '#poster/storyPoster';
  });
  await page.waitForSelector('#view-poster[data-template="storyPoster"]:not([hidden])');
  await page.waitForSelector('#view-poster[data-template="storyPoster"][data-state="empty"]');
}

async function writeStory(page, { title, story }) {
  await page.fill('#poster-story-title', title);
  await page.fill('#poster-story-text', story);
  await page.waitForSelector('#view-poster[data-template="storyPoster"][data-state="ready"]');
}

async function submit(page, expected) {
  await page.evaluate(() => delete document.getElementById('view-poster').dataset.storyRefused);
  await page.tap('#poster-submit');
  await page.waitForSelector(`#view-poster[data-story-submitted="${expected}"]`);
  return page.textContent('#poster-submit-msg');
}

/** Taps 打卡 (today open) and waits for the prompt's decision. */
async function checkInAndDecide(page) {
  await page.evaluate(() => {
    delete document.body.dataset.invitePrompt;
    delete document.body.dataset.invitePromptReason;
  });
  assert.equal(await page.textContent('#checkin-label'), '打卡', 'today is open');
  await page.tap('#checkin-btn');
  await page.waitForFunction(() => document.getElementById('checkin-label').textContent === '今日已打卡');
  await page.waitForSelector('body[data-invite-prompt]', { timeout: 15_000 });
  return page.evaluate(() => ({
    outcome: document.body.dataset.invitePrompt,
    reason: document.body.dataset.invitePromptReason ?? '',
    visible: Boolean(document.getElementById('invite-sheet')) && !document.getElementById('invite-sheet').hidden,
  }));
}

/**
 * The review queue as the staff workbench (内容审核) shows it, opened in a
 * second page of `page`'s browser context at `url`.
 */
async function staffScreenQueue(page, url) {
  const staff = await page.context().newPage();
  try {
    await staff.goto(`${url}#staff/moderation`, { waitUntil: 'load' });
    await signInStaff(staff, 'service');
    await staff.waitForSelector('#mod-queue[data-state="ready"], #mod-queue[data-state="error"]', { timeout: 20_000 });
    assert.equal(await staff.getAttribute('#mod-queue', 'data-state'), 'ready', await staff.textContent('#mod-queue-note'));
    return await staff.$$eval('#mod-queue .mod-queue__item', (items) => items.map((li) => ({
      id: li.dataset.storyId,
      title: li.querySelector('.mod-queue__title').textContent,
      story: li.querySelector('.mod-queue__excerpt').textContent,
      authorName: li.querySelector('.mod-queue__meta').textContent.split(' · ')[0],
    })));
  } finally {
    await staff.close();
  }
}

async function storyFlow(backend, page) {
  await openStoryPoster(page);
  await writeStory(page, STORY);
  assert.equal(await page.isChecked('#poster-consent'), false, 'not consented yet');
  await page.locator('#poster-consent').check();
  const message = await submit(page, 'true');
  if (backend.name === 'offline') {
    assert.match(message, /^演示模式：已提交，等待医院审核。/);
    assert.match(message, /只在本机/);
  } else {
    assert.match(message, /^已提交，等待医院审核。/);
  }
  const storyId = await page.getAttribute('#view-poster', 'data-story-id');
  assert.ok(storyId, 'the backend answered with the story');
  let stored = await backend.stories(page);
  assert.deepEqual(stored.map((s) => [s.id, s.status, s.title, s.story]), [[storyId, 'pending', STORY.title, STORY.story]], 'stored once, pending');
  let queue = await backend.staffQueue(page);
  const queued = queue.find((s) => s.id === storyId);
  assert.ok(queued, 'in the staff review queue');
  assert.deepEqual([queued.title, queued.story], [STORY.title, STORY.story]);
  assert.match(queued.authorName, /\*/, 'the author by a masked name');
  await shot(page, `story-${backend.name}-submitted`, '#poster-consent-box');

  // The same story is not submitted twice: the button says so until the text changes.
  assert.equal(await page.isDisabled('#poster-submit'), true);
  assert.equal(await page.textContent('#poster-submit'), '已提交，等待审核');
  await page.locator('#poster-submit').evaluate((b) => b.click());
  await page.waitForTimeout(300);
  assert.equal((await backend.stories(page)).length, 1, 'one row after a second click');

  // G9: unticking withdraws it, once the sheet that names the story is confirmed.
  await page.locator('#poster-consent').uncheck();
  await page.waitForSelector('#sheet:not([hidden])');
  assert.match(await page.textContent('#sheet-body'), new RegExp(`《${STORY.title}》将被删除`));
  await page.tap('#sheet-confirm');
  await page.waitForSelector('#view-poster[data-story-submitted="false"]');
  assert.match(await page.textContent('#poster-submit-msg'), /撤回/);
  for (let i = 0; i < 50; i += 1) {
    stored = await backend.stories(page);
    if (stored[0].status === 'withdrawn') break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual(stored.map((s) => [s.id, s.status, s.title, s.story]), [[storyId, 'withdrawn', null, null]], 'withdrawn, its words deleted');
  queue = await backend.staffQueue(page);
  assert.equal(queue.some((s) => s.id === storyId), false, 'no longer in the staff queue');

  // Consent given again here, withdrawn on another device: the backend's refusal, in Chinese.
  await page.locator('#poster-consent').check();
  await page.waitForFunction(() => document.getElementById('poster-consent-box').dataset.consent === 'true');
  await page.waitForTimeout(300);
  await backend.withdrawStoriesElsewhere(page);
  await writeStory(page, STORY_2);
  const refused = await submit(page, 'false');
  assert.equal(await page.getAttribute('#view-poster', 'data-story-refused'), 'story.consent_required');
  assert.equal(refused, '故事没有提交：发布故事需要您单独同意。不同意不影响您的任何诊疗和服务。');
  assert.equal((await backend.stories(page)).filter((s) => s.status === 'pending').length, 0, 'nothing stored');
  await shot(page, `story-${backend.name}-refused`, '#poster-consent-box');

  if (backend.name === 'http') {
    // Offline: kept in the outbox, delivered once back online.
    await page.locator('#poster-consent').uncheck();
    await page.locator('#poster-consent').check();
    await page.waitForTimeout(1000);
    await page.context().setOffline(true);
    await writeStory(page, STORY_3);
    const queuedMessage = await submit(page, 'queued');
    assert.equal(queuedMessage, '离线已保存，联网后提交。提交后由医院审核，审核通过前不会发布。');
    await shot(page, 'story-http-queued', '#poster-consent-box');
    await page.context().setOffline(false);
    let rows = [];
    for (let i = 0; i < 100; i += 1) {
      rows = (await backend.stories(page)).filter((s) => s.status === 'pending');
      if (rows.length > 0) break;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(rows.map((s) => [s.title, s.story]), [[STORY_3.title, STORY_3.story]], 'delivered once online, once');
  }
}

/** Submits another story (the text differs from the last one) and returns its id. */
async function submitAnother(page, story) {
  await writeStory(page, story);
  await page.evaluate(() => {
    const root = document.getElementById('view-poster');
    delete root.dataset.storyId;
    delete root.dataset.storySubmitted;
  });
  await page.tap('#poster-submit');
  await page.waitForSelector('#view-poster[data-story-submitted="true"][data-story-id]');
  return page.getAttribute('#view-poster', 'data-story-id');
}

/** 我的故事 as the poster screen shows it, read again from the backend (a fresh visit of the screen). */
async function myStoriesOnScreen(page, until) {
  await page.evaluate(() => {
    location.hash = '#referral';
  });
  await page.waitForSelector('#view-referral:not([hidden])');
  await page.evaluate(() => {
    location.hash = '#poster/storyPoster';
  });
  await page.waitForSelector('#view-poster[data-template="storyPoster"]:not([hidden])');
  await page.waitForSelector(until);
  assert.equal(await page.isVisible('#poster-mine'), true, '我的故事 is shown on the story template');
  return page.$$eval('#poster-mine .poster-mine__item', (items) => Object.fromEntries(items.map((li) => [li.dataset.storyId, {
    status: li.dataset.status,
    chip: li.querySelector('.poster-mine__status').textContent,
    title: li.querySelector('.poster-mine__title').textContent,
    note: li.querySelector('.poster-mine__reason').textContent,
  }])));
}

/** Waits for the workbench's toast to say `pattern`, and returns its text. */
async function toastSaying(page, pattern) {
  await page.waitForFunction((source) => {
    const toast = document.getElementById('toast');
    return !toast.hidden && new RegExp(source).test(document.getElementById('toast-text').textContent);
  }, pattern.source);
  return page.textContent('#toast-text');
}

async function reviewFlow(backend, page) {
  // A fresh visit: the consent as the backend has it (withdrawn elsewhere above), given again.
  await openApp(page, backend.url());
  await openStoryPoster(page);
  if (!(await page.isChecked('#poster-consent'))) await page.locator('#poster-consent').check();
  await page.waitForFunction(() => document.getElementById('poster-consent-box').dataset.consent === 'true');
  if (backend.name === 'http') {
    for (let i = 0; i < 50; i += 1) {
      const { rows } = await suite.stack.pool.query("SELECT granted FROM consents WHERE patient_id = $1 AND purpose = 'stories'", [DEMO_PATIENT_ID]);
      if (rows[0]?.granted) break;
      await page.waitForTimeout(100);
    }
  }
  const approveId = await submitAnother(page, STORY_4);
  const rejectId = await submitAnother(page, STORY_5);
  const staleId = await submitAnother(page, STORY_6);
  assert.equal(new Set([approveId, rejectId, staleId]).size, 3);

  const staff = await page.context().newPage();
  try {
    await staff.goto(`${backend.url()}#staff/moderation`, { waitUntil: 'load' });
    await signInStaff(staff, 'service');
    await staff.waitForSelector('#mod-queue[data-state="ready"]');
    const item = (id) => `#mod-queue .mod-queue__item[data-story-id="${id}"]`;
    for (const id of [approveId, rejectId, staleId]) await staff.waitForSelector(item(id));

    // 通过: the story leaves the queue, the toast says so.
    await staff.tap(`${item(approveId)} .mod-decide__approve`);
    assert.equal(await toastSaying(staff, /^已通过/), `已通过《${STORY_4.title}》`);
    await staff.waitForSelector(item(approveId), { state: 'detached' });

    // 退回: a reason is required (确认退回 stays disabled until one is picked).
    await staff.tap(`${item(rejectId)} .mod-decide__reject`);
    await staff.waitForSelector(`${item(rejectId)} .mod-decide__reasons:not([hidden])`);
    assert.equal(await staff.isDisabled(`${item(rejectId)} .mod-decide__confirm`), true);
    assert.deepEqual(
      await staff.$$eval(`${item(rejectId)} .mod-reason`, (labels) => labels.map((l) => [l.dataset.reason, l.textContent])),
      [['medical_claim', '含疗效或用药说法'], ['personal_data', '含个人信息'], ['off_topic', '与康复无关'], ['other', '其他原因']],
    );
    await staff.tap(`${item(rejectId)} .mod-reason[data-reason="medical_claim"]`);
    assert.equal(await staff.isDisabled(`${item(rejectId)} .mod-decide__confirm`), false);
    await staff.locator(item(rejectId)).evaluate((n) => n.scrollIntoView({ block: 'center' }));
    await staff.screenshot({ path: join(SHOTS, `review-${backend.name}-staff.png`), animations: 'disabled' });
    await staff.tap(`${item(rejectId)} .mod-decide__confirm`);
    assert.equal(await toastSaying(staff, /^已退回/), `已退回《${STORY_5.title}》：含疗效或用药说法`);
    await staff.waitForSelector(item(rejectId), { state: 'detached' });

    // Decided elsewhere meanwhile: 通过 on the stale item shows the backend's refusal, and the queue is read again.
    await backend.decideElsewhere(page, staleId);
    await staff.tap(`${item(staleId)} .mod-decide__approve`);
    assert.equal(await toastSaying(staff, /不能再次审核/), '这篇故事已经审核通过，不能再次审核');
    assert.equal(await staff.getAttribute('#mod-queue', 'data-last-refusal'), 'story.not_pending');
    await staff.waitForSelector(item(staleId), { state: 'detached' });
  } finally {
    await staff.close();
  }

  const stored = Object.fromEntries((await backend.stories(page)).map((s) => [s.id, s]));
  assert.deepEqual([stored[approveId].status, stored[approveId].reason], ['approved', null]);
  assert.deepEqual([stored[rejectId].status, stored[rejectId].reason], ['rejected', 'medical_claim']);
  assert.equal(stored[staleId].status, 'approved');

  // The patient: 我的故事 with the outcome and the reason.
  let mine = await myStoriesOnScreen(page, `#poster-mine .poster-mine__item[data-story-id="${rejectId}"][data-status="rejected"]`);
  assert.deepEqual(mine[approveId], { status: 'approved', chip: '已通过', title: STORY_4.title, note: '已通过审核，医院可在病友社群中分享；取消勾选同意即可撤回' });
  assert.deepEqual(mine[rejectId], { status: 'rejected', chip: '未通过', title: STORY_5.title, note: '未通过：含疗效或用药说法，可修改后重新提交' });
  assert.equal(mine[staleId].chip, '已通过');
  await shot(page, `review-${backend.name}-mine`, '#poster-mine');

  // G9: withdrawn, the approved story is unpublished and the rejected one's words are deleted.
  await page.locator('#poster-consent').uncheck();
  await page.waitForSelector('#sheet:not([hidden])');
  assert.match(await page.textContent('#sheet-body'), new RegExp(`已发布的故事.*《${STORY_4.title}》将下线`));
  await page.tap('#sheet-confirm');
  await page.waitForSelector('#view-poster #poster-consent-box[data-consent="false"]');
  let after;
  for (let i = 0; i < 100; i += 1) {
    after = Object.fromEntries((await backend.stories(page)).map((s) => [s.id, s]));
    if (after[approveId].status === 'withdrawn') break;
    await page.waitForTimeout(100);
  }
  assert.deepEqual([after[approveId].status, after[approveId].title, after[approveId].story], ['withdrawn', null, null]);
  assert.deepEqual([after[rejectId].status, after[rejectId].reason, after[rejectId].title, after[rejectId].story], ['rejected', 'medical_claim', null, null]);
  mine = await myStoriesOnScreen(page, `#poster-mine .poster-mine__item[data-story-id="${approveId}"][data-status="withdrawn"]`);
  assert.deepEqual(mine[approveId], { status: 'withdrawn', chip: '已撤回', title: '（内容已删除）', note: '您已撤回发布同意，故事内容已删除' });
  assert.deepEqual(mine[rejectId], { status: 'rejected', chip: '未通过', title: '（内容已删除）', note: '未通过：含疗效或用药说法，可修改后重新提交' });
}

async function promptFlow(backend, page) {
  await page.evaluate(() => {
    location.hash = '#checkin';
  });
  await page.waitForSelector('#view-checkin:not([hidden])');
  assert.deepEqual(await backend.prompts(page), [], 'no prompt shown yet');

  // 1. After a daily check-in: the sheet, recorded by the backend.
  let decided = await checkInAndDecide(page);
  assert.deepEqual(decided, { outcome: 'shown', reason: '', visible: true });
  assert.equal(await page.textContent('#invite-title'), '邀请病友一起打卡');
  assert.equal(await page.getAttribute('#invite-go', 'href'), '#referral');
  assert.equal((await backend.prompts(page)).length, 1, 'the prompt is recorded');
  await shot(page, `prompt-${backend.name}`);
  await page.tap('#invite-later');
  await page.waitForSelector('#invite-sheet', { state: 'hidden' });

  // 2. Three prompts within 90 days: none after the next check-in (the core's cap).
  await backend.addPrompts(page, 2);
  assert.equal((await backend.prompts(page)).length, 3);
  await backend.reopenToday(page);
  await openApp(page, backend.url());
  decided = await checkInAndDecide(page);
  assert.deepEqual(decided, { outcome: 'skipped', reason: 'eligibility.prompt_cap_reached', visible: false });
  assert.equal((await backend.prompts(page)).length, 3, 'never a 4th');

  // 3. 不再提醒: the one-tap opt-out is stored, and no prompt comes after it.
  await backend.clearPrompts(page);
  await backend.reopenToday(page);
  await openApp(page, backend.url());
  decided = await checkInAndDecide(page);
  assert.equal(decided.outcome, 'shown', 'a prompt again once the window is clear');
  await page.tap('#invite-stop');
  await page.waitForSelector('#invite-sheet', { state: 'hidden' });
  for (let i = 0; i < 50 && !(await backend.optedOut(page)); i += 1) await page.waitForTimeout(100);
  assert.equal(await backend.optedOut(page), true, 'the opt-out is stored');
  await backend.clearPrompts(page);
  await backend.reopenToday(page);
  await openApp(page, backend.url());
  decided = await checkInAndDecide(page);
  assert.deepEqual(decided, { outcome: 'skipped', reason: 'eligibility.prompt_opted_out', visible: false });
  assert.deepEqual(await backend.prompts(page), [], 'nothing recorded after the opt-out');
}

for (const backend of [offline, http]) {
  test(`${backend.name}: a story is submitted for review and withdrawn; staff approve and reject, the patient sees why; the invite prompt honours the cap and the opt-out`, { timeout: TEST_TIMEOUT }, async () => {
    const { context, page } = await newPage(backend.name);
    try {
      await openApp(page, backend.url());
      await storyFlow(backend, page);
      await reviewFlow(backend, page);
      await promptFlow(backend, page);
      assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'no web storage');
      assert.ok(!page.url().includes(DEMO_PATIENT_ID) && !page.url().includes('demo-patient'), `nothing personal in ${page.url()}`);
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close();
    }
  });
}

test('http: the workbench says so when the review queue cannot be read', { timeout: TEST_TIMEOUT }, async () => {
  const { context, page } = await newPage('queue-error');
  try {
    await page.route('**/api/v1/staff/stories', (route) => route.fulfill({
      status: 403,
      contentType: 'application/json',
      body: JSON.stringify({ error: { code: 'auth.forbidden', message: '只有医院工作人员可以这样做', path: '' } }),
    }));
    await page.goto(`${http.url()}#staff/moderation`, { waitUntil: 'load' });
    await signInStaff(page, 'service');
    await page.waitForSelector('#mod-queue[data-state="error"]');
    assert.equal(await page.textContent('#mod-queue-note'), '待审核列表暂时无法读取：只有医院工作人员可以这样做');
    assert.equal(await page.locator('#mod-queue .mod-queue__item').count(), 0);
    assert.deepEqual(problems, [], 'a refusal is shown, not thrown');
  } finally {
    await context.close();
  }
});
