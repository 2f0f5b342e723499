// What the staff console's browser tests share (console-*.test.mjs): the
// desktop page at 1366×768 in Beijing time with its page errors and console
// errors collected, and the way to a workbench screen as a signed-in role.
import assert from 'node:assert/strict';

import { recordCspViolations, signInStaff } from './harness.mjs';

/** The console's browser context: desktop-first, Chinese, Beijing time, no service worker. */
export const DESKTOP = Object.freeze({
  viewport: { width: 1366, height: 768 },
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  serviceWorkers: /** @type {'block'} */ ('block'),
});

/** A 4xx answer the page expects (a refusal it shows in words) is no problem. */
const EXPECTED_CONSOLE_ERROR = /Failed to load resource: the server responded with a status of 4\d\d/;

/**
 * A desktop page of the suite's browser (harness.mjs twoBackendSuite) whose
 * page errors and console errors are pushed to `problems`, labelled.
 * @param {{browser: import('playwright-core').Browser}} suite
 * @param {{problems: string[], label: string, stepTimeout: number, contextOptions?: object, fixedTimeMs?: number}} options
 */
export async function desktopPage(suite, { problems, label, stepTimeout, contextOptions = {}, fixedTimeMs }) {
  const context = await suite.browser.newContext({ ...DESKTOP, ...contextOptions });
  if (fixedTimeMs !== undefined) await context.clock.setFixedTime(fixedTimeMs);
  await recordCspViolations(context);
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeout);
  page.on('pageerror', (err) => problems.push(`${label} pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !EXPECTED_CONSOLE_ERROR.test(msg.text())) problems.push(`${label} console: ${msg.text()}`);
  });
  return { context, page };
}

/** Opens the shell's workbench at `url`, fails on its error screen, signs in as `role` and opens `screen` until it is ready. */
export async function openStaff(page, url, role, screen) {
  await page.goto(`${url}#staff`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready="true"], #load-error:not([hidden])');
  if (await page.isVisible('#load-error')) assert.fail(`the app shows its error screen: ${await page.textContent('#load-error-detail')}`);
  await signInStaff(page, role);
  await showScreen(page, screen);
}

/** Goes to a workbench screen of the signed-in staff member and waits until it is ready. */
export async function showScreen(page, screen) {
  await page.evaluate((s) => {
    location.hash = `#staff/${s}`;
  }, screen);
  await page.waitForSelector(`#staff-${screen}:not([hidden])[data-state="ready"]`);
}
