// The outbox: every mutation is written to IndexedDB FIRST and sent later.
//
// Offline first without a service worker (WeChat on iOS has none): the queue
// lives in its own IndexedDB database and is drained by the page itself —
// on start, on `online`, when the page becomes visible again, on a timer, and
// right after each enqueue.
//
// Guarantees:
//   - an entry survives reloads and tab kills (it is committed before
//     enqueue() resolves);
//   - an entry is deleted only after the backend has ANSWERED it (2xx: done;
//     4xx, 413 included: a decision, its refusal — never its body — kept in
//     the `rejected` store for the shell to show, and an 'rejected' event);
//     the transport (http.js sendBatch) answers 413 itself for an entry too
//     big to send, so nothing is retried forever;
//     a lost reply, a timeout, a 5xx or a dropped connection leaves it queued;
//   - nothing is ever applied twice: every entry carries an idempotency key
//     fixed at enqueue time and reused by every delivery, and the server
//     dedupes by that key (scripts/backend: a unique key per mutation);
//   - one drain at a time per page (single flight) and, where the browser has
//     the Web Locks API, per device across tabs (without it, two tabs may send
//     the same entry; the server's dedupe makes that harmless);
//   - entries belong to the signed-in patient (`owner`): a different patient
//     on the same device never sends them.
//
// Minimal storage (G19): the entries themselves (check-ins, milestone keys,
// grant keys), a sequence counter, the rejected answers, and the check-ins the
// server answered but did not store (the patient withdrew the rehabData
// consent: the check-in still counts on this device, and only here). wipe()
// deletes the database.

const DB_VERSION = 2;
const STORE_ENTRIES = 'entries';
const STORE_REJECTED = 'rejected';
const STORE_META = 'meta';
const STORE_DEVICE_ONLY = 'deviceOnly';

function requestToPromise(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function transactionDone(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/**
 * @typedef {object} OutboxEntry
 * @property {number} n          insertion order (auto-increment)
 * @property {string} key        idempotency key, unique
 * @property {string} owner      patient id
 * @property {string} op         operation: saveCheckIn | claimReferral | setConsent | …
 * @property {any} body          the mutation's request body
 * @property {number} createdAtMs device clock, for display only
 * @property {number} attempts   deliveries tried so far
 */

/**
 * @typedef {object} OutboxResult
 * @property {string} key
 * @property {number} status  HTTP-like status of the answer
 * @property {any} body
 * @property {boolean} [replayed] the server had already applied it (a lost acknowledgement)
 */

/**
 * Creates an outbox. Call attach({owner, send}) once the patient is known
 * (the HTTP backend does it in init()), then start().
 * @param {object} [options]
 * @param {string} [options.dbName]       default 'carecircle-outbox'
 * @param {number} [options.batchSize]    entries per delivery (default 50)
 * @param {number} [options.intervalMs]   timer between drains (default 30 000)
 * @param {number} [options.retryBaseMs]  first backoff after a failed delivery (default 1 000)
 * @param {number} [options.retryMaxMs]   backoff ceiling (default 60 000)
 * @param {() => number} [options.clock]
 * @param {() => number} [options.random] jitter
 * @param {(event: {type: string, [k: string]: any}) => void} [options.onEvent]
 *   'synced' {acked, replayed, remaining}, 'rejected' {entry, result}, 'error' {error, retryInMs}, 'auth' {result}
 * @param {object} [options.environment]  {window, document, navigator} (tests; default the globals)
 */
export function createOutbox({
  dbName = 'carecircle-outbox',
  batchSize = 50,
  intervalMs = 30_000,
  retryBaseMs = 1_000,
  retryMaxMs = 60_000,
  clock = () => Date.now(),
  random = Math.random,
  onEvent = () => {},
  environment = {
    window: typeof window === 'undefined' ? undefined : window,
    document: typeof document === 'undefined' ? undefined : document,
    navigator: typeof navigator === 'undefined' ? undefined : navigator,
  },
} = {}) {
  /** @type {IDBDatabase | null} */
  let db = null;
  /** @type {Promise<IDBDatabase> | null} */
  let opening = null;
  let owner = null;
  /** @type {((entries: OutboxEntry[]) => Promise<OutboxResult[]>) | null} */
  let send = null;

  let running = null;
  let again = false;
  let failures = 0;
  let retryTimer = 0;
  let intervalTimer = 0;
  let started = false;
  /** @type {Map<string, OutboxResult>} answers seen by this page, by key */
  const results = new Map();
  /** @type {Map<string, Set<(r: OutboxResult) => void>>} */
  const waiters = new Map();

  function emit(event) {
    try {
      onEvent(event);
    } catch {
      // a broken listener must not break syncing
    }
  }

  function open() {
    opening ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(dbName, DB_VERSION);
      request.onupgradeneeded = () => {
        const upgrade = request.result;
        if (!upgrade.objectStoreNames.contains(STORE_ENTRIES)) {
          const entries = upgrade.createObjectStore(STORE_ENTRIES, { keyPath: 'n', autoIncrement: true });
          entries.createIndex('key', 'key', { unique: true });
          entries.createIndex('owner', ['owner', 'n']);
        }
        if (!upgrade.objectStoreNames.contains(STORE_REJECTED)) upgrade.createObjectStore(STORE_REJECTED, { keyPath: 'key' });
        if (!upgrade.objectStoreNames.contains(STORE_META)) upgrade.createObjectStore(STORE_META, { keyPath: 'name' });
        if (!upgrade.objectStoreNames.contains(STORE_DEVICE_ONLY)) {
          upgrade.createObjectStore(STORE_DEVICE_ONLY, { keyPath: ['owner', 'id'] });
        }
      };
      request.onsuccess = () => {
        const opened = request.result;
        // Another tab wiping the outbox (logout): let it.
        opened.onversionchange = () => {
          opened.close();
          if (db === opened) db = null;
          opening = null;
        };
        db = opened;
        resolve(opened);
      };
      request.onerror = () => reject(request.error);
      request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
    opening.catch(() => {
      opening = null;
    });
    return opening;
  }

  function requireOwner() {
    if (!owner) throw new Error('outbox: call attach({owner, send}) first');
    return owner;
  }

  /** The owner's queued entries, oldest first (at most `limit`). */
  async function pending(limit = Infinity) {
    const database = await open();
    if (!owner) return [];
    const tx = database.transaction(STORE_ENTRIES, 'readonly');
    const range = IDBKeyRange.bound([owner, 0], [owner, Infinity]);
    const index = tx.objectStore(STORE_ENTRIES).index('owner');
    const all = await requestToPromise(Number.isFinite(limit) ? index.getAll(range, limit) : index.getAll(range));
    return all;
  }

  function resolveWaiters(result) {
    results.set(result.key, result);
    const set = waiters.get(result.key);
    if (!set) return;
    waiters.delete(result.key);
    for (const fn of set) fn(result);
  }

  /**
   * Applies the answers of one delivery: 2xx → delete; 4xx (a decision) →
   * delete and keep in `rejected`; anything else → keep, count the attempt.
   * One transaction: a reload in the middle leaves all of it or none.
   */
  async function settle(entries, answers) {
    const byKey = new Map(answers.map((a) => [a.key, a]));
    const database = await open();
    const tx = database.transaction([STORE_ENTRIES, STORE_REJECTED, STORE_DEVICE_ONLY], 'readwrite');
    const store = tx.objectStore(STORE_ENTRIES);
    const rejectedStore = tx.objectStore(STORE_REJECTED);
    const deviceOnlyStore = tx.objectStore(STORE_DEVICE_ONLY);
    const settled = [];
    let retry = 0;
    let auth = null;
    for (const entry of entries) {
      const answer = byKey.get(entry.key);
      const status = answer?.status ?? 0;
      if (status >= 200 && status < 300) {
        store.delete(entry.n);
        if (entry.op === 'saveCheckIn' && answer.body?.storedOnServer === false) {
          deviceOnlyStore.put({ owner: entry.owner, id: entry.body.id, body: entry.body });
        }
        settled.push({ entry, answer, kind: 'acked' });
      } else if (status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429) {
        store.delete(entry.n);
        // The refusal only, never the mutation's body (a story's words leave the device's storage with it, G19).
        rejectedStore.put({ key: entry.key, owner: entry.owner, op: entry.op, status, error: answer.body?.error ?? null, atMs: clock() });
        settled.push({ entry, answer, kind: 'rejected' });
      } else {
        if (status === 401) auth = answer;
        store.put({ ...entry, attempts: entry.attempts + 1 });
        retry += 1;
      }
    }
    await transactionDone(tx);
    for (const { entry, answer, kind } of settled) {
      resolveWaiters({ key: entry.key, status: answer.status, body: answer.body, replayed: answer.replayed === true });
      if (kind === 'rejected') emit({ type: 'rejected', entry, result: answer });
    }
    if (auth) emit({ type: 'auth', result: auth });
    return {
      acked: settled.filter((s) => s.kind === 'acked').length,
      replayed: settled.filter((s) => s.answer?.replayed).length,
      rejected: settled.filter((s) => s.kind === 'rejected').length,
      retry,
    };
  }

  async function drain() {
    const totals = { acked: 0, replayed: 0, rejected: 0 };
    for (;;) {
      const batch = await pending(batchSize);
      if (batch.length === 0) break;
      const answers = await send(batch); // throws when the delivery failed: entries stay
      const r = await settle(batch, answers);
      totals.acked += r.acked;
      totals.replayed += r.replayed;
      totals.rejected += r.rejected;
      if (r.acked + r.rejected === 0) throw new Error('the server answered none of the batch');
    }
    return totals;
  }

  function scheduleRetry() {
    failures += 1;
    const delay = Math.round(Math.min(retryMaxMs, retryBaseMs * 2 ** (failures - 1)) * (0.5 + random() / 2));
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = 0;
      sync();
    }, delay);
    return delay;
  }

  async function drainExclusive() {
    const locks = environment.navigator?.locks;
    if (locks && typeof locks.request === 'function') {
      // Across tabs: one drain per device. A tab that finds the lock taken
      // skips (the holder drains the shared queue).
      return locks.request(`carecircle-outbox:${dbName}`, { ifAvailable: true }, (lock) =>
        lock ? drain() : { acked: 0, replayed: 0, rejected: 0, skipped: true },
      );
    }
    return drain();
  }

  /**
   * Drains the queue now. Single flight: a call during a drain makes that
   * drain run once more at its end. Never throws; a failed delivery schedules
   * a retry with exponential backoff.
   * @returns {Promise<{ok: boolean, acked?: number, replayed?: number, rejected?: number, remaining?: number, error?: unknown}>}
   */
  function sync() {
    if (!send || !owner) return Promise.resolve({ ok: false, error: new Error('outbox not attached') });
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      const totals = { acked: 0, replayed: 0, rejected: 0 };
      try {
        do {
          again = false;
          const r = await drainExclusive();
          totals.acked += r.acked;
          totals.replayed += r.replayed;
          totals.rejected += r.rejected;
        } while (again);
        failures = 0;
        const remaining = (await pending()).length;
        emit({ type: 'synced', ...totals, remaining });
        return { ok: true, ...totals, remaining };
      } catch (error) {
        const retryInMs = scheduleRetry();
        emit({ type: 'error', error, retryInMs });
        return { ok: false, error, ...totals };
      } finally {
        running = null;
      }
    })();
    return running;
  }

  const onOnline = () => {
    failures = 0;
    sync();
  };
  const onVisible = () => {
    if (environment.document?.visibilityState === 'visible') sync();
  };

  return {
    /**
     * Binds the outbox to the signed-in patient and the transport.
     * @param {{owner: string, send: (entries: OutboxEntry[]) => Promise<OutboxResult[]>}} binding
     */
    async attach(binding) {
      owner = binding.owner;
      send = binding.send;
      await open();
    },

    /**
     * Queues one mutation; resolves once it is committed to IndexedDB. The
     * same key twice is one entry. Starts a drain when the outbox runs.
     * @param {string} op
     * @param {any} body
     * @param {{key: string}} options  the idempotency key (stable for this mutation)
     * @returns {Promise<OutboxEntry>}
     */
    async enqueue(op, body, { key }) {
      const database = await open();
      const entry = { key, owner: requireOwner(), op, body, createdAtMs: clock(), attempts: 0 };
      const tx = database.transaction(STORE_ENTRIES, 'readwrite');
      const store = tx.objectStore(STORE_ENTRIES);
      const existing = store.index('key').getKey(key);
      existing.onsuccess = () => {
        if (existing.result === undefined) {
          const added = store.add(entry);
          added.onsuccess = () => {
            entry.n = added.result;
          };
        }
      };
      await transactionDone(tx);
      if (started) sync();
      return entry;
    },

    pending,
    sync,

    /** Starts draining: now, on `online`, on becoming visible, and every intervalMs. */
    start() {
      if (started) return;
      started = true;
      environment.window?.addEventListener?.('online', onOnline);
      environment.document?.addEventListener?.('visibilitychange', onVisible);
      intervalTimer = setInterval(() => sync(), intervalMs);
      sync();
    },

    /** Stops the timers and listeners (the queue stays). */
    stop() {
      started = false;
      environment.window?.removeEventListener?.('online', onOnline);
      environment.document?.removeEventListener?.('visibilitychange', onVisible);
      clearInterval(intervalTimer);
      clearTimeout(retryTimer);
      retryTimer = 0;
    },

    /**
     * The answer to an entry once this page has seen it, or null after
     * `timeoutMs` (still queued, or answered in another tab).
     * @param {string} key
     * @param {number} timeoutMs
     * @returns {Promise<OutboxResult | null>}
     */
    waitFor(key, timeoutMs) {
      if (results.has(key)) return Promise.resolve(results.get(key));
      return new Promise((resolve) => {
        const done = (r) => {
          clearTimeout(timer);
          resolve(r);
        };
        const timer = setTimeout(() => {
          waiters.get(key)?.delete(done);
          resolve(null);
        }, timeoutMs);
        if (!waiters.has(key)) waiters.set(key, new Set());
        waiters.get(key).add(done);
      });
    },

    /**
     * The signed-in patient's check-ins the server answered without storing
     * them (rehabData withdrawn): part of the history this device shows.
     * @returns {Promise<any[]>} the check-in records as they were queued
     */
    async deviceOnlyCheckIns() {
      const database = await open();
      const tx = database.transaction(STORE_DEVICE_ONLY, 'readonly');
      const all = await requestToPromise(tx.objectStore(STORE_DEVICE_ONLY).getAll());
      return all.filter((r) => r.owner === owner).map((r) => r.body);
    },

    /** Mutations the server refused (4xx), for the shell to explain. */
    async rejected() {
      const database = await open();
      const tx = database.transaction(STORE_REJECTED, 'readonly');
      const all = await requestToPromise(tx.objectStore(STORE_REJECTED).getAll());
      return all.filter((r) => r.owner === owner);
    },

    async clearRejected() {
      const database = await open();
      const tx = database.transaction(STORE_REJECTED, 'readwrite');
      tx.objectStore(STORE_REJECTED).clear();
      await transactionDone(tx);
    },

    /**
     * The next per-device sequence number, strictly increasing and persisted
     * (never below `floor`, e.g. the highest seq the server returned).
     * @param {number} [floor]
     */
    async nextSeq(floor = 0) {
      const database = await open();
      const tx = database.transaction(STORE_META, 'readwrite');
      const meta = tx.objectStore(STORE_META);
      let next = 0;
      const get = meta.get('seq');
      get.onsuccess = () => {
        next = Math.max(get.result?.value ?? 0, floor) + 1;
        meta.put({ name: 'seq', value: next });
      };
      await transactionDone(tx);
      return next;
    },

    /** Logout (G19): stops and deletes the whole outbox database, queued entries included. */
    async wipe() {
      this.stop();
      if (opening) await opening.catch(() => {});
      if (db) {
        db.close();
        db = null;
      }
      opening = null;
      results.clear();
      await new Promise((resolve, reject) => {
        const request = indexedDB.deleteDatabase(dbName);
        request.onsuccess = () => resolve();
        request.onerror = () => reject(request.error);
        request.onblocked = () => {};
      });
    },

    /** Closes the database connection (tests, page teardown). */
    close() {
      this.stop();
      if (db) db.close();
      db = null;
      opening = null;
    },
  };
}
