import type { Kysely, Transaction } from 'kysely';
import type { Database, JobState } from '../../store/schema.js';
import type { VulScanDatabase, VulScanHost, VulScanTables } from './tables.js';

/**
 * What the scan pipeline reads and writes about hosts still scanning: each with the state of its inventory and
 * match jobs and when its agent was last seen, so the progress periodic can move it on in one query per round.
 */

export interface ScanningHost {
  host: VulScanHost;
  inventory: { state: JobState; failure_reason: string | null; created_at: number } | null;
  match: { state: JobState; failure_reason: string | null } | null;
  agentLastSeenAt: number | null;
}

export class PipelineStore {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VulScanTables>();
  }

  getHost(taskId: string, hostId: string): Promise<VulScanHost | undefined> {
    return this.db.selectFrom('vul_scan_hosts').selectAll().where('task_id', '=', taskId).where('host_id', '=', hostId).executeTakeFirst();
  }

  /**
   * Hosts still scanning that have something to move on (a job ended, a match job to add, an agent offline
   * since `seenBefore` with its job unclaimed), oldest first, at most `limit`: hosts merely waiting are not read.
   */
  async scanningHosts(seenBefore: number, limit = 500): Promise<ScanningHost[]> {
    const rows = await this.db.selectFrom('vul_scan_hosts as h')
      .leftJoin('jobs as inv', 'inv.id', 'h.inventory_job_id')
      .leftJoin('jobs as mat', 'mat.id', 'h.match_job_id')
      .leftJoin('agents as a', 'a.id', 'h.agent_id')
      .selectAll('h')
      .select([
        'inv.state as inv_state', 'inv.failure_reason as inv_reason', 'inv.created_at as inv_created',
        'mat.state as mat_state', 'mat.failure_reason as mat_reason', 'a.last_seen_at as agent_seen',
      ])
      .where('h.scan_status', '=', 'scanning')
      .where((eb) => eb.or([
        eb('inv.id', 'is', null),
        eb('inv.state', 'in', ['failed', 'cancelled']),
        eb.and([eb('inv.state', '=', 'succeeded'), eb('h.match_job_id', 'is', null)]),
        eb('mat.state', 'in', ['failed', 'cancelled']),
        eb.and([eb('inv.state', '=', 'queued'), eb.or([eb('a.last_seen_at', 'is', null), eb('a.last_seen_at', '<', seenBefore)])]),
      ]))
      .orderBy('h.started_at').orderBy('h.task_id').orderBy('h.host_id').limit(limit).execute();
    return rows.map((r) => ({
      host: {
        task_id: r.task_id, host_id: r.host_id, agent_id: r.agent_id, project_id: r.project_id, inventory_job_id: r.inventory_job_id,
        match_job_id: r.match_job_id, scan_status: r.scan_status, failed_reasons: r.failed_reasons, details: r.details,
        started_at: Number(r.started_at), finished_at: r.finished_at === null ? null : Number(r.finished_at),
      },
      inventory: r.inv_state ? { state: r.inv_state, failure_reason: r.inv_reason ?? null, created_at: Number(r.inv_created) } : null,
      match: r.mat_state ? { state: r.mat_state, failure_reason: r.mat_reason ?? null } : null,
      agentLastSeenAt: r.agent_seen === null || r.agent_seen === undefined ? null : Number(r.agent_seen),
    }));
  }

  /** Records the host's match job unless one already is (another replica won): true when this one was recorded. */
  async claimMatchSlot(trx: Transaction<Database>, taskId: string, hostId: string, jobId: string): Promise<boolean> {
    const result = await trx.withTables<VulScanTables>().updateTable('vul_scan_hosts').set({ match_job_id: jobId })
      .where('task_id', '=', taskId).where('host_id', '=', hostId).where('match_job_id', 'is', null).where('scan_status', '=', 'scanning')
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
