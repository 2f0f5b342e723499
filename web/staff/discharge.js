// 出院感恩卡 (staff workbench, nurse, desktop first): at a patient's discharge
// the nurse hands over the thank-you card. The screen looks the patient up by
// their number (masked name, the letter their saved KOC assessment chose, the
// cards issued so far with 已使用 / 未使用), records the patient's admission
// or discharge (a clinical moment, as the hospital records it), and issues
// the card for the recorded discharge on the day given. The backend decides
// with the core (G16): not before the discharge, within 30 days of it, one
// card per discharge; each refusal is shown as it says. The card then
// appears in the patient's 海报, its QR carrying the card's own token
// (凭卡号可领取, one friend per card).
import { CLINICAL_MOMENT_AHEAD_DAYS, CLINICAL_MOMENT_BACK_DAYS } from '../lib/clinical-moments.js';
import { describeError } from '../lib/copy.js';
import { el, loadDeskStyles, when } from './events.js';

const LETTER_LABELS = Object.freeze({ honour: '健康大使推荐函', benefit: '成长基金推荐函', privilege: '黑金推荐函' });
/** The moments this screen records (the backend knows more kinds). */
const MOMENT_LABELS = Object.freeze({ discharge: '出院', admission: '入院' });

/** A datetime-local value (the device's zone) for an instant. */
function localInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/**
 * @param {{backend: any, core: any, showToast: (text: string, kind?: string) => void}} deps
 */
export function createDischarge({ backend, core, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  let patientId = '';
  let busy = false;

  function build() {
    loadDeskStyles();
    if (!document.querySelector('link[data-discharge-styles]')) {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = new URL('./discharge.css', import.meta.url).href;
      link.dataset.dischargeStyles = '';
      document.head.append(link);
    }
    const find = el('form', { id: 'discharge-find', className: 'console-toolbar desk-form', noValidate: true },
      el('label', { htmlFor: 'discharge-patient' }, '患者编号'),
      el('input', { id: 'discharge-patient', type: 'text', maxLength: 64, autocomplete: 'off', spellcheck: false }),
      el('button', { type: 'submit', className: 'btn btn--secondary' }, '查看'),
    );
    // The patient's admission or discharge as the hospital records it (POST /staff/clinical-moments).
    const record = el('form', { id: 'discharge-record', className: 'console-toolbar desk-form', noValidate: true },
      el('label', { htmlFor: 'discharge-kind' }, '事件'),
      el('select', { id: 'discharge-kind' }, ...Object.entries(MOMENT_LABELS).map(([value, text]) => el('option', { value }, text))),
      el('label', { htmlFor: 'discharge-moment-at' }, '时间'),
      el('input', { id: 'discharge-moment-at', type: 'datetime-local' }),
      el('button', { id: 'discharge-record-submit', type: 'submit', className: 'btn btn--secondary' }, '登记'),
    );
    const issue = el('form', { id: 'discharge-issue', className: 'console-toolbar desk-form', noValidate: true },
      el('label', { htmlFor: 'discharge-at' }, '出院时间'),
      el('input', { id: 'discharge-at', type: 'datetime-local' }),
      el('button', { id: 'discharge-submit', type: 'submit', className: 'btn btn--primary' }, '发放感恩卡'),
    );
    $('staff-discharge').replaceChildren(
      el('div', { className: 'console-panel desk discharge' },
        el('div', { className: 'section-head' }, el('h2', { id: 'discharge-title', className: 'section-head__title' }, '出院感恩卡')),
        el('p', { className: 'desk__hint' },
          '患者出院后由责任护士发放：每次出院一张，出院后30天内可发，按医院登记的出院记录（医院事件确认出院，或登记的出院时刻）；出院时间填那一天的任意时刻，留空则用最近一次出院。卡上的二维码带有这张卡的编号，朋友凭卡登记后，卡号即用完（每张卡限一位朋友）。'),
        find,
        el('div', { id: 'discharge-view', className: 'discharge__view', hidden: true },
          el('p', { id: 'discharge-who', className: 'discharge__who', role: 'status' }),
          el('p', { id: 'discharge-letter', className: 'desk__muted' }),
          ...(typeof backend.recordClinicalMoment === 'function' ? [el('h3', { className: 'desk__subtitle' }, '登记入院、出院'), record] : []),
          el('h3', { className: 'desk__subtitle' }, '发放感恩卡'),
          issue,
          el('h3', { className: 'desk__subtitle' }, '已发放的感恩卡'),
          el('div', { className: 'console-table-wrap' }, el('table', { id: 'discharge-table', className: 'console-table' })),
        ),
        el('p', { id: 'discharge-result', className: 'desk__result', role: 'status', hidden: true }),
      ),
    );
    find.addEventListener('submit', (e) => {
      e.preventDefault();
      patientId = /** @type {HTMLInputElement} */ ($('discharge-patient')).value.trim();
      $('discharge-result').hidden = true;
      refresh().catch((err) => {
        $('discharge-view').hidden = true;
        say('error', describeError(err, '查询失败，请稍后再试'));
        $('staff-discharge').dataset.state = 'ready';
      });
    });
    record.addEventListener('submit', (e) => {
      e.preventDefault();
      recordMoment().catch((err) => console.warn('clinical moment failed', err));
    });
    issue.addEventListener('submit', (e) => {
      e.preventDefault();
      submit().catch((err) => console.warn('discharge card failed', err));
    });
  }

  function say(state, text, token = '') {
    const node = $('discharge-result');
    node.dataset.state = state;
    node.dataset.token = token;
    node.textContent = text;
    node.hidden = false;
  }

  async function refresh() {
    if (!patientId) {
      $('staff-discharge').dataset.state = 'ready';
      return;
    }
    $('staff-discharge').dataset.state = 'loading';
    const view = await backend.getDischargeCards(patientId, core);
    $('discharge-view').hidden = false;
    $('discharge-who').textContent = `患者：${view.patient.displayName}`;
    $('discharge-letter').textContent = view.letterTemplate
      ? `KOC评估选定的推荐函：${LETTER_LABELS[view.letterTemplate] ?? view.letterTemplate}`
      : 'KOC评估：尚未保存或未入选转介绍计划（患者可使用健康大使、成长基金推荐函）';
    for (const id of ['discharge-at', 'discharge-moment-at']) {
      const at = /** @type {HTMLInputElement} */ ($(id));
      if (!at.value) at.value = localInput(backend.now?.().nowMs ?? Date.now());
    }
    $('discharge-table').replaceChildren(
      el('thead', {}, el('tr', {}, ...['卡号', '出院时间', '发放时间', '状态'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...(view.cards.length
        ? view.cards.map((c) => el('tr', { dataset: { token: c.token } },
            el('td', { className: 'discharge__card' }, c.display), el('td', {}, when(c.dischargedAtMs)), el('td', {}, when(c.issuedAtMs)),
            el('td', {}, c.used ? '已使用' : '未使用')))
        : [el('tr', {}, el('td', { colSpan: 4, className: 'desk__muted' }, '还没有发放过感恩卡'))])),
    );
    $('staff-discharge').dataset.cards = String(view.cards.length);
    $('staff-discharge').dataset.state = 'ready';
  }

  async function recordMoment() {
    if (busy || !patientId) return;
    const kind = /** @type {HTMLSelectElement} */ ($('discharge-kind')).value;
    const value = /** @type {HTMLInputElement} */ ($('discharge-moment-at')).value;
    const atMs = value ? new Date(value).getTime() : undefined;
    if (atMs !== undefined && !Number.isFinite(atMs)) {
      say('error', '时间无法识别，请重新选择');
      return;
    }
    busy = true;
    /** @type {HTMLButtonElement} */ ($('discharge-record-submit')).disabled = true;
    try {
      const moment = await backend.recordClinicalMoment({ patientId, kind, ...(atMs === undefined ? {} : { atMs }) }, core);
      // The card is then issued from this discharge: its time goes into the card's form.
      if (kind === 'discharge') /** @type {HTMLInputElement} */ ($('discharge-at')).value = localInput(moment.atMs);
      say('ok', `已登记${MOMENT_LABELS[kind] ?? ''}：${when(moment.atMs)}。${kind === 'discharge' ? '现在可以为这次出院发放感恩卡。' : ''}`);
      showToast(`已登记${MOMENT_LABELS[kind] ?? ''}`, 'success');
    } catch (err) {
      // The patient was looked up and the kind chosen from the list: a bad request is the time out of range.
      say('error', /** @type {any} */ (err)?.code === 'request.bad_body'
        ? `这个时间不能登记：只能登记${CLINICAL_MOMENT_BACK_DAYS}天之内的，或${CLINICAL_MOMENT_AHEAD_DAYS}天之内计划的入院、出院`
        : describeError(err, '登记失败，请稍后再试'));
    } finally {
      busy = false;
      /** @type {HTMLButtonElement} */ ($('discharge-record-submit')).disabled = false;
    }
  }

  async function submit() {
    if (busy || !patientId) return;
    const value = /** @type {HTMLInputElement} */ ($('discharge-at')).value;
    // Empty: the patient's latest recorded discharge (the backend's to find).
    const dischargedAtMs = value ? new Date(value).getTime() : undefined;
    if (dischargedAtMs !== undefined && !Number.isFinite(dischargedAtMs)) {
      say('error', '出院时间无法识别，请重新选择');
      return;
    }
    busy = true;
    /** @type {HTMLButtonElement} */ ($('discharge-submit')).disabled = true;
    try {
      const card = await backend.issueDischargeCard({ patientId, ...(dischargedAtMs === undefined ? {} : { dischargedAtMs }) }, core);
      say('ok', `已发放感恩卡，卡号 ${card.display}。患者打开「海报」即可看到并保存。`, card.token);
      showToast('已发放感恩卡', 'success');
      await refresh();
    } catch (err) {
      say('error', describeError(err, '发放失败，请稍后再试'));
    } finally {
      busy = false;
      /** @type {HTMLButtonElement} */ ($('discharge-submit')).disabled = false;
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
