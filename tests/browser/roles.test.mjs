// Who sees the staff workbench (工作台), the same checks against both backends:
//
//   offline  `/` — the offline demo playing the server: its own demo staff
//            accounts per role (web/backend/offline.js signInStaff);
//   http     `/?backend=http` — scripts/backend/server.mjs (demo mode) as a
//            child process on a private PostgreSQL: POST /demo/sessions with
//            a staff role, the server's policy and audit log.
//
// On a 375×667 @2x touch phone (real headless Chromium):
//   1. A patient's screens (打卡, 券包, 推荐, 我的) never show 工作台 nor a link to #staff.
//   2. #staff asks a staff member to sign in (演示账号, one button per role);
//      each role then sees exactly its own tabs (from the session's reply),
//      labelled 演示账号 · <role>; a screen of another role falls back to the
//      role's first one; 退出登录 returns to the sign-in.
//   3. The auditor's 审计日志 lists the staff actions just made (the nurse's
//      look at the forest), each labelled 演示.
// No console error (refusals aside), page error or CSP violation.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { PHONE, REPO, recordCspViolations, signInStaff, twoBackendSuite } from './harness.mjs';

import { ROLES } from '../../scripts/backend/auth/policy.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 30_000;
const TEST_TIMEOUT = 240_000;
const CONTEXT = { ...PHONE, serviceWorkers: /** @type {'block'} */ ('block') };
const STAFF = Object.entries(ROLES).filter(([, r]) => r.staff);

const suite = twoBackendSuite({ chromium, shots: SHOTS });

const BACKENDS = {
  offline: () => suite.stack.staticServer.url,
  http: () => `${suite.stack.base}?backend=http`,
};

async function newPage(problems) {
  const context = await suite.browser.newContext(CONTEXT);
  await recordCspViolations(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) return;
    problems.push(`console: ${msg.text()}`);
  });
  return { context, page };
}

async function openApp(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(`the app shows its error screen: ${await page.textContent('#load-error-detail')}`);
}

const visibleTabs = (page) =>
  page.$$eval('[data-staff-tab]', (tabs) => tabs.filter((t) => !t.hidden && t.offsetParent !== null).map((t) => t.dataset.staffTab));

for (const [name, url] of Object.entries(BACKENDS)) {
  test(`${name}: a patient never sees 工作台`, { timeout: TEST_TIMEOUT }, async () => {
    const problems = [];
    const { context, page } = await newPage(problems);
    try {
      await openApp(page, url());
      for (const tab of ['checkin', 'wallet', 'referral', 'settings']) {
        await page.evaluate((h) => {
          location.hash = `#${h}`;
        }, tab);
        await page.waitForSelector(`#view-${tab}:not([hidden])`);
        const shown = await page.evaluate(() => {
          const visible = (el) => el.offsetParent !== null && getComputedStyle(el).visibility !== 'hidden';
          return {
            text: [...document.querySelectorAll('body *')].some((el) => visible(el) && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.includes('工作台'))),
            links: [...document.querySelectorAll('a[href^="#staff"]')].filter(visible).length,
          };
        });
        assert.deepEqual(shown, { text: false, links: 0 }, `${tab}: 工作台 is not on a patient's screen`);
      }
      await page.screenshot({ path: join(SHOTS, `roles-${name}-patient.png`) });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test(`${name}: each staff role signs in and sees only its screens; the auditor reads the log`, { timeout: TEST_TIMEOUT }, async () => {
    const problems = [];
    const { context, page } = await newPage(problems);
    try {
      await page.goto(`${url()}#staff`, { waitUntil: 'load' });
      await page.waitForSelector('body[data-staff="signin"]');
      assert.deepEqual(await visibleTabs(page), [], 'no tab before sign-in');
      assert.match(await page.textContent('#staff-signin-note'), /演示账号/);
      const buttons = await page.$$eval('#staff-signin-roles [data-staff-role]', (bs) => bs.map((b) => [b.dataset.staffRole, b.textContent]));
      assert.deepEqual(buttons, STAFF.map(([role, r]) => [role, `演示${r.label}`]));
      await page.screenshot({ path: join(SHOTS, `roles-${name}-signin.png`) });

      for (const [role, r] of STAFF) {
        await signInStaff(page, role);
        assert.deepEqual((await visibleTabs(page)).sort(), [...r.screens].sort(), `${role}: its screens only`);
        assert.equal(await page.textContent('#staff-account-label'), `演示账号 · ${r.label}`);
        const first = r.screens[0];
        await page.waitForSelector(`[data-staff-view="${first}"]:not([hidden])`);
        // A screen of another role: the role's first one instead.
        const other = ['moderation', 'report', 'forest', 'audit'].find((s) => !r.screens.includes(s));
        await page.evaluate((h) => {
          location.hash = `#staff/${h}`;
        }, other);
        await page.waitForSelector(`[data-staff-view="${first}"]:not([hidden])`);
        assert.equal(await page.isVisible(`[data-staff-view="${other}"]`), false, `${role} does not see ${other}`);
        if (role === 'nurse') await page.waitForSelector('#staff-forest[data-state="ready"]', { timeout: 90_000 });
        if (role === 'auditor') {
          await page.waitForSelector('#staff-audit[data-state="ready"]');
          const entries = await page.$$eval('#audit-list > li', (lis) => lis.map((li) => li.textContent));
          assert.ok(entries.some((t) => t.startsWith('护士：查看推荐森林 · 成功')), entries.join('\n'));
          assert.ok(entries.every((t) => t.includes('演示')), 'demo sessions are labelled in the log');
          await page.screenshot({ path: join(SHOTS, `roles-${name}-auditor.png`) });
        }
        if (role === 'service') await page.screenshot({ path: join(SHOTS, `roles-${name}-service.png`) });
      }
      await page.click('#staff-signout');
      await page.waitForSelector('body[data-staff="signin"]');
      assert.deepEqual(await visibleTabs(page), []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}
