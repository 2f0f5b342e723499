// Deletes stored idempotency keys (and the replies stored with them) once no
// client can still be retrying them. A phone's outbox re-delivers a mutation
// until it is answered; after IDEMPOTENCY_RETENTION_DAYS a re-delivery of the
// same key would run again, which the schema's own constraints (one check-in
// id, one referrer, one grant key…) still keep from doing anything twice.

/** Days a key and its reply are kept. */
export const IDEMPOTENCY_RETENTION_DAYS = 30;

export default {
  name: 'purge-idempotency-keys',
  // Hourly (pg-boss cron, the server's zone).
  cron: '47 * * * *',
  async run(client) {
    const { rowCount } = await client.query(
      `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(days => $1)`,
      [IDEMPOTENCY_RETENTION_DAYS],
    );
    return { deleted: rowCount };
  },
};
