import type { Insertable, Kysely } from 'kysely';
import { advisoryOf } from '../../engines/vuln/matcher.js';
import { modifiedMs, parseOsvRecord, type OsvRecord } from '../../engines/vuln/osv-schema.js';
import { advisoryKey, baseEcosystem } from '../../engines/vuln/package-keys.js';
import type { Database } from '../../store/schema.js';
import type { VulAdvisoriesTable, VulScanDatabase, VulScanTables } from './tables.js';

/**
 * The advisory store: OSV records as imported, one row per id, and the package keys each names (what a host's
 * packages are looked up by). A record replaces the stored one only when its `modified` is newer; a withdrawn
 * record keeps its row (so an older copy is not imported again) but names no packages, so it matches nothing.
 */

export type PutOutcome = 'added' | 'replaced' | 'unchanged' | 'withdrawn';

export interface PutResult {
  outcomes: PutOutcome[];
  /** Base ecosystems whose advisories changed (before and after): what a re-match looks at. */
  changedEcosystems: Set<string>;
}

const CHUNK = 400;
/** A multi-row insert of advisories carries at most about this much record JSON. */
const INSERT_BYTES = 8 * 1024 * 1024;

type AdvisoryRow = Insertable<VulAdvisoriesTable>;

function advisoryRow(record: OsvRecord, modified: number, ecosystems: string[], importId: string, now: number): AdvisoryRow {
  const advisory = advisoryOf(record);
  return {
    id: record.id, modified_ms: modified, modified: record.modified, withdrawn: record.withdrawn ?? null, summary: advisory.summary.slice(0, 4000),
    severity_level: advisory.severity.level, cvss: advisory.severity.cvss,
    cves: JSON.stringify(advisory.cves.map((cve) => ({ cve_id: cve, cvss: advisory.severity.cvss ?? 0 }))),
    ecosystems: JSON.stringify(ecosystems), record: JSON.stringify(record), import_id: importId, imported_at: now,
  };
}

function byteChunks(rows: readonly AdvisoryRow[]): AdvisoryRow[][] {
  const out: AdvisoryRow[][] = [];
  let current: AdvisoryRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (current.length > 0 && (current.length >= CHUNK || bytes + row.record.length > INSERT_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(row);
    bytes += row.record.length;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class AdvisoryStore {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VulScanTables>();
  }

  /**
   * Stores a batch of validated records in one transaction; within a batch, ids must be unique. New rows and all
   * package keys go in multi-row inserts (bounded in rows and bytes); a replaced row is one update.
   */
  async put(records: readonly OsvRecord[], importId: string, now = Date.now()): Promise<PutResult> {
    const changedEcosystems = new Set<string>();
    const outcomes: PutOutcome[] = [];
    if (records.length === 0) return { outcomes, changedEcosystems };
    await this.db.transaction().execute(async (trx) => {
      const existing = new Map<string, { modified_ms: number; ecosystems: string; withdrawn: string | null }>();
      for (const part of chunks(records.map((r) => r.id))) {
        const rows = await trx.selectFrom('vul_advisories').select(['id', 'modified_ms', 'ecosystems', 'withdrawn']).where('id', 'in', part).execute();
        for (const row of rows) existing.set(row.id, row);
      }
      const inserts: AdvisoryRow[] = [];
      const packages: Array<{ advisory_id: string; package_key: string; ecosystem: string }> = [];
      const replaced: string[] = [];
      for (const record of records) {
        const old = existing.get(record.id);
        const modified = modifiedMs(record);
        if (old && Number(old.modified_ms) >= modified) {
          outcomes.push('unchanged');
          continue;
        }
        const ecosystems = [...new Set((record.affected ?? []).map((a) => a.package.ecosystem))];
        if (old && old.withdrawn === null) for (const e of parseList(old.ecosystems)) changedEcosystems.add(baseEcosystem(e));
        const withdrawn = record.withdrawn ?? null;
        if (withdrawn === null) for (const e of ecosystems) changedEcosystems.add(baseEcosystem(e));
        const row = advisoryRow(record, modified, ecosystems, importId, now);
        if (old) {
          replaced.push(record.id);
          await trx.updateTable('vul_advisories').set(row).where('id', '=', record.id).execute();
        } else {
          inserts.push(row);
        }
        if (withdrawn === null) {
          const keys = new Map<string, string>();
          for (const affected of record.affected ?? []) {
            keys.set(advisoryKey(affected.package.ecosystem, affected.package.name), baseEcosystem(affected.package.ecosystem));
          }
          for (const [key, ecosystem] of keys) packages.push({ advisory_id: record.id, package_key: key, ecosystem });
        }
        outcomes.push(withdrawn !== null ? 'withdrawn' : old ? 'replaced' : 'added');
      }
      for (const part of chunks(replaced)) await trx.deleteFrom('vul_advisory_packages').where('advisory_id', 'in', part).execute();
      for (const part of byteChunks(inserts)) await trx.insertInto('vul_advisories').values(part).execute();
      for (const part of chunks(packages)) await trx.insertInto('vul_advisory_packages').values(part).execute();
    });
    return { outcomes, changedEcosystems };
  }

  /** The current (not withdrawn) records naming any of these package keys. */
  async recordsForKeys(keys: readonly string[]): Promise<OsvRecord[]> {
    const ids = new Set<string>();
    for (const part of chunks([...new Set(keys)])) {
      const rows = await this.db.selectFrom('vul_advisory_packages').select('advisory_id').distinct().where('package_key', 'in', part).execute();
      for (const row of rows) ids.add(row.advisory_id);
    }
    const records: OsvRecord[] = [];
    for (const part of chunks([...ids])) {
      const rows = await this.db.selectFrom('vul_advisories').select('record').where('id', 'in', part).where('withdrawn', 'is', null).execute();
      for (const row of rows) {
        const parsed = parseOsvRecord(row.record);
        if ('record' in parsed) records.push(parsed.record);
      }
    }
    return records;
  }

  async get(id: string): Promise<{ id: string; record: OsvRecord; withdrawn: string | null } | undefined> {
    const row = await this.db.selectFrom('vul_advisories').select(['id', 'record', 'withdrawn']).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const parsed = parseOsvRecord(row.record);
    return 'record' in parsed ? { id: row.id, record: parsed.record, withdrawn: row.withdrawn } : undefined;
  }
}

export function parseList(json: string | null): string[] {
  if (!json) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}
