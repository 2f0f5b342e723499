// The plain C JSON exports (wasm/json_export.hpp, wrapped by
// wasm/json-exports.js) behave as Embind's string exports did:
//   - the patient's module carries no Embind runtime, and every export of it
//     is such a function;
//   - a request as text, as a Uint8Array and as an ArrayBuffer of its UTF-8
//     bytes gets the same reply, short and long (the long text goes through
//     TextEncoder), Chinese text included, equal to the golden bytes;
//   - text that is not well-formed UTF-16 (a lone surrogate), a wrong
//     argument count, a non-string and a large hostile request: a clear
//     error or an error envelope, and the module keeps answering.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { fixturesDir, wasmDir } from './helpers.mjs';

const { default: createPatient } = await import(pathToFileURL(join(wasmDir, 'core-patient.mjs')).href);
const core = await createPatient();
const manifest = JSON.parse(readFileSync(join(wasmDir, 'modules.json'), 'utf8'));

const dir = join(fixturesDir, 'streak', 'evaluateStreak');
const request = readFileSync(join(dir, 'hostile_strings.json'), 'utf8');
const expected = readFileSync(join(dir, 'hostile_strings.expected.json'), 'utf8').replace(/\n$/, '');

test('the patient module has no Embind runtime and each of its exports is a plain JSON export', () => {
  const glue = readFileSync(join(wasmDir, 'core-patient.mjs'), 'utf8');
  assert.doesNotMatch(glue, /_embind_register/);
  for (const name of manifest.modules.patient.exports) {
    assert.equal(typeof core[name], 'function', name);
    assert.equal(core[name].coreExport, true, `${name} is a plain JSON export`);
  }
  assert.match(core.coreVersion(), /^\d+\.\d+\.\d+/);
});

test('text, Uint8Array and ArrayBuffer requests get the same reply, short and long, the golden one', () => {
  // The same request padded past the TextEncoder threshold (JSON whitespace),
  // and both with Chinese text in a check-in's id.
  const pad = (text) => text.replace(/^\{/, `{${' '.repeat(20_000)}`);
  const chinese = request.replace('<img src=x onerror=alert(1)>', '康复打卡·第一天🙂');
  assert.notEqual(chinese, request);
  const replies = new Map();
  for (const text of [request, pad(request), chinese, pad(chinese)]) {
    const bytes = new TextEncoder().encode(text);
    const reply = core.evaluateStreak(text);
    assert.equal(core.evaluateStreak(bytes), reply);
    assert.equal(core.evaluateStreak(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), reply);
    replies.set(text, reply);
  }
  assert.equal(replies.get(request), expected);
  assert.equal(replies.get(pad(request)), expected);
  assert.equal(replies.get(pad(chinese)), replies.get(chinese));
  assert.equal(JSON.parse(replies.get(chinese)).ok, true);
  // A reply that quotes the request's Chinese text back, short and long.
  const code = JSON.stringify({ code: '康复打卡🙂' });
  for (const text of [code, pad(code)]) {
    const reply = core.checkReferralCode(text);
    assert.match(reply, /第1位“康”/);
    assert.equal(core.checkReferralCode(new TextEncoder().encode(text)), reply);
  }
});

test('a lone surrogate, a wrong call and a large hostile request: an error, never a dead module', () => {
  for (const text of ['{"code":"\ud800"}', `{"code":"${'\udc00'.repeat(5000)}"}`]) {
    const reply = JSON.parse(core.checkReferralCode(text));
    assert.equal(typeof reply.ok, 'boolean');
  }
  assert.throws(() => core.evaluateStreak(), TypeError);
  assert.throws(() => core.evaluateStreak(request, request), TypeError);
  assert.throws(() => core.evaluateStreak(42), TypeError);
  assert.throws(() => core.evaluateStreak({ nowMs: 1 }), TypeError);
  assert.throws(() => core.coreVersion('x'), TypeError);
  const hostile = JSON.parse(core.evaluateStreak('['.repeat(2_000_000)));
  assert.equal(hostile.ok, false);
  assert.equal(typeof hostile.error.code, 'string');
  assert.equal(JSON.parse(core.evaluateStreak('')).ok, false);
  assert.equal(core.evaluateStreak(request), expected, 'the module still answers');
});
