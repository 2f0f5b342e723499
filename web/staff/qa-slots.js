// 群答疑时段: each connected group's doctor and Q&A slot. Outside the slot, a
// question put to `@` the doctor in the group gets the core's templated reply
// (the next slot and the emergency number); inside it, nothing is sent. The
// core checks the slots (replyOutsideQaSlot) before the backend stores them
// and says whether one is on now. The slot list is shared by 内容审核 (nurse,
// 客服, beside the review queue) and the doctor's own screen below.

import { el } from '../svg.js';
import { describeError } from '../lib/copy.js';
import { loadIntakeStyles } from './moderation.js';

const WEEKDAYS = Object.freeze(['周一', '周二', '周三', '周四', '周五', '周六', '周日']);

/** A fresh idempotency key for one staff action. */
function actionKey(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * One list item per group: its doctor, slots, what happens now, the reply
 * preview and the form that sets the slot.
 * @param {any[]} groups  getIntakeGroups' groups
 * @param {{backend: any, core: any, showToast: Function, onSaved: () => Promise<unknown>}} deps
 * @returns {HTMLElement[]}
 */
export function qaSlotItems(groups, { backend, core, showToast, onSaved }) {
  return groups.map((g) => {
    const li = el('li', 'mod-slots__group');
    li.dataset.groupId = g.groupId;
    const now = g.inSlot ? '答疑进行中：提问不自动回复' : `下次答疑：${g.nextSlotText ?? '未设置'}`;
    li.append(
      el('p', 'mod-queue__title', `${g.name} · ${g.doctorName ?? '未设医生'}`),
      el('p', 'mod-queue__meta mod-slots__now', `${g.slotLabels.join('、') || '未设置答疑时段'} · ${now}`),
      ...(g.replyPreview ? [el('p', 'mod-queue__excerpt', `群里@${g.doctorName}提问时自动回复：${g.replyPreview}`)] : []),
      slotForm(g, { backend, core, showToast, onSaved }),
    );
    return li;
  });
}

function slotForm(g, { backend, core, showToast, onSaved }) {
  const form = el('form', 'mod-slots__form');
  const first = g.qaSlots[0] ?? { weekday: 3, start: '20:00', durationMinutes: 60 };
  const day = el('select', 'intake-input');
  WEEKDAYS.forEach((label, i) => day.append(Object.assign(el('option', '', label), { value: String(i + 1), selected: i + 1 === first.weekday })));
  // Times as a list (every 15 minutes, the stored one kept): the browser's own time field speaks the browser's language.
  const start = el('select', 'intake-input');
  const current = first.start.padStart(5, '0');
  const times = Array.from({ length: 96 }, (_, i) => `${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}`);
  if (!times.includes(current)) times.push(current);
  for (const t of times.sort()) start.append(Object.assign(el('option', '', t), { value: t, selected: t === current }));
  start.dataset.field = 'start';
  const minutes = Object.assign(el('input', 'intake-input'), { type: 'number', min: '15', max: '240', step: '15', value: String(first.durationMinutes ?? 60) });
  const doctor = Object.assign(el('input', 'intake-input'), { type: 'text', value: g.doctorName ?? '', maxLength: 32 });
  const contact = Object.assign(el('input', 'intake-input'), { type: 'text', value: g.emergencyContact ?? '120', maxLength: 64 });
  const save = el('button', 'btn btn--secondary btn--small', '保存答疑时段');
  save.type = 'submit';
  const error = el('p', 'form-error');
  error.hidden = true;
  const field = (label, control) => {
    const wrap = el('label', 'intake-field', label);
    wrap.append(control);
    return wrap;
  };
  form.append(field('星期', day), field('开始', start), field('时长（分钟）', minutes), field('答疑医生', doctor), field('紧急联系电话', contact), save, error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    save.disabled = true;
    try {
      await backend.setGroupQaSlots(
        {
          groupId: g.groupId,
          name: g.name,
          doctorName: doctor.value,
          emergencyContact: contact.value,
          qaSlots: [{ weekday: Number(day.value), start: start.value, durationMinutes: Number(minutes.value) }],
          key: actionKey('qa'),
        },
        core,
      );
      showToast('答疑时段已保存', 'success');
      await onSaved();
    } catch (err) {
      error.textContent = describeError(err, '保存失败');
      error.hidden = false;
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

/**
 * The doctor's screen: the groups' Q&A slots, nothing else.
 * @param {{core: any, backend: any, showToast: Function}} deps
 */
export function createQaSlots({ core, backend, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;

  function build() {
    built = true;
    loadIntakeStyles();
    const title = el('h2', 'section-head__title', '群答疑时段');
    title.id = 'qa-slots-title';
    const head = el('div', 'section-head');
    head.append(title);
    const hint = el('p', 'mod-queue__note', '每个病友群设置医生答疑的时间。答疑时段以外，群里有人@医生提问时，机器人会自动回复下次答疑时间和紧急联系电话；答疑时段内不自动回复。');
    const list = el('ul', 'mod-slots__list');
    list.id = 'qa-slots-list';
    const note = el('p', 'mod-queue__note');
    note.id = 'qa-slots-note';
    note.hidden = true;
    const panel = el('div', 'console-panel mod-slots');
    panel.append(head, hint, list, note);
    $('staff-qa-slots').replaceChildren(panel);
  }

  async function refresh() {
    const screen = $('staff-qa-slots');
    screen.dataset.state = 'loading';
    const note = $('qa-slots-note');
    try {
      const { groups } = await backend.getIntakeGroups(core);
      $('qa-slots-list').replaceChildren(...qaSlotItems(groups, { backend, core, showToast, onSaved: refresh }));
      note.hidden = groups.length > 0;
      note.textContent = '还没有接入的病友群。';
      screen.dataset.state = 'ready';
    } catch (err) {
      note.hidden = false;
      note.textContent = `答疑时段暂时无法读取：${describeError(err, '请稍后再试')}`;
      screen.dataset.state = 'error';
    }
  }

  return {
    load() {
      if (!built) build();
      return refresh();
    },
  };
}
