// Staff: the community health report (社群健康度报告, seed 000).
//
// communityHealthReport (docs/api/community.md) judges each group — activity,
// 60-day revisits, referral share, 换水计划 / 标杆群 — and sends the chart
// data: bar heights in permille of the y axis and the threshold lines. This
// file draws those numbers as SVG and prints the labels as they come; it
// decides nothing.

import { supports } from '../backend/backend.js';
import { el, formatCount, svg } from '../svg.js';
import { describeError } from '../lib/copy.js';

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

  async function load() {
    if (!supports(backend, 'getCommunityReportInputs')) throw new Error('当前服务暂不支持社群健康度报告');
    const inputs = await backend.getCommunityReportInputs();
    const envelope = core.call('communityHealthReport', inputs);
    if (!envelope.ok) {
      const error = $('report-error');
      error.textContent = describeError(envelope.error);
      error.hidden = false;
      return;
    }
    report = envelope.value;
    render(report);
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
    load,
    get report() {
      return report;
    },
  });
}
