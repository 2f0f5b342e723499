// The offline demo playing the server's referral channels
// (scripts/backend/loops/channels.mjs): the tokens of the e-referral letters
// and the discharge thank-you card, the check of a friend's claimed channel,
// and the saved KOC result that chooses the patient's letter. Every rule is
// the core's (makeChannelToken, checkChannelClaim, assessKoc), as on the
// server; the records live in the demo's IndexedDB meta store
// ('channelTokens', 'kocResults').
//
// Demo data (synthetic, labelled): the demo patient's KOC assessment as the
// demo nurse saved it (the benefit letter) and one thank-you card handed over
// at their discharge three days ago.

import { checkClinicalMoment } from '../lib/clinical-moments.js';

const DAY_MS = 86_400_000;
const ZONE_OFFSET_MS = 8 * 3_600_000;
const LETTER_CHANNELS = Object.freeze({ honour: 'letterHonour', benefit: 'letterBenefit', privilege: 'letter' });
/** A forged channel is 400, a spent card 409 (as the server answers). */
const CLAIM_STATUS = Object.freeze({ 'referral.card_used': 409 });

/** The staff side of the channels per role, added after each role's own (the server's CHANNELS_POLICY). */
// recordClinicalMoment is the server's staff route for a patient's admission
// or discharge (and the other moments that pause invite prompts), which the
// nurse's discharge screen uses before the card.
export const CHANNEL_STAFF_ROLES = Object.freeze({
  nurse: { screens: ['discharge'], methods: ['getDischargeCards', 'issueDischargeCard', 'saveKocAssessment', 'recordClinicalMoment'] },
  doctor: { screens: [], methods: ['saveKocAssessment', 'recordClinicalMoment'] },
});
/** Every staff method of the channels. */
export const CHANNEL_STAFF_METHODS = Object.freeze(['getDischargeCards', 'issueDischargeCard', 'saveKocAssessment', 'recordClinicalMoment']);


/** The demo nurse's answers for the demo patient (synthetic): qualifies, prefers the benefit letter. */
const DEMO_KOC_ANSWERS = Object.freeze({
  peakMoment: 'strong', recommend: 'yes', gatherings: 'weekly', groupActivity: 'sometimes', experience: 'great', incentive: 'benefit',
});

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** `<base>?…c=` with the token before the code (the core's makeChannelToken makes the same). */
export function tokenLinkBase(linkBase, token) {
  if (!linkBase || !/[?&]c=$/.test(linkBase)) return null;
  return `${linkBase.slice(0, -2)}t=${token}&c=`;
}

function displayOf(token) {
  return `${token.slice(0, 4)}-${token.slice(4, 8)}-${token.slice(8, 12)}-${token.slice(12)}`;
}

/**
 * @param {{
 *   database: () => IDBDatabase,
 *   init: () => Promise<void>,
 *   clock: () => number,
 *   refusal: (status: number, code: string, message: string) => Error,
 *   demoPatientId: string,
 *   demoDisplayName: string,
 *   ownCode: (core: any) => Promise<{code: string, linkBase?: string}>,
 * }} deps
 */
export function createOfflineChannels({ database, init, clock, refusal, demoPatientId, demoDisplayName, ownCode }) {
  /** One read-modify-write of the meta store's `names`, in one transaction. */
  async function update(names, change) {
    await init();
    const tx = database().transaction('meta', 'readwrite');
    const meta = tx.objectStore('meta');
    const values = {};
    let result;
    let failure = null;
    await new Promise((resolve) => {
      let left = names.length;
      for (const name of names) {
        const get = meta.get(name);
        get.onsuccess = () => {
          values[name] = get.result ? get.result.value : undefined;
          left -= 1;
          if (left > 0) return;
          try {
            result = change(values);
            for (const n of names) if (values[n] !== undefined) meta.put({ name: n, value: values[n] });
          } catch (error) {
            failure = error;
            tx.abort();
          }
          resolve();
        };
      }
    });
    await new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => (failure ? resolve() : reject(tx.error ?? new Error('IndexedDB transaction aborted')));
      tx.onerror = () => {};
    });
    if (failure) throw failure;
    return result;
  }

  /** A token from the core with fresh randomness (drawn again when the core cannot put it in a link). */
  function makeToken(core, request) {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const made = core.call('makeChannelToken', { ...request, randomHex: randomHex(10) });
      if (made.ok) return made.value;
      if (made.error.code !== 'referral.token_unusable') throw refusal(422, made.error.code, made.error.message);
    }
    throw new Error('channel token: no usable token after 8 draws');
  }

  /** The demo's synthetic history, once: the saved KOC result, the patient's discharge three days ago as the hospital recorded it, and its card. */
  async function seed(core) {
    const assessed = core.call('assessKoc', { patientId: demoPatientId, answers: DEMO_KOC_ANSWERS });
    const nowMs = clock();
    const dischargedAtMs = nowMs - 3 * DAY_MS;
    const card = makeToken(core, { channel: 'dischargeCard', nowMs, dischargedAtMs, cardsAlreadyIssued: 0 });
    await update(['seededChannels', 'kocResults', 'channelTokens', 'recordedDischarges'], (v) => {
      if (v.seededChannels) return;
      v.seededChannels = true;
      v.recordedDischarges = { ...(v.recordedDischarges ?? {}), [demoPatientId]: [dischargedAtMs] };
      const a = assessed.ok ? assessed.value.assessment : null;
      v.kocResults = { ...(v.kocResults ?? {}) };
      if (a) v.kocResults[demoPatientId] = { score: a.score, qualifies: a.qualifies, letterTemplate: a.letterTemplate ?? null, assessedBy: 'demo-staff-nurse', assessedAtMs: nowMs - 4 * DAY_MS };
      v.channelTokens = [
        ...(v.channelTokens ?? []),
        { token: card.token, channel: 'dischargeCard', patientId: demoPatientId, issuedAtMs: nowMs - 3 * DAY_MS, issuedBy: 'demo-staff-nurse',
          dischargedAtMs, dischargeDay: dayOf(dischargedAtMs), usedByReferralId: null },
      ];
    });
  }

  /**
   * The patient's recorded discharges, newest first: the demo hospital's
   * synthetic one and the discharges staff recorded as a clinical moment
   * (the server's recordedDischarges). Never the card's own claim.
   */
  function dischargesOf(v, patientId) {
    const recorded = [
      ...(v.recordedDischarges?.[patientId] ?? []),
      ...(v.clinicalMoments?.[patientId] ?? []).filter((m) => m.kind === 'discharge').map((m) => m.atMs),
    ];
    return [...new Set(recorded)].sort((a, b) => b - a);
  }

  function dayOf(ms) {
    return new Date(ms + ZONE_OFFSET_MS).toISOString().slice(0, 10);
  }

  function cardOf(row, linkBase) {
    return { token: row.token, display: displayOf(row.token), linkBase: tokenLinkBase(linkBase, row.token), dischargedAtMs: row.dischargedAtMs,
      issuedAtMs: row.issuedAtMs, used: row.usedByReferralId !== null };
  }

  function knownPatient(patientId) {
    if (patientId !== demoPatientId) throw refusal(404, 'patient.unknown', '没有找到这位患者（离线演示只有一位演示患者）');
  }

  return {
    /** The patient's letters (a token per template they may hand out) and discharge cards (GET /me/channel-tokens). */
    async getChannelTokens(core) {
      await seed(core);
      const { linkBase = null } = await ownCode(core);
      const koc = await update(['kocResults'], (v) => v.kocResults?.[demoPatientId] ?? null);
      const letterTemplate = koc?.letterTemplate ?? null;
      const templates = ['honour', 'benefit', ...(letterTemplate === 'privilege' ? ['privilege'] : [])];
      const fresh = templates.map((template) => makeToken(core, { channel: LETTER_CHANNELS[template] }));
      const rows = await update(['channelTokens'], (v) => {
        const list = [...(v.channelTokens ?? [])];
        templates.forEach((template, i) => {
          if (!list.some((r) => r.patientId === demoPatientId && r.channel === LETTER_CHANNELS[template])) {
            list.push({ token: fresh[i].token, channel: LETTER_CHANNELS[template], patientId: demoPatientId, issuedAtMs: clock(), usedByReferralId: null });
          }
        });
        v.channelTokens = list;
        return list.filter((r) => r.patientId === demoPatientId);
      });
      return {
        letterTemplate,
        letters: templates.map((template) => {
          const { token } = rows.find((r) => r.channel === LETTER_CHANNELS[template]);
          return { template, channel: LETTER_CHANNELS[template], token, linkBase: tokenLinkBase(linkBase, token) };
        }),
        cards: rows.filter((r) => r.channel === 'dischargeCard').sort((a, b) => a.issuedAtMs - b.issuedAtMs).map((r) => cardOf(r, linkBase)),
      };
    },

    /** Staff: the patient (masked name) and the cards issued to them (GET /staff/discharge-cards). */
    async getDischargeCards(patientId, core) {
      if (core) await seed(core);
      if (typeof patientId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(patientId)) throw refusal(400, 'request.bad_query', 'patientId 无效');
      knownPatient(patientId);
      const { rows, koc } = await update(['channelTokens', 'kocResults'], (v) => ({
        rows: (v.channelTokens ?? []).filter((r) => r.patientId === patientId && r.channel === 'dischargeCard'),
        koc: v.kocResults?.[patientId] ?? null,
      }));
      return {
        patient: { id: patientId, displayName: demoDisplayName },
        letterTemplate: koc?.letterTemplate ?? null,
        cards: rows.sort((a, b) => a.issuedAtMs - b.issuedAtMs).map((r) => {
          const card = cardOf(r, null);
          delete card.linkBase;
          return card;
        }),
      };
    },

    /**
     * Staff: a thank-you card for a recorded discharge (the latest, or the one
     * on the day named; none → 409, as the server); the core decides (G16)
     * (POST /staff/discharge-cards).
     */
    async issueDischargeCard({ patientId, dischargedAtMs: claimed }, core) {
      await seed(core);
      if (typeof patientId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(patientId)) throw refusal(400, 'request.bad_body', 'patientId 无效');
      if (claimed !== undefined && (!Number.isSafeInteger(claimed) || claimed < 0)) throw refusal(400, 'request.bad_body', 'dischargedAtMs 应为毫秒时间戳');
      knownPatient(patientId);
      const nowMs = clock();
      const draw = () => randomHex(10);
      return update(['channelTokens', 'recordedDischarges', 'clinicalMoments'], (v) => {
        const recorded = dischargesOf(v, patientId);
        if (recorded.length === 0) throw refusal(409, 'referral.discharge_not_recorded', '没有这位患者的出院记录：请先在“医院事件”确认出院，或登记出院时刻，再发感恩卡');
        const dischargedAtMs = claimed === undefined ? recorded[0] : recorded.find((ms) => dayOf(ms) === dayOf(claimed));
        if (dischargedAtMs === undefined) {
          throw refusal(409, 'referral.discharge_mismatch', `这一天没有这位患者的出院记录（登记的出院日：${[...new Set(recorded.map(dayOf))].slice(0, 3).join('、')}）`);
        }
        const dischargeDay = dayOf(dischargedAtMs);
        const list = [...(v.channelTokens ?? [])];
        const already = list.filter((r) => r.patientId === patientId && r.channel === 'dischargeCard' && r.dischargeDay === dischargeDay).length;
        let made = null;
        for (let attempt = 0; attempt < 8 && !made; attempt += 1) {
          const envelope = core.call('makeChannelToken', { channel: 'dischargeCard', randomHex: draw(), nowMs, dischargedAtMs, cardsAlreadyIssued: already });
          if (envelope.ok) made = envelope.value;
          else if (envelope.error.code !== 'referral.token_unusable') throw refusal(422, envelope.error.code, envelope.error.message);
        }
        if (!made) throw new Error('channel token: no usable token after 8 draws');
        list.push({ token: made.token, channel: 'dischargeCard', patientId, issuedAtMs: nowMs, issuedBy: 'demo-staff-nurse', dischargedAtMs, dischargeDay, usedByReferralId: null });
        v.channelTokens = list;
        return { patientId, token: made.token, display: made.display, dischargedAtMs, issuedAtMs: nowMs };
      });
    },

    /**
     * Staff: a clinical moment of the patient — an admission, a discharge
     * (from which the nurse then issues the card), or another moment that
     * pauses invite prompts (POST /staff/clinical-moments, the same checks).
     */
    async recordClinicalMoment(body) {
      const nowMs = clock();
      const { patientId, kind, atMs } = checkClinicalMoment(body, nowMs, (message) => refusal(400, 'request.bad_body', message));
      knownPatient(patientId);
      await update(['clinicalMoments'], (v) => {
        const all = { ...(v.clinicalMoments ?? {}) };
        all[patientId] = [...(all[patientId] ?? []), { kind, atMs, recordedBy: 'demo-staff', recordedAtMs: nowMs }];
        v.clinicalMoments = all;
      });
      return { patientId, kind, atMs };
    },

    /** Staff: the core's KOC assessment saved to the patient (POST /staff/koc-assessments). */
    async saveKocAssessment(body, core) {
      await seed(core);
      if (!body || typeof body !== 'object' || typeof body.patientId !== 'string') throw refusal(400, 'request.bad_body', '请求内容应为 {patientId, answers}');
      knownPatient(body.patientId);
      const assessed = core.call('assessKoc', body);
      if (!assessed.ok) throw refusal(422, assessed.error.code, assessed.error.message);
      const a = assessed.value.assessment;
      if (!a) throw refusal(400, 'request.bad_body', '请回答评估表的全部问题');
      const nowMs = clock();
      await update(['kocResults'], (v) => {
        v.kocResults = { ...(v.kocResults ?? {}), [body.patientId]: { score: a.score, qualifies: a.qualifies, letterTemplate: a.letterTemplate ?? null, assessedBy: 'demo-staff', assessedAtMs: nowMs } };
      });
      return { patientId: body.patientId, score: a.score, qualifies: a.qualifies, letterTemplate: a.letterTemplate ?? null, assessedAtMs: nowMs };
    },

    /**
     * The channel a friend's claim is recorded on, as the server decides it:
     * the core reads the claim, the token's record is looked up, the core
     * decides with it. Throws the server's refusals.
     * @returns {Promise<{channel: string, token: string | null, spendsToken: boolean}>}
     */
    async resolveClaim({ code, channel, token }, core) {
      const claim = { code, channel, ...(token ? { token } : {}) };
      const reject = (envelope) => refusal(CLAIM_STATUS[envelope.error.code] ?? 400, envelope.error.code, envelope.error.message);
      const read = core.call('checkChannelClaim', claim);
      if (!read.ok) throw reject(read);
      if (!read.value.token) return { channel: read.value.channel, token: null, spendsToken: false };
      const row = await update(['channelTokens'], (v) => (v.channelTokens ?? []).find((r) => r.token === read.value.token) ?? null);
      const issued = row ? { token: row.token, channel: row.channel, code: (await ownCode(core)).code, usedByReferralId: row.usedByReferralId } : null;
      const decided = core.call('checkChannelClaim', { ...claim, issued });
      if (!decided.ok) throw reject(decided);
      return { channel: decided.value.channel, token: decided.value.token, spendsToken: decided.value.spendsToken };
    },

    /** After the join is stored: the card is spent by it (once; a second spend is refused). */
    async spendClaimToken(via, referralId) {
      if (!via.token || !via.spendsToken) return;
      await update(['channelTokens'], (v) => {
        const list = [...(v.channelTokens ?? [])];
        const at = list.findIndex((r) => r.token === via.token);
        if (at < 0 || list[at].usedByReferralId !== null) throw refusal(409, 'referral.card_used', '这张感恩卡的卡号已经有朋友用过了，每张卡只能登记一位朋友');
        list[at] = { ...list[at], usedByReferralId: referralId, usedAtMs: clock() };
        v.channelTokens = list;
      });
    },
  };
}
