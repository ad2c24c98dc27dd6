import { ExportLimitError, type ExportColumn, type ExportFormat, type ExportSheet } from './types.js';

/** Excel's row limit (1,048,576) less the header row. */
export const XLSX_MAX_DATA_ROWS = 1_048_575;
/** Sheets per export (one per report type is the use; Excel itself has no fixed limit). */
export const MAX_SHEETS = 64;
/** Columns per sheet (Excel allows 16,384; a report with more is a definition error). */
export const MAX_COLUMNS = 1024;
const MAX_WIDTH = 255;

// Excel forbids these in sheet names; they are also unsafe in file names.
// eslint-disable-next-line no-control-regex
const SHEET_NAME_FORBIDDEN = /[\\/?*[\]:\u0000-\u001F]/;
// eslint-disable-next-line no-control-regex
const FILE_NAME_FORBIDDEN = /[\\/:*?"<>|\u0000-\u001F]/;
const FORMATS: readonly ExportFormat[] = ['csv', 'xlsx'];

function fail(message: string): never {
  throw new ExportLimitError(message);
}

export function checkSheetName(name: string): void {
  if (name.length < 1 || name.length > 31) fail(`sheet name "${name}" must be 1..31 characters`);
  if (SHEET_NAME_FORBIDDEN.test(name)) fail(`sheet name "${name}" contains one of \\ / ? * [ ] : or a control character`);
  if (name.startsWith("'") || name.endsWith("'")) fail(`sheet name "${name}" starts or ends with an apostrophe`);
  if (name.trim() !== name) fail(`sheet name "${name}" starts or ends with a space`);
  if (name.toLowerCase() === 'history') fail('sheet name "History" is reserved by Excel');
}

export function checkFileName(name: string): void {
  if (name.length < 1 || name.length > 64) fail(`file name "${name}" must be 1..64 characters`);
  if (FILE_NAME_FORBIDDEN.test(name) || name.startsWith('.') || name.trim() !== name) {
    fail(`file name "${name}" contains a path separator, a reserved character or a leading dot`);
  }
}

function checkColumns(sheet: string, columns: readonly ExportColumn[]): void {
  if (columns.length < 1 || columns.length > MAX_COLUMNS) fail(`sheet "${sheet}" must have 1..${MAX_COLUMNS} columns`);
  const keys = new Set<string>();
  for (const c of columns) {
    if (keys.has(c.key)) fail(`sheet "${sheet}" declares column key "${c.key}" twice`);
    keys.add(c.key);
    if (!['string', 'number', 'date'].includes(c.type)) fail(`column "${c.key}" has an unknown type`);
    if (c.width !== undefined && !(Number.isFinite(c.width) && c.width >= 1 && c.width <= MAX_WIDTH)) {
      fail(`column "${c.key}" width must be 1..${MAX_WIDTH}`);
    }
  }
}

export function checkFormats(formats: readonly ExportFormat[]): void {
  if (formats.length === 0) fail('at least one format is needed');
  if (new Set(formats).size !== formats.length || formats.some((f) => !FORMATS.includes(f))) {
    fail(`formats must be distinct values of ${FORMATS.join(', ')}`);
  }
}

export function checkSheets(sheets: readonly ExportSheet[]): void {
  if (sheets.length < 1 || sheets.length > MAX_SHEETS) fail(`an export has 1..${MAX_SHEETS} sheets`);
  const names = new Set<string>();
  for (const s of sheets) {
    checkSheetName(s.name);
    // Excel compares sheet names case-insensitively; zip tools on case-insensitive file systems too.
    const folded = s.name.toLowerCase();
    if (names.has(folded)) fail(`sheet name "${s.name}" is used twice`);
    names.add(folded);
    checkColumns(s.name, s.columns);
  }
}

export function checkMaxRows(maxRows: number): void {
  if (!Number.isInteger(maxRows) || maxRows < 0 || maxRows > XLSX_MAX_DATA_ROWS) {
    fail(`maxRowsPerSheet must be an integer in 0..${XLSX_MAX_DATA_ROWS}`);
  }
}
