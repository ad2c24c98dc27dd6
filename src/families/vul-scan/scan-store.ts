import type { Kysely, Transaction } from 'kysely';
import type { TaskStore } from '../../store/task-store.js';
import type { Agent, Database, Task } from '../../store/schema.js';
import {
  isSupportedVulType, UNSUPPORTED_VUL_TYPE_REASONS, VUL_SCAN_FAMILY, type ScanStatus, type ScanTaskKind, type SupportedVulType, type VulType,
} from './domain.js';
import { inventoryJobKind } from './job-kinds.js';
import type { VulScanDatabase, VulScanHost, VulScanTables } from './tables.js';

/**
 * Scan tasks and their hosts. A task row in the core plus `vul_scan_tasks` (scan type, requested types, start
 * and end time) and one `vul_scan_hosts` row per host, whose `scan_status` is what ListVulScanTaskHost shows.
 * Hosts that cannot scan (agent offline, no scan capability, only unsupported types) fail at creation with
 * their reason; the others get an inventory job.
 */

export interface FailedReason { vul_type: string; failed_reason: string }
export interface ScanDetail { vul_type: string; status: ScanStatus; failed_reason: string; scan_vul_list: Array<{ vul_id: string; vul_name: string; status: ScanStatus; failed_reason: string }> }

export interface ScanTarget {
  agent: Agent;
  /** Null when the host can run the scan; otherwise why it cannot (offline, no capability). */
  unavailable: string | null;
}

export interface NewScan {
  projectId: string;
  enterpriseProjectId: string;
  scanType: ScanTaskKind;
  vulTypes: readonly VulType[];
  targets: readonly ScanTarget[];
  createdBy: string;
}

/** The initial per-type state of one host: unsupported types fail, the rest scan (or fail with `unavailable`). */
export function initialHostState(vulTypes: readonly VulType[], unavailable: string | null): { status: ScanStatus; reasons: FailedReason[]; details: ScanDetail[] } {
  const reasons: FailedReason[] = [];
  const details: ScanDetail[] = [];
  for (const type of vulTypes) {
    const reason = isSupportedVulType(type) ? unavailable : UNSUPPORTED_VUL_TYPE_REASONS[type];
    if (reason) reasons.push({ vul_type: type, failed_reason: reason });
    details.push({ vul_type: type, status: reason ? 'failed' : 'scanning', failed_reason: reason ?? '', scan_vul_list: [] });
  }
  return { status: details.some((d) => d.status === 'scanning') ? 'scanning' : 'failed', reasons, details };
}

export class ScanStore {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>, private readonly tasks: TaskStore) {
    this.db = db.withTables<VulScanTables>();
  }

  async createScan(scan: NewScan, now = Date.now()): Promise<Task> {
    const supported = scan.vulTypes.filter(isSupportedVulType) as SupportedVulType[];
    const hosts = scan.targets.map((target) => ({ target, state: initialHostState(scan.vulTypes, target.unavailable) }));
    const scanning = hosts.filter((h) => h.state.status === 'scanning');
    const { task } = await this.tasks.createTask({
      projectId: scan.projectId, enterpriseProjectId: scan.enterpriseProjectId, family: VUL_SCAN_FAMILY, kind: scan.scanType,
      name: `${scan.scanType} vulnerability scan`, params: { vul_types: scan.vulTypes, hosts: scan.targets.length }, createdBy: scan.createdBy,
      jobs: scanning.map((h) => ({ agentId: h.target.agent.id, kind: inventoryJobKind.name, payload: { scan_types: supported } })),
    }, now, {
      after: async (trx, created, jobs) => {
        const jobByAgent = new Map(jobs.map((j) => [j.agent_id, j.id]));
        const db = trx.withTables<VulScanTables>();
        await db.insertInto('vul_scan_tasks').values({
          task_id: created.id, project_id: scan.projectId, scan_type: scan.scanType, scan_vul_types: JSON.stringify(scan.vulTypes),
          start_time: now, end_time: scanning.length === 0 ? now : null,
        }).execute();
        for (let i = 0; i < hosts.length; i += 200) {
          await db.insertInto('vul_scan_hosts').values(hosts.slice(i, i + 200).map(({ target, state }) => ({
            task_id: created.id, host_id: target.agent.host_id, agent_id: target.agent.id, project_id: scan.projectId,
            inventory_job_id: state.status === 'scanning' ? jobByAgent.get(target.agent.id) ?? null : null, match_job_id: null,
            scan_status: state.status, failed_reasons: JSON.stringify(state.reasons), details: JSON.stringify(state.details),
            started_at: now, finished_at: state.status === 'scanning' ? null : now,
          }))).execute();
        }
      },
    });
    return task;
  }

  hostsOfTask(taskId: string): Promise<VulScanHost[]> {
    return this.db.selectFrom('vul_scan_hosts').selectAll().where('task_id', '=', taskId).orderBy('host_id').execute();
  }

  /** Sets a host's final state and closes the task when no host is left scanning. */
  async finishHost(taskId: string, hostId: string, status: Exclude<ScanStatus, 'scanning'>, reasons: readonly FailedReason[],
    details: readonly ScanDetail[], now = Date.now(), trx?: Transaction<Database>): Promise<void> {
    const run = async (db: Kysely<VulScanDatabase>) => {
      await db.updateTable('vul_scan_hosts')
        .set({ scan_status: status, failed_reasons: JSON.stringify(reasons), details: JSON.stringify(details), finished_at: now })
        .where('task_id', '=', taskId).where('host_id', '=', hostId).execute();
      const left = await db.selectFrom('vul_scan_hosts').select('host_id').where('task_id', '=', taskId).where('scan_status', '=', 'scanning')
        .limit(1).executeTakeFirst();
      if (!left) await db.updateTable('vul_scan_tasks').set({ end_time: now }).where('task_id', '=', taskId).where('end_time', 'is', null).execute();
    };
    if (trx) await run(trx.withTables<VulScanTables>());
    else await this.db.transaction().execute((t) => run(t));
  }
}
