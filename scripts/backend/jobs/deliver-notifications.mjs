// Delivers the notification outbox (loops/inbox.sql notification_outbox)
// through the configured sender (notify/senders.mjs). Each due message is
// handed to the sender once per run; a send that throws leaves the message
// pending with its error, tried again after a back-off (30 s, 1 min, 2 min …
// at most an hour), and marked failed after MAX_DELIVERY_ATTEMPTS — never
// dropped. Delivery is at least once: a server that dies between the
// provider's acceptance and the commit sends that message again.

import { MAX_DELIVERY_ATTEMPTS } from '../loops/inbox.mjs';

/** Messages one run hands to the sender at most. */
const BATCH = 200;

/** Wait before attempt n+1 after n failed ones. */
export function retryDelayMs(attempts) {
  return Math.min(3_600_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

export default {
  name: 'deliver-notifications',
  cron: '* * * * *',
  // Rows are taken FOR UPDATE SKIP LOCKED; a run on demand waits for a scheduled one rather than skipping.
  waitForLock: true,
  async run(client, { nowMs, sender }) {
    if (!sender) return { sent: 0, retrying: 0, failed: 0, note: 'no sender configured' };
    const now = nowMs();
    const { rows } = await client.query(
      `SELECT id, patient_id, entry_key, text, attempts, created_at_ms FROM notification_outbox
        WHERE status = 'pending' AND next_attempt_at_ms <= $1 AND channel = $2
        ORDER BY next_attempt_at_ms, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [now, sender.channel, BATCH],
    );
    const summary = { sent: 0, retrying: 0, failed: 0 };
    for (const row of rows) {
      const kind = row.entry_key.split(':', 1)[0];
      try {
        await sender.send({ id: String(row.id), patientId: row.patient_id, text: row.text, kind, atMs: Number(row.created_at_ms) });
        await client.query(`UPDATE notification_outbox SET status = 'sent', attempts = attempts + 1, sent_at_ms = $2, last_error = NULL WHERE id = $1`, [row.id, now]);
        summary.sent += 1;
      } catch (error) {
        const attempts = row.attempts + 1;
        const failed = attempts >= MAX_DELIVERY_ATTEMPTS;
        await client.query(
          `UPDATE notification_outbox SET attempts = $2, status = $3, next_attempt_at_ms = $4, last_error = $5 WHERE id = $1`,
          [row.id, attempts, failed ? 'failed' : 'pending', now + retryDelayMs(attempts), String(error?.message ?? error).slice(0, 500)],
        );
        if (failed) summary.failed += 1;
        else summary.retrying += 1;
      }
    }
    return summary;
  },
};
