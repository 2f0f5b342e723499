// 社群成员 (staff console, desktop first): one group's member lists — silent
// for 3 months → the reactivation list with the core's suggested message (沉默
//激活), no interaction for 6 months → the quarterly clean-up candidates (定期
// 清群), the cap of 200 and the first-come waiting list. The backend sends the
// group's facts as the core's memberLists request; every list, count, cutoff
// date and message is the core's answer, shown as it comes. Patients who
// withdrew the community consent are not in the request (the server leaves
// them out); the screen says how many, never who.

import { describeError } from '../lib/copy.js';

/** h('tag', {props, dataset}, ...children): a small element builder for the console screens. */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'className') node.className = v;
    else if (k in node) /** @type {any} */ (node)[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
}

/** The community screens' stylesheet (web/staff/community.css), once. */
export function loadCommunityStyles() {
  if (document.querySelector('link[data-community-styles]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./community.css', import.meta.url).href;
  link.dataset.communityStyles = '';
  document.head.append(link);
}

/** A table with a header row and body rows; an empty body gets a caption. */
export function table(id, headers, rows, empty) {
  const t = h('table', { id, className: 'console-table' },
    h('thead', {}, h('tr', {}, ...headers.map(([label, cls]) => h('th', { scope: 'col', className: cls }, label)))),
    h('tbody', {}, ...rows),
  );
  if (rows.length === 0) t.append(h('caption', {}, empty));
  return h('div', { className: 'console-table-wrap' }, t);
}

/** A figure tile: a number and what it counts. */
export function tile(name, value, label, level) {
  return h('div', { className: `cc-tile${level ? ` cc-tile--${level}` : ''}`, dataset: { tile: name } },
    h('span', { className: 'cc-tile__num' }, String(value)),
    h('span', { className: 'cc-tile__label' }, label));
}

const WAITING_STATUS = Object.freeze({ admit: '可入群', wait: '候补中', alreadyMember: '已在群中' });

/**
 * @param {{core: any, backend: any, showToast: (text: string, kind?: string) => void}} deps
 */
export function createMembers({ core, backend, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  /** @type {any} */
  let lists = null;

  function build() {
    loadCommunityStyles();
    const select = h('select', { id: 'members-group', 'aria-label': '选择群' });
    select.addEventListener('change', () => show(select.value).catch(fail));
    $('staff-members').replaceChildren(
      h('div', { className: 'console-panel cc' },
        h('div', { className: 'section-head' },
          h('h2', { id: 'members-title', className: 'section-head__title' }, '社群成员'),
          h('span', { className: 'badge badge--demo', id: 'members-demo', hidden: true }, '演示数据')),
        h('div', { className: 'console-toolbar' }, h('label', { htmlFor: 'members-group' }, '群'), select,
          h('span', { className: 'console-toolbar__spacer' }), h('span', { id: 'members-today', className: 'cc-muted' })),
        h('p', { id: 'members-cap', className: 'cc-lead', role: 'status' }),
        h('div', { id: 'members-tiles', className: 'cc-tiles' }),
        h('p', { id: 'members-withdrawn', className: 'cc-muted', hidden: true }),
        h('p', { id: 'members-error', className: 'wallet-note wallet-note--error', role: 'alert', hidden: true }),
      ),
      h('div', { className: 'console-grid cc-lists' },
        h('section', { className: 'console-panel cc', 'aria-labelledby': 'members-reactivation-title' },
          h('h3', { id: 'members-reactivation-title', className: 'cc-h3' }, '沉默激活名单'),
          h('p', { id: 'members-reactivation-hint', className: 'cc-muted' }),
          h('div', { id: 'members-reactivation' })),
        h('div', {},
          h('section', { className: 'console-panel cc', 'aria-labelledby': 'members-cleanup-title' },
            h('h3', { id: 'members-cleanup-title', className: 'cc-h3' }, '季度清理候选'),
            h('p', { id: 'members-cleanup-hint', className: 'cc-muted' }),
            h('div', { id: 'members-cleanup' })),
          h('section', { className: 'console-panel cc', 'aria-labelledby': 'members-waiting-title' },
            h('h3', { id: 'members-waiting-title', className: 'cc-h3' }, '候补名单'),
            h('div', { id: 'members-waiting' }))),
      ),
    );
    built = true;
  }

  function fail(err) {
    const box = $('members-error');
    box.textContent = describeError(err, '加载失败，请稍后再试');
    box.hidden = false;
    $('staff-members').dataset.state = 'error';
  }

  async function load() {
    if (!built) build();
    $('staff-members').dataset.state = 'loading';
    const { groups } = await backend.getCommunityGroups();
    const select = /** @type {HTMLSelectElement} */ ($('members-group'));
    const current = select.value;
    select.replaceChildren(...groups.map((g) => h('option', { value: g.id }, `${g.name}（${g.members}人）`)));
    if (groups.some((g) => g.id === current)) select.value = current;
    if (groups.length === 0) {
      $('members-cap').textContent = '还没有群成员数据';
      $('staff-members').dataset.state = 'ready';
      return;
    }
    await show(select.value);
  }

  async function show(groupId) {
    $('staff-members').dataset.state = 'loading';
    $('members-error').hidden = true;
    const inputs = await backend.getMemberListInputs(groupId);
    const envelope = core.call('memberLists', inputs.request);
    if (!envelope.ok) throw envelope.error;
    lists = envelope.value;
    render(lists, inputs.withdrawn, inputs.request.group.name.includes('演示'));
  }

  function render(v, withdrawn, demo) {
    const c = v.counts;
    $('members-demo').hidden = !demo;
    $('members-today').textContent = `统计日 ${v.today}${v.clock === 'device' ? '（本机时间）' : ''}`;
    $('members-cap').textContent = v.capText;
    $('members-tiles').replaceChildren(
      tile('members', `${c.members}/${c.cap}`, '成员/上限', c.overCapBy > 0 ? 'warning' : c.freeSlots === 0 ? 'normal' : 'healthy'),
      tile('reactivation', c.reactivation, '沉默激活'),
      tile('cleanUp', c.cleanUp, '季度清理候选'),
      tile('waiting', c.waiting, '候补'),
      tile('freeAfterCleanUp', c.freeSlotsAfterCleanUp, '清理后空位'),
    );
    const gone = $('members-withdrawn');
    gone.hidden = withdrawn === 0;
    gone.textContent = `另有${withdrawn}位已撤回“加入病种社群”的同意，不在名单中。`;
    $('members-reactivation-hint').textContent = `最后发言（或进群后从未发言）在${v.silentCutoffDate}及以前的患者。私聊以关心为主，不附带奖励。`;
    $('members-cleanup-hint').textContent = `最后一次任何互动在${v.inactiveCutoffDate}及以前的患者，仅为候选：是否移出由工作人员决定。`;
    $('members-reactivation').replaceChildren(
      table('members-reactivation-table', [['患者'], ['沉默天数', 'num'], ['沉默起始'], ['建议私聊内容'], ['']],
        v.reactivation.map((e) => {
          const copy = h('button', { type: 'button', className: 'btn btn--secondary btn--small' }, '复制');
          copy.addEventListener('click', () => {
            navigator.clipboard?.writeText(e.suggestedMessage).then(() => showToast('已复制私聊内容', 'success'), () => showToast('复制失败，请手动选择文字', 'error'));
          });
          return h('tr', { dataset: { memberId: e.id } },
            h('td', {}, e.displayName || '（未登记昵称）', e.neverSpoke ? h('div', { className: 'cc-muted' }, '进群后从未发言') : null),
            h('td', { className: 'num' }, `${e.silentDays}天`),
            h('td', {}, e.silentSinceDate),
            h('td', { className: 'cc-message' }, e.suggestedMessage),
            h('td', {}, copy));
        }), '没有沉默满期限的成员'),
    );
    $('members-cleanup').replaceChildren(
      table('members-cleanup-table', [['患者'], ['最后活跃'], ['未互动天数', 'num']],
        v.cleanUp.map((e) => h('tr', { dataset: { memberId: e.id } }, h('td', {}, e.displayName || '（未登记昵称）'), h('td', {}, e.lastActiveDate), h('td', { className: 'num' }, `${e.inactiveDays}天`))),
        '没有需要清理的成员'),
    );
    $('members-waiting').replaceChildren(
      table('members-waiting-table', [['顺位', 'num'], ['申请人'], ['申请日期'], ['状态']],
        v.waitingList.map((w) => h('tr', { dataset: { status: w.status } },
          h('td', { className: 'num' }, w.position ? String(w.position) : '—'), h('td', {}, w.displayName), h('td', {}, w.requestedDate), h('td', {}, WAITING_STATUS[w.status] ?? w.status))),
        '没有人在候补'),
    );
    $('staff-members').dataset.state = 'ready';
  }

  return Object.freeze({
    load: () => load().catch((err) => { fail(err); throw err; }),
    get lists() {
      return lists;
    },
  });
}
