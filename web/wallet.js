// CareCircle web shell — the wallet screen (我的券包).
//
// Thin by design (docs/product-rules.md): which reward a patient has, whether it can be
// used, when it unlocks, why not, which medal is earned and how many
// referrals are still needed — all of it is evaluateEligibility's reply
// (docs/api/eligibility.md), rendered as it is. This file never decides a
// state, never computes a date and never re-words a reason: `why`, `reasons`
// and `nextStep` are shown verbatim. Formatting only: fen → yuan for the
// coupon face, enum → Chinese label. All text goes in through textContent.
//
// Flow (one refresh):
//   evaluateStreak (the check-in screen's inputs) → its milestones
//   → evaluateEligibility({nowMs, ...backend.getEligibilityInputs(), milestones})
//   → render. The wallet only reads: the server issues (its scheduled job,
//   and the check-in itself for what a check-in earns); a grant the core
//   reports `issuable` here is one the server has not issued yet, shown as
//   such and never requested from here.

import { describeError, formatDay } from './lib/copy.js';
import { supports } from './backend/backend.js';
import { deploymentOf } from './links.js';
import { showStaffHonours } from './honours.js';

/** Wallet groups, in the order the core sorts them. Labels only. */
const WALLET_STATUSES = Object.freeze(['available', 'pending', 'locked', 'used', 'expired', 'void']);

const WALLET_LABELS = Object.freeze({
  available: '可使用',
  pending: '发放中',
  locked: '待解锁',
  used: '已使用',
  expired: '已过期',
  void: '已作废',
});

const CAMPAIGN_LABELS = Object.freeze({
  eligible: '可领取',
  pending: '进行中',
  locked: '待解锁',
  ineligible: '暂无可领',
  ended: '已结束',
});

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Face value for display: integer fen → yuan text ("100", "12.50"). Formatting only. */
export function formatYuan(fen) {
  return fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2);
}

/**
 * The milestone facts evaluateEligibility reads. The contract says to pass the
 * streak report's `milestones` as they are, but this core's decoder refuses
 * the display keys the streak module now adds (rangeLabel, earnedText) with
 * input.unknown_field; the request example in docs/api/eligibility.md carries
 * {key, ruleId} only, so exactly those are passed. Shaping, not a rule.
 */
function milestoneFacts(milestones) {
  return (milestones ?? []).map(({ key, ruleId }) => ({ key, ruleId }));
}

/**
 * @param {{
 *   core: import('./core.js').Core,
 *   backend: import('./backend/backend.js').Backend,
 *   evaluateStreak: () => Promise<{ok: boolean, value?: any, error?: {message: string}}>,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 * }} deps
 */
export function createWallet({ core, backend, evaluateStreak, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** @type {Promise<boolean> | null} */
  let inflight = null;
  let again = false;
  let report = null;
  /** Each campaign's description (its rules, shown on the coupon sheet), by id. */
  const rulesById = new Map();
  /**
   * Grant keys that arrived since this screen last drew the wallet (or that
   * the server's check-in reply said it just issued): marked 新到账 in the
   * core's own lists. Display only: which keys are new to this screen.
   */
  let fresh = new Set();
  /** Keys in the wallet the last time it was drawn; null before the first draw. */
  let seen = null;
  /** Keys the server said it issued (check-in reply) not drawn yet. */
  const announced = new Set();

  async function evaluate() {
    const streak = await evaluateStreak();
    if (!streak.ok) return streak;
    const inputs = await backend.getEligibilityInputs();
    for (const c of inputs.campaigns ?? []) if (c && typeof c.id === 'string') rulesById.set(c.id, String(c.description ?? ''));
    const { nowMs } = backend.now();
    // The streak's own progress: the check-in campaign then says what 打卡 says.
    return core.call('evaluateEligibility', {
      nowMs,
      ...inputs,
      milestones: milestoneFacts(streak.value.milestones),
      streakProgress: streak.value.progress ?? null,
    });
  }

  async function run() {
    const envelope = await evaluate();
    if (!envelope.ok) {
      showToast(describeError(envelope.error), 'error');
      if (!report) showError(describeError(envelope.error));
      return false;
    }
    report = envelope.value;
    const keys = report.wallet.map((item) => item.key);
    const arrived = keys.filter((key) => announced.has(key) || (seen !== null && !seen.has(key)));
    if (arrived.length > 0) fresh = new Set(arrived);
    for (const key of arrived) announced.delete(key);
    seen = new Set(keys);
    render(report);
    return true;
  }

  /**
   * Evaluates and renders what the server has recorded. Calls while one is
   * running coalesce into one more run.
   * @returns {Promise<boolean>} false when the core returned an error (shown as a toast)
   */
  function refresh() {
    if (inflight) {
      again = true;
      return inflight;
    }
    inflight = (async () => {
      try {
        let ok;
        do {
          again = false;
          ok = await run();
        } while (again);
        return ok;
      } catch (err) {
        const message = describeError(err, '券包暂时无法显示，请稍后再试');
        showToast(message, 'error');
        if (!report) showError(message);
        console.warn('wallet refresh failed', err);
        return false;
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  }

  function showError(message) {
    $('wallet-loading').hidden = true;
    const error = $('wallet-error');
    error.textContent = message;
    error.hidden = false;
  }

  // ------------------------------------------------------------ render

  function render(value) {
    $('wallet-loading').hidden = true;
    $('wallet-error').hidden = true;
    const titles = new Map(value.campaigns.map((c) => [c.campaignId, c.title]));
    renderSummary(value.wallet);
    renderFresh(value);
    renderGroups(value.wallet, titles);
    renderBadges(value.badges, titles);
    // 故事官 and other honours staff gave (./honours.js): shown when the backend has them.
    showStaffHonours(backend).catch((err) => console.warn('honours not loaded', err));
    renderCampaigns(value.campaigns);
    document.body.dataset.wallet = 'ready';
    document.body.dataset.walletToday = value.today;
  }

  function byStatus(wallet) {
    const groups = new Map(WALLET_STATUSES.map((s) => [s, []]));
    for (const item of wallet) {
      if (!groups.has(item.status)) groups.set(item.status, []);
      groups.get(item.status).push(item);
    }
    return groups;
  }

  function renderSummary(wallet) {
    const items = [];
    for (const [status, list] of byStatus(wallet)) {
      if (list.length === 0) continue;
      const li = el('li', `wallet-summary__item wallet-summary__item--${status}`);
      li.dataset.status = status;
      li.append(el('span', 'wallet-summary__num', String(list.length)), el('span', 'wallet-summary__label', WALLET_LABELS[status] ?? status));
      items.push(li);
    }
    $('wallet-summary').replaceChildren(...items);
    $('wallet-summary').hidden = items.length === 0;
  }

  /**
   * What just arrived, counted in the same reply the groups are drawn from
   * (so "新到账" never says more usable coupons than 可使用 shows): each new
   * wallet item by its status, honours (medals, titles) apart.
   */
  function renderFresh(value) {
    let note = document.getElementById('wallet-new');
    if (!note) {
      note = el('p', 'wallet-note wallet-note--new');
      note.id = 'wallet-new';
      note.setAttribute('role', 'status');
      $('wallet-loading').before(note);
    }
    const inWallet = value.wallet.filter((item) => fresh.has(item.key));
    const shown = new Set(inWallet.map((item) => item.key));
    const honours = [...fresh].filter((key) => !shown.has(key)).length;
    const parts = [];
    for (const [status, list] of byStatus(inWallet)) {
      if (list.length > 0) parts.push(`${list.length}张${WALLET_LABELS[status] ?? ''}`);
    }
    if (honours > 0) parts.push(`${honours}项荣誉`);
    note.hidden = parts.length === 0;
    note.textContent = parts.length > 0 ? `本次新到账：${parts.join(' · ')}（已标「新到账」）` : '';
    note.dataset.count = String(inWallet.length + honours);
  }

  function renderGroups(wallet, titles) {
    const sections = [];
    for (const [status, list] of byStatus(wallet)) {
      if (list.length === 0) continue;
      const section = el('section', `card wallet-group wallet-group--${status}`);
      section.dataset.status = status;
      const headId = `wallet-group-${status}`;
      section.setAttribute('aria-labelledby', headId);
      const head = el('div', 'section-head');
      const h = el('h2', 'section-head__title', WALLET_LABELS[status] ?? status);
      h.id = headId;
      head.append(h, el('span', 'section-head__aside', `${list.length}项`));
      const ul = el('ul', 'coupons');
      ul.append(...list.map((item) => coupon(item, titles)));
      section.append(head, ul);
      sections.push(section);
    }
    $('wallet-groups').replaceChildren(...sections);
    $('wallet-empty').hidden = wallet.length > 0;
  }

  function coupon(item, titles) {
    const li = el('li', `coupon coupon--${item.status}`);
    li.dataset.key = item.key;
    li.dataset.status = item.status;
    if (fresh.has(item.key)) li.classList.add('coupon--new');

    const ticket = el('div', 'coupon__ticket');
    const stub = el('div', 'coupon__stub');
    if (item.valueFen > 0) {
      const face = el('p', 'coupon__value');
      face.append(el('span', 'coupon__currency', '¥'), el('span', 'coupon__amount', formatYuan(item.valueFen)));
      stub.append(face);
    } else {
      stub.append(el('span', 'coupon__glyph'));
      stub.firstChild.setAttribute('aria-hidden', 'true');
    }

    const main = el('div', 'coupon__main');
    const titleRow = el('p', 'coupon__title-row');
    titleRow.append(el('span', 'coupon__title', item.title));
    if (fresh.has(item.key)) titleRow.append(el('span', 'coupon__new', '新到账'));
    if (item.quantity > 1) titleRow.append(el('span', 'coupon__qty', `×${item.quantity}`));
    main.append(titleRow);
    const source = titles.get(item.campaignId);
    if (source) main.append(el('p', 'coupon__source', source));
    if (item.dateText) {
      const date = el('p', 'coupon__date', item.dateText);  // worded by the core
      if (item.date) date.dataset.date = item.date;
      main.append(date);
    }
    const chip = el('span', 'coupon__status', WALLET_LABELS[item.status] ?? item.status);
    ticket.append(stub, main, chip);
    li.append(ticket);

    if (item.status === 'available' && supports(backend, 'getCounterCode')) {
      // A usable coupon opens its sheet: rules, validity, place, the counter code.
      ticket.classList.add('coupon__ticket--open');
      ticket.setAttribute('role', 'button');
      ticket.tabIndex = 0;
      // A visible hint rather than an aria-label: the accessible name stays the
      // ticket's own words (value, title, validity) plus what a tap does.
      main.append(el('p', 'coupon__open-hint', '出示核销码 ›'));
      const open = () => openSheet(item);
      ticket.addEventListener('click', open);
      ticket.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open();
        }
      });
    }
    if (item.status !== 'available') {
      const details = el('details', 'coupon__why');
      // A locked coupon's "why" is its countdown: show it without a tap.
      if (item.status === 'locked') details.open = true;
      const summary = el('summary', 'coupon__why-toggle', '为什么不能用');
      details.append(summary, el('p', 'coupon__why-text', item.why));
      li.append(details);
    }
    return li;
  }

  /** The coupon sheet (web/coupon.js, loaded on the first tap). */
  async function openSheet(item) {
    try {
      const [{ openCouponSheet }, deployment] = await Promise.all([import('./coupon.js'), deploymentOf(backend)]);
      openCouponSheet({
        item,
        rules: rulesById.get(item.campaignId) ?? '',
        place: deployment.hospitalName ? `${deployment.hospitalName} 门诊服务台` : '医院门诊服务台',
        backend,
        onUsed: () => refresh(),
      });
    } catch (err) {
      showToast(describeError(err, '券详情暂时无法打开，请稍后再试'), 'error');
    }
  }

  function renderBadges(badges, titles) {
    const card = $('badges-card');
    card.hidden = badges.length === 0;
    const groups = new Map();
    for (const badge of badges) {
      if (!groups.has(badge.campaignId)) groups.set(badge.campaignId, []);
      groups.get(badge.campaignId).push(badge);
    }
    const blocks = [];
    for (const [campaignId, list] of groups) {
      const block = el('div', 'honours__group');
      block.dataset.campaignId = campaignId;
      block.append(el('h3', 'honours__campaign', titles.get(campaignId) ?? ''));
      const ul = el('ul', 'honours__list');
      ul.append(
        ...list.map((b) => {
          const li = el('li', `honour ${b.earned ? 'honour--earned' : 'honour--todo'}`);
          li.dataset.campaignId = b.campaignId;
          li.dataset.tierId = b.tierId;
          li.dataset.earned = String(b.earned);
          const medal = el('span', 'honour__medal');
          medal.setAttribute('aria-hidden', 'true');
          li.append(
            medal,
            el('span', 'honour__title', b.title),
            el('span', 'honour__state', b.earned ? '已获得' : `再推荐${b.referralsToGo}位`),
          );
          return li;
        }),
      );
      block.append(ul);
      blocks.push(block);
    }
    $('badge-groups').replaceChildren(...blocks);
    const earned = badges.filter((b) => b.earned).length;
    $('badges-aside').textContent = badges.length > 0 ? `已获得 ${earned}/${badges.length}` : '';
  }

  function renderCampaigns(campaigns) {
    $('campaigns-card').hidden = campaigns.length === 0;
    $('campaign-list').replaceChildren(
      ...campaigns.map((c) => {
        const li = el('li', `campaign campaign--${c.status}`);
        li.dataset.campaignId = c.campaignId;
        li.dataset.status = c.status;
        const head = el('div', 'campaign__head');
        head.append(el('h3', 'campaign__title', c.title), el('span', 'campaign__status', CAMPAIGN_LABELS[c.status] ?? c.status));
        li.append(head);
        if (c.nextStep) li.append(el('p', 'campaign__next', c.nextStep));
        if (c.unlockOn) {
          const unlock = el('p', 'campaign__unlock', `预计 ${formatDay(c.unlockOn)} 解锁`);
          unlock.dataset.date = c.unlockOn;
          li.append(unlock);
        }
        if (c.reasons.length > 0) {
          const ul = el('ul', 'campaign__reasons');
          ul.append(
            ...c.reasons.map((r) => {
              const item = el('li', 'campaign__reason', describeError(r, '暂不满足条件'));
              item.dataset.code = r.code;
              return item;
            }),
          );
          li.append(ul);
        }
        return li;
      }),
    );
  }

  return Object.freeze({
    refresh,
    /**
     * The grant keys a check-in's reply said the server just issued: marked
     * 新到账 when the wallet next draws them.
     * @param {string[]} keys
     */
    noteIssued(keys) {
      for (const key of keys ?? []) if (typeof key === 'string' && key) announced.add(key);
    },
    /** The last reply rendered (tests and debugging). */
    get report() {
      return report;
    },
  });
}
