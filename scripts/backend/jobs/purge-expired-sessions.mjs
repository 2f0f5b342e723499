// Deletes sign-in sessions that expired more than a day ago (their tokens can
// no longer sign anyone in; the rows are only leftovers). The sessions of
// scripts/backend/auth/ (auth_sessions, their tokens going with them) and the
// older single-table `sessions`. The staff audit log keeps its own copy of a
// session id and is never touched.

export default {
  name: 'purge-expired-sessions',
  everyMs: 3_600_000,
  async run(client, { nowMs }) {
    let deleted = 0;
    const { rows } = await client.query("SELECT to_regclass('auth_sessions') IS NOT NULL AS auth");
    if (rows[0].auth) {
      const r = await client.query('DELETE FROM auth_sessions WHERE expires_at_ms < $1::bigint', [nowMs() - 86_400_000]);
      deleted += r.rowCount;
    }
    const legacy = await client.query("DELETE FROM sessions WHERE expires_at < now() - interval '1 day'");
    deleted += legacy.rowCount;
    return { deleted };
  },
};
