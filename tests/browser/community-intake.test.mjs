// The drug-advice bot on the workbench, on both backends, at 1366×768: the
// nurse makes a synthetic group message arrive (the demo's channel double),
// the bot's verdict and what it sent to the author are shown, the review item
// appears in 内容审核 with the core's spans highlighted, and closing it takes
// it out of the queue; a question to the doctor outside the Q&A slot gets
// the templated reply; the slot shows the core's words for the next one.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { recordCspViolations, REPO, signInStaff, twoBackendSuite } from './harness.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const TEST_TIMEOUT = 180_000;
const suite = twoBackendSuite({ chromium, shots: SHOTS });

const backends = [
  { name: 'offline', url: () => suite.stack.staticServer.url },
  { name: 'http', url: () => `${suite.stack.base}?backend=http` },
];

for (const backend of backends) {
  test(`${backend.name}: a drug-advice group message → author notice sent, review item with highlighted spans; @doctor outside the slot → templated reply`, { timeout: TEST_TIMEOUT }, async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', serviceWorkers: 'block' });
    await recordCspViolations(context);
    const problems = [];
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      await page.goto(`${backend.url()}#staff/moderation`, { waitUntil: 'load' });
      await signInStaff(page, 'nurse');
      await page.goto(`${backend.url()}#staff/moderation`);
      await page.waitForSelector('#mod-groups:not([hidden]) #mod-sim:not([hidden])');
      // A slot far from now: outside it.
      await page.waitForSelector('#mod-slots-list li[data-group-id="demo-room-thyroid"]');

      const advice = '王阿姨，优甲乐一天两片就够了，你照着吃';
      await page.selectOption('#mod-sim-group', 'demo-room-thyroid');
      await page.fill('#mod-sim-text', advice);
      await page.click('#mod-sim-send');
      await page.waitForSelector('#mod-sim-outcome[data-verdict="block"]');
      const outcome = await page.textContent('#mod-sim-outcome');
      assert.match(outcome, /私下提醒作者：您的内容暂未发布。/);
      const item = page.locator('#mod-groups-list li[data-verdict="block"]', { hasText: '优甲乐' }).first();
      await item.waitFor();
      const marked = await item.locator('mark').allTextContents();
      assert.ok(marked.some((t) => t.startsWith('优甲乐一天两片')), `the core's span is highlighted: ${JSON.stringify(marked)}`);
      assert.match(await item.textContent(), /已私下提醒作者/);
      await page.screenshot({ path: join(SHOTS, `intake-${backend.name}-queue.png`) });

      // A question to the doctor, outside the slot (unless the slot happens to be on now).
      const groupText = await page.textContent('#mod-slots-list li[data-group-id="demo-room-thyroid"]');
      await page.fill('#mod-sim-text', '@周医生 我这两天脖子有点紧，正常吗？');
      await page.click('#mod-sim-send');
      await page.waitForSelector('#mod-sim-outcome[data-verdict="pass"]');
      const answer = await page.textContent('#mod-sim-outcome');
      if (groupText.includes('答疑进行中')) assert.match(answer, /没有发送任何消息/);
      else assert.match(answer, /群内回复提问者：您的情况已记录，医生将在.+统一回复/);

      // Everyday talk: nothing sent, no review item.
      const before = await page.locator('#mod-groups-list li').count();
      await page.fill('#mod-sim-text', '今天的颈部操做完了，大家早安');
      await page.click('#mod-sim-send');
      await page.waitForFunction(() => /没有发送任何消息/.test(document.getElementById('mod-sim-outcome').textContent) && document.getElementById('mod-sim-outcome').dataset.verdict === 'pass');
      assert.equal(await page.locator('#mod-groups-list li').count(), before);

      // The nurse closes the item: it leaves the queue.
      await item.locator('button[data-outcome="removed"]').click();
      await item.waitFor({ state: 'detached' });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}
