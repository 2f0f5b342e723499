// Deletes sign-in sessions (scripts/backend/auth/, table auth_sessions, their
// tokens going with them) that expired more than a day ago: their tokens can
// no longer sign anyone in, the rows are only leftovers. The staff audit log
// keeps its own copy of a session id and is never touched.

export default {
  name: 'purge-expired-sessions',
  // Hourly (pg-boss cron, the server's zone).
  cron: '17 * * * *',
  async run(client, { nowMs }) {
    const { rowCount } = await client.query('DELETE FROM auth_sessions WHERE expires_at_ms < $1::bigint', [nowMs() - 86_400_000]);
    return { deleted: rowCount };
  },
};
