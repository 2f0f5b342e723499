// Running one mutation exactly once per (subject, Idempotency-Key), in one
// transaction with its stored reply, retried inside the server when
// PostgreSQL reports a deadlock or a serialization failure.

import { createHash } from 'node:crypto';

import { inTransaction } from './db.mjs';
import { ApiError } from './service.mjs';

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * Runs one mutation under its idempotency key, in one transaction: the key
 * is claimed first for this subject (a concurrent duplicate waits on it, then
 * replays), the mutation runs under a savepoint, and the reply — success or a
 * rejection — is stored with the key before COMMIT. Unexpected failures roll
 * everything back (the key too) so the client's retry runs it again. Keys are
 * per subject: another patient's key of the same text is another key.
 * @param {import('pg').Pool} pool
 * @param {{core: object, nowMs: () => number}} ctx
 * @param {{subjectId: string, role: string}} who
 * @param {{name: string, run: Function}} operation
 * @param {string} key
 * @param {unknown} body
 * @returns {Promise<{status: number, body: object, replayed: boolean}>}
 */
export async function runMutation(pool, ctx, who, operation, key, body) {
  const requestSha = sha256(`${operation.name}\n${JSON.stringify(body)}`);
  return inTransaction(
    pool,
    async (client) => {
      const claimed = await client.query(
        `INSERT INTO idempotency_keys (subject_id, key, operation, request_sha256) VALUES ($1, $2, $3, $4)
         ON CONFLICT (subject_id, key) DO NOTHING RETURNING key`,
        [who.subjectId, key, operation.name, requestSha],
      );
      if (claimed.rowCount === 0) {
        const { rows } = await client.query(
          'SELECT operation, request_sha256, status, response FROM idempotency_keys WHERE subject_id = $1 AND key = $2',
          [who.subjectId, key],
        );
        const prior = rows[0];
        if (!prior || prior.status === null) throw new Error(`idempotency key ${key} vanished or incomplete`);
        if (prior.operation !== operation.name || prior.request_sha256 !== requestSha) {
          return {
            status: 422,
            body: { error: { code: 'idempotency.key_reused', message: '同一个请求编号被用于不同的内容' } },
            replayed: false,
          };
        }
        return { status: prior.status, body: prior.response, replayed: true };
      }
      await client.query('SAVEPOINT mutation');
      let status = 200;
      let reply;
      try {
        reply = await operation.run(client, ctx, who, body);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        await client.query('ROLLBACK TO SAVEPOINT mutation');
        status = error.status;
        reply = error.toBody();
      }
      await client.query('UPDATE idempotency_keys SET status = $3, response = $4 WHERE subject_id = $1 AND key = $2', [
        who.subjectId,
        key,
        status,
        JSON.stringify(reply),
      ]);
      return { status, body: reply, replayed: false };
    },
    { retryConflicts: true },
  );
}
