// The poster's print resolution (web/staff/png-dpi.js): a PNG from a real
// encoder (resvg) gets a pHYs chunk declaring 300 dpi (11811 px/m) right
// after IHDR, every chunk's CRC is right by zlib's CRC-32 (the shell computes
// it with npm crc's calculator, the one checked here against zlib), the image
// data is byte for byte the same and pngjs still decodes the file to the same
// pixels, an old pHYs is replaced (never two), and bytes that are not a whole
// PNG (or a resolution that is not a positive number) are refused with a clear error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';

import { Resvg } from '@resvg/resvg-js';
import crcCalculator from 'crc/calculators/crc32';
import pngjs from 'pngjs';

import { dpiToPixelsPerMetre, pngChunks, pngDpi, withPngDpi } from '../../web/staff/png-dpi.js';

const { PNG } = pngjs;
/** The CRC-32 the shell passes in (web/staff/story-month.js loads the same file as /vendor/crc32.js). */
const shellCrc32 = (bytes) => crcCalculator(bytes) >>> 0;

const png = new Uint8Array(
  new Resvg('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40" height="30" fill="#c33"/><circle cx="20" cy="15" r="9" fill="#fff"/></svg>').render().asPng(),
);

function types(bytes) {
  return pngChunks(bytes).map((c) => c.type);
}

function dataOf(bytes, type) {
  return pngChunks(bytes).filter((c) => c.type === type).map((c) => Buffer.from(bytes.subarray(c.dataAt, c.dataAt + c.length)));
}

test('300 dpi is 11811 pixels per metre; the shell\'s CRC-32 is the one zlib computes', () => {
  assert.equal(dpiToPixelsPerMetre(300), 11811);
  const sample = new TextEncoder().encode('123456789');
  assert.equal(shellCrc32(sample), 0xcbf43926);
  assert.equal(shellCrc32(png), crc32(png));
  for (const len of [0, 1, 13, 255, 4096]) {
    const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 131 + len) & 0xff);
    assert.equal(shellCrc32(bytes), crc32(bytes), `${len} bytes`);
  }
});

test('withPngDpi: pHYs after IHDR, 11811 px/m both ways in metres, CRCs right, image data unchanged', () => {
  assert.equal(pngDpi(png), null, 'resvg writes no pHYs of 300 dpi');
  const out = withPngDpi(png, 300, shellCrc32);
  const order = types(out);
  assert.equal(order[0], 'IHDR');
  assert.equal(order[1], 'pHYs');
  assert.equal(order.filter((t) => t === 'pHYs').length, 1);
  assert.ok(order.indexOf('pHYs') < order.indexOf('IDAT'));
  const phys = dataOf(out, 'pHYs')[0];
  assert.deepEqual([phys.readUInt32BE(0), phys.readUInt32BE(4), phys[8]], [11811, 11811, 1]);
  const view = Buffer.from(out);
  for (const c of pngChunks(out)) {
    assert.equal(view.readUInt32BE(c.dataAt + c.length), crc32(view.subarray(c.at + 4, c.dataAt + c.length)), `${c.type} CRC`);
  }
  assert.deepEqual(dataOf(out, 'IDAT'), dataOf(png, 'IDAT'));
  // A real decoder (pngjs checks every CRC) reads the same image.
  const before = PNG.sync.read(Buffer.from(png), { checkCRC: true });
  const after = PNG.sync.read(Buffer.from(out), { checkCRC: true });
  assert.deepEqual([after.width, after.height], [40, 30]);
  assert.ok(after.data.equals(before.data), 'same pixels');
  assert.deepEqual(pngDpi(out), { x: 300, y: 300 });
  // Declared again (another resolution): replaced, never two.
  const again = withPngDpi(out, 150, shellCrc32);
  assert.equal(types(again).filter((t) => t === 'pHYs').length, 1);
  assert.deepEqual(pngDpi(again), { x: 150, y: 150 });
  assert.equal(again.length, out.length);
});

test('bytes that are not a whole PNG, or a resolution that is none, are refused with a clear error', () => {
  assert.throws(() => withPngDpi(new TextEncoder().encode('not a png at all'), 300, shellCrc32), /不是PNG图片/);
  assert.throws(() => withPngDpi(new Uint8Array(0), 300, shellCrc32), /不是PNG图片/);
  assert.throws(() => withPngDpi(png.subarray(0, 20), 300, shellCrc32), /PNG图片不完整/);
  assert.throws(() => withPngDpi(png.subarray(0, png.length - 30), 300, shellCrc32), /PNG图片不完整/);
  assert.throws(() => withPngDpi(png, 0, shellCrc32), /分辨率不正确/);
  assert.throws(() => withPngDpi(png, Number.NaN, shellCrc32), /分辨率不正确/);
});
