// The "invite a friend" prompt (邀请病友一起打卡, G17): a gentle, dismissible
// bottom sheet after a daily check-in the core accepted — a moment of the
// patient's own rehab, never a clinical one (no consultation, no result, no
// bill). It leads to the referral centre (#referral), where the friend enters
// by the patient's code or link (G8); it promises nothing for inviting or
// sharing (G3).
//
// Whether it may show is the core's answer (mayShowInvitePrompt: at most 3
// per 90 days, opt-out honoured, staff never, none in a clinical moment, none
// on the day of a reward moment) on the backend's prompt history, whether this
// check-in earned a milestone, and the patient's 'referralPrompts' consent;
// this file holds no cap and no window. The backend then records the prompt and checks again on its own
// facts (the server with the same core): only a recorded prompt is shown.
// 不再提醒 is the one-tap opt-out (consent 'referralPrompts' = false), the
// same switch as in 我的 · 设置.
//
// body[data-invite-prompt] says what happened last: 'shown', 'skipped' (the
// core said no; body[data-invite-reason] has its first reason code),
// 'refused' (the backend said no), 'unavailable' (no answer, or a backend
// without prompts) — for tests and debugging.

import { PROMPT_BACKEND_METHODS, invitePromptRequest, supports } from './backend/backend.js';
import { el } from './svg.js';
import { describeError } from './lib/copy.js';

/** Let the check-in's own toast finish before anything else appears. */
const TOAST_WAIT_MAX_MS = 5_000;
const SETTLE_MS = 400;
/** "Right after the check-in": later than this (a slow or absent network), the moment has passed. */
const MOMENT_MS = 12_000;

/**
 * @param {{
 *   core: import('./core.js').Core,
 *   backend: import('./backend/backend.js').Backend,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 *   isCheckInShown: () => boolean,
 * }} deps
 */
export function createInvitePrompt({ core, backend, showToast, isCheckInShown }) {
  const available = PROMPT_BACKEND_METHODS.every((name) => supports(backend, name));
  /** @type {HTMLElement | null} */
  let sheet = null;
  /** @type {Element | null} */
  let returnFocus = null;
  let busy = false;

  function mark(outcome, reason = '') {
    document.body.dataset.invitePrompt = outcome;
    if (reason) document.body.dataset.invitePromptReason = reason;
    else delete document.body.dataset.invitePromptReason;
  }

  function build() {
    const panel = el('div', 'sheet__panel invite-sheet');
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-modal', 'true');
    panel.setAttribute('aria-labelledby', 'invite-title');
    panel.setAttribute('aria-describedby', 'invite-text');
    const grabber = el('div', 'sheet__grabber');
    grabber.setAttribute('aria-hidden', 'true');
    const icon = el('span', 'invite-sheet__icon');
    icon.setAttribute('aria-hidden', 'true');
    const title = el('h2', 'invite-sheet__title', '邀请病友一起打卡');
    title.id = 'invite-title';
    const text = el('p', 'invite-sheet__text', '康复路上有人同行，更容易坚持。身边如果也有正在康复的病友，可以把您的推荐码或邀请链接发给他，由他自己登记。');
    text.id = 'invite-text';
    const note = el('p', 'invite-sheet__note', '您无需填写朋友的任何信息。邀请与否，都不影响您的打卡和任何服务。');
    const go = el('a', 'btn btn--primary invite-sheet__go', '去邀请');
    go.id = 'invite-go';
    go.setAttribute('href', '#referral');
    go.addEventListener('click', () => close({ restoreFocus: false }));
    const later = el('button', 'btn btn--secondary', '以后再说');
    later.id = 'invite-later';
    later.type = 'button';
    later.addEventListener('click', () => close());
    const actions = el('div', 'sheet__actions invite-sheet__actions');
    actions.append(later, go);
    const stop = el('button', 'invite-sheet__stop', '不再提醒');
    stop.id = 'invite-stop';
    stop.type = 'button';
    stop.addEventListener('click', optOut);
    const backdrop = el('div', 'sheet__backdrop');
    backdrop.addEventListener('click', () => close());
    panel.append(grabber, icon, title, text, note, actions, stop);
    const root = el('div', 'sheet invite');
    root.id = 'invite-sheet';
    root.hidden = true;
    root.append(backdrop, panel);
    root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') close();
    });
    document.body.append(root);
    return root;
  }

  function open() {
    sheet ??= build();
    returnFocus = document.activeElement;
    sheet.hidden = false;
    /** @type {HTMLElement} */ (sheet.querySelector('#invite-later')).focus();
  }

  function close({ restoreFocus = true } = {}) {
    if (!sheet || sheet.hidden) return;
    sheet.hidden = true;
    if (restoreFocus && returnFocus instanceof HTMLElement) returnFocus.focus();
    returnFocus = null;
  }

  /** The one-tap opt-out (G17): the same consent as 我的 · 设置 → 邀请朋友的提醒. */
  async function optOut() {
    const stop = /** @type {HTMLButtonElement} */ (sheet.querySelector('#invite-stop'));
    if (!supports(backend, 'setConsent')) {
      close();
      return;
    }
    stop.disabled = true;
    try {
      await backend.setConsent('referralPrompts', false);
      close();
      showToast('已关闭，不会再提醒您邀请朋友。可在“我的设置”中重新开启', 'info');
    } catch (err) {
      console.warn('invite: opt-out not saved', err);
      showToast(describeError(err, '没有保存成功，请稍后再试'), 'error');
    } finally {
      stop.disabled = false;
    }
  }

  /** Resolves once the app's toast is gone (or after TOAST_WAIT_MAX_MS), then a short pause. */
  function quietMoment() {
    return new Promise((resolve) => {
      const toast = document.getElementById('toast');
      const settle = () => setTimeout(resolve, SETTLE_MS);
      if (!toast || toast.hidden) {
        settle();
        return;
      }
      const timer = setTimeout(done, TOAST_WAIT_MAX_MS);
      const observer = new MutationObserver(() => {
        if (toast.hidden) done();
      });
      observer.observe(toast, { attributes: true, attributeFilter: ['hidden'] });
      function done() {
        clearTimeout(timer);
        observer.disconnect();
        settle();
      }
    });
  }

  /**
   * When a reward reached the patient in the app: now, if this check-in
   * earned a milestone (the reward sheet is open). Vouchers the server
   * issues on its schedule reach the patient through the inbox instead.
   */
  function rewardInstants(rewarded, nowMs) {
    return rewarded ? [nowMs] : [];
  }

  /**
   * After a daily check-in the core accepted: asks the core, then the
   * backend, and shows the prompt when both allow it. Never throws.
   * @param {{rewarded?: boolean}} [moment] rewarded: this check-in earned a milestone
   */
  async function afterCheckIn({ rewarded = false } = {}) {
    if (busy) return;
    if (!available) {
      mark('unavailable');
      return;
    }
    busy = true;
    const startedAt = performance.now();
    // The patient moved on (another screen, even if back since; the app in the background): not now.
    let moved = false;
    const onMove = () => {
      moved = true;
    };
    window.addEventListener('hashchange', onMove);
    const movedOn = () => moved || !isCheckInShown() || document.visibilityState === 'hidden' || performance.now() - startedAt > MOMENT_MS;
    try {
      await quietMoment();
      if (movedOn()) {
        mark('skipped', 'shell.moved_on');
        return;
      }
      const nowMs = backend.now().nowMs;
      const [history, consents, rewardsAtMs] = await Promise.all([
        backend.getPromptHistory(),
        supports(backend, 'getConsents') ? backend.getConsents() : [],
        rewardInstants(rewarded, nowMs),
      ]);
      const envelope = core.call('mayShowInvitePrompt', {
        ...invitePromptRequest(nowMs, history.shownAtMs, consents, history.clinicalMoments ?? []),
        rewardsAtMs,
      });
      if (!envelope.ok) {
        console.warn('invite: mayShowInvitePrompt', envelope.error);
        mark('skipped', envelope.error.code);
        return;
      }
      if (!envelope.value.allowed) {
        mark('skipped', envelope.value.reasons[0]?.code ?? '');
        return;
      }
      if (movedOn()) {
        mark('skipped', 'shell.moved_on');
        return;
      }
      try {
        await backend.recordPromptShown({ moment: 'checkInDone', key: crypto.randomUUID() }, core);
      } catch (err) {
        // The backend's own answer (another device took the last place, opted out meanwhile…), or no answer.
        const answered = err && typeof err.code === 'string' && err.status >= 400 && err.status < 500;
        mark(answered ? 'refused' : 'unavailable', answered ? err.code : '');
        return;
      }
      open();
      mark('shown');
    } catch (err) {
      console.warn('invite: prompt not decided', err);
      mark('unavailable');
    } finally {
      window.removeEventListener('hashchange', onMove);
      busy = false;
    }
  }

  return Object.freeze({ afterCheckIn, close });
}
