// Staff: the moderation check (内容审核) a message or story goes through
// before it is posted (seed 000 风险管控, G11).
//
// moderateText (docs/api/moderation.md) finds the spans, decides the verdict
// and explains each rule. This file shows the text with the core's spans
// highlighted — cut at the core's UTF-16 offsets, never matched again here —
// and lists the core's explanations verbatim.

import { el } from '../svg.js';

const VERDICT_LABELS = Object.freeze({ pass: '可以发布', review: '可发布，需人工复核', block: '不能发布' });
const SEVERITY_LABELS = Object.freeze({ block: '拦截', review: '复核' });
const SAMPLE = '你吃这个药试试，保证根治';

/**
 * @param {{core: import('../core.js').Core}} deps
 */
export function createModeration({ core }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const input = /** @type {HTMLTextAreaElement} */ ($('mod-text'));
  let context = 'message';
  let timer = 0;
  let loaded = false;
  let last = null;

  function load() {
    if (loaded) return;
    loaded = true;
    if (!input.value) input.value = SAMPLE;
    const rules = core.call('moderationRules', {});
    if (rules.ok) renderRules(rules.value);
    check();
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
      $('mod-error').textContent = envelope.error.message;
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

  return Object.freeze({
    load,
    check,
    get last() {
      return last;
    },
  });
}
