// CareCircle web shell — 病友故事 (#stories): the approved stories of the
// patient's community, reached from the 打卡 screen.
//
// Thin by design (docs/product-rules.md): which stories a patient may read, their order,
// the page size and every author label (already masked, 王*) are the
// backend's answer (getCommunityStories); this file shows them as they come.
// Story text is other patients' words: it goes in through textContent only,
// and nothing here is a link.
//
// G12: the screen carries the stories and nothing else — no booking link,
// price, coupon, referral code, QR or invite prompt on it or next to it (the
// seeds put stories next to booking codes; CareCircle does not). That is why
// the stories have a screen of their own rather than a card on 打卡, whose
// rewards list and voucher progress are coupons and after whose check-ins
// the invite prompt appears. The invite prompt shows on 打卡 only.
//
// Not being a member of a community never blocks anything (G9): the screen
// then says how to read the stories, and the other screens are unchanged.
// Nothing is kept on the device (G19): each visit reads the stories again.

import { COMMUNITY_STORY_METHODS, supports } from './backend/backend.js';
import { el } from './svg.js';
import { describeError, formatDay } from './lib/copy.js';

/** Lines of a story shown before 展开 (presentation only; the CSS line clamp matches it). */
const FOLDED_LINES = 4;

const OFFLINE_CODES = new Set(['network.unavailable', 'network.timeout']);

/** The approval date of a story as the screen shows it, as every screen writes days (tests compare with it). */
export function approvedDayLabel(approvedAtMs) {
  return formatDay(approvedAtMs);
}

/**
 * @param {{
 *   backend: import('./backend/backend.js').Backend,
 *   profile: import('./backend/backend.js').Profile,
 * }} deps
 */
export function createCommunityStories({ backend, profile }) {
  const root = /** @type {HTMLElement} */ (document.getElementById('view-stories'));
  const available = COMMUNITY_STORY_METHODS.every((name) => supports(backend, name));
  /** Bumped by every first-page load: a late reply of an older load is dropped. */
  let generation = 0;
  /** @type {string | undefined} */
  let nextCursor;
  let shown = 0;
  let loadingMore = false;
  let counter = 0;
  const ui = build();

  // ------------------------------------------------------------ build (once)

  function build() {
    const head = el('section', 'card stories-head');
    head.setAttribute('aria-labelledby', 'stories-title');
    const back = el('a', 'stories-back');
    back.setAttribute('href', '#checkin');
    back.setAttribute('aria-label', '返回打卡');
    const backIcon = el('span', 'stories-back__icon');
    backIcon.setAttribute('aria-hidden', 'true');
    back.append(backIcon);
    const icon = el('span', 'stories-head__icon');
    icon.setAttribute('aria-hidden', 'true');
    const text = el('div', 'stories-head__text');
    const title = el('h2', 'stories-head__title', '病友故事');
    title.id = 'stories-title';
    // The community's name is the header's title already (and its 演示数据 badge).
    text.append(title, el('p', 'stories-head__sub', '同社群病友的康复日常，经医院审核'));
    head.append(back, icon, text);

    const status = el('p', 'wallet-note stories-status', '正在读取病友故事…');
    status.id = 'stories-status';
    status.setAttribute('aria-live', 'polite');

    const empty = el('section', 'card stories-empty');
    empty.id = 'stories-empty';
    empty.setAttribute('aria-labelledby', 'stories-empty-title');
    empty.hidden = true;
    const emptyIcon = el('span', 'stories-empty__icon');
    emptyIcon.setAttribute('aria-hidden', 'true');
    const emptyTitle = el('h3', 'stories-empty__title');
    emptyTitle.id = 'stories-empty-title';
    const emptyText = el('p', 'stories-empty__text');
    const retry = el('button', 'btn btn--secondary btn--small stories-empty__retry', '重试');
    retry.id = 'stories-retry';
    retry.type = 'button';
    retry.addEventListener('click', () => refresh());
    empty.append(emptyIcon, emptyTitle, emptyText, retry);

    const list = el('ol', 'stories-list');
    list.id = 'stories-list';
    list.setAttribute('aria-labelledby', 'stories-title');

    const more = el('button', 'btn btn--secondary btn--block stories-more', '加载更多');
    more.id = 'stories-more';
    more.type = 'button';
    more.hidden = true;
    more.addEventListener('click', () => loadMore());
    const moreNote = el('p', 'stories-more-note');
    moreNote.id = 'stories-more-note';
    moreNote.setAttribute('aria-live', 'polite');
    moreNote.hidden = true;

    const footer = el('footer', 'footer');
    footer.append(el('p', '', '故事由病友自愿分享，经医院审核、隐去姓名后展示，仅代表个人经历，不构成诊疗建议。'));
    if (profile.demo) footer.append(el('p', '', '演示数据为虚构，不涉及真实患者。'));

    // 病友故事官: the month's call for stories and the story of the month (filled by loadMonth).
    const month = el('section', 'card stories-month');
    month.id = 'stories-month';
    month.setAttribute('aria-label', '病友故事官');
    month.hidden = true;

    root.replaceChildren(head, month, status, empty, list, more, moreNote, footer);
    return { status, empty, emptyTitle, emptyText, retry, list, more, moreNote, month };
  }

  // ------------------------------------------------------------ render

  /** One story: masked author, date, title and its words (collapsed to a few lines, 展开). */
  function storyItem(story) {
    counter += 1;
    const textId = `story-text-${counter}`;
    const titleId = `story-title-${counter}`;
    const li = el('li', `card story${story.mine ? ' story--mine' : ''}`);
    li.dataset.storyId = story.id;
    li.dataset.mine = String(story.mine === true);
    const article = el('article', 'story__body');
    article.setAttribute('aria-labelledby', titleId);

    const meta = el('div', 'story__meta');
    // The avatar is the label's first visible character (王* → 王): decoration only.
    const glyph = [...String(story.author).split(/\s+/).pop()].find((ch) => ch !== '*') ?? '友';
    const avatar = el('span', 'story__avatar', glyph);
    avatar.setAttribute('aria-hidden', 'true');
    const who = el('p', 'story__who');
    who.append(el('span', 'story__author', story.author), el('span', 'story__date', approvedDayLabel(story.approvedAtMs)));
    meta.append(avatar, who);
    if (story.mine) meta.append(el('span', 'chip story__mine', '我的故事'));

    const title = el('h3', 'story__title', story.title);
    title.id = titleId;
    const text = el('p', 'story__text is-folded', story.story);
    text.id = textId;
    text.style.setProperty('--story-lines', String(FOLDED_LINES));
    const toggle = el('button', 'story__toggle', '展开');
    toggle.type = 'button';
    toggle.setAttribute('aria-expanded', 'false');
    toggle.setAttribute('aria-controls', textId);
    toggle.hidden = true;
    toggle.addEventListener('click', () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      text.classList.toggle('is-folded', !open);
      toggle.setAttribute('aria-expanded', String(open));
      toggle.textContent = open ? '收起' : '展开';
    });
    article.append(meta, title, text, toggle);
    li.append(article);
    return li;
  }

  /** 展开 only where the words do not fit the folded lines (measured once laid out). */
  function fitToggles(items) {
    requestAnimationFrame(() => {
      for (const li of items) {
        const text = /** @type {HTMLElement} */ (li.querySelector('.story__text'));
        const toggle = /** @type {HTMLElement} */ (li.querySelector('.story__toggle'));
        if (!text || !toggle || toggle.getAttribute('aria-expanded') === 'true') continue;
        // Not laid out (the screen was left meanwhile): keep the fold, offer 展开.
        const overflows = text.clientHeight === 0 || text.scrollHeight > text.clientHeight + 1;
        toggle.hidden = !overflows;
        if (!overflows) text.classList.remove('is-folded');
      }
    });
  }

  function append(stories) {
    const items = stories.map(storyItem);
    ui.list.append(...items);
    shown += stories.length;
    fitToggles(items);
  }

  function renderMore() {
    ui.more.hidden = nextCursor === undefined;
    ui.more.disabled = loadingMore;
    ui.more.textContent = loadingMore ? '正在加载…' : '加载更多';
    if (nextCursor === undefined && shown > 0) {
      ui.moreNote.hidden = false;
      ui.moreNote.classList.remove('is-error');
      ui.moreNote.textContent = `已显示全部 ${shown} 篇`;
    }
  }

  /**
   * The whole screen in one state: 'loading', 'ready', 'empty' (no story
   * yet), 'not-member', 'offline', 'error' or 'unavailable'.
   */
  function setState(state, { title = '', text = '', retry = false } = {}) {
    root.dataset.state = state;
    // body[data-stories]: the screen's outcome once it has one (tests wait for it).
    if (state === 'loading') delete document.body.dataset.stories;
    else document.body.dataset.stories = state;
    ui.status.hidden = state !== 'loading';
    const blank = state !== 'loading' && state !== 'ready';
    ui.empty.hidden = !blank;
    ui.empty.dataset.kind = state;
    ui.emptyTitle.textContent = title;
    ui.emptyText.textContent = text;
    ui.retry.hidden = !retry;
    ui.list.hidden = state !== 'ready';
  }

  function showFailure(error) {
    const code = error && typeof error === 'object' ? String(error.code ?? '') : '';
    const message = describeError(error, '');
    if (code === 'community.not_member') {
      setState('not-member', {
        title: message || '加入病友社群后可以阅读病友故事',
        text: '病友故事只在同一病友社群内分享。加入与否，都不影响您的打卡、就诊和任何服务。',
      });
    } else if (code === 'community.consent_withdrawn') {
      // G9: the patient withdrew 加入病种社群; a reason, not an error to retry.
      setState('not-member', {
        title: message || '您已退出病友社群互动',
        text: '在「设置」里重新同意「加入病种社群」后可以阅读。同意与否，都不影响您的打卡、就诊和任何服务。',
      });
    } else if (OFFLINE_CODES.has(code)) {
      setState('offline', { title: '现在没有网络', text: '联网后可以阅读病友故事。', retry: true });
    } else {
      setState('error', { title: '病友故事暂时无法读取', text: message || '请稍后再试。', retry: true });
    }
  }

  // ------------------------------------------------------------ loading

  async function loadFirst() {
    const mine = ++generation;
    nextCursor = undefined;
    loadingMore = false;
    shown = 0;
    ui.list.replaceChildren();
    ui.more.hidden = true;
    ui.moreNote.hidden = true;
    if (!available) {
      setState('unavailable', { title: '这里暂时不能阅读病友故事', text: '当前服务不支持病友故事。打卡、就诊和券包不受影响。' });
      return;
    }
    setState('loading');
    let page;
    try {
      page = await backend.getCommunityStories({});
    } catch (error) {
      if (mine !== generation) return;
      showFailure(error);
      if (!(error && typeof error === 'object' && error.code === 'community.not_member')) console.warn('community stories not loaded', error);
      return;
    }
    if (mine !== generation) return;
    if (page.stories.length === 0) {
      setState('empty', { title: '社群里还没有病友故事', text: '病友分享的康复故事经医院审核后，会出现在这里。' });
      return;
    }
    nextCursor = page.nextCursor;
    setState('ready');
    append(page.stories);
    renderMore();
  }

  async function loadMore() {
    if (loadingMore || nextCursor === undefined) return;
    const mine = generation;
    loadingMore = true;
    ui.moreNote.hidden = true;
    renderMore();
    try {
      const page = await backend.getCommunityStories({ before: nextCursor });
      if (mine !== generation) return;
      nextCursor = page.nextCursor;
      append(page.stories);
    } catch (error) {
      if (mine !== generation) return;
      const code = error && typeof error === 'object' ? String(error.code ?? '') : '';
      ui.moreNote.hidden = false;
      ui.moreNote.classList.add('is-error');
      ui.moreNote.textContent = OFFLINE_CODES.has(code)
        ? '现在没有网络，联网后再点「加载更多」。'
        : `没有加载成功：${describeError(error, '请稍后再试')}`;
    } finally {
      if (mine === generation) {
        loadingMore = false;
        renderMore();
      }
    }
  }

  /**
   * 病友故事官: the month's call for stories (theme and invitation, staff's
   * words checked by the core) and the latest story of the month with its
   * 故事官. Stories and the call only: no link, code or offer (G12). Optional:
   * a backend without it, or a failed read, leaves the card hidden.
   */
  async function loadMonth() {
    const card = ui.month;
    if (typeof backend.getStoryMonth !== 'function') return;
    let value;
    try {
      value = await backend.getStoryMonth();
    } catch (error) {
      card.hidden = true;
      return;
    }
    const parts = [];
    if (value.call) {
      parts.push(
        el('h3', 'stories-month__title', `本月故事征集：${value.call.theme}`),
        el('p', 'stories-month__text', value.call.invitation),
        el('p', 'stories-month__hint', '在「推荐海报 › 病友故事官」写下您的故事，经医院审核后展示；每月评选一篇月度故事，作者获得「故事官」荣誉勋章。'),
      );
    }
    if (value.pick) {
      const [y, m] = value.pick.month.split('-');
      const pick = el('article', 'stories-month__pick');
      pick.dataset.month = value.pick.month;
      pick.append(
        el('p', 'stories-month__badge', `${Number(y)}年${Number(m)}月 月度故事 · 故事官 ${value.pick.author}`),
        el('h3', 'story__title', value.pick.title),
        el('p', 'story__text', value.pick.story),
      );
      parts.push(pick);
    }
    card.replaceChildren(...parts);
    card.hidden = parts.length === 0;
  }

  /** Reads the first page again (each time the screen is shown). */
  function refresh() {
    loadMonth().catch((error) => console.warn('story of the month not loaded', error));
    return loadFirst().catch((error) => {
      console.warn('community stories failed', error);
      showFailure(error);
    });
  }

  return Object.freeze({ refresh });
}
