import type { PutOutcome } from '../advisory-store.js';

/** What one `guardpost vulndb import` did, overall and per source path (stored as `vul_imports.summary`). */

export const MAX_INVALID_EXAMPLES = 20;

export interface OutcomeCounts {
  /** Records (valid or not) found in the source. */
  read: number;
  added: number;
  replaced: number;
  /** Already stored with the same or a newer `modified`. */
  unchanged: number;
  /** Withdrawn records newer than the stored copy (or new): stored as a tombstone that matches nothing. */
  withdrawn: number;
  /** Refused records (bad JSON, not OSV, too large, NUL characters, a bad zip entry): reported and skipped. */
  invalid: number;
  /** The same id again in this import with the same or an older `modified` (osv.dev exports some twice). */
  duplicate: number;
}

export interface SourceSummary extends OutcomeCounts { path: string }

export interface ImportSummary extends OutcomeCounts {
  import_id: string;
  status: 'ok' | 'failed';
  /** Why nothing (or, when a source changed while it was read, not everything) was stored. */
  error?: string;
  sources: SourceSummary[];
  invalid_examples: Array<{ origin: string; reason: string }>;
  changed_ecosystems: string[];
  rematch_task_id: string | null;
  started_at: number;
  finished_at: number;
}

export const zeroCounts = (): OutcomeCounts => ({ read: 0, added: 0, replaced: 0, unchanged: 0, withdrawn: 0, invalid: 0, duplicate: 0 });

export function countOutcome(counts: OutcomeCounts, outcome: PutOutcome | 'duplicate'): void {
  counts[outcome] += 1;
}

export function totals(sources: readonly SourceSummary[]): OutcomeCounts {
  const sum = zeroCounts();
  for (const source of sources) {
    for (const key of Object.keys(sum) as Array<keyof OutcomeCounts>) sum[key] += source[key];
  }
  return sum;
}

function countsText(c: OutcomeCounts): string {
  return `${c.read} read, ${c.added} added, ${c.replaced} replaced, ${c.unchanged} unchanged, ${c.withdrawn} withdrawn, ` +
    `${c.invalid} invalid${c.duplicate > 0 ? `, ${c.duplicate} duplicate` : ''}`;
}

/** The one-line summary the CLI ends with. */
export function summaryLine(summary: ImportSummary): string {
  const perSource = summary.sources.map((s) => `${s.path}: ${countsText(s)}`).join('; ');
  const head = summary.status === 'failed' ? `import FAILED (${summary.error ?? 'unknown error'}); ` : 'import ';
  const rematch = summary.rematch_task_id ? `; re-match task ${summary.rematch_task_id}` : '';
  return `${head}${summary.import_id}: ${countsText(summary)} [${perSource}]${rematch}`;
}
