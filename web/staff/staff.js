// Staff workbench (员工工作台): the referral forest, the KOC assessment, the
// community health report and the moderation check, behind one entry in the
// patient app's header. Loaded on demand (import()) the first time #staff is
// opened; each screen asks the core when it is first shown.

import { createForest } from './forest.js';
import { createKoc } from './koc.js';
import { createModeration } from './moderation.js';
import { createReport } from './report.js';

/** Screens of the workbench: hash suffix → document title. */
export const STAFF_SCREENS = Object.freeze({
  forest: '推荐森林 · 员工工作台',
  koc: 'KOC评估 · 员工工作台',
  report: '社群健康度 · 员工工作台',
  moderation: '内容审核 · 员工工作台',
});

/**
 * @param {{
 *   core: import('../core.js').Core,
 *   backend: import('../backend/backend.js').Backend,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 * }} deps
 */
export function createStaff({ core, backend, showToast }) {
  const screens = {
    forest: createForest({ backend, showToast }),
    koc: createKoc({ core }),
    report: createReport({ core, backend }),
    moderation: createModeration({ core, backend, showToast }),
  };

  /** Shows one screen (unknown names fall back to the forest) and returns its title. */
  function show(name) {
    const screen = Object.hasOwn(STAFF_SCREENS, name) ? name : 'forest';
    for (const section of document.querySelectorAll('[data-staff-view]')) {
      /** @type {HTMLElement} */ (section).hidden = /** @type {HTMLElement} */ (section).dataset.staffView !== screen;
    }
    for (const tab of document.querySelectorAll('[data-staff-tab]')) {
      if (/** @type {HTMLElement} */ (tab).dataset.staffTab === screen) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
    Promise.resolve(screens[screen].load()).catch((err) => {
      showToast(err instanceof Error ? err.message : '加载失败', 'error');
      console.warn(`staff ${screen} failed`, err);
    });
    return STAFF_SCREENS[screen];
  }

  return Object.freeze({ show, screens });
}
