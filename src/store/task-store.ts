import { sql, type Kysely, type Transaction } from 'kysely';
import { afterLeaseExpiry, LEASE_EXPIRED_REASON, type JobView } from '../core/jobs.js';
import { ensureWithinQuota, quotaDefinition } from '../core/quotas.js';
import { newHexId, newUuid } from '../identity/secrets.js';
import type { Dialect } from './database.js';
import { JobSchemaError, type AnyJobKind } from '../core/job-kind.js';
import { ACTIVE_JOB_STATES } from '../core/job-states.js';
import { inScope, type EnterpriseScope } from './scope.js';
import type { Registry } from '../core/registry.js';
import type { Database, Job, JobState, Task } from './schema.js';

export interface NewJobSpec {
  /** The agent that must run it, or null for a server-side worker job. */
  agentId: string | null;
  kind: string;
  payload: unknown;
  /** >1 only for jobs that are safe to run again after an agent was lost. */
  maxAttempts?: number;
}

export interface NewTaskSpec {
  projectId: string;
  enterpriseProjectId: string;
  family: string;
  kind: string;
  name: string;
  params: unknown;
  createdBy: string;
  jobs: NewJobSpec[];
}

/** Family-specific work done atomically with the task insert: checks (with row locks) before, extra rows after. */
export interface TaskTransactionHooks {
  before?: (trx: Transaction<Database>) => Promise<void>;
  after?: (trx: Transaction<Database>, task: Task, jobs: Job[]) => Promise<void>;
}

/**
 * `created_by` of tasks Guardpost makes itself (the re-match after an advisory import): they are not the project's
 * work, so the `tasks.active` quota neither refuses nor counts them (an import must not fail, or block user tasks,
 * because a project is at its limit).
 */
export const SYSTEM_TASK_CREATOR = 'guardpost:system';

export class JobNotLeasedError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} is not running under this agent's lease`);
  }
}

export const toJobView = (job: Pick<Job, 'state' | 'progress' | 'failure_reason' | 'cancel_requested_at'>): JobView => ({
  state: job.state, progress: job.progress, failureReason: job.failure_reason, cancelRequested: job.cancel_requested_at !== null,
});

/** Tasks and jobs: creation, leases, progress, completion, cancellation, reaping. Works on SQLite and PostgreSQL. */
export class TaskStore {
  /**
   * `kinds`: the job kinds every payload is checked against at enqueue (a job of an unknown kind is refused).
   * Without it (store-level tests of the mechanics) payloads are taken as they are.
   */
  constructor(private readonly db: Kysely<Database>, private readonly dialect: Dialect, private readonly kinds?: Registry<AnyJobKind>) {}

  /** The declaration of a job kind, when this store was given the registry. */
  kindOf(name: string): AnyJobKind | undefined {
    return this.kinds?.get(name);
  }

  private checkedPayload(kind: string, payload: unknown): unknown {
    if (!this.kinds) return payload;
    const declared = this.kinds.get(kind);
    if (!declared) throw new JobSchemaError(kind, 'payload', [`no job kind "${kind}" is registered`]);
    return declared.checkPayload(payload);
  }

  /** `db` lets a caller inside a transaction read on its own connection (SQLite has only one). */
  async quotaLimit(projectId: string, name: string, db: Kysely<Database> = this.db): Promise<number> {
    const row = await db.selectFrom('quotas').select('limit_value')
      .where('project_id', '=', projectId).where('name', '=', name).executeTakeFirst();
    if (row) return row.limit_value;
    const definition = quotaDefinition(name);
    if (!definition) throw new Error(`unknown quota ${name}`);
    return definition.defaultLimit;
  }

  async setQuota(projectId: string, name: string, limit: number): Promise<void> {
    if (!quotaDefinition(name)) throw new Error(`unknown quota ${name}`);
    await this.db.deleteFrom('quotas').where('project_id', '=', projectId).where('name', '=', name).execute();
    await this.db.insertInto('quotas').values({ project_id: projectId, name, limit_value: limit }).execute();
  }

  async activeTaskCount(projectId: string, family?: string, db: Kysely<Database> = this.db): Promise<number> {
    let q = db.selectFrom('tasks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('project_id', '=', projectId)
      .where('created_by', '!=', SYSTEM_TASK_CREATOR)
      .where((eb) => eb.exists(eb.selectFrom('jobs').select('jobs.id')
        .whereRef('jobs.task_id', '=', 'tasks.id').where('jobs.state', 'in', [...ACTIVE_JOB_STATES])));
    if (family) q = q.where('family', '=', family);
    const row = await q.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async createTask(spec: NewTaskSpec, now = Date.now(), hooks: TaskTransactionHooks = {}): Promise<{ task: Task; jobs: Job[] }> {
    const task: Task = {
      id: newUuid(), project_id: spec.projectId, enterprise_project_id: spec.enterpriseProjectId, family: spec.family,
      kind: spec.kind, name: spec.name, params: JSON.stringify(spec.params ?? null), created_by: spec.createdBy,
      created_at: now, updated_at: now, cancel_requested_at: null,
    };
    const jobs: Job[] = spec.jobs.map((j) => this.newJob(task.id, spec.projectId, j, now));
    await this.db.transaction().execute(async (trx) => {
      // The project row lock (PostgreSQL) serialises concurrent creates, so the quota holds across replicas.
      let lock = trx.selectFrom('projects').select('id').where('id', '=', spec.projectId);
      if (this.dialect === 'postgres') lock = lock.forUpdate();
      await lock.execute();
      if (spec.createdBy !== SYSTEM_TASK_CREATOR) {
        const limit = await this.quotaLimit(spec.projectId, 'tasks.active', trx);
        ensureWithinQuota('tasks.active', limit, await this.activeTaskCount(spec.projectId, undefined, trx));
      }
      await hooks.before?.(trx);
      await trx.insertInto('tasks').values(task).execute();
      if (jobs.length > 0) await trx.insertInto('jobs').values(jobs).execute();
      await hooks.after?.(trx, task, jobs);
    });
    return { task, jobs };
  }

  /**
   * Adds jobs to an existing task (a follow-up step, a rescan). `guard` runs first in the same transaction with
   * the new rows: returning false inserts nothing (e.g. another replica already added them); `after` writes
   * the family's own rows. Returns the jobs inserted.
   */
  async addJobs(taskId: string, specs: readonly NewJobSpec[], now = Date.now(), hooks: {
    guard?: (trx: Transaction<Database>, jobs: readonly Job[]) => Promise<boolean>;
    after?: (trx: Transaction<Database>, jobs: readonly Job[]) => Promise<void>;
  } = {}): Promise<Job[]> {
    const task = await this.getTask(taskId);
    if (!task) throw new Error(`task ${taskId} does not exist`);
    const jobs = specs.map((j) => this.newJob(task.id, task.project_id, j, now));
    return this.db.transaction().execute(async (trx) => {
      if (hooks.guard && !(await hooks.guard(trx, jobs))) return [];
      if (jobs.length > 0) await trx.insertInto('jobs').values(jobs).execute();
      await trx.updateTable('tasks').set({ updated_at: now }).where('id', '=', task.id).execute();
      await hooks.after?.(trx, jobs);
      return jobs;
    });
  }

  private newJob(taskId: string, projectId: string, j: NewJobSpec, now: number): Job {
    return {
      id: newHexId(), task_id: taskId, project_id: projectId, agent_id: j.agentId, kind: j.kind, state: 'queued',
      payload: JSON.stringify(this.checkedPayload(j.kind, j.payload ?? null)), attempts: 0, max_attempts: Math.max(1, j.maxAttempts ?? 1),
      lease_owner: null, lease_expires_at: null, cancel_requested_at: null, progress: 0, progress_detail: null,
      result: null, result_version: null, failure_reason: null, created_at: now, updated_at: now, started_at: null, finished_at: null,
    };
  }

  getTask(taskId: string): Promise<Task | undefined> {
    return this.db.selectFrom('tasks').selectAll().where('id', '=', taskId).executeTakeFirst();
  }

  jobsOfTask(taskId: string): Promise<Job[]> {
    return this.db.selectFrom('jobs').selectAll().where('task_id', '=', taskId).orderBy('created_at').orderBy('id').execute();
  }

  getJob(jobId: string): Promise<Job | undefined> {
    return this.db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
  }

  /** Queued jobs for an agent plus running ones it should abort; one indexed query per check-in. */
  async agentWork(agentId: string, limit = 20): Promise<{ offered: Job[]; cancelJobIds: string[] }> {
    const rows = await this.db.selectFrom('jobs').selectAll()
      .where('agent_id', '=', agentId)
      .where((eb) => eb.or([
        eb('state', '=', 'queued'),
        eb.and([eb('state', '=', 'running'), eb('cancel_requested_at', 'is not', null)]),
      ]))
      // 'running' sorts before 'queued' descending: pending cancels are never cut off by a backlog of queued jobs.
      .orderBy('state', 'desc').orderBy('created_at').limit(limit * 2).execute();
    return {
      offered: rows.filter((r) => r.state === 'queued').slice(0, limit),
      cancelJobIds: rows.filter((r) => r.state === 'running').map((r) => r.id),
    };
  }

  /** Agent ids (from `candidates`) that have work waiting: used to wake long-polls. */
  async agentsWithWork(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('jobs').select('agent_id').distinct()
      .where('agent_id', 'is not', null)
      .where((eb) => eb.or([
        eb('state', '=', 'queued'),
        eb.and([eb('state', '=', 'running'), eb('cancel_requested_at', 'is not', null)]),
      ])).execute();
    return new Set(rows.map((r) => r.agent_id as string));
  }

  /** Atomically takes a queued job for `owner`; null when someone else took it or it was cancelled. */
  async claim(jobId: string, owner: string, leaseMs: number, now = Date.now(), agentOnly = false): Promise<Job | null> {
    const row = await this.db.updateTable('jobs')
      .set((eb) => ({ state: 'running', lease_owner: owner, lease_expires_at: now + leaseMs, attempts: eb('attempts', '+', 1),
        started_at: now, updated_at: now }))
      .where('id', '=', jobId).where('state', '=', 'queued')
      .where((eb) => (agentOnly ? eb('agent_id', '=', owner) : eb.or([eb('agent_id', '=', owner), eb('agent_id', 'is', null)])))
      .returningAll().executeTakeFirst();
    return row ?? null;
  }
  /** An agent takes one of its own queued jobs; server-side jobs (no agent) are never handed to an agent. */
  claimForAgent(jobId: string, agentId: string, leaseMs: number, now = Date.now()): Promise<Job | null> {
    return this.claim(jobId, agentId, leaseMs, now, true);
  }

  /**
   * Gives a running job back to the queue without counting the attempt (a server shutting down mid-job):
   * another replica takes it at once instead of after the lease.
   */
  async release(jobId: string, owner: string, now = Date.now()): Promise<boolean> {
    const row = await this.db.updateTable('jobs')
      .set((eb) => ({ state: 'queued', lease_owner: null, lease_expires_at: null, started_at: null, updated_at: now,
        attempts: eb('attempts', '-', 1) }))
      .where('id', '=', jobId).where('state', '=', 'running').where('lease_owner', '=', owner).where('cancel_requested_at', 'is', null)
      .returning('id').executeTakeFirst();
    return row !== undefined;
  }


  /** Takes the oldest queued server-side job of the given kinds (SKIP LOCKED on PostgreSQL). */
  async claimNextServerJob(kinds: string[], owner: string, leaseMs: number, now = Date.now()): Promise<Job | null> {
    if (kinds.length === 0) return null;
    let pick = this.db.selectFrom('jobs').select('id')
      .where('agent_id', 'is', null).where('state', '=', 'queued').where('kind', 'in', kinds)
      .orderBy('created_at').limit(1);
    if (this.dialect === 'postgres') pick = pick.forUpdate().skipLocked();
    const row = await this.db.updateTable('jobs')
      .set((eb) => ({ state: 'running', lease_owner: owner, lease_expires_at: now + leaseMs, attempts: eb('attempts', '+', 1),
        started_at: now, updated_at: now }))
      .where('id', '=', (eb) => eb.selectFrom(pick.as('next')).select('next.id'))
      .where('state', '=', 'queued')
      .returningAll().executeTakeFirst();
    return row ?? null;
  }

  /** Records progress and renews the lease; tells the runner whether the user asked to cancel. */
  async progress(jobId: string, owner: string, progress: number, detail: unknown, leaseMs: number, now = Date.now()) {
    const row = await this.db.updateTable('jobs')
      .set({ progress: Math.max(0, Math.min(100, Math.floor(progress))), progress_detail: detail === undefined ? null : JSON.stringify(detail),
        lease_expires_at: now + leaseMs, updated_at: now })
      .where('id', '=', jobId).where('state', '=', 'running').where('lease_owner', '=', owner)
      .returning(['cancel_requested_at', 'lease_expires_at']).executeTakeFirst();
    if (!row) throw new JobNotLeasedError(jobId);
    return { cancelRequested: row.cancel_requested_at !== null, leaseExpiresAt: row.lease_expires_at as number };
  }

  /**
   * Ends a running job under `owner`'s lease. With the kind registry, a result is checked against its kind first:
   * one that does not match ends the job failed with the schema problems as the reason (never a stuck job).
   */
  async finish(jobId: string, owner: string, outcome: Extract<JobState, 'succeeded' | 'failed' | 'cancelled'>,
    result: unknown, reason: string | null, now = Date.now(), kindVersion?: number): Promise<Job> {
    let version: number | null = null;
    if (this.kinds && (result !== undefined || outcome === 'succeeded')) {
      const job = await this.db.selectFrom('jobs').select('kind').where('id', '=', jobId).executeTakeFirst();
      const kind = job ? this.kinds.get(job.kind) : undefined;
      try {
        if (!kind) throw new JobSchemaError(job?.kind ?? '?', 'result', ['no such job kind is registered']);
        kind.checkResult(result);
        version = kindVersion ?? kind.version;
      } catch (error) {
        if (!(error instanceof JobSchemaError)) throw error;
        outcome = 'failed';
        reason = `${error.message}${reason ? ` (reported: ${reason})` : ''}`.slice(0, 2000);
        result = undefined;
      }
    }
    const row = await this.db.updateTable('jobs')
      .set({ state: outcome, result: result === undefined ? null : JSON.stringify(result), result_version: version, failure_reason: reason,
        progress: outcome === 'succeeded' ? 100 : sql<number>`progress`, lease_expires_at: null, finished_at: now, updated_at: now })
      .where('id', '=', jobId).where('state', '=', 'running').where('lease_owner', '=', owner)
      .returningAll().executeTakeFirst();
    if (!row) throw new JobNotLeasedError(jobId);
    return row;
  }

  /** Why a claimed job's stored payload no longer fits its kind (e.g. written by an older server), or null. */
  payloadProblem(job: Pick<Job, 'kind' | 'payload'>): string | null {
    if (!this.kinds) return null;
    try {
      this.checkedPayload(job.kind, JSON.parse(job.payload));
      return null;
    } catch (error) {
      if (error instanceof JobSchemaError) return error.message;
      if (error instanceof SyntaxError) return `the ${job.kind} job payload is not valid JSON`;
      throw error;
    }
  }

  /** Ends one job nobody has claimed (e.g. its agent went away before it could); false when it was claimed or ended meanwhile. */
  async failQueuedJob(jobId: string, reason: string, now = Date.now()): Promise<boolean> {
    const result = await this.db.updateTable('jobs').set({ state: 'failed', failure_reason: reason, finished_at: now, updated_at: now })
      .where('id', '=', jobId).where('state', '=', 'queued').executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Queued jobs end at once; running ones are flagged and their runner stops them. */
  async cancelTask(taskId: string, reason = 'cancelled by user', now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('tasks').set({ cancel_requested_at: now, updated_at: now })
        .where('id', '=', taskId).where('cancel_requested_at', 'is', null).execute();
      await trx.updateTable('jobs').set({ state: 'cancelled', failure_reason: reason, finished_at: now, updated_at: now })
        .where('task_id', '=', taskId).where('state', '=', 'queued').execute();
      await trx.updateTable('jobs').set({ cancel_requested_at: now, updated_at: now })
        .where('task_id', '=', taskId).where('state', '=', 'running').where('cancel_requested_at', 'is', null).execute();
    });
  }

  /** Like cancelTask for some jobs of a task only (a multi-host task cancelling some hosts): queued ones end at once. */
  async cancelJobs(jobIds: readonly string[], reason = 'cancelled by user', now = Date.now()): Promise<void> {
    if (jobIds.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < jobIds.length; i += 500) {
        const chunk = jobIds.slice(i, i + 500);
        await trx.updateTable('jobs').set({ state: 'cancelled', failure_reason: reason, finished_at: now, updated_at: now })
          .where('id', 'in', chunk).where('state', '=', 'queued').execute();
        await trx.updateTable('jobs').set({ cancel_requested_at: now, updated_at: now })
          .where('id', 'in', chunk).where('state', '=', 'running').where('cancel_requested_at', 'is', null).execute();
      }
    });
  }

  /** The newest task of a family (optionally of one kind) in scope. */
  latestTask(projectId: string, family: string, kind: string | undefined, scope: EnterpriseScope): Promise<Task | undefined> {
    let q = this.db.selectFrom('tasks').selectAll().where('project_id', '=', projectId).where('family', '=', family)
      .where(inScope('enterprise_project_id', scope));
    if (kind !== undefined) q = q.where('kind', '=', kind);
    return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** Deletes a family's tasks created before `cutoff` whose jobs have all ended (bounded per call); returns how many. */
  async deleteFinishedTasks(family: string, cutoff: number, limit = 500): Promise<number> {
    const old = await this.db.selectFrom('tasks').select('id').where('family', '=', family).where('created_at', '<', cutoff)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.task_id', '=', 'tasks.id')
        .where('jobs.state', 'in', [...ACTIVE_JOB_STATES]))))
      .limit(limit).execute();
    if (old.length > 0) await this.db.deleteFrom('tasks').where('id', 'in', old.map((t) => t.id)).execute();
    return old.length;
  }

  async deleteTask(taskId: string): Promise<void> {
    await this.db.deleteFrom('tasks').where('id', '=', taskId).execute();
  }

  /**
   * Jobs whose lease ran out: requeued when another attempt is allowed, otherwise failed (or cancelled
   * when the user had asked). Idempotent, so every server replica may run it. Returns how many leases this
   * call reaped: a job two replicas race for counts once, for the one whose update won.
   */
  async reapExpiredLeases(now = Date.now()): Promise<number> {
    let reaped = 0;
    const expired = await this.db.selectFrom('jobs').select(['id', 'attempts', 'max_attempts', 'cancel_requested_at'])
      .where('state', '=', 'running').where('lease_expires_at', '<', now).limit(1000).execute();
    for (const job of expired) {
      const next = afterLeaseExpiry({ attempts: job.attempts, maxAttempts: job.max_attempts, cancelRequested: job.cancel_requested_at !== null });
      const update = next === 'queued'
        ? { state: next, lease_owner: null, lease_expires_at: null, failure_reason: LEASE_EXPIRED_REASON, updated_at: now }
        : { state: next, lease_expires_at: null, failure_reason: next === 'cancelled' ? 'cancelled by user; the agent was lost before confirming' : LEASE_EXPIRED_REASON, finished_at: now, updated_at: now };
      const result = await this.db.updateTable('jobs').set(update)
        .where('id', '=', job.id).where('state', '=', 'running').where('lease_expires_at', '<', now).executeTakeFirst();
      reaped += Number(result.numUpdatedRows);
    }
    return reaped;
  }
}
