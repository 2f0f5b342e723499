// CareCircle web shell — boot, the bottom tab bar and the check-in screen
// (打卡). The wallet screen (券包) lives in ./wallet.js, the referral centre
// (推荐) in ./referral.js, 病友故事 (#stories, reached from 打卡) in
// ./stories.js, the friend's join screen (好友邀请, #join/<code>) and the
// 我的推荐码 card in ./join.js, and the staff workbench (工作台, #staff/…) in
// ./staff/, loaded on demand: never linked from a patient's screens, opened
// at #staff, where staff sign in with a role of their own.
//
// Thin by design (docs/product-rules.md): every rule, number, date decision and piece of
// patient-facing rule text comes from the C++ core (../core.js); data comes
// from the backend (./backend/backend.js). This file renders what it gets and
// wires taps to the two core calls. It never computes a streak, decides
// whether a day counts, or re-declares a default. All text goes in through
// textContent; no HTML string is ever built from data.

import { loadCore } from './core.js';
import { createOfflineBackend } from './backend/offline.js';
import { createHttpBackend } from './backend/http.js';
import { createOutbox } from './backend/outbox.js';
import { createJoin } from './join.js';
import { adoptJoinParameter } from './links.js';
import { supports } from './backend/backend.js';
import { describeError } from './lib/copy.js';

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));


const TOAST_ICONS = Object.freeze({
  success: 'icons/gift.svg',
  info: 'icons/check.svg',
  error: 'icons/error.svg',
});

const state = {
  /** @type {import('./core.js').Core | null} */ core: null,
  /** @type {import('./backend/backend.js').Backend | null} */ backend: null,
  /** @type {import('./backend/backend.js').Profile | null} */ profile: null,
  /** @type {string | undefined} calendar month shown; undefined = the core's default (today's month) */
  viewMonth: undefined,
  report: null,
  busy: false,
  /** @type {ReturnType<typeof import('./wallet.js').createWallet> | null} */ wallet: null,
  /** @type {ReturnType<typeof import('./referral.js').createReferral> | null} */ referral: null,
  /** @type {ReturnType<typeof import('./settings.js').createSettings> | null} */ settings: null,
  /** @type {ReturnType<typeof createJoin> | null} */ join: null,
  /** @type {Promise<any> | null} 病友故事 (./stories.js), once #stories was opened */ stories: null,
  /** @type {Promise<any> | null} the staff workbench, once #staff was opened */ staff: null,
  /** @type {Promise<any> | null} the poster screen (./poster/screen.js), once #poster was opened */ posters: null,
  /** @type {'checkin' | 'wallet' | 'referral' | 'staff' | 'poster' | 'settings' | 'join' | 'stories'} */ view: 'checkin',
};

/** The views: the tabs of the bottom bar, and the staff workbench → document title. */
const VIEWS = Object.freeze({
  checkin: '康复打卡 · CareCircle',
  wallet: '我的券包 · CareCircle',
  referral: '我的推荐树 · CareCircle',
  staff: '员工工作台 · CareCircle',
  poster: '推荐海报 · CareCircle',
  settings: '我的设置 · CareCircle',
  join: '好友邀请 · CareCircle',
  stories: '病友故事 · CareCircle',
  inbox: '消息 · CareCircle',
});

/** Views reached from a tab that keep that tab highlighted. */
const TAB_OF_VIEW = Object.freeze({ poster: 'referral', stories: 'checkin' });

// ---------------------------------------------------------------- helpers

function formatBytes(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

function newId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function showScreen(name) {
  $('loading').hidden = name !== 'loading';
  $('load-error').hidden = name !== 'error';
  $('app').hidden = name !== 'app';
}

// ---------------------------------------------------------------- toast

let toastTimer = 0;

/**
 * @param {string} text shown verbatim (core messages are already Chinese)
 * @param {'success' | 'info' | 'error'} kind
 */
function showToast(text, kind = 'info') {
  const toast = $('toast');
  $('toast-text').textContent = text;
  /** @type {HTMLImageElement} */ ($('toast-icon')).src = TOAST_ICONS[kind] ?? TOAST_ICONS.info;
  toast.className = `toast toast--${kind}`;
  toast.hidden = false;
  // Restart the entrance animation.
  toast.classList.remove('is-in');
  void toast.offsetWidth;
  toast.classList.add('is-in');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.hidden = true;
  }, kind === 'error' ? 4500 : 3200);
}

// ---------------------------------------------------------------- sheet

let sheetConfirm = null;
let sheetCancel = null;
let sheetReturnFocus = null;

/**
 * The confirmation sheet. `danger`: the action deletes or removes something
 * (the confirm button is red, never the green of a safe step); `onCancel`
 * runs when the sheet is closed without confirming.
 */
function openSheet({ title, body, confirmLabel, onConfirm, onCancel = null, danger = false }) {
  $('sheet-title').textContent = title;
  $('sheet-body').textContent = body;
  $('sheet-confirm').textContent = confirmLabel;
  $('sheet-confirm').className = danger ? 'btn btn--danger-solid' : 'btn btn--primary';
  sheetConfirm = onConfirm;
  sheetCancel = onCancel;
  sheetReturnFocus = document.activeElement;
  $('sheet').hidden = false;
  $('sheet-confirm').focus();
}

function closeSheet() {
  const cancel = sheetCancel;
  $('sheet').hidden = true;
  sheetConfirm = null;
  sheetCancel = null;
  if (cancel) cancel();
  if (sheetReturnFocus instanceof HTMLElement) sheetReturnFocus.focus();
}

// ---------------------------------------------------------------- loading

function onLoadProgress({ loaded, total, phase }) {
  const bar = $('load-bar');
  const text = $('load-text');
  // Once the first screen is drawn, its 打卡 button says how far the core is.
  if ($('app').hasAttribute('data-preparing')) {
    const percent = phase === 'download' && total > 0 ? Math.round(Math.min(1, loaded / total) * 100) : null;
    $('status-text').textContent = percent === null ? '正在准备打卡，请稍候' : `正在准备打卡，已下载 ${percent}%`;
  }
  if (phase === 'download') {
    if (total > 0) {
      const fraction = Math.min(1, loaded / total);
      bar.classList.remove('is-indeterminate');
      bar.style.setProperty('--progress', String(fraction));
      bar.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
      text.textContent = `正在下载核心模块 ${Math.round(fraction * 100)}%（${formatBytes(loaded)} / ${formatBytes(total)}）`;
    } else {
      bar.classList.add('is-indeterminate');
      text.textContent = `正在下载核心模块（${formatBytes(loaded)}）`;
    }
  } else {
    bar.classList.remove('is-indeterminate');
    bar.style.setProperty('--progress', '1');
    bar.setAttribute('aria-valuenow', '100');
    text.textContent = phase === 'compile' ? '正在初始化…' : '即将完成…';
  }
}

function showLoadError(err) {
  // A failed download surfaces as the browser's own (English) TypeError: the
  // reader gets Chinese (lib/copy.js), the console the original.
  console.warn('core not loaded', err);
  $('load-error-detail').textContent = describeError(err, '核心模块没有加载成功，请稍后再试');
  showScreen('error');
}

// ---------------------------------------------------------------- core calls

function baseRequest(now, inputs) {
  const request = {
    nowMs: now.nowMs,
    clock: now.clock,
    patientId: state.profile.patientId,
    ...inputs,
  };
  if (state.viewMonth) request.viewMonth = state.viewMonth;
  return request;
}

async function evaluate() {
  const inputs = await state.backend.getStreakInputs();
  const now = state.backend.now();
  return state.core.call('evaluateStreak', baseRequest(now, inputs));
}

/**
 * Re-evaluates and renders what the backend stored. Reads only: the server
 * grants milestones and issues rewards itself (when it records a check-in,
 * and on its schedule), never at the shell's request.
 * @returns {Promise<boolean>} false when the core returned an error (shown as a toast)
 */
async function refresh() {
  const envelope = await evaluate();
  if (!envelope.ok) {
    if (!state.report) throw new Error(describeError(envelope.error));
    showToast(describeError(envelope.error), 'error');
    return false;
  }
  state.report = envelope.value;
  render(envelope.value);
  return true;
}

function setBusy(busy) {
  state.busy = busy;
  document.body.classList.toggle('is-busy', busy);
  if (state.report) renderCheckInButton(state.report);
}

/**
 * Records a check-in through the core, stores it only if the core accepted it.
 * @param {{kind: 'normal' | 'makeUp', forDate?: string}} what
 */
async function checkIn({ kind, forDate }) {
  if (state.busy) return;
  setBusy(true);
  try {
    const { backend, core, profile } = state;
    const now = backend.now();
    const record = {
      id: newId(),
      patientId: profile.patientId,
      atMs: now.nowMs,
      seq: await backend.nextSeq(),
      kind,
    };
    if (forDate) record.forDate = forDate;
    const inputs = await backend.getStreakInputs();
    const envelope = core.call('recordCheckIn', { ...baseRequest(now, inputs), checkIn: record });
    if (!envelope.ok) {
      showToast(describeError(envelope.error), 'error');
      await refresh();
      return;
    }
    const decision = envelope.value;
    // What the server granted and issued in recording it (its reply, not a computation here).
    const saved = decision.outcome === 'accepted' ? await backend.saveCheckIn(record) : undefined;
    // The moment is for what this check-in completed (the server also grants what was earned before, unannounced).
    const fresh = (saved?.rewards?.milestones ?? []).filter((m) => m.byThisCheckIn);
    state.wallet?.noteIssued?.((saved?.rewards?.issued ?? []).map((g) => g.grantKey));
    await refresh();
    if (fresh.length > 0) {
      // The check-in itself is confirmed as always; the reward gets its own moment.
      if (decision.outcome === 'accepted') showToast(decision.message || (kind === 'makeUp' ? '补签成功' : '打卡成功'), 'info');
      pulse($('rewards-list'));
      celebrate(fresh);
    } else if (decision.outcome === 'accepted') {
      showToast(decision.message || (kind === 'makeUp' ? '补签成功' : '打卡成功'), 'info');
    } else if (decision.message) {
      showToast(decision.message, 'info');
    }
    if (decision.outcome === 'accepted' && kind === 'normal') afterDailyCheckIn({ rewarded: fresh.length > 0 });
  } catch (err) {
    showToast('操作没有完成，请稍后再试', 'error');
    console.warn('check-in failed', err);
  } finally {
    setBusy(false);
  }
}

/**
 * The reward moment (./reward-moment.js): the milestones the server granted
 * with this check-in (its reply), celebrated in a sheet that stays until it is
 * closed, with 去券包查看. The words are the core's (rewardTitle, earnedText,
 * rangeLabel), as the server's core wrote them.
 */
function celebrate(milestones) {
  import('./reward-moment.js')
    .then(({ openRewardMoment }) =>
      openRewardMoment({
        heading: '恭喜，打卡目标达成！',
        lead: `${milestones.map((m) => m.earnedText).join('，')}，可在券包中查看和使用。`,
        items: milestones.map((m) => ({
          key: m.key,
          title: m.rewardTitle,
          valueFen: m.rewardValueFen,
          note: `连续打卡 ${m.rangeLabel}`,
        })),
      }),
    )
    .catch((err) => {
      // The moment is a courtesy: without it, the toast still says what was earned.
      showToast(milestones.map((m) => m.earnedText).join('，'), 'success');
      console.warn('reward moment not shown', err);
    });
}

function pulse(node) {
  node.classList.remove('is-pulsing');
  void node.offsetWidth;
  node.classList.add('is-pulsing');
}

// ---------------------------------------------------------------- render

/**
 * The first screen before the core is ready: drawn from the profile (the
 * community's exercise is configuration, not computation), the 打卡 button
 * disabled and saying 准备中, and nothing of what the core computes (streak,
 * calendar, rewards) — those parts stay hidden until its reply is drawn.
 * @param {boolean} on
 */
function showPreparing(on) {
  $('app').toggleAttribute('data-preparing', on);
  $('view-checkin').setAttribute('aria-busy', String(on));
  if (!on) return;
  const button = /** @type {HTMLButtonElement} */ ($('checkin-btn'));
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  $('checkin-label').textContent = '准备中…';
  $('status-text').textContent = '正在准备打卡，请稍候';
}

function renderProfile(profile, version) {
  $('community-name').textContent = profile.community.name;
  $('demo-badge').hidden = !profile.demo;
  $('patient-name').textContent = profile.displayName;
  $('action-title').textContent = profile.community.actionTitle;
  const steps = $('action-steps');
  steps.replaceChildren(
    ...profile.community.actionSteps.map((step, i) => {
      const li = el('li', 'steps__item');
      li.append(el('span', 'steps__num', String(i + 1)), el('span', 'steps__text', step));
      return li;
    }),
  );
  if (version) $('core-version').textContent = `核心版本 ${version}`;
}

function renderCheckInButton(report) {
  const button = /** @type {HTMLButtonElement} */ ($('checkin-btn'));
  const done = Boolean(report.checkedInToday);
  button.disabled = done || state.busy;
  button.classList.toggle('is-done', done);
  button.setAttribute('aria-busy', String(state.busy && !done));
  $('checkin-label').textContent = done ? '今日已打卡' : state.busy ? '正在打卡…' : '打卡';
}

function render(report) {
  // Header
  $('today-label').textContent = `今天 ${report.todayLabel}`;
  const clock = $('clock-label');
  clock.textContent = report.clock === 'device' ? '本机时间' : '服务器时间';
  clock.classList.toggle('clock-chip--device', report.clock === 'device');
  clock.title = report.clock === 'device' ? '离线演示使用本机时钟，结果仅供演示' : '';

  // Hero
  renderCheckInButton(report);
  $('status-text').textContent = report.statusText;
  $('stat-current').textContent = String(report.current);
  $('stat-longest').textContent = String(report.longest);
  $('stat-total').textContent = String(report.total);

  renderProgress(report.progress, reachedToday(report));
  renderCalendar(report);
  renderRewards(report.milestones ?? []);
}

/** The milestone of the progress card's rule whose block ends today (earned by today's check-in), or null. */
function reachedToday(report) {
  const progress = report.progress;
  if (!progress) return null;
  return (report.milestones ?? []).find((m) => m.ruleId === progress.ruleId && m.toDate === report.today) ?? null;
}

/**
 * The progress card. On the day a milestone is reached it shows that
 * milestone, full (7/7 and what was earned), rather than the next block's
 * 0/7: the count starts again tomorrow.
 */
function renderProgress(progress, reached) {
  const card = $('progress-card');
  if (!progress) {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  const done = reached ? progress.needed : progress.done;
  const text = reached ? `今日达成：${reached.earnedText}` : progress.text;
  card.classList.toggle('is-reached', Boolean(reached));
  card.dataset.reached = reached ? reached.key : '';
  $('progress-text').textContent = text;
  $('progress-count').textContent = `${done}/${progress.needed}天`;
  const bar = $('progress-bar');
  bar.setAttribute('aria-valuemax', String(progress.needed));
  bar.setAttribute('aria-valuenow', String(done));
  bar.setAttribute('aria-valuetext', text);
  bar.style.setProperty('--progress', String(progress.needed > 0 ? done / progress.needed : 0));
}

function renderCalendar(report) {
  const cal = report.calendar;
  $('cal-title').textContent = cal.title;
  /** @type {HTMLButtonElement} */ ($('cal-prev')).disabled = !cal.hasPrevious;
  /** @type {HTMLButtonElement} */ ($('cal-next')).disabled = !cal.hasNext;
  $('cal-prev').dataset.month = cal.previousMonth ?? '';
  $('cal-next').dataset.month = cal.nextMonth ?? '';

  $('cal-weekdays').replaceChildren(...cal.weekdayLabels.map((label) => el('span', 'calendar__weekday', label)));

  const statusLabels = Object.fromEntries(cal.legend.map((l) => [l.status, l.label]));
  $('cal-legend').replaceChildren(...cal.legend.map((l) => {
    const item = el('li', '', l.label);
    item.prepend(el('span', `legend__swatch day--${l.status}`));
    item.firstChild.setAttribute('aria-hidden', 'true');
    return item;
  }));

  const cells = [];
  for (let i = 0; i < cal.leadingBlankDays; i += 1) cells.push(el('span', 'day day--blank'));
  for (const day of cal.days) {
    const label = statusLabels[day.status] ?? '';
    const cell = el(day.canMakeUp ? 'button' : 'span', `day day--${day.status}`);
    if (day.isToday) cell.classList.add('is-today');
    cell.dataset.date = day.date;
    cell.dataset.status = day.status;
    const num = el('span', 'day__num', String(day.day));
    cell.append(num);
    let aria = `${day.label}${label ? ` ${label}` : ''}${day.isToday && day.status !== 'today' ? ' 今天' : ''}`;
    if (day.canMakeUp) {
      cell.classList.add('can-makeup');
      cell.setAttribute('type', 'button');
      cell.append(el('span', 'day__tag', '补签'));
      // A button's name starts with what it shows ("22 补签"), then the full day (WCAG 2.5.3).
      aria = `${day.day} 补签（${aria}）`;
      cell.addEventListener('click', () => confirmMakeUp(report.makeUpOptions.find((o) => o.date === day.date)));
    }
    cell.setAttribute('aria-label', aria);
    cells.push(cell);
  }
  $('cal-days').replaceChildren(...cells);

  const hint = $('makeup-hint');
  const items = [];
  if (cal.days.some((d) => d.canMakeUp)) items.push(el('span', 'hint__item hint__item--action', '点击带「补签」的日期可补签'));
  items.push(
    el('span', 'hint__item', `本月剩余补签 ${report.makeUpRemainingThisMonth} 次`),
    el('span', 'hint__item', `断签保护 ${report.freezeRemainingThisMonth} 次`),
  );
  hint.replaceChildren(...items);
  hint.hidden = false;

  const ignored = report.ignored ?? [];
  const note = $('ignored-note');
  note.hidden = ignored.length === 0;
  if (ignored.length > 0) {
    note.textContent = `有 ${ignored.length} 条打卡记录未计入：${ignored[0].message}`;
  }
}

function renderRewards(milestones) {
  const list = $('rewards-list');
  const items = [...milestones].reverse().map((m) => {
    const li = el('li', `reward reward--${m.state}`);
    li.dataset.key = m.key;
    const stub = el('div', 'reward__stub');
    const icon = el('img', 'reward__icon');
    icon.src = 'icons/ticket.svg';
    icon.alt = '';
    icon.width = 32;
    icon.height = 32;
    stub.append(icon);
    const main = el('div', 'reward__main');
    main.append(
      el('p', 'reward__title', m.rewardTitle),
      el('p', 'reward__meta', `连续打卡 ${m.rangeLabel}`),
    );
    const badge = el('span', 'reward__state', m.state === 'granted' ? '已发放' : '新获得');
    li.append(stub, main, badge);
    return li;
  });
  list.replaceChildren(...items);
  $('rewards-empty').hidden = items.length > 0;
  const granted = milestones.filter((m) => m.state === 'granted').length;
  $('rewards-count').textContent = granted > 0 ? `已发放 ${granted} 张` : '';
}

// ---------------------------------------------------------------- actions

function confirmMakeUp(option) {
  if (state.busy || !option) return;
  openSheet({
    title: `补签 ${option.label}`,
    body: `补签后这一天记为「已补签」，计入累计打卡。当月还可补签 ${option.remainingInMonth} 次，确认补签吗？`,
    confirmLabel: '确认补签',
    onConfirm: () => checkIn({ kind: 'makeUp', forDate: option.date }),
  });
}

function confirmWipe() {
  openSheet({
    title: '清除本机数据？',
    body: '将删除本机浏览器里保存的打卡记录、推荐记录和奖励（演示数据会重新生成）。',
    confirmLabel: '清除',
    onConfirm: async () => {
      try {
        await state.backend.wipe();
      } finally {
        location.reload();
      }
    },
  });
}

async function showMonth(month) {
  if (!month || state.busy) return;
  const previous = state.viewMonth;
  state.viewMonth = month;
  const ok = await refresh().catch(() => false);
  if (!ok) state.viewMonth = previous;
}

// ---------------------------------------------------------------- invite prompt (G17)

/** @type {Promise<ReturnType<typeof import('./invite.js').createInvitePrompt>> | null} (./invite.js, loaded at the first daily check-in) */
let invitePrompt = null;

/**
 * The one hook of the "invite a friend" prompt (./invite.js): after a daily
 * check-in the core accepted. Whether it shows is the core's and the
 * backend's answer; it never blocks or delays the check-in.
 */
function afterDailyCheckIn({ rewarded = false } = {}) {
  invitePrompt ??= import('./invite.js').then(({ createInvitePrompt }) =>
    createInvitePrompt({
      core: state.core,
      backend: state.backend,
      showToast,
      isCheckInShown: () => state.view === 'checkin',
    }),
  );
  invitePrompt
    .then((prompt) => prompt.afterCheckIn({ rewarded }))
    .catch((err) => {
      invitePrompt = null;
      console.warn('invite prompt not loaded', err);
    });
}

// ---------------------------------------------------------------- tabs

/** #checkin, #wallet, #referral, #stories, #poster or #poster/<template>, #staff or #staff/<screen>, #join or #join/<code>. */
function viewFromHash() {
  const [name, screen = ''] = location.hash.replace(/^#/, '').split('/');
  return Object.hasOwn(VIEWS, name) ? { name, screen } : { name: 'checkin', screen: '' };
}

/**
 * A staff member's sign-in to the workbench: the offline demo's own staff
 * accounts, or over HTTP the demo login for a staff role (a deployment signs
 * staff in through its identity provider, POST /auth/sessions). The session
 * lives in this page's memory only; its backend has no outbox: the
 * workbench decides online.
 * @param {string} role
 */
async function staffSignIn(role) {
  if (!usesHttpBackend()) return state.backend.signInStaff(role);
  const tokens = sessionTokens(await demoSession({ as: 'staff', role }, '员工登录失败'));
  const reply = tokens.reply();
  // Not init(): that signs a patient in (profile, outbox); staff reads need neither.
  const backend = createHttpBackend({ baseUrl: API_BASE, token: () => tokens.token() });
  return { role: reply.role, roleLabel: reply.roleLabel, screens: reply.screens, demo: reply.demo === true, backend, tokens };
}

/** Ends a staff session on the server (over HTTP; the offline demo keeps none). */
async function staffSignOut(session) {
  if (!session.tokens) return;
  await fetch(`${API_BASE}/auth/logout`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await session.tokens.token()}` },
  });
}

/** The staff workbench module, imported the first time #staff is opened. */
function staffWorkbench() {
  if (!state.staff) {
    state.staff = import('./staff/staff.js').then(({ createStaff }) =>
      createStaff({
        core: state.core,
        showToast,
        signIn: staffSignIn,
        signOut: staffSignOut,
        onSessionChange: () => showView(viewFromHash()),
        demoAccounts: true,
      }),
    );
    state.staff.catch(() => {
      state.staff = null;
    });
  }
  return state.staff;
}

/** The poster screen (推荐海报), imported the first time #poster is opened. */
/** 病友故事 (./stories.js), loaded the first time #stories is opened: not part of the first screen. */
function storiesScreen() {
  if (!state.stories) {
    state.stories = import('./stories.js').then(({ createCommunityStories }) =>
      createCommunityStories({ backend: state.backend, profile: state.profile }),
    );
    state.stories.catch(() => {
      state.stories = null;
    });
  }
  return state.stories;
}

function posterScreen() {
  if (!state.posters) {
    state.posters = import('./poster/screen.js').then(({ createPosterScreen }) =>
      createPosterScreen({
        root: $('view-poster'),
        core: state.core,
        backend: state.backend,
        profile: state.profile,
        evaluateStreak: evaluate,
        showToast,
        openSheet,
      }),
    );
    state.posters.catch(() => {
      state.posters = null;
    });
  }
  return state.posters;
}

/**
 * Shows one view; the wallet and the referral tree are evaluated afresh each
 * time they are shown.
 * @param {{name: string, screen: string}} where
 */
function showView({ name, screen }) {
  const changed = state.view !== name;
  state.view = /** @type {any} */ (name);
  for (const view of document.querySelectorAll('[data-view]')) {
    /** @type {HTMLElement} */ (view).hidden = /** @type {HTMLElement} */ (view).dataset.view !== name;
  }
  for (const tab of document.querySelectorAll('[data-tab]')) {
    if (/** @type {HTMLElement} */ (tab).dataset.tab === (TAB_OF_VIEW[name] ?? name)) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  document.body.classList.toggle('is-staff', name === 'staff');
  document.body.classList.toggle('is-join', name === 'join');
  document.title = VIEWS[name];
  if (changed) window.scrollTo(0, 0);
  if (name === 'wallet' && state.wallet) state.wallet.refresh();
  if (name === 'referral' && state.referral) state.referral.refresh();
  if (name === 'referral' && state.join) state.join.showMyCode();
  if (name === 'join' && state.join) state.join.show(screen);
  if (name === 'settings' && state.settings) state.settings.refresh();
  if (name === 'inbox' && state.profile) {
    // 消息 (./inbox.js), loaded the first time #inbox is opened.
    state.inbox ??= import('./inbox.js').then(({ createInbox }) => createInbox({ root: $('view-inbox'), backend: state.backend }));
    state.inbox
      .then((inbox) => (state.view === 'inbox' ? inbox.refresh() : inbox.hide()))
      .catch((err) => {
        state.inbox = null;
        showToast('消息加载失败，请稍后再试', 'error');
        console.warn('inbox screen failed', err);
      });
  }
  if (name === 'stories' && state.profile) {
    storiesScreen()
      .then((stories) => (state.view === 'stories' ? stories.refresh() : undefined))
      .catch((err) => {
        showToast('病友故事加载失败，请稍后再试', 'error');
        console.warn('stories screen failed', err);
      });
  }
  // The poster screen and the workbench are opened once the core is here (boot shows the view again).
  if (!state.core) return;
  if (name === 'poster') {
    posterScreen()
      .then((posters) => (state.view === 'poster' ? posters.show(screen) : undefined))
      .catch((err) => {
        showToast('海报功能加载失败，请稍后再试', 'error');
        console.warn('poster screen failed', err);
      });
  }
  if (name === 'staff') {
    staffWorkbench()
      .then((staff) => {
        if (state.view !== 'staff') return;
        // staff.show also marks the page: data-staff="signin" or "ready".
        document.title = `${staff.show(screen)} · CareCircle`;
      })
      .catch((err) => {
        showToast('工作台加载失败，请稍后再试', 'error');
        console.warn('staff workbench failed', err);
      });
  }
}

function wireEvents() {
  $('checkin-btn').addEventListener('click', () => checkIn({ kind: 'normal' }));
  $('cal-prev').addEventListener('click', (e) => showMonth(/** @type {HTMLElement} */ (e.currentTarget).dataset.month));
  $('cal-next').addEventListener('click', (e) => showMonth(/** @type {HTMLElement} */ (e.currentTarget).dataset.month));
  $('wipe-btn').addEventListener('click', confirmWipe);
  for (const closer of document.querySelectorAll('[data-sheet-close]')) closer.addEventListener('click', closeSheet);
  $('sheet-confirm').addEventListener('click', () => {
    const action = sheetConfirm;
    sheetCancel = null;
    closeSheet();
    if (action) action();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('sheet').hidden) closeSheet();
  });
  // Back from the background (maybe the next day): ask the core again.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible' || !state.report || state.busy) return;
    refresh()
      .then(() => (state.view === 'wallet' && state.wallet ? state.wallet.refresh() : true))
      .then(() => (state.view === 'referral' && state.referral ? state.referral.refresh() : true))
      .catch(() => {});
  });
  window.addEventListener('hashchange', () => showView(viewFromHash()));
  $('retry-btn').addEventListener('click', () => location.reload());
}

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('./sw.js').catch((err) => {
    console.warn('service worker not registered', err);
  });
}

// ---------------------------------------------------------------- boot

const OFFLINE_NOTICE = '离线，已保存在本机，联网后自动同步';

/**
 * Why the server refused a queued record, by its code (docs/trust.md): a
 * late check-in proves a day only when the server can believe its date.
 */
const REFUSAL_TEXT = Object.freeze({
  'checkin.before_enrolment': '这一天在您加入康复计划之前，不计入连续打卡',
  'checkin.unprovable_day': '这条离线打卡比上次联网早了两天以上，服务器无法确认，这一天不计入连续打卡',
  'request.too_large': '这条记录太大，无法提交，已从本机删除',
});

/** Whether the patient was told that mutations wait on the device (until the next full sync). */
let offlineShown = false;

/**
 * What the outbox reports while it syncs mutations to an HTTP backend: the
 * offline notice — not again at every retry, only when another message (打卡成功)
 * has replaced it since — and, once the queue is delivered, that it was.
 */
function onOutboxEvent(event) {
  if (event.type === 'rejected') {
    // The join screen shows its own refusal (duplicate referee, self-referral…) in place.
    if (event.entry?.op === 'claimReferral' && state.view === 'join') return;
    const error = event.result?.body?.error;
    showToast(REFUSAL_TEXT[error?.code] ?? error?.message ?? '服务器未接受这条记录', 'error');
  } else if (event.type === 'error') {
    if ($('toast-text').textContent !== OFFLINE_NOTICE) showToast(OFFLINE_NOTICE, 'info');
    offlineShown = true;
  } else if (event.type === 'synced') {
    if (offlineShown && event.remaining === 0) showToast('已联网，离线时的记录已同步', 'info');
    if (event.remaining === 0) offlineShown = false;
    if (state.view === 'settings' && state.settings) state.settings.refresh();
  }
}

/**
 * The offline demo by default; `?backend=http` uses the HTTP contract
 * (docs/api/openapi.yaml) at /api/v1, e.g. the reference backend of
 * `npm run backend`. The parameter carries no personal data.
 */
const API_BASE = '/api/v1';

/** `?backend=http`: the reference backend's contract instead of the offline demo. */
function usesHttpBackend() {
  return new URLSearchParams(location.search).get('backend') === 'http';
}

/**
 * Demo login only (POST /demo/sessions, answered by a server started in demo
 * mode, from this machine only): a hospital wires its own sign-in here
 * (POST /auth/sessions with its identity provider's token), and never puts a
 * token in the URL. Resolves with the session reply (tokens, role, screens).
 */
async function demoSession(who, failure) {
  const response = await fetch(`${API_BASE}/demo/sessions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(who),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? failure);
  return body;
}

/**
 * The bearer token of a session reply, renewed with its refresh token a
 * minute before the access token expires (POST /auth/refresh rotates both).
 * Times are the server's, measured against the device clock at receipt.
 * @param {{accessToken?: string, token: string, refreshToken?: string, accessExpiresAtMs?: number, serverTimeMs?: number}} first
 */
function sessionTokens(first) {
  let current = first;
  let deadline = expiryOnDevice(first);
  /** @type {Promise<void> | null} */
  let refreshing = null;
  function expiryOnDevice(reply) {
    if (!reply.refreshToken || typeof reply.accessExpiresAtMs !== 'number') return Infinity;
    return Date.now() + (reply.accessExpiresAtMs - (reply.serverTimeMs ?? Date.now())) - 60_000;
  }
  return {
    reply: () => current,
    async token() {
      if (Date.now() < deadline) return current.accessToken ?? current.token;
      refreshing ??= fetch(`${API_BASE}/auth/refresh`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refreshToken: current.refreshToken }),
      })
        .then(async (response) => {
          const body = await response.json().catch(() => null);
          if (!response.ok) throw new Error(body?.error?.message ?? '登录已过期，请重新登录');
          current = body;
          deadline = expiryOnDevice(body);
        })
        .finally(() => {
          refreshing = null;
        });
      await refreshing;
      return current.accessToken ?? current.token;
    },
  };
}

async function chooseBackend() {
  // Opened on a join link (#join/<code>), the demo signs in as a NEW synthetic
  // patient — the friend who scanned the code — in the demo community so that
  // every screen has content; otherwise as the seeded demo patient. The
  // offline demo plays that friend on this page (its "friend's phone"), and
  // the demo patient everywhere else: their own code is then refused.
  const { name, screen } = viewFromHash();
  if (!usesHttpBackend()) return createOfflineBackend({ simulatedFriend: name === 'join' && Boolean(screen) });
  const who = name === 'join' && screen ? { as: 'newPatient', communityMember: true } : { as: 'demoPatient' };
  const tokens = sessionTokens(await demoSession(who, '登录失败'));
  return createHttpBackend({ baseUrl: API_BASE, token: () => tokens.token(), outbox: createOutbox({ onEvent: onOutboxEvent }) });
}

async function boot() {
  // Opened on a join URL (<joinUrl>?c=<code>): to the join screen with the code.
  adoptJoinParameter();
  wireEvents();
  showScreen('loading');
  // The first screen is drawn from the profile before the core is here, and
  // what the core computes is filled in when it is. The core's download
  // starts now, once the page's own script and style sheet are in: the page
  // does not preload it, which on a phone network would share the line with
  // them and hold the first screen up.
  const coreLoading = loadCore({ onProgress: onLoadProgress });
  coreLoading.catch(() => {});  // judged below, once the frame is up
  try {
    const backend = await chooseBackend();
    state.backend = backend;
    // The profile (the community and its exercise: configuration) draws the
    // frame; the backend opens its data (IndexedDB, the outbox) meanwhile.
    state.profile = await backend.getProfile();
    renderProfile(state.profile);
    showPreparing(true);
    // The join screen draws at once too: its code check waits for the core.
    state.join = createJoin({
      core: coreLoading,
      backend,
      profile: state.profile,
      offlineDemo: !usesHttpBackend(),
      showToast,
    });
    showScreen('app');
    showView(viewFromHash());
    performance.mark('carecircle:frame-rendered');  // marks for npm run bench (cold start)
    // The other tabs' screens are not needed to draw the first one: fetched
    // beside the core, created once it is here.
    const screensLoading = Promise.all([import('./wallet.js'), import('./referral.js'), import('./settings.js')]);
    screensLoading.catch(() => {});
    const [core] = await Promise.all([coreLoading, backend.init()]);
    performance.mark('carecircle:core-and-data-ready');
    state.core = core;
    renderProfile(state.profile, core.version);
    await refresh();
    showPreparing(false);
    performance.mark('carecircle:checkin-rendered');
    const [{ createWallet }, { createReferral }, { createSettings }] = await screensLoading;
    state.wallet = createWallet({ core, backend, evaluateStreak: evaluate, showToast });
    state.referral = createReferral({ core, backend, profile: state.profile, showToast });
    state.settings = createSettings({ core, backend, profile: state.profile, showToast, openSheet });
    // Another page of the offline demo changed the shared data (a friend
    // joined with the code): show it without a reload.
    if (supports(backend, 'onRemoteChange')) {
      backend.onRemoteChange(() => {
        if (state.view === 'referral' && state.referral) state.referral.refresh();
        if (state.view === 'wallet' && state.wallet) state.wallet.refresh();
      });
    }
    performance.mark('carecircle:screens-created');
    // The join screen is already shown (its form may hold what the friend typed): not again.
    if (state.view !== 'join') showView(viewFromHash());
    document.body.dataset.ready = 'true';
    performance.mark('carecircle:interactive');
  } catch (err) {
    showLoadError(err);
    return;
  }
  registerServiceWorker();
}

boot();
