// 失败挽回 (staff workbench, desktop first): the referrals that lapsed — 48
// hours after their last step without a visit — for 客服 to call while the
// offer is held. Which referrals lapsed and until when the offer is held are
// the core's answer (recoveryList); this screen shows them with the friend's
// consent to share progress with the referrer, the latest call and a form to
// record this call's outcome.
import { describeError } from '../lib/copy.js';
import { el, loadDeskStyles, when } from './events.js';

const OUTCOMES = Object.freeze([
  ['willVisit', '已联系，愿意就诊'],
  ['declined', '已联系，暂不考虑'],
  ['noAnswer', '未接通'],
  ['wrongNumber', '号码有误'],
  ['callBack', '约定再联系'],
]);
const LAST_STEP = Object.freeze({ invited: '已邀请', registered: '已建档', arrived: '已到院' });

/**
 * @param {{backend: any, core: any, showToast: (text: string, kind?: string) => void}} deps
 */
export function createRecovery({ backend, core, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;

  function build() {
    loadDeskStyles();
    $('staff-recovery').replaceChildren(
      el('div', { className: 'console-panel desk' },
        el('div', { className: 'section-head' }, el('h2', { id: 'recovery-title', className: 'section-head__title' }, '失败挽回')),
        el('p', { className: 'desk__hint' }, '推荐后48小时内没有就诊的朋友：优惠为TA保留到下表的日期。请在保留期内联系，并记录通话结果。是否告知推荐人进展，以朋友是否同意分享为准。'),
        el('p', { id: 'recovery-count', className: 'desk__summary', role: 'status' }),
        el('div', { className: 'console-table-wrap' }, el('table', { id: 'recovery-table', className: 'console-table' })),
        el('p', { id: 'recovery-result', className: 'desk__result', role: 'status', hidden: true }),
      ),
    );
  }

  async function refresh() {
    const list = await backend.getRecoveryList(core);
    $('recovery-count').textContent = `共${list.count}位朋友需要联系（推荐后${list.lapseAfterHours}小时未就诊，优惠保留${list.offerHoldDays}天）`;
    $('recovery-table').replaceChildren(
      el('thead', {}, el('tr', {}, ...['朋友', '推荐人', '最后一步', '失效日期', '优惠保留至', '同意分享进度', '最近通话', '记录通话'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...list.items.map(row)),
    );
    if (list.items.length === 0) $('recovery-table').append(el('caption', {}, '目前没有需要挽回的推荐'));
    $('staff-recovery').dataset.state = 'ready';
  }

  function row(item) {
    const select = el('select', { 'aria-label': `${item.refereeMaskedName || item.refereeId}的通话结果` }, ...OUTCOMES.map(([v, l]) => el('option', { value: v }, l)));
    const note = el('input', { type: 'text', maxLength: 200, placeholder: '备注（可选）', 'aria-label': '备注' });
    const save = el('button', { type: 'button', className: 'btn btn--secondary btn--small' }, '保存');
    save.addEventListener('click', () => record(item, select.value, note.value, save).catch((err) => console.warn('recovery call failed', err)));
    return el('tr', { dataset: { recordId: item.recordId } },
      el('td', {}, item.refereeMaskedName || item.refereeId, el('div', { className: 'desk__muted' }, item.refereeId)),
      el('td', {}, item.referrerMaskedName || item.referrerId),
      el('td', {}, `${LAST_STEP[item.lastStep] ?? ''} · ${when(item.lastStepAtMs)}`),
      el('td', {}, item.lapsedDate),
      el('td', { dataset: { heldUntil: item.heldUntilDate } }, item.offerHeld ? item.heldUntilDate : `${item.heldUntilDate}（已过期）`),
      el('td', {}, item.consentToShareProgress ? '同意' : '未同意'),
      el('td', { className: 'recovery-last' }, item.lastCall ? `${item.lastCall.label}${item.lastCall.note ? `：${item.lastCall.note}` : ''} · ${when(item.lastCall.recordedAtMs)}` : '尚未联系'),
      el('td', {}, el('div', { className: 'console-toolbar desk-form' }, select, note, save)),
    );
  }

  async function record(item, outcome, note, button) {
    button.disabled = true;
    const result = $('recovery-result');
    try {
      const done = await backend.recordRecoveryCall({ referralId: item.recordId, outcome, note: note.trim() }, core);
      result.dataset.state = 'ok';
      result.textContent = `已记录：${done.label}（优惠保留至${done.heldUntilDate}）`;
      result.hidden = false;
      showToast('已记录通话结果', 'success');
      await refresh();
    } catch (err) {
      result.dataset.state = 'error';
      result.textContent = describeError(err, '记录失败，请稍后再试');
      result.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  return {
    load() {
      if (!built) {
        build();
        built = true;
      }
      return refresh();
    },
  };
}
