import crypto from 'node:crypto';
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

  /**
   * Makes `findings` the host's current set. Rows that stay the same keep their id and only get the new
   * `scan_time` (a re-match after an import usually changes a few rows of thousands); the others are deleted
   * or inserted.
   */
  async replaceHostFindings(projectId: string, hostId: string, findings: readonly NewFinding[], now = Date.now()): Promise<void> {
    const digest = digestOf(findings);
    await this.db.transaction().execute(async (trx) => {
      const stored = await trx.selectFrom('vul_findings_digests').select(['digest', 'project_id']).where('host_id', '=', hostId).executeTakeFirst();
      if (stored?.digest === digest && stored.project_id === projectId) {
        // The same findings as stored (the usual re-match): only their scan time moves.
        await trx.updateTable('vul_findings').set({ scan_time: now }).where('host_id', '=', hostId).execute();
        return;
      }
      // By host id alone (a random UUID per enrollment, so one project's): with the project in the condition too,
      // SQLite may pick the (project_id, vul_id) index and scan the whole project's findings per host.
      const existing = (await trx.selectFrom('vul_findings').selectAll().where('host_id', '=', hostId).execute()).filter((r) => r.project_id === projectId);
      const firstSeen = new Map<string, number>();
      for (const row of existing) firstSeen.set(row.vul_id, Math.min(firstSeen.get(row.vul_id) ?? Infinity, Number(row.first_scan_time)));
      const current = new Map(existing.map((row) => [identity(row), row.id]));
      const kept = new Set<string>();
      const added: NewFinding[] = [];
      for (const finding of findings) {
        const id = current.get(identity(finding));
        if (id !== undefined && !kept.has(id)) kept.add(id);
        else added.push(finding);
      }
      const removed = existing.filter((row) => !kept.has(row.id)).map((row) => row.id);
      for (let i = 0; i < removed.length; i += 500) await trx.deleteFrom('vul_findings').where('id', 'in', removed.slice(i, i + 500)).execute();
      if (kept.size > 0) await trx.updateTable('vul_findings').set({ scan_time: now }).where('host_id', '=', hostId).execute();
      const rows = added.map((f) => ({
        ...f, id: newHexId(), project_id: projectId, host_id: hostId, first_scan_time: firstSeen.get(f.vul_id) ?? now, scan_time: now,
      }));
      for (let i = 0; i < rows.length; i += 200) await trx.insertInto('vul_findings').values(rows.slice(i, i + 200)).execute();
      await trx.insertInto('vul_findings_digests').values({ host_id: hostId, project_id: projectId, digest })
        .onConflict((oc) => oc.column('host_id').doUpdateSet({ project_id: projectId, digest })).execute();
    });
  }

  ofHost(projectId: string, hostId: string): Promise<VulFinding[]> {
    return this.db.selectFrom('vul_findings').selectAll().where('project_id', '=', projectId).where('host_id', '=', hostId)
      .orderBy('vul_id').orderBy('app_path').execute();
  }

  /** Per host: distinct vulnerabilities not ignored (the HSS host record's `vulnerability` counter). */
  async unhandledCounts(projectId: string, hostIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let i = 0; i < hostIds.length; i += 400) {
      const rows = await this.db.selectFrom('vul_findings as f')
        .leftJoin('vul_host_status as s', (join) => join.onRef('s.host_id', '=', 'f.host_id').onRef('s.vul_id', '=', 'f.vul_id')
          .on('s.status', '=', 'vul_status_ignored'))
        .select(['f.host_id', (eb) => eb.fn.count<number>('f.vul_id').distinct().as('n')])
        .where('f.project_id', '=', projectId).where('f.host_id', 'in', hostIds.slice(i, i + 400)).where('s.vul_id', 'is', null)
        .groupBy('f.host_id').execute();
      for (const row of rows) counts.set(row.host_id, Number(row.n));
    }
    return counts;
  }
}

/** What makes two finding rows the same finding (everything but ids and times). */
/** Order-independent digest of a set of findings (their identities, sorted). */
function digestOf(findings: readonly NewFinding[]): string {
  const hash = crypto.createHash('sha256');
  for (const id of findings.map(identity).sort()) hash.update(id).update('\n');
  return hash.digest('hex');
}

function identity(f: NewFinding): string {
  return JSON.stringify([f.vul_id, f.type, f.app_name, f.app_version, f.ecosystem, f.app_path, f.fixed_version, f.severity_level,
    f.cvss === null ? null : Number(f.cvss)]);
}
