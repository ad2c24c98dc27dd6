/** Definitions shared by the export writers: one sheet definition renders as CSV and as XLSX. */

export type ColumnType = 'string' | 'number' | 'date';

export interface ExportColumn {
  /** Property of the row that holds this column's value. */
  key: string;
  /** Header text (first row of the CSV and of the worksheet). */
  header: string;
  /** XLSX column width in characters (1..255); CSV ignores it. */
  width?: number;
  /** `number`: numeric cells; `date`: a Date or epoch milliseconds, rendered in UTC; `string`: text. */
  type: ColumnType;
}

/** A cell as a row source hands it over; `null` / `undefined` render as an empty cell. */
export type CellValue = string | number | bigint | boolean | Date | null | undefined;

export type ExportRow = Readonly<Record<string, CellValue>>;

export interface ExportSheet {
  /** Worksheet name and CSV file name (`<name>.csv`): 1..31 characters, none of `\ / ? * [ ] :`. */
  name: string;
  columns: readonly ExportColumn[];
  /** Iterated exactly once. */
  rows: AsyncIterable<ExportRow> | Iterable<ExportRow>;
}

export type ExportFormat = 'csv' | 'xlsx';

export interface ExportSummary {
  sheets: Array<{ name: string; rows: number }>;
  /** Zip entry names in archive order. */
  entries: string[];
  /** Bytes of the zip written to the output. */
  bytes: number;
  /** Hex sha256 of the zip bytes. */
  sha256: string;
}

/** A sheet definition or a row count is outside what the writer accepts; nothing more is written. */
export class ExportLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportLimitError';
  }
}
