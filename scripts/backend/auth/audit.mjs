// The staff audit log: one row per request a staff session makes (allowed or
// refused), written after the reply is known. Append-only in the schema
// (auth/schema.sql); read by the auditor role only (GET /staff/audit).

export const AUDIT_PAGE_SIZE = 50;

/**
 * @param {import('pg').Pool} pool
 * @param {{receivedAtMs: number, actorId: string, role: string, sessionId?: string|null, demo: boolean,
 *   method: string, route: string, operation: string, target?: string|null, address: string,
 *   status: number, errorCode?: string|null}} entry
 */
export async function recordStaffAction(pool, entry) {
  const outcome =
    entry.status < 400 ? 'ok' : entry.status === 401 || entry.status === 403 ? 'denied' : entry.status >= 500 ? 'failed' : 'rejected';
  await pool.query(
    `INSERT INTO staff_audit_log (received_at_ms, actor_id, role, session_id, demo, method, route, operation, target, address, status, outcome, error_code)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      entry.receivedAtMs,
      entry.actorId,
      entry.role,
      entry.sessionId ?? null,
      entry.demo,
      entry.method,
      entry.route,
      entry.operation,
      entry.target == null ? null : String(entry.target).slice(0, 300),
      entry.address,
      entry.status,
      outcome,
      entry.errorCode ?? null,
    ],
  );
}

/**
 * A page of the log, newest first. `before` is the opaque cursor of the
 * previous page's `next` (the id of its last row).
 * @param {import('pg').Pool | import('pg').PoolClient} db
 * @param {{before?: string|null, limit?: number}} [options]
 */
export async function readAuditLog(db, { before = null, limit = AUDIT_PAGE_SIZE } = {}) {
  let beforeId = null;
  if (before !== null && before !== undefined) {
    if (!/^[1-9][0-9]{0,15}$/.test(before)) {
      const error = new Error('bad cursor');
      error.code = 'request.bad_cursor';
      throw error;
    }
    beforeId = Number(before);
  }
  const { rows } = await db.query(
    `SELECT id, received_at_ms, actor_id, role, demo, method, route, operation, target, address, status, outcome, error_code
       FROM staff_audit_log WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT $2`,
    [beforeId, limit + 1],
  );
  const page = rows.slice(0, limit);
  return {
    entries: page.map((r) => ({
      id: String(r.id),
      receivedAtMs: r.received_at_ms,
      actorId: r.actor_id,
      role: r.role,
      demo: r.demo,
      method: r.method,
      route: r.route,
      operation: r.operation,
      target: r.target,
      address: r.address,
      status: r.status,
      outcome: r.outcome,
      ...(r.error_code ? { errorCode: r.error_code } : {}),
    })),
    next: rows.length > limit ? String(page[page.length - 1].id) : null,
  };
}
