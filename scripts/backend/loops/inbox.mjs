// The patient's inbox (消息) and the notification outbox.
//
// What a referrer hears about their friends is the core's feed
// (myReferralTree on the server's minimised graph, getReferralGraph): names
// masked by the core, detailed steps (到院, 已完成就诊, the lapse notice)
// only for a friend who consented to share their progress (G7) — a friend
// without that consent yields 一位朋友已接受邀请 and the reward, nothing else.
// A reward issued outside a referral the patient made (their own welcome
// voucher, a check-in voucher, a monthly place) is said with the reward's
// title. This file writes down what is new, once per step, and queues one
// notification per new step for the configured sender; it decides nothing.
//
// Steps older than NOTIFY_WINDOW_MS when first seen go into the inbox
// without a notification: history, not news (a patient's first run after an
// upgrade is not a burst of old messages).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { inTransaction } from '../db.mjs';
import { ApiError, getReferralGraph } from '../service.mjs';

const SCHEMA_FILE = new URL('./inbox.sql', import.meta.url);

/** A step first seen later than this after it happened is not notified. */
export const NOTIFY_WINDOW_MS = 7 * 86_400_000;
/** Entries GET /me/inbox returns (newest first). */
export const INBOX_PAGE = 100;
/** Delivery attempts before a notification is marked failed. */
export const MAX_DELIVERY_ATTEMPTS = 8;

export async function applyInboxSchema(pool) {
  await pool.query(readFileSync(SCHEMA_FILE, 'utf8'));
}

/** A step's identity: kind, instant, words, and which of identical steps it is (two rewards vesting at once). */
function entryKey(kind, atMs, text, occurrence) {
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `${kind}:${atMs}:${digest}${occurrence > 0 ? `:${occurrence}` : ''}`;
}

/**
 * Adds one entry (and its notification) unless it is there already.
 * @returns {Promise<{added: boolean, notified: boolean}>}
 */
async function addEntry(client, ctx, patientId, { kind, atMs, text, occurrence }, { channel }) {
  const nowMs = ctx.nowMs();
  const key = entryKey(kind, atMs, text, occurrence);
  const inserted = await client.query(
    `INSERT INTO inbox_entries (patient_id, entry_key, kind, text, at_ms, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING RETURNING entry_key`,
    [patientId, key, kind, text, atMs, nowMs],
  );
  if (inserted.rowCount === 0) return { added: false, notified: false };
  if (!channel || atMs < nowMs - NOTIFY_WINDOW_MS) return { added: true, notified: false };
  await client.query(
    `INSERT INTO notification_outbox (patient_id, entry_key, channel, text, next_attempt_at_ms, created_at_ms)
     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`,
    [patientId, key, channel, text, nowMs],
  );
  return { added: true, notified: true };
}

/**
 * Writes the new steps of the patient's referrals (the core's feed) into
 * their inbox, and `issued` (rewards the job just issued that are not a
 * referrer's reward of a referral, which the feed already says).
 * @param {import('pg').PoolClient} client inside the caller's transaction
 * @param {{core: object, nowMs: () => number}} ctx
 * @param {string} patientId
 * @param {{channel?: string | null, issued?: {title: string, type: string, referrer: boolean}[]}} [options]
 * @returns {Promise<{added: number, notified: number}>}
 */
export async function refreshInbox(client, ctx, patientId, { channel = null, issued = [] } = {}) {
  const nowMs = ctx.nowMs();
  const graph = await getReferralGraph(client, ctx, patientId);
  const steps = [];
  if (graph.records.some((r) => r.referrerId === patientId)) {
    const envelope = ctx.core.call('myReferralTree', { nowMs, patientId, records: graph.records, patients: graph.patients });
    if (!envelope.ok) throw new Error(`myReferralTree: ${envelope.error.code}`);
    for (const event of envelope.value.feed) {
      if (event.atMs > 0 && event.atMs <= nowMs) steps.push({ kind: event.kind, atMs: event.atMs, text: event.text });
    }
  }
  for (const grant of issued) {
    if (grant.referrer) continue;
    // Honours are earned, not paid out: a medal or a title is "获得", a voucher or a service "已到账".
    const honour = grant.type === 'medal' || grant.type === 'title';
    steps.push({ kind: 'issued', atMs: nowMs, text: honour ? `恭喜您获得${grant.title}` : `您的${grant.title}已到账` });
  }
  let added = 0;
  let notified = 0;
  // Oldest first: the inbox's order of arrival follows the order of the steps.
  steps.sort((a, b) => a.atMs - b.atMs);
  const seen = new Map();
  for (const step of steps) {
    const id = `${step.kind}\u0000${step.atMs}\u0000${step.text}`;
    step.occurrence = seen.get(id) ?? 0;
    seen.set(id, step.occurrence + 1);
  }
  for (const step of steps) {
    const r = await addEntry(client, ctx, patientId, step, { channel });
    if (r.added) added += 1;
    if (r.notified) notified += 1;
  }
  return { added, notified };
}

/**
 * GET /me/inbox: the caller's entries, newest first (at most INBOX_PAGE).
 * @returns {Promise<{entries: {key: string, kind: string, text: string, atMs: number}[]}>}
 */
export async function getInbox(client, patientId) {
  const { rows } = await client.query(
    `SELECT entry_key, kind, text, at_ms FROM inbox_entries WHERE patient_id = $1
      ORDER BY at_ms DESC, created_at_ms DESC, entry_key LIMIT $2`,
    [patientId, INBOX_PAGE],
  );
  return { entries: rows.map((r) => ({ key: r.entry_key, kind: r.kind, text: r.text, atMs: Number(r.at_ms) })) };
}

/**
 * GET /staff/jobs: the latest runs of the scheduled jobs and the state of
 * the notification outbox (what ran, when, what it changed).
 */
export async function getJobRuns(client, { limit = 50 } = {}) {
  const runs = await client.query(
    `SELECT id, job, cause, started_at_ms, finished_at_ms, outcome, summary, error FROM job_runs ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  const outbox = await client.query(`SELECT status, count(*)::int AS n FROM notification_outbox GROUP BY status ORDER BY status`);
  const counts = { pending: 0, sent: 0, failed: 0 };
  for (const r of outbox.rows) counts[r.status] = r.n;
  return {
    runs: runs.rows.map((r) => ({
      id: String(r.id),
      job: r.job,
      cause: r.cause,
      startedAtMs: Number(r.started_at_ms),
      finishedAtMs: r.finished_at_ms === null ? null : Number(r.finished_at_ms),
      outcome: r.outcome,
      summary: r.summary,
      ...(r.error ? { error: r.error } : {}),
    })),
    outbox: counts,
  };
}

/** The routes, for the route list the contract test compares with docs/api/openapi.yaml. */
export const INBOX_ROUTES = Object.freeze([
  { method: 'GET', path: '/me/inbox' },
  { method: 'GET', path: '/staff/jobs' },
]);

/**
 * Registers the inbox and jobs routes on the /api/v1 scope.
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, guard: Function, send: Function}} deps
 */
export function registerInboxRoutes(api, { pool, guard, send }) {
  api.get('/me/inbox', { onRequest: guard('patient', { mutation: false }) }, async (request, reply) =>
    send(reply, 200, await inTransaction(pool, (client) => getInbox(client, request.who.subjectId), { readOnly: true })),
  );
  api.get('/staff/jobs', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const raw = Array.isArray(request.query?.limit) ? request.query.limit[0] : request.query?.limit;
    const limit = raw === undefined ? 50 : Number(raw);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ApiError(400, 'request.bad_query', 'limit 应为 1–200 的整数', { path: '/limit' });
    return send(reply, 200, await inTransaction(pool, (client) => getJobRuns(client, { limit }), { readOnly: true }));
  });
}
