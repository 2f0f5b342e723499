// Staff: the KOC willingness assessment (转介绍意愿度评估表, seed 001).
//
// The form — title, instructions, questions, hints, options and points — is
// assessKoc's own reply for an empty request (docs/api/community.md); the
// nurse's answers go back to assessKoc and the score, decision, tags, letter
// template and reasons are shown as the core words them. No question, point,
// threshold or label is declared here. 保存到患者档案 attaches the assessment to
// the patient through the backend (which runs assessKoc again and keeps the
// letter it chose: the one the patient's 海报 offers).

import { el } from '../svg.js';
import { charCount, counterText, describeError } from '../lib/copy.js';
import { loadDeskStyles } from './events.js';

/**
 * The longest peak-moment note, in characters (字). The core's limit is 500
 * bytes of UTF-8 (docs/api/community.md); a character takes at most 4 bytes,
 * so a note within this count is always within it.
 */
export const NOTE_LIMIT = 120;

/** The letter templates as the patient's 海报 names them. */
const LETTER_NAMES = Object.freeze({ honour: '健康大使推荐函', benefit: '成长基金推荐函', privilege: '黑金推荐函' });

/**
 * @param {{core: import('../core.js').Core, backend?: any, showToast?: (text: string, kind?: string) => void}} deps
 */
export function createKoc({ core, backend = null, showToast = () => {} }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let form = null;

  function load() {
    if (form) return;
    const envelope = core.call('assessKoc', {});
    if (!envelope.ok) {
      showError(describeError(envelope.error));
      return;
    }
    form = envelope.value.form;
    renderForm(form);
  }

  function renderForm(value) {
    $('koc-title').textContent = value.title;
    $('koc-instructions').textContent = value.instructions;
    $('koc-threshold').textContent = `满分${value.maxScore}分 · ${value.threshold}分入选`;
    $('koc-questions').replaceChildren(
      ...value.questions.map((q, n) => {
        const fieldset = el('fieldset', `koc-q${q.scored ? '' : ' koc-q--unscored'}`);
        fieldset.dataset.questionId = q.id;
        const legend = el('legend', 'koc-q__legend');
        legend.append(
          el('span', 'koc-q__num', String(n + 1)),
          el('span', 'koc-q__text', q.text),
          el('span', 'koc-q__points', q.scored ? `${q.maxPoints}分` : '不计分'),
        );
        fieldset.append(legend);
        if (q.hint) fieldset.append(el('p', 'koc-q__hint', q.hint));
        const options = el('div', 'koc-q__options');
        for (const option of q.options) {
          const label = el('label', 'koc-option');
          const input = /** @type {HTMLInputElement} */ (el('input', 'koc-option__input'));
          input.type = 'radio';
          input.name = `koc-${q.id}`;
          input.value = option.id;
          input.dataset.questionId = q.id;
          const text = el('span', 'koc-option__text');
          text.append(el('span', 'koc-option__label', option.label));
          if (q.scored) text.append(el('span', 'koc-option__points', `${option.points}分`));
          label.append(input, text);
          options.append(label);
        }
        fieldset.append(options);
        return fieldset;
      }),
    );
  }

  function collect() {
    const answers = {};
    for (const input of document.querySelectorAll('#koc-questions input[type="radio"]:checked')) {
      const radio = /** @type {HTMLInputElement} */ (input);
      answers[radio.dataset.questionId] = radio.value;
    }
    const request = { answers, sensitiveCase: /** @type {HTMLInputElement} */ ($('koc-sensitive')).checked };
    const note = /** @type {HTMLTextAreaElement} */ ($('koc-note')).value.trim();
    if (note) request.peakMomentNote = note;
    return request;
  }

  function submit(event) {
    event.preventDefault();
    for (const q of document.querySelectorAll('.koc-q.is-missing')) q.classList.remove('is-missing');
    const envelope = core.call('assessKoc', collect());
    if (!envelope.ok) {
      showError(describeError(envelope.error));
      // The core names the question in the error path (/answers/<questionId>).
      const match = /^\/answers\/(.+)$/.exec(envelope.error.path ?? '');
      const question = match ? document.querySelector(`.koc-q[data-question-id="${CSS.escape(match[1])}"]`) : null;
      if (question) {
        question.classList.add('is-missing');
        question.scrollIntoView({ block: 'center', behavior: 'smooth' });
      }
      return;
    }
    $('koc-error').hidden = true;
    renderResult(envelope.value.assessment);
  }

  function showError(message) {
    const error = $('koc-error');
    error.textContent = message;
    error.hidden = false;
    $('koc-result').hidden = true;
  }

  function renderResult(a) {
    const card = $('koc-result');
    card.dataset.qualifies = String(a.qualifies);
    card.classList.toggle('koc-result--in', a.qualifies);
    $('koc-score').textContent = String(a.score);
    $('koc-max').textContent = `/${a.maxScore}分`;
    $('koc-summary').textContent = a.summary;
    $('koc-decision').textContent = a.qualifies ? '进入转介绍计划' : '暂不邀请';
    const tags = [];
    const tag = (name, text) => {
      const li = el('li', `koc-tag koc-tag--${name}`, text);
      li.dataset.tag = name;
      tags.push(li);
    };
    if (a.tags.peakMoment) tag('peakMoment', '体验峰值');
    tag('socialClass', `社交影响力${a.tags.socialClass}类`);
    if (a.tags.incentiveLabel) tag('incentive', a.tags.incentiveLabel);
    if (a.sensitiveCase) tag('sensitive', '敏感情况');
    $('koc-tags').replaceChildren(...tags);
    const letter = $('koc-letter');
    letter.hidden = !a.letterTemplate;
    letter.dataset.template = a.letterTemplate ?? '';
    $('koc-letter-title').textContent = a.letterTitle ?? '';
    $('koc-letter-template').textContent = a.letterTemplate ?? '';
    $('koc-reasons').replaceChildren(...a.reasons.map((r) => el('li', 'koc-reason', r)));
    if (backend && typeof backend.saveKocAssessment === 'function') saveBlock().hidden = false;
    card.hidden = false;
    card.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }

  /** 保存到患者档案: the patient's number and the save button under the result (built once). */
  function saveBlock() {
    const existing = document.getElementById('koc-save');
    if (existing) return existing;
    loadDeskStyles();
    const box = /** @type {HTMLFormElement} */ (el('form', 'koc-save console-toolbar desk-form'));
    box.id = 'koc-save';
    box.noValidate = true;
    const label = el('label', '', '患者编号');
    const input = /** @type {HTMLInputElement} */ (el('input', 'koc-save__patient'));
    input.id = 'koc-patient';
    input.type = 'text';
    input.maxLength = 64;
    input.autocomplete = 'off';
    label.htmlFor = 'koc-patient';
    const button = el('button', 'btn btn--primary', '保存到患者档案');
    button.id = 'koc-save-submit';
    /** @type {HTMLButtonElement} */ (button).type = 'submit';
    const message = el('p', 'koc-save__msg');
    message.id = 'koc-save-msg';
    message.setAttribute('role', 'status');
    box.append(label, input, button, message);
    box.addEventListener('submit', async (e) => {
      e.preventDefault();
      const patientId = input.value.trim();
      if (!patientId) {
        message.dataset.state = 'error';
        message.textContent = '请填写患者编号';
        return;
      }
      try {
        const saved = await backend.saveKocAssessment({ patientId, ...collect() }, core);
        message.dataset.state = 'ok';
        message.textContent = saved.letterTemplate
          ? `已保存：患者的海报将推荐「${LETTER_NAMES[saved.letterTemplate] ?? saved.letterTemplate}」`
          : '已保存：暂不进入转介绍计划';
        showToast('评估已保存到患者档案', 'success');
      } catch (err) {
        message.dataset.state = 'error';
        message.textContent = describeError(err, '保存没有完成，请稍后再试');
      }
    });
    $('koc-result').append(box);
    return box;
  }

  // The note counted and cut in characters, once a word is composed (never mid-IME).
  const note = /** @type {HTMLTextAreaElement} */ ($('koc-note'));
  const keepNote = () => {
    if (charCount(note.value) > NOTE_LIMIT) note.value = [...note.value].slice(0, NOTE_LIMIT).join('');
    $('koc-note-count').textContent = counterText(note.value, NOTE_LIMIT);
  };
  note.addEventListener('input', (e) => {
    if (!(/** @type {InputEvent} */ (e).isComposing)) keepNote();
  });
  note.addEventListener('compositionend', keepNote);

  $('koc-form').addEventListener('submit', submit);
  $('koc-form').addEventListener('reset', () => {
    requestAnimationFrame(keepNote);
    $('koc-result').hidden = true;
    $('koc-error').hidden = true;
    for (const q of document.querySelectorAll('.koc-q.is-missing')) q.classList.remove('is-missing');
  });

  return Object.freeze({ load });
}
