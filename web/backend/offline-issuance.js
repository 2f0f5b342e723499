// The offline demo playing the server's scheduled issuance and the inbox
// (the reference backend's loops/issuance.mjs, loops/inbox.mjs and jobs/):
// when the demo opens, on a timer and before the calls that read rewards or
// the inbox, with the demo's clock, the SAME core decides:
//   - evaluateStreak + evaluateEligibility on the demo "server's" facts;
//   - what it reports `issuable` is issued (the demo's issueRewards, once
//     per grant key) — the quality hold's day 90, the 15th's places;
//   - an issued grant it reports `void` (a complaint inside the hold) is
//     clawed back;
//   - the new steps of the demo patient's referrals (myReferralTree's feed:
//     names masked by the core, a friend without the progress consent only
//     一位朋友已接受邀请, no lapse notice for them) and the rewards issued
//     outside a referral go into the inbox, each once.
// Every run that changed something is kept as a "job run" (last 100), which
// the workbench's 计划任务 screen lists, like GET /staff/jobs.
//
// The demo's referral graph is synthetic and placed relative to today
// (demo-data.js), so a step is identified by its kind and words (a date in
// the words left out), not by its instant: the same step seen tomorrow,
// a day later on the clock, is not new. Nothing personal is stored: the
// inbox keeps the core's words, whose names are the demo's made-up ones,
// masked.
//
// A check-in is recorded as the server records one: saveCheckIn stores it and
// runs this evaluation in the same step (no other run in between), and says
// what it granted and issued (`rewards`, as POST /check-ins replies) for the
// reward moment. The demo's book-keeping of issued rewards stays inside the
// demo "server": the shell's backend object has no method to ask for an issue.

const INBOX_KEY = 'inbox';
const RUNS_KEY = 'jobRuns';
/** How often the demo "server" looks again while a page is open. */
export const OFFLINE_ISSUANCE_EVERY_MS = 30_000;
const MAX_INBOX = 100;
const MAX_RUNS = 100;
const MAX_LISTED_CHANGES = 50;

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

/** A step's identity in the demo: its kind, its words without dates, and which of identical steps it is. */
function stepKey(kind, text, occurrence) {
  return `${kind}:${text.replace(/\d+月\d+日/g, '')}${occurrence > 0 ? `:${occurrence}` : ''}`;
}

/**
 * Adds the scheduled issuance and the inbox to the offline demo backend:
 * `getInbox()`, `getStaffJobs()`, `runIssuanceNow()`; runs once when the
 * demo opens (init, in the background), before getEligibilityInputs,
 * getInbox and getReferralGraph, and every OFFLINE_ISSUANCE_EVERY_MS while
 * the page is open. getStreakInputs waits only for the grant of the
 * milestones the stored history earned (the run's first step).
 * @param {object} backend the offline backend (its own methods are used as they are)
 * @param {{database: () => IDBDatabase, init: () => Promise<void>, clock: () => number,
 *   patientId: string, stores: {issued: string, meta: string},
 *   loadCore?: () => Promise<{call: Function}>, everyMs?: number}} options
 */
export function attachOfflineIssuance(backend, { database, init, clock, patientId, stores, loadCore, everyMs = OFFLINE_ISSUANCE_EVERY_MS }) {
  // Attached once: a second call (a merged hook line twice) would run every evaluation twice.
  if (typeof backend.runIssuanceNow === 'function') return backend;
  const original = {
    getEligibilityInputs: backend.getEligibilityInputs.bind(backend),
    getReferralGraph: backend.getReferralGraph?.bind(backend),
    getStreakInputs: backend.getStreakInputs.bind(backend),
    issueRewards: backend.issueRewards.bind(backend),
    saveCheckIn: backend.saveCheckIn.bind(backend),
    saveGranted: backend.saveGranted.bind(backend),
    wipe: backend.wipe.bind(backend),
    init: backend.init.bind(backend),
  };
  const coreOf = loadCore ?? (() => import('../core.js').then((m) => m.loadCore()));
  let corePromise = null;
  const core = () => {
    corePromise ??= coreOf().catch((error) => {
      corePromise = null;
      throw error;
    });
    return corePromise;
  };

  /**
   * The demo patient's referral records as the server sends them: a friend's
   * record carries the referrer's reward once issued (its first issue instant
   * and title) and the complaint that voided it — the server reads both from
   * its book of issued rewards (getReferralGraph).
   */
  async function withRewards(graph) {
    const inputs = await original.getEligibilityInputs();
    const facts = new Map(inputs.referrals.map((r) => [r.id, r]));
    const records = graph.records.map((record) => {
      if (record.referrerId !== patientId || record.vestedAtMs || record.voidedAtMs) return record;
      const own = inputs.issued
        .filter((i) => i.grantKey.includes(`:${record.id}:referrer:`))
        .sort((a, b) => a.issuedAtMs - b.issuedAtMs || (a.grantKey < b.grantKey ? -1 : 1));
      const complaint = facts.get(record.id)?.complaintAtMs ?? 0;
      return {
        ...record,
        ...(own.length ? { vestedAtMs: own[0].issuedAtMs, rewardTitle: own[0].title } : {}),
        ...(complaint ? { voidedAtMs: complaint } : {}),
      };
    });
    return { ...graph, records };
  }

  async function readMeta(name) {
    await init();
    const row = await requestToPromise(database().transaction(stores.meta, 'readonly').objectStore(stores.meta).get(name));
    return row ? structuredClone(row.value) : [];
  }

  /**
   * The job's first step: the streak evaluated on the stored history, and
   * the milestones it earned and were not granted yet granted.
   * @returns {Promise<{streak: object, fresh: object[], inputs: object}>} inputs: as read before the grant
   */
  async function grantEarned(c, nowMs) {
    const inputs = await original.getStreakInputs();
    const streak = c.call('evaluateStreak', { nowMs, clock: 'device', patientId, ...inputs });
    if (!streak.ok) throw new Error(streak.error.message);
    const fresh = streak.value.milestones.filter((m) => m.state === 'new');
    if (fresh.length > 0) await original.saveGranted(fresh);
    return { streak, fresh, inputs };
  }

  /** One evaluation, as the server's job runs it. */
  async function evaluate(cause) {
    const c = await core();
    const startedAtMs = clock();
    const nowMs = startedAtMs;
    const { streak, fresh } = await grantEarned(c, nowMs);
    const milestones = fresh.map(({ key, ruleId, fromDate, toDate, rewardTitle, rewardValueFen, earnedText, rangeLabel }) => ({
      key, ruleId, fromDate, toDate, rewardTitle, rewardValueFen, earnedText, rangeLabel,
    }));
    const inputs = await original.getEligibilityInputs();
    const report = c.call('evaluateEligibility', { nowMs, ...inputs, milestones: streak.value.milestones.map(({ key, ruleId }) => ({ key, ruleId })) });
    if (!report.ok) throw new Error(report.error.message);
    const grants = report.value.campaigns.flatMap((campaign) => campaign.grants.map((g) => ({ ...g, campaignId: campaign.campaignId })));
    const issuable = grants.filter((g) => g.state === 'issuable');
    const issuedKeys = issuable.length > 0 ? await original.issueRewards(issuable) : [];
    const byKey = new Map(issuable.map((g) => [g.key, g]));
    const issued = issuedKeys.map((key) => byKey.get(key)).filter(Boolean);

    // Claw-back: issued → void for what the core reports void.
    const voidKeys = new Set(grants.filter((g) => g.state === 'void').map((g) => g.key));
    const voided = [];
    if (voidKeys.size > 0) {
      await init();
      const tx = database().transaction(stores.issued, 'readwrite');
      const store = tx.objectStore(stores.issued);
      const all = store.getAll();
      all.onsuccess = () => {
        for (const row of all.result) {
          if (row.status !== 'issued' || !voidKeys.has(row.grantKey)) continue;
          store.put({ ...row, status: 'void' });
          voided.push(row);
        }
      };
      await transactionDone(tx);
    }

    // The inbox: the core's feed of the demo patient's referrals, and rewards outside a referral they made.
    const steps = [];
    if (original.getReferralGraph) {
      const graph = await withRewards(await original.getReferralGraph());
      const tree = c.call('myReferralTree', { nowMs, patientId, records: graph.records, patients: graph.patients });
      if (tree.ok) for (const e of tree.value.feed) if (e.atMs > 0 && e.atMs <= nowMs) steps.push({ kind: e.kind, atMs: e.atMs, text: e.text });
    }
    const asReferrer = new Set(inputs.referrals.filter((r) => r.referrerId === patientId).map((r) => r.id));
    for (const g of issued) {
      if (g.referralId && asReferrer.has(g.referralId)) continue;
      const honour = g.reward.type === 'medal' || g.reward.type === 'title';
      steps.push({ kind: 'issued', atMs: nowMs, text: honour ? `恭喜您获得${g.reward.title}` : `您的${g.reward.title}已到账` });
    }
    steps.sort((a, b) => a.atMs - b.atMs);
    const seen = new Map();
    let added = 0;
    await init();
    const tx = database().transaction(stores.meta, 'readwrite');
    const meta = tx.objectStore(stores.meta);
    const get = meta.get(INBOX_KEY);
    get.onsuccess = () => {
      const list = get.result ? get.result.value : [];
      const known = new Set(list.map((e) => e.key));
      for (const step of steps) {
        const base = stepKey(step.kind, step.text, 0);
        const occurrence = seen.get(base) ?? 0;
        seen.set(base, occurrence + 1);
        const key = stepKey(step.kind, step.text, occurrence);
        if (known.has(key)) continue;
        known.add(key);
        list.push({ key, kind: step.kind, text: step.text, atMs: step.atMs, createdAtMs: nowMs });
        added += 1;
      }
      if (added > 0) {
        list.sort((a, b) => b.atMs - a.atMs || b.createdAtMs - a.createdAtMs);
        meta.put({ name: INBOX_KEY, value: list.slice(0, MAX_INBOX), atMs: nowMs });
      }
    };
    await transactionDone(tx);

    const displayName = (await backend.getProfile()).displayName;
    const summary = {
      patients: 1,
      issued: issued.length,
      voided: voided.length,
      inbox: added,
      notified: 0,
      refused: 0,
      changes: [
        ...issued.map((g) => ({ action: 'issued', patientId, patientName: displayName, grantKey: g.key, title: g.reward.title })),
        ...voided.map((r) => ({ action: 'voided', patientId, patientName: displayName, grantKey: r.grantKey, title: r.title })),
      ].slice(0, MAX_LISTED_CHANGES),
    };
    // The server's check-in path is not a job run: listed on 计划任务 only when the job ran.
    if (cause !== 'checkIn' && (summary.issued + summary.voided + summary.inbox > 0 || cause === 'manual')) {
      const run = { id: '', job: 'referral-issuance', cause, startedAtMs, finishedAtMs: Math.max(startedAtMs, clock()), outcome: 'done', summary };
      const tr = database().transaction(stores.meta, 'readwrite');
      const store = tr.objectStore(stores.meta);
      const getRuns = store.get(RUNS_KEY);
      getRuns.onsuccess = () => {
        const runs = getRuns.result ? getRuns.result.value : [];
        run.id = String((runs[0] ? Number(runs[0].id) : 0) + 1);
        store.put({ name: RUNS_KEY, value: [run, ...runs].slice(0, MAX_RUNS), atMs: nowMs });
      };
      await transactionDone(tr);
    }
    const rewards = {
      milestones,
      issued: issued.map((g) => ({
        grantKey: g.key,
        campaignId: g.campaignId,
        title: g.reward.title,
        type: g.reward.type,
        valueFen: g.reward.valueFen,
        quantity: g.reward.quantity,
      })),
    };
    return { summary, rewards };
  }

  // One evaluation at a time on this page; calls while one runs share the next.
  let running = null;
  let again = null;
  /** The check-in being recorded and evaluated (checkInAndIssue), if one is. */
  let checkingIn = null;
  /** The grants of what the stored history earned that reads of the streak make (currentStreakInputs). */
  const granting = new Set();
  function runIssuance(cause) {
    if (running) {
      again ??= running.catch(() => {}).then(() => {
        again = null;
        return runIssuance(cause);
      });
      return again;
    }
    running = evaluate(cause).finally(() => {
      running = null;
    });
    return running;
  }

  /**
   * A check-in as the server records one: after any run in progress, the
   * record is stored and evaluated as one step (runs asked for meanwhile
   * wait for the next), so what this evaluation granted is what this
   * check-in earned.
   */
  async function checkInAndIssue(record) {
    while (running || granting.size > 0) await (running ?? Promise.allSettled(granting)).catch(() => {});
    checkingIn = running = (async () => {
      // What was earned before this check-in and not granted yet is granted now too, but is not its moment.
      const c = await core();
      const before = c.call('evaluateStreak', { nowMs: clock(), clock: 'device', patientId, ...(await original.getStreakInputs()) });
      const earlier = new Set(before.ok ? before.value.milestones.filter((m) => m.state === 'new').map((m) => m.key) : []);
      await original.saveCheckIn(record);
      const run = await evaluate('checkIn');
      run.rewards.milestones = run.rewards.milestones.map((m) => ({ ...m, byThisCheckIn: !earlier.has(m.key) }));
      return run;
    })().finally(() => {
      running = null;
      checkingIn = null;
    });
    return running;
  }

  /**
   * The streak's milestones as a server whose job has run would report
   * them: what the stored history earned is granted first (the job's first
   * step, one evaluateStreak; the rewards are issued by the full run, which
   * the reads of rewards wait for). A check-in being recorded is waited for,
   * so that what it earned is its own moment.
   */
  async function currentStreakInputs() {
    const c = await core();
    while (checkingIn) await checkingIn.catch(() => {});
    // A check-in arriving meanwhile waits for this grant: what it earns stays its own.
    const grant = grantEarned(c, clock());
    granting.add(grant);
    try {
      const { fresh, inputs } = await grant;
      return fresh.length > 0 ? original.getStreakInputs() : inputs;
    } finally {
      granting.delete(grant);
    }
  }

  let timer = null;
  function startTimer() {
    if (timer || typeof setInterval !== 'function' || everyMs <= 0) return;
    timer = setInterval(() => {
      runIssuance('schedule').catch(() => {});
    }, everyMs);
    timer.unref?.();
  }

  /**
   * Runs first, then reads: the demo's answers are current, like a server
   * whose job has run. A run that fails (the core not loadable here) never
   * fails the read: the server's job failing does not stop its API either.
   */
  let warned = false;
  /**
   * The run of the demo "server" when the demo opens on this page (once; it
   * seeds first when the database is new), in the background: the reads
   * that need its results wait for a run of their own.
   */
  let started = false;
  function startRun() {
    startTimer();
    if (started) return;
    started = true;
    runIssuance('schedule').catch((error) => {
      if (!warned) console.warn('offline issuance did not run', error);
      warned = true;
    });
  }

  async function afterIssuance(cause) {
    startTimer();
    try {
      await runIssuance(cause);
    } catch (error) {
      if (!warned) console.warn('offline issuance did not run', error);
      warned = true;
    }
  }

  Object.assign(backend, {
    // The streak's milestones say whether they were granted: the demo's
    // history earned some before this page opened, which a server's job
    // would have issued by now. The 打卡 screen does not wait for the run
    // itself: the demo's issuance runs when the demo opens (init), on its
    // schedule, and before the reads of rewards; here only its first step.
    async getStreakInputs() {
      startRun();
      try {
        return await currentStreakInputs();
      } catch (error) {
        if (!warned) console.warn('offline issuance did not run', error);
        warned = true;
        return original.getStreakInputs();
      }
    },

    async getEligibilityInputs() {
      await afterIssuance('event');
      return original.getEligibilityInputs();
    },

    /** The demo patient's inbox, newest first (as GET /me/inbox). */
    async getInbox() {
      await afterIssuance('event');
      const list = await readMeta(INBOX_KEY);
      return { entries: list.map(({ key, kind, text, atMs }) => ({ key, kind, text, atMs })) };
    },

    /** The demo "server's" job runs (as GET /staff/jobs): only runs that changed something, and runs on demand. */
    async getStaffJobs() {
      const runs = await readMeta(RUNS_KEY);
      return { runs, outbox: { pending: 0, sent: 0, failed: 0 } };
    },

    /** Beyond the interface: hands the demo the core the page (or a test) already loaded. */
    useCore(loaded) {
      corePromise = Promise.resolve(loaded);
    },

    /** Runs the demo's issuance now (the workbench's 立即运行; tests). */
    async runIssuanceNow() {
      startTimer();
      return (await runIssuance('manual')).summary;
    },

    /**
     * Stores the check-in and issues what it earned, like POST /check-ins;
     * resolves with `{rewards}` (what was granted and issued now). A run the
     * core cannot make here (no core loadable) leaves the check-in stored and
     * `rewards` null: the next run issues.
     */
    async saveCheckIn(record) {
      startTimer();
      try {
        const { rewards } = await checkInAndIssue(record);
        return { rewards };
      } catch (error) {
        if (!warned) console.warn('offline issuance did not run', error);
        warned = true;
        // Stored already unless the store itself failed: storing again is idempotent by id.
        await original.saveCheckIn(record);
        return { rewards: null };
      }
    },

    // The demo opening (seeded first when new) starts the run.
    async init() {
      await original.init();
      startRun();
    },

    async wipe() {
      if (timer) clearInterval(timer);
      timer = null;
      // Seeded again on the next init, which runs again.
      started = false;
      return original.wipe();
    },
  });
  // Issuing and granting are the demo server's own business, never a request the shell makes.
  delete backend.issueRewards;
  delete backend.saveGranted;
  if (original.getReferralGraph) {
    backend.getReferralGraph = async () => {
      await afterIssuance('event');
      const graph = await original.getReferralGraph();
      // The tree is care, not rewards: without the demo's campaign file (no network) it shows what it has.
      return withRewards(graph).catch(() => graph);
    };
  }
  return backend;
}
