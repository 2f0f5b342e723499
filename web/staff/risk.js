// Two operations screens of the staff console (desktop first):
//
//  推荐质量 (quality): how referrals turn into care, overall and by the
//  referrer's age band — success, lapse and complaint rates, time from the
//  invitation to the first visit — the core's referralQuality over the
//  hospital's referral records, for an optional range of invitation dates.
//
//  风险提示 (risk): patterns the core's riskFlags raises — many registrations
//  from one address (a keyed hash, never the address) or device in a window,
//  a referrer whose friends all complained, a code used by many at once (a
//  leak to a public place). Each is a question for a person: the screen can
//  only mark it reviewed with a note (recorded with who and when, and in the
//  audit log); nothing happens to anyone because of a flag.
//
// Every figure and sentence is the core's reply, shown as it comes.

import { describeError } from '../lib/copy.js';
import { staffName } from './events.js';
import { h, loadCommunityStyles, table, tile } from './members.js';

/** A 'YYYY-MM-DD' that names a day of the calendar. */
function realDate(text) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

const FIGURE_COLUMNS = [['推荐人', 'num'], ['推荐数', 'num'], ['进行中', 'num'], ['成功', 'num'], ['失效', 'num'], ['投诉', 'num'],
  ['成功率', 'num'], ['失效率', 'num'], ['投诉率', 'num'], ['到院中位时间', 'num']];

function figureCells(f) {
  return [f.referrers, f.referrals, f.pending, f.converted, f.lapsed, f.voided, f.successRateText, f.lapseRateText, f.complaintRateText, f.firstVisit.medianText]
    .map((v, i) => h('td', { className: 'num', dataset: { col: ['referrers', 'referrals', 'pending', 'converted', 'lapsed', 'voided', 'success', 'lapse', 'complaint', 'median'][i] } }, String(v)));
}

/**
 * @param {{core: any, backend: any}} deps
 */
export function createQuality({ core, backend }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  let value = null;
  let request = null;

  function build() {
    loadCommunityStyles();
    const from = h('input', { type: 'text', id: 'quality-from', inputMode: 'numeric', maxLength: 10, size: 12, placeholder: '例如 2026-01-01', 'aria-label': '邀请日期从' });
    const to = h('input', { type: 'text', id: 'quality-to', inputMode: 'numeric', maxLength: 10, size: 12, placeholder: '留空为今天', 'aria-label': '邀请日期到' });
    const apply = h('button', { type: 'button', id: 'quality-apply', className: 'btn btn--secondary btn--small' }, '统计');
    apply.addEventListener('click', () => load().catch(fail));
    $('staff-quality').replaceChildren(
      h('div', { className: 'console-panel cc' },
        h('div', { className: 'section-head' }, h('h2', { id: 'quality-title', className: 'section-head__title' }, '推荐质量')),
        h('div', { className: 'console-toolbar' }, h('label', { htmlFor: 'quality-from' }, '邀请日期'), from, h('span', {}, '至'), to, apply,
          h('span', { className: 'console-toolbar__spacer' }), h('span', { id: 'quality-today', className: 'cc-muted' })),
        h('div', { id: 'quality-tiles', className: 'cc-tiles' }),
        h('ul', { id: 'quality-definitions', className: 'cc-definitions' }),
        h('p', { id: 'quality-error', className: 'wallet-note wallet-note--error', role: 'alert', hidden: true })),
      h('div', {},
        h('section', { className: 'console-panel cc', 'aria-labelledby': 'quality-bands-title' },
          h('h3', { id: 'quality-bands-title', className: 'cc-h3' }, '按推荐人年龄段'),
          h('div', { id: 'quality-bands' })),
        h('section', { className: 'console-panel cc', 'aria-labelledby': 'quality-visit-title' },
          h('h3', { id: 'quality-visit-title', className: 'cc-h3' }, '从邀请到首次到院'),
          h('div', { id: 'quality-visit' }))),
    );
    built = true;
  }

  function fail(err) {
    const box = $('quality-error');
    box.textContent = describeError(err, '统计失败，请稍后再试');
    box.hidden = false;
    $('staff-quality').dataset.state = 'error';
  }

  async function load() {
    if (!built) build();
    $('staff-quality').dataset.state = 'loading';
    $('quality-error').hidden = true;
    const from = /** @type {HTMLInputElement} */ ($('quality-from')).value.trim();
    const to = /** @type {HTMLInputElement} */ ($('quality-to')).value.trim();
    for (const [text, what] of [[from, '开始'], [to, '结束']]) {
      if (text && !realDate(text)) throw new Error(`${what}日期不是有效的日期，请按“年-月-日”填写，例如 2026-01-01`);
    }
    if (from && to && from > to) throw new Error('开始日期不能晚于结束日期');
    request = await backend.getReferralQualityInputs({ ...(from ? { from } : {}), ...(to ? { to } : {}) });
    const envelope = core.call('referralQuality', request);
    if (!envelope.ok) throw envelope.error;
    value = envelope.value;
    render(value);
  }

  function render(v) {
    const o = v.overall;
    $('quality-today').textContent = `${v.period.from || v.period.to ? `${v.period.from ?? '最早'} 至 ${v.period.to ?? '今天'}` : '全部推荐'} · 统计日 ${v.today}`;
    $('quality-tiles').replaceChildren(
      tile('referrals', o.referrals, '推荐数'),
      tile('success', o.successRateText, '成功率'),
      tile('lapse', o.lapseRateText, `失效率（${v.lapseHours}小时）`),
      tile('complaint', o.complaintRateText, '投诉率'),
      tile('median', o.firstVisit.medianText, '邀请到到院中位时间'),
      tile('pending', o.pending, '进行中（不计入比率）'),
    );
    $('quality-definitions').replaceChildren(...Object.values(v.definitions).map((text) => h('li', {}, text)),
      ...(v.excluded ? [h('li', {}, `${v.excluded}条推荐记录有问题（重复、自荐或循环），未计入`)] : []));
    $('quality-bands').replaceChildren(
      table('quality-bands-table', [['年龄段'], ...FIGURE_COLUMNS],
        [...v.bands.map((b) => h('tr', { dataset: { band: b.id } }, h('th', { scope: 'row' }, b.label), ...figureCells(b))),
          h('tr', { dataset: { band: 'overall' }, className: 'cc-total' }, h('th', { scope: 'row' }, '合计'), ...figureCells(o))], ''),
    );
    $('quality-visit').replaceChildren(
      table('quality-visit-table', [['等待时间'], ...v.bands.map((b) => [b.label, 'num']), ['合计', 'num']],
        o.firstVisit.buckets.map((bucket, i) => h('tr', { dataset: { bucket: bucket.id } }, h('th', { scope: 'row' }, bucket.label),
          ...v.bands.map((b) => h('td', { className: 'num' }, String(b.firstVisit.buckets[i].count))),
          h('td', { className: 'num' }, String(bucket.count)))), ''),
    );
    $('staff-quality').dataset.state = 'ready';
  }

  return Object.freeze({
    load: () => load().catch((err) => { fail(err); throw err; }),
    get value() {
      return value;
    },
    get request() {
      return request;
    },
  });
}

const KIND_LABELS = Object.freeze({ sameDevice: '同一设备', sameAddress: '同一网络地址', complaints: '投诉集中', codeBurst: '推荐码集中使用' });

/**
 * @param {{core: any, backend: any, showToast: (text: string, kind?: string) => void}} deps
 */
export function createRisk({ core, backend, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  let value = null;

  function build() {
    loadCommunityStyles();
    $('staff-risk').replaceChildren(
      h('div', { className: 'console-panel cc' },
        h('div', { className: 'section-head' }, h('h2', { id: 'risk-title', className: 'section-head__title' }, '风险提示')),
        h('p', { id: 'risk-note', className: 'cc-lead' }),
        h('div', { id: 'risk-tiles', className: 'cc-tiles' }),
        h('p', { id: 'risk-result', className: 'desk__result', role: 'status', hidden: true }),
        h('p', { id: 'risk-error', className: 'wallet-note wallet-note--error', role: 'alert', hidden: true })),
      h('div', { id: 'risk-flags' }),
    );
    built = true;
  }

  function fail(err) {
    const box = $('risk-error');
    box.textContent = describeError(err, '加载失败，请稍后再试');
    box.hidden = false;
    $('staff-risk').dataset.state = 'error';
  }

  async function load() {
    if (!built) build();
    $('staff-risk').dataset.state = 'loading';
    $('risk-error').hidden = true;
    const envelope = core.call('riskFlags', await backend.getRiskFlagInputs());
    if (!envelope.ok) throw envelope.error;
    value = envelope.value;
    render(value);
  }

  function render(v) {
    $('risk-note').textContent = v.note;
    $('risk-tiles').replaceChildren(tile('open', v.counts.open, '待复核', v.counts.open ? 'warning' : 'healthy'), tile('reviewed', v.counts.reviewed, '已复核'));
    // An address or device is kept only as a salted hash: staff see it as
    // "the 1st address, the 2nd …" in this list, never the hash itself.
    const ordinals = { sameAddress: 0, sameDevice: 0 };
    $('risk-flags').replaceChildren(
      table('risk-table', [['类型'], ['情况'], ['对象'], ['人数', 'num'], ['状态'], ['复核']],
        v.flags.map((f) => {
          let action;
          if (f.review) {
            action = h('div', {}, `${f.review.reviewedAt} 由 ${staffName(f.review.reviewedBy)} 复核`, f.review.note ? h('div', { className: 'cc-muted' }, f.review.note) : null);
          } else {
            const note = h('input', { type: 'text', maxLength: 200, placeholder: '复核说明（可选）', 'aria-label': `${f.title}的复核说明` });
            const button = h('button', { type: 'button', className: 'btn btn--secondary btn--small' }, '标记为已复核');
            button.addEventListener('click', () => review(f, note.value.trim(), button).catch((err) => console.warn('risk review failed', err)));
            action = h('div', { className: 'console-toolbar' }, note, button);
          }
          const hashed = Object.hasOwn(ordinals, f.kind);
          if (hashed) ordinals[f.kind] += 1;
          const subject = hashed ? `${f.kind === 'sameDevice' ? '设备' : '网络地址'}${ordinals[f.kind]}` : f.subject;
          return h('tr', { dataset: { flagId: f.id, kind: f.kind, status: f.status } },
            h('td', {}, h('strong', {}, f.title), h('div', { className: 'cc-muted' }, KIND_LABELS[f.kind] ?? '')),
            h('td', { className: 'cc-message' }, f.text),
            h('td', {}, subject),
            h('td', { className: 'num' }, String(f.count)),
            h('td', {}, f.status === 'reviewed' ? '已复核' : '待复核'),
            h('td', {}, action));
        }), '目前没有风险提示'),
    );
    $('staff-risk').dataset.state = 'ready';
  }

  async function review(flag, note, button) {
    button.disabled = true;
    const result = $('risk-result');
    try {
      await backend.reviewRiskFlag({ flagId: flag.id, ...(note ? { note } : {}) }, core);
      result.dataset.state = 'ok';
      result.textContent = `已复核：${flag.title}`;
      result.hidden = false;
      showToast('已标记为已复核', 'success');
      await load();
    } catch (err) {
      result.dataset.state = 'error';
      result.textContent = describeError(err, '复核失败，请稍后再试');
      result.hidden = false;
      button.disabled = false;
    }
  }

  return Object.freeze({
    load: () => load().catch((err) => { fail(err); throw err; }),
    get value() {
      return value;
    },
  });
}
