// 到店核销 (staff workbench, desktop first): the patient shows the counter
// code of one voucher on their coupon sheet; the staff member scans its QR
// with the desk's camera (or a photo of it), or types the code the patient
// reads aloud, and redeems it once. The server (or the offline demo's server)
// decides: an old code, an unknown one, a used voucher — each refusal is
// shown as it says. Below, the day's redemptions with a CSV export for the
// hospital's accounts.
//
// QR decoding is zxing-wasm's reader (ZXing-C++ in WebAssembly), served from
// web/vendor/ with its .wasm (scripts/vendor-desk.mjs), so nothing loads from
// another origin and the Content-Security-Policy stays 'self'.
import { describeError } from '../lib/copy.js';
import { el, filePicker, loadDeskStyles, recentDays, staffName, when } from './events.js';

// Built from parts so the production bundler leaves them alone: web/vendor/
// is served as it is (in the sources and in build/web alike, one folder up).
const vendorUrl = (...path) => new URL(['..', 'vendor', ...path].join('/'), import.meta.url).href;
const ZXING = vendorUrl('zxing', 'reader', 'index.js');
const ZXING_WASM = vendorUrl('zxing', 'reader', 'zxing_reader.wasm');
/** How often a camera frame is decoded. */
const SCAN_EVERY_MS = 250;

/** zxing-wasm's reader, loaded once, told where its .wasm is. */
let readerLoading = null;
export function loadQrReader() {
  readerLoading ??= import(/* @vite-ignore */ ZXING).then(async (zxing) => {
    zxing.prepareZXingModule({ overrides: { locateFile: (path, prefix) => (path.endsWith('.wasm') ? ZXING_WASM : prefix + path) }, fireImmediately: true });
    return zxing;
  });
  return readerLoading;
}

/** The text of the first QR code in an image (ImageData or a Blob), or null. */
export async function decodeQr(image) {
  const zxing = await loadQrReader();
  const found = await zxing.readBarcodes(image, { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 });
  return found.find((b) => b.isValid)?.text ?? null;
}

/** A CSV field: quoted when it must be (RFC 4180). */
const csvField = (v) => {
  const text = String(v ?? '');
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};
const yuan = (fen) => (fen / 100).toFixed(2);

/**
 * @param {{backend: any, showToast: (text: string, kind?: string) => void}} deps
 */
export function createCounter({ backend, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  let built = false;
  let busy = false;

  function build() {
    if (!document.querySelector('link[data-counter-styles]')) {
      const link = document.createElement('link');
      link.rel = 'stylesheet';
      link.href = new URL('../coupon.css', import.meta.url).href;
      link.dataset.counterStyles = '';
      document.head.append(link);
    }
    const root = $('staff-counter');
    const card = document.createElement('div');
    card.className = 'card staff-counter';
    const head = document.createElement('div');
    head.className = 'section-head';
    const title = document.createElement('h2');
    title.id = 'counter-title';
    title.className = 'section-head__title';
    title.textContent = '到店核销';
    head.append(title);
    const hint = document.createElement('p');
    hint.className = 'staff-counter__hint';
    hint.textContent = '请患者在券包中打开这张券：扫描券上的二维码，或输入券上的8位核销码（每分钟更新，过期的码不能使用）。';
    const form = document.createElement('form');
    form.id = 'counter-form';
    form.className = 'staff-counter__form';
    form.noValidate = true;
    const label = document.createElement('label');
    label.htmlFor = 'counter-code';
    label.textContent = '核销码';
    const input = document.createElement('input');
    input.id = 'counter-code';
    input.className = 'staff-counter__input';
    input.type = 'text';
    input.autocomplete = 'off';
    input.spellcheck = false;
    input.maxLength = 64;
    input.placeholder = '例如 7K3M-9QXR';
    input.setAttribute('autocapitalize', 'characters');
    const submit = document.createElement('button');
    submit.id = 'counter-submit';
    submit.type = 'submit';
    submit.className = 'btn btn--primary btn--block';
    submit.textContent = '核销';
    const result = document.createElement('p');
    result.id = 'counter-result';
    result.className = 'staff-counter__result';
    result.setAttribute('role', 'status');
    result.hidden = true;
    const scan = document.createElement('div');
    scan.className = 'console-toolbar desk-form staff-counter__scan';
    const camera = el('button', { id: 'counter-camera', type: 'button', className: 'btn btn--secondary' }, '用摄像头扫码');
    const picker = filePicker({ id: 'counter-photo', accept: 'image/*', label: '选择券码照片' });
    const photo = /** @type {HTMLInputElement} */ (picker.querySelector('input'));
    scan.append(camera, picker);
    const video = el('video', { id: 'counter-video', className: 'staff-counter__video', muted: true, playsInline: true, hidden: true });
    form.append(label, input, submit);
    card.append(head, hint, scan, video, form, result);
    loadDeskStyles();
    const day = el('div', { className: 'console-panel desk', id: 'counter-day' },
      el('div', { className: 'section-head' }, el('h2', { id: 'counter-day-title', className: 'section-head__title' }, '当日核销记录')),
      el('div', { className: 'console-toolbar desk-form' },
        el('label', { htmlFor: 'counter-day-date' }, '日期'),
        el('select', { id: 'counter-day-date' }),
        el('span', { id: 'counter-day-total', role: 'status' }),
        el('span', { className: 'console-toolbar__spacer' }),
        el('button', { id: 'counter-day-export', type: 'button', className: 'btn btn--secondary' }, '导出表格'),
      ),
      el('div', { className: 'console-table-wrap' }, el('table', { id: 'counter-day-table', className: 'console-table' })),
    );
    root.replaceChildren(card, day);
    camera.addEventListener('click', () => toggleCamera().catch((err) => show($('counter-result'), 'error', describeError(err, '无法打开摄像头，请输入核销码'))));
    photo.addEventListener('change', () => {
      const file = /** @type {HTMLInputElement} */ (photo).files?.[0];
      if (file) scanPhoto(file).catch((err) => show($('counter-result'), 'error', describeError(err, '无法识别这张照片，请输入核销码')));
    });
    $('counter-day-date').addEventListener('change', () => loadDay().catch((err) => console.warn('day list failed', err)));
    $('counter-day-export').addEventListener('click', exportDay);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      redeem(input.value);
    });
  }

  async function redeem(value) {
    if (busy) return;
    const result = $('counter-result');
    const text = String(value ?? '').trim();
    if (!text) {
      show(result, 'error', '请输入核销码');
      return;
    }
    busy = true;
    /** @type {HTMLButtonElement} */ ($('counter-submit')).disabled = true;
    try {
      const done = await backend.redeemCounterCode(text);
      show(result, 'ok', `已核销：${done.title}`);
      showToast('核销成功', 'success');
      /** @type {HTMLInputElement} */ ($('counter-code')).value = '';
      loadDay().catch((err) => console.warn('day list failed', err));
    } catch (err) {
      show(result, 'error', describeError(err, '核销失败，请稍后再试'));
    } finally {
      busy = false;
      /** @type {HTMLButtonElement} */ ($('counter-submit')).disabled = false;
    }
  }

  /** @type {{stream: MediaStream, timer: number} | null} */
  let scanning = null;

  async function toggleCamera() {
    if (scanning) return stopCamera();
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('这台电脑的浏览器不能使用摄像头，请输入核销码');
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    const video = /** @type {HTMLVideoElement} */ ($('counter-video'));
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    $('counter-camera').textContent = '关闭摄像头';
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const tick = async () => {
      if (!scanning || !video.videoWidth) return;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const text = await decodeQr(context.getImageData(0, 0, canvas.width, canvas.height)).catch(() => null);
      if (text && scanning) {
        stopCamera();
        await redeem(text);
      }
    };
    scanning = { stream, timer: window.setInterval(() => tick().catch(() => {}), SCAN_EVERY_MS) };
  }

  function stopCamera() {
    if (!scanning) return;
    clearInterval(scanning.timer);
    for (const track of scanning.stream.getTracks()) track.stop();
    scanning = null;
    const video = /** @type {HTMLVideoElement} */ ($('counter-video'));
    video.srcObject = null;
    video.hidden = true;
    $('counter-camera').textContent = '用摄像头扫码';
  }

  async function scanPhoto(file) {
    const text = await decodeQr(file);
    /** @type {HTMLInputElement} */ ($('counter-photo')).value = '';
    if (!text) {
      show($('counter-result'), 'error', '照片中没有找到二维码，请重新拍摄或输入核销码');
      return;
    }
    await redeem(text);
  }

  /** @type {any} */
  let dayList = null;

  async function loadDay() {
    if (typeof backend.getDayRedemptions !== 'function') return;
    // The last 31 days as a list (the browser's own date field would speak its language).
    const input = /** @type {HTMLSelectElement} */ ($('counter-day-date'));
    dayList = await backend.getDayRedemptions(input.value || undefined);
    const days = recentDays(31);
    if (!days.some(([v]) => v === dayList.day)) days.unshift([dayList.day, dayList.day.replace(/^\d{4}-0?(\d+)-0?(\d+)$/, '$1月$2日')]);
    input.replaceChildren(...days.map(([v, l]) => el('option', { value: v, selected: v === dayList.day }, l)));
    $('counter-day-total').textContent = `共${dayList.count}张 · 合计${yuan(dayList.totalValueFen)}元`;
    $('counter-day-table').replaceChildren(
      el('thead', {}, el('tr', {}, ...['时间', '券', '面值（元）', '患者', '核销人'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...dayList.redemptions.map((r) =>
        el('tr', {}, el('td', {}, when(r.redeemedAtMs)), el('td', {}, r.title), el('td', { className: 'num' }, yuan(r.valueFen)), el('td', {}, r.patientName), el('td', {}, staffName(r.redeemedBy))))),
    );
    if (dayList.count === 0) $('counter-day-table').append(el('caption', {}, '这一天还没有核销'));
  }

  /** The day's list as a CSV file (UTF-8 with a BOM, which Excel needs to read Chinese). */
  function exportDay() {
    if (!dayList) return;
    const rows = [['核销时间', '券', '面值（元）', '活动编号', '患者', '核销人']];
    for (const r of dayList.redemptions) {
      rows.push([new Date(r.redeemedAtMs).toLocaleString('zh-CN', { hour12: false }), r.title, yuan(r.valueFen), r.campaignId, r.patientName, staffName(r.redeemedBy)]);
    }
    const text = `\uFEFF${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
    const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
    const a = el('a', { href: url, download: `核销记录-${dayList.day}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function show(node, state, text) {
    node.dataset.state = state;
    node.textContent = text;
    node.hidden = false;
  }

  return {
    load() {
      if (!built) {
        build();
        built = true;
      }
      if (typeof backend.redeemCounterCode !== 'function') {
        show($('counter-result'), 'error', '当前后端不支持到店核销');
      }
      return loadDay();
    },
    redeem,
  };
}
