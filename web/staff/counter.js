// 到店核销 (staff workbench): the patient shows the counter code of one voucher
// on their coupon sheet; the staff member types the code the patient reads
// aloud (or scans its QR where the browser has a barcode detector) and redeems
// it once. The server (or the offline demo's server) decides: an old code, an
// unknown one, a used voucher — each refusal is shown as it says.
import { describeError } from '../lib/copy.js';

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
    hint.textContent = '请患者在券包中打开这张券，输入券上的8位核销码（每分钟更新，过期的码不能使用）。';
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
    form.append(label, input, submit);
    card.append(head, hint, form, result);
    root.replaceChildren(card);
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
    } catch (err) {
      show(result, 'error', describeError(err, '核销失败，请稍后再试'));
    } finally {
      busy = false;
      /** @type {HTMLButtonElement} */ ($('counter-submit')).disabled = false;
    }
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
    },
    redeem,
  };
}
