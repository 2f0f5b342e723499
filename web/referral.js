// CareCircle web shell — the patient's referral centre (推荐, 我的推荐树).
//
// Thin by design (docs/product-rules.md): who counts at which level, what a friend's stage
// is called, whether the patient may see it (G7), how a name is masked (G6),
// the progress of each bar, the feed's wording and every node position are
// myReferralTree's reply (docs/api/referral.md), drawn as it is. This file
// only turns the reply into SVG (tree mode) or an indented list (list mode),
// and opens a sheet when a friend is tapped. All text goes in through
// textContent; nothing is built from an HTML string.

import { supports } from './backend/backend.js';
import { el, svg } from './svg.js';
import { describeError, formatDay } from './lib/copy.js';

// Card size inside one layout slot of the core (nodeWidth × levelHeight).
const CARD_GAP = 10;
const CARD_HEIGHT = 62;
const PAD = 16;
/** Feed items shown before 查看全部 (presentation only). */
const FEED_FOLDED = 6;

/** CSS class of a friend's stage (detailed stages only; "private" otherwise). Labels come from the core. */
const STAGE_CLASSES = new Set(['invited', 'registered', 'arrived', 'converted', 'vested', 'lapsed', 'voided', 'private']);

/**
 * @param {{
 *   core: import('./core.js').Core,
 *   backend: import('./backend/backend.js').Backend,
 *   profile: import('./backend/backend.js').Profile,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 * }} deps
 */
export function createReferral({ core, backend, profile, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  /** @type {'tree' | 'list'} */
  let mode = 'tree';
  let reply = null;
  let inflight = null;
  let centred = false;
  let feedOpen = false;
  let sheetReturnFocus = null;

  async function evaluate() {
    if (!supports(backend, 'getReferralGraph')) throw new Error('当前服务暂不支持推荐树');
    const inputs = await backend.getReferralGraph();
    const { nowMs } = backend.now();
    const tree = core.call('myReferralTree', { nowMs, patientId: profile.patientId, ...inputs });
    // The same records through the graph check: what the core left out, and why.
    const analysis = core.call('analyzeReferrals', { nowMs, ...inputs });
    return { tree, analysis };
  }

  async function run() {
    const { tree, analysis } = await evaluate();
    if (!tree.ok) {
      showToast(describeError(tree.error), 'error');
      if (!reply) showError(describeError(tree.error));
      return false;
    }
    reply = tree.value;
    render(reply, analysis.ok ? analysis.value : null);
    return true;
  }

  function refresh() {
    if (!inflight) {
      inflight = run()
        .catch((err) => {
          const message = describeError(err, '推荐树暂时无法显示，请稍后再试');
          showToast(message, 'error');
          if (!reply) showError(message);
          console.warn('referral refresh failed', err);
          return false;
        })
        .finally(() => {
          inflight = null;
        });
    }
    return inflight;
  }

  function showError(message) {
    $('ref-loading').hidden = true;
    $('ref-error').textContent = message;
    $('ref-error').hidden = false;
  }

  // ------------------------------------------------------------ render

  function render(value, analysis) {
    $('ref-loading').hidden = true;
    $('ref-error').hidden = true;
    $('ref-level1').textContent = String(value.counts.level1);
    $('ref-level2').textContent = String(value.counts.level2);
    $('ref-level3').textContent = String(value.counts.level3);
    $('ref-tree-card').hidden = false;
    // Every count on this screen is the core's, worded once (summary, indirectText).
    $('ref-tree-aside').textContent = value.summary.directText;
    $('ref-indirect').textContent = value.summary.indirectText;
    // One referrer per patient: whoever already has one has no code to fill in.
    const entry = document.getElementById('join-entry');
    if (entry) entry.hidden = value.summary.hasReferrer;
    document.body.dataset.hasReferrer = String(value.summary.hasReferrer);
    renderTree(value);
    renderList(value);
    setMode(mode);
    renderFeed(value.feed);
    renderIssues(analysis);
    document.body.dataset.referral = 'ready';
  }

  /**
   * Friend of each node: nodes and friends[] are both in first-touch order
   * (docs/api/referral.md), so the n-th "friend" node is friends[n].
   */
  function friendOfNodes(value) {
    const map = new Map();
    let n = 0;
    value.tree.nodes.forEach((node, i) => {
      if (node.kind === 'friend') map.set(i, value.friends[n++]);
    });
    return map;
  }

  function stageClass(friend) {
    const stage = friend ? friend.stage : '';
    return STAGE_CLASSES.has(stage) ? stage : 'private';
  }

  function renderTree(value) {
    const { nodes, minX, maxX, height, nodeWidth } = value.tree;
    const friends = friendOfNodes(value);
    const cardWidth = Math.max(40, nodeWidth - CARD_GAP);
    const left = minX - nodeWidth / 2 - PAD;
    const width = maxX - minX + nodeWidth + 2 * PAD;
    const total = height + CARD_HEIGHT + 2 * PAD;
    const root = /** @type {SVGSVGElement} */ ($('ref-tree-svg'));
    root.setAttribute('viewBox', `${left} ${-PAD} ${width} ${total}`);
    root.setAttribute('width', String(width));
    root.setAttribute('height', String(total));
    // The drawn size follows the reader's text size (styles.css): boxes and words grow together.
    root.style.setProperty('--tree-w', String(width));
    root.style.setProperty('--tree-h', String(total));

    const edges = svg('g', { class: 'rt-edges' });
    const cards = svg('g', { class: 'rt-nodes' });
    nodes.forEach((node, i) => {
      if (node.edgeFrom) {
        const fromY = node.edgeFrom.y + CARD_HEIGHT;
        const mid = (fromY + node.y) / 2;
        edges.append(
          svg('path', {
            class: `rt-edge rt-edge--${node.kind}`,
            d: `M${node.edgeFrom.x},${fromY} C${node.edgeFrom.x},${mid} ${node.x},${mid} ${node.x},${node.y}`,
          }),
        );
      }
      cards.append(card(node, friends.get(i), cardWidth));
    });
    root.replaceChildren(edges, cards);
    root.setAttribute('aria-label', `推荐树：${value.summary.directText}，${value.summary.indirectText}`);

    if (!centred) {
      // Start with 我 in the middle of the card.
      centred = true;
      requestAnimationFrame(() => {
        const scroller = $('ref-tree-scroll');
        scroller.scrollLeft = Math.max(0, -left - scroller.clientWidth / 2);
      });
    }
  }

  function card(node, friend, cardWidth) {
    const x = node.x - cardWidth / 2;
    const g = svg('g', { class: `rt-node rt-node--${node.kind}`, 'data-key': node.key });
    g.append(svg('rect', { class: 'rt-card', x, y: node.y, width: cardWidth, height: CARD_HEIGHT, rx: 14 }));
    if (node.kind === 'friend') {
      g.classList.add(`rt-node--${stageClass(friend)}`);
      g.setAttribute('role', 'button');
      g.setAttribute('tabindex', '0');
      g.setAttribute('aria-label', `${node.label}，${node.sublabel}，进度${node.progressPercent}%`);
      g.append(
        svg('text', { class: 'rt-label', x: node.x, y: node.y + 22 }, node.label),
        svg('text', { class: 'rt-sublabel', x: node.x, y: node.y + 39 }, node.sublabel),
      );
      const barWidth = cardWidth - 18;
      g.append(
        svg('rect', { class: 'rt-bar', x: x + 9, y: node.y + 48, width: barWidth, height: 5, rx: 2.5 }),
        svg('rect', {
          class: 'rt-bar-fill',
          x: x + 9,
          y: node.y + 48,
          width: (barWidth * node.progressPercent) / 100,
          height: 5,
          rx: 2.5,
        }),
      );
      const open = () => openFriend(friend, node);
      g.addEventListener('click', open);
      g.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open();
        }
      });
    } else {
      g.append(
        svg('text', { class: 'rt-label', x: node.x, y: node.y + 27 }, node.label),
        svg('text', { class: 'rt-sublabel', x: node.x, y: node.y + 45 }, node.sublabel),
      );
    }
    g.dataset.label = node.label;
    return g;
  }

  function renderList(value) {
    const friends = friendOfNodes(value);
    $('ref-list').replaceChildren(
      ...value.tree.nodes.map((node, i) => {
        const li = el('li', `ref-row ref-row--${node.kind}`);
        li.dataset.key = node.key;
        li.dataset.depth = String(node.depth);
        li.style.setProperty('--depth', String(node.depth));
        const friend = friends.get(i);
        const body = el(node.kind === 'friend' ? 'button' : 'div', 'ref-row__body');
        if (node.kind === 'friend') {
          body.setAttribute('type', 'button');
          body.classList.add(`ref-row__body--${stageClass(friend)}`);
          body.addEventListener('click', () => openFriend(friend, node));
        }
        const text = el('span', 'ref-row__text');
        text.append(el('span', 'ref-row__label', node.label), el('span', 'ref-row__sublabel', node.sublabel));
        body.append(el('span', 'ref-row__mark'), text);
        body.firstChild.setAttribute('aria-hidden', 'true');
        if (node.kind === 'friend') {
          const bar = el('span', 'ref-row__bar');
          bar.setAttribute('role', 'progressbar');
          bar.setAttribute('aria-valuemin', '0');
          bar.setAttribute('aria-valuemax', '100');
          bar.setAttribute('aria-valuenow', String(node.progressPercent));
          bar.setAttribute('aria-label', `${node.label}的进度`);
          bar.style.setProperty('--progress', String(node.progressPercent / 100));
          bar.append(el('span', 'ref-row__bar-fill'));
          body.append(bar);
        }
        li.append(body);
        return li;
      }),
    );
  }

  function setMode(next) {
    mode = next;
    $('ref-tree-scroll').hidden = mode !== 'tree';
    $('ref-list').hidden = mode !== 'list';
    $('ref-mode-tree').setAttribute('aria-pressed', String(mode === 'tree'));
    $('ref-mode-list').setAttribute('aria-pressed', String(mode === 'list'));
    $('ref-tree-hint').textContent = mode === 'tree' ? '左右滑动查看全部，点击朋友查看进度' : '点击朋友查看进度';
  }

  function renderFeed(feed) {
    $('ref-feed-aside').textContent = feed.length > 0 ? `最新：${formatDay(feed[0].date)}` : '';
    $('ref-feed').replaceChildren(
      ...feed.map((event) => {
        const li = el('li', `ref-event ref-event--${event.kind}`);
        li.dataset.kind = event.kind;
        li.dataset.atMs = String(event.atMs);
        const dot = el('span', 'ref-event__dot');
        dot.setAttribute('aria-hidden', 'true');
        const text = el('div', 'ref-event__main');
        const date = el('time', 'ref-event__date', formatDay(event.date));
        date.setAttribute('datetime', event.date);
        text.append(el('p', 'ref-event__text', event.text), date);
        li.append(dot, text);
        return li;
      }),
    );
    $('ref-feed-empty').hidden = feed.length > 0;
    // Long feeds open folded: the newest few, then a button for the rest.
    const more = $('ref-feed-more');
    const folded = feed.length > FEED_FOLDED;
    more.hidden = !folded;
    const items = $('ref-feed').children;
    for (let i = 0; i < items.length; i += 1) {
      /** @type {HTMLElement} */ (items[i]).hidden = folded && !feedOpen && i >= FEED_FOLDED;
      items[i].classList.toggle('is-last-shown', folded && !feedOpen && i === FEED_FOLDED - 1);
    }
    more.textContent = feedOpen ? '收起' : '查看全部动态';
    more.setAttribute('aria-expanded', String(feedOpen));
  }

  function renderIssues(analysis) {
    const note = $('ref-issues');
    const issues = analysis ? analysis.issues : [];
    note.hidden = issues.length === 0;
    if (issues.length === 0) return;
    const messages = [...new Set(issues.map((i) => describeError(i, '记录有误')))];
    note.textContent = `有 ${analysis.issueCount} 条推荐记录未计入：${messages.join('；')}`;
    note.dataset.count = String(analysis.issueCount);
  }

  // ------------------------------------------------------------ friend sheet

  function openFriend(friend, node) {
    if (!friend) return;
    const sheet = $('friend-sheet');
    sheetReturnFocus = document.activeElement;
    $('friend-avatar').textContent = [...friend.maskedName][0] ?? '';
    $('friend-name').textContent = friend.maskedName;
    const stage = $('friend-stage');
    stage.textContent = friend.stageLabel;
    stage.className = `chip chip--${stageClass(friend)}`;
    const bar = $('friend-bar');
    bar.style.setProperty('--progress', String(friend.progressPercent / 100));
    bar.setAttribute('aria-valuenow', String(friend.progressPercent));
    $('friend-percent').textContent = `${friend.progressPercent}%`;
    $('friend-invited').textContent = formatDay(friend.invitedDate);
    $('friend-invited').dataset.date = friend.invitedDate;
    $('friend-indirect').textContent = friend.indirectText;
    $('friend-privacy').textContent = friend.detailed
      ? 'TA同意与您分享就诊进度'
      : 'TA未授权分享详细进度，这里只显示大致状态';
    sheet.dataset.recordId = friend.recordId;
    sheet.dataset.key = node.key;
    sheet.hidden = false;
    $('friend-close').focus();
  }

  function closeFriend() {
    $('friend-sheet').hidden = true;
    if (sheetReturnFocus instanceof HTMLElement || sheetReturnFocus instanceof SVGElement) sheetReturnFocus.focus();
  }

  $('ref-feed-more').addEventListener('click', () => {
    feedOpen = !feedOpen;
    if (reply) renderFeed(reply.feed);
  });
  $('ref-mode-tree').addEventListener('click', () => setMode('tree'));
  $('ref-mode-list').addEventListener('click', () => setMode('list'));
  for (const closer of document.querySelectorAll('[data-friend-close]')) closer.addEventListener('click', closeFriend);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('friend-sheet').hidden) closeFriend();
  });

  return Object.freeze({
    refresh,
    /** The last reply rendered (tests and debugging). */
    get reply() {
      return reply;
    },
  });
}
