// HTTP backend: the Backend interface (./backend.js) over the contract of
// docs/api/openapi.yaml (the reference implementation is scripts/backend).
//
//   const backend = createHttpBackend({
//     baseUrl: '/api/v1',                 // same origin by default (CSP connect-src 'self')
//     token: () => session.token,         // bearer token, or a function returning one
//     outbox: createOutbox(),             // optional (./outbox.js): mutations queue there first
//   });
//   await backend.init();
//
// Transport rules:
//   - every request has a timeout (AbortController);
//   - network errors, timeouts, 429 and 5xx are retried with exponential
//     backoff and jitter; 4xx are answers, never retried;
//   - every mutation carries an Idempotency-Key chosen ONCE per mutation and
//     reused by every retry (and, through the outbox, by every later sync), so
//     the server applies it once however often it is delivered;
//   - every reply's `serverTimeMs` measures the device clock's skew (NTP-style
//     midpoint, the sample with the shortest round trip wins): once any reply
//     has been seen, now() is server time and says so (clock: 'server').
//
// Like every backend, this one stores and returns data only: no rule, no
// default. The server re-runs the same core on every mutation; this client
// runs it for display (the shell), the server decides.

import { assertBackend } from './backend.js';
import { hospitalDeskHttp } from './http-events.js';
import { campaignsHttp } from './http-campaigns.js';
import { channelsHttp } from './http-channels.js';
import { communityConsoleHttp } from './http-community.js';
import { intakeHttpMethods } from './http-intake.js';

/** A reply of the server that is an answer (4xx), or a transport failure after retries. */
export class BackendError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, code?: string, retryable?: boolean, path?: string, cause?: unknown}} [details]
   */
  constructor(message, { status = 0, code = 'network.unavailable', retryable = false, path, cause } = {}) {
    super(message, cause ? { cause } : undefined);
    this.name = 'BackendError';
    this.status = status;
    this.code = code;
    this.retryable = retryable;
    if (path) this.path = path;
  }
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{16,128}$/;

/** Largest /batch body the outbox sends (the reference backend refuses bodies over 1 MiB with 413). */
export const MAX_BATCH_BYTES = 512 * 1024;
/** Room for `{"items":[…]}` around the items. */
const BATCH_ENVELOPE_BYTES = 64;

const utf8Length = (text) => new TextEncoder().encode(text).length;

/** An answer made on the device for an entry the server can never accept as it is. */
function finalAnswer(key, status, code, message) {
  return { key, status, body: { error: { code, message } } };
}
const SKEW_SAMPLES = 8;
/** How long a check-in waits for the server's reply (what it issued) before it leaves that to the queue. */
const CHECK_IN_REPLY_WAIT_MS = 5_000;

function defaultKey() {
  if (typeof crypto !== 'undefined' && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * The idempotency key of a check-in: derived from its id, so that the same
 * record is the same mutation wherever and however often it is queued.
 * @param {{id: string}} record
 * @param {() => string} newKey
 */
export function checkInKey(record, newKey = defaultKey) {
  const derived = `checkIn:${record.id}`;
  return IDEMPOTENCY_KEY.test(derived) ? derived : newKey();
}

function stripMeta(body) {
  if (!body || typeof body !== 'object') return body;
  const { serverTimeMs, replayed, ...rest } = body;
  return rest;
}

const defaultSleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Creates the HTTP backend.
 * @param {object} options
 * @param {string} options.baseUrl            API root, e.g. '/api/v1' or 'https://h.example.cn/api/v1'
 * @param {string | (() => string | Promise<string>)} options.token  bearer token
 * @param {number} [options.timeoutMs]        per attempt (default 10 000)
 * @param {number} [options.retries]          extra attempts after the first (default 4)
 * @param {number} [options.backoffMs]        first backoff (default 300), doubled per attempt
 * @param {number} [options.maxBackoffMs]     backoff ceiling (default 8 000)
 * @param {ReturnType<typeof import('./outbox.js').createOutbox>} [options.outbox]  mutations go there first
 * @param {typeof fetch} [options.fetch]
 * @param {() => number} [options.clock]      device clock (default Date.now)
 * @param {() => string} [options.newKey]     idempotency keys (default crypto.randomUUID)
 * @param {(ms: number) => Promise<void>} [options.sleep]
 * @param {() => number} [options.random]     jitter source in [0, 1)
 * @param {() => boolean} [options.isOnline]  default navigator.onLine (reads fail fast when false)
 */
export function createHttpBackend({
  baseUrl,
  token,
  timeoutMs = 10_000,
  retries = 4,
  backoffMs = 300,
  maxBackoffMs = 8_000,
  outbox = null,
  fetch: fetchImpl = (...args) => globalThis.fetch(...args),
  clock = () => Date.now(),
  newKey = defaultKey,
  sleep = defaultSleep,
  random = Math.random,
  isOnline = () => (typeof navigator === 'undefined' ? true : navigator.onLine !== false),
} = {}) {
  if (typeof baseUrl !== 'string' || baseUrl === '') throw new TypeError('createHttpBackend: baseUrl is required');
  const root = baseUrl.replace(/\/+$/, '');

  /** @type {{skewMs: number, rttMs: number}[]} */
  const samples = [];
  let skewMs = null;
  let serverCoreVersion = null;
  /** @type {import('./backend.js').Profile | null} */
  let profile = null;
  let lastSeq = 0;
  /** Last good reads, used when the network is down (memory only, G19). */
  const cache = new Map();

  function observeServerTime(serverTimeMs, sentAt, receivedAt) {
    if (typeof serverTimeMs !== 'number' || !Number.isFinite(serverTimeMs)) return;
    const rttMs = Math.max(0, receivedAt - sentAt);
    samples.push({ skewMs: serverTimeMs - (sentAt + receivedAt) / 2, rttMs });
    if (samples.length > SKEW_SAMPLES) samples.shift();
    skewMs = samples.reduce((best, s) => (s.rttMs < best.rttMs ? s : best)).skewMs;
  }

  async function bearer() {
    const value = typeof token === 'function' ? await token() : token;
    return value ? `Bearer ${value}` : null;
  }

  function backoff(attempt) {
    const base = Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
    return Math.round(base * (0.5 + random() / 2));
  }

  /**
   * One API call with timeout, retries and skew measurement.
   * @param {'GET' | 'POST' | 'PUT'} method
   * @param {string} path  e.g. '/check-ins'
   * @param {{body?: unknown, idempotencyKey?: string, retries?: number}} [options]
   * @returns {Promise<any>} the reply body (with serverTimeMs)
   */
  async function request(method, path, { body, idempotencyKey, retries: attempts = retries } = {}) {
    if (method !== 'GET' && !idempotencyKey) throw new TypeError(`${method} ${path}: a mutation needs an idempotency key`);
    let lastError = null;
    for (let attempt = 0; attempt <= attempts; attempt += 1) {
      if (attempt > 0) await sleep(backoff(attempt - 1));
      const controller = typeof AbortController === 'function' ? new AbortController() : null;
      const timer = controller ? setTimeout(() => controller.abort(), timeoutMs) : 0;
      const headers = { Accept: 'application/json' };
      const auth = await bearer();
      if (auth) headers.Authorization = auth;
      if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const sentAt = clock();
      let response;
      let json = null;
      try {
        response = await fetchImpl(`${root}${path}`, {
          method,
          headers,
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: controller?.signal,
          credentials: 'omit',
          cache: 'no-store',
        });
        json = await response.json().catch(() => null);
      } catch (cause) {
        lastError = new BackendError(
          controller?.signal.aborted ? '连接服务器超时，请检查网络' : '无法连接服务器，请检查网络',
          { code: controller?.signal.aborted ? 'network.timeout' : 'network.unavailable', retryable: true, cause },
        );
        continue;
      } finally {
        clearTimeout(timer);
      }
      observeServerTime(json?.serverTimeMs, sentAt, clock());
      if (response.ok && json) return json;
      const error = json?.error ?? {};
      const status = response.status;
      const retryable = status >= 500 || status === 429 || (response.ok && !json);
      lastError = new BackendError(error.message || `服务器返回了错误（HTTP ${status}）`, {
        status,
        code: error.code || `http.${status}`,
        retryable,
        path: error.path,
      });
      // A refused campaign: every violation of the core's validator, for the form.
      if (Array.isArray(error.violations)) lastError.violations = error.violations;
      if (!retryable) throw lastError;
    }
    throw lastError;
  }

  /** A GET that falls back to the last good reply when the network is down. */
  async function read(path, { retries: attempts = Math.min(retries, 2) } = {}) {
    if (!isOnline() && cache.has(path)) return structuredClone(cache.get(path));
    try {
      const value = stripMeta(await request('GET', path, { retries: attempts }));
      cache.set(path, value);
      return structuredClone(value);
    } catch (error) {
      if (error instanceof BackendError && error.retryable && cache.has(path)) return structuredClone(cache.get(path));
      throw error;
    }
  }

  /** POST with one idempotency key for all of its retries. */
  function mutate(path, body, idempotencyKey = newKey()) {
    return request('POST', path, { body, idempotencyKey }).then(stripMeta);
  }

  /**
   * The outbox's transport: POST /batch, every item with its own key, split
   * so that no request body passes MAX_BATCH_BYTES (under the server's 1 MiB
   * limit). What can never be delivered is answered here, once, as a final
   * answer the outbox drops with a notice instead of retrying forever: an
   * entry bigger than the limit on its own (413 request.too_large), or a
   * batch the server refuses as a whole with a 4xx (split until the one entry
   * at fault carries the refusal alone). A consent withdrawal queued behind
   * big stories thus still reaches the server in a batch of its own size.
   * @param {{key: string, op: string, body: unknown}[]} entries
   * @returns {Promise<{key: string, status: number, body: any}[]>}
   */
  async function sendBatch(entries) {
    const answers = [];
    let chunk = [];
    let size = 0;
    for (const entry of entries) {
      const item = { idempotencyKey: entry.key, operation: entry.op, body: entry.body };
      const bytes = utf8Length(JSON.stringify(item)) + 1;
      if (bytes > MAX_BATCH_BYTES - BATCH_ENVELOPE_BYTES) {
        answers.push(finalAnswer(entry.key, 413, 'request.too_large', '这条记录太大，无法提交到服务器'));
        continue;
      }
      if (size + bytes > MAX_BATCH_BYTES - BATCH_ENVELOPE_BYTES) {
        answers.push(...(await sendChunk(chunk)));
        chunk = [];
        size = 0;
      }
      chunk.push(item);
      size += bytes;
    }
    if (chunk.length) answers.push(...(await sendChunk(chunk)));
    return answers;
  }

  /** One POST /batch of `items`; a whole-batch 4xx is narrowed down to the item it is about. */
  async function sendChunk(items) {
    try {
      const reply = await request('POST', '/batch', { idempotencyKey: `batch-${newKey()}`, body: { items }, retries: 1 });
      return reply.results.map((r) => ({ key: r.idempotencyKey, status: r.status, body: r.body, replayed: r.replayed === true }));
    } catch (error) {
      if (!(error instanceof BackendError) || error.retryable || error.status < 400) throw error;
      if (error.status === 401) return items.map((i) => ({ key: i.idempotencyKey, status: 401, body: { error: { code: error.code, message: error.message } } }));
      if (items.length > 1) {
        const half = Math.ceil(items.length / 2);
        return [...(await sendChunk(items.slice(0, half))), ...(await sendChunk(items.slice(half)))];
      }
      return [finalAnswer(items[0].idempotencyKey, error.status, error.code, error.message)];
    }
  }

  const backend = {
    async init() {
      const now = await request('GET', '/now', { retries: 1 }).catch((error) => {
        if (!(error instanceof BackendError) || !error.retryable) throw error;
        return null; // offline start: the outbox keeps working, now() stays on the device clock
      });
      if (now) serverCoreVersion = now.coreVersion ?? null;
      if (!profile) profile = await backend.getProfile();
      if (outbox) {
        await outbox.attach({ owner: profile.patientId, send: sendBatch });
        outbox.start();
      }
    },

    now() {
      if (skewMs === null) return { nowMs: clock(), clock: 'device' };
      return { nowMs: Math.round(clock() + skewMs), clock: 'server' };
    },

    async getProfile() {
      profile = await read('/profile');
      return structuredClone(profile);
    },

    async getStreakInputs() {
      // The queue is read BEFORE the server: an entry acknowledged while the
      // read is in flight is then in one of the two (a snapshot of the server
      // taken before the entry committed, and the entry deleted from the queue
      // by the time the reply arrives, would otherwise lose it on screen).
      const pending = outbox ? await outbox.pending() : [];
      const inputs = await read('/streak-inputs');
      for (const c of inputs.checkIns ?? []) lastSeq = Math.max(lastSeq, c.seq ?? 0);
      if (!outbox) return inputs;
      // What this device queued and the server has not acknowledged yet is
      // part of the history the shell shows (a union by id / key, no rule).
      const ids = new Set(inputs.checkIns.map((c) => c.id));
      for (const e of pending) {
        if (e.op === 'saveCheckIn' && !ids.has(e.body.id)) {
          ids.add(e.body.id);
          inputs.checkIns.push(structuredClone(e.body));
        }
      }
      // So is what the server answered without storing (rehabData withdrawn,
      // G9): the patient's check-ins keep counting on this device.
      for (const body of (await outbox.deviceOnlyCheckIns?.()) ?? []) {
        if (!ids.has(body.id)) {
          ids.add(body.id);
          inputs.checkIns.push(structuredClone(body));
        }
      }
      inputs.checkIns.sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return inputs;
    },

    async saveCheckIn(record) {
      const key = checkInKey(record, newKey);
      // The server issues what the check-in earned in the same transaction;
      // its reply says what (rewards), for the reward moment.
      if (!outbox) return { rewards: (await mutate('/check-ins', record, key)).rewards ?? null };
      await outbox.enqueue('saveCheckIn', structuredClone(record), { key });
      // Online, the reply comes within a sync; offline (or slow), the check-in
      // waits in the queue and its rewards show up in the wallet once delivered.
      const result = await outbox.waitFor(key, isOnline() ? Math.min(timeoutMs, CHECK_IN_REPLY_WAIT_MS) : 0);
      return { rewards: result && result.status < 300 ? (result.body?.rewards ?? null) : null };
    },

    async getEligibilityInputs() {
      return read('/eligibility-inputs');
    },

    async getReferralGraph() {
      return read('/referral-graph');
    },

    async getHospitalForest() {
      return read('/staff/forest');
    },

    async getCommunityReportInputs() {
      return read('/staff/community-report-inputs');
    },

    async getConsents() {
      // The queue first, as in getStreakInputs: an answer acknowledged meanwhile is in one of the two.
      const pending = outbox ? await outbox.pending() : [];
      const { consents } = await read('/me/consents');
      if (!outbox) return consents;
      // An answer this device queued and the server has not acknowledged yet
      // is the patient's latest one (queue order: the last one wins).
      const byPurpose = new Map(consents.map((c) => [c.purpose, c]));
      for (const e of pending) {
        if (e.op !== 'setConsent') continue;
        const { purpose, granted } = e.body;
        byPurpose.set(purpose, { purpose, granted, updatedAtMs: e.createdAtMs, pending: true });
      }
      return [...byPurpose.values()];
    },

    /** G9: deletes the check-ins the server stored (POST /me/check-ins/delete); not through the outbox. */
    async deleteCheckIns() {
      return mutate('/me/check-ins/delete', {});
    },

    async setConsent(purpose, granted) {
      const body = { purpose, granted };
      if (outbox) {
        // Offline first: a withdrawal made while offline is kept and sent later.
        const entry = await outbox.enqueue('setConsent', body, { key: newKey() });
        return { purpose, granted, updatedAtMs: entry.createdAtMs, pending: true };
      }
      const reply = await request('PUT', '/me/consents', { body, idempotencyKey: newKey() });
      return stripMeta(reply).consent;
    },

    async nextSeq() {
      if (outbox) return outbox.nextSeq(lastSeq);
      lastSeq += 1;
      return lastSeq;
    },

    async wipe() {
      cache.clear();
      samples.length = 0;
      skewMs = null;
      profile = null;
      if (outbox) await outbox.wipe();
    },

    /** The caller's own code and the link base its QR carries (GET /me/referral-code). */
    async getReferralCode() {
      const reply = stripMeta(await request('GET', '/me/referral-code', { retries: Math.min(retries, 2) }));
      return { code: reply.code, ...(reply.linkBase ? { linkBase: reply.linkBase } : {}) };
    },

    /** The deployment's public face: hospital name, logo, join URL (GET /deployment). */
    async getDeployment() {
      return stripMeta(await request('GET', '/deployment', { retries: Math.min(retries, 2) }));
    },

    async lookupReferralCode(code) {
      const reply = await request('GET', `/referral-codes?code=${encodeURIComponent(code)}`, { retries: Math.min(retries, 2) });
      return stripMeta(reply);
    },

    async claimReferral({ code, channel, token, shareProgress, key }) {
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new TypeError('claimReferral: a valid idempotency key is required');
      const body = { code, channel, ...(token ? { token } : {}) };
      // G7: the referee's answer, sent before the claim so that the server
      // copies it onto the referral. Unticked on a first answer sends nothing
      // (never answered = not shared); unticked after an earlier "yes" is a
      // withdrawal and is sent.
      let consent = null;
      if (shareProgress) consent = { purpose: 'shareProgressWithReferrer', granted: true };
      else {
        const prior = await backend.getConsents().then(
          (list) => list.find((c) => c.purpose === 'shareProgressWithReferrer'),
          () => undefined,
        );
        if (prior?.granted) consent = { purpose: 'shareProgressWithReferrer', granted: false };
      }
      if (!outbox) {
        if (consent) await request('PUT', '/me/consents', { body: consent, idempotencyKey: `${key}:consent` });
        const reply = stripMeta(await request('POST', '/referrals', { body, idempotencyKey: key }));
        return { status: 'done', referralId: reply.referralId, invitedAtMs: reply.invitedAtMs };
      }
      // Through the outbox like every mutation: one batch delivers the consent
      // first, then the claim, each under its own key.
      if (consent) await outbox.enqueue('setConsent', consent, { key: `${key}:consent` });
      const entry = await outbox.enqueue('claimReferral', body, { key });
      const result = await outbox.waitFor(entry.key, timeoutMs);
      if (!result) return { status: 'queued' };
      if (result.status >= 200 && result.status < 300) {
        return { status: 'done', referralId: result.body.referralId, invitedAtMs: result.body.invitedAtMs };
      }
      const error = result.body?.error ?? {};
      throw new BackendError(error.message || `服务器返回了错误（HTTP ${result.status}）`, {
        status: result.status,
        code: error.code || `http.${result.status}`,
        path: error.path,
      });
    },

    async submitStory({ title, story, key }) {
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new TypeError('submitStory: a valid idempotency key is required');
      const body = { title, story };
      if (!outbox) {
        const reply = stripMeta(await request('POST', '/stories', { body, idempotencyKey: key }));
        return { status: 'pending', storyId: reply.storyId, submittedAtMs: reply.submittedAtMs };
      }
      // Through the outbox like every mutation: after any consent answer
      // queued before it (the queue keeps its order), sent when online.
      const entry = await outbox.enqueue('submitStory', body, { key });
      // Known to be offline: say so at once rather than after a timeout.
      const result = await outbox.waitFor(entry.key, isOnline() ? timeoutMs : 0);
      if (!result) return { status: 'queued' };
      if (result.status >= 200 && result.status < 300) {
        return { status: 'pending', storyId: result.body.storyId, submittedAtMs: result.body.submittedAtMs };
      }
      const error = result.body?.error ?? {};
      const refused = new BackendError(error.message || `服务器返回了错误（HTTP ${result.status}）`, {
        status: result.status,
        code: error.code || `http.${result.status}`,
        path: error.path,
      });
      if (Array.isArray(error.matches)) refused.matches = error.matches;
      throw refused;
    },

    async getPendingStories() {
      return (await read('/staff/stories')).stories;
    },

    // The bot's review queue, Q&A slots, story of the month, honours (./http-intake.js).
    ...intakeHttpMethods({ request, stripMeta }),

    /** The caller's inbox (GET /me/inbox): each step of their referrals and each reward the server issued, newest first. */
    async getInbox() {
      return { entries: stripMeta(await request('GET', '/me/inbox', { retries: 0 })).entries };
    },

    /** Staff (运营): the scheduled work — what ran, when, what it changed — and the notification outbox (GET /staff/jobs). */
    async getStaffJobs() {
      return stripMeta(await request('GET', '/staff/jobs', { retries: Math.min(retries, 1) }));
    },

    /** The current counter code of one of the caller's vouchers, and its status (GET /me/vouchers/counter-code). */
    async getCounterCode(grantKey) {
      return stripMeta(await request('GET', `/me/vouchers/counter-code?grantKey=${encodeURIComponent(grantKey)}`, { retries: 0 }));
    },

    /** Staff: redeem the voucher a counter code stands for (online only: whether it went through matters now). */
    async redeemCounterCode(counterCode) {
      return stripMeta(await request('POST', '/staff/vouchers/counter-redeem', { body: { counterCode }, idempotencyKey: `counter-${newKey()}`, retries: 0 }));
    },

    async decideStory({ storyId, decision, reason, key }) {
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new TypeError('decideStory: a valid idempotency key is required');
      const body = { storyId, decision, ...(reason !== undefined ? { reason } : {}) };
      // Directly, not through an outbox: staff decide online, and whether
      // the decision won (or someone else's did: story.not_pending) matters now.
      const reply = stripMeta(await request('POST', '/staff/stories/decide', { body, idempotencyKey: key }));
      return {
        storyId: reply.storyId,
        status: reply.status,
        decidedAtMs: reply.decidedAtMs,
        ...(reply.reason ? { reason: reply.reason } : {}),
      };
    },

    async getStaffAudit({ before } = {}) {
      // The auditor's read of the staff audit log (never cached: it must be current).
      const query = before ? `?before=${encodeURIComponent(before)}` : '';
      const reply = stripMeta(await request('GET', `/staff/audit${query}`, { retries: Math.min(retries, 1) }));
      return { entries: reply.entries, next: reply.next ?? null };
    },

    async getMyStories() {
      const { stories } = await read('/stories');
      if (!outbox) return stories;
      // Submissions this device queued and the server has not acknowledged
      // yet, newest first, ahead of the server's list. The queue is read
      // AFTER the server: one acknowledged meanwhile is missing until the
      // next read, never listed twice.
      const queued = (await outbox.pending())
        .filter((e) => e.op === 'submitStory')
        .map((e) => ({ id: e.key, title: e.body.title, status: 'queued', submittedAtMs: e.createdAtMs }))
        .reverse();
      return [...queued, ...stories];
    },

    async getCommunityStories({ before } = {}) {
      // Never from the offline cache (G19: other patients' words are not kept
      // on the device); known to be offline, say so at once.
      if (!isOnline()) throw new BackendError('现在没有网络，联网后可以阅读病友故事', { code: 'network.unavailable', retryable: true });
      const query = before === undefined ? '' : `?before=${encodeURIComponent(before)}`;
      const reply = stripMeta(await request('GET', `/community/stories${query}`, { retries: Math.min(retries, 2) }));
      return { stories: reply.stories, ...(typeof reply.nextCursor === 'string' ? { nextCursor: reply.nextCursor } : {}) };
    },

    async getPromptHistory() {
      // Never from the offline cache: an old history could allow one prompt too many.
      if (!isOnline()) throw new BackendError('无法连接服务器，请检查网络', { code: 'network.unavailable', retryable: true });
      const reply = stripMeta(await request('GET', '/me/prompts', { retries: Math.min(retries, 1) }));
      return { shownAtMs: reply.shownAtMs };
    },

    async recordPromptShown({ moment, key }) {
      if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new TypeError('recordPromptShown: a valid idempotency key is required');
      // Directly, not through the outbox: a prompt is shown now or never.
      const reply = stripMeta(await request('POST', '/me/prompts', { body: { moment }, idempotencyKey: key, retries: 1 }));
      return { shownAtMs: reply.shownAtMs };
    },

    // ---- beyond the Backend interface

    /** How many mutations wait in the outbox (warn before logout: wipe() drops them). */
    async pendingMutations() {
      return outbox ? (await outbox.pending()).length : 0;
    },

    /** The measured skew (server − device, ms), or null before the first reply. */
    skewMs() {
      return skewMs;
    },

    /** coreVersion the server reported on init (null before / offline). */
    serverCoreVersion() {
      return serverCoreVersion;
    },

    request,
    sendBatch,
  };

  // The hospital desk's staff calls (http-events.js).
  Object.assign(backend, hospitalDeskHttp({ request, newKey }));
  // The letters' and cards' tokens, the discharge card and the KOC result (http-channels.js).
  Object.assign(backend, channelsHttp({ request, newKey }));
  // The community console: member lists, report trend, referral quality, risk flags (http-community.js).
  Object.assign(backend, communityConsoleHttp({ request, newKey }));

  // The console's campaigns: list, save under change control, dry run (http-campaigns.js).
  Object.assign(backend, campaignsHttp({ request, newKey }));

  return assertBackend(backend);
}
