// web/lib/copy.js: every error code the core and the reference backend can
// answer with has Chinese copy, and it holds no copy for a code nothing sends;
// what reaches a person is never a code, an English browser message or a
// limit in bytes; one form for dates.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { ERROR_COPY, NETWORK_COPY, charCount, counterText, describeError, formatDay, isPlainChinese } from '../../web/lib/copy.js';
import { applyTextSize, percentFromWeChat } from '../../web/lib/text-size.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function files(dir, ext) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path, ext));
    else if (ext.some((e) => name.endsWith(e))) out.push(path);
  }
  return out;
}

/** Error codes the core writes: "module.reason" string literals in its sources. */
function coreCodes() {
  const codes = new Set();
  for (const file of files(join(REPO, 'core'), ['.cpp', '.hpp'])) {
    for (const m of readFileSync(file, 'utf8').matchAll(/"((?:campaign|community|eligibility|input|internal|moderation|poster|referral|streak)\.[a-z_]+)"/g)) codes.add(m[1]);
  }
  return codes;
}

/** Error codes the reference backend answers with (new ApiError(status, code, …)). */
function backendCodes() {
  const codes = new Set();
  for (const file of files(join(REPO, 'scripts', 'backend'), ['.mjs'])) {
    for (const m of readFileSync(file, 'utf8').matchAll(/ApiError\(\s*\d{3},\s*'([a-z_]+\.[a-z_]+)'/g)) codes.add(m[1]);
  }
  return codes;
}

test('every code of the core and the backend has Chinese copy', () => {
  const core = coreCodes();
  const backend = backendCodes();
  assert.ok(core.size > 80, `the scan found the core's codes (${core.size})`);
  assert.ok(backend.size > 10, `the scan found the backend's codes (${backend.size})`);
  const missing = [...core, ...backend].filter((code) => !Object.hasOwn(ERROR_COPY, code));
  assert.deepEqual(missing, [], 'codes without copy in web/lib/copy.js');
  for (const [code, copy] of Object.entries(ERROR_COPY)) assert.ok(isPlainChinese(copy), `${code}: "${copy}" is plain Chinese`);
});

test('no copy for a code nothing sends any more: every code in the copy is written by the core, the backend or the shell', () => {
  const sources = [
    ...files(join(REPO, 'core'), ['.cpp', '.hpp']),
    ...files(join(REPO, 'scripts', 'backend'), ['.mjs']),
    ...files(join(REPO, 'web'), ['.js']).filter((f) => !f.includes(`${join('web', 'vendor')}`) && !f.endsWith(join('lib', 'copy.js'))),
  ].map((file) => readFileSync(file, 'utf8')).join('\n');
  const unsent = Object.keys(ERROR_COPY).filter((code) => !sources.includes(`'${code}'`) && !sources.includes(`"${code}"`));
  assert.deepEqual(unsent, [], 'copy for codes no source writes (remove them from web/lib/copy.js)');
});

test('describeError: network failures, codes, bytes and English never reach the reader', () => {
  assert.equal(describeError(new TypeError('Failed to fetch')), NETWORK_COPY);
  assert.equal(describeError(new TypeError('NetworkError when attempting to fetch resource.')), NETWORK_COPY);
  assert.equal(describeError({ code: 'network.timeout', message: 'timeout' }), ERROR_COPY['network.timeout']);
  // The core's own Chinese message stands.
  assert.equal(describeError({ code: 'streak.makeup_quota_exceeded', message: '本月补签次数已用完（上限2次）' }), '本月补签次数已用完（上限2次）');
  // A limit in bytes, a raw code, English: the code's copy instead.
  assert.equal(describeError({ code: 'input.out_of_range', message: '文本过长（上限500字节）' }), ERROR_COPY['input.out_of_range']);
  assert.equal(describeError({ code: 'referral.cycle', message: '推荐关系成环：bad-cycle、f0' }), ERROR_COPY['referral.cycle']);
  assert.equal(describeError(new Error('Unexpected token < in JSON')), '没有完成，请稍后再试');
  assert.equal(describeError({ code: 'some.unknown_code', message: 'boom' }, '请稍后再试'), '请稍后再试');
  assert.equal(describeError(undefined, '请稍后再试'), '请稍后再试');
  assert.equal(describeError('已保存'), '已保存');
  // TA (written Chinese for "him or her") is not English.
  assert.equal(isPlainChinese('我们已为TA保留优惠'), true);
  assert.equal(isPlainChinese('privilege'), false);
  assert.equal(isPlainChinese('上限500字节'), false);
});

test('formatDay: one form for every day', () => {
  const now = Date.parse('2026-11-23T12:00:00+08:00');
  assert.equal(formatDay('2026-01-05', now), '1月5日');
  assert.equal(formatDay('2025-12-31', now), '2025年12月31日');
  // An instant is the day it is in Beijing: 16:30 UTC on 22 Nov is 00:30 on 23 Nov there.
  assert.equal(formatDay(Date.parse('2026-11-22T16:30:00Z'), now), '11月23日');
  assert.equal(formatDay(new Date('2027-02-01T00:00:00+08:00'), now), '2027年2月1日');
  assert.equal(formatDay('not a date', now), '');
  assert.equal(formatDay(Number.NaN, now), '');
});

test('lengths are counted in characters, as people count them', () => {
  assert.equal(charCount('术后第30天'), 6);
  assert.equal(charCount('😀𠀀a'), 3, 'an emoji and a rare character are one each, not two UTF-16 units');
  assert.equal(counterText('你好', 60), '2/60字');
});

test("WeChat's text size (menu:setfont) becomes the root font size", () => {
  assert.equal(percentFromWeChat({ fontScale: 130 }), 130);
  assert.equal(percentFromWeChat({ fontScale: '200' }), 200);
  assert.equal(percentFromWeChat({ fontScale: 1000 }), 310, 'the largest size a web-view may ask for');
  assert.equal(percentFromWeChat({ fontScale: 0 }), null, 'no size: the phone\'s own');
  assert.equal(percentFromWeChat({}), null);
  assert.equal(percentFromWeChat(null), null);
  const style = new Map();
  const root = { style: { set fontSize(v) { style.set('font-size', v); }, removeProperty: (k) => style.delete(k) } };
  applyTextSize(130, root);
  assert.equal(style.get('font-size'), '130%');
  applyTextSize(100, root);
  assert.equal(style.has('font-size'), false, 'the standard size leaves the phone\'s own setting in charge');
});
