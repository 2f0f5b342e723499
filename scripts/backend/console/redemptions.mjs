// A day's redemptions at the counter (到店核销记录): every voucher redeemed
// on one civil day (Beijing time), oldest first, with its title, value, the
// patient's masked name and who redeemed it — the list the counter screen
// shows and exports as CSV for the hospital's accounts.

import { inTransaction } from '../db.mjs';
import { ApiError } from '../service.mjs';

const OFFSET_MS = 480 * 60_000;
const DAY_MS = 86_400_000;
/** Redemptions listed for one day (a counter redeems far fewer). */
export const MAX_DAY_REDEMPTIONS = 5000;

/** GET /staff/vouchers/redemptions?day=YYYY-MM-DD (default today). */
export async function getDayRedemptions(client, ctx, query) {
  const day = query.day ?? new Date(ctx.nowMs() + OFFSET_MS).toISOString().slice(0, 10);
  const startUtc = typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  if (!Number.isFinite(startUtc) || new Date(startUtc).toISOString().slice(0, 10) !== day) {
    throw new ApiError(400, 'request.bad_query', 'day 应为 YYYY-MM-DD 日期', { path: '/day' });
  }
  const from = startUtc - OFFSET_MS;
  const { rows } = await client.query(
    `SELECT v.redeemed_at_ms, v.redeemed_by, v.grant_key, i.title, i.value_fen, i.campaign_id, p.display_name
       FROM voucher_redemptions v
       JOIN issued_rewards i ON i.patient_id = v.patient_id AND i.grant_key = v.grant_key
       JOIN patients p ON p.id = v.patient_id
      WHERE v.redeemed_at_ms >= $1 AND v.redeemed_at_ms < $2
      ORDER BY v.redeemed_at_ms, v.grant_key LIMIT $3`,
    [from, from + DAY_MS, MAX_DAY_REDEMPTIONS + 1],
  );
  const list = rows.slice(0, MAX_DAY_REDEMPTIONS);
  return {
    day,
    redemptions: list.map((r) => ({
      redeemedAtMs: Number(r.redeemed_at_ms),
      title: r.title,
      valueFen: Number(r.value_fen),
      campaignId: r.campaign_id,
      patientName: r.display_name,
      redeemedBy: r.redeemed_by,
    })),
    count: list.length,
    totalValueFen: list.reduce((sum, r) => sum + Number(r.value_fen), 0),
    truncated: rows.length > MAX_DAY_REDEMPTIONS,
  };
}

export const REDEMPTIONS_ROUTES = Object.freeze([{ method: 'GET', path: '/staff/vouchers/redemptions' }]);

export function registerRedemptionsRoutes(api, { pool, ctx, guard, send }) {
  api.get('/staff/vouchers/redemptions', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const q = request.query ?? {};
    const query = { day: Array.isArray(q.day) ? q.day[0] : q.day };
    return send(reply, 200, await inTransaction(pool, (client) => getDayRedemptions(client, ctx, query), { readOnly: true }));
  });
}
