// Issuance by the server, on its own schedule (jobs/referral-issuance.mjs),
// whether or not the patient opens the app. For every patient with something
// the core could decide on (referrals either side, check-ins, issued rewards)
// the same core the shell runs (evaluateStreak, evaluateEligibility) is asked
// on the server's facts and clock, and what it says is recorded:
//   - a streak milestone it reports new is stored (grantMilestones);
//   - a grant it reports `issuable` is issued (issueRewards: the quality hold
//     of 90 days has passed, the 15th's monthly places are released, the
//     hospital confirmed the event) — once, by the grant's key;
//   - an issued grant it reports `void` (a complaint inside the hold, G20) is
//     clawed back: issued → void;
//   - the new steps of the patient's referrals (the core's feed, consent-
//     aware, names masked by the core; a lapse after 48 hours included) and
//     the rewards issued go into the inbox, with a notification each.
// Running it twice changes nothing the second time: keys, ON CONFLICT and
// the issued → void transition are all once-only. Each patient is one
// transaction: a patient whose facts the core refuses is reported and
// skipped, the others go on.
//
// Which patients: those whose referral facts changed (issuance_due, filled
// by a trigger on referrals) within seconds; everyone with referrals,
// check-ins or rewards in the hourly sweep (a quality hold ends, the 15th
// comes and a lapse happens with the clock, not with a change; all three are
// day- or hour-sized, so an hour's delay is inside their own granularity).
//
// A check-in (POST /check-ins, saveCheckIn) runs the same issueForPatient in
// its own transaction: the milestone the check-in completes is granted, the
// check-in campaign's voucher issued, and the reply says what was issued
// (the reward moment on the phone shows that, not a computation of its own).
// No client asks the server to issue anything.

import { inTransaction, isConnectionError } from '../db.mjs';
import { evaluateFor, getStreakInputs, issueRewards, lockPatient, saveCheckIn } from '../service.mjs';
import { refreshInbox } from './inbox.mjs';

/** Changes listed one by one in a run's summary (the rest are counted). */
const MAX_LISTED_CHANGES = 50;

/** Every patient the sweep looks at, those who became a referee first (first come, first served for monthly places). */
async function everyCandidate(pool) {
  const { rows } = await pool.query(
    `SELECT p.id FROM patients p
      LEFT JOIN referrals r ON r.referee_id = p.id
      WHERE EXISTS (SELECT 1 FROM referrals x WHERE x.referrer_id = p.id OR x.referee_id = p.id)
         OR EXISTS (SELECT 1 FROM check_ins c WHERE c.patient_id = p.id)
         OR EXISTS (SELECT 1 FROM issued_rewards i WHERE i.patient_id = p.id)
      ORDER BY COALESCE(NULLIF(r.registration_confirmed_at_ms, 0), 9007199254740991), p.id`,
  );
  return rows.map((r) => r.id);
}

/** Patients whose referral facts changed (issuance_due), oldest change first. */
async function dueCandidates(pool, limit) {
  const { rows } = await pool.query('SELECT patient_id FROM issuance_due ORDER BY since_ms, patient_id LIMIT $1', [limit]);
  return rows.map((r) => r.patient_id);
}

/**
 * Stores the streak milestones the core just reported `new` for this patient
 * (evaluated under the patient's lock, in this transaction), once per key.
 * @returns {Promise<Set<string>>} the keys stored now
 */
async function grantMilestones(client, ctx, patientId, fresh) {
  const granted = new Set();
  for (const m of fresh) {
    const stored = await client.query(
      `INSERT INTO granted_milestones (patient_id, key, rule_id, from_date, to_date, reward_title, reward_value_fen, issued_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING key`,
      [patientId, m.key, m.ruleId, m.fromDate, m.toDate, m.rewardTitle, m.rewardValueFen, ctx.nowMs()],
    );
    if (stored.rowCount === 1) granted.add(m.key);
  }
  return granted;
}

/**
 * One patient: milestones, issuance, claw-backs and inbox, inside the caller's transaction.
 * `milestones` are the streak milestones this run granted, in the core's
 * words (rewardTitle, earnedText, rangeLabel); `issued` the grants it issued.
 * @returns {Promise<{milestones: object[], issued: {grantKey: string, title: string}[], voided: {grantKey: string, title: string}[], inbox: number, notified: number}>}
 */
export async function issueForPatient(client, ctx, patientId, { channel = null } = {}) {
  await lockPatient(client, patientId);
  let { streak, eligibility } = await evaluateFor(client, ctx, patientId);
  const fresh = streak.milestones.filter((m) => m.state === 'new');
  let milestones = [];
  if (fresh.length > 0) {
    const granted = await grantMilestones(client, ctx, patientId, fresh);
    milestones = fresh
      .filter((m) => granted.has(m.key))
      .map(({ key, ruleId, fromDate, toDate, rewardTitle, rewardValueFen, earnedText, rangeLabel }) => ({
        key, ruleId, fromDate, toDate, rewardTitle, rewardValueFen, earnedText, rangeLabel,
      }));
    ({ eligibility } = await evaluateFor(client, ctx, patientId));
  }
  const grants = eligibility.campaigns.flatMap((c) => c.grants.map((g) => ({ ...g, campaignId: c.campaignId })));
  const issuable = grants.filter((g) => g.state === 'issuable');
  let issued = [];
  if (issuable.length > 0) {
    const result = await issueRewards(client, ctx, patientId, { grants: issuable.map((g) => ({ key: g.key, campaignId: g.campaignId })) });
    const byKey = new Map(issuable.map((g) => [g.key, g]));
    issued = result.issued.map((key) => {
      const g = byKey.get(key);
      return {
        grantKey: key,
        campaignId: g.campaignId,
        title: g.reward.title,
        type: g.reward.type,
        valueFen: g.reward.valueFen,
        quantity: g.reward.quantity,
        referralId: g.referralId || null,
      };
    });
  }
  const voidKeys = grants.filter((g) => g.state === 'void').map((g) => g.key);
  let voided = [];
  if (voidKeys.length > 0) {
    const { rows } = await client.query(
      `UPDATE issued_rewards SET status = 'void' WHERE patient_id = $1 AND grant_key = ANY($2::text[]) AND status = 'issued'
       RETURNING grant_key, title`,
      [patientId, voidKeys],
    );
    voided = rows.map((r) => ({ grantKey: r.grant_key, title: r.title }));
  }
  // Whether an issued grant is this patient's reward for a referral they made (the feed says those).
  const asReferrer = new Set(
    (await client.query('SELECT id FROM referrals WHERE referrer_id = $1', [patientId])).rows.map((r) => r.id),
  );
  const inbox = await refreshInbox(client, ctx, patientId, {
    channel,
    issued: issued.map((g) => ({ title: g.title, type: g.type, referrer: g.referralId !== null && asReferrer.has(g.referralId) })),
  });
  // Operations read the changes by the patient's display name (stored masked, 王*), not an id.
  const name = issued.length + voided.length > 0 ? (await client.query('SELECT display_name FROM patients WHERE id = $1', [patientId])).rows[0]?.display_name : '';
  return { milestones, issued, voided, inbox: inbox.added, notified: inbox.notified, patientName: name ?? '' };
}

/** Connection losses and serialization conflicts: the whole mutation fails and is retried, the check-in with it. */
function mustPropagate(error) {
  return isConnectionError(error) || error?.code === '40001' || error?.code === '40P01';
}

/** Keys of the milestones the core reports earned and not yet granted (state "new"), on the stored history. */
async function pendingMilestones(client, ctx, patientId) {
  const r = ctx.core.call('evaluateStreak', { nowMs: ctx.nowMs(), clock: 'server', patientId, ...(await getStreakInputs(client, patientId)) });
  return new Set(r.ok ? r.value.milestones.filter((m) => m.state === 'new').map((m) => m.key) : []);
}

/**
 * POST /check-ins: stores the check-in (saveCheckIn: the core re-checks it on
 * the server's history and clock) and, in the same transaction, runs this
 * patient's issuance (issueForPatient): a milestone the check-in completed is
 * granted and what the core now reports issuable is issued, once per grant
 * key. The reply adds `rewards`: the milestones granted and the grants issued
 * now, from what was just recorded; a milestone this check-in completed is
 * marked `byThisCheckIn` (one earned earlier and not granted until now — the
 * sweep had not come yet — is granted all the same, but is not this
 * check-in's moment). Issuance that the core refuses on this patient's facts
 * does not undo the check-in: it is rolled back to its savepoint (nothing of
 * it stays: no milestone, no issued grant, no inbox entry), the reply's
 * `rewards` says `deferred: true` with nothing in it, and the hourly sweep
 * looks again.
 */
export async function checkInAndIssue(client, ctx, patientId, body) {
  await lockPatient(client, patientId);
  const earlier = await pendingMilestones(client, ctx, patientId);
  const reply = await saveCheckIn(client, ctx, patientId, body);
  await client.query('SAVEPOINT check_in_issuance');
  try {
    const r = await issueForPatient(client, ctx, patientId);
    await client.query('RELEASE SAVEPOINT check_in_issuance');
    return {
      ...reply,
      rewards: {
        milestones: r.milestones.map((m) => ({ ...m, byThisCheckIn: !earlier.has(m.key) })),
        issued: r.issued.map(({ grantKey, campaignId, title, type, valueFen, quantity }) => ({ grantKey, campaignId, title, type, valueFen, quantity })),
      },
    };
  } catch (error) {
    if (mustPropagate(error)) throw error;
    await client.query('ROLLBACK TO SAVEPOINT check_in_issuance');
    (ctx.log ?? console.warn)(`issuance after a check-in: patient ${patientId} skipped: ${error.code ?? error.message}`);
    return { ...reply, rewards: { milestones: [], issued: [], deferred: true } };
  }
}

/** Patients one run of the due list takes at most (the rest wait for the next run, seconds later). */
export const DUE_BATCH = 500;

/**
 * One run: the patients whose referrals changed (`scope: 'due'`) or every
 * candidate (`scope: 'all'`, the hourly sweep), each in its own short
 * transaction (a patient's row is locked only while that patient is decided),
 * retried on a serialization conflict. A patient whose facts the core
 * refuses is reported and skipped; a lost database fails the run.
 * @param {import('pg').Pool} pool
 * @param {{core: object, nowMs: () => number}} ctx
 * @param {{scope?: 'due' | 'all', channel?: string | null, log?: (line: string) => void}} [options]
 */
export async function runIssuance(pool, ctx, { scope = 'due', channel = null, log = () => {} } = {}) {
  const summary = { scope, patients: 0, issued: 0, voided: 0, inbox: 0, notified: 0, refused: 0, changes: [] };
  const patients = scope === 'all' ? await everyCandidate(pool) : await dueCandidates(pool, DUE_BATCH);
  for (const patientId of patients) {
    summary.patients += 1;
    try {
      const r = await inTransaction(
        pool,
        async (client) => {
          await client.query('DELETE FROM issuance_due WHERE patient_id = $1', [patientId]);
          return issueForPatient(client, ctx, patientId, { channel });
        },
        { retryConflicts: true },
      );
      summary.issued += r.issued.length;
      summary.voided += r.voided.length;
      summary.inbox += r.inbox;
      summary.notified += r.notified;
      const who = { patientId, patientName: r.patientName };
      for (const g of r.issued) if (summary.changes.length < MAX_LISTED_CHANGES) summary.changes.push({ action: 'issued', ...who, grantKey: g.grantKey, title: g.title });
      for (const g of r.voided) if (summary.changes.length < MAX_LISTED_CHANGES) summary.changes.push({ action: 'voided', ...who, grantKey: g.grantKey, title: g.title });
    } catch (error) {
      if (isConnectionError(error)) throw error;
      summary.refused += 1;
      log(`issuance: patient ${patientId} skipped: ${error.code ?? error.message}`);
      // Not due again until something changes; the sweep looks again.
      await pool.query('DELETE FROM issuance_due WHERE patient_id = $1', [patientId]).catch(() => {});
    }
  }
  return summary;
}
