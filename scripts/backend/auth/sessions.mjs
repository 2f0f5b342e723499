// Sessions of the reference backend: OPAQUE random bearer tokens, stored as
// SHA-256 only (auth/schema.sql), not signed JWTs. Why: every request already
// reads PostgreSQL, so looking the token up costs one indexed read, and in
// exchange a logout, a staff revocation or a role change takes effect on the
// very next request — a signed access token would stay valid until it expires
// and would need a signing key to guard and rotate. A leaked database holds
// no usable token (hashes only).
//
//   access token   cca_…  15 minutes (accessTtlMs), sent as Authorization: Bearer
//   refresh token  ccr_…  single use: POST /auth/refresh returns a new pair and
//                         spends it; presenting a spent one again means it was
//                         copied, so the whole family (the sign-in) is revoked
//   session        the family: ends at expiresAtMs (patients 30 days, staff
//                  12 hours from sign-in), or at logout / revocation.
import { createHash, randomBytes } from 'node:crypto';

import { AuthError } from './oidc.mjs';
import { isRole, isStaffRole } from './policy.mjs';

export const ACCESS_TTL_MS = 15 * 60_000;
export const PATIENT_SESSION_TTL_MS = 30 * 86_400_000;
export const STAFF_SESSION_TTL_MS = 12 * 3_600_000;

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const TOKEN = /^cc[ar]_[A-Za-z0-9_-]{43}$/;

/**
 * @param {{pool: import('pg').Pool, nowMs?: () => number, accessTtlMs?: number,
 *   patientSessionTtlMs?: number, staffSessionTtlMs?: number}} options
 */
export function createSessionStore({
  pool,
  nowMs = () => Date.now(),
  accessTtlMs = ACCESS_TTL_MS,
  patientSessionTtlMs = PATIENT_SESSION_TTL_MS,
  staffSessionTtlMs = STAFF_SESSION_TTL_MS,
}) {
  async function insertPair(client, sessionId, sessionExpiresAtMs) {
    const now = nowMs();
    const accessToken = `cca_${randomBytes(32).toString('base64url')}`;
    const refreshToken = `ccr_${randomBytes(32).toString('base64url')}`;
    const accessExpiresAtMs = Math.min(now + accessTtlMs, sessionExpiresAtMs);
    await client.query(
      `INSERT INTO auth_tokens (token_sha256, session_id, kind, expires_at_ms) VALUES ($1, $3, 'access', $4), ($2, $3, 'refresh', $5)`,
      [sha256(accessToken), sha256(refreshToken), sessionId, accessExpiresAtMs, sessionExpiresAtMs],
    );
    return { accessToken, refreshToken, accessExpiresAtMs, refreshExpiresAtMs: sessionExpiresAtMs };
  }

  /**
   * Opens a session (a new refresh family) for a record and role, inside the
   * caller's transaction.
   * @param {import('pg').PoolClient} client
   * @param {{subjectId: string, role: string, provider: string, demo: boolean}} who
   */
  async function open(client, { subjectId, role, provider, demo }) {
    if (!isRole(role)) throw new Error(`unknown role ${role}`);
    const now = nowMs();
    const sessionId = randomBytes(18).toString('base64url');
    const expiresAtMs = now + (isStaffRole(role) ? staffSessionTtlMs : patientSessionTtlMs);
    await client.query(
      `INSERT INTO auth_sessions (id, subject_id, role, provider, demo, created_at_ms, expires_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [sessionId, subjectId, role, provider, demo, now, expiresAtMs],
    );
    return { sessionId, ...(await insertPair(client, sessionId, expiresAtMs)) };
  }

  /**
   * Who an access token belongs to, or null (unknown, expired, revoked).
   * @param {string} token
   * @returns {Promise<{subjectId: string, role: string, sessionId: string, demo: boolean} | null>}
   */
  async function authenticate(token) {
    if (typeof token !== 'string' || !token.startsWith('cca_') || !TOKEN.test(token)) return null;
    const { rows } = await pool.query(
      `SELECT s.id, s.subject_id, s.role, s.demo FROM auth_tokens t JOIN auth_sessions s ON s.id = t.session_id
        WHERE t.token_sha256 = $1 AND t.kind = 'access' AND t.expires_at_ms > $2
          AND s.revoked_at_ms IS NULL AND s.expires_at_ms > $2`,
      [sha256(token), nowMs()],
    );
    if (rows.length === 0) return null;
    return { subjectId: rows[0].subject_id, role: rows[0].role, sessionId: rows[0].id, demo: rows[0].demo };
  }

  async function revokeSession(client, sessionId, reason) {
    await client.query(
      `UPDATE auth_sessions SET revoked_at_ms = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at_ms IS NULL`,
      [sessionId, nowMs(), reason],
    );
  }

  /**
   * Spends a refresh token for a new pair. A spent token presented again
   * revokes its family and is refused (401 auth.refresh_reused).
   * @param {string} refreshToken
   */
  async function refresh(refreshToken) {
    const invalid = () => new AuthError(401, 'auth.invalid_refresh_token', '登录已过期，请重新登录');
    if (typeof refreshToken !== 'string' || !refreshToken.startsWith('ccr_') || !TOKEN.test(refreshToken)) throw invalid();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(
        `SELECT t.session_id, t.used_at_ms, t.expires_at_ms, s.subject_id, s.role, s.demo, s.revoked_at_ms, s.expires_at_ms AS session_expires
           FROM auth_tokens t JOIN auth_sessions s ON s.id = t.session_id
          WHERE t.token_sha256 = $1 AND t.kind = 'refresh' FOR UPDATE OF t, s`,
        [sha256(refreshToken)],
      );
      const row = rows[0];
      const now = nowMs();
      if (!row || row.revoked_at_ms !== null || row.session_expires <= now) {
        await client.query('ROLLBACK');
        throw invalid();
      }
      if (row.used_at_ms !== null) {
        await revokeSession(client, row.session_id, 'refresh_reused');
        await client.query('COMMIT');
        throw new AuthError(401, 'auth.refresh_reused', '登录已在别处更新，为安全起见请重新登录');
      }
      await client.query(`UPDATE auth_tokens SET used_at_ms = $2 WHERE token_sha256 = $1`, [sha256(refreshToken), now]);
      const pair = await insertPair(client, row.session_id, row.session_expires);
      await client.query('COMMIT');
      return { sessionId: row.session_id, subjectId: row.subject_id, role: row.role, demo: row.demo, ...pair };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  /** Ends the session of `sessionId` (logout). */
  async function logout(sessionId) {
    await revokeSession(pool, sessionId, 'logout');
  }

  /**
   * Ends every live session of a record (a staff revocation).
   * @returns {Promise<number>} how many sessions it ended
   */
  async function revokeSubject(subjectId, reason = 'revoked_by_staff') {
    const { rowCount } = await pool.query(
      `UPDATE auth_sessions SET revoked_at_ms = $2, revoked_reason = $3 WHERE subject_id = $1 AND revoked_at_ms IS NULL`,
      [subjectId, nowMs(), reason],
    );
    return rowCount;
  }

  return Object.freeze({ open, authenticate, refresh, logout, revokeSubject });
}

/**
 * Links a verified identity (provider + subject) to a record and returns the
 * record's id, inside the caller's transaction. The first sign-in links:
 *   patient via the hospital IdP   the patient_id claim names the record; it is
 *                                  registered (createRecord) when it does not exist yet
 *   patient via WeChat             openid binds to a NEW patient record on the
 *                                  first sign-in (the patient registers then)
 *   staff                          a staff record derived from provider + subject
 * Later sign-ins find the link. A changed role is stored, and the schema's
 * trigger revokes the record's other sessions.
 * @param {import('pg').PoolClient} client
 * @param {{provider: string, subject: string, unionid?: string, role: string, patientId?: string|null, name?: string}} identity
 * @param {(client: import('pg').PoolClient, record: {id: string, name: string, isStaff: boolean}) => Promise<void>} createRecord
 * @param {number} nowMs
 */
export async function linkIdentity(client, identity, createRecord, nowMs) {
  const { provider, subject, role } = identity;
  // One sign-in per identity at a time: two first sign-ins cannot both register.
  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [`${provider}\n${subject}`]);
  const { rows } = await client.query('SELECT subject_id, role FROM auth_identities WHERE provider = $1 AND subject = $2', [
    provider,
    subject,
  ]);
  if (rows.length) {
    const linked = rows[0].subject_id;
    const record = await client.query('SELECT is_staff FROM patients WHERE id = $1', [linked]);
    if (record.rows[0]?.is_staff !== isStaffRole(role)) {
      throw new AuthError(403, 'auth.role_mismatch', '这个账号的身份与登记的不一致，请联系医院');
    }
    if (rows[0].role !== role) {
      await client.query('UPDATE auth_identities SET role = $3 WHERE provider = $1 AND subject = $2', [provider, subject, role]);
    }
    return linked;
  }
  let id;
  if (isStaffRole(role)) id = `staff-${createHash('sha256').update(`${provider}\n${subject}`).digest('hex').slice(0, 24)}`;
  else if (identity.patientId) id = identity.patientId;
  else id = `wx-${randomBytes(12).toString('hex')}`;
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(id)) throw new AuthError(403, 'auth.bad_patient_id', '身份信息里的患者编号无效，请联系医院');
  const existing = await client.query('SELECT is_staff FROM patients WHERE id = $1', [id]);
  if (existing.rows.length === 0) await createRecord(client, { id, name: identity.name ?? '', isStaff: isStaffRole(role) });
  else if (existing.rows[0].is_staff !== isStaffRole(role)) {
    throw new AuthError(403, 'auth.role_mismatch', '这个账号的身份与登记的不一致，请联系医院');
  }
  await client.query(
    `INSERT INTO auth_identities (provider, subject, unionid, subject_id, role, linked_at_ms) VALUES ($1, $2, $3, $4, $5, $6)`,
    [provider, subject, identity.unionid ?? null, id, role, nowMs],
  );
  return id;
}
