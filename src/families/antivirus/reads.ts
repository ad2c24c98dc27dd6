import { sql, type Kysely, type SqlBool, type Expression, type ExpressionBuilder } from 'kysely';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import type { Agent, Database } from '../../store/schema.js';
import { ANTIVIRUS_FAMILY, type HostCounts } from './domain.js';
import { ISOLATED_STATES } from './handling.js';
import type { AntivirusDatabase, AntivirusTables, AvResultRow, AvTaskHostRow, AvTaskRow } from './tables.js';

/**
 * The reads behind the antivirus operations: tasks with their hosts (joined with the agents) and counters,
 * detections, and the hosts a create names. Paged and bounded in SQL; text filters are substring matches.
 */

export interface Page { offset: number; limit: number }

export interface HostFilter { hostName?: string | undefined; privateIp?: string | undefined; publicIp?: string | undefined }

export interface TaskFilter extends HostFilter {
  projectId: string;
  scope: EnterpriseScope;
  paid: boolean;
  taskName?: string | undefined;
  minStart?: number | undefined;
  maxStart?: number | undefined;
  taskStatus?: string | undefined;
  hostTaskStatuses?: readonly string[] | undefined;
}

export interface ResultFilter extends HostFilter {
  projectId: string;
  scope: EnterpriseScope;
  handleStatus?: string | undefined;
  severities?: readonly string[] | undefined;
  assetValue?: string | undefined;
  malwareName?: string | undefined;
  filePath?: string | undefined;
  fileHash?: string | undefined;
  taskName?: string | undefined;
  /** true: isolated by hand (isolate_tag `manual`); false: every other result. */
  manualIsolate?: boolean | undefined;
}

export type TaskHostView = AvTaskHostRow & Pick<Agent, 'host_name' | 'private_ips' | 'public_ips' | 'asset_value' | 'os_name' | 'os_type' |
  'os_version' | 'protect_status' | 'last_seen_at'> & { revoked_at: number | null };
export type TaskView = AvTaskRow & { counts: HostCounts; hosts: TaskHostView[] };
export type ResultView = AvResultRow & Pick<Agent, 'host_name' | 'private_ips' | 'public_ips' | 'asset_value' | 'os_name' | 'os_type' |
  'os_version' | 'protect_status' | 'last_seen_at'> & { task_name: string; revoked_at: number | null };

const ID_CHUNK = 500;

/** `%text%` for LIKE, with the wildcards of `text` escaped. */
const contains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
export const like = (column: string, text: string): Expression<SqlBool> => sql<SqlBool>`${sql.ref(column)} like ${contains(text)} escape '\\'`;
/** An IP inside the agents' JSON array text (`["10.0.0.5"]`). */
const hasIp = (column: string, ip: string): Expression<SqlBool> => like(column, `"${ip}"`);

export class AvReads {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<AntivirusTables>();
  }

  private tasksInScope(projectId: string, scope: EnterpriseScope) {
    return this.db.selectFrom('av_tasks').innerJoin('tasks', 'tasks.id', 'av_tasks.task_id')
      .where('av_tasks.project_id', '=', projectId).where('tasks.family', '=', ANTIVIRUS_FAMILY)
      .where(inScope('tasks.enterprise_project_id', scope));
  }

  async task(projectId: string, taskId: string, scope: EnterpriseScope): Promise<AvTaskRow | undefined> {
    return this.tasksInScope(projectId, scope).where('av_tasks.task_id', '=', taskId).selectAll('av_tasks').executeTakeFirst();
  }

  async listTasks(filter: TaskFilter, page: Page): Promise<{ total: number; rows: TaskView[] }> {
    let q = this.tasksInScope(filter.projectId, filter.scope).where('av_tasks.whether_paid_task', '=', filter.paid ? 1 : 0);
    if (filter.taskName) q = q.where(like('av_tasks.task_name', filter.taskName));
    if (filter.minStart !== undefined) q = q.where('av_tasks.start_time', '>=', filter.minStart);
    if (filter.maxStart !== undefined) q = q.where('av_tasks.start_time', '<=', filter.maxStart);
    const hostWith = (status: string) => sql<SqlBool>`exists (select 1 from av_task_hosts h where h.task_id = av_tasks.task_id and h.host_task_status = ${status})`;
    const none = (status: string) => sql<SqlBool>`not ${hostWith(status)}`;
    switch (filter.taskStatus) {
      case 'scanning': q = q.where(hostWith('scanning')); break;
      case 'finish': q = q.where(none('scanning')).where(hostWith('success')); break;
      case 'cancel': q = q.where(none('scanning')).where(none('success')).where(hostWith('cancel')); break;
      case 'fail': q = q.where(none('scanning')).where(none('success')).where(none('cancel')); break;
      default: break;
    }
    const statuses = filter.hostTaskStatuses ?? [];
    if (filter.hostName || filter.privateIp || filter.publicIp || statuses.length > 0) {
      q = q.where((eb) => eb.exists(eb.selectFrom('av_task_hosts as fh').innerJoin('agents as fa', 'fa.id', 'fh.agent_id').select('fh.host_id')
        .whereRef('fh.task_id', '=', 'av_tasks.task_id')
        .$if(Boolean(filter.hostName), (s) => s.where(like('fa.host_name', filter.hostName as string)))
        .$if(Boolean(filter.privateIp), (s) => s.where(hasIp('fa.private_ips', filter.privateIp as string)))
        .$if(Boolean(filter.publicIp), (s) => s.where(hasIp('fa.public_ips', filter.publicIp as string)))
        .$if(statuses.length > 0, (s) => s.where('fh.host_task_status', 'in', [...statuses]))));
    }
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll('av_tasks').orderBy('av_tasks.start_time', 'desc').orderBy('av_tasks.task_id')
      .limit(page.limit).offset(page.offset).execute();
    const hosts = await this.hostsOf(rows.map((r) => r.task_id));
    return {
      total: Number(total.n),
      rows: rows.map((r) => {
        const list = hosts.get(r.task_id) ?? [];
        const counts: HostCounts = { scanning: 0, success: 0, fail: 0, cancel: 0 };
        for (const h of list) if (h.host_task_status in counts) counts[h.host_task_status as keyof HostCounts]++;
        return { ...r, start_time: Number(r.start_time), end_time: r.end_time === null ? null : Number(r.end_time), counts, hosts: list };
      }),
    };
  }

  private async hostsOf(taskIds: readonly string[]): Promise<Map<string, TaskHostView[]>> {
    const out = new Map<string, TaskHostView[]>();
    for (let i = 0; i < taskIds.length; i += ID_CHUNK) {
      const rows = await this.db.selectFrom('av_task_hosts').leftJoin('agents', 'agents.id', 'av_task_hosts.agent_id')
        .selectAll('av_task_hosts')
        .select(['agents.host_name', 'agents.private_ips', 'agents.public_ips', 'agents.asset_value', 'agents.os_name', 'agents.os_type',
          'agents.os_version', 'agents.protect_status', 'agents.last_seen_at', 'agents.revoked_at'])
        .where('av_task_hosts.task_id', 'in', taskIds.slice(i, i + ID_CHUNK)).orderBy('agents.host_name').orderBy('av_task_hosts.host_id').execute();
      for (const row of rows) {
        const list = out.get(row.task_id) ?? [];
        list.push(row as TaskHostView);
        out.set(row.task_id, list);
      }
    }
    return out;
  }

  async hostRows(taskId: string): Promise<AvTaskHostRow[]> {
    return this.db.selectFrom('av_task_hosts').selectAll().where('task_id', '=', taskId).execute();
  }

  /** Unrevoked agents of the project within the scope whose host id is in `hostIds`. */
  async agentsByHostIds(projectId: string, scope: EnterpriseScope, hostIds: readonly string[]): Promise<Agent[]> {
    const out: Agent[] = [];
    for (let i = 0; i < hostIds.length; i += ID_CHUNK) {
      out.push(...await this.db.selectFrom('agents').selectAll().where('project_id', '=', projectId).where('revoked_at', 'is', null)
        .where(inScope('enterprise_project_id', scope)).where('host_id', 'in', hostIds.slice(i, i + ID_CHUNK)).execute());
    }
    return out;
  }

  /** Unrevoked agents of the project within the scope (the hosts a scan may name), by host name; `extra`: a further condition on `agents`. */
  async listHosts(filter: HostFilter & { projectId: string; scope: EnterpriseScope; hostId?: string | undefined; extra?: Expression<SqlBool> | undefined }, page: Page): Promise<{ total: number; rows: Agent[] }> {
    let q = this.db.selectFrom('agents').where('project_id', '=', filter.projectId).where('revoked_at', 'is', null)
      .where(inScope('enterprise_project_id', filter.scope));
    if (filter.hostId) q = q.where('host_id', '=', filter.hostId);
    if (filter.hostName) q = q.where(like('host_name', filter.hostName));
    if (filter.privateIp) q = q.where(hasIp('private_ips', filter.privateIp));
    if (filter.publicIp) q = q.where(hasIp('public_ips', filter.publicIp));
    if (filter.extra) q = q.where(filter.extra);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('host_name').orderBy('id').limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), rows };
  }

  async listResults(filter: ResultFilter, page: Page): Promise<{ total: number; rows: ResultView[] }> {
    let q = this.db.selectFrom('av_results').innerJoin('tasks', 'tasks.id', 'av_results.task_id')
      .innerJoin('av_tasks', 'av_tasks.task_id', 'av_results.task_id').leftJoin('agents', 'agents.id', 'av_results.agent_id')
      .where('av_results.project_id', '=', filter.projectId).where(inScope('tasks.enterprise_project_id', filter.scope));
    if (filter.handleStatus) q = q.where('av_results.handle_status', '=', filter.handleStatus);
    if (filter.severities && filter.severities.length > 0) q = q.where('av_results.severity', 'in', [...filter.severities]);
    if (filter.assetValue) q = q.where('agents.asset_value', '=', filter.assetValue);
    if (filter.malwareName) q = q.where(like('av_results.malware_name', filter.malwareName));
    if (filter.filePath) q = q.where(like('av_results.file_path', filter.filePath));
    if (filter.fileHash) q = q.where('av_results.file_hash', '=', filter.fileHash.toLowerCase());
    if (filter.taskName) q = q.where(like('av_tasks.task_name', filter.taskName));
    if (filter.hostName) q = q.where(like('agents.host_name', filter.hostName));
    if (filter.privateIp) q = q.where(hasIp('agents.private_ips', filter.privateIp));
    if (filter.publicIp) q = q.where(hasIp('agents.public_ips', filter.publicIp));
    if (filter.manualIsolate !== undefined) {
      const states = [...ISOLATED_STATES];
      // Spelled out both ways: NOT over the NULL columns of never-isolated results would drop them.
      const manual = (eb: ExpressionBuilder<AntivirusDatabase, 'av_results'>) =>
        eb.and([eb('av_results.isolate_origin', '=', 'manual'), eb('av_results.isolate_state', 'in', states)]);
      const notManual = (eb: ExpressionBuilder<AntivirusDatabase, 'av_results'>) => eb.or([
        eb('av_results.isolate_origin', 'is', null), eb('av_results.isolate_origin', '<>', 'manual'),
        eb('av_results.isolate_state', 'is', null), eb('av_results.isolate_state', 'not in', states),
      ]);
      q = q.where((eb) => (filter.manualIsolate ? manual(eb) : notManual(eb)));
    }
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll('av_results')
      .select(['av_tasks.task_name', 'agents.host_name', 'agents.private_ips', 'agents.public_ips', 'agents.asset_value', 'agents.os_name',
        'agents.os_type', 'agents.os_version', 'agents.protect_status', 'agents.last_seen_at', 'agents.revoked_at'])
      .orderBy('av_results.occur_time', 'desc').orderBy('av_results.result_id').limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), rows: rows as ResultView[] };
  }
}
