// The coupon sheet (券详情): what a usable voucher is worth, its rules (the
// campaign's own description), until when, where to use it, and the counter
// code to show staff — a QR and the same code to read aloud, for this one
// voucher, issued by the server and replaced every minute (a screenshot from
// earlier is refused at the counter). The sheet asks the server every few
// seconds whether the voucher was redeemed and then says 已使用 at once.
// Nothing is decided here: the code and the status are the server's.
import { qrRows } from './poster/qr.js';
import { describeError } from './lib/copy.js';

/** How often the open sheet asks whether the voucher was redeemed. */
export const COUPON_POLL_MS = 3_000;

let styled = false;
function ensureStyles() {
  if (styled) return;
  styled = true;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = new URL('./coupon.css', import.meta.url).href;
  document.head.append(link);
}

function node(tag, className, text) {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

/** Draws a QR module grid on a canvas (4-module quiet zone, whole device pixels per module). */
function drawQr(canvas, rows) {
  const modules = rows.length + 8;
  const ratio = window.devicePixelRatio || 1;
  const cssSize = 184;
  const scale = Math.max(1, Math.floor((cssSize * ratio) / modules));
  canvas.width = modules * scale;
  canvas.height = modules * scale;
  canvas.style.width = `${(modules * scale) / ratio}px`;
  canvas.style.height = `${(modules * scale) / ratio}px`;
  const g = canvas.getContext('2d');
  g.fillStyle = '#fff';
  g.fillRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = '#000';
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length; x += 1) if (row[x] === '1') g.fillRect((x + 4) * scale, (y + 4) * scale, scale, scale);
  });
}

/**
 * Opens the sheet for one wallet item.
 * @param {{
 *   item: {key: string, title: string, valueFen: number, status: string, dateText?: string},
 *   rules: string,
 *   place: string,
 *   backend: any,
 *   onUsed: () => void,
 * }} options
 * @returns {{close: () => void}}
 */
export function openCouponSheet({ item, rules, place, backend, onUsed }) {
  ensureStyles();
  const previousFocus = /** @type {HTMLElement | null} */ (document.activeElement);
  const overlay = node('div', 'coupon-sheet');
  overlay.id = 'coupon-sheet';
  overlay.dataset.status = 'loading';
  const panel = node('section', 'coupon-sheet__panel');
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-modal', 'true');
  panel.setAttribute('aria-labelledby', 'coupon-sheet-title');
  const title = node('h2', 'coupon-sheet__title', item.title);
  title.id = 'coupon-sheet-title';
  const value = item.valueFen > 0 ? node('p', 'coupon-sheet__value', `¥${(item.valueFen / 100).toFixed(item.valueFen % 100 === 0 ? 0 : 2)}`) : null;
  const facts = node('dl', 'coupon-sheet__facts');
  const fact = (term, text, id) => {
    const dd = node('dd', '', text);
    if (id) dd.id = id;
    facts.append(node('dt', '', term), dd);
  };
  if (item.dateText) fact('有效期', item.dateText, 'coupon-sheet-validity');
  fact('使用地点', place, 'coupon-sheet-place');
  fact('使用规则', rules || '凭核销码到店使用，每张券只能使用一次', 'coupon-sheet-rules');

  const counter = node('div', 'coupon-sheet__counter');
  const counterHead = node('p', 'coupon-sheet__counter-head', '到店出示核销码');
  const canvas = /** @type {HTMLCanvasElement} */ (node('canvas', 'coupon-sheet__qr'));
  canvas.id = 'coupon-sheet-qr';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', '核销二维码');
  const code = node('p', 'coupon-sheet__code');
  code.id = 'coupon-sheet-code';
  const note = node('p', 'coupon-sheet__note', '核销码每分钟自动更新，截图无效');
  const used = node('p', 'coupon-sheet__used', '');
  used.id = 'coupon-sheet-used';
  used.hidden = true;
  used.setAttribute('role', 'status');
  counter.append(counterHead, canvas, code, note, used);

  const close = node('button', 'btn btn--secondary btn--block coupon-sheet__close', '关闭');
  close.type = 'button';
  close.id = 'coupon-sheet-close';
  panel.append(title, ...(value ? [value] : []), facts, counter, close);
  overlay.append(panel);
  document.body.append(overlay);
  close.focus();

  let timer = 0;
  let closed = false;
  let shownCode = '';
  let refreshAt = 0;

  async function poll() {
    if (closed) return;
    try {
      const reply = await backend.getCounterCode(item.key);
      if (closed) return;
      if (reply.status !== 'issued') {
        overlay.dataset.status = reply.status;
        canvas.hidden = true;
        code.textContent = '';
        note.hidden = true;
        used.textContent = reply.status === 'used' ? '已使用，感谢您的信任' : '这张券已作废';
        used.hidden = false;
        if (reply.status === 'used') onUsed();
        return;  // nothing more to show or ask
      }
      if (reply.code !== shownCode) {
        drawQr(canvas, await qrRows(reply.qrPayload, 'M'));
        code.textContent = reply.display;
        code.dataset.code = reply.code;
        shownCode = reply.code;
      }
      refreshAt = reply.refreshAfterMs;
      overlay.dataset.status = 'issued';
    } catch (err) {
      overlay.dataset.status = 'error';
      code.textContent = '';
      note.textContent = describeError(err, '核销码暂时无法获取，请稍后再试');
    }
    timer = window.setTimeout(poll, COUPON_POLL_MS);
  }

  function dismiss() {
    if (closed) return;
    closed = true;
    window.clearTimeout(timer);
    overlay.remove();
    document.removeEventListener('keydown', onKey);
    previousFocus?.focus?.();
  }
  function onKey(e) {
    if (e.key === 'Escape') dismiss();
  }
  close.addEventListener('click', dismiss);
  overlay.addEventListener('click', (e) => {
    if (e.target === overlay) dismiss();
  });
  document.addEventListener('keydown', onKey);
  poll();
  return { close: dismiss, refreshAt: () => refreshAt };
}
