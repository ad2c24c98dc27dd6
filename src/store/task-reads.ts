import { sql, type Kysely } from 'kysely';
import { JOB_STATES, type JobState } from '../core/job-states.js';
import type { JobCounts } from '../core/jobs.js';
import { containsText } from './sql-helpers.js';
import { inScope, type EnterpriseScope } from './scope.js';
import type { Database, Job, Task } from './schema.js';

/**
 * The reads multi-host families need: tasks of a family with their job counts, and the jobs of a task joined
 * with their hosts. Paged and filtered in SQL, the same on SQLite and PostgreSQL.
 */

export interface Page { offset: number; limit: number }

export interface TaskFilter {
  projectId: string;
  family: string;
  scope: EnterpriseScope;
  kinds?: readonly string[] | undefined;
  /** Case-insensitive substring of the task name. */
  name?: string | undefined;
  createdFrom?: number | undefined;
  createdTo?: number | undefined;
  /** Only tasks with at least one job in one of these states (e.g. `['queued','running']` for "running"). */
  withJobsIn?: readonly JobState[] | undefined;
  /** Only tasks whose jobs are all in one of these states. */
  allJobsIn?: readonly JobState[] | undefined;
}

export type TaskWithCounts = Task & { counts: JobCounts };

export interface TaskJobFilter {
  states?: readonly JobState[] | undefined;
  /** Case-insensitive substring of the host name. */
  hostName?: string | undefined;
  /** Case-insensitive substring of any of the host's private or public addresses. */
  ip?: string | undefined;
}

export interface JobWithHost {
  job: Job;
  host: { agent_id: string; host_id: string; host_name: string; private_ips: string[]; public_ips: string[] } | null;
}

const emptyCounts = (): JobCounts => ({ total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 });

function parseList(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export class TaskReads {
  constructor(private readonly db: Kysely<Database>) {}

  async tasks(filter: TaskFilter, page: Page): Promise<{ total: number; rows: TaskWithCounts[] }> {
    let q = this.db.selectFrom('tasks').where('tasks.project_id', '=', filter.projectId).where('tasks.family', '=', filter.family)
      .where(inScope('tasks.enterprise_project_id', filter.scope));
    if (filter.kinds) q = q.where(inScope('tasks.kind', filter.kinds));
    if (filter.name) q = q.where(containsText('tasks.name', filter.name));
    if (filter.createdFrom !== undefined) q = q.where('tasks.created_at', '>=', filter.createdFrom);
    if (filter.createdTo !== undefined) q = q.where('tasks.created_at', '<=', filter.createdTo);
    const withJobsIn = filter.withJobsIn;
    if (withJobsIn) {
      q = q.where((eb) => eb.exists(eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.task_id', '=', 'tasks.id')
        .where(inScope('jobs.state', withJobsIn))));
    }
    const allJobsIn = filter.allJobsIn;
    if (allJobsIn) {
      q = q.where((eb) => eb.not(eb.exists(eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.task_id', '=', 'tasks.id')
        .where(sql<boolean>`not (${inScope('jobs.state', allJobsIn)})`))));
    }
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const tasks = await q.selectAll('tasks').orderBy('tasks.created_at', 'desc').orderBy('tasks.id').limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), rows: await this.withCounts(tasks) };
  }

  /** Job counts by state for each task, in one grouped query. */
  async withCounts(tasks: Task[]): Promise<TaskWithCounts[]> {
    if (tasks.length === 0) return [];
    const grouped = await this.db.selectFrom('jobs').select(['task_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('task_id', 'in', tasks.map((t) => t.id)).groupBy(['task_id', 'state']).execute();
    const byTask = new Map<string, JobCounts>();
    for (const row of grouped) {
      const counts = byTask.get(row.task_id) ?? emptyCounts();
      if ((JOB_STATES as readonly string[]).includes(row.state)) counts[row.state] += Number(row.n);
      counts.total += Number(row.n);
      byTask.set(row.task_id, counts);
    }
    return tasks.map((task) => ({ ...task, counts: byTask.get(task.id) ?? emptyCounts() }));
  }

  /** The jobs of one task with their hosts (null for server-side jobs), paged and filtered. */
  async jobsWithHosts(taskId: string, filter: TaskJobFilter, page: Page): Promise<{ total: number; rows: JobWithHost[] }> {
    let q = this.db.selectFrom('jobs').leftJoin('agents', 'agents.id', 'jobs.agent_id').where('jobs.task_id', '=', taskId);
    if (filter.states) q = q.where(inScope('jobs.state', filter.states));
    if (filter.hostName) q = q.where(containsText('agents.host_name', filter.hostName));
    const ip = filter.ip;
    if (ip) q = q.where((eb) => eb.or([containsText('agents.private_ips', ip), containsText('agents.public_ips', ip)]));
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll('jobs')
      .select(['agents.host_id as h_host_id', 'agents.host_name as h_host_name', 'agents.private_ips as h_private_ips', 'agents.public_ips as h_public_ips'])
      .orderBy('agents.host_name').orderBy('jobs.id').limit(page.limit).offset(page.offset).execute();
    return {
      total: Number(total.n),
      rows: rows.map(({ h_host_id: hostId, h_host_name: hostName, h_private_ips: privateIps, h_public_ips: publicIps, ...job }) => ({
        job,
        host: job.agent_id !== null && hostId !== null && hostName !== null
          ? { agent_id: job.agent_id, host_id: hostId, host_name: hostName, private_ips: parseList(privateIps ?? '[]'), public_ips: parseList(publicIps ?? '[]') }
          : null,
      })),
    };
  }
}
