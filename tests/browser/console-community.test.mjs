// The community screens of the staff console at 1366×768, on both backends
// (harness.mjs twoBackendSuite; the offline demo plays the server). Each
// screen's numbers are checked against the core's reply to the same inputs,
// computed here: over HTTP from the API's own inputs, offline from the demo's
// generators at the page's fixed clock.
//   - 社群成员: the full group's cap text, counts and lists, its waiting list waiting;
//   - 社群报告: 12 months of trend, another month picked, the CSV export (UTF-8 BOM);
//   - 推荐质量: overall and per age band;
//   - 风险提示: the flags, one marked reviewed with a note;
//   - 客服 opens the member lists and not the risk flags.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { loadCore } from '../node/helpers.mjs';
import { DESKTOP, desktopPage as desk, openStaff, showScreen } from './console-desk.mjs';
import { REPO, twoBackendSuite } from './harness.mjs';

process.env.TZ = 'Asia/Shanghai';  // the demo's generators read local dates, as the page does
const { createOfflineCommunity } = await import('../../web/backend/offline-community.js');
const { generateDemoCommunity } = await import('../../web/backend/demo-data.js');

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 90_000;
const TEST_TIMEOUT = 300_000;
// Saved exports (导出表格) are read back.
const DOWNLOADS = { acceptDownloads: true };
// The page's clock for the offline demo: fixed, so the oracle sees the same now.
const NOW = Date.parse('2026-11-23T10:00:00+08:00');

const suite = twoBackendSuite({ chromium, shots: SHOTS });
const core = await loadCore();
const call = (name, request) => {
  const envelope = JSON.parse(core[name](JSON.stringify(request)));
  assert.ok(envelope.ok, `${name}: ${JSON.stringify(envelope.error)}`);
  return envelope.value;
};
const problems = [];

const desktopPage = (label, fixedClock) =>
  desk(suite, { problems, label, stepTimeout: STEP_TIMEOUT, contextOptions: DOWNLOADS, ...(fixedClock ? { fixedTimeMs: NOW } : {}) });

/** The offline demo's "server", as the page builds it, at the fixed clock. */
function offlineOracle() {
  const reviews = new Map();
  return createOfflineCommunity({
    clock: () => NOW,
    refusal: (status, code, message) => Object.assign(new Error(message), { status, code }),
    communityWithdrawn: async () => false,
    reportInputs: async () => generateDemoCommunity(NOW),
    demoMember: { id: 'demo-patient', displayName: '演示用户 王*' },
    meta: { read: async (k) => reviews.get(k) ?? null, write: async (k, v) => void reviews.set(k, v) },
  });
}

async function httpOracle() {
  const session = await suite.stack.api('POST', '/demo/sessions', { body: { as: 'staff', role: 'operations' } });
  const token = session.body.token;
  const get = async (path) => {
    const r = await suite.stack.api('GET', path, { token });
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    const { serverTimeMs, ...rest } = r.body;
    return rest;
  };
  return {
    getMemberListInputs: (g) => get(`/staff/community/member-list-inputs?group=${g}`),
    getCommunityReportTrend: (m) => get(`/staff/community/report-trend?month=${m}`),
    getReferralQualityInputs: ({ from } = {}) => get(`/staff/community/referral-quality-inputs${from ? `?from=${from}` : ''}`),
    getRiskFlagInputs: () => get('/staff/community/risk-flag-inputs'),
  };
}

const backends = [
  { name: 'offline', fixedClock: true, url: () => suite.stack.staticServer.url, oracle: async () => offlineOracle() },
  { name: 'http', fixedClock: false, url: () => `${suite.stack.base}?backend=http`, oracle: httpOracle },
];

const texts = (page, selector) => page.$$eval(selector, (nodes) => nodes.map((n) => n.textContent.trim()));

for (const backend of backends) {
  test(`${backend.name}: 社群成员 — the full group's lists are the core's; its waiting list waits`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const { context, page } = await desktopPage(`${backend.name} members`, backend.fixedClock);
    try {
      await openStaff(page, backend.url(), 'operations', 'members');
      await page.selectOption('#members-group', 'demo-g03');
      await page.waitForFunction(() => document.getElementById('staff-members').dataset.state === 'ready' && /200\/200/.test(document.getElementById('members-cap').textContent));
      const inputs = await (await backend.oracle()).getMemberListInputs('demo-g03');
      const v = call('memberLists', inputs.request);
      assert.equal(await page.textContent('#members-cap'), v.capText);
      assert.equal(v.counts.members, 200);
      assert.equal(await page.textContent('[data-tile="reactivation"] .cc-tile__num'), String(v.counts.reactivation));
      assert.equal(await page.textContent('[data-tile="cleanUp"] .cc-tile__num'), String(v.counts.cleanUp));
      assert.ok(v.counts.reactivation > 0 && v.counts.cleanUp > 0);
      assert.deepEqual(await page.$$eval('#members-reactivation-table tbody tr', (rows) => rows.map((r) => r.dataset.memberId)), v.reactivation.map((e) => e.id));
      assert.deepEqual(await texts(page, '#members-reactivation-table tbody td.cc-message'), v.reactivation.map((e) => e.suggestedMessage));
      assert.deepEqual(await page.$$eval('#members-cleanup-table tbody tr', (rows) => rows.map((r) => r.dataset.memberId)), v.cleanUp.map((e) => e.id));
      assert.deepEqual(await page.$$eval('#members-waiting-table tbody tr', (rows) => rows.map((r) => r.dataset.status)), ['wait', 'wait', 'wait']);
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 1366), 'no sideways scrolling at 1366 px');
      await page.screenshot({ path: join(SHOTS, `console-community-${backend.name}-members.png`) });
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close().catch(() => {});
    }
  });

  test(`${backend.name}: 社群报告 — 12 months of trend equal the core's; another month; CSV with a BOM`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const { context, page } = await desktopPage(`${backend.name} report`, backend.fixedClock);
    try {
      await openStaff(page, backend.url(), 'operations', 'report');
      const month = await page.inputValue('#report-month');
      assert.match(month, /^\d{4}-\d{2}$/);
      const oracle = await backend.oracle();
      const { months } = await oracle.getCommunityReportTrend(month);
      const reports = months.map((m) => call('communityHealthReport', m));
      const rows = await page.$$eval('#report-trend-rows tbody tr', (trs) => trs.map((tr) => ({ month: tr.dataset.month, cells: [...tr.children].map((td) => td.textContent) })));
      assert.equal(rows.length, 12);
      rows.forEach((row, i) => {
        const s = reports[i].summary;
        assert.equal(row.month, reports[i].month);
        assert.deepEqual([row.cells[1], row.cells[3], row.cells[4], row.cells[5], row.cells[6], row.cells[7]],
          [String(s.groups), String(s.healthy), String(s.normal), String(s.warning), s.overallConversion.rateText, s.overallFission.rateText], row.month);
      });
      assert.equal(await page.textContent('#report-title'), reports[11].title);
      await page.screenshot({ path: join(SHOTS, `console-community-${backend.name}-report.png`), fullPage: true });

      // The month before: the report and its own twelve months.
      const earlier = months[10].month;
      await page.selectOption('#report-month', earlier);
      await page.waitForFunction((t) => document.getElementById('report-title').textContent === t && document.getElementById('staff-report').dataset.state === 'ready', reports[10].title);
      assert.equal(await page.getAttribute('#report-trend-rows tbody tr:last-child', 'data-month'), earlier);

      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#report-export')]);
      assert.equal(download.suggestedFilename(), `社群健康度报告-${earlier}.csv`);
      const bytes = readFileSync(await download.path());
      assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark first');
      const csv = bytes.subarray(3).toString('utf8');
      const lines = csv.split('\r\n');
      assert.equal(lines[0], reports[10].title);
      const header = lines.indexOf('近12个月趋势');
      assert.ok(header > 0);
      assert.equal(lines.slice(header + 2).filter(Boolean).length, 12, 'twelve months in the export');
      for (const g of reports[10].groups) assert.ok(lines.some((l) => l.startsWith(`${g.id},`) && l.includes(g.conversion.rateText)), g.id);
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close().catch(() => {});
    }
  });

  test(`${backend.name}: 推荐质量 and 风险提示 — the core's figures; a flag reviewed, nothing else`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const { context, page } = await desktopPage(`${backend.name} quality`, backend.fixedClock);
    try {
      await openStaff(page, backend.url(), 'operations', 'quality');
      const oracle = await backend.oracle();
      const q = call('referralQuality', await oracle.getReferralQualityInputs());
      assert.equal(await page.textContent('[data-tile="success"] .cc-tile__num'), q.overall.successRateText);
      assert.equal(await page.textContent('[data-tile="lapse"] .cc-tile__num'), q.overall.lapseRateText);
      assert.equal(await page.textContent('[data-tile="referrals"] .cc-tile__num'), String(q.overall.referrals));
      const bands = await page.$$eval('#quality-bands-table tbody tr', (trs) =>
        trs.map((tr) => ({ band: tr.dataset.band, referrals: tr.querySelector('[data-col="referrals"]').textContent, success: tr.querySelector('[data-col="success"]').textContent, median: tr.querySelector('[data-col="median"]').textContent })));
      assert.deepEqual(bands, [...q.bands, { id: 'overall', ...q.overall }].map((b) => ({ band: b.id, referrals: String(b.referrals), success: b.successRateText, median: b.firstVisit.medianText })));
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 1366), 'no sideways scrolling at 1366 px');
      await page.screenshot({ path: join(SHOTS, `console-community-${backend.name}-quality.png`) });

      // A date that does not exist: refused in Chinese, the figures stay.
      await page.fill('#quality-from', '2026-02-30');
      await page.click('#quality-apply');
      await page.waitForSelector('#quality-error:not([hidden])');
      assert.match(await page.textContent('#quality-error'), /日期/);
      // Invitations from a date on: the core's figures for that period.
      await page.fill('#quality-from', '2026-06-01');
      await page.click('#quality-apply');
      await page.waitForFunction(() => document.getElementById('staff-quality').dataset.state === 'ready' && /2026-06-01/.test(document.getElementById('quality-today').textContent));
      const since = call('referralQuality', await oracle.getReferralQualityInputs({ from: '2026-06-01' }));
      assert.equal(await page.textContent('[data-tile="referrals"] .cc-tile__num'), String(since.overall.referrals));
      assert.equal(await page.textContent('[data-tile="success"] .cc-tile__num'), since.overall.successRateText);

      await showScreen(page, 'risk');
      const flags = call('riskFlags', await oracle.getRiskFlagInputs());
      const shown = await page.$$eval('#risk-table tbody tr', (trs) => trs.map((tr) => ({ id: tr.dataset.flagId, status: tr.dataset.status })));
      assert.deepEqual(shown, flags.flags.map((f) => ({ id: f.id, status: f.status })));
      const open = flags.flags.find((f) => f.kind === 'sameAddress' && f.status === 'open');
      assert.ok(open, 'registrations from one address are flagged');
      const row = `#risk-table tbody tr[data-flag-id="${open.id}"]`;
      await page.fill(`${row} input`, '同一病房家属共用医院网络，属正常');
      await page.click(`${row} button`);
      await page.waitForSelector(`#risk-table tbody tr[data-flag-id="${open.id}"][data-status="reviewed"]`);
      const reviewedRow = await page.textContent(`#risk-table tbody tr[data-flag-id="${open.id}"]`);
      assert.match(reviewedRow, /同一病房家属共用医院网络/);
      // The address is a salted hash: staff see 网络地址<n>, never the hash; the demo's account as 演示账号.
      assert.match(await page.textContent(`${row} td:nth-child(3)`), /^网络地址\d+$/);
      assert.ok(!reviewedRow.includes(open.subject.slice(-6)), 'no piece of the address hash on the screen');
      assert.doesNotMatch(reviewedRow, /demo-staff/);
      if (backend.name === 'http') {
        const after = call('riskFlags', await oracle.getRiskFlagInputs());
        assert.equal(after.flags.find((f) => f.id === open.id).status, 'reviewed');
        assert.equal(after.flags.length, flags.flags.length, 'a review changes no flag but its own status');
      }
      assert.equal(await page.textContent('[data-tile="reviewed"] .cc-tile__num'), String(flags.counts.reviewed + 1));
      await page.screenshot({ path: join(SHOTS, `console-community-${backend.name}-risk.png`) });
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close().catch(() => {});
    }
  });

  test(`${backend.name}: 客服 opens the member lists, not the risk flags or referral quality`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const { context, page } = await desktopPage(`${backend.name} service`, backend.fixedClock);
    try {
      await openStaff(page, backend.url(), 'service', 'members');
      assert.ok(await page.isVisible('[data-staff-tab="members"]'));
      assert.ok(await page.isHidden('[data-staff-tab="risk"]'));
      assert.ok(await page.isHidden('[data-staff-tab="quality"]'));
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close().catch(() => {});
    }
  });
}

test('offline: the four community screens have no serious or critical axe violation (WCAG 2.1 A/AA)', { timeout: TEST_TIMEOUT }, async () => {
  const { createRequire } = await import('node:module');
  const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  // Only here: bypassCSP lets axe-core be injected as a script.
  const context = await suite.browser.newContext({ ...DESKTOP, ...DOWNLOADS, bypassCSP: true });
  await context.clock.setFixedTime(NOW);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  try {
    await openStaff(page, suite.stack.staticServer.url, 'operations', 'members');
    await page.addScriptTag({ content: axeSource });
    for (const screen of ['members', 'report', 'quality', 'risk']) {
      await showScreen(page, screen);
      const failing = await page.evaluate(async () => {
        const result = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      });
      assert.deepEqual(failing, [], screen);
    }
  } finally {
    await context.close().catch(() => {});
  }
});
