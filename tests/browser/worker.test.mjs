// The same core.mjs that Node and the page load also runs in a module Worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { CHROMIUM, FLAGS } from './harness.mjs';
import { startServer } from '../../scripts/serve.mjs';

let server;
let context;
let profile;

before(async () => {
  server = await startServer({ port: 0 });
  profile = mkdtempSync(join(tmpdir(), 'cc-worker-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 375, height: 667 },
  });
});

after(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('core.mjs runs in a module worker under the page CSP', async () => {
  const page = await context.newPage();
  const violations = [];
  page.on('console', (m) => { if (m.type() === 'error') violations.push(m.text()); });
  await page.goto(server.url);  // the app's origin and CSP headers
  const reply = await page.evaluate(async () => {
    const worker = new Worker('/core-worker.js', { type: 'module' });
    const ask = (id, name, request) => new Promise((resolve) => {
      worker.addEventListener('message', function onMessage(event) {
        if (event.data.id !== id) return;
        worker.removeEventListener('message', onMessage);
        resolve(event.data);
      });
      worker.postMessage({ id, name, request });
    });
    const now = Date.UTC(2026, 10, 23, 4);
    const good = await ask(1, 'evaluateStreak', { nowMs: now, patientId: 'p', checkIns: [
      { id: 'a', patientId: 'p', atMs: now - 86400000 }, { id: 'b', patientId: 'p', atMs: now }] });
    const bad = await ask(2, 'evaluateStreak', '{');
    const unknown = await ask(3, 'deleteEverything', {});
    worker.terminate();
    return { good, bad, unknown };
  });
  assert.equal(JSON.parse(reply.good.reply).value.current, 2);
  assert.equal(JSON.parse(reply.bad.reply).error.code, 'input.bad_json');
  assert.match(reply.unknown.error, /unknown export/);
  assert.deepEqual(violations, []);
});
