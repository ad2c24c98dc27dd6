import type { Kysely, Transaction } from 'kysely';
import { baseEcosystem } from '../../../engines/vuln/package-keys.js';
import type { Database } from '../../../store/schema.js';
import { parseList } from '../advisory-store.js';
import type { VulScanDatabase, VulScanTables } from '../tables.js';
import type { ImportSummary } from './import-summary.js';

/** The `vul_imports` rows (one per `guardpost vulndb import`) and the advisory store's per-ecosystem counts. */

export interface EcosystemStats {
  ecosystem: string;
  /** Current (not withdrawn) advisories naming the ecosystem. */
  advisories: number;
  withdrawn: number;
  /** Distinct package names the current advisories name. */
  packages: number;
  /** When an advisory of the ecosystem was last written (epoch ms). */
  last_imported_at: number | null;
}

export interface ImportRow {
  id: string; started_at: number; finished_at: number | null; sources: string[];
  /** The stored `ImportSummary` JSON, parsed (unknown: older rows may lack fields). */
  summary: unknown;
  changed_ecosystems: string[]; rematch_task_id: string | null;
}

export class ImportStore {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VulScanTables>();
  }

  async begin(id: string, sources: readonly string[], now: number): Promise<void> {
    await this.db.insertInto('vul_imports').values({
      id, started_at: now, finished_at: null, sources: JSON.stringify(sources), summary: null, changed_ecosystems: null, rematch_task_id: null,
    }).execute();
  }

  /** Records the outcome; `trx` when it must commit together with the re-match task. */
  async finish(summary: ImportSummary, trx?: Transaction<Database>): Promise<void> {
    const db = trx ? trx.withTables<VulScanTables>() : this.db;
    await db.updateTable('vul_imports').set({
      finished_at: summary.finished_at, summary: JSON.stringify(summary),
      changed_ecosystems: JSON.stringify(summary.changed_ecosystems), rematch_task_id: summary.rematch_task_id,
    }).where('id', '=', summary.import_id).execute();
  }

  async get(id: string): Promise<ImportRow | undefined> {
    const row = await this.db.selectFrom('vul_imports').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toImportRow(row);
  }

  async latest(): Promise<ImportRow | undefined> {
    const row = await this.db.selectFrom('vul_imports').selectAll().orderBy('started_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
    return row && toImportRow(row);
  }

  async ecosystemStats(): Promise<EcosystemStats[]> {
    const current = await this.db.selectFrom('vul_advisory_packages as p')
      .innerJoin('vul_advisories as a', 'a.id', 'p.advisory_id')
      .select((eb) => [
        'p.ecosystem',
        eb.fn.count<number>('p.advisory_id').distinct().as('advisories'),
        eb.fn.count<number>('p.package_key').distinct().as('packages'),
        eb.fn.max<number>('a.imported_at').as('last'),
      ])
      .groupBy('p.ecosystem').execute();
    const stats = new Map<string, EcosystemStats>();
    const entry = (ecosystem: string): EcosystemStats => {
      let found = stats.get(ecosystem);
      if (!found) stats.set(ecosystem, found = { ecosystem, advisories: 0, withdrawn: 0, packages: 0, last_imported_at: null });
      return found;
    };
    for (const row of current) {
      Object.assign(entry(row.ecosystem), { advisories: Number(row.advisories), packages: Number(row.packages), last_imported_at: Number(row.last) });
    }
    // Withdrawn advisories name no package keys; their ecosystems are in the row's JSON list (few rows).
    const withdrawn = await this.db.selectFrom('vul_advisories').select(['ecosystems', 'imported_at']).where('withdrawn', 'is not', null).execute();
    for (const row of withdrawn) {
      for (const ecosystem of new Set(parseList(row.ecosystems).map(baseEcosystem))) {
        const e = entry(ecosystem);
        e.withdrawn += 1;
        e.last_imported_at = Math.max(e.last_imported_at ?? 0, Number(row.imported_at));
      }
    }
    return [...stats.values()].sort((a, b) => a.ecosystem.localeCompare(b.ecosystem));
  }
}

function parseSummary(text: string | null): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function toImportRow(row: VulScanTables['vul_imports']): ImportRow {
  return {
    id: row.id, started_at: Number(row.started_at), finished_at: row.finished_at === null ? null : Number(row.finished_at),
    sources: parseList(row.sources), summary: parseSummary(row.summary), changed_ecosystems: parseList(row.changed_ecosystems),
    rematch_task_id: row.rematch_task_id,
  };
}
