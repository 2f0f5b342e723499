// 活动管理 in the staff console at 1366×768, on both backends (the offline
// demo playing the server, and the reference backend on PostgreSQL):
//   - a new campaign paying cash (G1) is refused: the validator's guard and
//     Chinese reason next to the reward's type, nothing saved; made a voucher
//     it saves as a draft;
//   - the dry run of the demo's fission campaign over every patient: the
//     numbers on screen equal the core's evaluateEligibilityBatch over the
//     same patients (the offline demo's synthetic hospital, or PostgreSQL's);
//   - editing the running campaign in the patients' favour schedules a new
//     version from tomorrow (the running one stays); an edit against them is
//     shown as G13 and not saved;
//   - bad input gets a clear error and nothing is half-applied: a number that
//     is not one, a new version dated today (refused by the backend: the
//     versions are unchanged).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { chromium } from 'playwright-core';

import { desktopPage as desk, openStaff } from './console-desk.mjs';
import { REPO, twoBackendSuite } from './harness.mjs';

const SHOTS = join(REPO, 'test-output', 'screenshots');
const STEP_TIMEOUT = 60_000;
const TEST_TIMEOUT = 300_000;
const suite = twoBackendSuite({ chromium, shots: SHOTS });
const desktopPage = (problems, label) => desk(suite, { problems, label, stepTimeout: STEP_TIMEOUT });

/** The numbers of a dd (e.g. "1,585人" → 1585). */
const number = async (page, selector) => Number((await page.textContent(selector)).replace(/[^\d]/g, ''));

/** Every patient's facts in the reference backend's PostgreSQL, as the core's batch reads them. */
async function batchFromDb(pool) {
  const q = async (sql) => (await pool.query(sql)).rows;
  const patients = await q('SELECT id, is_staff, is_community_member FROM patients ORDER BY id');
  const cases = new Map(patients.map((p) => [p.id, { patient: { id: p.id, isStaff: p.is_staff, isCommunityMember: p.is_community_member }, referrals: [], milestones: [], issued: [] }]));
  for (const r of await q('SELECT * FROM referrals ORDER BY id')) {
    const facts = {
      id: r.id, referrerId: r.referrer_id, refereeId: r.referee_id, level: 1, channel: r.channel,
      refereeIsNewPatient: r.referee_is_new_patient, refereeIsInpatient: r.referee_is_inpatient, referrerIsMember: r.referrer_is_member,
      registrationConfirmedAtMs: Number(r.registration_confirmed_at_ms), arrivalConfirmedAtMs: Number(r.arrival_confirmed_at_ms),
      conversionConfirmedAtMs: Number(r.conversion_confirmed_at_ms), admissionConfirmedAtMs: Number(r.admission_confirmed_at_ms),
      dischargeConfirmedAtMs: Number(r.discharge_confirmed_at_ms), complaintAtMs: Number(r.complaint_at_ms),
    };
    cases.get(r.referrer_id)?.referrals.push(facts);
    if (r.referee_id !== r.referrer_id) cases.get(r.referee_id)?.referrals.push(facts);
  }
  for (const r of await q('SELECT patient_id, grant_key, campaign_id, title, status, issued_at_ms, used_at_ms FROM issued_rewards ORDER BY patient_id, grant_key')) {
    cases.get(r.patient_id)?.issued.push({ grantKey: r.grant_key, campaignId: r.campaign_id, title: r.title, status: r.status, issuedAtMs: Number(r.issued_at_ms), ...(r.used_at_ms ? { usedAtMs: Number(r.used_at_ms) } : {}) });
  }
  for (const r of await q('SELECT patient_id, key, rule_id FROM granted_milestones ORDER BY patient_id, key')) cases.get(r.patient_id)?.milestones.push({ key: r.key, ruleId: r.rule_id });
  return {
    campaigns: (await q('SELECT config FROM campaigns ORDER BY position')).map((r) => r.config),
    counters: (await q('SELECT campaign_id, grants, spent_fen FROM campaign_counters ORDER BY campaign_id')).map((r) => ({ campaignId: r.campaign_id, grants: Number(r.grants), spentFen: Number(r.spent_fen) })),
    pools: (await q('SELECT campaign_id, pool_id, month, used FROM quota_counters ORDER BY 1, 2, 3')).map((r) => ({ campaignId: r.campaign_id, poolId: r.pool_id, month: r.month, used: Number(r.used) })),
    patients: [...cases.values()],
  };
}

const BACKENDS = {
  offline: () => suite.stack.staticServer.url,
  http: () => `${suite.stack.base}?backend=http`,
};

for (const [name, url] of Object.entries(BACKENDS)) {
  test(`${name}: 活动管理 — G1 refused with its reason, the dry run equals the core's batch, a running campaign's edit is scheduled, bad input changes nothing`, { timeout: TEST_TIMEOUT }, async () => {
    const problems = [];
    const { context, page } = await desktopPage(problems, name);
    try {
      await openStaff(page, url(), 'operations', 'campaigns');
      assert.equal(await page.getAttribute('a[data-staff-tab="campaigns"]', 'aria-current'), 'page');
      assert.equal(await page.textContent('[data-staff-nav-group="operations"] .staff-nav__title'), '运营');
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal overflow at 1366 px (${overflow})`);

      // 1. G1: a cash reward is refused next to the field, with its guard and reason; nothing saved.
      await page.click('#campaign-new');
      await page.fill('[data-name="id"]', 'cash-back');
      await page.fill('[data-name="title"]', '推荐返现');
      await page.fill('[data-name="description"]', '推荐朋友建档，返现100元（演示）。');
      const typeSelect = '[data-path="/referrerRewards/0"] [data-key="type"]';
      await page.selectOption(typeSelect, 'cash');
      await page.fill('[data-path="/referrerRewards/0"] [data-key="title"]', '现金100元');
      await page.fill('[data-path="/referrerRewards/0"] [data-key="valueYuan"]', '100');
      await page.fill('[data-path="/refereeRewards/0"] [data-key="title"]', '100元体检券');
      await page.fill('[data-path="/refereeRewards/0"] [data-key="valueYuan"]', '100');
      const g1 = '.cfield[data-path="/referrerRewards/0/type"] .cfield__error-line[data-code="campaign.cash_reward_forbidden"]';
      await page.waitForSelector(g1);
      const g1Text = await page.textContent(g1);
      assert.match(g1Text, /^G1 · 活动不能发放现金奖励：/, g1Text);
      assert.match(g1Text, /现金/);
      assert.ok(await page.isVisible('#campaign-violations li[data-guard="G1"]'));
      await page.click('#campaign-save');
      await page.waitForSelector('#campaign-error:not([hidden])');
      await page.screenshot({ path: join(SHOTS, `console-campaigns-${name}-g1.png`), fullPage: false });
      assert.equal(await page.locator('#campaign-table tr[data-campaign-id="cash-back"]').count(), 0, 'not saved');
      // Made a voucher, it saves as a draft.
      await page.selectOption(typeSelect, 'voucher');
      await page.waitForSelector('#campaign-violations', { state: 'hidden' });
      await page.click('#campaign-save');
      await page.waitForSelector('#campaign-form[data-outcome="draftCreated"]');
      await page.waitForSelector('#campaign-table tr[data-campaign-id="cash-back"] .campaigns-state--draft');

      // 2. The dry run of the running fission campaign equals the core's batch over the same patients.
      await page.click('#campaign-table tr[data-campaign-id="fission-exam"] .campaigns-link');
      await page.waitForSelector('#campaign-frozen');
      await page.click('#campaign-dryrun-start');
      await page.waitForSelector('#campaign-dryrun[data-state="ready"]', { timeout: 120_000 });
      const shown = {
        patients: await number(page, '#dryrun-patients'),
        eligible: await number(page, '#dryrun-eligible'),
        pending: await number(page, '#dryrun-pending'),
        rows: await page.locator('#dryrun-rows tbody tr').count(),
      };
      let expected;
      if (name === 'offline') {
        expected = await page.evaluate(async () => {
          const { loadCore } = await import('/core.js');
          const core = await loadCore();
          const { demoHospitalPatients } = await import('/backend/offline-campaigns.js');
          const { campaigns } = await (await fetch('/demo/campaigns.json')).json();
          const patients = demoHospitalPatients(Date.now()).map(({ patient, referrals }) => ({ patient, referrals }));
          const batch = core.call('evaluateEligibilityBatch', { nowMs: Date.now(), campaigns, patients });
          return { ok: batch.ok, results: batch.value?.results, count: patients.length };
        });
      } else {
        const facts = await batchFromDb(suite.stack.pool);
        const { serverTimeMs } = (await suite.stack.api('GET', '/now')).body;
        expected = await page.evaluate(
          async ({ request, count }) => {
            const { loadCore } = await import('/core.js');
            const batch = await (await loadCore()).callAsync('evaluateEligibilityBatch', request);
            return { ok: batch.ok, results: batch.value?.results, count };
          },
          { request: { nowMs: serverTimeMs, ...facts }, count: facts.patients.length },
        );
      }
      assert.equal(expected.ok, true);
      assert.deepEqual(
        { patients: shown.patients, eligible: shown.eligible, pending: shown.pending },
        {
          patients: expected.count,
          eligible: expected.results.filter((r) => r.eligible.includes('fission-exam')).length,
          pending: expected.results.filter((r) => r.pending.includes('fission-exam')).length,
        },
        'the dry run on screen = the core’s batch evaluation',
      );
      assert.ok(shown.eligible + shown.pending > 0, 'somebody would receive something');
      assert.ok(shown.rows > 0 && shown.rows <= 200, 'the first page of rows');
      await page.locator('#campaign-dryrun').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, `console-campaigns-${name}-dryrun.png`), fullPage: false });

      // 3. Bad input: a number that is not one is named at its field; nothing is sent.
      const before = await page.evaluate(async () => document.querySelector('#campaign-table tbody').textContent);
      await page.fill('[data-name="perPersonLimit"]', '1.5');
      await page.waitForSelector('.cfield[data-path="/perPersonLimit"] .cfield__error:not([hidden])');
      assert.match(await page.textContent('.cfield[data-path="/perPersonLimit"] .cfield__error'), /请填写整数/);
      await page.fill('[data-name="perPersonLimit"]', '10');

      // 4. Against the patients (a smaller voucher): G13, not saved.
      const value = '[data-path="/referrerRewards/0"] [data-key="valueYuan"]';
      await page.fill(value, '80');
      const g13 = '#campaign-violations li[data-guard="G13"]';
      await page.waitForSelector(g13);
      assert.match(await page.textContent(g13), /G13/);
      await page.click('#campaign-save');
      await page.waitForSelector('#campaign-error:not([hidden])');

      // A new version dated today: the backend refuses it; the versions are unchanged.
      await page.fill(value, '120');
      await page.fill('[data-path="/referrerRewards/0"] [data-key="title"]', '120元体检券');
      await page.waitForSelector('#campaign-violations', { state: 'hidden' });
      const today = await page.evaluate(() => new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10));
      const serverToday = name === 'http' ? new Date((await suite.stack.api('GET', '/now')).body.serverTimeMs + 8 * 3_600_000).toISOString().slice(0, 10) : today;
      await page.fill('[data-name="effectiveFrom"]', serverToday);
      await page.click('#campaign-save');
      await page.waitForSelector('#campaign-form[data-outcome="refused"]');
      assert.match(await page.textContent('#campaign-error'), /明天/);
      assert.equal(await page.evaluate(async () => document.querySelector('#campaign-table tbody').textContent), before, 'nothing half-applied');

      // 5. In the patients' favour, from tomorrow: a new version is scheduled; the running one stays.
      const tomorrow = new Date(Date.parse(`${serverToday}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      await page.fill('[data-name="effectiveFrom"]', tomorrow);
      await page.fill('[data-name="description"]', '您推荐的朋友经医院确认建档为新患者后，您得一张120元体检券，朋友得一张100元体检券（演示）。');
      await page.click('#campaign-save');
      await page.waitForSelector('#campaign-form[data-outcome="scheduled"]');
      const [y, m, d] = tomorrow.split('-').map(Number);
      assert.match(await page.textContent('#campaign-result'), new RegExp(`新版本已排期：${y}年${m}月${d}日起生效`));
      const row = '#campaign-table tr[data-campaign-id="fission-exam"]';
      assert.match(await page.textContent(row), /进行中/);
      assert.match(await page.textContent(row), new RegExp(`新版本${y}年${m}月${d}日生效`));
      assert.match(await page.textContent(row), /v1/, 'the running version is still version 1');
      await page.screenshot({ path: join(SHOTS, `console-campaigns-${name}-scheduled.png`), fullPage: false });

      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
}
