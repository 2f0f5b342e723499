// Eligibility benchmark: the same 5 rules over the same generated patients,
// CareCircle's core (wasm in Node; native via carecircle_cli) against
// json-logic-js and json-rules-engine, end to end from the same JSON text and
// on pre-parsed facts. Before timing anything, every contender's answers are
// compared with the core's for every patient: a ratio between engines that
// disagree would mean nothing.
//
// End to end, each side starts from the same patients' JSON text and ends with
// each patient's eligible campaigns as JS values:
//  - core: evaluateEligibilityBatch(text) per batch of 5,000 patients (the
//    text into the module, decoding, validation of the campaigns, the rules,
//    the reply's JSON text back to JS), then JSON.parse of the reply;
//  - json-logic-js: JSON.parse of each patient's text, toFacts() (the civil
//    days and the vesting test the rules need as flat facts), then the 5 rules.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import jsonLogic from 'json-logic-js';
import { Engine } from 'json-rules-engine';

const DAY = 86_400_000;
const OFFSET = 8 * 3_600_000;  // the programme's zone, UTC+8
const NOW = Date.UTC(2026, 10, 23, 4);  // 2026-11-23 12:00 in Beijing: the quota is open
const TODAY = Math.floor((NOW + OFFSET) / DAY);
const QUOTA_USED = 4;
const RULES = ['fission-referee', 'fission-referrer', 'scarce-quota', 'checkin-voucher', 'ambassador'];

export const campaigns = [
  { id: 'fission-referee', title: '老带新·朋友券', type: 'referralReward',
    refereeRewards: [{ id: 'exam', type: 'voucher', title: '100元体检券', valueFen: 10000 }] },
  { id: 'fission-referrer', title: '老带新·推荐人券', type: 'referralReward',
    referrerRewards: [{ id: 'exam', type: 'voucher', title: '100元体检券', valueFen: 10000 }] },
  { id: 'scarce-quota', title: '稀缺名额', type: 'monthlyQuota',
    pools: [{ id: 'half', size: 10, reward: { id: 'half', type: 'voucher', title: '体检半价券', valueFen: 30000 } }] },
  { id: 'checkin-voucher', title: '康复打卡', type: 'checkInMilestone',
    rewards: [{ id: 'v50', type: 'voucher', title: '50元复诊抵用券', valueFen: 5000 }] },
  { id: 'ambassador', title: '健康大使', type: 'referralTier',
    tiers: [{ id: 'bronze', title: '铜质健康大使', minReferrals: 1, rewards: [{ id: 'm', type: 'medal', title: '铜质勋章' }] }] },
];

// Deterministic generator (LCG): the same patients on every run.
export function generatePatients(n, seed = 20261123) {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const patients = [];
  for (let i = 0; i < n; i++) {
    const id = `p${i}`;
    const referrals = [];
    if (rand() < 0.5) {
      referrals.push({ id: `in${i}`, referrerId: `m${i}`, refereeId: id, level: 1, channel: 'code',
        refereeIsNewPatient: rand() < 0.8, referrerIsMember: rand() < 0.5,
        registrationConfirmedAtMs: rand() < 0.7 ? NOW - Math.floor(rand() * 200) * DAY - 3_600_000 : 0 });
    }
    const out = Math.floor(rand() * 4);
    for (let k = 0; k < out; k++) {
      const reg = rand() < 0.8 ? NOW - Math.floor(rand() * 300) * DAY - 7_200_000 : 0;
      referrals.push({ id: `out${i}_${k}`, referrerId: id, refereeId: `x${i}_${k}`, level: rand() < 0.1 ? 2 : 1,
        channel: 'code', refereeIsNewPatient: rand() < 0.85, referrerIsMember: true,
        registrationConfirmedAtMs: reg, complaintAtMs: reg && rand() < 0.05 ? reg + 10 * DAY : 0 });
    }
    const milestones = [];
    const blocks = Math.floor(rand() * 3);
    for (let b = 0; b < blocks; b++) milestones.push({ key: `revisit-voucher-50@2026-0${b + 1}-01`, ruleId: 'revisit-voucher-50' });
    patients.push({ patient: { id, isStaff: rand() < 0.02, isCommunityMember: rand() < 0.4 }, referrals, milestones });
  }
  return patients;
}

// The peers see flat facts in civil days: the conversion is part of their
// end-to-end time, as decoding is part of the core's.
function toFacts(p) {
  const day = (ms) => Math.floor((ms + OFFSET) / DAY);
  const asReferee = p.referrals.find((r) => r.refereeId === p.patient.id);
  const out = p.referrals.filter((r) => r.referrerId === p.patient.id).map((r) => ({
    level: r.level, isNew: r.refereeIsNewPatient, regDay: r.registrationConfirmedAtMs ? day(r.registrationConfirmedAtMs) : 0,
    complaintDay: r.complaintAtMs ? day(r.complaintAtMs) : 0 }));
  const vested = out.filter((r) => r.level === 1 && r.isNew && r.regDay > 0 && r.regDay + 90 <= TODAY &&
    !(r.complaintDay && r.complaintDay <= r.regDay + 90)).length;
  return { isStaff: p.patient.isStaff, hasReferee: !!asReferee, refLevel: asReferee?.level ?? 0,
    refNew: !!asReferee?.refereeIsNewPatient, refMember: !!asReferee?.referrerIsMember,
    refRegistered: !!asReferee?.registrationConfirmedAtMs, referrals: out, vested,
    milestones: p.milestones.length, today: TODAY, dayOfMonth: 23, quotaUsed: QUOTA_USED };
}

const vestedTest = { and: [{ '==': [{ var: 'level' }, 1] }, { var: 'isNew' }, { '>': [{ var: 'regDay' }, 0] },
  { '<=': [{ '+': [{ var: 'regDay' }, 90] }, TODAY] },
  { or: [{ '==': [{ var: 'complaintDay' }, 0] }, { '>': [{ var: 'complaintDay' }, { '+': [{ var: 'regDay' }, 90] }] }] }] };
const logicRules = {
  'fission-referee': { and: [{ '!': { var: 'isStaff' } }, { var: 'hasReferee' }, { '==': [{ var: 'refLevel' }, 1] },
    { var: 'refNew' }, { var: 'refRegistered' }] },
  'fission-referrer': { and: [{ '!': { var: 'isStaff' } }, { some: [{ var: 'referrals' }, vestedTest] }] },
  'scarce-quota': { and: [{ '!': { var: 'isStaff' } }, { var: 'hasReferee' }, { var: 'refMember' },
    { '==': [{ var: 'refLevel' }, 1] }, { var: 'refNew' }, { var: 'refRegistered' },
    { '>=': [{ var: 'dayOfMonth' }, 15] }, { '<': [{ var: 'quotaUsed' }, 10] }] },
  'checkin-voucher': { '>': [{ var: 'milestones' }, 0] },
  ambassador: { and: [{ '!': { var: 'isStaff' } }, { some: [{ var: 'referrals' }, vestedTest] }] },
};

function rulesEngine() {
  const engine = new Engine([], { allowUndefinedFacts: true });
  const notStaff = { fact: 'isStaff', operator: 'equal', value: false };
  const referee = [notStaff, { fact: 'hasReferee', operator: 'equal', value: true },
    { fact: 'refLevel', operator: 'equal', value: 1 }, { fact: 'refNew', operator: 'equal', value: true },
    { fact: 'refRegistered', operator: 'equal', value: true }];
  const add = (name, all) => engine.addRule({ conditions: { all }, event: { type: name } });
  add('fission-referee', referee);
  add('fission-referrer', [notStaff, { fact: 'vested', operator: 'greaterThanInclusive', value: 1 }]);
  add('scarce-quota', [...referee, { fact: 'refMember', operator: 'equal', value: true },
    { fact: 'dayOfMonth', operator: 'greaterThanInclusive', value: 15 },
    { fact: 'quotaUsed', operator: 'lessThan', value: 10 }]);
  add('checkin-voucher', [{ fact: 'milestones', operator: 'greaterThan', value: 0 }]);
  add('ambassador', [notStaff, { fact: 'vested', operator: 'greaterThanInclusive', value: 1 }]);
  return engine;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(fn, rounds = 3) {
  const samples = [];
  let result;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    result = fn();
    samples.push(performance.now() - t0);
  }
  return { ms: median(samples), result };
}
async function timeAsync(fn, rounds = 1) {
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

export async function run(core, cliPath, row, { patients: n = 100_000, chunk = 5_000 } = {}) {
  const patients = generatePatients(n);
  const shared = { nowMs: NOW, campaigns, pools: [{ campaignId: 'scarce-quota', poolId: 'half', month: '2026-11', used: QUOTA_USED }] };
  const texts = [];
  const emptyTexts = [];  // the same facts with no campaign: decoding and encoding only
  for (let i = 0; i < n; i += chunk) {
    texts.push(JSON.stringify({ ...shared, patients: patients.slice(i, i + chunk) }));
    emptyTexts.push(JSON.stringify({ ...shared, campaigns: [], patients: patients.slice(i, i + chunk) }));
  }
  const factTexts = patients.map((p) => JSON.stringify(p));
  const bytes = texts.reduce((a, t) => a + t.length, 0);
  row(`eligibility data`, `${n} patients`, `${RULES.length} rules, ${(bytes / 1048576).toFixed(1)} MiB JSON in ${texts.length} batches`);

  // Correctness first: every contender must agree with the core on every patient.
  const coreAnswers = [];
  for (const t of texts) {
    const reply = JSON.parse(core.evaluateEligibilityBatch(t));
    if (!reply.ok) throw new Error(`core batch failed: ${JSON.stringify(reply.error)}`);
    for (const r of reply.value.results) coreAnswers.push(r.eligible.slice().sort().join(','));
  }
  const facts = patients.map(toFacts);
  const logicAnswer = (f) => RULES.filter((r) => jsonLogic.apply(logicRules[r], f)).sort().join(',');
  let disagreements = 0;
  for (let i = 0; i < n; i++) if (logicAnswer(facts[i]) !== coreAnswers[i]) disagreements++;
  const engine = rulesEngine();
  const engineSample = Math.min(n, 20_000);
  for (let i = 0; i < Math.min(n, 2_000); i++) {
    const { events } = await engine.run(facts[i]);
    if (events.map((e) => e.type).sort().join(',') !== coreAnswers[i]) disagreements++;
  }
  const eligibleCount = coreAnswers.filter((a) => a).length;
  row('answers agree', disagreements === 0 ? 'yes' : `NO: ${disagreements}`,
    `core vs json-logic-js on ${n}, vs json-rules-engine on ${Math.min(n, 2_000)}; ${eligibleCount} patients eligible for something`);
  if (disagreements) return false;

  const evals = n * RULES.length;
  const rate = (count, ms) => count / (ms / 1000);
  const fmt = (r) => `${(r / 1e6).toFixed(2)} M/s`;

  const coreE2E = time(() => { for (const t of texts) JSON.parse(core.evaluateEligibilityBatch(t)); });
  const coreDecodeOnly = time(() => { for (const t of emptyTexts) JSON.parse(core.evaluateEligibilityBatch(t)); });
  const coreEvalMs = Math.max(coreE2E.ms - coreDecodeOnly.ms, 0.001);
  const logicEval = time(() => { for (const f of facts) for (const r of RULES) jsonLogic.apply(logicRules[r], f); });
  const logicE2E = time(() => {
    for (const t of factTexts) { const f = toFacts(JSON.parse(t)); for (const r of RULES) jsonLogic.apply(logicRules[r], f); }
  });
  const engineEvalMs = await timeAsync(async () => { for (let i = 0; i < engineSample; i++) await engine.run(facts[i]); });
  const engineE2EMs = await timeAsync(async () => {
    for (let i = 0; i < engineSample; i++) await engine.run(toFacts(JSON.parse(factTexts[i])));
  });

  let nativeEvalMs = NaN;
  const nativeEval = spawnSync(cliPath, ['--bench-eligibility-rules', '5'], { input: texts[0], maxBuffer: 1 << 28 });
  if (nativeEval.status === 0) {
    nativeEvalMs = Number(/([\d.]+) ms\/call/.exec(nativeEval.stderr.toString())[1]) * texts.length;
  }
  let nativeMs = NaN;
  const native = spawnSync(cliPath, ['evaluateEligibilityBatch', '--repeat', '5'], { input: texts[0], maxBuffer: 1 << 28 });
  if (native.status === 0) nativeMs = Number(/([\d.]+) ms\/call/.exec(native.stderr.toString())[1]) * texts.length;

  const coreRateE2E = rate(evals, coreE2E.ms);
  const coreRateEval = rate(evals, coreEvalMs);
  const logicRateEval = rate(evals, logicEval.ms);
  const logicRateE2E = rate(evals, logicE2E.ms);
  const engineRateEval = rate(engineSample * RULES.length, engineEvalMs);
  const engineRateE2E = rate(engineSample * RULES.length, engineE2EMs);
  row('core wasm, end to end', fmt(coreRateE2E), `${coreE2E.ms.toFixed(0)} ms: JSON text → rules → JSON reply parsed`);
  row('core wasm, evaluation (derived)', fmt(coreRateEval), `end to end minus the same call with no campaigns (${coreDecodeOnly.ms.toFixed(0)} ms)`);
  if (!Number.isNaN(nativeMs)) row('core native, end to end', fmt(rate(evals, nativeMs)), `${nativeMs.toFixed(0)} ms (first batch ×${texts.length})`);
  if (!Number.isNaN(nativeEvalMs)) {
    row('core native, evaluation', fmt(rate(evals, nativeEvalMs)),
      `${nativeEvalMs.toFixed(0)} ms: decoded once, the batch's rules only (grants, limits per campaign; no wording)`);
  }
  row('json-logic-js, evaluation', fmt(logicRateEval), `${logicEval.ms.toFixed(0)} ms on pre-parsed facts`);
  row('json-logic-js, end to end', fmt(logicRateE2E), `${logicE2E.ms.toFixed(0)} ms incl. JSON.parse + fact prep`);
  row('json-rules-engine, evaluation', fmt(engineRateEval), `${engineSample} patients (async engine), pre-parsed`);
  row('json-rules-engine, end to end', fmt(engineRateE2E), `${engineSample} patients incl. JSON.parse + fact prep`);
  const logicRatio = coreRateE2E / logicRateE2E;  // budget (docs/performance.md): ≥ 2× end to end
  row('ratio core/json-logic-js', `${logicRatio.toFixed(2)}× e2e`,
    `${(coreRateEval / logicRateEval).toFixed(2)}× evaluation; budget ≥ 2× e2e: ${logicRatio >= 2 ? 'met' : 'NOT MET'}`);
  row('ratio core/json-rules-engine', `${(coreRateE2E / engineRateE2E).toFixed(1)}× e2e`, `${(coreRateEval / engineRateEval).toFixed(1)}× evaluation`);
  return true;
}
