// Declares a PNG's print resolution: inserts (or replaces) its pHYs chunk so
// that a print shop's software reads the A3 poster as 300 dpi, not as the
// 72/96 dpi it assumes when the chunk is absent. The browser's canvas encoder
// writes no pHYs. The chunk (PNG specification, 11.3.5.3): 4 bytes length,
// 'pHYs', pixels per metre X and Y (big-endian), unit 1 (metre), then the
// CRC-32 of type and data; it must come before IDAT.
//
// No imports: the CRC-32 is passed in (the browser loads npm `crc`'s
// calculator from /vendor/crc32.js, see scripts/serve.mjs; Node may pass the
// same or zlib's), so Node tests run this file as it is.

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** @typedef {(bytes: Uint8Array) => number} Crc32  CRC-32 (IEEE, as PNG and zlib use it); signed or unsigned */

/** Dots per inch → pixels per metre, rounded (300 dpi = 11811). */
export const dpiToPixelsPerMetre = (dpi) => Math.round(dpi / 0.0254);

/**
 * The PNG's chunks in order: type, data offset and length.
 * @param {Uint8Array} png
 */
export function pngChunks(png) {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) throw new Error('不是PNG图片');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks = [];
  for (let at = 8; at < png.length; ) {
    if (at + 12 > png.length) throw new Error('PNG图片不完整');
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    if (at + 12 + length > png.length) throw new Error('PNG图片不完整');
    chunks.push({ type, at, dataAt: at + 8, length });
    at += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

/**
 * The same PNG declaring `dpi` in both directions (an existing pHYs replaced),
 * placed right after IHDR. The image data is untouched.
 * @param {Uint8Array} png
 * @param {number} dpi
 * @param {Crc32} crc32
 * @returns {Uint8Array}
 */
export function withPngDpi(png, dpi, crc32) {
  if (!(Number.isFinite(dpi) && dpi > 0)) throw new Error('分辨率不正确');
  const chunks = pngChunks(png);
  if (chunks[0]?.type !== 'IHDR') throw new Error('PNG图片缺少文件头');
  const ppm = dpiToPixelsPerMetre(dpi);
  const chunk = new Uint8Array(21);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, 9);
  chunk.set([0x70, 0x48, 0x59, 0x73], 4); // 'pHYs'
  view.setUint32(8, ppm);
  view.setUint32(12, ppm);
  chunk[16] = 1; // unit: metre
  view.setUint32(17, crc32(chunk.subarray(4, 17)) >>> 0);
  const ihdr = chunks[0];
  const afterIhdr = ihdr.at + 12 + ihdr.length;
  const parts = [png.subarray(0, afterIhdr), chunk];
  let from = afterIhdr;
  for (const c of chunks.slice(1)) {
    if (c.type !== 'pHYs') continue;
    parts.push(png.subarray(from, c.at));
    from = c.at + 12 + c.length;
  }
  parts.push(png.subarray(from));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The pHYs a PNG declares, in dots per inch (rounded), or null without one or
 * with a unit other than the metre.
 * @param {Uint8Array} png
 * @returns {{x: number, y: number} | null}
 */
export function pngDpi(png) {
  const c = pngChunks(png).find((k) => k.type === 'pHYs');
  if (!c || c.length !== 9) return null;
  const view = new DataView(png.buffer, png.byteOffset + c.dataAt, 9);
  if (view.getUint8(8) !== 1) return null;
  return { x: Math.round(view.getUint32(0) * 0.0254), y: Math.round(view.getUint32(4) * 0.0254) };
}
