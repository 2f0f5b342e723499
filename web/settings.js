// CareCircle web shell — 我的 · 设置: consents per purpose (G9),
// the referral-prompt opt-out (G17) and logout that wipes the device (G19).
//
// Thin by design (docs/product-rules.md):
//   - the consents are what the backend stores (getConsents / setConsent);
//     a purpose never answered is shown as not given, nothing is filled in;
//   - whether an "invite a friend" prompt may be shown is the core's answer
//     (mayShowInvitePrompt), shown verbatim;
//   - nothing here gates care: no other screen reads a consent, so refusing
//     or withdrawing one never blocks a check-in, a voucher or a visit.
// Nothing goes to localStorage or into a URL (G19); text goes in through
// textContent only.
//
// The screen is built once, into <main id="view-settings">, and refreshed
// each time it is shown.

import { CONSENT_BACKEND_METHODS, invitePromptRequest, supports } from './backend/backend.js';
import { el } from './svg.js';
import { describeError } from './lib/copy.js';

/** What each consent is for, in the patient's words. Labels only: no rule. */
const CONSENTS = Object.freeze([
  {
    purpose: 'community',
    title: '加入病种社群',
    description: '在病友社群里阅读病友故事，并计入社群成员。撤回后不再阅读病友故事，您通过审核的故事从病友故事中下线，社群统计不再计入您；打卡和就诊照常。',
  },
  {
    purpose: 'rehabData',
    title: '康复数据用于随访',
    description: '允许医院保存您的打卡记录，供康复团队随访和调整康复计划。撤回后医院不再保存您新的打卡，打卡照常；已保存的打卡记录可以删除。',
  },
  {
    purpose: 'stories',
    title: '发布病友故事',
    description: '您提交的故事经审核、隐去姓名后才会发布到社群。撤回后不再发布，已发布的下线。',
  },
  {
    purpose: 'shareProgressWithReferrer',
    title: '向推荐我的朋友分享进度',
    description: '推荐您来的朋友可以看到您是否已到院、已就诊（不含病情和科室）。不同意时，对方只看到“已接受邀请”“奖励已发放”。',
  },
]);

const PROMPTS = Object.freeze({
  purpose: 'referralPrompts',
  title: '邀请朋友的提醒',
  description: '关闭后不再提醒您邀请朋友，直到您自己重新打开。',
});

/** After logout: the app from its start (打卡), without the #settings hash; the URL carries nothing personal. */
function startOver() {
  location.replace(`${location.pathname}${location.search}`);
}

/**
 * @param {{
 *   core: import('./core.js').Core,
 *   backend: import('./backend/backend.js').Backend & {pendingMutations?: () => Promise<number>},
 *   profile: import('./backend/backend.js').Profile,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 *   openSheet: (sheet: {title: string, body: string, confirmLabel: string, onConfirm: () => void, onCancel?: () => void, danger?: boolean}) => void,
 *   afterWipe?: () => void,
 * }} deps
 */
export function createSettings({ core, backend, profile, showToast, openSheet, afterWipe = startOver }) {
  const root = /** @type {HTMLElement} */ (document.getElementById('view-settings'));
  const available = CONSENT_BACKEND_METHODS.every((name) => supports(backend, name));
  /** @type {Map<string, {input: HTMLInputElement, state: HTMLElement}>} */
  const rows = new Map();
  /** @type {Map<string, import('./backend/backend.js').Consent>} */
  let consents = new Map();
  /** The prompts already shown (mayShowInvitePrompt's shownAtMs), where the backend keeps them; [] otherwise. */
  let promptsShown = [];
  let inflight = null;
  let wiping = false;
  const parts = build();

  // ------------------------------------------------------------ build (once)

  function build() {
    const head = el('section', 'card set-head');
    head.setAttribute('aria-labelledby', 'settings-title');
    const headRow = el('div', 'set-head__row');
    const avatar = el('span', 'set-head__avatar');
    avatar.setAttribute('aria-hidden', 'true');
    const headText = el('div', 'set-head__text');
    const title = el('h2', 'set-head__title', '我的设置');
    title.id = 'settings-title';
    headText.append(title, el('p', 'set-head__sub', profile.displayName));
    headRow.append(avatar, headText);
    head.append(headRow);

    const consentCard = card('set-consents-title', '我的授权', '可随时撤回');
    consentCard.append(el('p', 'set-note', '每一项单独授权，随时可以撤回。不同意任何一项，都不影响康复打卡、就诊和使用券包。'));
    const consentError = el('p', 'set-error');
    consentError.setAttribute('role', 'alert');
    consentError.hidden = true;
    const list = el('ul', 'set-list');
    for (const item of CONSENTS) list.append(row(item));
    consentCard.append(consentError, list);

    const promptCard = card('set-prompts-title', '推荐提醒');
    const promptList = el('ul', 'set-list');
    promptList.append(row(PROMPTS));
    promptCard.append(promptList);

    const dataCard = card('set-data-title', '本机数据');
    dataCard.append(
      el('p', 'set-note', '本机只保存打卡记录、授权设置和等待同步的操作，不保存诊断、科室或故事草稿。退出登录时全部清除。'),
    );
    const pending = el('p', 'set-pending');
    pending.setAttribute('aria-live', 'polite');
    pending.hidden = true;
    const logout = el('button', 'btn btn--danger btn--block set-logout');
    logout.type = 'button';
    logout.id = 'logout-btn';
    const icon = el('span', 'set-logout__icon');
    icon.setAttribute('aria-hidden', 'true');
    logout.append(icon, el('span', '', '退出登录并清除本机数据'));
    logout.addEventListener('click', () => confirmLogout());
    dataCard.append(pending, logout);

    const footer = el('footer', 'footer');
    footer.append(el('p', '', '每次同意或撤回都会记录时间；您的信息只用于您同意的用途。'));

    root.replaceChildren(head, consentCard, promptCard, dataCard, footer);
    return { consentError, pending, logout };
  }

  function card(titleId, titleText, asideText) {
    const section = el('section', 'card set-card');
    section.setAttribute('aria-labelledby', titleId);
    const head = el('div', 'section-head');
    const title = el('h2', 'section-head__title', titleText);
    title.id = titleId;
    head.append(title);
    if (asideText) head.append(el('span', 'section-head__aside', asideText));
    section.append(head);
    return section;
  }

  /** One purpose: title, what it means, its current state, and a switch. */
  function row({ purpose, title, description }) {
    const id = `consent-${purpose}`;
    const li = el('li', 'set-item');
    li.dataset.purpose = purpose;
    const label = el('label', 'set-item__label');
    label.htmlFor = id;
    const text = el('span', 'set-item__text');
    const name = el('span', 'set-item__title', title);
    name.id = `${id}-title`;
    const desc = el('span', 'set-item__desc', description);
    desc.id = `${id}-desc`;
    const state = el('span', 'set-item__state');
    state.id = `${id}-state`;
    text.append(name, desc, state);
    const input = /** @type {HTMLInputElement} */ (el('input', 'switch'));
    input.type = 'checkbox';
    input.id = id;
    input.setAttribute('role', 'switch');
    input.setAttribute('aria-labelledby', name.id);
    input.setAttribute('aria-describedby', `${desc.id} ${state.id}`);
    input.disabled = true;
    input.addEventListener('change', () => (purpose === 'stories' && !input.checked ? confirmStoriesWithdrawal() : answer(purpose, input.checked)));
    label.append(text, input);
    li.append(label);
    rows.set(purpose, { input, state });
    if (purpose === 'rehabData') li.append(deleteCheckInsButton());
    return li;
  }

  /** G9: shown once 'rehabData' is withdrawn, where the backend can delete the stored check-ins. */
  function deleteCheckInsButton() {
    const button = el('button', 'btn btn--danger btn--block set-delete-checkins', '删除医院保存的打卡记录');
    button.type = 'button';
    button.id = 'delete-checkins-btn';
    button.hidden = true;
    button.addEventListener('click', () =>
      openSheet({
        title: '删除医院保存的打卡记录？',
        body: '将删除医院保存的您的全部康复打卡记录（每天打卡的日期和时间）。已经获得的券和奖励不受影响；删除后不能恢复。',
        confirmLabel: '删除打卡记录',
        danger: true,
        onConfirm: async () => {
          button.disabled = true;
          try {
            const { deleted } = await backend.deleteCheckIns();
            showToast(deleted > 0 ? `已删除${deleted}条打卡记录` : '医院没有保存您的打卡记录', 'info');
          } catch (err) {
            showToast(describeError(err, '没有删除成功，请稍后再试'), 'error');
            console.warn('check-ins not deleted', err);
          } finally {
            button.disabled = false;
          }
        },
      }),
    );
    return button;
  }

  // ------------------------------------------------------------ render

  function renderConsents() {
    for (const { purpose } of CONSENTS) {
      const { input, state } = rows.get(purpose);
      const consent = consents.get(purpose);
      input.checked = consent?.granted === true;
      input.disabled = !available;
      state.textContent = consent?.granted ? '已同意' : consent ? '已撤回' : '未同意';
      if (consent?.pending) state.textContent += ' · 待同步';
      state.classList.toggle('is-on', consent?.granted === true);
    }
    const deleteButton = root.querySelector('#delete-checkins-btn');
    if (deleteButton) deleteButton.hidden = !(consents.get('rehabData')?.granted === false && supports(backend, 'deleteCheckIns'));
    renderPrompts();
  }

  // G17: `granted: false` is the opt-out; never answered, the core's own
  // default applies (no optedOut key is sent).
  function renderPrompts() {
    const { input, state } = rows.get(PROMPTS.purpose);
    const consent = consents.get(PROMPTS.purpose);
    const optedOut = consent?.granted === false;
    input.checked = !optedOut;
    input.disabled = !available;
    const envelope = core.call('mayShowInvitePrompt', invitePromptRequest(backend.now().nowMs, promptsShown, consents.values()));
    let text;
    if (!envelope.ok) text = describeError(envelope.error);
    else if (envelope.value.allowed) text = `已开启 · 近期最多还会提醒 ${envelope.value.remainingInWindow} 次`;
    else text = envelope.value.reasons.map((r) => describeError(r, '暂不提醒')).join('；');
    if (consent?.pending) text += ' · 待同步';
    state.textContent = text;
    state.classList.toggle('is-on', !optedOut);
  }

  async function renderPending() {
    if (typeof backend.pendingMutations !== 'function') {
      parts.pending.hidden = true;
      return 0;
    }
    const n = await backend.pendingMutations().catch(() => 0);
    parts.pending.hidden = false;
    parts.pending.textContent = n > 0 ? `有 ${n} 条记录等待同步到服务器` : '所有记录都已同步到服务器';
    parts.pending.classList.toggle('is-warning', n > 0);
    return n;
  }

  // ------------------------------------------------------------ actions

  async function load() {
    await renderPending();
    if (!available) {
      showError('当前服务暂不支持在这里管理授权，请联系医院。打卡和就诊不受影响。');
      renderConsents();
      return false;
    }
    try {
      // The prompt history only refines the text under 邀请朋友的提醒: never waited on for long, never an error.
      const history = supports(backend, 'getPromptHistory')
        ? backend.getPromptHistory().then((h) => h.shownAtMs, () => promptsShown)
        : Promise.resolve(promptsShown);
      const list = await backend.getConsents();
      consents = new Map(list.map((c) => [c.purpose, c]));
      promptsShown = await history;
      parts.consentError.hidden = true;
    } catch (err) {
      showError('授权设置暂时无法读取，请联网后再试。打卡和就诊不受影响。');
      console.warn('consents not loaded', err);
      renderConsents();
      for (const { input } of rows.values()) input.disabled = true;
      return false;
    }
    renderConsents();
    document.body.dataset.settings = 'ready';
    return true;
  }

  function showError(message) {
    parts.consentError.textContent = message;
    parts.consentError.hidden = false;
  }

  /** Grants or withdraws one purpose; the switch stays where the patient put it once stored. */
  async function answer(purpose, checked) {
    const { input } = rows.get(purpose);
    const granted = checked;
    input.disabled = true;
    try {
      const consent = await backend.setConsent(purpose, granted);
      consents.set(purpose, consent);
      const title = [...CONSENTS, PROMPTS].find((c) => c.purpose === purpose).title;
      if (purpose === PROMPTS.purpose) showToast(granted ? '已重新开启邀请朋友的提醒' : '已关闭，不会再提醒您邀请朋友', 'info');
      else showToast(granted ? `已同意「${title}」` : `已撤回「${title}」`, 'info');
    } catch (err) {
      input.checked = !checked;
      showToast(describeError(err, '没有保存成功，请稍后再试'), 'error');
      console.warn('consent not saved', err);
    } finally {
      renderConsents();
      renderPending();
    }
  }

  /**
   * Withdrawing the stories consent removes the patient's stories (G9): a
   * pending one is withdrawn and its words deleted, an approved one taken
   * down. The sheet names each before anything happens; cancelled, the
   * switch goes back on.
   */
  async function confirmStoriesWithdrawal() {
    const { input } = rows.get('stories');
    let live = [];
    if (supports(backend, 'getMyStories')) {
      input.disabled = true;
      try {
        live = (await backend.getMyStories()).filter((s) => ['queued', 'pending', 'approved'].includes(s.status) && s.title !== undefined);
      } catch (err) {
        console.warn('my stories not read before the withdrawal', err);
      } finally {
        input.disabled = !available;
      }
    }
    if (live.length === 0) {
      answer('stories', false);
      return;
    }
    const named = (list) => list.map((s) => `《${s.title}》`).join('、');
    const waiting = live.filter((s) => s.status !== 'approved');
    const published = live.filter((s) => s.status === 'approved');
    const parts = [];
    if (waiting.length) parts.push(`等待审核的故事${named(waiting)}将被删除，不会发布`);
    if (published.length) parts.push(`已发布的故事${named(published)}将下线，内容删除`);
    openSheet({
      title: '撤回「发布病友故事」？',
      body: `撤回后，${parts.join('；')}。打卡、就诊和券包不受影响。`,
      confirmLabel: waiting.length && !published.length ? '撤回并删除故事' : '撤回并删除',
      danger: true,
      onConfirm: () => answer('stories', false),
      onCancel: () => {
        input.checked = true;
      },
    });
  }

  async function confirmLogout() {
    if (wiping) return;
    const pending = await renderPending();
    const body =
      pending > 0
        ? `还有 ${pending} 条记录没有同步到服务器，清除后将永久丢失。建议联网同步后再退出。确定现在退出并清除吗？`
        : profile.demo
          ? '将删除本机浏览器里保存的打卡记录、授权设置和奖励，演示数据会重新生成。'
          : '将删除本机保存的打卡记录、授权设置和等待同步的数据。服务器上的记录不受影响。';
    openSheet({
      title: pending > 0 ? `有 ${pending} 条记录还没同步` : '退出登录并清除本机数据？',
      body,
      confirmLabel: pending > 0 ? '仍然清除' : '清除并退出',
      danger: true,
      onConfirm: async () => {
        wiping = true;
        parts.logout.disabled = true;
        try {
          await backend.wipe();
        } finally {
          afterWipe();
        }
      },
    });
  }

  /** Re-reads the consents and the pending count (each time the screen is shown). */
  function refresh() {
    if (!inflight) {
      inflight = load()
        .catch((err) => {
          console.warn('settings refresh failed', err);
          return false;
        })
        .finally(() => {
          inflight = null;
        });
    }
    return inflight;
  }

  return Object.freeze({ refresh });
}
