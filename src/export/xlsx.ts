import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import type { ExportColumn } from './types.js';

const DATE_FORMAT = 'yyyy-mm-dd hh:mm:ss';
/** Uncompressed worksheet XML allowed to queue inside exceljs before rows wait for its zip to catch up. */
const MAX_BACKLOG_BYTES = 1024 * 1024;
const STALL_LIMIT_MS = 60_000;

/**
 * How much committed worksheet XML is queued inside exceljs. Its worksheet stream (a StreamBuf) writes
 * into the entry stream of its internal archiver without honouring `write()`'s return value, so when
 * deflate or the output is slower than row generation the XML piles up there (≈ the whole sheet at
 * 200k rows). This reads that queue (exceljs 4.4 / archiver 5 internals, checked by the peak-RSS test);
 * an unknown shape reads as 0, i.e. no throttling.
 */
function queuedBytes(worksheet: unknown): number {
  const buf = field(worksheet, '_stream');
  const pipes = field(buf, 'pipes');
  const buffers = field(buf, 'buffers');
  if (Array.isArray(pipes) && pipes.length > 0) {
    const length = field(field(pipes[0], '_writableState'), 'length');
    return typeof length === 'number' ? length : 0;
  }
  // Not yet taken by the archiver (an earlier entry is still being zipped): everything stays in the StreamBuf.
  return Array.isArray(buffers) ? buffers.length * 65536 : 0;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

export type XlsxValue = string | number | Date | null;

/** One worksheet of a streaming workbook: rows are committed (written out) as they are added. */
export class XlsxSheet {
  constructor(private readonly worksheet: ExcelJS.Worksheet) {}

  addRow(values: XlsxValue[]): void {
    this.worksheet.addRow(values).commit();
  }

  /** Waits while exceljs holds more than ~1 MiB of unzipped XML for this sheet. */
  async settle(): Promise<void> {
    const started = Date.now();
    while (queuedBytes(this.worksheet) > MAX_BACKLOG_BYTES) {
      if (Date.now() - started > STALL_LIMIT_MS) throw new Error('XLSX writer made no progress for 60 s');
      await sleep(1);
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
    return new XlsxSheet(worksheet);
  }

  /** Writes the workbook's remaining parts and ends `output`. */
  async commit(): Promise<void> {
    await this.book.commit();
  }
}
