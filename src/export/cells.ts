import type { CellValue, ExportColumn } from './types.js';

/** Excel's limit for the text of one cell; longer text is cut here so CSV and XLSX agree. */
export const MAX_CELL_CHARS = 32_767;

/**
 * Characters that make a spreadsheet treat a cell as a formula (OWASP "CSV injection"): a leading `=`,
 * `+`, `-`, `@`, tab or CR. Such text gets a `'` prefix in both formats, so opening or re-saving the
 * export never evaluates it.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** Code points XML 1.0 forbids (an XLSX containing them does not open); replaced by U+FFFD in both formats. */
// eslint-disable-next-line no-control-regex
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A rendered cell: `text` for CSV, `value` for XLSX (text, number or Date). */
export interface RenderedCell {
  text: string;
  value: string | number | Date | null;
}

const EMPTY: RenderedCell = { text: '', value: null };

/**
 * Cell text as both formats write it: cut to Excel's limit, XML-illegal code points replaced, a
 * formula start prefixed with `'`, and line breaks as LF (an XML reader turns CR and CRLF in the
 * XLSX into LF anyway, so the CSV does the same to stay identical).
 */
export function guardText(raw: string): string {
  let text = raw.length > MAX_CELL_CHARS ? raw.slice(0, MAX_CELL_CHARS) : raw;
  text = text.replace(XML_ILLEGAL, '\uFFFD');
  if (FORMULA_START.test(text)) text = `'${text}`.slice(0, MAX_CELL_CHARS);
  return text.replace(/\r\n?/g, '\n');
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `YYYY-MM-DD HH:MM:SS`, UTC: what Excel shows for the XLSX date cell with the same instant. */
export function formatUtc(date: Date): string {
  return (
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}

function textCell(value: Exclude<CellValue, null | undefined>): RenderedCell {
  if (value instanceof Date && Number.isNaN(value.getTime())) return EMPTY;
  const raw = value instanceof Date ? formatUtc(value) : String(value);
  const text = guardText(raw);
  return { text, value: text };
}

function numberCell(value: Exclude<CellValue, null | undefined>): RenderedCell {
  // A finite JS number prints as digits, `.`, `e` and a sign: never a formula, so it is not guarded.
  if (typeof value === 'number' && Number.isFinite(value)) return { text: String(value), value };
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return { text: value.toString(), value: Number(value) };
  }
  return textCell(value); // NaN, ±Infinity, huge bigints, text in a number column: kept as (guarded) text
}

function dateCell(value: Exclude<CellValue, null | undefined>): RenderedCell {
  const date = value instanceof Date ? value : typeof value === 'number' ? new Date(value) : null;
  if (date && !Number.isNaN(date.getTime())) return { text: formatUtc(date), value: date };
  return textCell(value);
}

const RENDERERS: Record<ExportColumn['type'], (value: Exclude<CellValue, null | undefined>) => RenderedCell> = {
  string: textCell,
  number: numberCell,
  date: dateCell,
};

export function renderCell(column: ExportColumn, value: CellValue): RenderedCell {
  if (value === null || value === undefined) return EMPTY;
  return RENDERERS[column.type](value);
}
