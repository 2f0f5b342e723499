// Replays a poster the core laid out (layoutPoster → value) on a canvas.
//
// No rule lives here: every position, size, colour and line of text comes
// from the core's draw list (docs/api/poster.md). This file only maps each
// verb onto the Canvas 2D API, scaled by the device pixel ratio, and exports
// the result as a PNG Blob.

/**
 * @typedef {object} Poster  the `value` of a layoutPoster reply
 * @property {number} width   logical px (750)
 * @property {number} height  logical px
 * @property {string} fontFamily
 * @property {Array<Array<string|number|string[]>>} drawList
 * @property {{x:number,y:number,w:number,h:number,radius:number,cover:string,hint:string,
 *   hintSize:number,hintColor:string}|null} scratch
 */

function roundRectPath(ctx, x, y, w, h, r) {
  ctx.beginPath();
  if (r > 0) ctx.roundRect(x, y, w, h, r);
  else ctx.rect(x, y, w, h);
}

/**
 * Draws `poster` on `canvas` (resized to width × height × pixelRatio).
 * @param {HTMLCanvasElement | OffscreenCanvas} canvas
 * @param {Poster} poster
 * @param {{images?: Record<string, CanvasImageSource>, pixelRatio?: number}} [options]
 *   images: the loaded image for each slot named by an `image` verb (a missing
 *   one leaves the core's placeholder visible); pixelRatio: 0 < r <= 4.
 */
export function replayPoster(canvas, poster, { images = {}, pixelRatio = 1 } = {}) {
  if (!(pixelRatio > 0 && pixelRatio <= 4)) throw new RangeError(`像素比无效：${pixelRatio}`);
  canvas.width = Math.round(poster.width * pixelRatio);
  canvas.height = Math.round(poster.height * pixelRatio);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
  ctx.textBaseline = 'alphabetic';
  for (const op of poster.drawList) {
    switch (op[0]) {
      case 'rect': {
        const [, x, y, w, h, r, fill] = op;
        ctx.fillStyle = fill;
        roundRectPath(ctx, x, y, w, h, r);
        ctx.fill();
        break;
      }
      case 'gradient': {
        const [, x, y, w, h, r, from, to] = op;
        const g = ctx.createLinearGradient(0, y, 0, y + h);
        g.addColorStop(0, from);
        g.addColorStop(1, to);
        ctx.fillStyle = g;
        roundRectPath(ctx, x, y, w, h, r);
        ctx.fill();
        break;
      }
      case 'stroke': {
        const [, x, y, w, h, r, lineWidth, color] = op;
        ctx.lineWidth = lineWidth;
        ctx.strokeStyle = color;
        roundRectPath(ctx, x, y, w, h, r);
        ctx.stroke();
        break;
      }
      case 'circle': {
        const [, cx, cy, r, fill] = op;
        ctx.fillStyle = fill;
        ctx.beginPath();
        ctx.arc(cx, cy, r, 0, 2 * Math.PI);
        ctx.fill();
        break;
      }
      case 'path': {
        const [, fill, d] = op;
        ctx.fillStyle = fill;
        ctx.fill(new Path2D(d));
        break;
      }
      case 'text': {
        const [, x, y, size, weight, align, color, text] = op;
        ctx.font = `${weight} ${size}px ${poster.fontFamily}`;
        ctx.textAlign = align;
        ctx.fillStyle = color;
        ctx.fillText(text, x, y);
        break;
      }
      case 'image': {
        const [, slot, dx, dy, dw, dh, sx, sy, sw, sh, r] = op;
        const image = images[slot];
        if (!image) break;
        ctx.save();
        roundRectPath(ctx, dx, dy, dw, dh, r);
        ctx.clip();
        ctx.drawImage(image, sx, sy, sw, sh, dx, dy, dw, dh);
        ctx.restore();
        break;
      }
      case 'qr': {
        // Drawn in device pixels with every module edge rounded to a whole
        // pixel: at a fractional ratio (2.75 on many Android phones) modules
        // that share an edge then share it exactly, with no anti-aliased
        // seam or blur for a scanner to stumble on.
        const [, x, y, m, quiet, dark, light, rows] = op;
        const edge = (v) => Math.round(v * pixelRatio);
        const side = (rows.length + 2 * quiet) * m;
        ctx.save();
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.fillStyle = light;
        ctx.fillRect(edge(x), edge(y), edge(x + side) - edge(x), edge(y + side) - edge(y));
        ctx.fillStyle = dark;
        rows.forEach((row, r) => {
          const top = edge(y + (quiet + r) * m);
          const bottom = edge(y + (quiet + r + 1) * m);
          for (let c = 0; c < row.length; ) {
            if (row[c] !== '1') { c += 1; continue; }
            let end = c;
            while (row[end] === '1') end += 1;
            const left = edge(x + (quiet + c) * m);
            ctx.fillRect(left, top, edge(x + (quiet + end) * m) - left, bottom - top);
            c = end;
          }
        });
        ctx.restore();
        break;
      }
      default:
        throw new Error(`无法绘制海报：未知的绘制指令 ${String(op[0])}`);
    }
  }
}

/**
 * The scratch-off foil of the thank-you card, drawn over `poster.scratch` on
 * a canvas of the poster's size (an overlay the shell erases under the finger
 * with globalCompositeOperation = 'destination-out').
 * @param {HTMLCanvasElement | OffscreenCanvas} canvas
 * @param {Poster} poster
 * @param {{pixelRatio?: number}} [options]
 */
export function drawScratchFoil(canvas, poster, { pixelRatio = 1 } = {}) {
  const s = poster.scratch;
  if (!s) return;
  const ctx = canvas.getContext('2d');
  ctx.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0);
  ctx.fillStyle = s.cover;
  roundRectPath(ctx, s.x, s.y, s.w, s.h, s.radius);
  ctx.fill();
  ctx.font = `700 ${s.hintSize}px ${poster.fontFamily}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = s.hintColor;
  ctx.fillText(s.hint, s.x + s.w / 2, s.y + s.h / 2);
  ctx.textBaseline = 'alphabetic';
}

/**
 * Replays `poster` on a fresh canvas and encodes it as a PNG.
 * @param {Poster} poster
 * @param {{images?: Record<string, CanvasImageSource>, pixelRatio?: number}} [options]
 * @returns {Promise<Blob>}
 */
export async function posterToPngBlob(poster, options = {}) {
  const canvas = typeof OffscreenCanvas === 'function'
    ? new OffscreenCanvas(1, 1)
    : document.createElement('canvas');
  replayPoster(canvas, poster, options);
  if (typeof canvas.convertToBlob === 'function') return canvas.convertToBlob({ type: 'image/png' });
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('海报导出PNG失败'))), 'image/png');
  });
}
