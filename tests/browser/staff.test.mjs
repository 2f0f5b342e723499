// Browser test of the staff workbench screens (工作台: KOC评估,
// 社群报告, 内容审核) in real headless Chromium (playwright-core).
//
// Same set-up as wallet.test.mjs (in-process server, fresh profile, 375×667
// @2x touch phone, Asia/Shanghai, device clock pinned). Every expectation is
// the core's own reply, computed in the page by the loaded core:
//   1. KOC: the form is assessKoc's form (questions, hints, options, points);
//      submitting with a question unanswered shows the core's error; a
//      complete submission shows the core's score, decision, tags, letter
//      template and reasons verbatim;
//   2. the community health report of the demo hospital's 12 groups: summary,
//      each group's status, figures and actions, and each chart's bars and
//      threshold lines at the core's permille;
//   3. moderation: "你吃这个药试试，保证根治" gets the core's block verdict,
//      the highlighted spans are the text cut at the core's UTF-16 offsets,
//      and every explanation is shown verbatim; a story turns a superlative
//      from review into block; the review queue lists a story a patient
//      submitted with consent (masked author), 检查 checks it as a story,
//      and it leaves the queue when the consent is withdrawn;
//   4. no horizontal overflow at 360 px, touch targets ≥ 44 px, and no
//      console error, page error, failed request or CSP violation.
// Screenshots: staff-koc.png, staff-report.png, staff-moderation.png.
//
// Needs build/wasm/core.{mjs,wasm} (npm run build); fails clearly without it.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { demoFetchCancelled, launchPhone, signInStaff } from './harness.mjs';

import { startServer } from '../../scripts/serve.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 20_000;
const TEST_TIMEOUT = 60_000;
const NOW = new Date('2026-11-23T12:00:00+08:00');
const SAMPLE = '你吃这个药试试，保证根治';

let server;
let context;
let page;
let phone;
const problems = [];

before(async () => {
  phone = await launchPhone({ startServer, chromium, now: NOW, stepTimeout: STEP_TIMEOUT });
  ({ server, context, page } = phone);
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    if (!demoFetchCancelled(req)) problems.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
});

after(async () => {
  await phone?.close();
});

async function openStaff(screen) {
  await page.goto(`${server.url}#staff/${screen}`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(await page.textContent('#load-error-detail'));
  // The demo staff account whose role has this screen.
  await signInStaff(page, { forest: 'nurse', koc: 'nurse', report: 'operations', moderation: 'service' }[screen]);
  await page.waitForSelector(`[data-staff-view="${screen}"]:not([hidden])`);
  assert.equal(await page.getAttribute(`a[data-staff-tab="${screen}"]`, 'aria-current'), 'page');
}

/** Calls the loaded core in the page, as a second client would. */
async function coreCall(name, request) {
  return page.evaluate(
    async ({ n, r }) => {
      const { loadCore } = await import('/core.js');
      return (await loadCore()).callAsync(n, r);
    },
    { n: name, r: request },
  );
}

async function assertMobileLayout(label) {
  for (const width of [360, 430, 375]) {
    await page.setViewportSize({ width, height: 667 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${label}: no horizontal overflow at ${width}px (${overflow}px)`);
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('#app a, #app button, #app summary, #app label.koc-option')]
        .filter((n) => n.offsetParent !== null || getComputedStyle(n).position === 'fixed')
        .map((n) => ({ id: n.id || n.dataset.staffTab || n.className, rect: n.getBoundingClientRect() }))
        .filter(({ rect }) => rect.width > 0 && (rect.width < 44 || rect.height < 44))
        .map(({ id, rect }) => `${id} ${rect.width.toFixed(0)}×${rect.height.toFixed(0)}`),
    );
    assert.deepEqual(small, [], `${label}: touch targets ≥ 44 px at ${width}px`);
  }
}

async function fullPageShot(name) {
  await page.waitForSelector('#toast', { state: 'hidden', timeout: 8_000 });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: 375, height });
  await page.screenshot({ path: join(SHOTS, name), fullPage: true, animations: 'disabled' });
  await page.setViewportSize({ width: 375, height: 667 });
}

test('KOC: the form is the core form, the result is the core result', { timeout: TEST_TIMEOUT }, async () => {
  await openStaff('koc');
  const blank = await coreCall('assessKoc', {});
  assert.equal(blank.ok, true);
  const { form } = blank.value;
  assert.equal(await page.textContent('#koc-title'), form.title);
  assert.equal(await page.textContent('#koc-instructions'), form.instructions);
  const shown = await page.evaluate(() =>
    [...document.querySelectorAll('#koc-questions .koc-q')].map((q) => ({
      id: q.dataset.questionId,
      text: q.querySelector('.koc-q__text').textContent,
      hint: q.querySelector('.koc-q__hint')?.textContent ?? '',
      options: [...q.querySelectorAll('.koc-option')].map((o) => ({
        id: o.querySelector('input').value,
        label: o.querySelector('.koc-option__label').textContent,
        points: o.querySelector('.koc-option__points')?.textContent ?? null,
      })),
    })),
  );
  assert.deepEqual(
    shown,
    form.questions.map((q) => ({
      id: q.id,
      text: q.text,
      hint: q.hint,
      options: q.options.map((o) => ({ id: o.id, label: o.label, points: q.scored ? `${o.points}分` : null })),
    })),
    'questions, hints, options and points as the core sends them',
  );

  // Unanswered: the core's own message, and the question it names is marked.
  await page.tap('#koc-submit');
  const missing = await coreCall('assessKoc', { answers: {}, sensitiveCase: false });
  assert.equal(missing.ok, false);
  assert.equal(await page.textContent('#koc-error'), missing.error.message);
  const missingId = missing.error.path.split('/').pop();
  assert.equal(await page.locator(`.koc-q[data-question-id="${missingId}"]`).getAttribute('class'), 'koc-q is-missing');

  // Answer every question: the highest option of the scored ones, "benefit" for the incentive.
  const answers = {};
  for (const q of form.questions) {
    const option = q.scored ? q.options.at(-1) : q.options.find((o) => o.incentive === 'benefit') ?? q.options[0];
    answers[q.id] = option.id;
    await page.locator(`.koc-q[data-question-id="${q.id}"] input[value="${option.id}"]`).check();
  }
  await page.fill('#koc-note', '护士半夜送来热粥');
  await page.tap('#koc-submit');
  await page.waitForSelector('#koc-result:not([hidden])');
  const expected = await coreCall('assessKoc', { answers, sensitiveCase: false, peakMomentNote: '护士半夜送来热粥' });
  assert.equal(expected.ok, true);
  const a = expected.value.assessment;
  assert.equal(a.qualifies, true, 'top answers qualify');
  const result = await page.evaluate(() => ({
    score: document.getElementById('koc-score').textContent,
    max: document.getElementById('koc-max').textContent,
    summary: document.getElementById('koc-summary').textContent,
    qualifies: document.getElementById('koc-result').dataset.qualifies,
    tags: [...document.querySelectorAll('#koc-tags .koc-tag')].map((t) => t.textContent),
    letterTitle: document.getElementById('koc-letter').hidden ? null : document.getElementById('koc-letter-title').textContent,
    letterTemplate: document.getElementById('koc-letter').dataset.template,
    reasons: [...document.querySelectorAll('#koc-reasons li')].map((li) => li.textContent),
    error: document.getElementById('koc-error').hidden,
  }));
  assert.deepEqual(result, {
    score: String(a.score),
    max: `/${a.maxScore}分`,
    summary: a.summary,
    qualifies: 'true',
    tags: [...(a.tags.peakMoment ? ['体验峰值'] : []), `社交影响力${a.tags.socialClass}类`, a.tags.incentiveLabel],
    letterTitle: a.letterTitle,
    letterTemplate: a.letterTemplate,
    reasons: a.reasons,
    error: true,
  });
  assert.equal(a.letterTemplate, 'benefit', 'the incentive answer picks the letter');
  await page.evaluate(() => window.scrollTo(0, 0));
  await assertMobileLayout('KOC');
  await fullPageShot('staff-koc.png');

  // Sensitive case: the core never invites, whatever the score.
  await page.check('#koc-sensitive');
  await page.tap('#koc-submit');
  const sensitive = await coreCall('assessKoc', { answers, sensitiveCase: true, peakMomentNote: '护士半夜送来热粥' });
  await page.waitForFunction((s) => document.getElementById('koc-summary').textContent === s, sensitive.value.assessment.summary);
  assert.equal(await page.getAttribute('#koc-result', 'data-qualifies'), String(sensitive.value.assessment.qualifies));
});

test('the community health report shows the core report for 12 groups', { timeout: TEST_TIMEOUT }, async () => {
  await openStaff('report');
  await page.waitForSelector('body[data-report="ready"]');
  const { envelope, inputs } = await page.evaluate(async () => {
    const { loadCore } = await import('/core.js');
    const { createOfflineBackend } = await import('/backend/offline.js');
    const request = await createOfflineBackend().getCommunityReportInputs();
    return { envelope: (await loadCore()).call('communityHealthReport', request), inputs: request };
  });
  assert.equal(envelope.ok, true, JSON.stringify(envelope.error));
  const r = envelope.value;
  assert.equal(inputs.month, '2026-11', 'the demo reports the month of the (pinned) device clock');
  assert.equal(r.groups.length, 12);
  assert.equal(await page.textContent('#report-title'), r.title);
  assert.equal(await page.textContent('#report-thresholds'), r.thresholds.text);
  assert.deepEqual(
    await page.locator('#report-summary .report-tile').evaluateAll((lis) =>
      lis.map((li) => ({ level: li.dataset.level, n: Number(li.querySelector('.report-tile__num').textContent) })),
    ),
    [
      { level: 'healthy', n: r.summary.healthy },
      { level: 'normal', n: r.summary.normal },
      { level: 'warning', n: r.summary.warning },
    ],
  );
  for (const level of ['healthy', 'normal', 'warning']) assert.ok(r.summary[level] > 0, `the demo has a ${level} group`);

  const groups = await page.evaluate(() =>
    [...document.querySelectorAll('#report-groups > .report-group')].map((li) => ({
      id: li.dataset.groupId,
      name: li.querySelector('.report-group__name').textContent,
      members: li.querySelector('.report-group__members').textContent,
      status: li.querySelector('.status-chip').textContent,
      level: li.querySelector('.status-chip').dataset.level,
      metrics: [...li.querySelectorAll('.report-metric')].map((m) => ({
        metric: m.dataset.metric,
        value: m.querySelector('.report-metric__num').textContent,
        label: m.querySelector('.report-metric__label').textContent,
      })),
      actions: [...li.querySelectorAll('.report-action')].map((a) => ({
        code: a.dataset.code,
        title: a.querySelector('.report-action__title').textContent,
        text: a.querySelector('.report-action__text').textContent,
      })),
      bars: [...li.querySelectorAll('.report-chart__bar')].map((b) => ({ y: Number(b.getAttribute('y')), h: Number(b.getAttribute('height')) })),
      gaps: li.querySelectorAll('.report-chart__gap').length,
      lines: [...li.querySelectorAll('.report-chart__line')].map((l) => Number(l.getAttribute('y1'))),
      tags: [...li.querySelectorAll('.report-chart__tag')].map((t) => t.textContent),
    })),
  );
  assert.deepEqual(
    groups,
    r.groups.map((g) => ({
      id: g.id,
      name: g.name,
      members: `${g.memberCount}人`,
      status: g.activity.label,
      level: g.activity.level,
      metrics: [
        { metric: 'activity', value: g.activity.averageText, label: g.activity.label },
        { metric: 'conversion', value: g.conversion.rateText, label: g.conversion.label },
        { metric: 'fission', value: g.fission.rateText, label: g.fission.label },
      ],
      actions: g.actions.map((a) => ({ code: a.code, title: a.title, text: a.text })),
      bars: g.chart.heightsPermille.filter((h) => h !== null).map((h) => ({ y: 1000 - h, h })),
      gaps: g.chart.heightsPermille.filter((h) => h === null).length,
      lines: g.chart.lines.map((l) => 1000 - l.permille),
      tags: g.chart.lines.map((l) => l.label),
    })),
    'every group: status, figures, actions and chart as the core computed them',
  );
  await page.evaluate(() => window.scrollTo(0, 0));
  await assertMobileLayout('report');
  await fullPageShot('staff-report.png');
});

test('moderation shows the core verdict and spans', { timeout: TEST_TIMEOUT }, async () => {
  await openStaff('moderation');
  await page.fill('#mod-text', SAMPLE);
  await page.tap('#mod-form button[type="submit"]');
  await page.waitForSelector('#mod-result[data-verdict]');
  const core = await coreCall('moderateText', { text: SAMPLE, context: 'message' });
  assert.equal(core.ok, true);
  const v = core.value;
  assert.equal(v.verdict, 'block');
  assert.ok(v.matches.length >= 2, 'drug advice and a cure claim');

  const screen = await page.evaluate(() => ({
    verdict: document.getElementById('mod-verdict').dataset.verdict,
    verdictText: document.getElementById('mod-verdict').textContent,
    summary: document.getElementById('mod-summary').textContent,
    preview: document.getElementById('mod-preview').textContent,
    marks: [...document.querySelectorAll('#mod-preview mark')].map((m) => ({ text: m.textContent, matches: m.dataset.matches })),
    matches: [...document.querySelectorAll('#mod-matches .mod-match')].map((li) => ({
      ruleId: li.dataset.ruleId,
      start: Number(li.dataset.start),
      end: Number(li.dataset.end),
      category: li.querySelector('.mod-match__category').textContent,
      text: li.querySelector('.mod-match__text').textContent,
      explanation: li.querySelector('.mod-match__explanation').textContent,
    })),
    notice: document.getElementById('mod-notice-text').textContent,
  }));
  assert.equal(screen.verdict, v.verdict);
  assert.equal(screen.verdictText, '不能发布');
  assert.equal(screen.summary, v.summary);
  assert.equal(screen.preview, SAMPLE, 'the preview is the text itself');
  assert.deepEqual(
    screen.marks,
    v.matches.map((m, n) => ({ text: SAMPLE.slice(m.utf16Start, m.utf16End), matches: String(n + 1) })),
    'highlights are the text cut at the core UTF-16 offsets',
  );
  assert.deepEqual(
    screen.matches,
    v.matches.map((m) => ({
      ruleId: m.ruleId,
      start: m.utf16Start,
      end: m.utf16End,
      category: m.categoryLabel,
      text: m.matchedText,
      explanation: m.explanation,
    })),
    'every match with the core explanation verbatim',
  );
  assert.equal(screen.notice, v.authorNotice);
  await assertMobileLayout('moderation');
  await page.evaluate(() => window.scrollTo(0, 0));
  await fullPageShot('staff-moderation.png');

  // Overlapping categories and separators: still the core's offsets, astral characters included.
  const tricky = '😀这是最好的医院，根 治👍你吃这个药试试';
  await page.fill('#mod-text', tricky);
  await page.tap('#mod-form button[type="submit"]');
  const trickyCore = (await coreCall('moderateText', { text: tricky, context: 'message' })).value;
  await page.waitForFunction((s) => document.getElementById('mod-summary').textContent === s, trickyCore.summary);
  const trickyMarks = await page.locator('#mod-preview mark').allTextContents();
  assert.deepEqual(trickyMarks, trickyCore.matches.map((m) => tricky.slice(m.utf16Start, m.utf16End)));
  assert.equal(await page.textContent('#mod-preview'), tricky);

  // A story turns the superlative's review into block (G11).
  const superlative = '这是最好的医院';
  await page.fill('#mod-text', superlative);
  await page.tap('#mod-form button[type="submit"]');
  const inChat = (await coreCall('moderateText', { text: superlative, context: 'message' })).value;
  await page.waitForFunction((s) => document.getElementById('mod-summary').textContent === s, inChat.summary);
  assert.equal(await page.getAttribute('#mod-verdict', 'data-verdict'), inChat.verdict);
  await page.tap('#mod-context-story');
  const inStory = (await coreCall('moderateText', { text: superlative, context: 'story' })).value;
  assert.notEqual(inChat.verdict, inStory.verdict);
  await page.waitForFunction((s) => document.getElementById('mod-verdict').dataset.verdict === s, inStory.verdict);
  assert.equal(await page.textContent('#mod-summary'), inStory.summary);
});

test('内容审核 lists the stories patients submitted with consent; 检查 checks one as a story; withdrawn ones leave', { timeout: TEST_TIMEOUT }, async () => {
  await openStaff('moderation');
  await page.waitForSelector('#mod-queue[data-state="ready"]');
  assert.equal(await page.locator('#mod-queue .mod-queue__item').count(), 0, 'nothing submitted yet');
  assert.match(await page.textContent('#mod-queue-note'), /暂无待审核的故事/);

  // A patient of the demo consents and submits a story (the offline backend, as the poster screen does).
  const title = '术后第30天，我又能唱歌了';
  const story = '出院那天，护士把康复操一个动作一个动作地教给我。现在每天和病友们一起打卡。';
  const submitted = await page.evaluate(async ({ title, story }) => {
    const { loadCore } = await import('/core.js');
    const { createOfflineBackend } = await import('/backend/offline.js');
    const core = await loadCore();
    const backend = createOfflineBackend();
    await backend.init();
    await backend.setConsent('stories', true);
    return backend.submitStory({ title, story, key: `staff-test-${crypto.randomUUID()}` }, core);
  }, { title, story });
  assert.equal(submitted.status, 'pending');

  await page.goto('about:blank');  // a fresh visit of the workbench
  await openStaff('moderation');
  await page.waitForSelector('#mod-queue .mod-queue__item');
  const item = await page.evaluate(() => {
    const li = document.querySelector('#mod-queue .mod-queue__item');
    return {
      id: li.dataset.storyId,
      title: li.querySelector('.mod-queue__title').textContent,
      meta: li.querySelector('.mod-queue__meta').textContent,
      excerpt: li.querySelector('.mod-queue__excerpt').textContent,
      count: document.getElementById('mod-queue-count').textContent,
    };
  });
  assert.equal(item.id, submitted.storyId);
  assert.deepEqual([item.title, item.excerpt, item.count], [title, story, '1篇']);
  assert.match(item.meta, /王\* · \d+\/\d+ \d\d:\d\d 提交$/, 'the author masked, never the full name');
  await page.tap('#mod-queue .mod-queue__check');
  const text = `${title}\n${story}`;
  const asStory = (await coreCall('moderateText', { text, context: 'story' })).value;
  await page.waitForFunction((s) => document.getElementById('mod-summary').textContent === s, asStory.summary);
  assert.equal(await page.inputValue('#mod-text'), text);
  assert.equal(await page.getAttribute('#mod-context-story', 'aria-pressed'), 'true');
  assert.equal(await page.getAttribute('#mod-verdict', 'data-verdict'), asStory.verdict);
  assert.equal(asStory.verdict, 'pass', 'the story passed the same check when it was submitted (G11)');
  await assertMobileLayout('moderation queue');
  await page.evaluate(() => window.scrollTo(0, 0));
  await fullPageShot('staff-moderation-queue.png');

  // The patient withdraws the consent: the story leaves the queue (G9).
  await page.evaluate(async () => {
    const { createOfflineBackend } = await import('/backend/offline.js');
    const backend = createOfflineBackend();
    await backend.init();
    await backend.setConsent('stories', false);
  });
  await page.goto('about:blank');
  await openStaff('moderation');
  await page.waitForSelector('#mod-queue[data-state="ready"]');
  assert.equal(await page.locator('#mod-queue .mod-queue__item').count(), 0, 'withdrawn: no longer listed');
});

test('no console errors, page errors, failed requests or CSP violations', () => {
  assert.deepEqual(problems, []);
});
