import type { Kysely } from 'kysely';
import { buildAdvisoryIndex, type AdvisoryIndex } from '../../engines/vuln/matcher.js';
import { parseOsvRecord } from '../../engines/vuln/osv-schema.js';
import { comparatorFor } from '../../engines/versions/index.js';
import type { Database } from '../../store/schema.js';
import type { PreparedAdvisories } from './host-matcher.js';
import type { VulScanDatabase, VulScanTables } from './tables.js';

/**
 * The advisories naming a set of package keys, parsed and range-prepared once per process: the store is asked
 * which current advisories name the keys and at which `modified` (a cheap indexed query), and only records not
 * cached at that `modified` are read and prepared. A stored record only ever changes with a newer `modified`
 * (AdvisoryStore.put), so a cached entry is valid exactly while its `modified` matches, on any replica.
 */

type IndexEntry = AdvisoryIndex['byKey'] extends ReadonlyMap<string, readonly (infer E)[]> ? E : never;

interface Cached { modifiedMs: number; byKey: ReadonlyMap<string, readonly IndexEntry[]>; summary: string }

const CHUNK = 400;
/** Records kept at most; past it the cache starts over (bounded memory whatever the advisory store holds). */
export const MAX_CACHED_ADVISORIES = 100_000;

export class PreparedAdvisoryCache {
  private readonly db: Kysely<VulScanDatabase>;
  private readonly cache = new Map<string, Cached>();

  constructor(db: Kysely<Database>, private readonly maxRecords = MAX_CACHED_ADVISORIES) {
    this.db = db.withTables<VulScanTables>();
  }

  get size(): number {
    return this.cache.size;
  }

  async prepare(keys: readonly string[]): Promise<PreparedAdvisories> {
    const wanted = [...new Set(keys)];
    const current = new Map<string, number>();
    for (let i = 0; i < wanted.length; i += CHUNK) {
      const rows = await this.db.selectFrom('vul_advisory_packages as p').innerJoin('vul_advisories as a', 'a.id', 'p.advisory_id')
        .select(['a.id', 'a.modified_ms']).distinct().where('p.package_key', 'in', wanted.slice(i, i + CHUNK)).where('a.withdrawn', 'is', null).execute();
      for (const row of rows) current.set(row.id, Number(row.modified_ms));
    }
    const stale = [...current].filter(([id, modified]) => this.cache.get(id)?.modifiedMs !== modified).map(([id]) => id);
    if (this.cache.size + stale.length > this.maxRecords) this.cache.clear();
    for (let i = 0; i < stale.length; i += CHUNK) {
      const rows = await this.db.selectFrom('vul_advisories').select(['id', 'modified_ms', 'record']).where('id', 'in', stale.slice(i, i + CHUNK)).execute();
      for (const row of rows) {
        const parsed = parseOsvRecord(row.record);
        if (!('record' in parsed)) continue;
        const index = buildAdvisoryIndex([parsed.record], comparatorFor);
        this.cache.set(row.id, { modifiedMs: Number(row.modified_ms), byKey: index.byKey, summary: parsed.record.summary ?? '' });
      }
    }
    const wantedKeys = new Set(wanted);
    const byKey = new Map<string, IndexEntry[]>();
    const summaries = new Map<string, string>();
    for (const id of current.keys()) {
      const cached = this.cache.get(id);
      if (!cached) continue;
      summaries.set(id, cached.summary);
      for (const [key, entries] of cached.byKey) {
        if (!wantedKeys.has(key)) continue;
        const list = byKey.get(key);
        if (list) list.push(...entries);
        else byKey.set(key, [...entries]);
      }
    }
    return { index: { byKey, advisories: summaries.size }, summaries };
  }
}
