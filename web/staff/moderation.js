// Staff: the moderation check (内容审核) a message or story goes through
// before it is posted (seed 000 风险管控, G11).
//
// moderateText (docs/api/moderation.md) finds the spans, decides the verdict
// and explains each rule. This file shows the text with the core's spans
// highlighted — cut at the core's UTF-16 offsets, never matched again here —
// and lists the core's explanations verbatim.
//
// Above the checker, the review queue: the stories patients submitted with
// their (withdrawable) consent, as the backend lists them (getPendingStories:
// masked author, oldest first). 检查 puts one into the checker as a story; a
// story whose consent was withdrawn is no longer listed (G9). 通过 / 退回
// (with one reason from a fixed list) hand the decision to the backend
// (decideStory), which enforces it — pending only, once; approval re-checks
// the wording with the core — and the patient sees the outcome in 我的故事.
// A decided story leaves the queue; a refusal (someone else decided first,
// the author withdrew) is the backend's message, verbatim.

import {
  STAFF_STORY_BACKEND_METHODS,
  STAFF_STORY_DECISION_METHODS,
  STORY_REJECT_REASON_LABELS,
  STORY_REJECT_REASONS,
  supports,
} from '../backend/backend.js';
import { el } from '../svg.js';
import { describeError } from '../lib/copy.js';
import { qaSlotItems } from './qa-slots.js';

const VERDICT_LABELS = Object.freeze({ pass: '可以发布', review: '可发布，需人工复核', block: '不能发布' });
const SEVERITY_LABELS = Object.freeze({ block: '拦截', review: '复核' });
const SAMPLE = '你吃这个药试试，保证根治';

const SUBMITTED_AT = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false,
});

/**
 * @param {{
 *   core: import('../core.js').Core,
 *   backend?: import('../backend/backend.js').Backend,
 *   showToast?: (text: string, kind?: 'success' | 'info' | 'error') => void,
 * }} deps
 */
export function createModeration({ core, backend, showToast = () => {} }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const input = /** @type {HTMLTextAreaElement} */ ($('mod-text'));
  let context = 'message';
  let timer = 0;
  let loaded = false;
  let last = null;
  /**
   * The decision under way or last tried, per story: its idempotency key is
   * reused only while no answer came back (a transport failure), so a retry
   * of the same decision is the same mutation; any answer ends it.
   * @type {Map<string, {decision: string, reason?: string, key: string}>}
   */
  const attempts = new Map();

  function load() {
    loadQueue();
    groups.load();
    if (loaded) return;
    loaded = true;
    if (!input.value) input.value = SAMPLE;
    const rules = core.call('moderationRules', {});
    if (rules.ok) renderRules(rules.value);
    check();
  }

  // ------------------------------------------------------------ review queue

  /** Lists the submitted stories again (each visit: new ones arrive, withdrawn ones leave). */
  async function loadQueue() {
    const queue = $('mod-queue');
    if (!STAFF_STORY_BACKEND_METHODS.every((name) => supports(backend, name))) return;
    queue.hidden = false;
    queue.dataset.state = 'loading';
    $('mod-queue-note').textContent = '正在读取…';
    let stories;
    try {
      stories = await backend.getPendingStories();
    } catch (err) {
      if (/** @type {any} */ (err)?.code === 'auth.role_forbidden') {
        // A role that reviews group messages but not stories (护士).
        queue.hidden = true;
        return;
      }
      queue.dataset.state = 'error';
      $('mod-queue-list').replaceChildren();
      $('mod-queue-count').textContent = '';
      $('mod-queue-note').textContent = `待审核列表暂时无法读取：${describeError(err, '请稍后再试')}`;
      return;
    }
    queue.dataset.state = 'ready';
    $('mod-queue-list').replaceChildren(...stories.map(queueItem));
    renderQueueCount();
  }

  function renderQueueCount() {
    const n = $('mod-queue-list').children.length;
    $('mod-queue-count').textContent = n ? `${n}篇` : '';
    $('mod-queue-note').textContent = n
      ? '患者已单独同意发布；撤回同意的故事不再列出。通过或退回后，患者会在「我的故事」中看到结果。'
      : '暂无待审核的故事。患者在「推荐海报 › 病友故事」中提交并同意发布后，会出现在这里。';
  }

  function queueItem(story) {
    const li = el('li', 'mod-queue__item');
    li.dataset.storyId = story.id;
    const body = el('div', 'mod-queue__body');
    body.append(
      el('p', 'mod-queue__title', story.title),
      el('p', 'mod-queue__meta', `${story.authorName} · ${SUBMITTED_AT.format(new Date(story.submittedAtMs))} 提交`),
      el('p', 'mod-queue__excerpt', story.story),
    );
    const button = el('button', 'btn btn--secondary btn--small mod-queue__check', '检查');
    button.type = 'button';
    button.setAttribute('aria-label', `检查《${story.title}》`);
    button.addEventListener('click', () => {
      input.value = `${story.title}\n${story.story}`;
      setContext('story');
      $('mod-form').scrollIntoView({ block: 'start' });
    });
    li.append(body, button);
    if (STAFF_STORY_DECISION_METHODS.every((name) => supports(backend, name))) li.append(decisionControls(story, li));
    return li;
  }

  /** 通过 / 退回; 退回 opens the reason chips and 确认退回 (enabled once a reason is picked). */
  function decisionControls(story, li) {
    const box = el('div', 'mod-decide');
    const actions = el('div', 'mod-decide__actions');
    const approve = el('button', 'btn btn--primary btn--small mod-decide__approve', '通过');
    approve.type = 'button';
    approve.setAttribute('aria-label', `通过《${story.title}》`);
    const reject = el('button', 'btn btn--secondary btn--small mod-decide__reject', '退回');
    reject.type = 'button';
    reject.setAttribute('aria-label', `退回《${story.title}》`);
    reject.setAttribute('aria-expanded', 'false');
    actions.append(approve, reject);

    const reasons = el('fieldset', 'mod-decide__reasons');
    reasons.hidden = true;
    reasons.append(el('legend', 'mod-decide__legend', '退回原因（作者会看到）'));
    const chips = el('div', 'mod-decide__chips');
    for (const code of STORY_REJECT_REASONS) {
      const label = el('label', 'mod-reason');
      label.dataset.reason = code;
      const radio = el('input', 'mod-reason__input');
      radio.type = 'radio';
      radio.name = `mod-reason-${story.id}`;
      radio.value = code;
      label.append(radio, el('span', 'mod-reason__text', STORY_REJECT_REASON_LABELS[code] ?? code));
      chips.append(label);
    }
    const confirm = el('button', 'btn btn--primary btn--small mod-decide__confirm', '确认退回');
    confirm.type = 'button';
    confirm.disabled = true;
    const cancel = el('button', 'btn btn--ghost btn--small mod-decide__cancel', '取消');
    cancel.type = 'button';
    const row = el('div', 'mod-decide__actions');
    row.append(confirm, cancel);
    reasons.append(chips, row);
    box.append(actions, reasons);

    const picked = () => /** @type {HTMLInputElement | null} */ (chips.querySelector('input:checked'))?.value;
    chips.addEventListener('change', () => {
      confirm.disabled = !picked() || li.dataset.deciding === 'true';
    });
    reject.addEventListener('click', () => {
      const open = reasons.hidden;
      reasons.hidden = !open;
      reject.setAttribute('aria-expanded', String(open));
      if (open) /** @type {HTMLInputElement} */ (chips.querySelector('input')).focus();
    });
    cancel.addEventListener('click', () => {
      reasons.hidden = true;
      reject.setAttribute('aria-expanded', 'false');
      reject.focus();
    });
    approve.addEventListener('click', () => decide(story, li, 'approve'));
    confirm.addEventListener('click', () => {
      const reason = picked();
      if (reason) decide(story, li, 'reject', reason);
    });
    return box;
  }

  /** Sends one decision; a decided story leaves the queue, a refusal is shown as the backend worded it. */
  async function decide(story, li, decision, reason) {
    if (li.dataset.deciding === 'true') return;
    let attempt = attempts.get(story.id);
    if (!attempt || attempt.decision !== decision || attempt.reason !== reason) {
      attempt = { decision, reason, key: crypto.randomUUID() };
      attempts.set(story.id, attempt);
    }
    li.dataset.deciding = 'true';
    const buttons = [...li.querySelectorAll('.mod-decide button')];
    for (const b of buttons) b.disabled = true;
    try {
      const result = await backend.decideStory(
        { storyId: story.id, decision, ...(reason ? { reason } : {}), key: attempt.key },
        core,
      );
      attempts.delete(story.id);
      li.remove();
      renderQueueCount();
      $('mod-queue').dataset.lastDecision = `${result.storyId}:${result.status}`;
      showToast(
        result.status === 'approved'
          ? `已通过《${story.title}》`
          : `已退回《${story.title}》：${STORY_REJECT_REASON_LABELS[result.reason] ?? result.reason}`,
        'success',
      );
    } catch (err) {
      const answered = err && typeof err.code === 'string' && err.status >= 400 && err.status < 500;
      if (answered) attempts.delete(story.id);
      else console.warn('moderation: decision not sent', err);
      $('mod-queue').dataset.lastRefusal = answered ? err.code : 'network';
      showToast(describeError(err, '审核结果没有保存，请稍后再试'), 'error');
      // Decided elsewhere, withdrawn or gone: the queue as it is now.
      if (answered && (err.code === 'story.not_pending' || err.code === 'story.not_found')) {
        loadQueue();
        return;
      }
      delete li.dataset.deciding;
      for (const b of buttons) b.disabled = false;
      const confirm = /** @type {HTMLButtonElement | null} */ (li.querySelector('.mod-decide__confirm'));
      if (confirm) confirm.disabled = !li.querySelector('.mod-reason__input:checked');
    }
  }

  function check() {
    clearTimeout(timer);
    const text = input.value;
    const result = $('mod-result');
    if (!text.trim()) {
      result.hidden = true;
      return;
    }
    const envelope = core.call('moderateText', { text, context });
    if (!envelope.ok) {
      $('mod-error').textContent = describeError(envelope.error);
      $('mod-error').hidden = false;
      result.hidden = true;
      return;
    }
    $('mod-error').hidden = true;
    last = { text, value: envelope.value };
    render(text, envelope.value);
  }

  function render(text, v) {
    const result = $('mod-result');
    result.dataset.verdict = v.verdict;
    const verdict = $('mod-verdict');
    verdict.textContent = VERDICT_LABELS[v.verdict] ?? v.verdict;
    verdict.className = `verdict verdict--${v.verdict}`;
    verdict.dataset.verdict = v.verdict;
    $('mod-summary').textContent = v.summary;
    $('mod-preview').replaceChildren(...segments(text, v.matches));
    $('mod-count').textContent = v.totalMatches > 0 ? `共${v.totalMatches}处${v.truncated ? `，列出前${v.matches.length}处` : ''}` : '';
    $('mod-matches').replaceChildren(
      ...v.matches.map((m, n) => {
        const li = el('li', `mod-match mod-match--${m.severity}`);
        li.dataset.ruleId = m.ruleId;
        li.dataset.start = String(m.utf16Start);
        li.dataset.end = String(m.utf16End);
        const head = el('div', 'mod-match__head');
        head.append(
          el('span', 'mod-match__num', String(n + 1)),
          el('span', 'mod-match__category', m.categoryLabel),
          el('q', 'mod-match__text', m.matchedText),
          el('span', `mod-match__severity mod-match__severity--${m.severity}`, SEVERITY_LABELS[m.severity] ?? m.severity),
        );
        li.append(head, el('p', 'mod-match__explanation', m.explanation));
        return li;
      }),
    );
    const notice = $('mod-notice');
    notice.hidden = !v.authorNotice;
    $('mod-notice-text').textContent = v.authorNotice;
    result.hidden = false;
  }

  /**
   * The text cut at every span boundary the core reported (UTF-16 offsets,
   * what String.prototype.slice takes); pieces inside spans become <mark>s
   * numbered like the list below. Spans of different categories may overlap.
   */
  function segments(text, matches) {
    const cuts = new Set([0, text.length]);
    for (const m of matches) {
      cuts.add(m.utf16Start);
      cuts.add(m.utf16End);
    }
    const points = [...cuts].filter((p) => p >= 0 && p <= text.length).sort((a, b) => a - b);
    const out = [];
    for (let k = 0; k + 1 < points.length; k += 1) {
      const from = points[k];
      const to = points[k + 1];
      const piece = text.slice(from, to);
      const covering = matches.map((m, n) => ({ m, n })).filter(({ m }) => m.utf16Start <= from && to <= m.utf16End);
      if (covering.length === 0) {
        out.push(document.createTextNode(piece));
        continue;
      }
      const mark = el('mark', 'mod-mark', piece);
      for (const { m } of covering) mark.classList.add(`mod-mark--${m.severity}`);
      mark.dataset.matches = covering.map(({ n }) => String(n + 1)).join(',');
      mark.title = covering.map(({ m }) => m.categoryLabel).join('、');
      out.push(mark);
    }
    return out;
  }

  function renderRules(value) {
    $('mod-rules-count').textContent = `${value.rules.length}条`;
    $('mod-rules').replaceChildren(
      ...value.rules.map((r) => {
        const li = el('li', 'mod-rule');
        li.dataset.ruleId = r.id;
        const head = el('div', 'mod-rule__head');
        head.append(
          el('span', 'mod-rule__category', r.categoryLabel),
          el('span', `mod-match__severity mod-match__severity--${r.severity}`, SEVERITY_LABELS[r.severity] ?? r.severity),
        );
        li.append(head, el('p', 'mod-rule__patterns', r.patterns.join('、')), el('p', 'mod-rule__explanation', r.explanation));
        return li;
      }),
    );
  }

  function setContext(next) {
    context = next;
    $('mod-context-message').setAttribute('aria-pressed', String(next === 'message'));
    $('mod-context-story').setAttribute('aria-pressed', String(next === 'story'));
    check();
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
  });
  $('mod-form').addEventListener('submit', (e) => {
    e.preventDefault();
    check();
  });
  $('mod-context-message').addEventListener('click', () => setContext('message'));
  $('mod-context-story').addEventListener('click', () => setContext('story'));

  const groups = createGroupIntake({ core, backend, showToast, segments, $ });

  return Object.freeze({
    load,
    check,
    groups,
    get last() {
      return last;
    },
  });
}

// ------------------------------------------------------------ group messages

const DELIVERY_LABELS = Object.freeze({ sent: '已发送', pending: '待发送', failed: '发送失败' });
const SIM_SAMPLES = Object.freeze([
  '王阿姨，优甲乐一天两片就够了，你照着吃',
  '加我扣扣 38561290 私聊，有好药',
  '@周医生 我这两天脖子有点紧，正常吗？',
  '今天的颈部操做完了，大家早安',
]);

/** The stylesheet of 群消息复核 and 病友故事官 (./intake.css), once. */
export function loadIntakeStyles() {
  if (typeof document === 'undefined' || document.querySelector('link[data-intake-styles]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./intake.css', import.meta.url).href;
  link.dataset.intakeStyles = '';
  document.head.append(link);
}

/** A fresh idempotency key for one staff action. */
function actionKey(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * 群消息复核: the drug-advice bot's review items (the core's spans
 * highlighted, what the bot told the author), each closed by the nurse as
 * 已撤回 or 保留; the groups' doctor and Q&A slot (the core says whether one
 * is on now and what a question gets outside it); in the demo, a synthetic
 * group message can be made to arrive. Built into the 内容审核 screen, above
 * the stories; shown only when the backend offers the queue.
 * @param {{core: any, backend: any, showToast: Function, segments: (text: string, matches: any[]) => Node[], $: (id: string) => HTMLElement}} deps
 */
function createGroupIntake({ core, backend, showToast, segments, $ }) {
  let root = null;
  let groupList = [];
  loadIntakeStyles();

  function build() {
    root = el('section', 'card mod-groups');
    root.id = 'mod-groups';
    root.setAttribute('aria-labelledby', 'mod-groups-title');
    const head = el('div', 'section-head');
    const title = el('h2', 'section-head__title', '群消息复核');
    title.id = 'mod-groups-title';
    const count = el('span', 'section-head__aside');
    count.id = 'mod-groups-count';
    head.append(title, count);
    const note = el('p', 'mod-queue__note', '群机器人检查每条群消息：不能发布的内容已私下提醒作者，请在群里撤回；需复核的内容请确认。');
    const list = el('ol', 'mod-queue__list');
    list.id = 'mod-groups-list';
    const empty = el('p', 'mod-queue__note', '暂无待复核的群消息。');
    empty.id = 'mod-groups-empty';

    // The demo: a group message arrives.
    const sim = el('form', 'mod-sim');
    sim.id = 'mod-sim';
    sim.hidden = true;
    const simTitle = el('h3', 'mod-sim__title', '模拟群消息（演示）');
    const select = el('select', 'intake-input');
    select.id = 'mod-sim-group';
    select.setAttribute('aria-label', '发到哪个群');
    const text = el('textarea', 'textarea');
    text.id = 'mod-sim-text';
    text.rows = 2;
    text.value = SIM_SAMPLES[0];
    text.setAttribute('aria-label', '群消息内容');
    const samples = el('div', 'mod-sim__samples');
    for (const sample of SIM_SAMPLES) {
      const b = el('button', 'chip', sample.length > 12 ? `${sample.slice(0, 12)}…` : sample);
      b.type = 'button';
      b.addEventListener('click', () => {
        text.value = sample;
      });
      samples.append(b);
    }
    const send = el('button', 'btn btn--primary btn--small', '发送到群');
    send.type = 'submit';
    send.id = 'mod-sim-send';
    const outcome = el('div', 'mod-sim__outcome');
    outcome.id = 'mod-sim-outcome';
    outcome.setAttribute('aria-live', 'polite');
    const simNote = el('p', 'mod-queue__note', '演示数据：模拟一位群成员发出的消息，经机器人检查后会进入上方的复核列表。');
    sim.append(simTitle, simNote, select, text, samples, send, outcome);
    sim.addEventListener('submit', (e) => {
      e.preventDefault();
      simulate(select.value, text.value, send);
    });

    // The doctor's Q&A slots.
    const slots = el('div', 'mod-slots');
    slots.id = 'mod-slots';
    const slotsTitle = el('h3', 'mod-sim__title', '医生答疑时段');
    const slotList = el('ul', 'mod-slots__list');
    slotList.id = 'mod-slots-list';
    slots.append(slotsTitle, slotList);

    root.append(head, note, list, empty, sim, slots);
    const screen = $('staff-moderation');
    screen.insertBefore(root, screen.firstElementChild);
  }

  async function load() {
    if (typeof backend.getGroupMessageQueue !== 'function') return;
    if (!root) build();
    try {
      const [{ items }, groups] = await Promise.all([backend.getGroupMessageQueue({}), backend.getIntakeGroups(core)]);
      root.hidden = false;
      groupList = groups.groups;
      renderItems(items);
      renderSlots(groups.groups);
      const select = /** @type {HTMLSelectElement} */ ($('mod-sim-group'));
      const chosen = select.value;
      select.replaceChildren(...groupList.map((g) => Object.assign(el('option', '', g.name), { value: g.groupId, selected: g.groupId === chosen })));
      $('mod-sim').hidden = typeof backend.simulateGroupMessage !== 'function';
    } catch (err) {
      if (/** @type {any} */ (err)?.code === 'auth.role_forbidden') {
        root.hidden = true;
        return;
      }
      $('mod-groups-empty').textContent = `群消息暂时无法读取：${describeError(err, '请稍后再试')}`;
    }
  }

  function renderItems(items) {
    $('mod-groups-count').textContent = items.length ? `${items.length}条` : '';
    $('mod-groups-empty').hidden = items.length > 0;
    $('mod-groups-empty').textContent = '暂无待复核的群消息。';
    $('mod-groups-list').replaceChildren(...items.map(item));
  }

  function item(m) {
    const li = el('li', 'mod-queue__item mod-group-item');
    li.dataset.messageId = m.messageId;
    li.dataset.verdict = m.verdict;
    const body = el('div', 'mod-queue__body');
    const verdict = el('span', `verdict verdict--${m.verdict}`, m.verdict === 'block' ? '不能发布' : '需人工复核');
    const meta = el('p', 'mod-queue__meta', `${m.groupName} · ${m.author} · ${SUBMITTED_AT.format(new Date(m.sentAtMs))}`);
    const text = el('p', 'mod-preview mod-group-item__text');
    text.append(...segments(m.text, m.matches));
    const summary = el('p', 'mod-group-item__summary', m.summary);
    const reasons = el('ul', 'mod-group-item__reasons');
    for (const x of m.matches) reasons.append(el('li', '', `${x.categoryLabel}：${x.explanation}`));
    const bot = [];
    if (m.authorNotice) bot.push(`已私下提醒作者（${DELIVERY_LABELS[m.authorNotice] ?? m.authorNotice}）`);
    if (m.qaReply) bot.push(`已自动回复答疑时间（${DELIVERY_LABELS[m.qaReply] ?? m.qaReply}）`);
    body.append(verdict, meta, text, summary, reasons, ...(bot.length ? [el('p', 'mod-queue__meta', bot.join(' · '))] : []));
    const actions = el('div', 'mod-decide__actions');
    for (const [outcome, label] of [['removed', '已在群内撤回'], ['kept', '保留']]) {
      const b = el('button', `btn btn--small ${outcome === 'removed' ? 'btn--primary' : 'btn--secondary'}`, label);
      b.type = 'button';
      b.dataset.outcome = outcome;
      b.addEventListener('click', () => resolve(m, outcome, li));
      actions.append(b);
    }
    li.append(body, actions);
    return li;
  }

  async function resolve(m, outcome, li) {
    for (const b of li.querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = true;
    try {
      await backend.resolveGroupMessage({ messageId: m.messageId, outcome, key: actionKey('resolve') });
      li.remove();
      showToast(outcome === 'removed' ? '已记录：消息已撤回' : '已记录：消息保留', 'success');
      const n = $('mod-groups-list').children.length;
      $('mod-groups-count').textContent = n ? `${n}条` : '';
      $('mod-groups-empty').hidden = n > 0;
    } catch (err) {
      showToast(describeError(err, '处理失败，请稍后再试'), 'error');
      for (const b of li.querySelectorAll('button')) /** @type {HTMLButtonElement} */ (b).disabled = false;
    }
  }

  async function simulate(groupId, text, button) {
    button.disabled = true;
    const outcome = $('mod-sim-outcome');
    try {
      const reply = await backend.simulateGroupMessage({ groupId, text, key: actionKey('sim') }, core);
      const lines = [`机器人判断：${VERDICT_LABELS[reply.result.verdict] ?? '已处理'}`];
      for (const s of reply.sent) lines.push(`${s.kind === 'authorNotice' ? '私下提醒作者' : '群内回复提问者'}：${s.text}`);
      if (reply.sent.length === 0) lines.push('机器人没有发送任何消息。');
      outcome.replaceChildren(...lines.map((line) => el('p', 'mod-sim__line', line)));
      outcome.dataset.verdict = reply.result.verdict ?? '';
      await load();
    } catch (err) {
      outcome.replaceChildren(el('p', 'form-error', describeError(err, '发送失败')));
    } finally {
      button.disabled = false;
    }
  }

  function renderSlots(groups) {
    $('mod-slots-list').replaceChildren(...qaSlotItems(groups, { backend, core, showToast, onSaved: load }));
  }

  return { load, get groups() { return groupList; } };
}
