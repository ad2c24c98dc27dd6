import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/store/schema.js';
import type { VulScanTables } from '../../../src/families/vul-scan/tables.js';

/** Shared by the vulndb tests: hand-written OSV records on disk and a row-count snapshot of what an import touches. */

export function pypiRecord(id: string, modified: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id, modified,
    affected: [{ package: { ecosystem: 'PyPI', name: `pkg-${id.toLowerCase()}` }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }] }],
    ...extra,
  };
}

/** Writes one `<id>.json` per record into `dir` (created); returns `dir`. */
export function writeRecords(dir: string, records: ReadonlyArray<Record<string, unknown>>): string {
  mkdirSync(dir, { recursive: true });
  for (const [i, record] of records.entries()) writeFileSync(join(dir, `${String(i).padStart(5, '0')}-${String(record.id).replace(/[^A-Za-z0-9._-]/g, '_')}.json`), JSON.stringify(record));
  return dir;
}

export interface RowCounts { advisories: number; packages: number; withdrawn: number; imports: number; tasks: number; jobs: number }

export async function rowCounts(db: Kysely<Database>): Promise<RowCounts> {
  const v = db.withTables<VulScanTables>();
  const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) => Number((await q.executeTakeFirstOrThrow()).n);
  return {
    advisories: await count(v.selectFrom('vul_advisories').select((eb) => eb.fn.countAll<number>().as('n'))),
    packages: await count(v.selectFrom('vul_advisory_packages').select((eb) => eb.fn.countAll<number>().as('n'))),
    withdrawn: await count(v.selectFrom('vul_advisories').where('withdrawn', 'is not', null).select((eb) => eb.fn.countAll<number>().as('n'))),
    imports: await count(v.selectFrom('vul_imports').select((eb) => eb.fn.countAll<number>().as('n'))),
    tasks: await count(v.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n'))),
    jobs: await count(v.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n'))),
  };
}

/** A fingerprint of every stored advisory (id + modified + withdrawn): equal before and after ⇒ nothing changed. */
export async function advisoryFingerprint(db: Kysely<Database>): Promise<string> {
  const rows = await db.withTables<VulScanTables>().selectFrom('vul_advisories').select(['id', 'modified_ms', 'withdrawn']).orderBy('id').execute();
  return rows.map((r) => `${r.id}@${Number(r.modified_ms)}${r.withdrawn ? '!' : ''}`).join('\n');
}
