// 休息日 (staff workbench, doctors only, desktop first): a doctor approves
// days a patient may not exercise (surgery, a fever, an examination); the
// core then neither counts them nor lets them break the streak. The screen
// shows the core's streak and the recently missed days (each approvable in
// one click), a form for a span of days with the reason, and the approved
// days with who approved them. The server bounds the window (7 days back, 30
// ahead, 14 at a time) and stores who approved what.
import { describeError } from '../lib/copy.js';
import { el, loadDeskStyles, when } from './events.js';

/**
 * @param {{backend: any, core: any, showToast: (text: string, kind?: string) => void}} deps
 */
export function createRestDays({ backend, core, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  let patientId = '';

  function build() {
    loadDeskStyles();
    const find = el('form', { id: 'rest-find', className: 'console-toolbar desk-form', noValidate: true },
      el('label', { htmlFor: 'rest-patient' }, '患者编号'),
      el('input', { id: 'rest-patient', type: 'text', maxLength: 64, autocomplete: 'off', spellcheck: false }),
      el('button', { type: 'submit', className: 'btn btn--secondary' }, '查看'),
    );
    const approve = el('form', { id: 'rest-approve', className: 'console-toolbar desk-form', noValidate: true, hidden: true },
      el('label', { htmlFor: 'rest-from' }, '从'), el('input', { id: 'rest-from', type: 'date' }),
      el('label', { htmlFor: 'rest-to' }, '到'), el('input', { id: 'rest-to', type: 'date' }),
      el('label', { htmlFor: 'rest-reason' }, '原因'), el('input', { id: 'rest-reason', type: 'text', maxLength: 100, placeholder: '如：术后复查' }),
      el('button', { type: 'submit', className: 'btn btn--primary' }, '批准休息日'),
    );
    $('staff-restdays').replaceChildren(
      el('div', { className: 'console-panel desk' },
        el('div', { className: 'section-head' }, el('h2', { id: 'restdays-title', className: 'section-head__title' }, '休息日审批')),
        el('p', { className: 'desk__hint' }, '医生批准的休息日不计入打卡，也不会中断连续打卡。可补批7天内的，最多提前30天，每次最多14天。'),
        find,
        el('div', { id: 'rest-patient-view', hidden: true },
          el('p', { id: 'rest-streak', className: 'desk__streak', role: 'status' }),
          el('p', { id: 'rest-status', className: 'desk__muted' }),
          el('h3', { className: 'desk__subtitle' }, '最近缺卡'),
          el('div', { id: 'rest-missed', className: 'console-toolbar' }),
          el('h3', { className: 'desk__subtitle' }, '批准一段休息日'),
          approve,
          el('h3', { className: 'desk__subtitle' }, '已批准的休息日'),
          el('div', { className: 'console-table-wrap' }, el('table', { id: 'rest-table', className: 'console-table' })),
        ),
        el('p', { id: 'rest-result', className: 'desk__result', role: 'status', hidden: true }),
      ),
    );
    find.addEventListener('submit', (e) => {
      e.preventDefault();
      patientId = /** @type {HTMLInputElement} */ ($('rest-patient')).value.trim();
      refresh().catch((err) => say('error', describeError(err, '查询失败')));
    });
    approve.addEventListener('submit', (e) => {
      e.preventDefault();
      const from = /** @type {HTMLInputElement} */ ($('rest-from')).value;
      const to = /** @type {HTMLInputElement} */ ($('rest-to')).value || from;
      submit(from, to, /** @type {HTMLInputElement} */ ($('rest-reason')).value).catch((err) => console.warn('rest days failed', err));
    });
  }

  function say(state, text) {
    const node = $('rest-result');
    node.dataset.state = state;
    node.textContent = text;
    node.hidden = false;
  }

  async function refresh() {
    if (!patientId) {
      $('staff-restdays').dataset.state = 'ready';
      return;
    }
    const view = await backend.getRestDays(patientId, core);
    $('rest-patient-view').hidden = false;
    $('rest-approve').hidden = false;
    $('rest-streak').textContent = `${view.displayName}：连续打卡 ${view.streak.current} 天`;
    $('rest-streak').dataset.current = String(view.streak.current);
    $('rest-status').textContent = view.streak.statusText;
    const missed = $('rest-missed');
    missed.replaceChildren(
      ...(view.streak.missedDays.length
        ? view.streak.missedDays.map((day) => {
            const b = el('button', { type: 'button', className: 'btn btn--secondary btn--small', dataset: { restDay: day } }, `${day} 批准休息`);
            b.addEventListener('click', () => submit(day, day, /** @type {HTMLInputElement} */ ($('rest-reason')).value || '医生批准休息').catch((err) => console.warn(err)));
            return b;
          })
        : [el('span', { className: 'desk__muted' }, '最近7天没有缺卡')]),
    );
    /** @type {HTMLInputElement} */ ($('rest-from')).min = view.window.first;
    /** @type {HTMLInputElement} */ ($('rest-to')).max = view.window.last;
    $('rest-table').replaceChildren(
      el('thead', {}, el('tr', {}, ...['日期', '原因', '批准人', '批准时间'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...view.restDays.map((r) => el('tr', {}, el('td', {}, r.day), el('td', {}, r.reason || '—'), el('td', {}, r.approvedBy ?? '—'), el('td', {}, when(r.approvedAtMs))))),
    );
    $('staff-restdays').dataset.state = 'ready';
  }

  async function submit(fromDate, toDate, reason) {
    if (!fromDate) return say('error', '请选择日期');
    if (!reason.trim()) return say('error', '请填写休息原因');
    try {
      const done = await backend.approveRestDays({ patientId, fromDate, toDate, reason: reason.trim() }, core);
      say('ok', done.added.length
        ? `已批准${done.added.length}天休息日；连续打卡 ${done.before.current} 天 → ${done.after.current} 天`
        : '这些日期此前已批准，没有变化');
      showToast('已批准休息日', 'success');
      await refresh();
    } catch (err) {
      say('error', describeError(err, '批准失败，请稍后再试'));
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
