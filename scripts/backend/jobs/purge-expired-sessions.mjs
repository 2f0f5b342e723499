// Deletes sessions that expired more than a day ago (their token can no
// longer sign anyone in; the row is only a leftover).

export default {
  name: 'purge-expired-sessions',
  everyMs: 3_600_000,
  async run(client) {
    const { rowCount } = await client.query("DELETE FROM sessions WHERE expires_at < now() - interval '1 day'");
    return { deleted: rowCount };
  },
};
