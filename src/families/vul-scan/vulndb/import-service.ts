import type { Kysely } from 'kysely';
import { modifiedMs, type OsvRecord } from '../../../engines/vuln/osv-schema.js';
import { readOsvSource, type OsvSourceOptions } from '../../../engines/vuln/osv-source.js';
import { newHexId } from '../../../identity/secrets.js';
import type { Database } from '../../../store/schema.js';
import type { TaskStore } from '../../../store/task-store.js';
import { AdvisoryStore } from '../advisory-store.js';
import { ImportStore } from './import-store.js';
import { countOutcome, totals, type ImportSummary, type SourceSummary } from './import-summary.js';
import { finishImport } from './rematch-enqueue.js';
import { withStoreRetry } from './store-retry.js';
import { checkSources, fatalError, type CheckProgress, type SourceCheck } from './source-check.js';

/**
 * `guardpost vulndb import`: OSV records from zips, directories and JSON files into the advisory store.
 *
 * Two passes. The first (source-check.ts) reads everything and stores nothing: any fatal problem (unreadable
 * path, corrupt or hostile zip, a source with no records) fails the import with nothing stored. The second
 * reads again and stores in short transactions of `batchSize` records (the server keeps working on the same
 * database meanwhile), each id once: the copy with the newest `modified`. A bad record is counted, reported
 * (a few examples) and skipped. If a source turns bad between the passes (replaced on disk), the import stops
 * there and says so; what was stored until then is valid and stays.
 */

export interface ImportOptions {
  source?: OsvSourceOptions;
  batchSize?: number;
  progress?: CheckProgress;
  now?: () => number;
}

const DEFAULT_BATCH = 250;

interface Pending { record: OsvRecord; source: SourceSummary }

export class VulndbImportService {
  private readonly advisories: AdvisoryStore;
  readonly imports: ImportStore;

  constructor(private readonly db: Kysely<Database>, private readonly tasks: TaskStore) {
    this.advisories = new AdvisoryStore(db);
    this.imports = new ImportStore(db);
  }

  async importPaths(paths: readonly string[], options: ImportOptions = {}): Promise<ImportSummary> {
    const now = options.now ?? Date.now;
    const importId = newHexId();
    const startedAt = now();
    await this.imports.begin(importId, paths, startedAt);
    const changed = new Set<string>();
    let check: SourceCheck = { fatal: null, sources: [], invalidExamples: [], newest: new Map() };
    let error: string | null;
    try {
      check = await checkSources(paths, options.source ?? {}, options.progress);
      error = check.fatal ?? await this.store(importId, paths, check.sources, check.newest, changed, options, now);
    } catch (err) {
      // A database failure mid-way: the batches committed so far stay (each is valid); the row says what happened.
      error = `the import stopped: ${err instanceof Error ? err.message : String(err)}`;
    }
    const summary: ImportSummary = {
      import_id: importId, status: error === null ? 'ok' : 'failed', ...(error === null ? {} : { error }),
      ...totals(check.sources), sources: check.sources, invalid_examples: check.invalidExamples,
      changed_ecosystems: [...changed].sort(), rematch_task_id: null, started_at: startedAt, finished_at: now(),
    };
    return finishImport(this.db, this.tasks, this.imports, summary);
  }

  /** The second pass; returns why it stopped early, or null. `newest` loses each id as it is stored. */
  private async store(importId: string, paths: readonly string[], sources: readonly SourceSummary[], newest: Map<string, number>,
    changed: Set<string>, options: ImportOptions, now: () => number): Promise<string | null> {
    const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH);
    const progress = options.progress;
    const sourceOptions: OsvSourceOptions = { ...options.source, ...(progress ? { progress: (o, d, t) => progress('importing', o, d, t) } : {}) };
    let batch: Pending[] = [];
    const flush = async () => {
      const part = batch.sort((a, b) => (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
      batch = [];
      const result = await withStoreRetry(() => this.advisories.put(part.map((p) => p.record), importId, now()));
      result.outcomes.forEach((outcome, i) => countOutcome(part[i]!.source, outcome));
      for (const ecosystem of result.changedEcosystems) changed.add(ecosystem);
    };
    for (const [index, path] of paths.entries()) {
      const source = sources[index]!;
      for await (const item of readOsvSource(path, sourceOptions)) {
        const fatal = fatalError(item);
        if (fatal !== null) {
          if (batch.length > 0) await flush();
          return `a source changed while it was imported (${fatal}); the records before it were stored`;
        }
        if ('error' in item) continue;
        const wanted = newest.get(item.record.id);
        if (wanted === undefined || modifiedMs(item.record) < wanted) {
          countOutcome(source, 'duplicate');
          continue;
        }
        newest.delete(item.record.id);
        batch.push({ record: item.record, source });
        if (batch.length >= batchSize) await flush();
      }
    }
    if (batch.length > 0) await flush();
    return null;
  }
}
