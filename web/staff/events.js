// 医院事件 (staff workbench, desktop first): the referral steps the hospital
// confirms — 建档, 到院, 就诊, 入院, 出院, 投诉 — recorded for one patient by
// hand, or a day's CSV export of the hospital system imported at once with
// its row-by-row report (what was applied, what was refused and why). The
// server decides everything (dated at most 7 days back, never ahead, each
// step once, the recorder stored); this screen shows its answers.
import { describeError } from '../lib/copy.js';
import { STAFF_ROLES } from '../backend/staff-roles.js';

const STEPS = Object.freeze([
  ['registrationConfirmed', '建档'],
  ['arrivalConfirmed', '到院'],
  ['conversionConfirmed', '就诊'],
  ['admissionConfirmed', '入院'],
  ['dischargeConfirmed', '出院'],
  ['complaint', '投诉'],
]);
const LABEL = Object.fromEntries(STEPS);
const OUTCOME = Object.freeze({ applied: '已记录', unchanged: '此前已记录', refused: '未通过' });

/** The desk's own styles (desk.css), once, beside the console's. */
export function loadDeskStyles() {
  if (document.querySelector('link[data-desk-styles]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./desk.css', import.meta.url).href;
  link.dataset.deskStyles = '';
  document.head.append(link);
}

export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  node.append(...children);
  return node;
};

/**
 * A file field in Chinese: the browser's own button speaks the browser's
 * language (often 'Choose File'), so it is hidden (still focusable and
 * labelled) behind a button-styled label, with the chosen file's name beside it.
 * @param {{id: string, accept: string, label: string}} options
 */
export function filePicker({ id, accept, label }) {
  const input = el('input', { id, type: 'file', accept, className: 'desk-file__input' });
  const name = el('span', { className: 'desk-file__name', id: `${id}-name` }, '未选择文件');
  input.addEventListener('change', () => {
    name.textContent = input.files?.[0]?.name ?? '未选择文件';
  });
  return el('span', { className: 'desk-file' }, el('label', { htmlFor: id, className: 'btn btn--secondary desk-file__button' }, label, input), name);
}

/** Today and the days before it (Beijing; 8: a week back): [YYYY-MM-DD, 12月7日（今天）]. The browser's own date field would speak its language. */
export function recentDays(count = 8, nowMs = Date.now()) {
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(nowMs + 8 * 3_600_000 - i * 86_400_000).toISOString().slice(0, 10);
    const [, m, day] = d.split('-').map(Number);
    return [d, `${m}月${day}日${i === 0 ? '（今天）' : i === 1 ? '（昨天）' : ''}`];
  });
}

/**
 * A staff member as a screen names them: the id the hospital's sign-in gives
 * (a staff number), the demo's own accounts as 演示账号.
 */
export const staffName = (id) => (/^demo-staff/.test(String(id ?? '')) ? '演示账号' : String(id ?? ''));

export const when = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { hour12: false, month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '');

/** The labels of the roles whose policy allows `method`, e.g. 护士、运营. */
export function rolesAllowed(method) {
  return Object.values(STAFF_ROLES).filter((r) => r.methods.includes(method)).map((r) => r.label).join('、');
}

/**
 * @param {{backend: any, core?: any, showToast: (text: string, kind?: string) => void,
 *   may?: (method: string) => boolean, roleLabel?: () => string}} deps
 *   may: whether the signed-in role's policy allows a Backend method (the
 *   import form is shown only to roles that may import).
 */
export function createEvents({ backend, core, showToast, may = () => true, roleLabel = () => '' }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  /** @type {Map<string, any>} */
  let shown = new Map();

  function build() {
    loadDeskStyles();
    const root = $('staff-events');
    const record = el('form', { id: 'events-record', className: 'console-toolbar desk-form', noValidate: true },
      el('label', { htmlFor: 'events-patient' }, '推荐记录'),
      el('select', { id: 'events-patient', required: true }),
      el('label', { htmlFor: 'events-step' }, '事件'),
      el('select', { id: 'events-step' }, ...STEPS.map(([v, l]) => el('option', { value: v }, l))),
      el('label', { htmlFor: 'events-day' }, '日期'),
      el('select', { id: 'events-day' }, ...recentDays().map(([v, l]) => el('option', { value: v }, l))),
      el('label', { htmlFor: 'events-time' }, '时间'),
      el('input', { id: 'events-time', type: 'text', inputMode: 'numeric', maxLength: 5, placeholder: '如 09:30', size: 8 }),
      el('button', { id: 'events-submit', type: 'submit', className: 'btn btn--primary' }, '记录'),
    );
    const importForm = el('form', { id: 'events-import', className: 'console-toolbar desk-form', noValidate: true },
      el('span', { className: 'desk-form__text' }, '医院系统导出的CSV'),
      filePicker({ id: 'events-file', accept: '.csv,text/csv', label: '选择文件' }),
      el('label', { htmlFor: 'events-encoding' }, '编码'),
      el('select', { id: 'events-encoding' }, el('option', { value: 'utf-8' }, 'UTF-8'), el('option', { value: 'gbk' }, 'GBK（旧版Excel）')),
      el('button', { id: 'events-import-submit', type: 'submit', className: 'btn btn--primary' }, '导入'),
    );
    root.replaceChildren(
      el('div', { className: 'console-panel desk' },
        el('div', { className: 'section-head' }, el('h2', { id: 'events-title', className: 'section-head__title' }, '医院事件')),
        el('p', { className: 'desk__hint' }, '记录经推荐来院的患者每一步（建档、到院、就诊、入院、出院、投诉）。每一步只记录一次，最多补录7天内的事件（北京时间），记录人会被保存。'),
        el('h3', { className: 'desk__subtitle' }, '逐条记录'),
        record,
        el('p', { id: 'events-record-result', className: 'desk__result', role: 'status', hidden: true }),
        el('h3', { className: 'desk__subtitle' }, '导入一天的事件'),
        el('p', { className: 'desk__hint' }, '第1行为表头：患者编号、事件、时间（如 2026-12-06 09:30，北京时间）。有问题的行不会记录，并逐行说明原因；同一文件重复导入不会重复记录。'),
        importForm,
        el('p', { id: 'events-import-denied', className: 'desk__hint desk__denied', hidden: true }),
        el('div', { id: 'events-import-result', className: 'desk__report', role: 'status', hidden: true }),
        el('h3', { className: 'desk__subtitle' }, '推荐记录'),
        el('div', { className: 'desk__search' },
          el('label', { htmlFor: 'events-search' }, '查找'),
          el('input', { id: 'events-search', type: 'search', placeholder: '患者编号或姓名', maxLength: 64 }),
        ),
        el('div', { className: 'console-table-wrap' }, el('table', { id: 'events-table', className: 'console-table' })),
      ),
    );
    record.addEventListener('submit', (e) => {
      e.preventDefault();
      recordOne().catch((err) => console.warn('record event failed', err));
    });
    importForm.addEventListener('submit', (e) => {
      e.preventDefault();
      importFile().catch((err) => console.warn('import failed', err));
    });
    let timer = 0;
    $('events-search').addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => refresh().catch((err) => console.warn('events list failed', err)), 250);
    });
  }

  async function refresh() {
    const q = /** @type {HTMLInputElement} */ ($('events-search')).value.trim();
    const { referrals } = await backend.listEventReferrals({ q, limit: 50 });
    shown = new Map(referrals.map((r) => [r.referralId, r]));
    const select = /** @type {HTMLSelectElement} */ ($('events-patient'));
    const keep = select.value;
    select.replaceChildren(...referrals.map((r) => el('option', { value: r.referralId }, `${r.patientName}（${r.patientId}）`)));
    if (shown.has(keep)) select.value = keep;
    const table = $('events-table');
    table.replaceChildren(
      el('thead', {}, el('tr', {}, ...['患者', '患者编号', '推荐人', '邀请', ...STEPS.map(([, l]) => l)].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...referrals.map((r) =>
        el('tr', { dataset: { referralId: r.referralId } },
          el('td', {}, r.patientName), el('td', {}, r.patientId), el('td', {}, r.referrerName), el('td', {}, when(r.invitedAtMs)),
          ...STEPS.map(([step]) => el('td', { dataset: { step } }, r.events[step] ? when(r.events[step]) : '—')),
        ))),
    );
    $('staff-events').dataset.state = 'ready';
  }

  async function recordOne() {
    const result = $('events-record-result');
    const referralId = /** @type {HTMLSelectElement} */ ($('events-patient')).value;
    const event = /** @type {HTMLSelectElement} */ ($('events-step')).value;
    const day = /** @type {HTMLSelectElement} */ ($('events-day')).value;
    const time = /** @type {HTMLInputElement} */ ($('events-time')).value.trim().replace('：', ':');
    if (!referralId) return show(result, 'error', '请先选择推荐记录');
    const today = day === recentDays()[0][0];
    if (!time && !today) return show(result, 'error', '补录以前的事件请填写时间，如 09:30');
    if (time && !/^([01]?\d|2[0-3]):[0-5]\d$/.test(time)) return show(result, 'error', `时间“${time}”无法识别，请写成 09:30 这样的格式`);
    // Beijing wall clock, as the hospital's records are kept; today without a time is now.
    const atMs = time ? Date.parse(`${day}T${time.padStart(5, '0')}:00+08:00`) : undefined;
    try {
      const done = await backend.recordHospitalEvent({ referralId, event, atMs }, core);
      show(result, 'ok', done.changed ? `已记录：${LABEL[event]} · ${when(done.atMs)}` : `此前已记录${LABEL[event]}（${when(Number(done.atMs))}），未重复记录`);
      showToast(done.changed ? '已记录' : '此前已记录', 'success');
      await refresh();
    } catch (err) {
      show(result, 'error', describeError(err, '记录失败，请稍后再试'));
    }
  }

  async function importFile() {
    const report = $('events-import-result');
    const file = /** @type {HTMLInputElement} */ ($('events-file')).files?.[0];
    if (!file) return show(report, 'error', '请选择CSV文件');
    const button = /** @type {HTMLButtonElement} */ ($('events-import-submit'));
    button.disabled = true;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const encoding = /** @type {HTMLSelectElement} */ ($('events-encoding')).value;
      const done = await backend.importHospitalEvents({ fileName: file.name, bytes, encoding }, core);
      renderReport(report, done);
      showToast(`导入完成：已记录${done.applied}条`, 'success');
      await refresh();
    } catch (err) {
      show(report, 'error', describeError(err, '导入失败，请稍后再试'));
    } finally {
      button.disabled = false;
    }
  }

  function renderReport(node, done) {
    const refused = done.results.filter((r) => r.outcome === 'refused');
    node.dataset.state = refused.length ? 'partial' : 'ok';
    node.hidden = false;
    node.replaceChildren(
      el('p', { id: 'events-import-summary', className: 'desk__summary' },
        `共${done.rows}行：已记录 `, el('strong', { id: 'events-applied' }, String(done.applied)), ` 条 · 此前已记录 `,
        el('strong', { id: 'events-unchanged' }, String(done.unchanged)), ` 条 · 未通过 `, el('strong', { id: 'events-refused' }, String(done.refused)), ' 条'),
      ...(refused.length
        ? [el('table', { id: 'events-refused-table', className: 'console-table' },
            el('thead', {}, el('tr', {}, ...['行号', '患者编号', '事件', '原因'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, ...refused.map((r) => el('tr', { dataset: { line: String(r.line ?? '') } },
              el('td', {}, String(r.line ?? '')), el('td', {}, r.patientId), el('td', {}, LABEL[r.event] ?? r.event), el('td', {}, r.reason))))),
          ]
        : []),
    );
  }

  function show(node, state, text) {
    node.dataset.state = state;
    node.textContent = text;
    node.hidden = false;
  }

  return {
    load() {
      if (!built) {
        build();
        built = true;
      }
      const days = /** @type {HTMLSelectElement} */ ($('events-day'));
      const chosen = days.value;
      days.replaceChildren(...recentDays().map(([v, l]) => el('option', { value: v, selected: v === chosen }, l)));
      // Only roles whose policy allows the import see its form; others read why.
      const mayImport = may('importHospitalEvents');
      $('events-import').hidden = !mayImport;
      $('events-import').previousElementSibling.hidden = !mayImport;
      const denied = $('events-import-denied');
      denied.hidden = mayImport;
      denied.textContent = mayImport ? '' : `${roleLabel() || '当前'}岗位不能导入医院系统的CSV，请由${rolesAllowed('importHospitalEvents')}导入；上方可逐条记录。`;
      if (typeof backend.listEventReferrals !== 'function') {
        show($('events-record-result'), 'error', '当前后端不支持医院事件');
        return undefined;
      }
      return refresh();
    },
  };
}
