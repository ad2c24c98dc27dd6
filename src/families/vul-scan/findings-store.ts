import type { Kysely } from 'kysely';
import { newHexId } from '../../identity/secrets.js';
import type { Database } from '../../store/schema.js';
import type { VulFinding, VulScanDatabase, VulScanTables } from './tables.js';

/**
 * Per-host findings: replaced as a whole each time a host's inventory is matched (a scan or a re-match after an
 * import), keeping each vulnerability's `first_scan_time`. Handling status (ignored, verifying) lives apart in
 * `vul_host_status`, so it survives re-matches.
 */

export type NewFinding = Omit<VulFinding, 'id' | 'project_id' | 'host_id' | 'first_scan_time' | 'scan_time'>;

export class FindingsStore {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VulScanTables>();
  }

  async replaceHostFindings(projectId: string, hostId: string, findings: readonly NewFinding[], now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const earlier = await trx.selectFrom('vul_findings').select(['vul_id', (eb) => eb.fn.min('first_scan_time').as('first')])
        .where('host_id', '=', hostId).where('project_id', '=', projectId).groupBy('vul_id').execute();
      const firstSeen = new Map(earlier.map((r) => [r.vul_id, Number(r.first)]));
      await trx.deleteFrom('vul_findings').where('host_id', '=', hostId).where('project_id', '=', projectId).execute();
      const rows = findings.map((f) => ({
        ...f, id: newHexId(), project_id: projectId, host_id: hostId, first_scan_time: firstSeen.get(f.vul_id) ?? now, scan_time: now,
      }));
      for (let i = 0; i < rows.length; i += 200) await trx.insertInto('vul_findings').values(rows.slice(i, i + 200)).execute();
    });
  }

  ofHost(projectId: string, hostId: string): Promise<VulFinding[]> {
    return this.db.selectFrom('vul_findings').selectAll().where('project_id', '=', projectId).where('host_id', '=', hostId)
      .orderBy('vul_id').orderBy('app_path').execute();
  }
}
