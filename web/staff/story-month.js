// Staff: 病友故事官 — the story-officer programme. The month's call for
// stories (a theme and a short invitation; patients see it on 病友故事 and on
// the story form; the backend checks its wording with the core), the story of
// the month picked from the approved stories (its author receives the 故事官
// honour — an honour, never cash: G1), and the print-ready poster of the
// picked story for the hospital wall: the core lays it out with the
// storyPoster template (no QR, link, price or coupon can be on it: G12) and
// this screen paints it on an A3 page at 300 dpi (3508 × 4961 px) as a PNG
// that declares its 300 dpi (pHYs), so it prints at A3 size.

import { replayPoster } from '../poster/replay.js';
import { el } from '../svg.js';
import { describeError } from '../lib/copy.js';
import { loadIntakeStyles } from './moderation.js';
import { withPngDpi } from './png-dpi.js';

/** A3 (297 × 420 mm) at 300 dots per inch. */
export const A3_DPI = 300;
export const A3_300DPI = Object.freeze({ width: 3508, height: 4961 });

/** 'YYYY-MM' → 2026年12月. */
const monthLabel = (m) => `${Number(m.slice(0, 4))}年${Number(m.slice(5, 7))}月`;

/** The 12 months up to `m` and the 2 after it, newest first. */
function monthsAround(m) {
  const base = Number(m.slice(0, 4)) * 12 + Number(m.slice(5, 7)) - 1;
  return Array.from({ length: 15 }, (_, i) => {
    const k = base + 2 - i;
    return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
  });
}

/** A fresh idempotency key for one staff action. */
function actionKey(prefix) {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `${prefix}-${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The story poster (the core's layout) painted centred on a white A3 page at 300 dpi.
 * @param {any} poster  layoutPoster's value
 * @returns {Promise<Blob>}
 */
export async function a3PosterPng(poster) {
  const scale = Math.min(A3_300DPI.width / poster.width, A3_300DPI.height / poster.height, 4);
  const art = document.createElement('canvas');
  replayPoster(art, poster, { pixelRatio: scale });
  const page = document.createElement('canvas');
  page.width = A3_300DPI.width;
  page.height = A3_300DPI.height;
  const ctx = /** @type {CanvasRenderingContext2D} */ (page.getContext('2d'));
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, page.width, page.height);
  ctx.drawImage(art, Math.round((page.width - art.width) / 2), Math.round((page.height - art.height) / 2));
  const blob = await new Promise((resolve, reject) => page.toBlob((b) => (b ? resolve(b) : reject(new Error('海报导出失败'))), 'image/png'));
  // The canvas writes no resolution: the file declares 300 dpi itself (pHYs), so it prints at A3.
  // npm crc's CRC-32, served at /vendor/crc32.js (scripts/serve.mjs; bundled by the build).
  const { default: crc32 } = await import('../vendor/crc32.js');
  return new Blob([withPngDpi(new Uint8Array(await blob.arrayBuffer()), A3_DPI, crc32)], { type: 'image/png' });
}

/**
 * @param {{core: any, backend: any, showToast: (text: string, kind?: string) => void, hospitalName?: () => string}} deps
 */
export function createStoryMonth({ core, backend, showToast, hospitalName = () => '' }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  let month = null;
  let current = null;

  function build() {
    built = true;
    loadIntakeStyles();
    const root = $('staff-story-month');
    const title = el('h2', 'section-head__title', '病友故事官 · 月度故事');
    title.id = 'story-month-title';
    // The months as a list (the browser's own month field would speak the browser's language).
    const picker = Object.assign(el('select', 'intake-input'), { id: 'story-month-month' });
    picker.setAttribute('aria-label', '月份');
    picker.addEventListener('change', () => {
      if (picker.value) show(picker.value);
    });
    const head = el('div', 'console-toolbar');
    head.append(title, picker);

    const call = el('form', 'card story-month__call');
    call.id = 'story-month-call';
    const themeField = el('label', 'intake-field', '征集主题');
    themeField.append(Object.assign(el('input', 'intake-input'), { id: 'story-month-theme', maxLength: 40, placeholder: '如：我的康复日常' }));
    const invitationField = el('label', 'intake-field', '征集说明（患者在「病友故事」中看到，发布前检查用语）');
    invitationField.append(Object.assign(el('textarea', 'textarea'), { id: 'story-month-invitation', rows: 3, maxLength: 300, placeholder: '如：本月征集您的康复故事：复查、锻炼、饮食，都可以写。' }));
    call.append(el('h3', 'section-head__title', '本月故事征集'), themeField, invitationField);
    const callError = el('p', 'form-error');
    callError.id = 'story-month-call-error';
    callError.hidden = true;
    const save = el('button', 'btn btn--primary btn--small', '发布征集');
    save.type = 'submit';
    call.append(callError, save);
    call.addEventListener('submit', (e) => {
      e.preventDefault();
      saveCall(save);
    });

    const pick = el('section', 'card story-month__pick');
    pick.id = 'story-month-pick';
    const candidates = el('section', 'card story-month__candidates');
    candidates.append(el('h3', 'section-head__title', '从审核通过的故事中评选'), Object.assign(el('ol', 'mod-queue__list'), { id: 'story-month-candidates' }));
    root.replaceChildren(head, el('div', 'console-grid'));
    root.lastElementChild?.append(call, pick);
    root.append(candidates);
  }

  async function show(m) {
    const value = await backend.getStoriesMonth(m ? { month: m } : {});
    current = value;
    month = value.month;
    const picker = /** @type {HTMLSelectElement} */ ($('story-month-month'));
    picker.replaceChildren(...monthsAround(month).map((m) => Object.assign(el('option', '', monthLabel(m)), { value: m, selected: m === month })));
    /** @type {HTMLInputElement} */ ($('story-month-theme')).value = value.call?.theme ?? '';
    /** @type {HTMLTextAreaElement} */ ($('story-month-invitation')).value = value.call?.invitation ?? '';
    renderPick(value.pick);
    $('story-month-candidates').replaceChildren(
      ...(value.candidates.length ? value.candidates.map(candidate) : [el('li', 'mod-queue__note', '暂无可评选的故事：故事审核通过后会出现在这里。')]),
    );
    $('staff-story-month').dataset.state = 'ready';
  }

  function candidate(c) {
    const li = el('li', 'mod-queue__item');
    li.dataset.storyId = c.storyId;
    const body = el('div', 'mod-queue__body');
    body.append(el('p', 'mod-queue__title', c.title), el('p', 'mod-queue__meta', c.author), el('p', 'mod-queue__excerpt', c.story));
    const b = el('button', 'btn btn--secondary btn--small', '选为本月故事');
    b.type = 'button';
    b.disabled = Boolean(current?.pick);
    b.setAttribute('aria-label', `选《${c.title}》为本月故事`);
    b.addEventListener('click', () => pickStory(c, b));
    li.append(body, b);
    return li;
  }

  function renderPick(pick) {
    const box = $('story-month-pick');
    box.replaceChildren(el('h3', 'section-head__title', '本月故事'));
    if (!pick) {
      box.append(el('p', 'mod-queue__note', '尚未选定。选定后，作者获得「故事官」荣誉勋章（荣誉，不发现金），并可下载A3海报张贴在院内。'));
      return;
    }
    box.append(el('p', 'mod-queue__title', pick.title ?? '（作者已撤回发布同意）'), el('p', 'mod-queue__meta', `${pick.author} · 故事官`));
    if (pick.story) box.append(el('p', 'mod-queue__excerpt', pick.story));
    if (!pick.published) return;
    const error = el('p', 'form-error');
    error.hidden = true;
    const download = el('button', 'btn btn--primary btn--small', '下载A3海报（PNG，300dpi）');
    download.type = 'button';
    download.id = 'story-month-download';
    download.addEventListener('click', () => downloadPoster(pick, download, error));
    box.append(download, error);
  }

  async function saveCall(button) {
    const error = $('story-month-call-error');
    error.hidden = true;
    button.disabled = true;
    try {
      await backend.setStoriesMonthCall(
        {
          month,
          theme: /** @type {HTMLInputElement} */ ($('story-month-theme')).value,
          invitation: /** @type {HTMLTextAreaElement} */ ($('story-month-invitation')).value,
          key: actionKey('call'),
        },
        core,
      );
      showToast('本月故事征集已发布', 'success');
    } catch (err) {
      error.textContent = describeError(err, '发布失败');
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  async function pickStory(c, button) {
    button.disabled = true;
    try {
      await backend.pickStoryOfMonth({ month, storyId: c.storyId, key: actionKey('pick') });
      showToast(`已选定本月故事，作者获得「故事官」勋章`, 'success');
      await show(month);
    } catch (err) {
      showToast(describeError(err, '评选失败'), 'error');
      button.disabled = false;
    }
  }

  /** The core lays the story out (G11/G12 checks included); the page is A3 at 300 dpi. */
  async function downloadPoster(pick, button, error) {
    error.hidden = true;
    button.disabled = true;
    try {
      const laid = core.call('layoutPoster', { template: 'storyPoster', data: { title: pick.title, story: pick.story, name: pick.author, ...(hospitalName() ? { hospitalName: hospitalName() } : {}) } });
      if (!laid.ok) throw Object.assign(new Error(laid.error.message), { code: laid.error.code });
      const blob = await a3PosterPng(laid.value);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `月度故事-${pick.month}-A3.png`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    } catch (err) {
      error.textContent = describeError(err, '海报生成失败');
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  return {
    load() {
      if (!built) build();
      return show(month);
    },
  };
}
