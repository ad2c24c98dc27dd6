import { modifiedMs } from '../../../engines/vuln/osv-schema.js';
import { readOsvSource, type OsvSourceItem, type OsvSourceOptions } from '../../../engines/vuln/osv-source.js';
import { MAX_INVALID_EXAMPLES, zeroCounts, type SourceSummary } from './import-summary.js';

/**
 * The first pass of an import: reads every source completely without storing anything, so that a source which
 * cannot be trusted (unreadable path, corrupt or hostile archive, nothing in it) fails the import before any
 * record is written. It also finds the newest `modified` of every id, so the second pass stores each id once.
 */

export interface SourceCheck {
  /** Why the import must store nothing, or null. */
  fatal: string | null;
  sources: SourceSummary[];
  invalidExamples: Array<{ origin: string; reason: string }>;
  /** Newest `modified` (epoch ms) of every valid id across all sources. */
  newest: Map<string, number>;
}

export type CheckProgress = (phase: 'checking' | 'importing', origin: string, done: number, total: number) => void;

/** An item that must fail the whole import: the engine's fatal errors and the suspect zip entries. */
export function fatalError(item: OsvSourceItem): string | null {
  return 'error' in item && (item.fatal || item.suspect === true) ? `${item.origin}: ${item.error}` : null;
}

export async function checkSources(paths: readonly string[], options: OsvSourceOptions, progress?: CheckProgress): Promise<SourceCheck> {
  const check: SourceCheck = { fatal: null, sources: [], invalidExamples: [], newest: new Map() };
  const sourceOptions: OsvSourceOptions = { ...options, ...(progress ? { progress: (o, d, t) => progress('checking', o, d, t) } : {}) };
  for (const path of paths) {
    const source: SourceSummary = { path, ...zeroCounts() };
    check.sources.push(source);
    for await (const item of readOsvSource(path, sourceOptions)) {
      const fatal = fatalError(item);
      if (fatal !== null) {
        check.fatal = fatal;
        return check;
      }
      source.read += 1;
      if ('error' in item) {
        source.invalid += 1;
        if (check.invalidExamples.length < MAX_INVALID_EXAMPLES) check.invalidExamples.push({ origin: item.origin, reason: item.error });
        continue;
      }
      const modified = modifiedMs(item.record);
      const seen = check.newest.get(item.record.id);
      if (seen === undefined || modified > seen) check.newest.set(item.record.id, modified);
    }
    if (source.read === 0) {
      check.fatal = `${path}: no OSV records found (expected a .json file, an osv.dev <Ecosystem>/all.zip, or a directory of them)`;
      return check;
    }
  }
  return check;
}
