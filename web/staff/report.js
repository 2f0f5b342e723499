// Staff: the community health report (社群健康度报告, seed 000).
//
// communityHealthReport (docs/api/community.md) judges each group — activity,
// 60-day revisits, referral share, 换水计划 / 标杆群 — and sends the chart
// data: bar heights in permille of the y axis and the threshold lines. This
// file draws those numbers as SVG and prints the labels as they come; it
// decides nothing. A month picker chooses the month; the backend sends the
// inputs of the twelve months ending with it, the core reports each, and the
// trend (groups by activity level, overall revisit and referral shares) and
// the CSV export (UTF-8 with a byte-order mark, so Excel reads the Chinese)
// are those twelve replies as they come.

import { supports } from '../backend/backend.js';
import { el, formatCount, svg } from '../svg.js';
import { describeError } from '../lib/copy.js';
import { h, loadCommunityStyles, table } from './members.js';

const BAR_SLOT = 10;  // SVG units per day; the chart is stretched to the card

/**
 * @param {{
 *   core: import('../core.js').Core,
 *   backend: import('../backend/backend.js').Backend,
 * }} deps
 */
export function createReport({ core, backend }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let report = null;
  /** @type {{month: string, report: any}[]} the twelve months' replies, oldest first */
  let trend = [];
  let built = false;

  /** The month picker, the trend panel and the export, around the report's own elements. */
  function build() {
    loadCommunityStyles();
    const picker = h('select', { id: 'report-month', 'aria-label': '报告月份' });
    picker.addEventListener('change', () => {
      if (/^\d{4}-\d{2}$/.test(picker.value)) load(picker.value).catch(showError);
    });
    const exportButton = h('button', { type: 'button', id: 'report-export', className: 'btn btn--secondary btn--small' }, '导出表格');
    exportButton.addEventListener('click', exportCsv);
    const toolbar = h('div', { className: 'console-toolbar cc-report-toolbar', id: 'report-toolbar' },
      h('label', { htmlFor: 'report-month' }, '月份'), picker, h('span', { className: 'console-toolbar__spacer' }), exportButton);
    const panel = h('section', { id: 'report-trend', className: 'console-panel cc', 'aria-labelledby': 'report-trend-title' },
      h('h3', { id: 'report-trend-title', className: 'cc-h3' }, '近12个月趋势'),
      h('div', { id: 'report-trend-chart' }),
      h('div', { id: 'report-trend-table' }));
    const head = /** @type {HTMLElement} */ (document.querySelector('#staff-report .report-head'));
    head.before(toolbar);
    head.after(panel);
    built = true;
  }

  function showError(err) {
    const error = $('report-error');
    error.textContent = describeError(err, '加载失败，请稍后再试');
    error.hidden = false;
  }

  /** @param {string} [month] YYYY-MM; the current month when absent */
  async function load(month) {
    if (!supports(backend, 'getCommunityReportTrend') && !supports(backend, 'getCommunityReportInputs')) {
      throw new Error('当前服务暂不支持社群健康度报告');
    }
    if (!built) build();
    $('staff-report').dataset.state = 'loading';
    let months;
    if (supports(backend, 'getCommunityReportTrend')) {
      ({ months } = await backend.getCommunityReportTrend(month));
    } else {
      months = [await backend.getCommunityReportInputs()];
    }
    const replies = months.map((inputs) => ({ month: inputs.month, envelope: core.call('communityHealthReport', inputs) }));
    const failed = replies.find((r) => !r.envelope.ok);
    if (failed) {
      showError(failed.envelope.error);
      return;
    }
    trend = replies.map((r) => ({ month: r.month, report: r.envelope.value }));
    report = trend[trend.length - 1].report;
    const picker = /** @type {HTMLSelectElement} */ ($('report-month'));
    // The current month (the backend's, when no month was asked for) and the 35 before it.
    if (!month || picker.options.length === 0) {
      const [y, m] = report.month.split('-').map(Number);
      const options = [];
      for (let i = 0; i < 36; i += 1) {
        const d = new Date(Date.UTC(y, m - 1 - i, 1));
        const value = d.toISOString().slice(0, 7);
        options.push(h('option', { value }, `${d.getUTCFullYear()}年${d.getUTCMonth() + 1}月`));
      }
      picker.replaceChildren(...options);
    }
    picker.value = report.month;
    render(report);
    renderTrend(trend);
    $('staff-report').dataset.state = 'ready';
  }

  function renderTrend(months) {
    const maxGroups = Math.max(1, ...months.map((m) => m.report.summary.groups));
    const width = months.length * 40;
    const root = svg('svg', { class: 'cc-trend__svg', viewBox: `0 0 ${width} 200`, preserveAspectRatio: 'none', role: 'img',
      'aria-label': `近12个月各活跃度的群数：${months.map((m) => `${m.month}健康${m.report.summary.healthy}个、一般${m.report.summary.normal}个、预警${m.report.summary.warning}个`).join('；')}` });
    months.forEach((m, i) => {
      let y = 200;
      for (const level of ['healthy', 'normal', 'warning', 'noActivityData']) {
        const n = m.report.summary[level];
        if (n === 0) continue;
        const height = (n / maxGroups) * 190;
        y -= height;
        const bar = svg('rect', { class: `cc-trend__bar cc-trend__bar--${level}`, x: i * 40 + 8, y, width: 24, height });
        bar.append(svg('title', {}, `${m.month} ${n}个群`));
        root.append(bar);
      }
    });
    const legend = h('ul', { className: 'cc-legend' },
      ...[['healthy', '健康'], ['normal', '一般'], ['warning', '预警'], ['noActivityData', '无数据']].map(([level, label]) => h('li', { className: `cc-legend__item cc-legend__item--${level}` }, label)));
    const axis = h('div', { className: 'cc-trend__axis' }, ...months.map((m) => h('span', {}, m.month.slice(2).replace('-', '/'))));
    $('report-trend-chart').replaceChildren(h('figure', { className: 'cc-trend' }, root, axis, legend));
    $('report-trend-table').replaceChildren(
      table('report-trend-rows', [['月份'], ['群数', 'num'], ['成员', 'num'], ['健康', 'num'], ['一般', 'num'], ['预警', 'num'], ['60天复诊率', 'num'], ['老带新占比', 'num'], ['换水计划', 'num'], ['标杆群', 'num']],
        months.map(({ month, report: r }) => {
          const s = r.summary;
          return h('tr', { dataset: { month } },
            h('td', {}, month), h('td', { className: 'num' }, s.groups), h('td', { className: 'num' }, formatCount(s.totalMembers)),
            h('td', { className: 'num' }, s.healthy), h('td', { className: 'num' }, s.normal), h('td', { className: 'num' }, s.warning),
            h('td', { className: 'num' }, s.overallConversion.rateText), h('td', { className: 'num' }, s.overallFission.rateText),
            h('td', { className: 'num' }, s.refreshPlans), h('td', { className: 'num' }, s.benchmarks));
        }), '没有数据'),
    );
  }

  /** The selected month's groups and the twelve months' summary, as CSV (UTF-8 with a BOM). */
  function csvText() {
    const cell = (v) => {
      let text = String(v ?? '');
      if (/^[=+\-@]/.test(text)) text = `'${text}`;  // never a formula in a spreadsheet
      return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    };
    const line = (cells) => cells.map(cell).join(',');
    const demo = report.groups.some((g) => g.name.includes('演示'));
    const lines = [line([report.title]), ...(demo ? [line(['演示数据，非真实患者'])] : []), line([report.thresholds.text]), '',
      line(['群编号', '群名称', '成员数', '活跃度', '日均消息', '60天复诊率', '复诊判定', `${report.quarter}老带新占比`, '老带新判定', '换水计划', '标杆群']),
      ...report.groups.map((g) => line([g.id, g.name, g.memberCount, g.activity.label, g.activity.averageText, g.conversion.rateText, g.conversion.label,
        g.fission.rateText, g.fission.label, g.flags.refreshPlan ? '是' : '否', g.flags.benchmark ? '是' : '否'])),
      '', line(['近12个月趋势']),
      line(['月份', '群数', '总成员', '健康', '一般', '预警', '无数据', '60天复诊率', '老带新占比', '换水计划', '标杆群']),
      ...trend.map(({ month, report: r }) => {
        const s = r.summary;
        return line([month, s.groups, s.totalMembers, s.healthy, s.normal, s.warning, s.noActivityData, s.overallConversion.rateText, s.overallFission.rateText, s.refreshPlans, s.benchmarks]);
      })];
    return `\uFEFF${lines.join('\r\n')}\r\n`;
  }

  function exportCsv() {
    if (!report) return;
    const blob = new Blob([csvText()], { type: 'text/csv;charset=utf-8' });
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: `社群健康度报告-${report.month}.csv` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function render(value) {
    $('report-error').hidden = true;
    $('report-title').textContent = value.title;
    $('report-thresholds').textContent = value.thresholds.text;
    const s = value.summary;
    const tiles = [
      ['healthy', '健康', s.healthy],
      ['normal', '一般', s.normal],
      ['warning', '预警', s.warning],
    ];
    $('report-summary').replaceChildren(
      ...tiles.map(([level, label, n]) => {
        const li = el('li', `report-tile report-tile--${level}`);
        li.dataset.level = level;
        li.append(el('span', 'report-tile__num', String(n)), el('span', 'report-tile__label', label));
        return li;
      }),
    );
    $('report-facts').replaceChildren(
      fact('群数', `${s.groups}个`),
      fact('成员', `${formatCount(s.totalMembers)}人`),
      fact('60天复诊率', `${s.overallConversion.rateText}（${s.overallConversion.label}）`),
      fact(`${value.quarter}老带新占比`, `${s.overallFission.rateText}（${s.overallFission.label}）`),
      fact('换水计划', `${s.refreshPlans}个群`),
      fact('标杆群', `${s.benchmarks}个群`),
    );
    $('report-groups').replaceChildren(...value.groups.map(groupCard));
    document.body.dataset.report = 'ready';
  }

  function fact(term, text) {
    const div = el('div', 'report-fact');
    div.append(el('dt', '', term), el('dd', '', text));
    return div;
  }

  function groupCard(g) {
    const li = el('li', `card report-group report-group--${g.activity.level}`);
    li.dataset.groupId = g.id;
    li.dataset.activity = g.activity.level;
    const head = el('div', 'report-group__head');
    const title = el('div', 'report-group__title');
    title.append(el('h3', 'report-group__name', g.name), el('p', 'report-group__members', `${g.memberCount}人`));
    const status = el('span', `status-chip status-chip--${g.activity.level}`, g.activity.label);
    status.dataset.level = g.activity.level;
    head.append(title, status);

    const metrics = el('dl', 'report-metrics');
    metrics.append(
      metric('activity', '活跃度', g.activity.averageText, g.activity.label, g.activity.level),
      metric('conversion', '60天复诊', g.conversion.rateText, g.conversion.label, g.conversion.level),
      metric('fission', '老带新', g.fission.rateText, g.fission.label, g.fission.level),
    );
    li.append(head, metrics, chart(g.chart));
    if (g.actions.length > 0) {
      const actions = el('ul', 'report-actions');
      actions.append(
        ...g.actions.map((a) => {
          const item = el('li', `report-action report-action--${a.code}`);
          item.dataset.code = a.code;
          item.append(el('strong', 'report-action__title', a.title), el('span', 'report-action__text', a.text));
          return item;
        }),
      );
      li.append(actions);
    }
    return li;
  }

  function metric(name, term, value, label, level) {
    const div = el('div', `report-metric report-metric--${level}`);
    div.dataset.metric = name;
    const dd = el('dd', 'report-metric__value');
    dd.append(el('span', 'report-metric__num', value), el('span', 'report-metric__label', label));
    div.append(el('dt', 'report-metric__term', term), dd);
    return div;
  }

  /** Bars and threshold lines in the core's permille of the y axis. */
  function chart(c) {
    const figure = el('figure', 'report-chart');
    figure.dataset.kind = c.kind;
    const caption = el('figcaption', 'report-chart__caption');
    caption.append(el('span', '', c.title), el('span', 'report-chart__max', `最高刻度 ${c.yMax}条`));
    const width = c.values.length * BAR_SLOT;
    const plot = el('div', 'report-chart__plot');
    const root = svg('svg', {
      class: 'report-chart__svg',
      viewBox: `0 0 ${width} 1000`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': `${c.title}：${c.values.map((v, i) => `${c.xLabels[i]}日${v === null ? '未报' : `${v}条`}`).join('，')}`,
    });
    const bars = svg('g', { class: 'report-chart__bars' });
    c.heightsPermille.forEach((h, i) => {
      if (h === null) {
        bars.append(svg('rect', { class: 'report-chart__gap', x: i * BAR_SLOT + 2, y: 994, width: BAR_SLOT - 4, height: 6 }));
        return;
      }
      const bar = svg('rect', { class: 'report-chart__bar', x: i * BAR_SLOT + 2, y: 1000 - h, width: BAR_SLOT - 4, height: h });
      bar.append(svg('title', {}, `${c.xLabels[i]}日 ${c.values[i]}条`));
      bars.append(bar);
    });
    const lines = svg('g', { class: 'report-chart__lines' });
    for (const line of c.lines) {
      lines.append(
        svg('line', {
          class: `report-chart__line report-chart__line--${line.kind}`,
          x1: 0,
          x2: width,
          y1: 1000 - line.permille,
          y2: 1000 - line.permille,
        }),
      );
    }
    root.append(bars, lines);
    plot.append(root);
    // Line labels beside the plot, placed at the core's permille.
    for (const line of c.lines) {
      const tag = el('span', `report-chart__tag report-chart__tag--${line.kind}`, line.label);
      tag.style.setProperty('--permille', String(line.permille));
      plot.append(tag);
    }
    const axis = el('div', 'report-chart__axis');
    axis.append(el('span', '', `${c.xLabels[0]}日`), el('span', '', `${c.xLabels[c.xLabels.length - 1]}日`));
    figure.append(caption, plot, axis);
    return figure;
  }

  return Object.freeze({
    load: () => load(/** @type {HTMLSelectElement | null} */ (document.getElementById('report-month'))?.value || undefined),
    csvText,
    get report() {
      return report;
    },
    get trend() {
      return trend;
    },
  });
}
