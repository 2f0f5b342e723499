// Staff: the whole hospital's referral forest (全院推荐森林) on a canvas.
//
// The core lays the forest out once, in a module worker (../core-worker.js):
// the hospital's records and patients go to it as columns (typed arrays and
// packed strings, built here in slices so the page never stalls), the core's
// layoutForestTyped (docs/api/referral.md) returns every shown node the same
// way, labels included. The worker sends the geometry first and the words
// after it, so the first frame is drawn while the labels are still on their
// way. No JSON of the forest is built or parsed anywhere. This file only draws: each frame it culls the columns to the
// viewport rectangle (presentation, not a rule) and paints those nodes at the
// device pixel ratio. Pan by dragging, zoom by pinching, with the wheel or the
// +/− buttons. Tapping a node shows the core's label and sublabel; its toggle
// asks the worker for a new layout with `collapsed` (the core hides the
// children). Counts, levels, issues, masking and positions are all the core's.

import { supports } from '../backend/backend.js';
import { startCoreWorker } from '../core-worker-client.js';
import { el, formatCount } from '../svg.js';
import { describeError } from '../lib/copy.js';

// Drawing sizes in layout units (one unit = one CSS pixel at zoom 1).
const CARD_GAP = 12;
const CARD_HEIGHT = 50;
const TOGGLE_OFFSET = 13;
const TOGGLE_RADIUS = 9;
const MIN_SCALE = 0.04;
const MAX_SCALE = 2.5;
const TEXT_SCALE = 0.6;
const EDGE_SCALE = 0.07;
const TAP_SLOP = 8;

const COLORS = Object.freeze({
  accent: '#0f9f8f',
  accentStrong: '#0b8174',
  accentSoft: '#e3f6f3',
  card: '#ffffff',
  text: '#1f2d3a',
  muted: '#6c7a89',
  edge: '#b5cfd0',
  warm: '#ff9f43',
  selected: '#ff9f43',
});

function yieldToEventLoop() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

const SLICE = 16384;

/** Strings as one text and its boundaries (UTF-16 units), as the core takes and gives them. */
function packStrings(list) {
  const offsets = new Uint32Array(list.length + 1);
  let at = 0;
  for (let i = 0; i < list.length; i += 1) {
    at += list[i].length;
    offsets[i + 1] = at;
  }
  return { text: list.join(''), offsets };
}

const text = (v) => (typeof v === 'string' ? v : '');
// An instant as the core reads it: absent is 0 ("not yet"); anything else
// not a number goes through as NaN for the core to refuse.
const instant = (v) => (typeof v === 'number' ? v : v == null ? 0 : NaN);

/**
 * The backend's records and patients as layoutForestTyped's columns, built in
 * slices so that 100k records never block the page for long. Returns the
 * request and the buffers to move to the worker. Transport only: the core
 * checks every value.
 */
async function forestColumns({ records, patients }, nowMs) {
  const n = records.length;
  const ids = new Array(n);
  const from = new Array(n);
  const to = new Array(n);
  const titles = new Array(n);
  const times = ['invitedAtMs', 'registeredAtMs', 'arrivedAtMs', 'convertedAtMs', 'vestedAtMs', 'voidedAtMs'];
  const columns = Object.fromEntries(times.map((k) => [k, new Float64Array(n)]));
  const consent = new Uint8Array(n);
  for (let start = 0; start < n; start += SLICE) {
    for (let k = start; k < Math.min(n, start + SLICE); k += 1) {
      const r = records[k];
      ids[k] = text(r.id);
      from[k] = text(r.referrerId);
      to[k] = text(r.refereeId);
      titles[k] = text(r.rewardTitle);
      for (const t of times) columns[t][k] = instant(r[t]);
      columns.invitedAtMs[k] = typeof r.invitedAtMs === 'number' ? r.invitedAtMs : NaN;
      consent[k] = r.consentToShareProgress === true ? 1 : 0;
    }
    await yieldToEventLoop();
  }
  const m = patients.length;
  const pids = new Array(m);
  const names = new Array(m);
  const firstVisit = new Float64Array(m);
  for (let start = 0; start < m; start += SLICE) {
    for (let k = start; k < Math.min(m, start + SLICE); k += 1) {
      pids[k] = text(patients[k].id);
      names[k] = text(patients[k].name);
      firstVisit[k] = instant(patients[k].firstVisitAtMs);
    }
    await yieldToEventLoop();
  }
  const request = {
    nowMs,
    records: {
      id: packStrings(ids),
      referrerId: packStrings(from),
      refereeId: packStrings(to),
      rewardTitle: packStrings(titles),
      ...columns,
      consentToShareProgress: consent,
    },
    patients: { id: packStrings(pids), name: packStrings(names), firstVisitAtMs: firstVisit },
  };
  const r = request.records;
  const transfer = [...times.map((t) => r[t].buffer), consent.buffer, firstVisit.buffer,
    r.id.offsets.buffer, r.referrerId.offsets.buffer, r.refereeId.offsets.buffer, r.rewardTitle.offsets.buffer,
    request.patients.id.offsets.buffer, request.patients.name.offsets.buffer];
  return { request, transfer };
}

/** string i of a packed column {text, offsets} */
function stringAt(column, i) {
  return column.text.slice(column.offsets[i], column.offsets[i + 1]);
}

/**
 * Indexes for drawing, built once per layout from the columns: where each
 * level starts (the core lists nodes breadth first, left to right), and the
 * horizontal extent of each node's shown children (for the edge bar).
 */
function drawingIndex(columns, count) {
  const { x, depth, parent } = columns;
  let maxDepth = 0;
  let ordered = true;
  for (let i = 0; i < count; i += 1) {
    if (depth[i] > maxDepth) maxDepth = depth[i];
    if (i > 0 && (depth[i] < depth[i - 1] || (depth[i] === depth[i - 1] && x[i] < x[i - 1]))) ordered = false;
  }
  const levelStart = new Int32Array(maxDepth + 2);
  if (ordered) {
    let d = 0;
    for (let i = 0; i < count; i += 1) {
      while (d < depth[i]) levelStart[++d] = i;
    }
    while (d <= maxDepth) levelStart[++d] = count;
  }
  const childMin = new Float64Array(count).fill(Infinity);
  const childMax = new Float64Array(count).fill(-Infinity);
  for (let i = 0; i < count; i += 1) {
    const p = parent[i];
    if (p < 0) continue;
    if (x[i] < childMin[p]) childMin[p] = x[i];
    if (x[i] > childMax[p]) childMax[p] = x[i];
  }
  return { ordered, maxDepth, levelStart, childMin, childMax };
}

/**
 * @param {{
 *   backend: import('../backend/backend.js').Backend,
 *   showToast: (text: string, kind?: 'success' | 'info' | 'error') => void,
 * }} deps
 */
export function createForest({ backend, showToast }) {
  const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const section = $('staff-forest');
  const canvas = /** @type {HTMLCanvasElement} */ ($('forest-canvas'));
  const ctx = canvas.getContext('2d', { alpha: false });
  const stage = $('forest-stage');

  /** @type {ReturnType<typeof startCoreWorker> | null} */
  let worker = null;
  let loading = null;
  let busy = false;
  /** the reply's value, columns as typed arrays */
  let view = null;
  let index = null;
  let count = 0;
  const collapsed = new Set();
  let selected = -1;
  const camera = { x: 0, y: 0, scale: 0.9 };
  let cssWidth = 0;
  let cssHeight = 0;
  let dpr = 1;
  let frameRequested = false;
  let fontFamily = 'sans-serif';
  const stats = { frames: 0, drawn: 0, maxDrawn: 0, frameMs: 0, maxFrameMs: 0 };

  function setStatus(text) {
    const status = $('forest-status');
    status.textContent = text;
    status.hidden = !text;
  }

  // ------------------------------------------------------------ loading

  function load() {
    if (!loading) {
      loading = run().catch((err) => {
        loading = null;
        const message = describeError(err, '推荐森林暂时无法显示');
        setStatus(message);
        showToast(message, 'error');
        console.warn('forest failed', err);
      });
    }
    return loading;
  }

  async function run() {
    section.dataset.state = 'loading';
    setStatus('正在生成演示数据（10万名患者）…');
    const t0 = performance.now();
    if (!supports(backend, 'getHospitalForest')) throw new Error('当前服务暂不支持推荐森林');
    const inputs = await backend.getHospitalForest();
    const tData = performance.now();
    worker ??= startCoreWorker();
    const { request, transfer } = await forestColumns(inputs, backend.now().nowMs);
    const t1 = performance.now();
    section.dataset.generateMs = String(Math.round(tData - t0));
    section.dataset.packMs = String(Math.round(t1 - tData));
    setStatus(`核心正在布局 ${formatCount(inputs.patients.length)} 个节点…`);
    let firstFrame = null;
    const answer = await worker.call('layoutForestTyped', { typed: request, keep: 'forest' }, {
      transfer,
      onPart: (part) => {
        // The geometry: facts and the first frame now, the words when they come.
        accept(part.envelope, part.ms, performance.now() - t1, -1);
        firstFrame = new Promise((resolveFrame) => requestAnimationFrame(() => resolveFrame(performance.now())));
      },
    });
    if (!answer.texts) accept(answer.envelope, answer.ms, performance.now() - t1, -1);  // refused: throws
    const shown = await firstFrame;
    section.dataset.firstFrameMs = String(Math.round(shown - t0));
    section.dataset.firstFrameFromDataMs = String(Math.round(shown - tData));
    acceptTexts(answer.texts, performance.now() - t1);
  }

  /** The string columns of the layout on screen: labels from now on. */
  function acceptTexts(texts, roundTripMs) {
    Object.assign(view.columns, texts);
    const chars = Object.values(texts).reduce((n, t) => n + t.text.length, 0);
    section.dataset.roundTripMs = String(Math.round(roundTripMs));
    section.dataset.replyChars = String(chars);
    const meta = $('forest-meta');
    meta.dataset.roundTripMs = String(Math.round(roundTripMs));
    meta.dataset.replyChars = String(chars);
    section.dataset.state = 'ready';
    draw();
  }

  /**
   * Takes a layout reply's envelope (its string columns may come later, see
   * acceptTexts). `anchor` is the index (in the old columns) of a node that
   * should stay where it is on screen, or -1.
   */
  function accept(envelope, layoutMs, roundTripMs, anchor) {
    if (!envelope.ok) throw new Error(describeError(envelope.error));
    const before = anchor >= 0 ? { key: stringAt(view.columns.key, anchor), x: view.columns.x[anchor] } : null;
    const value = envelope.value;
    view = value;
    count = value.shownCount;
    index = drawingIndex(value.columns, count);
    section.dataset.layoutMs = String(Math.round(layoutMs));
    section.dataset.roundTripMs = String(Math.round(roundTripMs));
    renderFacts(value, layoutMs, roundTripMs);
    selected = -1;
    if (before) {
      const at = findKey(before.key);
      if (at >= 0) {
        camera.x += value.columns.x[at] - before.x;
        select(at);
      }
    } else {
      resize();
      home();
    }
    $('forest-info').hidden = selected < 0;
    // Ready once the words are there too (acceptTexts) or already with them (a re-layout).
    if (value.columns.label) section.dataset.state = 'ready';
    setStatus('');
    draw();
  }

  function findKey(key) {
    const column = view.columns.key;
    for (let i = 0; i < count; i += 1) {
      if (column.offsets[i + 1] - column.offsets[i] === key.length && stringAt(column, i) === key) return i;
    }
    return -1;
  }

  function renderFacts(value, layoutMs, roundTripMs) {
    $('forest-nodes').textContent = formatCount(value.nodeCount);
    $('forest-shown').textContent = formatCount(value.shownCount);
    $('forest-issues').textContent = formatCount(value.issueCount);
    $('forest-levels').replaceChildren(
      ...value.levelCounts.map((n, depth) => {
        const li = el('li', 'level-chip');
        li.dataset.depth = String(depth);
        li.append(el('span', 'level-chip__depth', `第${depth + 1}层`), el('span', 'level-chip__count', formatCount(n)));
        return li;
      }),
    );
    const issues = $('forest-issue-list');
    issues.replaceChildren(
      ...value.issues.map((issue) => {
        // The issue in words and how many records it concerns; the record
        // ids are data for the console and tests, not something to read.
        const li = el('li', 'forest-issue', describeError(issue, '推荐记录有误'));
        li.dataset.code = issue.code;
        li.dataset.recordIds = issue.recordIds.join(' ');
        li.append(el('span', 'forest-issue__ids', `涉及 ${formatCount(issue.recordIds.length)} 条记录`));
        return li;
      }),
    );
    $('forest-issue-card').hidden = value.issues.length === 0;
    // Timings are for developers: the console, never the screen.
    const meta = $('forest-meta');
    meta.dataset.layoutMs = String(Math.round(layoutMs));
    meta.dataset.roundTripMs = String(Math.round(roundTripMs));
    console.debug(`forest: layout ${Math.round(layoutMs)} ms, round trip ${Math.round(roundTripMs)} ms`);
  }

  // ------------------------------------------------------------ camera

  /** Sizes the canvas to its box at the device pixel ratio; false while hidden. */
  function resize() {
    const rect = stage.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return false;
    cssWidth = Math.max(1, Math.round(rect.width));
    cssHeight = Math.max(1, Math.round(rect.height));
    dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
    fontFamily = getComputedStyle(document.body).fontFamily || 'sans-serif';
    return true;
  }

  /** Start on the tree of the deepest chain: its root at the top, in the middle. */
  function home() {
    if (!view || count === 0) return;
    const { parent, x } = view.columns;
    let node = index.ordered ? index.levelStart[index.maxDepth] : 0;
    while (parent[node] >= 0) node = parent[node];
    camera.scale = 0.75;
    camera.x = x[node] - cssWidth / 2 / camera.scale;
    camera.y = -28 / camera.scale;
    clampCamera();
  }

  function clampCamera() {
    if (!view) return;
    const { minX, maxX, maxY } = view.bounds;
    const w = cssWidth / camera.scale;
    const h = cssHeight / camera.scale;
    const slack = view.nodeWidth;
    camera.x = Math.min(Math.max(camera.x, minX - slack - w / 2), maxX + slack - w / 2);
    camera.y = Math.min(Math.max(camera.y, -h / 2), maxY + view.levelHeight - h / 2);
  }

  function zoomAt(px, py, factor) {
    const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, camera.scale * factor));
    const wx = camera.x + px / camera.scale;
    const wy = camera.y + py / camera.scale;
    camera.scale = next;
    camera.x = wx - px / next;
    camera.y = wy - py / next;
    clampCamera();
    draw();
  }

  // ------------------------------------------------------------ drawing

  function draw() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(paint);
  }

  /** First index in [a, b) of level-ordered nodes whose x ≥ value. */
  function lowerBound(x, a, b, value) {
    let lo = a;
    let hi = b;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (x[mid] < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Calls fn(i) for every node of levels d0..d1 whose x lies in [xa, xb]. */
  function forEachIn(d0, d1, xa, xb, fn) {
    const { x, depth } = view.columns;
    if (!index.ordered) {
      for (let i = 0; i < count; i += 1) {
        if (depth[i] >= d0 && depth[i] <= d1 && x[i] >= xa && x[i] <= xb) fn(i);
      }
      return;
    }
    for (let d = Math.max(0, d0); d <= Math.min(d1, index.maxDepth); d += 1) {
      const end = index.levelStart[d + 1];
      for (let i = lowerBound(x, index.levelStart[d], end, xa); i < end && x[i] <= xb; i += 1) fn(i);
    }
  }

  function paint() {
    frameRequested = false;
    if (!view) return;
    const started = performance.now();
    const { x, depth, parent, hiddenChildren, label, sublabel } = view.columns;
    const s = camera.scale;
    const lh = view.levelHeight;
    const cardWidth = Math.max(8, view.nodeWidth - CARD_GAP);
    const half = cardWidth / 2;
    const sx = (wx) => (wx - camera.x) * s;
    const sy = (wy) => (wy - camera.y) * s;

    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#f7fafb';
    ctx.fillRect(0, 0, cssWidth, cssHeight);

    const x0 = camera.x - half;
    const x1 = camera.x + cssWidth / s + half;
    const y0 = camera.y;
    const y1 = camera.y + cssHeight / s;
    const dFirst = Math.floor((y0 - CARD_HEIGHT - TOGGLE_OFFSET - TOGGLE_RADIUS) / lh);
    const dLast = Math.floor(y1 / lh);

    // Edges: child up to the middle of the gap, across to its parent; parent
    // down to the middle and across its children. One path, one stroke.
    if (s >= EDGE_SCALE) {
      ctx.beginPath();
      forEachIn(dFirst - 1, dLast, x0, x1, (i) => {
        const top = depth[i] * lh;
        const p = parent[i];
        if (p >= 0) {
          const mid = (depth[p] * lh + CARD_HEIGHT + top) / 2;
          ctx.moveTo(sx(x[i]), sy(top));
          ctx.lineTo(sx(x[i]), sy(mid));
          ctx.lineTo(sx(x[p]), sy(mid));
        }
        if (index.childMin[i] <= index.childMax[i]) {
          const mid = (top + CARD_HEIGHT + (depth[i] + 1) * lh) / 2;
          ctx.moveTo(sx(x[i]), sy(top + CARD_HEIGHT));
          ctx.lineTo(sx(x[i]), sy(mid));
          ctx.moveTo(sx(index.childMin[i]), sy(mid));
          ctx.lineTo(sx(index.childMax[i]), sy(mid));
        }
      });
      ctx.strokeStyle = COLORS.edge;
      ctx.lineWidth = Math.max(0.5, Math.min(1.5, 1.5 * s));
      ctx.stroke();
    }

    // Cards.
    let drawn = 0;
    const withText = s >= TEXT_SCALE;
    const words = Boolean(label);  // the labels follow the geometry
    const radius = Math.min(10, 10 * s);
    const w = cardWidth * s;
    const h = CARD_HEIGHT * s;
    if (withText) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
    }
    forEachIn(dFirst, dLast, x0, x1, (i) => {
      const left = sx(x[i] - half);
      const top = sy(depth[i] * lh);
      drawn += 1;
      const root = depth[i] === 0;
      if (withText) {
        ctx.beginPath();
        ctx.roundRect(left, top, w, h, radius);
        ctx.fillStyle = root ? COLORS.accent : COLORS.card;
        ctx.fill();
        ctx.lineWidth = i === selected ? 3 : 1.2;
        ctx.strokeStyle = i === selected ? COLORS.selected : root ? COLORS.accentStrong : '#9fd8cf';
        ctx.stroke();
        const cx = sx(x[i]);
        ctx.fillStyle = root ? '#ffffff' : COLORS.text;
        ctx.font = `600 ${Math.round(14 * s)}px ${fontFamily}`;
        const sub = words ? stringAt(sublabel, i) : '';
        if (words) ctx.fillText(stringAt(label, i), cx, top + h * (sub ? 0.36 : 0.5));
        if (sub) {
          ctx.fillStyle = root ? 'rgba(255,255,255,0.85)' : COLORS.muted;
          ctx.font = `${Math.round(11 * s)}px ${fontFamily}`;
          ctx.fillText(sub, cx, top + h * 0.72);
        }
        // The collapse / expand toggle under a node with children.
        const hasShown = index.childMin[i] <= index.childMax[i];
        if (hasShown || hiddenChildren[i] > 0) {
          const ty = sy(depth[i] * lh + CARD_HEIGHT + TOGGLE_OFFSET);
          ctx.beginPath();
          ctx.arc(cx, ty, TOGGLE_RADIUS * s, 0, Math.PI * 2);
          ctx.fillStyle = hiddenChildren[i] > 0 ? COLORS.warm : COLORS.card;
          ctx.fill();
          ctx.lineWidth = 1.2;
          ctx.strokeStyle = hiddenChildren[i] > 0 ? COLORS.warm : COLORS.accent;
          ctx.stroke();
          ctx.fillStyle = hiddenChildren[i] > 0 ? '#ffffff' : COLORS.accent;
          ctx.font = `700 ${Math.round(13 * s)}px ${fontFamily}`;
          ctx.fillText(hiddenChildren[i] > 0 ? '+' : '−', cx, ty + 0.5);
        }
      } else {
        ctx.fillStyle = i === selected ? COLORS.selected : root ? COLORS.accent : hiddenChildren[i] > 0 ? COLORS.warm : '#7fcfc3';
        ctx.fillRect(left, top, Math.max(1, w), Math.max(1, h));
      }
    });

    const ms = performance.now() - started;
    stats.frames += 1;
    stats.drawn = drawn;
    stats.maxDrawn = Math.max(stats.maxDrawn, drawn);
    stats.frameMs = ms;
    stats.maxFrameMs = Math.max(stats.maxFrameMs, ms);
    canvas.dataset.drawn = String(drawn);
    canvas.dataset.maxDrawn = String(stats.maxDrawn);
    canvas.dataset.frames = String(stats.frames);
    canvas.dataset.frameMs = ms.toFixed(2);
    canvas.dataset.maxFrameMs = stats.maxFrameMs.toFixed(2);
    canvas.dataset.scale = String(s);
    canvas.dataset.camX = String(camera.x);
    canvas.dataset.camY = String(camera.y);
    $('forest-drawn').textContent = `显示 ${formatCount(drawn)} 人 · 缩放 ${Math.round(s * 100)}%`;
    renderOverview();
  }

  function renderOverview() {
    const { minX, maxX } = view.bounds;
    const span = maxX - minX + view.nodeWidth;
    const from = (camera.x - (minX - view.nodeWidth / 2)) / span;
    const width = cssWidth / camera.scale / span;
    const thumb = $('forest-thumb');
    thumb.style.setProperty('--from', String(Math.min(1, Math.max(0, from))));
    thumb.style.setProperty('--size', String(Math.min(1, width)));
    const track = $('forest-overview');
    track.setAttribute('aria-valuenow', String(Math.round(Math.min(1, Math.max(0, from)) * 100)));
  }

  // ------------------------------------------------------------ picking

  /** The node under a canvas point, and whether the point is on its toggle. */
  function pick(px, py) {
    if (!view) return null;
    const s = camera.scale;
    const wx = camera.x + px / s;
    const wy = camera.y + py / s;
    const lh = view.levelHeight;
    const d = Math.floor(wy / lh);
    const within = wy - d * lh;
    const half = Math.max(8, view.nodeWidth - CARD_GAP) / 2;
    const toggleReach = Math.max(TOGGLE_RADIUS, 22 / s);
    let found = null;
    forEachIn(d, d, wx - Math.max(half, toggleReach), wx + Math.max(half, toggleReach), (i) => {
      if (found) return;
      const dx = Math.abs(view.columns.x[i] - wx);
      if (within <= CARD_HEIGHT && dx <= half) {
        found = { index: i, toggle: false };
      } else if (
        s >= TEXT_SCALE &&
        Math.abs(within - CARD_HEIGHT - TOGGLE_OFFSET) <= toggleReach &&
        dx <= toggleReach &&
        (index.childMin[i] <= index.childMax[i] || view.columns.hiddenChildren[i] > 0)
      ) {
        found = { index: i, toggle: true };
      }
    });
    return found;
  }

  function select(i) {
    selected = i;
    const info = $('forest-info');
    if (i < 0 || !view) {
      info.hidden = true;
      draw();
      return;
    }
    const { label, sublabel, key, depth, hiddenChildren } = view.columns;
    if (!label) return;  // the words are still on their way
    $('forest-info-label').textContent = stringAt(label, i);
    $('forest-info-sublabel').textContent = stringAt(sublabel, i) || '自行就诊（无推荐人）';
    $('forest-info-depth').textContent = `第 ${depth[i]} 层`;
    $('forest-info-key').textContent = stringAt(key, i);
    const hidden = hiddenChildren[i];
    $('forest-info-hidden').textContent = hidden > 0 ? `已收起 ${formatCount(hidden)} 位下级` : '';
    const toggle = /** @type {HTMLButtonElement} */ ($('forest-toggle'));
    const hasShown = index.childMin[i] <= index.childMax[i];
    toggle.hidden = !hasShown && hidden === 0;
    toggle.textContent = hidden > 0 ? '展开下级' : '收起下级';
    toggle.disabled = busy;
    info.dataset.key = stringAt(key, i);
    info.dataset.index = String(i);
    info.dataset.x = String(view.columns.x[i]);
    info.dataset.depth = String(depth[i]);
    info.hidden = false;
    draw();
  }

  async function toggleNode(i) {
    if (busy || !view || i < 0) return;
    const key = stringAt(view.columns.key, i);
    if (view.columns.hiddenChildren[i] > 0) collapsed.delete(key);
    else collapsed.add(key);
    busy = true;
    /** @type {HTMLButtonElement} */ ($('forest-toggle')).disabled = true;
    section.dataset.state = 'relayout';
    setStatus('正在重新布局…');
    const started = performance.now();
    try {
      let geometry = null;
      const answer = await worker.call('layoutForestTyped', { base: 'forest', extra: { collapsed: [...collapsed] } }, {
        onPart: (part) => {
          geometry = part;
        },
      });
      if (!geometry) throw new Error(describeError(answer.envelope.error));
      // Both parts together: the node to keep in place is found by its key.
      Object.assign(geometry.envelope.value.columns, answer.texts);
      accept(geometry.envelope, geometry.ms, performance.now() - started, i);
    } catch (err) {
      // Undo: the layout on screen is still the old one.
      if (collapsed.has(key)) collapsed.delete(key);
      else collapsed.add(key);
      setStatus('');
      section.dataset.state = 'ready';
      showToast(describeError(err, '重新布局失败'), 'error');
    } finally {
      busy = false;
      /** @type {HTMLButtonElement} */ ($('forest-toggle')).disabled = false;
    }
  }

  // ------------------------------------------------------------ input

  const pointers = new Map();
  let gesture = null;

  /** Keeps a drag's events coming when it leaves the element (no-op for synthetic events). */
  function capture(element, pointerId) {
    try {
      element.setPointerCapture(pointerId);
    } catch {
      // Not an active pointer (e.g. a synthesized event): nothing to capture.
    }
  }

  function canvasPoint(e) {
    const rect = canvas.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top };
  }

  function startGesture() {
    const points = [...pointers.values()];
    if (points.length === 1) {
      gesture = {
        kind: 'pan',
        start: points[0],
        camera: { ...camera },
        moved: gesture?.kind === 'pinch',  // lifting one finger of a pinch is not a tap
        at: performance.now(),
      };
    } else if (points.length >= 2) {
      const [a, b] = points;
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      gesture = {
        kind: 'pinch',
        distance: Math.max(1, Math.hypot(a.x - b.x, a.y - b.y)),
        scale: camera.scale,
        world: { x: camera.x + mid.x / camera.scale, y: camera.y + mid.y / camera.scale },
      };
    }
  }

  canvas.addEventListener('pointerdown', (e) => {
    if (!view) return;
    capture(canvas, e.pointerId);
    pointers.set(e.pointerId, canvasPoint(e));
    startGesture();
  });

  canvas.addEventListener('pointermove', (e) => follow(e));

  /** Moves the camera with the pointers (also on pointerup: moves may be coalesced into it). */
  function follow(e) {
    if (!pointers.has(e.pointerId) || !gesture) return;
    pointers.set(e.pointerId, canvasPoint(e));
    const points = [...pointers.values()];
    if (gesture.kind === 'pan' && points.length === 1) {
      const dx = points[0].x - gesture.start.x;
      const dy = points[0].y - gesture.start.y;
      if (Math.hypot(dx, dy) > TAP_SLOP) gesture.moved = true;
      if (!gesture.moved) return;
      camera.x = gesture.camera.x - dx / camera.scale;
      camera.y = gesture.camera.y - dy / camera.scale;
      clampCamera();
      draw();
    } else if (gesture.kind === 'pinch' && points.length >= 2) {
      const [a, b] = points;
      const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
      const distance = Math.max(1, Math.hypot(a.x - b.x, a.y - b.y));
      const next = Math.min(MAX_SCALE, Math.max(MIN_SCALE, (gesture.scale * distance) / gesture.distance));
      camera.scale = next;
      camera.x = gesture.world.x - mid.x / next;
      camera.y = gesture.world.y - mid.y / next;
      clampCamera();
      draw();
    }
  }

  function endPointer(e) {
    if (!pointers.has(e.pointerId)) return;
    if (e.type === 'pointerup') follow(e);
    const point = canvasPoint(e);
    const wasTap =
      gesture?.kind === 'pan' && !gesture.moved && pointers.size === 1 && performance.now() - gesture.at < 600 && e.type === 'pointerup';
    pointers.delete(e.pointerId);
    if (wasTap) {
      const hit = pick(point.x, point.y);
      if (hit && hit.toggle) {
        select(hit.index);
        toggleNode(hit.index);
      } else {
        select(hit ? hit.index : -1);
      }
    }
    if (pointers.size > 0) startGesture();
    else gesture = null;
  }

  canvas.addEventListener('pointerup', endPointer);
  canvas.addEventListener('pointercancel', endPointer);

  canvas.addEventListener(
    'wheel',
    (e) => {
      if (!view) return;
      e.preventDefault();
      const point = canvasPoint(e);
      if (e.ctrlKey || Math.abs(e.deltaY) >= Math.abs(e.deltaX)) {
        zoomAt(point.x, point.y, Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)));
      } else {
        camera.x += e.deltaX / camera.scale;
        clampCamera();
        draw();
      }
    },
    { passive: false },
  );

  canvas.addEventListener('keydown', (e) => {
    if (!view) return;
    const step = 60 / camera.scale;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[e.key]) {
      e.preventDefault();
      camera.x += moves[e.key][0];
      camera.y += moves[e.key][1];
      clampCamera();
      draw();
    } else if (e.key === '+' || e.key === '=') {
      zoomAt(cssWidth / 2, cssHeight / 2, 1.4);
    } else if (e.key === '-') {
      zoomAt(cssWidth / 2, cssHeight / 2, 1 / 1.4);
    }
  });

  $('forest-zoom-in').addEventListener('click', () => zoomAt(cssWidth / 2, cssHeight / 2, 1.5));
  $('forest-zoom-out').addEventListener('click', () => zoomAt(cssWidth / 2, cssHeight / 2, 1 / 1.5));
  $('forest-home').addEventListener('click', () => {
    home();
    draw();
  });
  $('forest-toggle').addEventListener('click', () => toggleNode(selected));
  $('forest-info-close').addEventListener('click', () => select(-1));

  // The overview track: tap or drag to jump along the forest's width.
  const track = $('forest-overview');
  const jump = (e) => {
    if (!view) return;
    const rect = track.getBoundingClientRect();
    const fraction = Math.min(1, Math.max(0, (e.clientX - rect.left) / rect.width));
    const { minX, maxX } = view.bounds;
    const span = maxX - minX + view.nodeWidth;
    camera.x = minX - view.nodeWidth / 2 + fraction * span - cssWidth / 2 / camera.scale;
    clampCamera();
    draw();
  };
  track.addEventListener('pointerdown', (e) => {
    capture(track, e.pointerId);
    jump(e);
  });
  track.addEventListener('pointermove', (e) => {
    if (track.hasPointerCapture(e.pointerId)) jump(e);
  });

  new ResizeObserver(() => {
    if (!view) return;
    const centre = camera.x + cssWidth / 2 / camera.scale;
    if (!resize()) return;
    camera.x = centre - cssWidth / 2 / camera.scale;
    clampCamera();
    draw();
  }).observe(stage);

  return Object.freeze({
    load,
    /** Drawing statistics (tests, the report). */
    get stats() {
      return { ...stats, nodes: count };
    },
    get camera() {
      return { ...camera };
    },
  });
}
