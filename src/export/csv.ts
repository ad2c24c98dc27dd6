/**
 * RFC 4180 CSV: CRLF record ends; a field containing `,` `"` CR or LF is quoted with `"` doubled.
 * Files start with a UTF-8 byte-order mark so Excel opens Chinese text as UTF-8 (other readers, e.g.
 * Python's `encoding="utf-8-sig"` or csv-parse's `bom: true`, skip it).
 */
export const UTF8_BOM = '\uFEFF';

const NEEDS_QUOTES = /[",\r\n]/;

export function csvField(text: string): string {
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
