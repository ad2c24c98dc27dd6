/**
 * Export engine (no HTTP, no SQL): sheets of typed columns over row sources → one zip holding a CSV per
 * sheet (RFC 4180, UTF-8 with BOM) and/or one XLSX workbook, streamed in constant memory.
 *
 *   writeExportZip({ sheets: [{ name, columns, rows }], formats: ['csv', 'xlsx'], output }) → { sheets, entries, bytes, sha256 }
 */
export * from './types.js';
export { writeExportZip, type ExportZipOptions } from './write-export.js';
export { MAX_COLUMNS, MAX_SHEETS, XLSX_MAX_DATA_ROWS } from './limits.js';
export { MAX_CELL_CHARS } from './cells.js';
