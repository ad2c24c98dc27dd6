import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import type { ExportColumn } from './types.js';

const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
/** Bytes allowed to queue inside exceljs (see queuedBytes) before rows wait for its zip and the output. */
const MAX_BACKLOG_BYTES = 256 * 1024;
const STALL_LIMIT_MS = 120_000;

/**
 * Bytes queued inside exceljs for `worksheet`. exceljs does not honour `write()`'s return value in two
 * places, so when deflate or the output is slower than row generation data piles up there (≈ the whole
 * sheet at 200k rows): its worksheet stream (a StreamBuf) writes unzipped XML into its archiver's entry
 * stream, and the archiver keeps pushing zipped bytes into its own readable buffer while `output` is
 * full. This reads both queues (exceljs 4.4 / archiver 5 internals, pinned in package.json and checked by
 * the peak-RSS and backpressure tests); an unknown shape reads as 0, i.e. no throttling.
 */
function queuedBytes(book: unknown, worksheet: unknown): number {
  const zipped = numberAt(field(field(book, 'zip'), '_readableState'), 'length');
  const buf = field(worksheet, '_stream');
  const pipes = field(buf, 'pipes');
  if (Array.isArray(pipes) && pipes.length > 0) return zipped + numberAt(field(pipes[0], '_writableState'), 'length');
  // Not yet taken by the archiver (an earlier entry is still being zipped): everything stays in the StreamBuf.
  const buffers = field(buf, 'buffers');
  return zipped + (Array.isArray(buffers) ? buffers.length * 65536 : 0);
}

function numberAt(value: unknown, name: string): number {
  const n = field(value, name);
  return typeof n === 'number' ? n : 0;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

export type XlsxValue = string | number | Date | null;

/** One worksheet of a streaming workbook: rows are committed (written out) as they are added. */
export class XlsxSheet {
  constructor(
    private readonly book: ExcelJS.stream.xlsx.WorkbookWriter,
    private readonly worksheet: ExcelJS.Worksheet,
  ) {}

  addRow(values: XlsxValue[]): void {
    this.worksheet.addRow(values).commit();
  }

  /**
   * Waits while exceljs holds more than 256 KiB for this sheet, i.e. while its zip or the
   * output behind it is slower than the rows. Stops with `failure()`'s error once there is one (the zip
   * output broke), or when the queue has not shrunk for 120 s.
   */
  async settle(failure: () => Error | null): Promise<void> {
    let queued = queuedBytes(this.book, this.worksheet);
    let lastProgress = Date.now();
    while (queued > MAX_BACKLOG_BYTES) {
      await sleep(1);
      const error = failure();
      if (error) throw error;
      const now = queuedBytes(this.book, this.worksheet);
      if (now < queued) lastProgress = Date.now();
      else if (Date.now() - lastProgress > STALL_LIMIT_MS) throw new Error('XLSX writer made no progress for 120 s');
      queued = now;
    }
  }

  commit(): void {
    this.worksheet.commit();
  }
}

/** An exceljs streaming workbook (inline strings, no shared-string table: memory does not grow with rows). */
export class XlsxWorkbook {
  private readonly book: ExcelJS.stream.xlsx.WorkbookWriter;

  constructor(output: Writable) {
    this.book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useSharedStrings: false, useStyles: true });
  }

  /** Adds a worksheet with its header row (bold, frozen). Commit the previous sheet first. */
  addSheet(name: string, columns: readonly ExportColumn[], headers: string[]): XlsxSheet {
    const worksheet = this.book.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
    worksheet.columns = columns.map((c) => ({
      key: c.key,
      width: c.width,
      style: c.type === 'date' ? { numFmt: DATE_FORMAT } : {},
    }));
    const header = worksheet.addRow(headers);
    header.font = { bold: true };
    header.commit();
    return new XlsxSheet(this.book, worksheet);
  }

  /** Writes the workbook's remaining parts and ends `output`. */
  async commit(): Promise<void> {
    await this.book.commit();
  }
}
