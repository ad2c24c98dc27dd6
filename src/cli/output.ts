/** What the CLI prints: JSON for scripts (`--json`), tables with headers for people, a clear line when empty. */

export interface Column<T> { header: string; value: (row: T) => string | number | boolean | null | undefined }

const MAX_CELL = 200;

function cell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  const text = String(value).replace(/[\r\n\t]+/g, ' ');
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

export function formatTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const grid = [columns.map((c) => c.header), ...rows.map((row) => columns.map((c) => cell(c.value(row))))];
  const widths = columns.map((_, i) => Math.max(...grid.map((line) => line[i]!.length)));
  return grid.map((line) => line.map((text, i) => text.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface Listing<T> { json: boolean | undefined; rows: readonly T[]; columns: readonly Column<T>[]; empty: string; jsonValue?: unknown }

/** A listing verb's output: the rows as JSON with `--json`, else a table, or the `empty` line when there are none. */
export function printListing<T>(listing: Listing<T>): void {
  if (listing.json) printJson(listing.jsonValue ?? listing.rows);
  else if (listing.rows.length === 0) process.stdout.write(`${listing.empty}\n`);
  else process.stdout.write(`${formatTable(listing.columns, listing.rows)}\n`);
}

/** Epoch milliseconds as `2026-01-31T12:00:00Z`. */
export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
