// A staff-recorded clinical moment (POST /staff/clinical-moments), checked
// the same way by the reference backend (scripts/backend/service.mjs) and the
// offline demo playing it (web/backend/offline-channels.js): the kinds, the
// fields, the patient number's form and the dating window. Whether a moment
// pauses an invite prompt is the core's rule (mayShowInvitePrompt, G17).
//
// No imports: the caller passes its way of refusing, `bad(message, path)`,
// which throws its own 400 request.bad_body.

const DAY_MS = 86_400_000;

/** The kinds staff record (the core's windows: docs/api/eligibility.md). */
export const CLINICAL_MOMENT_KINDS = Object.freeze(['admission', 'surgery', 'discharge', 'badNews', 'death', 'sensitiveCase']);
/** Dated at most this far back (recorded late) … */
export const CLINICAL_MOMENT_BACK_DAYS = 7;
/** … and at most this far ahead (a planned admission or surgery). */
export const CLINICAL_MOMENT_AHEAD_DAYS = 90;

/**
 * The moment a staff request asks to record, or `bad(…)` thrown.
 * @param {unknown} body {patientId, kind, atMs?}
 * @param {number} nowMs the server's clock
 * @param {(message: string, path?: string) => Error} bad
 * @returns {{patientId: string, kind: string, atMs: number}}
 */
export function checkClinicalMoment(body, nowMs, bad) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('请求内容应为 {patientId, kind, atMs?}');
  const unknown = Object.keys(body).find((k) => !['patientId', 'kind', 'atMs'].includes(k));
  if (unknown) throw bad(`含有未知字段 ${unknown.slice(0, 64)}`, `/${unknown.slice(0, 64)}`);
  const { patientId, kind } = /** @type {any} */ (body);
  if (typeof patientId !== 'string' || !/^[A-Za-z0-9_.:-]{1,64}$/.test(patientId)) throw bad('patientId 无效', '/patientId');
  if (!CLINICAL_MOMENT_KINDS.includes(kind)) throw bad(`kind 应为 ${CLINICAL_MOMENT_KINDS.join(' / ')}`, '/kind');
  const atMs = /** @type {any} */ (body).atMs ?? nowMs;
  if (!Number.isSafeInteger(atMs) || atMs < nowMs - CLINICAL_MOMENT_BACK_DAYS * DAY_MS || atMs > nowMs + CLINICAL_MOMENT_AHEAD_DAYS * DAY_MS) {
    throw bad('atMs 应为有效的毫秒时间戳，且在允许的范围内', '/atMs');
  }
  return { patientId, kind, atMs };
}
