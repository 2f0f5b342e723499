// web/lib/csv-events.js: how a hospital system's CSV export of referral
// steps is read, once for both readers — the reference backend's import
// (scripts/backend/console/events.mjs, csv-parse from node_modules) and the
// offline demo's (web/backend/offline-events.js, the same parser from
// web/vendor/). Header names in Chinese or English, any case, spaces, "_" and
// "-"; a BOM; short and long rows kept for the core to judge; a file that is
// not CSV, empty, without the needed columns or over 10,000 rows refused
// whole with its code and, where known, its line.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parse as nodeParse } from 'csv-parse/sync';

import { parseEventsCsv } from '../../scripts/backend/console/events.mjs';
import { EVENT_CSV_COLUMNS, MAX_EVENT_CSV_ROWS, foldHeader, readEventsCsv } from '../../web/lib/csv-events.js';

const { parse: vendorParse } = await import('../../web/vendor/csv-parse-sync.mjs');

/** A refusal as a plain object, to compare what each reader refuses. */
function refuse(status, code, message, extra = {}) {
  return Object.assign(new Error(message), { status, code, ...extra });
}

const readers = [
  ['node csv-parse', (text) => readEventsCsv(text, { parse: nodeParse, refuse })],
  ['web/vendor csv-parse', (text) => readEventsCsv(text, { parse: vendorParse, refuse })],
];

/** What a reader refuses a text with: {status, code, line?, message}. */
function refusal(read, text) {
  try {
    read(text);
  } catch (error) {
    return { status: error.status, code: error.code, line: error.line, message: error.message };
  }
  assert.fail('the text was read, not refused');
}

test('header names: Chinese or English, any case, spaces, "_" and "-"; columns in any order; the rest ignored', () => {
  assert.equal(foldHeader('  Patient_ID '), 'patientid');
  assert.equal(foldHeader('Date-Time'), 'datetime');
  assert.equal(foldHeader('发生 时间'), '发生时间');
  for (const [name, read] of readers) {
    const rows = read('\uFEFF备注, 时间 ,Patient ID,EVENT\n门诊,2026-12-06 09:30,p-1,到院\n,2026/12/6 10:00,p-2,arrivalConfirmed\n');
    assert.deepEqual(rows, [
      { line: 2, columns: 4, expected: 4, patientId: 'p-1', referralId: '', eventText: '到院', atText: '2026-12-06 09:30' },
      { line: 3, columns: 4, expected: 4, patientId: 'p-2', referralId: '', eventText: 'arrivalConfirmed', atText: '2026/12/6 10:00' },
    ], name);
    const byReferral = read('推荐编号,步骤,日期时间\nr-9,出院,2026-12-06 08:00\n');
    assert.deepEqual(byReferral.map((r) => [r.referralId, r.patientId, r.eventText]), [['r-9', '', '出院']], name);
  }
  // Every alias is one a header can match once folded.
  for (const names of Object.values(EVENT_CSV_COLUMNS)) for (const n of names) assert.equal(foldHeader(n), n);
});

test('short and long rows are kept with their cell counts (the core refuses them by row); blank lines skipped; quotes read', () => {
  for (const [name, read] of readers) {
    const rows = read('患者编号,事件,时间\np-1,到院\n\np-2,"入院, 病区3",2026-12-06 09:30,extra\n');
    assert.deepEqual(rows, [
      { line: 2, columns: 2, expected: 3, patientId: 'p-1', referralId: '', eventText: '到院', atText: '' },
      { line: 4, columns: 4, expected: 3, patientId: 'p-2', referralId: '', eventText: '入院, 病区3', atText: '2026-12-06 09:30' },
    ], name);
  }
});

test('files refused whole: not CSV (with the line), empty, without the needed columns, over 10,000 rows', () => {
  const header = '患者编号,事件,时间\n';
  const row = 'p-1,到院,2026-12-06 09:30\n';
  for (const [name, read] of readers) {
    const unclosed = refusal(read, `${header}${row}"p-2,到院,2026-12-06 09:30\n`);
    assert.deepEqual([unclosed.status, unclosed.code, unclosed.line], [400, 'csv.malformed', 3], name);
    assert.match(unclosed.message, /第3行附近：引号没有闭合/, name);
    assert.deepEqual(Object.values(refusal(read, '')).slice(0, 2), [400, 'csv.empty'], name);
    assert.deepEqual(Object.values(refusal(read, '\n\n')).slice(0, 2), [400, 'csv.empty'], name);
    for (const text of [`患者编号,事件\n${row}`, `患者编号,时间\n${row}`, `姓名,事件,时间\n${row}`, row]) {
      const r = refusal(read, text);
      assert.deepEqual([r.status, r.code, r.line], [400, 'csv.missing_columns', 1], `${name}: ${JSON.stringify(text)}`);
    }
    assert.equal(read(header + row.repeat(MAX_EVENT_CSV_ROWS)).length, MAX_EVENT_CSV_ROWS, `${name}: 10,000 rows are read`);
    const tooMany = refusal(read, header + row.repeat(MAX_EVENT_CSV_ROWS + 1));
    assert.deepEqual([tooMany.status, tooMany.code], [413, 'csv.too_many_rows'], name);
    const longLine = refusal(read, `${header}p-1,${'到'.repeat(5000)},2026-12-06 09:30\n`);
    assert.equal(longLine.code, 'csv.malformed', `${name}: a row longer than 4,096 characters`);
    assert.match(longLine.message, /一行太长/, name);
  }
});

test("the reference backend's reader is this one, its refusals the contract's ApiError", () => {
  const text = '患者编号,事件,时间\np-1,到院,2026-12-06 09:30\np-2\n';
  assert.deepEqual(parseEventsCsv(text), readers[0][1](text));
  assert.throws(() => parseEventsCsv('患者编号,事件\np-1,到院\n'), (error) => error.status === 400 && error.code === 'csv.missing_columns'
    && typeof error.toBody === 'function' && error.toBody().error.line === 1);
});
