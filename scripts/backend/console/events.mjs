// Hospital events on the operations console (医院事件): the referral steps a
// hospital confirms for a friend who came through a referral — registration
// (建档), arrival (到院), conversion (就诊), admission (入院), discharge (出院),
// complaint (投诉) — recorded three ways, each row checked by the core's
// checkHospitalEvents (checkEvents below: the step, the referral, the time,
// at most 7 days back and never in the future, set once, who records it) and
// written by service.mjs writeHospitalEvent:
//   - by hand, one step of one patient (POST /staff/referral-events:
//     recordEventByHand; this screen lists the referrals to pick from:
//     GET /staff/event-referrals);
//   - a day's CSV export of the hospital information system
//     (POST /staff/referral-events/import), reported row by row;
//   - the signed webhook for the hospital system (webhook.mjs).
//
// An import is ONE database transaction and each row runs under its own
// savepoint: a row that is refused (unknown patient, unknown step, a date
// too old or in the future) rolls back only itself and is listed with its
// reason; the rows that pass are applied together with the import's report,
// or — if the server or the database fails mid-way — none of them is (a
// retry then starts from nothing). A file that cannot be read as CSV at all
// (bad encoding, a quote left open, missing columns) is refused whole before
// anything is applied. An event already recorded is "unchanged", never
// applied twice, so importing the same file again applies nothing.

import { createHash } from 'node:crypto';

import { parse } from 'csv-parse/sync';

import { MAX_EVENT_CSV_ROWS, readEventsCsv } from '../../../web/lib/csv-events.js';
import { inTransaction } from '../db.mjs';
import { ApiError, EVENT_COLUMNS, HOSPITAL_EVENT_BACKDATE_MS, writeHospitalEvent } from '../service.mjs';

const DAY_MS = 86_400_000;
/** Rows in one import (a large hospital's day is a few thousand). */
export const MAX_IMPORT_ROWS = MAX_EVENT_CSV_ROWS;
/** Bytes of CSV in one import (the request body, base64, stays under the server's 1 MiB). */
export const MAX_IMPORT_BYTES = 700 * 1024;

export const CONSOLE_EVENTS_SCHEMA = `
-- Every import of hospital events (a CSV file or a webhook delivery): who,
-- when, what it held and what it did. Its rows' events are in hospital_events.
CREATE TABLE IF NOT EXISTS event_imports (
  id             bigserial PRIMARY KEY,
  source         text NOT NULL CHECK (source IN ('csv', 'webhook')),
  file_name      text NOT NULL DEFAULT '' CHECK (length(file_name) <= 200),
  sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  recorded_by    text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 128),
  recorded_at_ms bigint NOT NULL CHECK (recorded_at_ms >= 0),
  row_count      integer NOT NULL CHECK (row_count >= 0),
  applied        integer NOT NULL CHECK (applied >= 0),
  unchanged      integer NOT NULL CHECK (unchanged >= 0),
  refused        integer NOT NULL CHECK (refused >= 0)
);
`;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const badBody = (message, path) => new ApiError(400, 'request.bad_body', message, path ? { path } : {});

/** The CSV's bytes as text: UTF-8 (a BOM is dropped) or GB18030 when declared; invalid bytes are refused. */
export function decodeCsv(bytes, encoding = 'utf-8') {
  const label = encoding === 'gb18030' || encoding === 'gbk' ? 'gb18030' : 'utf-8';
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, 'csv.bad_encoding', label === 'utf-8'
      ? '文件不是有效的 UTF-8 文本，请在导出时选择 UTF-8 编码（或选择 GBK 后重新导入）'
      : '文件不是有效的 GBK 文本，请核对导出时的编码', { path: '/csvBase64' });
  }
}

/**
 * Parses a hospital export (web/lib/csv-events.js, the same reading as the
 * offline demo's): a header row naming the columns, then one event per row.
 * Returns [{line, columns, expected, patientId, referralId, eventText, atText}]
 * or throws 400 csv.* (413 csv.too_many_rows) for a file not readable as such.
 */
export function parseEventsCsv(text) {
  return readEventsCsv(text, { parse, refuse: (status, code, message, extra) => new ApiError(status, code, message, extra) });
}

/** A short echo of what a row said (for the report; never more than 64 characters). */
const echo = (text) => String(text ?? '').slice(0, 64);

/** A cell as the core reads it: at most 256 characters (no id is longer than 128, so none is matched by a cut one). */
const cell = (text) => String(text ?? '').slice(0, 256);

/**
 * The core's verdict on each item (checkHospitalEvents), against the
 * referrals the items name and the steps those already have.
 * `items`: [{patientId?, referralId?, eventText, atMs? | atText?, columns?, expected?}].
 */
export async function checkEvents(client, ctx, recordedBy, items) {
  const patientIds = [...new Set(items.map((i) => cell(i.patientId)).filter(Boolean))];
  const referralIds = [...new Set(items.map((i) => cell(i.referralId)).filter(Boolean))];
  const { rows } = patientIds.length || referralIds.length
    ? await client.query(
      `SELECT id, referee_id, ${Object.values(EVENT_COLUMNS).join(', ')} FROM referrals
        WHERE referee_id = ANY($1::text[]) OR id = ANY($2::text[]) ORDER BY id`,
      [patientIds, referralIds],
    )
    : { rows: [] };
  const envelope = ctx.core.call('checkHospitalEvents', {
    nowMs: ctx.nowMs(),
    backdateDays: HOSPITAL_EVENT_BACKDATE_MS / DAY_MS,
    recordedBy,
    referrals: rows.map((r) => ({
      id: r.id,
      patientId: r.referee_id,
      steps: Object.fromEntries(Object.entries(EVENT_COLUMNS).map(([name, column]) => [name, Number(r[column])])),
    })),
    rows: items.map((i) => ({
      patientId: cell(i.patientId),
      referralId: cell(i.referralId),
      event: cell(i.eventText),
      ...(i.atMs !== undefined ? { atMs: i.atMs } : { atText: cell(i.atText) }),
      ...(i.columns !== undefined ? { columns: i.columns, expected: i.expected } : {}),
    })),
  });
  if (!envelope.ok) throw new ApiError(422, envelope.error.code, envelope.error.message, { path: envelope.error.path });
  return envelope.value.rows;
}

/**
 * Applies the items the core allows, each under its own savepoint of the
 * caller's transaction; the others are listed with the core's reason.
 * Returns the per-item results and the counts.
 */
export async function applyEvents(client, ctx, recordedBy, items) {
  const verdicts = await checkEvents(client, ctx, recordedBy, items);
  const results = [];
  const counts = { applied: 0, unchanged: 0, refused: 0 };
  const refuse = (item, code, reason, event) => {
    counts.refused += 1;
    results.push({ ...where(item, event), outcome: 'refused', code, reason });
  };
  for (const [k, item] of items.entries()) {
    const v = verdicts[k];
    if (v.outcome === 'refused') {
      refuse(item, v.code, v.reason, v.event);
      continue;
    }
    if (v.outcome === 'unchanged') {
      counts.unchanged += 1;
      results.push({ ...where(item, v.event), referralId: v.referralId, outcome: 'unchanged', atMs: v.atMs, reason: v.reason });
      continue;
    }
    await client.query('SAVEPOINT event_row');
    try {
      const done = await writeHospitalEvent(client, ctx, recordedBy, { referralId: v.referralId, event: v.event, atMs: v.atMs });
      await client.query('RELEASE SAVEPOINT event_row');
      if (done.changed) {
        counts.applied += 1;
        results.push({ ...where(item, v.event), referralId: v.referralId, outcome: 'applied', atMs: done.atMs });
      } else {
        counts.unchanged += 1;
        results.push({ ...where(item, v.event), referralId: v.referralId, outcome: 'unchanged', atMs: done.atMs, reason: '已记录过，未重复记录' });
      }
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT event_row');
      if (!(error instanceof ApiError)) throw error;
      refuse(item, error.code, error.message, v.event);
    }
  }
  return { results, counts };
}

/** Where a by-hand request's field is, for the core's row paths. */
const BY_HAND_FIELD = Object.freeze({ referralId: '/referralId', patientId: '/referralId', event: '/event', atMs: '/atMs', atText: '/atMs' });
/** A refusal by hand keeps the route's contract: its body is bad, save an unknown referral or a date too old. */
const BY_HAND_ERROR = Object.freeze({ 'referral.unknown': [404, 'referral.unknown'], 'referral.event_too_old': [422, 'referral.event_too_old'] });

/**
 * POST /staff/referral-events {referralId, event, atMs?}: one step of one
 * referral, by hand, checked by the core like a CSV row (atMs absent: now).
 * Reply: {referralId, event, atMs, changed}.
 */
export async function recordEventByHand(client, ctx, staffId, body) {
  if (!isObject(body) || typeof body.referralId !== 'string') throw badBody('请求内容应为 {referralId, event, atMs?}', '/referralId');
  if (typeof body.event !== 'string') throw badBody('请选择事件：建档、到院、就诊、入院、出院或投诉', '/event');
  const at = body.atMs ?? ctx.nowMs();
  // Whole milliseconds the core can hold. The contract refuses anything but an
  // integer before this runs; an integer past 2^53 (1e20, read as a float)
  // reaches here and is refused as such, never turned into text for the core.
  if (!Number.isSafeInteger(at)) throw badBody('时间应为整数毫秒（不填为现在）', '/atMs');
  const item = { referralId: body.referralId, eventText: body.event, atMs: at };
  const [v] = await checkEvents(client, ctx, staffId, [item]);
  if (v.outcome === 'refused') {
    const field = v.path.split('/').pop();
    const [status, code] = BY_HAND_ERROR[v.code] ?? [400, 'request.bad_body'];
    throw new ApiError(status, code, v.reason, { path: BY_HAND_FIELD[field] ?? '' });
  }
  if (v.outcome === 'unchanged') return { referralId: v.referralId, event: v.event, atMs: v.atMs, changed: false };
  return writeHospitalEvent(client, ctx, staffId, { referralId: v.referralId, event: v.event, atMs: v.atMs });
}

/** A row's place and what it said (`event`: the step the core recognised, else the row's words). */
function where(item, event) {
  return {
    ...(item.line !== undefined ? { line: item.line } : {}),
    ...(item.index !== undefined ? { index: item.index } : {}),
    patientId: echo(item.patientId),
    ...(item.referralId ? { referralId: echo(item.referralId) } : {}),
    event: event ?? echo(item.eventText),
  };
}

/** Writes the import's record; returns its id. */
export async function recordImport(client, { source, fileName, sha256, recordedBy, nowMs, rowCount, counts }) {
  const { rows } = await client.query(
    `INSERT INTO event_imports (source, file_name, sha256, recorded_by, recorded_at_ms, row_count, applied, unchanged, refused)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
    [source, fileName, sha256, recordedBy, nowMs, rowCount, counts.applied, counts.unchanged, counts.refused],
  );
  return String(rows[0].id);
}

/**
 * POST /staff/referral-events/import {fileName?, encoding?, csvBase64}: a
 * day's events from the hospital system's CSV export, in one transaction,
 * row by row under savepoints. Reply: the counts and every row's outcome.
 */
export async function importEventsCsv(client, ctx, staffId, body) {
  if (!isObject(body)) throw badBody('请求内容应为 {fileName, encoding, csvBase64}');
  const unknown = Object.keys(body).find((k) => !['fileName', 'encoding', 'csvBase64'].includes(k));
  if (unknown) throw badBody(`含有未知字段 ${echo(unknown)}`, `/${echo(unknown)}`);
  if (typeof body.csvBase64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.csvBase64)) throw badBody('csvBase64 应为 Base64 编码的文件内容', '/csvBase64');
  if (body.fileName !== undefined && (typeof body.fileName !== 'string' || body.fileName.length > 200)) throw badBody('fileName 最多200个字符', '/fileName');
  if (body.encoding !== undefined && !['utf-8', 'gbk', 'gb18030'].includes(body.encoding)) throw badBody('encoding 应为 utf-8 / gbk / gb18030', '/encoding');
  const bytes = Buffer.from(body.csvBase64, 'base64');
  if (bytes.length > MAX_IMPORT_BYTES) throw new ApiError(413, 'csv.too_large', `文件过大（最多${Math.floor(MAX_IMPORT_BYTES / 1024)}KB），请按天分开导出`);
  const text = decodeCsv(bytes, body.encoding);
  if (text.includes('\u0000')) throw new ApiError(400, 'csv.bad_encoding', '文件含有空字符，不是文本文件', { path: '/csvBase64' });
  const rows = parseEventsCsv(text);
  const { results, counts } = await applyEvents(client, ctx, staffId, rows);
  const fileName = (body.fileName ?? '').slice(0, 200);
  const importId = await recordImport(client, {
    source: 'csv',
    fileName,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    recordedBy: staffId,
    nowMs: ctx.nowMs(),
    rowCount: rows.length,
    counts,
  });
  return { importId, fileName, rows: rows.length, ...counts, results };
}

/**
 * GET /staff/event-referrals?q=&limit=: referrals to record a step for —
 * newest invitation first, each with its steps' instants and who recorded
 * them. `q` narrows by patient or referral id (prefix) or masked name.
 */
export async function listEventReferrals(client, query) {
  const q = typeof query.q === 'string' ? query.q.trim().slice(0, 64) : '';
  const limit = query.limit === undefined ? 50 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 2000) throw new ApiError(400, 'request.bad_query', 'limit 应为 1–2000 的整数', { path: '/limit' });
  const pattern = `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await client.query(
    `SELECT r.id, r.referee_id, r.referrer_id, r.invited_at_ms, r.consent_to_share_progress,
            r.registration_confirmed_at_ms, r.arrival_confirmed_at_ms, r.conversion_confirmed_at_ms,
            r.admission_confirmed_at_ms, r.discharge_confirmed_at_ms, r.complaint_at_ms,
            e.display_name AS referee_name, f.display_name AS referrer_name
       FROM referrals r JOIN patients e ON e.id = r.referee_id JOIN patients f ON f.id = r.referrer_id
      WHERE $1 = '' OR r.referee_id LIKE $2 OR r.id LIKE $2 OR e.display_name LIKE $2
      ORDER BY r.invited_at_ms DESC, r.id LIMIT $3`,
    [q, pattern, limit],
  );
  const ids = rows.map((r) => r.id);
  const recorded = ids.length
    ? (await client.query('SELECT referral_id, event, recorded_by, recorded_at_ms FROM hospital_events WHERE referral_id = ANY($1::text[])', [ids])).rows
    : [];
  const byReferral = new Map();
  for (const e of recorded) {
    if (!byReferral.has(e.referral_id)) byReferral.set(e.referral_id, {});
    byReferral.get(e.referral_id)[e.event] = { recordedBy: e.recorded_by, recordedAtMs: Number(e.recorded_at_ms) };
  }
  return {
    referrals: rows.map((r) => ({
      referralId: r.id,
      patientId: r.referee_id,
      patientName: r.referee_name,
      referrerName: r.referrer_name,
      invitedAtMs: Number(r.invited_at_ms),
      events: {
        registrationConfirmed: Number(r.registration_confirmed_at_ms),
        arrivalConfirmed: Number(r.arrival_confirmed_at_ms),
        conversionConfirmed: Number(r.conversion_confirmed_at_ms),
        admissionConfirmed: Number(r.admission_confirmed_at_ms),
        dischargeConfirmed: Number(r.discharge_confirmed_at_ms),
        complaint: Number(r.complaint_at_ms),
      },
      recorded: byReferral.get(r.id) ?? {},
    })),
    backdateDays: HOSPITAL_EVENT_BACKDATE_MS / DAY_MS,
  };
}

export const EVENTS_ROUTES = Object.freeze([
  { method: 'GET', path: '/staff/event-referrals' },
  { method: 'POST', path: '/staff/referral-events/import' },
]);

/**
 * @param {import('fastify').FastifyInstance} api
 * @param {{pool: import('pg').Pool, ctx: object, guard: Function, send: Function}} deps
 */
export function registerEventsRoutes(api, { pool, ctx, guard, send }) {
  api.get('/staff/event-referrals', { onRequest: guard('staff', { mutation: false }) }, async (request, reply) => {
    const query = {};
    for (const [k, v] of Object.entries(request.query ?? {})) query[k] = Array.isArray(v) ? v[0] : v;
    const value = await inTransaction(pool, (client) => listEventReferrals(client, query), { readOnly: true });
    return send(reply, 200, value);
  });
  api.post('/staff/referral-events/import', { onRequest: guard('staff', { mutation: true }) }, async (request, reply) => {
    const value = await inTransaction(pool, (client) => importEventsCsv(client, ctx, request.who.subjectId, request.body), { retryConflicts: true });
    return send(reply, 200, value);
  });
}
