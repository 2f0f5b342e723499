// The reward moment (奖励时刻): a bottom sheet that celebrates a reward the
// patient has just earned — the voucher's face, what it is, until when — with
// one way on, 去券包查看 (#wallet). It stays until the patient closes it: a
// reward is the patient's moment, not a two-second toast over the button.
//
// Nothing is decided here. The items are what the core reported (the streak
// report's new milestones, or the wallet items of grants just issued) and
// every word on them is the core's (title, earned text, validity); this file
// lays them out. Text goes in through textContent only.
//
// body[data-reward-moment] is 'shown' while the sheet is open, 'closed' after
// (tests and debugging).

let styled = false;
function ensureStyles() {
  if (styled) return;
  styled = true;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./reward-moment.css', import.meta.url).href;
  document.head.append(link);
}

function node(tag, className, text) {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

/** Face value for display: integer fen → yuan text ("50", "12.50"). Formatting only. */
function yuan(fen) {
  return fen % 100 === 0 ? String(fen / 100) : (fen / 100).toFixed(2);
}

/**
 * @typedef {object} RewardMomentItem
 * @property {string} key        the grant or milestone key (data-key)
 * @property {string} title      the reward's title, as the core names it (50元复诊抵用券)
 * @property {number} [valueFen] face value; 0 or absent for a service or an honour
 * @property {string} [note]     one line under the title, the core's words (连续打卡 11月17日–11月23日)
 */

let open = null;

/**
 * Opens the sheet (replacing one already open).
 * @param {{
 *   heading: string,
 *   lead: string,
 *   items: RewardMomentItem[],
 *   walletHref?: string,
 *   onClose?: () => void,
 * }} moment
 * @returns {{close: () => void, root: HTMLElement}}
 */
export function openRewardMoment({ heading, lead, items, walletHref = '#wallet', onClose }) {
  ensureStyles();
  open?.close({ restoreFocus: false });
  const returnFocus = document.activeElement;

  const root = node('div', 'sheet reward-moment');
  root.id = 'reward-moment';
  const backdrop = node('div', 'sheet__backdrop');
  const panel = node('div', 'sheet__panel reward-moment__panel');
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'true');
  panel.setAttribute('aria-labelledby', 'reward-moment-title');
  panel.setAttribute('aria-describedby', 'reward-moment-lead');
  const grabber = node('div', 'sheet__grabber');
  grabber.setAttribute('aria-hidden', 'true');
  const burst = node('div', 'reward-moment__burst');
  burst.setAttribute('aria-hidden', 'true');
  burst.append(node('span', 'reward-moment__icon'));
  const title = node('h2', 'reward-moment__title', heading);
  title.id = 'reward-moment-title';
  const leadText = node('p', 'reward-moment__lead', lead);
  leadText.id = 'reward-moment-lead';

  const list = node('ul', 'reward-moment__items');
  for (const item of items) {
    const li = node('li', 'reward-moment__item');
    li.dataset.key = item.key;
    const face = node('div', 'reward-moment__face');
    if (item.valueFen && item.valueFen > 0) {
      face.append(node('span', 'reward-moment__currency', '¥'), node('span', 'reward-moment__amount', yuan(item.valueFen)));
    } else {
      const glyph = node('span', 'reward-moment__glyph');
      glyph.setAttribute('aria-hidden', 'true');
      face.append(glyph);
    }
    const main = node('div', 'reward-moment__main');
    main.append(node('p', 'reward-moment__item-title', item.title));
    if (item.note) main.append(node('p', 'reward-moment__note', item.note));
    li.append(face, main);
    list.append(li);
  }

  const go = /** @type {HTMLAnchorElement} */ (node('a', 'btn btn--primary reward-moment__go', '去券包查看'));
  go.id = 'reward-moment-go';
  go.href = walletHref;
  const later = /** @type {HTMLButtonElement} */ (node('button', 'btn btn--secondary reward-moment__later', '好的'));
  later.id = 'reward-moment-close';
  later.type = 'button';
  const actions = node('div', 'sheet__actions reward-moment__actions');
  actions.append(later, go);

  panel.append(grabber, burst, title, leadText, list, actions);
  root.append(backdrop, panel);
  document.body.append(root);
  document.body.dataset.rewardMoment = 'shown';

  function close({ restoreFocus = true } = {}) {
    if (!root.isConnected) return;
    root.remove();
    document.removeEventListener('keydown', onKey);
    if (open === handle) open = null;
    document.body.dataset.rewardMoment = 'closed';
    if (restoreFocus && returnFocus instanceof HTMLElement && returnFocus.isConnected) returnFocus.focus();
    onClose?.();
  }
  function onKey(e) {
    if (e.key === 'Escape') close();
  }
  backdrop.addEventListener('click', () => close());
  later.addEventListener('click', () => close());
  go.addEventListener('click', () => close({ restoreFocus: false }));
  document.addEventListener('keydown', onKey);
  const handle = { close, root };
  open = handle;
  go.focus();
  return handle;
}
