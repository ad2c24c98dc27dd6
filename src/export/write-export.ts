import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished, type Writable } from 'node:stream';
import { promisify } from 'node:util';
import { guardText, renderCell } from './cells.js';
import { csvRecord, UTF8_BOM } from './csv.js';
import { checkFileName, checkFormats, checkMaxRows, checkSheets, XLSX_MAX_DATA_ROWS } from './limits.js';
import { ExportLimitError, type ExportFormat, type ExportSheet, type ExportSummary } from './types.js';
import { XlsxWorkbook, type XlsxSheet, type XlsxValue } from './xlsx.js';
import { ZipWriter } from './zip.js';

const streamFinished = promisify(finished);
/** CSV text gathered before one write into the zip entry. */
const CSV_CHUNK_CHARS = 64 * 1024;

export interface ExportZipOptions {
  sheets: readonly ExportSheet[];
  /** Default both. CSV: one `<sheet>.csv` per sheet; XLSX: one `<workbookName>.xlsx` with a worksheet per sheet. */
  formats?: readonly ExportFormat[];
  /** Receives the zip; it is ended when the zip is complete (destroyed on error). */
  output: Writable;
  /** Default `report`. */
  workbookName?: string;
  /** A sheet with more data rows fails the export with ExportLimitError. Default and maximum 1,048,575 (Excel). */
  maxRowsPerSheet?: number;
  /** Where the XLSX is built while the CSV entries stream (only when both formats are asked for). */
  tempDir?: string;
  /** Modification time of the entries; default now. */
  mtime?: Date;
  /** Write ZIP64 records even when no size needs them (yazl adds them by itself past 4 GiB / 65,535 entries). */
  forceZip64?: boolean;
}

interface XlsxTarget {
  book: XlsxWorkbook;
  /** The temp file holding the workbook while CSV entries go into the zip; null when written straight into it. */
  tempFile: string | null;
  done: Promise<void>;
}

/**
 * Streams `sheets` (each row source iterated once) into one zip, in constant memory: every write
 * waits for the zip and `output` to take the previous one. With both formats, the CSV entries are
 * zipped while the rows arrive and the XLSX is built in a temp file beside them, then appended (disk
 * use ≈ the XLSX's size). Returns rows per sheet, the zip's size and its sha256.
 */
export async function writeExportZip(opts: ExportZipOptions): Promise<ExportSummary> {
  const formats = opts.formats ?? ['csv', 'xlsx'];
  const workbookName = opts.workbookName ?? 'report';
  const maxRows = opts.maxRowsPerSheet ?? XLSX_MAX_DATA_ROWS;
  checkFormats(formats);
  checkSheets(opts.sheets);
  checkFileName(workbookName);
  checkMaxRows(maxRows);

  const zip = new ZipWriter(opts.output, opts.mtime ?? new Date(), opts.forceZip64 ?? false);
  const wantCsv = formats.includes('csv');
  let tempDir: string | null = null;
  try {
    let xlsx: XlsxTarget | null = null;
    if (formats.includes('xlsx')) {
      if (wantCsv) tempDir = await mkdtemp(join(opts.tempDir ?? tmpdir(), 'guardpost-export-'));
      xlsx = openWorkbook(zip, `${workbookName}.xlsx`, tempDir);
    }
    const counts: ExportSummary['sheets'] = [];
    for (const sheet of opts.sheets) {
      counts.push({ name: sheet.name, rows: await writeSheet(sheet, zip, wantCsv, xlsx?.book ?? null, maxRows) });
    }
    if (xlsx) {
      await xlsx.book.commit();
      await xlsx.done;
      if (xlsx.tempFile) zip.addFile(xlsx.tempFile, `${workbookName}.xlsx`);
    }
    const { bytes, sha256 } = await zip.finish();
    return { sheets: counts, entries: [...zip.entries], bytes, sha256 };
  } catch (error) {
    await zip.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  }
}

function openWorkbook(zip: ZipWriter, entryName: string, tempDir: string | null): XlsxTarget {
  const tempFile = tempDir === null ? null : join(tempDir, 'workbook.xlsx');
  const output = tempFile === null ? zip.openEntry(entryName) : createWriteStream(tempFile);
  const done = streamFinished(output);
  done.catch(() => undefined); // awaited after the sheets; an early failure surfaces through the zip
  return { book: new XlsxWorkbook(output), tempFile, done };
}

async function writeSheet(
  sheet: ExportSheet,
  zip: ZipWriter,
  wantCsv: boolean,
  book: XlsxWorkbook | null,
  maxRows: number,
): Promise<number> {
  const headers = sheet.columns.map((c) => guardText(c.header));
  const csv = wantCsv ? zip.openEntry(`${sheet.name}.csv`) : null;
  const xsheet: XlsxSheet | null = book ? book.addSheet(sheet.name, sheet.columns, headers) : null;
  let pending = csv ? UTF8_BOM + csvRecord(headers) : '';
  let rows = 0;
  for await (const row of sheet.rows) {
    rows += 1;
    if (rows > maxRows) throw new ExportLimitError(`sheet "${sheet.name}" has more than ${maxRows} rows`);
    const texts: string[] = [];
    const values: XlsxValue[] = [];
    for (const column of sheet.columns) {
      const cell = renderCell(column, row[column.key]);
      texts.push(cell.text);
      values.push(cell.value);
    }
    if (xsheet) {
      xsheet.addRow(values);
      await xsheet.settle(() => zip.failure);
    }
    if (csv) {
      pending += csvRecord(texts);
      if (pending.length >= CSV_CHUNK_CHARS) {
        await zip.write(csv, pending);
        pending = '';
      }
    }
  }
  if (csv) {
    if (pending) await zip.write(csv, pending);
    await zip.endEntry(csv);
  }
  xsheet?.commit();
  return rows;
}
