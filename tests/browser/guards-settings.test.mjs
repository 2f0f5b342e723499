// 设置 keeps the promises of its consent texts (G9, docs/compliance.md) on the
// offline demo in headless Chromium at phone size:
//   - withdrawing 康复数据用于随访 shows the button that deletes what the
//     hospital stored; its sheet names what is deleted; confirmed, the
//     stored check-ins are gone and the toast says how many;
//   - withdrawing 加入病种社群 makes 病友故事 say why it cannot be read.
// Screenshot: test-output/screenshots/guards-settings-delete-sheet.png.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { CHROMIUM, FLAGS, PHONE } from './harness.mjs';
import { startServer } from '../../scripts/serve.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 20_000;

let server;
let context;
let page;
let profileDir;

before(async () => {
  for (const file of ['core.mjs', 'core.wasm']) {
    assert.ok(existsSync(join(REPO, 'build', 'wasm', file)), `build/wasm/${file} is missing: run npm run build first`);
  }
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ port: 0 });
  profileDir = mkdtempSync(join(tmpdir(), 'carecircle-chrome-'));
  context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: FLAGS, ...PHONE });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT);
});

after(async () => {
  await context?.close().catch(() => {});
  if (server && !server.closed) await server.close();
  if (profileDir) rmSync(profileDir, { recursive: true, force: true });
});

async function openSettings() {
  await page.goto(`${server.url}#settings`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-settings="ready"]');
  await page.waitForFunction(() => !document.getElementById('consent-rehabData').disabled);
}

/** Grants, then withdraws one purpose (never answered, its switch starts off). */
async function withdraw(purpose) {
  if (!(await page.isChecked(`#consent-${purpose}`))) await setSwitch(purpose, true);
  await setSwitch(purpose, false);
}

/** Taps one purpose's row once so that its switch turns `on`, and waits for the answer to be stored. */
async function setSwitch(purpose, on) {
  await page.tap(`label[for="consent-${purpose}"] .set-item__title`);
  await page.waitForFunction(
    ([id, want]) => {
      const box = /** @type {HTMLInputElement} */ (document.getElementById(id));
      return box.checked === want && !box.disabled;
    },
    [`consent-${purpose}`, on],
  );
}

/** Check-ins in the demo's IndexedDB: [all, device-only]. */
function storedCheckIns() {
  return page.evaluate(
    () =>
      new Promise((resolvePromise, reject) => {
        const open = indexedDB.open('carecircle-demo');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('checkIns', 'readonly').objectStore('checkIns').getAll();
          get.onsuccess = () => {
            resolvePromise([get.result.length, get.result.filter((c) => c.deviceOnly).length]);
            open.result.close();
          };
        };
      }),
  );
}

test('设置: 康复数据 withdrawn offers deleting the stored check-ins, naming them; 社群 withdrawn closes 病友故事 with a reason', { timeout: 60_000 }, async () => {
  await openSettings();
  const button = page.locator('#delete-checkins-btn');
  assert.equal(await button.isVisible(), false, 'no delete button while the consent stands');
  assert.match(await page.textContent('#consent-rehabData-desc'), /撤回后医院不再保存您新的打卡/);

  await withdraw('rehabData');
  await button.waitFor({ state: 'visible' });
  const [before] = await storedCheckIns();
  assert.ok(before > 0, 'the demo has stored check-ins');
  await button.tap();
  await page.waitForSelector('#sheet:not([hidden])');
  assert.match(await page.textContent('#sheet-title'), /删除医院保存的打卡记录/);
  assert.match(await page.textContent('#sheet-body'), /全部康复打卡记录.*券和奖励不受影响/);
  await page.screenshot({ path: join(SHOTS, 'guards-settings-delete-sheet.png') });
  await page.tap('#sheet-confirm');
  await page.waitForFunction((n) => document.body.textContent.includes(`已删除${n}条打卡记录`), before);
  assert.deepEqual(await storedCheckIns(), [0, 0]);

  await withdraw('community');
  await page.goto(`${server.url}#stories`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.textContent.includes('退出病友社群互动'));
});
