import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { VulScanDatabase, VulScanTables } from './tables.js';

/**
 * Handling status per (host, vulnerability) in `vul_host_status`, written by ChangeVulStatus: `ignore` stores
 * `vul_status_ignored`, `not_ignore` deletes that row, `verify` stores `vul_status_verified` at the time of the
 * verification scan (how long it reads as verifying is decided in findings-reads.ts). Every call is one
 * transaction; rows of other projects are never touched.
 */

export interface StatusPair { host_id: string; vul_id: string }

const CHUNK = 200;

export class VulStatusStore {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VulScanTables>();
  }

  /** Sets the status (and remark) of every pair, replacing what was there. */
  async set(projectId: string, pairs: readonly StatusPair[], status: 'vul_status_ignored' | 'vul_status_verified', remark: string,
    updatedBy: string, now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < pairs.length; i += CHUNK) {
        const part = pairs.slice(i, i + CHUNK);
        await trx.deleteFrom('vul_host_status').where('project_id', '=', projectId)
          .where((eb) => eb.or(part.map((p) => eb.and([eb('host_id', '=', p.host_id), eb('vul_id', '=', p.vul_id)])))).execute();
        await trx.insertInto('vul_host_status').values(part.map((p) => ({
          host_id: p.host_id, vul_id: p.vul_id, project_id: projectId, status, remark, updated_by: updatedBy, updated_at: now,
        }))).execute();
      }
    });
  }

  /** Removes the `ignored` mark of every pair (other statuses stay). */
  async unignore(projectId: string, pairs: readonly StatusPair[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < pairs.length; i += CHUNK) {
        const part = pairs.slice(i, i + CHUNK);
        await trx.deleteFrom('vul_host_status').where('project_id', '=', projectId).where('status', '=', 'vul_status_ignored')
          .where((eb) => eb.or(part.map((p) => eb.and([eb('host_id', '=', p.host_id), eb('vul_id', '=', p.vul_id)])))).execute();
      }
    });
  }

  ofHost(projectId: string, hostId: string) {
    return this.db.selectFrom('vul_host_status').selectAll().where('project_id', '=', projectId).where('host_id', '=', hostId)
      .orderBy('vul_id').execute();
  }
}
