// Referral channels on the reference backend over real HTTP against a private
// PostgreSQL (scripts/backend/loops/channels.mjs):
//   - a patient's letters carry tokens of their own (honour and benefit for
//     everyone, the 黑金推荐函 only after a saved KOC result chose it), in a
//     link with the token before the code;
//   - the nurse hands out the thank-you card at discharge: never before it,
//     not 31 days after, one per discharge; a patient token is 403;
//   - hostile claims, each a clear 400 (409 for a spent card) with nothing
//     recorded: a forged channel without a token, an unknown token, a token of
//     another code, a token for another template, a token with the plain link
//     channel, a card number used a second time;
//   - honest claims are recorded on their channel (code, link, the card, the
//     letter — a letter serves many friends) and the 感恩卡 campaign's reward
//     follows the hospital's events.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';

import { isRunning, startPostgres } from '../../scripts/backend/db.mjs';
import { DEMO_PATIENT_ID } from '../../scripts/backend/seed.mjs';
import { startBackend } from '../../scripts/backend/server.mjs';
import { apiClient, processesMentioning } from '../support/backend.mjs';
import { loadCore } from './helpers.mjs';

const TEST_TIMEOUT = 120_000;
const DAY_MS = 86_400_000;

let postgres;
let backend;
let core;

const api = (...args) => apiClient(backend.apiUrl)(...args);
const newKey = () => `k-${randomUUID()}`;

async function session(as, extra = {}) {
  const r = await api('POST', '/demo/sessions', { body: { as, ...extra } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function codeOf(token) {
  const r = await api('GET', '/me/referral-code', { token });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.code;
}

async function referralsOf(patientId) {
  return (await backend.pool.query('SELECT id, channel, channel_token FROM referrals WHERE referee_id = $1', [patientId])).rows;
}

/** A new patient's claim of `code`; resolves with the reply. */
async function claim(friend, body) {
  return api('POST', '/referrals', { token: friend.token, key: newKey(), body });
}

before(async () => {
  postgres = await startPostgres();
  backend = await startBackend({ databaseUrl: postgres.url, port: 0, web: false, demo: true, jobs: false });
  const module = await loadCore();
  core = { call: (name, request) => JSON.parse(module[name](JSON.stringify(request))) };
});

after(async () => {
  await backend?.close();
  if (postgres) {
    const { dir } = postgres;
    await postgres.stop();
    assert.equal(isRunning(dir), false, 'PostgreSQL is stopped');
    assert.deepEqual(processesMentioning(dir), [], 'no process of the private PostgreSQL is left');
  }
});

test('letters: a token per template, made once; the 黑金推荐函 only after a saved KOC result chose it', { timeout: TEST_TIMEOUT }, async () => {
  const patient = await session('newPatient');
  const first = await api('GET', '/me/channel-tokens', { token: patient.token });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.letterTemplate, null);
  assert.deepEqual(first.body.letters.map((l) => l.channel), ['letterHonour', 'letterBenefit'], 'no 黑金推荐函 without the KOC result');
  assert.deepEqual(first.body.cards, [], 'no card before discharge');
  const code = await codeOf(patient.token);
  for (const letter of first.body.letters) {
    assert.match(letter.token, /^[HB][0-9A-HJKMNP-TV-Z]{16}$/);
    assert.match(letter.linkBase, new RegExp(`[?&]t=${letter.token}&c=$`), 'the token before the code, nothing personal');
    assert.ok(!letter.linkBase.includes(patient.patientId));
    assert.equal(core.call('checkReferralCode', { code, linkBase: letter.linkBase }).ok, true, 'the core accepts the link');
  }
  const again = await api('GET', '/me/channel-tokens', { token: patient.token });
  assert.deepEqual(again.body.letters, first.body.letters, 'the same tokens on every ask');

  // The nurse saves the KOC assessment: privilege → the 黑金推荐函 is offered.
  const nurse = await session('staff', { role: 'nurse' });
  const answers = { peakMoment: 'strong', recommend: 'asked', gatherings: 'often', groupActivity: 'fixed', experience: 'great', incentive: 'privilege' };
  const byPatient = await api('POST', '/staff/koc-assessments', { token: patient.token, key: newKey(), body: { patientId: patient.patientId, answers } });
  assert.equal(byPatient.status, 403, 'a patient cannot save an assessment');
  const saved = await api('POST', '/staff/koc-assessments', { token: nurse.token, key: newKey(), body: { patientId: patient.patientId, answers } });
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.letterTemplate, 'privilege');
  assert.equal(saved.body.qualifies, true);
  const after_ = await api('GET', '/me/channel-tokens', { token: patient.token });
  assert.equal(after_.body.letterTemplate, 'privilege');
  assert.deepEqual(after_.body.letters.map((l) => l.channel), ['letterHonour', 'letterBenefit', 'letter']);
  assert.match(after_.body.letters[2].token, /^P/);
});

test('the thank-you card: issued by the nurse for a recorded discharge only, after it, within 30 days, one per discharge; a patient token is 403', { timeout: TEST_TIMEOUT }, async () => {
  const patient = await session('newPatient');
  const nurse = await session('staff', { role: 'nurse' });
  const service = await session('staff', { role: 'service' });
  const { serverTimeMs: nowMs } = (await api('GET', '/now')).body;
  const issue = (who, dischargedAtMs, patientId = patient.patientId) =>
    api('POST', '/staff/discharge-cards', { token: who.token, key: newKey(), body: { patientId, ...(dischargedAtMs === undefined ? {} : { dischargedAtMs }) } });
  const recordDischarge = async (patientId, atMs) => {
    const r = await api('POST', '/staff/clinical-moments', { token: nurse.token, key: newKey(), body: { patientId, kind: 'discharge', atMs } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };

  const byPatient = await issue(patient, nowMs - 3_600_000);
  assert.equal(byPatient.status, 403, JSON.stringify(byPatient.body));
  const byService = await issue(service, nowMs - 3_600_000);
  assert.equal(byService.status, 403, '客服 does not hand out cards');
  // The nurse's word is not a discharge: none recorded, no card, whatever time is claimed.
  const unrecorded = await issue(nurse, nowMs - 3_600_000);
  assert.equal(unrecorded.status, 409, JSON.stringify(unrecorded.body));
  assert.equal(unrecorded.body.error.code, 'referral.discharge_not_recorded');
  assert.match(unrecorded.body.error.message, /出院记录/);
  await recordDischarge(patient.patientId, nowMs - 3_600_000);
  const otherDay = await issue(nurse, nowMs - 3 * DAY_MS);
  assert.equal(otherDay.status, 409, JSON.stringify(otherDay.body));
  assert.equal(otherDay.body.error.code, 'referral.discharge_mismatch');
  // A discharge recorded ahead (planned) is not yet one; one recorded 31 days back is too old for a card.
  const planned = await session('newPatient');
  await recordDischarge(planned.patientId, nowMs + 3_600_000);
  const early = await issue(nurse, undefined, planned.patientId);
  assert.equal(early.status, 422);
  assert.equal(early.body.error.code, 'referral.card_before_discharge');
  const longAgo = await session('newPatient');
  await backend.pool.query(
    "INSERT INTO clinical_moments (patient_id, kind, at_ms, recorded_by, recorded_at_ms) VALUES ($1, 'discharge', $2, 'test-staff', $2)",
    [longAgo.patientId, nowMs - 31 * DAY_MS],
  );
  const late = await issue(nurse, undefined, longAgo.patientId);
  assert.equal(late.status, 422);
  assert.equal(late.body.error.code, 'referral.card_discharge_too_old');
  const unknown = await issue(nurse, nowMs - 3_600_000, 'no-such-patient');
  assert.equal(unknown.status, 404);
  assert.equal((await api('GET', '/me/channel-tokens', { token: patient.token })).body.cards.length, 0, 'nothing issued by the refusals');

  // The nurse names the day (a time that day, even minutes off); the card carries the recorded instant.
  const card = await issue(nurse, nowMs - 3_600_000);
  assert.equal(card.status, 200, JSON.stringify(card.body));
  assert.equal(card.body.dischargedAtMs, nowMs - 3_600_000, 'the recorded discharge');
  assert.match(card.body.token, /^D[0-9A-HJKMNP-TV-Z]{16}$/);
  const twice = await issue(nurse, undefined);
  assert.equal(twice.status, 422);
  assert.equal(twice.body.error.code, 'referral.card_already_issued', 'one card per discharge');

  const mine = await api('GET', '/me/channel-tokens', { token: patient.token });
  assert.equal(mine.body.cards.length, 1);
  assert.equal(mine.body.cards[0].token, card.body.token);
  assert.equal(mine.body.cards[0].used, false);
  assert.match(mine.body.cards[0].linkBase, new RegExp(`t=${card.body.token}&c=$`));
  const listed = await api('GET', `/staff/discharge-cards?patientId=${patient.patientId}`, { token: nurse.token });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  assert.equal(listed.body.cards.length, 1);
  assert.match(listed.body.patient.displayName, /\*/, 'the patient by a masked name');
  const moment = await backend.pool.query("SELECT count(*)::int AS n FROM clinical_moments WHERE patient_id = $1 AND kind = 'discharge'", [patient.patientId]);
  assert.equal(moment.rows[0].n, 1, 'the discharge is a clinical moment (G17)');
});

test('hostile claims are refused with a clear code and record nothing; honest ones land on their channel', { timeout: TEST_TIMEOUT }, async () => {
  const referrer = await session('demoPatient');
  const code = await codeOf(referrer.token);
  const other = await session('newPatient');
  const otherTokens = (await api('GET', '/me/channel-tokens', { token: other.token })).body;
  const nurse = await session('staff', { role: 'nurse' });
  await api('POST', '/staff/koc-assessments', {
    token: nurse.token,
    key: newKey(),
    body: { patientId: DEMO_PATIENT_ID, answers: { peakMoment: 'strong', recommend: 'asked', gatherings: 'often', groupActivity: 'fixed', experience: 'great', incentive: 'privilege' } },
  });
  const { serverTimeMs: nowMs } = (await api('GET', '/now')).body;
  const discharged = await api('POST', '/staff/clinical-moments', { token: nurse.token, key: newKey(), body: { patientId: DEMO_PATIENT_ID, kind: 'discharge', atMs: nowMs - 7_200_000 } });
  assert.equal(discharged.status, 200, JSON.stringify(discharged.body));
  const card = await api('POST', '/staff/discharge-cards', { token: nurse.token, key: newKey(), body: { patientId: DEMO_PATIENT_ID, dischargedAtMs: nowMs - 7_200_000 } });
  assert.equal(card.status, 200, JSON.stringify(card.body));
  const tokens = (await api('GET', '/me/channel-tokens', { token: referrer.token })).body;
  const letterOf = (list, channel) => list.letters.find((l) => l.channel === channel).token;
  const privilege = letterOf(tokens, 'letter');
  const honour = letterOf(tokens, 'letterHonour');
  // A token of the right shape that the server never issued.
  const forgedToken = core.call('makeChannelToken', { channel: 'dischargeCard', randomHex: 'a1b2c3d4e5f60718293a', nowMs, dischargedAtMs: nowMs, cardsAlreadyIssued: 0 }).value.token;

  const friend = await session('newPatient');
  const hostile = [
    [{ code, channel: 'dischargeCard' }, 400, 'referral.channel_needs_token', 'a forged card channel'],
    [{ code, channel: 'letter' }, 400, 'referral.channel_needs_token', 'a forged letter channel'],
    [{ code, channel: 'dischargeCard', token: forgedToken }, 400, 'referral.unknown_token', 'a card number the server never issued'],
    [{ code, channel: 'letter', token: letterOf(otherTokens, 'letterBenefit') }, 400, 'referral.token_wrong_channel', 'a benefit letter claimed as the 黑金推荐函'],
    [{ code, channel: 'letterBenefit', token: letterOf(otherTokens, 'letterBenefit') }, 400, 'referral.token_other_code', "another patient's letter with this code"],
    [{ code, channel: 'letterHonour', token: privilege }, 400, 'referral.token_wrong_channel', 'the 黑金推荐函 token claimed as the honour letter'],
    [{ code, channel: 'link', token: honour }, 400, 'referral.channel_mismatch', 'a token with the plain link channel'],
    [{ code, channel: 'dischargeCard', token: 'DXXX' }, 400, 'referral.bad_token', 'a malformed card number'],
  ];
  for (const [body, status, errorCode, what] of hostile) {
    const r = await claim(friend, body);
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, errorCode, what);
    assert.match(r.body.error.message, /[\u4e00-\u9fff]/, `${what}: a Chinese message`);
  }
  const capital = await claim(friend, { code, channel: 'Letter' });
  assert.equal(capital.status, 400, 'an unknown channel name');
  assert.deepEqual(await referralsOf(friend.patientId), [], 'no hostile claim recorded anything');

  // The card: the first friend joins on it, the second is refused (凭卡号可领取: once).
  const cardClaim = await claim(friend, { code, channel: 'dischargeCard', token: card.body.token });
  assert.equal(cardClaim.status, 200, JSON.stringify(cardClaim.body));
  assert.deepEqual((await referralsOf(friend.patientId)).map((r) => [r.channel, r.channel_token]), [['dischargeCard', card.body.token]]);
  const second = await session('newPatient');
  const reused = await claim(second, { code, channel: 'dischargeCard', token: card.body.token.toLowerCase() });
  assert.equal(reused.status, 409, JSON.stringify(reused.body));
  assert.equal(reused.body.error.code, 'referral.card_used');
  assert.deepEqual(await referralsOf(second.patientId), [], 'a reused card records nothing');
  assert.equal((await api('GET', '/me/channel-tokens', { token: referrer.token })).body.cards.find((c) => c.token === card.body.token).used, true);

  // The 黑金推荐函 serves many friends; a typed code and a plain link stay what they are.
  for (const body of [{ code, channel: 'letter', token: privilege }, { code, channel: 'letter', token: privilege }, { code, channel: 'code' }, { code, channel: 'link' }]) {
    const someone = await session('newPatient');
    const r = await claim(someone, body);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual((await referralsOf(someone.patientId)).map((x) => x.channel), [body.channel]);
  }

  // The hospital records the card friend's stay: the 感恩卡 campaign's reward follows (held 90 days, G20).
  for (const event of ['registrationConfirmed', 'admissionConfirmed', 'dischargeConfirmed']) {
    const r = await api('POST', '/staff/referral-events', { token: nurse.token, key: newKey(), body: { referralId: cardClaim.body.referralId, event } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  // The hospital's confirmed discharge is a recorded one: the friend's own card carries its instant.
  const confirmed = (await backend.pool.query("SELECT at_ms FROM hospital_events WHERE referral_id = $1 AND event = 'dischargeConfirmed'", [cardClaim.body.referralId])).rows[0];
  const friendCard = await api('POST', '/staff/discharge-cards', { token: nurse.token, key: newKey(), body: { patientId: friend.patientId } });
  assert.equal(friendCard.status, 200, JSON.stringify(friendCard.body));
  assert.equal(friendCard.body.dischargedAtMs, Number(confirmed.at_ms));
  const inputs = (await api('GET', '/eligibility-inputs', { token: referrer.token })).body;
  delete inputs.serverTimeMs;
  const report = core.call('evaluateEligibility', { nowMs: (await api('GET', '/now')).body.serverTimeMs, ...inputs });
  assert.equal(report.ok, true, JSON.stringify(report.error));
  const thankYou = report.value.campaigns.find((c) => c.campaignId === 'thank-you-card');
  const grant = thankYou.grants.find((g) => g.referralId === cardClaim.body.referralId);
  assert.ok(grant, `the 感恩卡 campaign has a grant for the card's friend: ${JSON.stringify(thankYou)}`);
  assert.equal(grant.reward.title, '200元营养餐券');
});
