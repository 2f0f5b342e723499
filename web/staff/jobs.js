// 计划任务 (staff workbench, 运营, desktop first): the backend's scheduled work
// — the issuance (vesting after the 90-day hold, the 15th's monthly places,
// claw-back on a complaint, the inbox and its notifications), the delivery of
// notifications, the purges — as the server recorded it: what ran, when (the
// server's clock), why (on schedule, after a referral changed, on demand),
// the outcome and what it changed, each issued or voided reward listed. The
// notification outbox's counts show what is still waiting for the sender.
// Everything is the backend's answer (GET /staff/jobs, or the offline demo
// playing it); this file only lays it out.
import { describeError, formatDay } from '../lib/copy.js';

/** The jobs' names in words. */
const JOB_LABELS = Object.freeze({
  'referral-issuance': '奖励发放（好友进展变化后）',
  'referral-issuance-sweep': '奖励发放（每小时全面检查）',
  'deliver-notifications': '消息通知发送',
  'purge-idempotency-keys': '清理过期请求记录',
  'purge-expired-sessions': '清理过期登录',
  'purge-job-runs': '清理旧任务记录',
  'promote-campaign-versions': '活动新版本按期生效',
});
const CAUSE_LABELS = Object.freeze({ schedule: '按计划', event: '好友进展变化', manual: '手动运行' });
const OUTCOME_LABELS = Object.freeze({ done: '完成', skipped: '跳过', failed: '失败' });

/** What a run's summary says, in words (known keys only; numbers as the server counted them). */
export function summaryText(summary) {
  if (!summary || typeof summary !== 'object') return '';
  const parts = [];
  const n = (key) => (Number.isInteger(summary[key]) ? summary[key] : 0);
  if ('patients' in summary) parts.push(`检查${n('patients')}位患者`);
  if (n('issued')) parts.push(`发放${n('issued')}项奖励`);
  if (n('voided')) parts.push(`作废${n('voided')}项奖励`);
  if (n('inbox')) parts.push(`新增${n('inbox')}条消息`);
  if (n('notified')) parts.push(`待发通知${n('notified')}条`);
  if (n('refused')) parts.push(`${n('refused')}位患者未能处理`);
  if ('sent' in summary) parts.push(`发送${n('sent')}条`);
  if (n('retrying')) parts.push(`${n('retrying')}条稍后重试`);
  if (n('failed')) parts.push(`${n('failed')}条发送失败`);
  if ('deleted' in summary) parts.push(`删除${n('deleted')}条`);
  if (n('promoted')) parts.push(`${n('promoted')}个活动新版本生效`);
  if (summary.note === 'no sender configured') parts.push('未配置通知渠道');
  return parts.length ? parts.join('，') : '无变化';
}

function timeLabel(ms, nowMs) {
  const d = new Date(ms + 8 * 3_600_000);
  const hms = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map((x) => String(x).padStart(2, '0')).join(':');
  return `${formatDay(ms, nowMs)} ${hms}`;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * @param {{backend: any}} deps the staff session's backend (getStaffJobs; runIssuanceNow where the demo offers it)
 */
export function createJobs({ backend }) {
  const root = /** @type {HTMLElement} */ (document.getElementById('staff-jobs'));
  let ui = null;

  function build() {
    const card = el('div', 'card console-panel staff-jobs');
    const head = el('div', 'section-head');
    const title = el('h2', 'section-head__title', '计划任务');
    title.id = 'jobs-title';
    head.append(title);
    const intro = el(
      'p',
      'staff-jobs__intro',
      '服务器按计划自动运行：好友进展变化后几秒内发放奖励并通知推荐人，每小时全面检查一次（满90天发放、每月15日开放名额、投诉作废、48小时未就诊提醒），患者不打开小程序也照常进行。',
    );
    const toolbar = el('div', 'console-toolbar');
    const refresh = el('button', 'btn btn--secondary', '刷新');
    refresh.type = 'button';
    refresh.addEventListener('click', () => load());
    toolbar.append(refresh);
    if (typeof backend.runIssuanceNow === 'function') {
      const run = el('button', 'btn btn--primary', '立即运行奖励发放');
      run.type = 'button';
      run.addEventListener('click', async () => {
        run.disabled = true;
        try {
          await backend.runIssuanceNow();
        } catch (error) {
          status.textContent = describeError(error, '运行失败，请稍后再试');
        } finally {
          run.disabled = false;
        }
        await load();
      });
      toolbar.append(run);
    }
    const outbox = el('p', 'staff-jobs__outbox');
    outbox.setAttribute('role', 'status');
    const status = el('p', 'staff-jobs__status');
    const table = el('table', 'console-table staff-jobs__table');
    const thead = el('thead');
    const row = el('tr');
    for (const label of ['开始时间', '任务', '原因', '结果', '改变了什么', '用时']) row.append(el('th', undefined, label));
    thead.append(row);
    const tbody = el('tbody');
    table.append(thead, tbody);
    card.append(head, intro, toolbar, outbox, status, table);
    root.replaceChildren(card);
    return { outbox, status, tbody };
  }

  function render({ runs, outbox }) {
    const nowMs = backend.now?.().nowMs ?? Date.now();
    ui.outbox.textContent = `通知待发送 ${outbox.pending} 条 · 已发送 ${outbox.sent} 条 · 发送失败 ${outbox.failed} 条`;
    ui.status.textContent = runs.length ? `最近 ${runs.length} 次运行，最新的在上` : '还没有运行记录';
    ui.tbody.replaceChildren();
    for (const run of runs) {
      const tr = el('tr');
      tr.dataset.job = run.job;
      tr.dataset.outcome = run.outcome;
      const when = el('td', undefined, timeLabel(run.startedAtMs, nowMs));
      const job = el('td', undefined, JOB_LABELS[run.job] ?? run.job);
      const cause = el('td', undefined, CAUSE_LABELS[run.cause] ?? run.cause);
      const outcome = el('td', `staff-jobs__outcome staff-jobs__outcome--${run.outcome}`, OUTCOME_LABELS[run.outcome] ?? run.outcome);
      const what = el('td', 'staff-jobs__what');
      what.append(el('span', undefined, summaryText(run.summary)));
      if (run.error) what.append(el('span', 'staff-jobs__error', `（${run.error}）`));
      const changes = Array.isArray(run.summary?.changes) ? run.summary.changes : [];
      if (changes.length) {
        const list = el('ul', 'staff-jobs__changes');
        for (const c of changes) list.append(el('li', undefined, `${c.action === 'voided' ? '作废' : '发放'}：${c.title}${c.patientName ? `（${c.patientName}）` : ''}`));
        what.append(list);
      }
      const ms = run.finishedAtMs === null ? null : Math.max(0, run.finishedAtMs - run.startedAtMs);
      const took = el('td', 'num', ms === null ? '—' : ms < 1000 ? `${ms} 毫秒` : `${(ms / 1000).toFixed(1)} 秒`);
      tr.append(when, job, cause, outcome, what, took);
      ui.tbody.append(tr);
    }
  }

  async function load() {
    ui ??= build();
    try {
      render(await backend.getStaffJobs());
    } catch (error) {
      ui.status.textContent = describeError(error, '计划任务暂时无法显示，请稍后再试');
    }
  }

  return { load };
}
