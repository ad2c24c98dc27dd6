import type { Kysely, Transaction } from 'kysely';
import type { CapabilityOf } from '../../core/job-kind.js';
import { ACTIVE_JOB_STATES, isTerminal, TERMINAL_JOB_STATES } from '../../core/job-states.js';
import { parseCapabilities } from '../../core/host-facts.js';
import { captureJobKind, INTERFACE_PATTERN } from './job-kind.js';
import type { ArtifactStore } from '../../store/artifact-store.js';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import type { CaptureDatabase, CaptureTables, CaptureTasksTable } from './tables.js';
import { CAPTURE_PCAP_ARTIFACT, type CaptureJobResult, type CaptureJobView } from './domain.js';
import { countCapturePackets } from '../../engines/capture/packet-count.js';
import { toJobView } from '../../store/task-store.js';
import type { Agent, Database, Job, Task } from '../../store/schema.js';
import type { Dialect } from '../../store/database.js';

const LEGACY_INTERFACE = new RegExp(INTERFACE_PATTERN);

export interface CaptureRecord {
  task: Task;
  capture: CaptureTasksTable;
  job: Job;
  jobView: CaptureJobView;
  /** Size of the stored pcap (also known when the agent was lost and only a partial upload exists). */
  storedBytes: number | null;
}

function parseResult(job: Job): Partial<CaptureJobResult> | null {
  if (!job.result) return null;
  try {
    return JSON.parse(job.result) as Partial<CaptureJobResult>;
  } catch {
    return null;
  }
}

/** Partial pcaps ListCaptureTask counts while answering (at most this many, this small); the sweep does the rest. */
const INLINE_COUNTS = 3;
const INLINE_COUNT_BYTES = 64 * 1024 * 1024;

/** How long an expired link row stays so its holder hears 410 "expired" rather than 404 (the sweep then drops it). */
const EXPIRED_LINK_GRACE_MS = 10 * 60_000;

/** SQL for CFW capture tasks and their download links; the task/job core lives in TaskStore. */
export class CaptureStore {
  private readonly db: Kysely<CaptureDatabase>;

  constructor(db: Kysely<Database>, private readonly dialect: Dialect, private readonly artifacts: ArtifactStore) {
    this.db = db.withTables<CaptureTables>();
  }

  /** Capture-capable, non-revoked agents of a project: CFW firewall instances (fw_instance_id = host_id). */
  async firewalls(projectId: string, eps: EnterpriseScope): Promise<Agent[]> {
    const rows = await this.db.selectFrom('agents').selectAll().where('project_id', '=', projectId).where('revoked_at', 'is', null)
      .where(inScope('enterprise_project_id', eps)).orderBy('enrolled_at').orderBy('id').execute();
    return rows.filter((a) => isCaptureCapable(a));
  }

  async firewall(projectId: string, fwInstanceId: string, eps: EnterpriseScope): Promise<Agent | undefined> {
    const agent = await this.db.selectFrom('agents').selectAll().where('project_id', '=', projectId).where('host_id', '=', fwInstanceId)
      .where('revoked_at', 'is', null).where(inScope('enterprise_project_id', eps)).executeTakeFirst();
    return agent && isCaptureCapable(agent) ? agent : undefined;
  }

  /** Locks the firewall's agent row for the rest of the transaction (PostgreSQL), so quota checks cannot race. */
  async lockFirewall(trx: Transaction<Database>, agentId: string): Promise<void> {
    let q = trx.selectFrom('agents').select('id').where('id', '=', agentId);
    if (this.dialect === 'postgres') q = q.forUpdate();
    await q.execute();
  }

  async countSince(core: Transaction<Database>, fwInstanceId: string, since: number): Promise<number> {
    const trx = core.withTables<CaptureTables>();
    const row = await trx.selectFrom('capture_tasks').innerJoin('tasks', 'tasks.id', 'capture_tasks.task_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('capture_tasks.fw_instance_id', '=', fwInstanceId).where('tasks.created_at', '>=', since).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async countActive(core: Transaction<Database>, fwInstanceId: string): Promise<number> {
    const trx = core.withTables<CaptureTables>();
    const row = await trx.selectFrom('capture_tasks').innerJoin('jobs', 'jobs.task_id', 'capture_tasks.task_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('capture_tasks.fw_instance_id', '=', fwInstanceId).where('jobs.state', 'in', [...ACTIVE_JOB_STATES])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async nameTaken(core: Transaction<Database>, fwInstanceId: string, name: string): Promise<boolean> {
    const trx = core.withTables<CaptureTables>();
    const row = await trx.selectFrom('capture_tasks').select('task_id').where('fw_instance_id', '=', fwInstanceId)
      .where('name', '=', name).where('deleted_at', 'is', null).executeTakeFirst();
    return row !== undefined;
  }

  async insertCapture(core: Transaction<Database>, row: CaptureTasksTable): Promise<void> {
    await core.withTables<CaptureTables>().insertInto('capture_tasks').values(row).execute();
  }

  async list(projectId: string, fwInstanceId: string, limit: number, offset: number): Promise<{ total: number; records: CaptureRecord[] }> {
    const base = this.db.selectFrom('capture_tasks').where('capture_tasks.project_id', '=', projectId)
      .where('capture_tasks.fw_instance_id', '=', fwInstanceId).where('capture_tasks.deleted_at', 'is', null);
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const captures = await base.selectAll('capture_tasks').innerJoin('tasks', 'tasks.id', 'capture_tasks.task_id')
      .orderBy('tasks.created_at', 'desc').orderBy('tasks.id').limit(limit).offset(offset).execute();
    return { total: Number(total.n), records: await this.hydrate(captures) };
  }

  async get(projectId: string, fwInstanceId: string, taskId: string): Promise<CaptureRecord | undefined> {
    const capture = await this.db.selectFrom('capture_tasks').selectAll().where('task_id', '=', taskId)
      .where('project_id', '=', projectId).where('fw_instance_id', '=', fwInstanceId).where('deleted_at', 'is', null).executeTakeFirst();
    if (!capture) return undefined;
    return (await this.hydrate([capture]))[0];
  }

  private async hydrate(captures: CaptureTasksTable[]): Promise<CaptureRecord[]> {
    if (captures.length === 0) return [];
    const ids = captures.map((c) => c.task_id);
    const [tasks, jobs, artifacts] = await Promise.all([
      this.db.selectFrom('tasks').selectAll().where('id', 'in', ids).execute(),
      this.db.selectFrom('jobs').selectAll().where('task_id', 'in', ids).execute(),
      this.db.selectFrom('artifacts').select(['task_id', 'name', 'blob_key', 'size']).where('task_id', 'in', ids).execute(),
    ]);
    const records: CaptureRecord[] = [];
    let counted = 0;
    for (const capture of captures) {
      const task = tasks.find((t) => t.id === capture.task_id);
      const job = jobs.find((j) => j.task_id === capture.task_id);
      if (!task || !job) continue;
      const stored = artifacts.filter((a) => a.task_id === capture.task_id);
      let result = parseResult(job);
      const pcap = stored.find((a) => a.name === CAPTURE_PCAP_ARTIFACT);
      // A lost agent's partial pcap is counted on first sight (small files here, any size in the sweep).
      if (result === null && pcap && isTerminal(job.state) && counted < INLINE_COUNTS && Number(pcap.size) <= INLINE_COUNT_BYTES) {
        counted += 1;
        result = await this.countStoredPackets({ jobId: job.id, blobKey: pcap.blob_key, size: Number(pcap.size) });
      }
      records.push({
        task, capture, job, jobView: { ...toJobView(job), result },
        storedBytes: stored.length > 0 ? stored.reduce((sum, a) => sum + Number(a.size), 0) : null,
      });
    }
    return records;
  }

  /**
   * Gives a finished capture job without a result (the agent was lost, or it was cancelled before
   * confirming) the packet count of its stored pcap, once: the result is written only while still empty.
   */
  private async countStoredPackets(pcap: { jobId: string; blobKey: string; size: number }): Promise<Partial<CaptureJobResult> | null> {
    const stream = await this.artifacts.openBlob({ blob_key: pcap.blobKey });
    if (!stream) return null;
    // A file removed (retention, deletion) while it is read is not this request's failure: left uncounted.
    const count = await countCapturePackets(stream).catch(() => null);
    if (!count) return null;
    const result: Partial<CaptureJobResult> = { packets: count.packets, file_bytes: pcap.size, truncated: count.truncated || count.corrupt !== null };
    await this.db.updateTable('jobs').set({ result: JSON.stringify(result) }).where('id', '=', pcap.jobId).where('result', 'is', null).execute();
    return result;
  }

  /** Background half of countStoredPackets: any size, a bounded batch per run. */
  private async countUncountedPcaps(): Promise<void> {
    const pending = await this.db.selectFrom('jobs').innerJoin('capture_tasks', 'capture_tasks.task_id', 'jobs.task_id')
      .innerJoin('artifacts', 'artifacts.job_id', 'jobs.id')
      .select(['jobs.id as jobId', 'artifacts.blob_key as blobKey', 'artifacts.size as size'])
      .where('jobs.result', 'is', null).where('jobs.state', 'in', [...TERMINAL_JOB_STATES]).where('artifacts.name', '=', CAPTURE_PCAP_ARTIFACT)
      .where('capture_tasks.files_purged_at', 'is', null).limit(20).execute();
    for (const p of pending) await this.countStoredPackets({ jobId: p.jobId, blobKey: p.blobKey, size: Number(p.size) });
  }

  pcapsOf(taskId: string) {
    return this.artifacts.ofTasks([taskId]);
  }

  async markDeleted(taskIds: string[], now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('capture_tasks').set({ deleted_at: now }).where('task_id', 'in', taskIds).where('deleted_at', 'is', null).execute();
      await trx.deleteFrom('capture_links').where('task_id', 'in', taskIds).execute();
    });
    await this.purgeFiles(taskIds);
  }

  /** Deletes the pcaps of these tasks (rows first, so a half-done purge never leaves a row pointing at nothing). */
  async purgeFiles(taskIds: string[], now = Date.now()): Promise<number> {
    if (taskIds.length === 0) return 0;
    const purged = await this.artifacts.purgeTasks(taskIds);
    await this.db.updateTable('capture_tasks').set({ files_purged_at: now }).where('task_id', 'in', taskIds).where('files_purged_at', 'is', null).execute();
    return purged;
  }

  /**
   * Retention and deletion, idempotent so every replica may run it: pcaps past retention are removed;
   * deleted tasks lose late-arriving pcaps at once, and their rows go once their job has ended and the
   * 24 hours in which they count toward `capture.tasks_per_firewall_per_day` are over (deleting a task
   * must not give back the daily quota); links expired for more than 10 minutes go; partial pcaps of lost
   * agents get their packet count.
   */
  async sweep(now = Date.now()): Promise<void> {
    const expired = await this.db.selectFrom('capture_tasks').innerJoin('jobs', 'jobs.task_id', 'capture_tasks.task_id')
      .select('capture_tasks.task_id').where('capture_tasks.retention_until', '<=', now).where('capture_tasks.files_purged_at', 'is', null)
      .where('jobs.state', 'not in', [...ACTIVE_JOB_STATES]).limit(500).execute();
    await this.purgeFiles(expired.map((r) => r.task_id), now);

    const late = await this.db.selectFrom('artifacts').innerJoin('capture_tasks', 'capture_tasks.task_id', 'artifacts.task_id')
      .select('artifacts.task_id').distinct().where('capture_tasks.deleted_at', 'is not', null).limit(500).execute();
    await this.purgeFiles(late.map((r) => r.task_id), now);

    const removable = await this.db.selectFrom('capture_tasks').innerJoin('tasks', 'tasks.id', 'capture_tasks.task_id')
      .select('capture_tasks.task_id').where('capture_tasks.deleted_at', 'is not', null).where('tasks.created_at', '<=', now - 86_400_000)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.task_id', '=', 'capture_tasks.task_id')
        .where('jobs.state', 'in', [...ACTIVE_JOB_STATES]))))
      .limit(500).execute();
    if (removable.length > 0) await this.db.deleteFrom('tasks').where('id', 'in', removable.map((r) => r.task_id)).execute();
    await this.db.deleteFrom('capture_links').where('expires_at', '<', now - EXPIRED_LINK_GRACE_MS).execute();
    await this.countUncountedPcaps();
  }

  /**
   * Stores a new download link and keeps the task's link rows bounded: its expired links and all but the
   * newest `maxLinks` go in the same transaction, with the task's row locked (PostgreSQL) so concurrent
   * requests cannot each keep their own `maxLinks`.
   */
  async createLink(link: CaptureDatabase['capture_links'], maxLinks: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      let lock = trx.selectFrom('capture_tasks').select('task_id').where('task_id', '=', link.task_id);
      if (this.dialect === 'postgres') lock = lock.forUpdate();
      await lock.execute();
      await trx.insertInto('capture_links').values(link).execute();
      const keep = await trx.selectFrom('capture_links').select('id').where('task_id', '=', link.task_id)
        .where('expires_at', '>', link.created_at).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(maxLinks).execute();
      await trx.deleteFrom('capture_links').where('task_id', '=', link.task_id)
        .where('id', 'not in', keep.length > 0 ? keep.map((k) => k.id) : [link.id]).execute();
    });
  }

  getLink(id: string) {
    return this.db.selectFrom('capture_links').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Counts a wrong code atomically; locks the link when `maxWrong` is reached. Returns the new count. */
  async recordWrongCode(id: string, maxWrong: number, now = Date.now()): Promise<number> {
    const row = await this.db.updateTable('capture_links').set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
      .where('id', '=', id).returning('failed_attempts').executeTakeFirst();
    const count = row?.failed_attempts ?? maxWrong;
    if (count >= maxWrong) await this.db.updateTable('capture_links').set({ locked_at: now }).where('id', '=', id).where('locked_at', 'is', null).execute();
    return count;
  }

  captureOfTask(taskId: string) {
    return this.db.selectFrom('capture_tasks').selectAll().where('task_id', '=', taskId).executeTakeFirst();
  }
}

/**
 * The capture capability an agent advertises (`capabilities.kinds.capture`, checked by the job kind's schema).
 * Agents before the family core advertised `capture_interfaces` at the top level; they are read the same way.
 */
export function captureCapabilityOf(agent: Pick<Agent, 'capabilities'>): CapabilityOf<typeof captureJobKind> | null {
  const caps = parseCapabilities(agent.capabilities);
  // Legacy rows: keep the names the capture kind accepts rather than hiding the whole firewall for one odd name.
  const legacy = Array.isArray(caps.capture_interfaces)
    ? caps.capture_interfaces.filter((name): name is string => typeof name === 'string' && LEGACY_INTERFACE.test(name)) : [];
  const kinds = caps.kinds ?? (Array.isArray(caps.job_kinds) && caps.job_kinds.includes('capture')
    ? { capture: { interfaces: legacy } } : undefined);
  return captureJobKind.capabilityOf(kinds);
}

export function captureInterfacesOf(agent: Pick<Agent, 'capabilities'>): string[] {
  return captureCapabilityOf(agent)?.interfaces ?? [];
}

export function isCaptureCapable(agent: Pick<Agent, 'capabilities'>): boolean {
  return captureCapabilityOf(agent) !== null;
}
