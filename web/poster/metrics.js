// Measured text widths for layoutPoster (docs/api/poster.md "Measured widths").
//
// The core breaks lines with integer widths in milli-em. Without help it uses
// its built-in table (measured from WenQuanYi Micro Hei); a phone may draw the
// poster with another font (PingFang SC, Noto Sans CJK, a vendor font) whose
// Latin letters and digits are wider or narrower. So the shell measures, with
// the canvas the poster is replayed on and in the poster's own font, every
// character the request's texts use plus printable ASCII (labels, codes,
// dates), and sends the table along. The core stays a pure function of its
// request: a backend that re-runs the request gets the same bytes.
//
// No rule lives here: this only measures. Each width is the wider of the
// regular and the bold weight (the core lays out both with one table), rounded
// up, so a line the core accepts never overflows its box on this device.

const REFERENCE_PX = 100;   // measured at 100 px: 1 px = 10 milli-em
const MAX_ENTRIES = 8192;   // the core's limit for metrics.advances
const MAX_ADVANCE = 4000;   // milli-em, the core's range

/** @type {Map<string, Map<string, number>>} fontFamily → character → milli-em */
const measured = new Map();
let context = null;

function canvasContext() {
  if (context) return context;
  const canvas = typeof OffscreenCanvas === 'function'
    ? new OffscreenCanvas(1, 1)
    : document.createElement('canvas');
  context = canvas.getContext('2d');
  return context;
}

/** Whether the core accepts `ch` as a key: one code point, not a control character or a lone surrogate. */
function measurable(ch) {
  const cp = ch.codePointAt(0);
  if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return false;
  return !(cp >= 0xd800 && cp <= 0xdfff);
}

/** Appends every character of every string inside `value` (objects and arrays walked) to `out`. */
function collect(value, out) {
  if (typeof value === 'string') {
    for (const ch of value) if (measurable(ch)) out.add(ch);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, out);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) collect(item, out);
  }
}

function measure(ch, fontFamily, table) {
  let width = table.get(ch);
  if (width !== undefined) return width;
  const ctx = canvasContext();
  let px = 0;
  for (const weight of [400, 700]) {
    ctx.font = `${weight} ${REFERENCE_PX}px ${fontFamily}`;
    px = Math.max(px, ctx.measureText(ch).width);
  }
  width = Math.min(MAX_ADVANCE, Math.max(0, Math.ceil(px * (1000 / REFERENCE_PX) - 1e-6)));
  table.set(ch, width);
  return width;
}

/**
 * The `metrics` member of a layoutPoster request: this device's widths, in
 * milli-em, of printable ASCII and of every character of `data`'s texts (in
 * order of appearance, at most the core's 8,192 entries).
 * @param {object} data        the request's `data`
 * @param {string} fontFamily  the family the poster is drawn with (layoutPoster's `fontFamily`)
 * @returns {{advances: Record<string, number>}}
 */
export function measuredMetrics(data, fontFamily) {
  let table = measured.get(fontFamily);
  if (!table) {
    table = new Map();
    measured.set(fontFamily, table);
  }
  const chars = new Set();
  for (let cp = 0x20; cp < 0x7f; cp += 1) chars.add(String.fromCodePoint(cp));
  collect(data, chars);
  /** @type {Record<string, number>} */
  const advances = {};
  let n = 0;
  for (const ch of chars) {
    if (n === MAX_ENTRIES) break;
    advances[ch] = measure(ch, fontFamily, table);
    n += 1;
  }
  return { advances };
}
