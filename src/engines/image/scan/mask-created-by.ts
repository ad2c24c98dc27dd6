import { maskCreatedBy } from '../analyzers/build-commands/history-layers.js';
import type { ReportLayer, ReportRows } from '../report.js';

/**
 * Every `created_by` a report carries (the layer columns of every row, and the layer list) with secrets masked the
 * way build instructions are: a `RUN … TOKEN=…` layer must not leak its token through the apps or files report.
 * Memoised per text, since one layer's text repeats on many rows.
 */
export function maskReportCreatedBy(rows: ReportRows, layers: ReportLayer[]): void {
  const cache = new Map<string, string>();
  const mask = (text: string): string => {
    let masked = cache.get(text);
    if (masked === undefined) cache.set(text, (masked = maskCreatedBy(text)));
    return masked;
  };
  for (const list of Object.values(rows) as Array<Array<{ createdBy: string }>>) {
    for (const row of list) row.createdBy = mask(row.createdBy);
  }
  for (const layer of layers) layer.createdBy = mask(layer.createdBy);
}
