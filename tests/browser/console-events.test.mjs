// The hospital desk of the staff console at 1366×768, on both backends
// (harness.mjs twoBackendSuite; the offline demo plays the server):
//   - 医院事件: a day's CSV of 1,000 events, 30 of them bad, uploaded on the
//     screen → 970 applied, the 30 listed row by row with their reasons; the
//     same file again applies nothing; one step recorded by hand, once;
//   - 失败挽回: the list holds exactly the lapsed referrals (checked against
//     the hospital's own data: no visit, no complaint, 48 h since the last
//     step), with the held offer's end; a call's outcome is recorded;
//   - 休息日审批: a doctor approves a missed day and the patient's streak
//     (the core's) goes up; the doctor sees no CSV import (its policy does
//     not allow it) but the reason, and sets a group's Q&A slot (群答疑时段).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { desktopPage as desk, openStaff, showScreen } from './console-desk.mjs';
import { REPO, twoBackendSuite } from './harness.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 60_000;
const TEST_TIMEOUT = 300_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const suite = twoBackendSuite({ chromium, shots: SHOTS });
const problems = [];
const desktopPage = (label) => desk(suite, { problems, label, stepTimeout: STEP_TIMEOUT });

/** Beijing wall clock, as a hospital export writes it. */
const beijing = (ms) => new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace('T', ' ');

/** 1,000 rows (two steps each of 485 patients, and 30 bad rows of six kinds) and the bad rows' lines and codes. */
function dayCsv(patients, nowMs) {
  const lines = ['患者编号,事件,时间'];
  const bad = new Map();
  let good = 0;
  for (let i = 0; lines.length < 1001; i += 1) {
    if (i % 33 === 5 && bad.size < 30) {
      const kind = bad.size % 6;
      const p = patients[0];
      const row = [
        ['nobody-here', '到院', beijing(nowMs - HOUR), 'referral.unknown'],
        [p, '挂号费', beijing(nowMs - HOUR), 'event.unknown_step'],
        [p, '到院', '下周二', 'event.bad_time'],
        [p, '到院', beijing(nowMs + 2 * DAY), 'event.future_time'],
        [p, '到院', beijing(nowMs - 9 * DAY), 'referral.event_too_old'],
        ['', '到院', beijing(nowMs - HOUR), 'event.missing_patient'],
      ][kind];
      bad.set(lines.length + 1, row[3]);
      lines.push(row.slice(0, 3).join(','));
      continue;
    }
    const patient = patients[Math.floor(good / 2)];
    lines.push(`${patient},${good % 2 === 0 ? '建档' : '到院'},${beijing(nowMs - 20 * HOUR + (good % 2) * HOUR)}`);
    good += 1;
  }
  assert.equal(good, 970);
  return { text: `\uFEFF${lines.join('\r\n')}\r\n`, bad };
}

async function importCsv(page, text) {
  await page.evaluate(() => {
    const r = document.getElementById('events-import-result');
    r.hidden = true;
    r.replaceChildren();
  });
  await page.setInputFiles('#events-file', { name: '医院事件-今天.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  await page.click('#events-import-submit');
  await page.waitForSelector('#events-import-summary');
  return page.evaluate(() => ({
    applied: Number(document.getElementById('events-applied').textContent),
    unchanged: Number(document.getElementById('events-unchanged').textContent),
    refused: Number(document.getElementById('events-refused').textContent),
    rows: [...document.querySelectorAll('#events-refused-table tbody tr')].map((tr) => ({
      line: Number(tr.dataset.line),
      reason: tr.lastElementChild.textContent,
    })),
  }));
}

/** The lapsed referrals by the hospital's own data: no visit, no complaint, 48 h since the last step. */
function lapsedOracle(rows, nowMs) {
  return rows
    .filter((r) => !r.conversion && !r.complaint && Math.max(r.invited, r.registration, r.arrival) + 48 * HOUR <= nowMs)
    .map((r) => r.id)
    .sort();
}

const backends = [
  {
    name: 'offline',
    url: () => suite.stack.staticServer.url,
    // The demo desk's own synthetic friends, with nothing confirmed yet.
    async patients() {
      return Array.from({ length: 485 }, (_, k) => `demo-desk-p-${String(k + 18).padStart(3, '0')}`);
    },
    /** The demo patient did not check in yesterday (the demo's device store). */
    async forgetYesterday(page, from, to) {
      await page.evaluate(
        ([start, end]) =>
          new Promise((resolve, reject) => {
            const open = indexedDB.open('carecircle-demo');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const tx = open.result.transaction('checkIns', 'readwrite');
              const store = tx.objectStore('checkIns');
              const all = store.getAll();
              all.onsuccess = () => {
                for (const c of all.result) if (c.atMs >= start && c.atMs < end) store.delete(c.id);
              };
              tx.oncomplete = () => {
                open.result.close();
                resolve();
              };
              tx.onerror = () => reject(tx.error);
            };
          }),
        [from, to],
      );
    },
    async facts(page) {
      return page.evaluate(
        () =>
          new Promise((resolve, reject) => {
            const open = indexedDB.open('carecircle-demo-desk');
            open.onerror = () => reject(open.error);
            open.onsuccess = () => {
              const get = open.result.transaction('kv').objectStore('kv').get('hospital');
              get.onsuccess = () => {
                open.result.close();
                resolve(
                  get.result.value.referrals.map((r) => ({
                    id: r.id,
                    invited: r.invitedAtMs,
                    registration: r.events.registrationConfirmed ?? 0,
                    arrival: r.events.arrivalConfirmed ?? 0,
                    conversion: r.events.conversionConfirmed ?? 0,
                    complaint: r.events.complaint ?? 0,
                  })),
                );
              };
            };
          }),
      );
    },
  },
  {
    name: 'http',
    url: () => `${suite.stack.base}?backend=http`,
    async patients() {
      const { pool } = suite.stack;
      const nowMs = Date.now();
      await pool.query(
        `INSERT INTO patients (id, name, display_name, demo, referral_code)
         SELECT 'br-p-' || i, '测试' || i, '测*', true, 'B' || lpad(i::text, 12, '0') FROM generate_series(0, 485) AS i`,
      );
      await pool.query(
        `INSERT INTO referrals (id, referrer_id, referee_id, channel, referee_is_new_patient, referrer_is_member, invited_at_ms)
         SELECT 'br-r-' || i, 'br-p-0', 'br-p-' || i, 'code', true, true, $1 FROM generate_series(1, 485) AS i`,
        [nowMs - 30 * HOUR],
      );
      return Array.from({ length: 485 }, (_, k) => `br-p-${k + 1}`);
    },
    async forgetYesterday(page, from, to) {
      await suite.stack.pool.query("DELETE FROM check_ins WHERE patient_id = 'demo-patient-0001' AND at_ms >= $1 AND at_ms < $2", [from, to]);
    },
    async facts() {
      const { rows } = await suite.stack.pool.query(
        `SELECT id, invited_at_ms AS invited, registration_confirmed_at_ms AS registration, arrival_confirmed_at_ms AS arrival,
                conversion_confirmed_at_ms AS conversion, complaint_at_ms AS complaint FROM referrals`,
      );
      return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'id' ? v : Number(v)])));
    },
  },
];

for (const backend of backends) {
  test(`${backend.name}: a day's CSV of 1,000 events (30 bad) → 970 applied, 30 listed with reasons; again → nothing applied twice`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const { context, page } = await desktopPage(`${backend.name} nurse`);
    try {
      await openStaff(page, backend.url(), 'nurse', 'events');
      const patients = await backend.patients();
      const { text, bad } = dayCsv(patients, Date.now());
      const first = await importCsv(page, text);
      assert.equal(first.applied, 970);
      assert.equal(first.refused, 30);
      assert.equal(first.unchanged, 0);
      assert.deepEqual(first.rows.map((r) => r.line), [...bad.keys()], 'each bad row listed by its line');
      for (const r of first.rows) assert.match(r.reason, /[\u4e00-\u9fff]/, `a reason in Chinese: ${r.reason}`);
      assert.ok(first.rows.some((r) => /7天/.test(r.reason)) && first.rows.some((r) => /晚于现在/.test(r.reason)), 'too old and future times named as such');
      await page.screenshot({ path: join(SHOTS, `console-events-${backend.name}-import.png`) });
      const again = await importCsv(page, text);
      assert.deepEqual([again.applied, again.unchanged, again.refused], [0, 970, 30], 'nothing applied twice');
      // By hand: one step of one patient; the same step again is not recorded twice.
      const record = async () => {
        await page.evaluate(() => {
          document.getElementById('events-record-result').hidden = true;
        });
        await page.selectOption('#events-step', 'admissionConfirmed');
        await page.click('#events-submit');
        await page.waitForSelector('#events-record-result:not([hidden])');
        return page.textContent('#events-record-result');
      };
      assert.match(await record(), /^已记录：入院/);
      assert.match(await record(), /此前已记录入院/);
      const facts = await backend.facts(page);
      const applied = facts.filter((f) => patients.some((p) => f.id.endsWith(p.replace(/^.*-p-/, '-r-'))) && f.registration && f.arrival);
      assert.equal(applied.length, 485, 'both steps of every listed patient stored once');
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close().catch(() => {});
    }
  });

  test(`${backend.name}: the recovery list holds exactly the lapsed referrals; a call is recorded`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const { context, page } = await desktopPage(`${backend.name} service`);
    try {
      await openStaff(page, backend.url(), 'service', 'recovery');
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll('#recovery-table tbody tr')].map((tr) => ({ id: tr.dataset.recordId, held: tr.querySelector('[data-held-until]').dataset.heldUntil })),
      );
      const expected = lapsedOracle(await backend.facts(page), Date.now());
      assert.ok(expected.length > 0, 'the demo hospital has lapsed referrals');
      assert.deepEqual(shown.map((s) => s.id).sort(), expected);
      for (const s of shown) assert.match(s.held, /^\d{4}-\d{2}-\d{2}$/);
      const first = shown[0].id;
      const row = `#recovery-table tbody tr[data-record-id="${first}"]`;
      await page.selectOption(`${row} select`, 'willVisit');
      await page.fill(`${row} input`, '下周一上午来院');
      await page.click(`${row} button`);
      await page.waitForFunction((sel) => /已联系，愿意就诊/.test(document.querySelector(`${sel} .recovery-last`)?.textContent ?? ''), row);
      assert.match(await page.textContent('#recovery-result'), /已记录/);
      await page.screenshot({ path: join(SHOTS, `console-events-${backend.name}-recovery.png`) });
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close().catch(() => {});
    }
  });

  test(`${backend.name}: a doctor approves a missed day as a rest day and the patient's streak goes up`, { timeout: TEST_TIMEOUT }, async () => {
    problems.length = 0;
    const { context, page } = await desktopPage(`${backend.name} doctor`);
    try {
      await page.goto(backend.url(), { waitUntil: 'load' });
      await page.waitForSelector('body[data-ready="true"]');
      // Yesterday (Beijing) without a check-in: the month's freeze is spent on
      // the demo's earlier gap, so the core counts a missed day this week.
      const todayStart = Date.parse(`${new Date(Date.now() + 8 * HOUR).toISOString().slice(0, 10)}T00:00:00+08:00`);
      await backend.forgetYesterday(page, todayStart - DAY, todayStart);
      await openStaff(page, backend.url(), 'doctor', 'restdays');
      await page.fill('#rest-patient', 'demo-patient-0001');
      await page.click('#rest-find button[type="submit"]');
      await page.waitForSelector('#rest-streak[data-current]');
      const before = Number(await page.getAttribute('#rest-streak', 'data-current'));
      const missed = await page.evaluate(() => [...document.querySelectorAll('#rest-missed [data-rest-day]')].map((b) => b.dataset.restDay));
      assert.ok(missed.length > 0, 'the demo patient missed a day this week');
      await page.fill('#rest-reason', '术后复查');
      await page.evaluate(() => {
        document.getElementById('rest-result').hidden = true;
      });
      await page.click(`#rest-missed [data-rest-day="${missed.at(-1)}"]`);
      await page.waitForSelector('#rest-result:not([hidden])');
      assert.equal(await page.getAttribute('#rest-result', 'data-state'), 'ok', await page.textContent('#rest-result'));
      await page.waitForFunction((b) => Number(document.getElementById('rest-streak').dataset.current) > b, before);
      const after = Number(await page.getAttribute('#rest-streak', 'data-current'));
      assert.ok(after > before, `the streak keeps over the rest day (${before} → ${after})`);
      assert.ok(await page.isVisible(`#rest-table td:text("${missed.at(-1)}")`), 'listed among the approved days');
      await page.screenshot({ path: join(SHOTS, `console-events-${backend.name}-restdays.png`) });
      // The doctor records events by hand but may not import a CSV: the form is not there, the reason is.
      await showScreen(page, 'events');
      assert.equal(await page.isVisible('#events-import'), false, 'no import form for the doctor');
      assert.equal(await page.isVisible('#events-record'), true);
      assert.match(await page.textContent('#events-import-denied'), /^医生岗位不能导入.*护士.*运营/);
      // The doctor owns the groups' Q&A slots: sets one and the core's answer shows it.
      await showScreen(page, 'qa-slots');
      const group = '#qa-slots-list li[data-group-id="demo-room-thyroid"]';
      await page.selectOption(`${group} select >> nth=0`, '5');
      await page.selectOption(`${group} select[data-field="start"]`, '19:00');
      await page.click(`${group} button[type="submit"]`);
      await page.waitForFunction((sel) => /周五 19:00–20:00/.test(document.querySelector(`${sel} .mod-slots__now`)?.textContent ?? ''), group);
      await page.screenshot({ path: join(SHOTS, `console-events-${backend.name}-qa-slots.png`) });
      assert.deepEqual(problems, [], 'no console error, page error or CSP violation');
    } finally {
      await context.close().catch(() => {});
    }
  });
}
