// 荣誉勋章: the honours staff gave the patient, next to the core's campaign
// badges — 故事官 for a story picked as the story of the month (病友故事官).
// An honour only: no value, nothing to redeem or convert (G1). The backend
// says which the patient holds (getHonours); this file only shows them.

import { el } from './svg.js';

/**
 * Adds (or replaces) the staff-given honours block in 荣誉勋章 and shows the
 * card when there is one. A backend without honours, or a failed read, adds nothing.
 * @param {{getHonours?: () => Promise<{kind: string, label: string, month: string, storyTitle?: string}[]>}} backend
 * @param {Document} [doc]
 */
export async function showStaffHonours(backend, doc = document) {
  if (typeof backend?.getHonours !== 'function') return;
  const honours = await backend.getHonours();
  const groups = doc.getElementById('badge-groups');
  const card = doc.getElementById('badges-card');
  if (!groups || !card) return;
  groups.querySelector('[data-honours="staff"]')?.remove();
  if (honours.length === 0) return;
  const block = el('div', 'honours__group');
  block.dataset.honours = 'staff';
  block.append(el('h3', 'honours__campaign', '病友故事官'));
  const ul = el('ul', 'honours__list');
  for (const h of honours) {
    const li = el('li', 'honour honour--earned');
    li.dataset.honour = h.kind;
    li.dataset.month = h.month;
    const medal = el('span', 'honour__medal');
    medal.setAttribute('aria-hidden', 'true');
    const [y, m] = h.month.split('-');
    li.append(medal, el('span', 'honour__title', h.label), el('span', 'honour__state', `${Number(y)}年${Number(m)}月${h.storyTitle ? ` ·《${h.storyTitle}》` : ''}`));
    ul.append(li);
  }
  block.append(ul);
  groups.prepend(block);
  card.hidden = false;
}
