// Staff console (员工工作台): a desktop-first workbench (≥ 1280 px, still usable
// on a tablet and a phone) with a sidebar grouped by work — 运营, 临床, 柜台,
// 社群, 审计 — and a wide content area. Reached at #staff (never from a
// patient's screens). A staff member signs in first — in the demo with one of
// the synthetic accounts per role (演示账号) — and sees only the screens of the
// role the session's reply names; the server (or the offline demo playing it)
// refuses every other staff call as well. Loaded on demand (import()) the first
// time #staff is opened; each screen asks the core or the backend when it is
// first shown. The console's layout is web/staff/console.css (loaded below,
// before the module resolves, so the first paint is already the console's).
//
// Adding a screen `x` (nothing else in this frame changes):
//   1. web/index.html, inside <nav class="staff-tabs">:
//        <a class="staff-tabs__tab" href="#staff/x" data-staff-tab="x" data-staff-group="operations" hidden>名称</a>
//      data-staff-group is one of STAFF_GROUPS below (an unknown one gets a
//      group of its own, labelled 其他, after the known ones); the sidebar is
//      regrouped from these attributes at start, in the order of STAFF_GROUPS
//      and, inside a group, in the order of the links;
//   2. web/index.html, inside <div class="staff__content">:
//        <section id="staff-x" class="staff-screen" data-staff-view="x" aria-labelledby="x-title" hidden></section>
//      (add class="staff-screen staff-screen--narrow" for a form-sized screen);
//   3. here: STAFF_SCREENS.x = '名称 · 员工工作台', an import, and
//      screens.x = createX({...}) whose load() fills the section when shown;
//      OPERATION_LABELS for the Backend methods it calls (the audit log's words);
//   4. web/backend/staff-roles.js (screens and methods of the roles that open
//      it; STAFF_METHODS) and scripts/backend/auth/policy.mjs (the same screens
//      and the routes) — a Node test keeps the two in agreement.
// Shared building blocks of console.css: .console-table (a wide, sortable-
// looking data table, numbers right-aligned with .num), .console-toolbar,
// .console-panel, .console-grid (two columns ≥ 1280 px).

import { STAFF_ROLES } from '../backend/staff-roles.js';
import { createForest } from './forest.js';
import { createKoc } from './koc.js';
import { createModeration } from './moderation.js';
import { createReport } from './report.js';
import { createMembers } from './members.js';
import { createQuality, createRisk } from './risk.js';
import { createCounter } from './counter.js';
import { createCampaigns } from './campaigns.js';
import { createDischarge } from './discharge.js';
import { createJobs } from './jobs.js';
import { createEvents } from './events.js';
import { createRecovery } from './recovery.js';
import { createRestDays } from './restdays.js';
import { createStoryMonth } from './story-month.js';
import { createQaSlots } from './qa-slots.js';
import { describeError } from '../lib/copy.js';

await loadConsoleStyles();

/** The sidebar's groups, in order: data-staff-group → label. */
export const STAFF_GROUPS = Object.freeze({
  operations: '运营',
  clinical: '临床',
  counter: '柜台',
  community: '社群',
  audit: '审计',
});
const OTHER_GROUP = '其他';

/** Screens of the workbench: hash suffix → document title. */
export const STAFF_SCREENS = Object.freeze({
  campaigns: '活动管理 · 员工工作台',
  forest: '推荐森林 · 员工工作台',
  koc: 'KOC评估 · 员工工作台',
  report: '社群健康度 · 员工工作台',
  moderation: '内容审核 · 员工工作台',
  audit: '审计日志 · 员工工作台',
  counter: '到店核销 · 员工工作台',
  discharge: '出院感恩卡 · 员工工作台',
  jobs: '计划任务 · 员工工作台',
  'story-month': '病友故事官 · 员工工作台',
  events: '医院事件 · 员工工作台',
  recovery: '失败挽回 · 员工工作台',
  restdays: '休息日审批 · 员工工作台',
  'qa-slots': '群答疑时段 · 员工工作台',
  members: '社群成员 · 员工工作台',
  quality: '推荐质量 · 员工工作台',
  risk: '风险提示 · 员工工作台',
});

const SIGN_IN_TITLE = '工作人员登录 · 员工工作台';

/**
 * @typedef {{role: string, roleLabel: string, screens: string[], demo: boolean,
 *   backend: import('../backend/backend.js').Backend}} StaffSession
 */

/** What each staff operation is, in words, for the audit log. */
const OPERATION_LABELS = Object.freeze({
  getCampaigns: '查看活动',
  saveCampaign: '保存活动',
  dryRunCampaign: '活动试运行',
  getHospitalForest: '查看推荐森林',
  getPendingStories: '查看待审核故事',
  decideStory: '审核患者故事',
  getCommunityReportInputs: '查看社群报告',
  getCommunityReportTrend: '查看社群报告趋势',
  getCommunityGroups: '查看社群列表',
  getMemberListInputs: '查看社群成员名单',
  getReferralQualityInputs: '查看推荐质量',
  getRiskFlagInputs: '查看风险提示',
  reviewRiskFlag: '复核风险提示',
  readAuditLog: '查看审计日志',
  getStaffAudit: '查看审计日志',
  recordHospitalEvent: '确认就诊进度',
  redeemVoucher: '核销奖励券',
  redeemCounterCode: '到店核销',
  getDischargeCards: '查看出院感恩卡',
  issueDischargeCard: '发放出院感恩卡',
  recordClinicalMoment: '登记入院/出院',
  saveKocAssessment: '保存KOC评估',
  getStaffJobs: '查看计划任务',
  getGroupMessageQueue: '查看群消息复核',
  resolveGroupMessage: '处理群消息复核',
  getIntakeGroups: '查看群答疑时段',
  setGroupQaSlots: '设置群答疑时段',
  simulateGroupMessage: '模拟群消息',
  getStoriesMonth: '查看月度故事',
  setStoriesMonthCall: '发布故事征集',
  pickStoryOfMonth: '评选月度故事',
  revokeSessions: '结束他人登录',
  listEventReferrals: '查看推荐记录',
  importHospitalEvents: '导入医院事件',
  getRecoveryList: '查看失败挽回名单',
  recordRecoveryCall: '记录挽回通话',
  getRestDays: '查看休息日',
  approveRestDays: '批准休息日',
  getDayRedemptions: '查看当日核销记录',
});
const OUTCOME_LABELS = Object.freeze({ ok: '成功', denied: '无权限，已拒绝', rejected: '未通过', failed: '失败' });

/**
 * @param {{
 *   core: import('../core.js').Core,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 *   signIn: (role: string) => Promise<StaffSession>,
 *   signOut: (session: StaffSession) => Promise<void>,
 *   onSessionChange: () => void,
 *   demoAccounts: boolean,
 * }} deps
 *   signIn: a session for the role (the demo's staff accounts);
 *   onSessionChange: the app shows the current view again after a sign-in or out;
 *   demoAccounts: whether this backend offers the demo's staff accounts.
 */
export function createStaff({ core, showToast, signIn, signOut, onSessionChange, demoAccounts }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** @type {StaffSession | null} */
  let session = null;

  // The screens read through whichever session is signed in now.
  const backend = /** @type {any} */ (
    new Proxy(
      {},
      {
        get: (_, name) => {
          const value = session?.backend?.[/** @type {string} */ (name)];
          return typeof value === 'function' ? value.bind(session.backend) : value;
        },
        has: (_, name) => Boolean(session?.backend && name in session.backend),
      },
    )
  );
  /** Whether the signed-in role's policy allows a Backend method (web/backend/staff-roles.js). */
  const may = (method) => Boolean(session && STAFF_ROLES[/** @type {keyof typeof STAFF_ROLES} */ (session.role)]?.methods.includes(method));
  const screens = {
    forest: createForest({ backend, showToast }),
    koc: createKoc({ core, backend, showToast }),
    report: createReport({ core, backend }),
    moderation: createModeration({ core, backend, showToast }),
    audit: createAuditLog({ backend, $ }),
    counter: createCounter({ backend, showToast }),
    campaigns: createCampaigns({ core, backend, showToast }),
    discharge: createDischarge({ backend, core, showToast }),
    jobs: createJobs({ backend }),
    'story-month': createStoryMonth({ core, backend, showToast }),
    events: createEvents({ backend, core, showToast, may, roleLabel: () => session?.roleLabel ?? '' }),
    recovery: createRecovery({ backend, core, showToast }),
    restdays: createRestDays({ backend, core, showToast }),
    'qa-slots': createQaSlots({ core, backend, showToast }),
    members: createMembers({ core, backend, showToast }),
    quality: createQuality({ core, backend }),
    risk: createRisk({ core, backend, showToast }),
  };

  renderSignIn();
  $('staff-signout').addEventListener('click', () => {
    const ending = session;
    session = null;
    renderAccount();
    if (ending) signOut(ending).catch((err) => console.warn('staff sign-out failed', err));
    onSessionChange();
  });

  function renderSignIn() {
    const note = $('staff-signin-note');
    const roles = $('staff-signin-roles');
    roles.replaceChildren();
    if (!demoAccounts) {
      note.textContent = '请使用医院统一身份认证登录后再打开工作台。';
      return;
    }
    note.textContent = '演示账号：选择一个岗位登录，只显示这个岗位可以使用的页面。';
    for (const [role, { label }] of Object.entries(STAFF_ROLES)) {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn btn--secondary';
      button.dataset.staffRole = role;
      button.textContent = `演示${label}`;
      button.addEventListener('click', () => chooseRole(role, button));
      roles.append(button);
    }
  }

  async function chooseRole(role, button) {
    const error = $('staff-signin-error');
    error.hidden = true;
    for (const b of $('staff-signin-roles').querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = true;
    try {
      session = await signIn(role);
      renderAccount();
      onSessionChange();
    } catch (err) {
      error.textContent = describeError(err, '登录失败，请稍后再试');
      error.hidden = false;
    } finally {
      for (const b of $('staff-signin-roles').querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = false;
      button.blur();
    }
  }

  function renderAccount() {
    groupNav();
    $('staff-account').hidden = !session;
    $('staff-account-label').textContent = session ? `${session.demo ? '演示账号 · ' : ''}${session.roleLabel}` : '';
    /** @type {HTMLElement} */ (document.querySelector('.staff-tabs')).hidden = !session;
    for (const tab of document.querySelectorAll('[data-staff-tab]')) {
      const name = /** @type {HTMLElement} */ (tab).dataset.staffTab ?? '';
      /** @type {HTMLElement} */ (tab).hidden = !session || !session.screens.includes(name);
    }
    for (const group of document.querySelectorAll('[data-staff-nav-group]')) {
      /** @type {HTMLElement} */ (group).hidden = ![...group.querySelectorAll('[data-staff-tab]')].some((t) => !(/** @type {HTMLElement} */ (t).hidden));
    }
  }

  /**
   * Shows one screen of the signed-in role (another or unknown name: the
   * role's first), or the sign-in when nobody is; returns its title.
   */
  function show(name) {
    const allowed = session ? session.screens.filter((s) => Object.hasOwn(STAFF_SCREENS, s)) : [];
    const screen = !session ? 'signin' : allowed.includes(name) ? name : allowed[0];
    for (const section of document.querySelectorAll('[data-staff-view]')) {
      /** @type {HTMLElement} */ (section).hidden = /** @type {HTMLElement} */ (section).dataset.staffView !== screen;
    }
    for (const tab of document.querySelectorAll('[data-staff-tab]')) {
      if (/** @type {HTMLElement} */ (tab).dataset.staffTab === screen) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    document.body.dataset.staff = session ? 'ready' : 'signin';
    if (session) document.body.dataset.staffRole = session.role;
    else delete document.body.dataset.staffRole;
    if (!session || !screen) return SIGN_IN_TITLE;
    // The core's poster and staff modules (the screens call their exports) are loaded on first use.
    Promise.resolve(core.need?.('poster', 'staff')).then(() => screens[screen].load()).catch((err) => {
      showToast(describeError(err, '加载失败'), 'error');
      console.warn(`staff ${screen} failed`, err);
    });
    return STAFF_SCREENS[screen];
  }

  return Object.freeze({ show, screens, session: () => session });
}

/**
 * Regroups the sidebar's links by their data-staff-group (STAFF_GROUPS order,
 * unknown groups after them as 其他), each group a labelled list. Idempotent:
 * a link already in its group stays; a link added to the nav later joins its
 * group the next time this runs (each sign-in or out).
 */
function groupNav() {
  const nav = /** @type {HTMLElement | null} */ (document.querySelector('.staff-tabs'));
  if (!nav) return;
  const tabs = /** @type {HTMLElement[]} */ ([...nav.querySelectorAll('[data-staff-tab]')]);
  const keys = [...Object.keys(STAFF_GROUPS)];
  for (const tab of tabs) {
    const key = tab.dataset.staffGroup ?? 'other';
    if (!keys.includes(key)) keys.push(key);
  }
  for (const key of keys) {
    const members = tabs.filter((t) => (t.dataset.staffGroup ?? 'other') === key);
    if (!members.length) continue;
    let group = /** @type {HTMLElement | null} */ (nav.querySelector(`[data-staff-nav-group="${CSS.escape(key)}"]`));
    if (!group) {
      group = document.createElement('div');
      group.className = 'staff-nav__group';
      group.dataset.staffNavGroup = key;
      group.setAttribute('role', 'group');
      const title = document.createElement('p');
      title.className = 'staff-nav__title';
      title.id = `staff-nav-${key.replace(/[^a-z0-9_-]/gi, '_')}`;
      title.textContent = Object.hasOwn(STAFF_GROUPS, key) ? STAFF_GROUPS[/** @type {keyof typeof STAFF_GROUPS} */ (key)] : OTHER_GROUP;
      group.setAttribute('aria-labelledby', title.id);
      group.append(title);
    }
    nav.append(group);
    for (const tab of members) group.append(tab);
  }
}

/** Adds console.css once and waits for it (a failed load leaves the phone layout, never an error). */
async function loadConsoleStyles() {
  if (typeof document === 'undefined' || document.querySelector('link[data-console-styles]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./console.css', import.meta.url).href;
  link.dataset.consoleStyles = '';
  const loaded = new Promise((resolve) => {
    link.addEventListener('load', resolve, { once: true });
    link.addEventListener('error', resolve, { once: true });
  });
  document.head.append(link);
  await loaded;
}

/**
 * 审计日志: every staff action, newest first, 50 a page (the auditor's screen).
 * @param {{backend: any, $: (id: string) => HTMLElement}} deps
 */
function createAuditLog({ backend, $ }) {
  let next = null;
  let wired = false;

  function item(entry) {
    const li = document.createElement('li');
    li.className = 'staff-audit__item';
    const role = STAFF_ROLES[/** @type {keyof typeof STAFF_ROLES} */ (entry.role)]?.label ?? '工作人员';
    const what = document.createElement('div');
    what.className = 'staff-audit__what';
    what.textContent = `${role}：${OPERATION_LABELS[entry.operation] ?? '其他操作'} · ${OUTCOME_LABELS[entry.outcome] ?? '未知'}`;
    const meta = document.createElement('div');
    meta.className = 'staff-audit__meta';
    const when = new Date(entry.receivedAtMs).toLocaleString('zh-CN', { hour12: false });
    meta.textContent = `${when} · 操作人 ${entry.actorId}${entry.target ? ` · 对象 ${entry.target}` : ''} · 来自 ${entry.address}${entry.demo ? ' · 演示' : ''}`;
    li.append(what, meta);
    return li;
  }

  async function page(before) {
    const section = $('staff-audit');
    section.dataset.state = 'loading';
    const reply = await backend.getStaffAudit(before ? { before } : {});
    const list = $('audit-list');
    if (!before) list.replaceChildren();
    list.append(...reply.entries.map(item));
    next = reply.next;
    $('audit-more').hidden = !next;
    $('audit-empty').hidden = list.children.length > 0;
    section.dataset.state = 'ready';
  }

  return {
    load() {
      if (!wired) {
        wired = true;
        $('audit-more').addEventListener('click', () => {
          if (next) page(next).catch((err) => console.warn('audit page failed', err));
        });
      }
      return page(null);
    },
  };
}
