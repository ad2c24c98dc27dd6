import { sql, type Kysely } from 'kysely';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import type { Agent, Database, Task } from '../../store/schema.js';
import { SCAN_TASK_KINDS, VUL_SCAN_FAMILY, type ScanStatus } from './domain.js';
import { inventoryJobKind, matchJobKind } from './job-kinds.js';
import type { VulScanDatabase, VulScanHost, VulScanTables, VulScanTaskRow } from './tables.js';

/**
 * The reads behind the HSS scan-task operations: user scan tasks (`manual`/`schedule`, never the internal
 * `rematch` ones) with their host counters, one task's hosts joined with their agents, the hosts a new scan
 * resolves to, recent job durations for estimates, and the unread-task badge. Bounded and paged in SQL.
 */

export interface Page { offset: number; limit: number }

export interface TaskListFilter {
  projectId: string;
  scope: EnterpriseScope;
  scanType?: string | undefined;
  taskId?: string | undefined;
  minStartTime?: number | undefined;
  maxStartTime?: number | undefined;
}

export interface HostCounts { scanning: number; success: number; failed: number }
export type ScanTaskWithCounts = VulScanTaskRow & { counts: HostCounts };

export type ScanHostRow = VulScanHost & {
  host_name: string | null; private_ips: string | null; public_ips: string | null; asset_value: string | null;
};

/** How many recent jobs an estimate averages over. */
const DURATION_SAMPLE = 50;
/** Agent ids are looked up in chunks of this many (SQL parameter limits). */
const ID_CHUNK = 500;

const userTaskKinds = [...SCAN_TASK_KINDS];

export class ScanReads {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VulScanTables>();
  }

  private userTasks(projectId: string, scope: EnterpriseScope) {
    return this.db.selectFrom('vul_scan_tasks').innerJoin('tasks', 'tasks.id', 'vul_scan_tasks.task_id')
      .where('vul_scan_tasks.project_id', '=', projectId).where('tasks.family', '=', VUL_SCAN_FAMILY)
      .where(inScope('tasks.kind', userTaskKinds)).where(inScope('vul_scan_tasks.scan_type', userTaskKinds))
      .where(inScope('tasks.enterprise_project_id', scope));
  }

  async listTasks(filter: TaskListFilter, page: Page): Promise<{ total: number; rows: ScanTaskWithCounts[] }> {
    let q = this.userTasks(filter.projectId, filter.scope);
    if (filter.scanType) q = q.where('vul_scan_tasks.scan_type', '=', filter.scanType);
    if (filter.taskId) q = q.where('vul_scan_tasks.task_id', '=', filter.taskId);
    if (filter.minStartTime !== undefined) q = q.where('vul_scan_tasks.start_time', '>=', filter.minStartTime);
    if (filter.maxStartTime !== undefined) q = q.where('vul_scan_tasks.start_time', '<=', filter.maxStartTime);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = page.limit === 0 ? [] : await q.selectAll('vul_scan_tasks')
      .orderBy('vul_scan_tasks.start_time', 'desc').orderBy('vul_scan_tasks.task_id').limit(page.limit).offset(page.offset).execute();
    const counts = await this.hostCounts(rows.map((r) => r.task_id));
    return {
      total: Number(total.n),
      rows: rows.map((r) => ({ ...r, ...msFields(r), counts: counts.get(r.task_id) ?? { scanning: 0, success: 0, failed: 0 } })),
    };
  }

  /** A user scan task of the project within the scope (undefined for unknown ids, rematch tasks, other projects). */
  async task(projectId: string, taskId: string, scope: EnterpriseScope): Promise<(VulScanTaskRow & { task: Task }) | undefined> {
    const row = await this.userTasks(projectId, scope).where('vul_scan_tasks.task_id', '=', taskId)
      .selectAll('vul_scan_tasks').select(['tasks.enterprise_project_id', 'tasks.params', 'tasks.created_by', 'tasks.created_at',
        'tasks.updated_at', 'tasks.name', 'tasks.kind', 'tasks.family', 'tasks.cancel_requested_at'])
      .executeTakeFirst();
    if (!row) return undefined;
    const task: Task = {
      id: row.task_id, project_id: row.project_id, enterprise_project_id: row.enterprise_project_id, family: row.family, kind: row.kind,
      name: row.name, params: row.params, created_by: row.created_by, created_at: Number(row.created_at), updated_at: Number(row.updated_at),
      cancel_requested_at: row.cancel_requested_at === null ? null : Number(row.cancel_requested_at),
    };
    return { task_id: row.task_id, project_id: row.project_id, scan_type: row.scan_type, scan_vul_types: row.scan_vul_types, ...msFields(row), task };
  }

  async hostCounts(taskIds: readonly string[]): Promise<Map<string, HostCounts>> {
    const out = new Map<string, HostCounts>();
    if (taskIds.length === 0) return out;
    const rows = await this.db.selectFrom('vul_scan_hosts').select(['task_id', 'scan_status', (eb) => eb.fn.countAll<number>().as('n')])
      .where(inScope('task_id', taskIds)).groupBy(['task_id', 'scan_status']).execute();
    for (const row of rows) {
      const counts = out.get(row.task_id) ?? { scanning: 0, success: 0, failed: 0 };
      if (row.scan_status in counts) counts[row.scan_status as ScanStatus] += Number(row.n);
      out.set(row.task_id, counts);
    }
    return out;
  }

  async taskHosts(taskId: string, scanStatus: string | undefined, page: Page): Promise<{ total: number; rows: ScanHostRow[] }> {
    let q = this.db.selectFrom('vul_scan_hosts').leftJoin('agents', 'agents.id', 'vul_scan_hosts.agent_id')
      .where('vul_scan_hosts.task_id', '=', taskId);
    if (scanStatus) q = q.where('vul_scan_hosts.scan_status', '=', scanStatus);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = page.limit === 0 ? [] : await q.selectAll('vul_scan_hosts')
      .select(['agents.host_name', 'agents.private_ips', 'agents.public_ips', 'agents.asset_value'])
      .orderBy('agents.host_name').orderBy('vul_scan_hosts.host_id').limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), rows };
  }

  /** The hosts of a task with these host ids (at most 1000 are asked for). */
  hostsByIds(taskId: string, hostIds: readonly string[]): Promise<VulScanHost[]> {
    if (hostIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('vul_scan_hosts').selectAll().where('task_id', '=', taskId).where(inScope('host_id', hostIds)).execute();
  }

  failedHosts(taskId: string, limit: number): Promise<VulScanHost[]> {
    return this.db.selectFrom('vul_scan_hosts').selectAll().where('task_id', '=', taskId).where('scan_status', '=', 'failed')
      .orderBy('host_id').limit(limit).execute();
  }

  /** Every unrevoked agent of the project within the scope, at most `limit` (ordered, so a truncation is stable). */
  allAgents(projectId: string, scope: EnterpriseScope, limit: number): Promise<Agent[]> {
    return this.db.selectFrom('agents').selectAll().where('project_id', '=', projectId).where('revoked_at', 'is', null)
      .where(inScope('enterprise_project_id', scope)).orderBy('host_name').orderBy('id').limit(limit).execute();
  }

  async countAgents(projectId: string, scope: EnterpriseScope): Promise<number> {
    const row = await this.db.selectFrom('agents').select((eb) => eb.fn.countAll<number>().as('n')).where('project_id', '=', projectId)
      .where('revoked_at', 'is', null).where(inScope('enterprise_project_id', scope)).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Unrevoked agents of the project within the scope whose `column` (agent id or host id) is in `ids`. */
  async agentsBy(column: 'id' | 'host_id', projectId: string, scope: EnterpriseScope, ids: readonly string[]): Promise<Agent[]> {
    const out: Agent[] = [];
    for (let i = 0; i < ids.length; i += ID_CHUNK) {
      out.push(...await this.db.selectFrom('agents').selectAll().where('project_id', '=', projectId).where('revoked_at', 'is', null)
        .where(inScope('enterprise_project_id', scope)).where(inScope(column, ids.slice(i, i + ID_CHUNK))).execute());
    }
    return out;
  }

  /** Agents by id whatever their state (a rescan re-checks why a host cannot scan). */
  agentsById(ids: readonly string[]): Promise<Agent[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('agents').selectAll().where(inScope('id', ids)).execute();
  }

  /** Mean run time (ms) of the project's last succeeded jobs of a kind, or null without history. */
  async meanDurationMs(projectId: string, kind: string): Promise<number | null> {
    const rows = await this.db.selectFrom('jobs').select(['started_at', 'finished_at']).where('project_id', '=', projectId)
      .where('kind', '=', kind).where('state', '=', 'succeeded').where('started_at', 'is not', null).where('finished_at', 'is not', null)
      .orderBy('finished_at', 'desc').limit(DURATION_SAMPLE).execute();
    if (rows.length === 0) return null;
    const total = rows.reduce((sum, r) => sum + Math.max(0, Number(r.finished_at) - Number(r.started_at)), 0);
    return total / rows.length;
  }

  inventoryMeanMs(projectId: string): Promise<number | null> {
    return this.meanDurationMs(projectId, inventoryJobKind.name);
  }

  matchMeanMs(projectId: string): Promise<number | null> {
    return this.meanDurationMs(projectId, matchJobKind.name);
  }

  /** Queued or running inventory jobs per agent (what a new scan on that agent waits behind). */
  async activeInventoryJobs(agentIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < agentIds.length; i += ID_CHUNK) {
      const rows = await this.db.selectFrom('jobs').select(['agent_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('kind', '=', inventoryJobKind.name).where('state', 'in', ['queued', 'running'])
        .where(inScope('agent_id', agentIds.slice(i, i + ID_CHUNK))).groupBy('agent_id').execute();
      for (const row of rows) if (row.agent_id) out.set(row.agent_id, Number(row.n));
    }
    return out;
  }

  /** Finished user scan tasks of the project (in scope) that ended after `since`. */
  async finishedSince(projectId: string, scope: EnterpriseScope, since: number): Promise<number> {
    const row = await this.userTasks(projectId, scope).where('vul_scan_tasks.end_time', 'is not', null)
      .where('vul_scan_tasks.end_time', '>', since).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async lastViewed(projectId: string, taskType: string): Promise<number> {
    const row = await this.db.selectFrom('vul_task_views').select('viewed_at').where('project_id', '=', projectId)
      .where('task_type', '=', taskType).executeTakeFirst();
    return row ? Number(row.viewed_at) : 0;
  }

  async recordView(projectId: string, taskType: string, now: number): Promise<void> {
    await this.db.insertInto('vul_task_views').values({ project_id: projectId, task_type: taskType, viewed_at: now })
      .onConflict((oc) => oc.columns(['project_id', 'task_type']).doUpdateSet({ viewed_at: sql`excluded.viewed_at` }))
      .execute();
  }
}

/** bigint columns arrive as strings from some drivers: the ms fields as numbers. */
function msFields(r: Pick<VulScanTaskRow, 'start_time' | 'end_time'>): Pick<VulScanTaskRow, 'start_time' | 'end_time'> {
  return { start_time: Number(r.start_time), end_time: r.end_time === null ? null : Number(r.end_time) };
}
