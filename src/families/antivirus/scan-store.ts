import type { Kysely, Transaction } from 'kysely';
import type { Agent, Database, Task } from '../../store/schema.js';
import type { TaskStore } from '../../store/task-store.js';
import { ANTIVIRUS_FAMILY, type AvScanType } from './domain.js';
import { avScanJobKind, type AvScanPayload } from './job-kind.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/**
 * Antivirus tasks and their hosts: a core task with one `av-scan` job per host that can scan, one `av_tasks` row and
 * one `av_task_hosts` row per host. Hosts that cannot scan (offline, revoked, no engine) join the task `fail` with
 * their reason, which CreateAntiVirusTask also returns in `fail_reasons`.
 */

export interface AvTarget { agent: Agent; unavailable: string | null }

export interface NewAvTask {
  projectId: string;
  enterpriseProjectId: string;
  taskName: string;
  scanType: AvScanType;
  action: string;
  paid: boolean;
  scanDir: string;
  ignoreDir: string;
  fileTypes: readonly number[];
  payload: AvScanPayload;
  targets: readonly AvTarget[];
  createdBy: string;
  /** A policy's scheduled run: its start type and id (default `now`, no policy). */
  startType?: 'now' | 'later' | 'period';
  policyId?: string | null;
}

export class AvScanStore {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>, private readonly tasks: TaskStore) {
    this.db = db.withTables<AntivirusTables>();
  }

  /** `before` runs first in the task's transaction (a policy run claims its slot there; throwing creates nothing). */
  async createTask(spec: NewAvTask, now = Date.now(), before?: (trx: Transaction<Database>) => Promise<void>): Promise<Task> {
    const scanning = spec.targets.filter((t) => t.unavailable === null);
    const { task } = await this.tasks.createTask({
      projectId: spec.projectId, enterpriseProjectId: spec.enterpriseProjectId, family: ANTIVIRUS_FAMILY, kind: spec.scanType,
      name: spec.taskName, params: { scan_type: spec.scanType, hosts: spec.targets.length, paid: spec.paid }, createdBy: spec.createdBy,
      jobs: scanning.map((t) => ({ agentId: t.agent.id, kind: avScanJobKind.name, payload: spec.payload })),
    }, now, {
      ...(before ? { before } : {}),
      after: async (trx, created, jobs) => {
        const jobByAgent = new Map(jobs.map((j) => [j.agent_id, j.id]));
        const db = trx.withTables<AntivirusTables>();
        await db.insertInto('av_tasks').values({
          task_id: created.id, project_id: spec.projectId, task_name: spec.taskName, scan_type: spec.scanType, action: spec.action,
          start_type: spec.startType ?? 'now', whether_paid_task: spec.paid ? 1 : 0, scan_dir: spec.scanDir, ignore_dir: spec.ignoreDir,
          file_types: JSON.stringify(spec.fileTypes), policy_id: spec.policyId ?? null, start_time: now, end_time: scanning.length === 0 ? now : null,
        }).execute();
        for (let i = 0; i < spec.targets.length; i += 200) {
          await db.insertInto('av_task_hosts').values(spec.targets.slice(i, i + 200).map(({ agent, unavailable }) => ({
            task_id: created.id, host_id: agent.host_id, agent_id: agent.id, project_id: spec.projectId,
            job_id: unavailable === null ? jobByAgent.get(agent.id) ?? null : null,
            host_task_status: unavailable === null ? 'scanning' : 'fail', scan_file_num: 0, files_total: 0, scanned_bytes: 0,
            scan_progress: 0, virus_num: 0, fail_reason: unavailable ?? '', start_time: now, end_time: unavailable === null ? null : now,
            whether_using_quota: spec.paid ? 1 : 0, updated_at: now,
          }))).execute();
        }
      },
    });
    return task;
  }

  /**
   * Cancels the listed hosts that are still scanning: their rows become `cancel` at once and their jobs are
   * cancelled (a running scan stops at the agent's next check-in). Returns the host ids that were cancelled.
   */
  async cancelHosts(taskId: string, hostIds: readonly string[], now = Date.now()): Promise<string[]> {
    const rows = await this.db.selectFrom('av_task_hosts').select(['host_id', 'job_id'])
      .where('task_id', '=', taskId).where('host_id', 'in', hostIds).where('host_task_status', '=', 'scanning').execute();
    if (rows.length === 0) return [];
    await this.db.transaction().execute(async (trx) => {
      const db = trx.withTables<AntivirusTables>();
      await db.updateTable('av_task_hosts').set({ host_task_status: 'cancel', fail_reason: 'cancelled by user', end_time: now, updated_at: now })
        .where('task_id', '=', taskId).where('host_id', 'in', rows.map((r) => r.host_id)).where('host_task_status', '=', 'scanning').execute();
      await closeTaskIfDone(db, taskId, now);
    });
    await this.tasks.cancelJobs(rows.flatMap((r) => (r.job_id ? [r.job_id] : [])), 'cancelled by user (SwitchAntivirusTask)', now);
    return rows.map((r) => r.host_id);
  }
}

/** Sets the task's end time once no host is left scanning. */
export async function closeTaskIfDone(db: Kysely<AntivirusDatabase>, taskId: string, now: number): Promise<void> {
  const left = await db.selectFrom('av_task_hosts').select('host_id').where('task_id', '=', taskId).where('host_task_status', '=', 'scanning')
    .limit(1).executeTakeFirst();
  if (!left) await db.updateTable('av_tasks').set({ end_time: now }).where('task_id', '=', taskId).where('end_time', 'is', null).execute();
}
