// Reading a hospital system's CSV export of referral steps, as the reference
// backend (scripts/backend/console/events.mjs) and the offline demo playing it
// (web/backend/offline-events.js) both do: the first row is a header naming
// the columns (any of the names below, case, spaces, "_" and "-" ignored),
// each later row one event. Which step, which patient and which time a row
// means is the core's business (checkHospitalEvents); this only finds the
// cells. A file that cannot be read as such is refused whole.
//
// No imports: the CSV parser is passed in (Node imports csv-parse/sync, the
// browser the same parser from web/vendor/), and so is the caller's way of
// making a refusal (the server's ApiError, the demo's error object).

/** Column headers a hospital export may use, folded (see foldHeader). */
export const EVENT_CSV_COLUMNS = Object.freeze({
  patientId: Object.freeze(['patientid', 'patient', '患者编号', '患者id', '病人编号']),
  referralId: Object.freeze(['referralid', '推荐编号', '推荐记录']),
  event: Object.freeze(['event', 'step', '事件', '步骤', '环节']),
  at: Object.freeze(['at', 'time', 'datetime', 'attime', '时间', '发生时间', '日期时间']),
});

/** Rows in one import (a large hospital's day is a few thousand). */
export const MAX_EVENT_CSV_ROWS = 10_000;

/** csv-parse options: a BOM dropped, short or long rows kept (the core says which), cells trimmed, line numbers kept. */
export const EVENT_CSV_PARSE_OPTIONS = Object.freeze({
  bom: true,
  relax_column_count: true,
  skip_empty_lines: true,
  trim: true,
  info: true,
  max_record_size: 4096,
});

/** A header cell as matched against EVENT_CSV_COLUMNS: trimmed, lower case, without spaces, "_" or "-". */
export function foldHeader(text) {
  return String(text ?? '').trim().toLowerCase().replace(/[\s_-]/g, '');
}

/** What went wrong in csv-parse's words, as staff read it. */
function parseProblem(error) {
  switch (error?.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return '引号没有闭合';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return '引号位置不正确';
    case 'CSV_MAX_RECORD_SIZE':
      return '一行太长';
    default:
      return '格式不正确';
  }
}

/**
 * The events of a hospital export's text.
 * @param {string} text the decoded file
 * @param {{parse: (text: string, options: object) => {record: string[], info: {lines: number}}[],
 *   refuse: (status: number, code: string, message: string, extra?: {line?: number}) => Error}} how
 *   `parse`: csv-parse's sync parse; `refuse`: makes the error thrown for a file refused whole
 *   (400 csv.malformed, csv.empty, csv.missing_columns; 413 csv.too_many_rows)
 * @returns {{line: number, columns: number, expected: number, patientId: string, referralId: string,
 *   eventText: string, atText: string}[]} one per row after the header, cells as written
 */
export function readEventsCsv(text, { parse, refuse }) {
  let records;
  try {
    records = parse(text, EVENT_CSV_PARSE_OPTIONS);
  } catch (error) {
    const line = Number.isInteger(error?.lines) ? error.lines : null;
    throw refuse(400, 'csv.malformed', `文件不是有效的 CSV${line ? `（第${line}行附近：${parseProblem(error)}）` : ''}，没有导入任何记录`, line ? { line } : {});
  }
  if (records.length === 0) throw refuse(400, 'csv.empty', '文件是空的，没有导入任何记录');
  const header = records[0].record.map(foldHeader);
  const index = {};
  for (const [key, names] of Object.entries(EVENT_CSV_COLUMNS)) {
    const at = header.findIndex((h) => names.includes(h));
    if (at >= 0) index[key] = at;
  }
  if ((index.patientId === undefined && index.referralId === undefined) || index.event === undefined || index.at === undefined) {
    throw refuse(400, 'csv.missing_columns', '第1行应为表头，并包含：患者编号（或推荐编号）、事件、时间', { line: 1 });
  }
  if (records.length - 1 > MAX_EVENT_CSV_ROWS) {
    throw refuse(413, 'csv.too_many_rows', `一次最多导入${MAX_EVENT_CSV_ROWS}行，请按天分开导出`);
  }
  return records.slice(1).map(({ record, info }) => ({
    line: info.lines,
    columns: record.length,
    expected: header.length,
    patientId: index.patientId === undefined ? '' : (record[index.patientId] ?? ''),
    referralId: index.referralId === undefined ? '' : (record[index.referralId] ?? ''),
    eventText: record[index.event] ?? '',
    atText: record[index.at] ?? '',
  }));
}
