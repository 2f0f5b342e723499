// CareCircle web shell — 消息 (#inbox): what the hospital's server told the
// patient, newest first: each step of the friends they invited ("您的朋友李*
// 已到院，感谢您的信任") and each reward it issued ("您的100元体检券已到账").
//
// Thin by design: the server's scheduled issuance writes the entries (the
// offline demo plays it); their words are the core's (names masked by the
// core, consent-aware: a friend who did not agree to share their progress
// appears only as 一位朋友已接受邀请) and are shown as they come, through
// textContent. The screen asks again every INBOX_POLL_MS while it is shown,
// so a step the hospital records appears without a reload. Nothing is kept
// on the device (G19): each visit reads the inbox again.

import { supports } from './backend/backend.js';
import { el } from './svg.js';
import { describeError, formatDay } from './lib/copy.js';

/** How often the shown inbox asks again. */
export const INBOX_POLL_MS = 15_000;

/** A short label per kind of entry (presentation only). */
const KIND_LABELS = Object.freeze({
  accepted: '好友进展',
  arrived: '好友进展',
  converted: '好友进展',
  lapsed: '好友进展',
  voided: '奖励变更',
  reward: '奖励到账',
  issued: '奖励到账',
  clawback: '奖励变更',
});

/** The time of an entry as the screen writes it: 12月7日 14:05 (the year outside this one). */
export function entryTimeLabel(atMs, nowMs) {
  const d = new Date(atMs + 8 * 3_600_000);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${formatDay(atMs, nowMs)} ${hh}:${mm}`;
}

/**
 * @param {{root: HTMLElement, backend: import('./backend/backend.js').Backend}} deps
 * @returns {{refresh: () => Promise<void>, hide: () => void}}
 */
export function createInbox({ root, backend }) {
  const available = supports(backend, 'getInbox');
  let timer = null;
  let generation = 0;

  const head = el('section', 'card inbox-head');
  const title = el('h2', 'inbox-head__title', '消息');
  title.id = 'inbox-title';
  const sub = el('p', 'inbox-head__sub', '好友就诊进展和奖励到账，医院确认后会第一时间告诉您');
  head.append(title, sub);
  const status = el('p', 'inbox-status');
  status.setAttribute('role', 'status');
  const list = el('ol', 'inbox-list');
  list.setAttribute('aria-labelledby', 'inbox-title');
  const note = el('p', 'inbox-note', '未同意分享就诊进展的朋友，只显示“已接受邀请”，不显示其他进展。');
  root.replaceChildren(head, status, list, note);

  function render(entries) {
    const nowMs = backend.now().nowMs;
    list.replaceChildren();
    if (entries.length === 0) {
      status.textContent = '还没有消息。朋友接受邀请、到院就诊或奖励到账时，会在这里告诉您。';
      return;
    }
    status.textContent = `共${entries.length}条消息`;
    for (const entry of entries) {
      const item = el('li', `inbox-item inbox-item--${entry.kind}`);
      item.dataset.kind = entry.kind;
      const label = el('span', 'inbox-item__label', KIND_LABELS[entry.kind] ?? '消息');
      const text = el('p', 'inbox-item__text', entry.text);
      const time = el('time', 'inbox-item__time', entryTimeLabel(entry.atMs, nowMs));
      time.dateTime = new Date(entry.atMs).toISOString();
      item.append(label, text, time);
      list.append(item);
    }
  }

  async function load() {
    const mine = ++generation;
    try {
      const { entries } = await backend.getInbox();
      if (mine === generation) render(entries);
    } catch (error) {
      if (mine === generation) status.textContent = describeError(error, '消息暂时无法显示，请稍后再试');
    }
  }

  return {
    async refresh() {
      if (!available) {
        status.textContent = '当前服务暂不支持消息';
        return;
      }
      if (!timer) {
        timer = setInterval(() => {
          if (!root.hidden) load();
          else {
            clearInterval(timer);
            timer = null;
          }
        }, INBOX_POLL_MS);
      }
      await load();
    },
    hide() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
