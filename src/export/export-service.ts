import { PassThrough } from 'node:stream';
import { isActive } from '../core/job-states.js';
import { DuplicateRegistrationError } from '../core/registry.js';
import type { Artifact, ArtifactStore } from '../store/artifact-store.js';
import type { Job, Task } from '../store/schema.js';
import type { TaskStore } from '../store/task-store.js';
import { defineServerJob, type ServerJobRunner } from '../workers/server-jobs.js';
import { EXPORT_TASK_FAMILY, exportJobKind } from './export-kind.js';
import type { ReportType } from './report-types.js';
import { writeExportZip } from './write-export.js';
import type { Readable } from 'node:stream';

/** ListQueryExportTask's `task_status`. */
export type ExportTaskStatus = 'running' | 'success' | 'failure';

export interface ExportTaskView {
  task_id: string;
  task_name: string;
  task_status: ExportTaskStatus;
  file_id?: string;
  file_name?: string;
  /** Guardpost extra: why a failed export failed. */
  failure_reason?: string;
  /** Guardpost extra: the report type (`export_task_type`). */
  export_task_type: string;
}

export interface NewExport {
  projectId: string;
  enterpriseProjectId: string;
  scope: readonly string[] | null;
  reportType: string;
  params: unknown;
  createdBy: string;
}

const MAX_EXPORT_BYTES = 4 * 1024 * 1024 * 1024;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Export file names go into blob keys and Content-Disposition: plain ASCII only. */
function checkExportFileName(name: string): void {
  if (!FILE_NAME.test(name)) throw new Error(`export file name ${JSON.stringify(name).slice(0, 80)} must match ${FILE_NAME}`);
}

export class UnknownReportTypeError extends Error {
  constructor(name: string) {
    super(`no report type "${name}" is registered`);
  }
}

/**
 * A viewer may see an export when its enterprise-project scope covers both the task's enterprise project and the
 * scope the report was rendered with (a report over every enterprise project is for viewers who see them all).
 */
function visible(task: Pick<Task, 'enterprise_project_id'>, job: Pick<Job, 'payload'> | undefined, viewer: readonly string[] | null): boolean {
  if (viewer === null) return true;
  if (!viewer.includes(task.enterprise_project_id) || !job) return false;
  const rendered = (JSON.parse(job.payload) as { scope?: unknown }).scope;
  return Array.isArray(rendered) && rendered.every((ep) => typeof ep === 'string' && viewer.includes(ep));
}

/**
 * The generic HSS export-task flow: a family's export operation calls `create`; a server job (any replica)
 * renders the report's sheets into one zip artifact; `view` answers ListQueryExportTask and `openFile`
 * ListDownloadExportedFile. The task's status is derived from its job, never stored.
 */
export class ExportService {
  private readonly types = new Map<string, ReportType>();

  constructor(private readonly tasks: TaskStore, private readonly artifacts: ArtifactStore) {}

  /** Families' report types, registered once the families have started. */
  register(types: readonly ReportType[]): void {
    for (const type of types) {
      if (this.types.has(type.name)) throw new DuplicateRegistrationError('report type', type.name);
      if (!/^[a-z][a-z0-9-]{0,63}$/.test(type.name)) throw new Error(`report type name "${type.name}" must be lower-case letters, digits and dashes`);
      this.types.set(type.name, type);
    }
  }

  async create(request: NewExport): Promise<Task> {
    const type = this.types.get(request.reportType);
    if (!type) throw new UnknownReportTypeError(request.reportType);
    const { task } = await this.tasks.createTask({
      projectId: request.projectId, enterpriseProjectId: request.enterpriseProjectId, family: EXPORT_TASK_FAMILY, kind: type.name,
      name: type.taskName, params: request.params, createdBy: request.createdBy,
      jobs: [{ agentId: null, kind: exportJobKind.name, payload: { report_type: type.name, scope: request.scope, params: request.params }, maxAttempts: 2 }],
    });
    return task;
  }

  async view(projectId: string, taskId: string, scope: readonly string[] | null): Promise<ExportTaskView | undefined> {
    const task = await this.tasks.getTask(taskId);
    if (!task || task.project_id !== projectId || task.family !== EXPORT_TASK_FAMILY) return undefined;
    const [job] = await this.tasks.jobsOfTask(task.id);
    if (!visible(task, job, scope)) return undefined;
    const base = { task_id: task.id, task_name: task.name, export_task_type: task.kind };
    if (!job || isActive(job.state)) return { ...base, task_status: 'running' };
    if (job.state !== 'succeeded' || !job.result) {
      return { ...base, task_status: 'failure', failure_reason: job.failure_reason ?? 'the export did not finish' };
    }
    let result;
    try {
      result = exportJobKind.checkResult(JSON.parse(job.result));
    } catch {
      return { ...base, task_status: 'failure', failure_reason: 'the stored export result is unreadable; export again' };
    }
    return { ...base, task_status: 'success', file_id: result.file_id, file_name: result.file_name };
  }

  /** The newest export task of a type (ShowLatestExportTaskByType), or the named one. */
  async latest(projectId: string, reportType: string | undefined, scope: readonly string[] | null): Promise<Task | undefined> {
    return this.tasks.latestTask(projectId, EXPORT_TASK_FAMILY, reportType, scope);
  }

  async openFile(projectId: string, fileId: string, scope: readonly string[] | null): Promise<{ artifact: Artifact; body: Readable } | null> {
    const artifact = await this.artifacts.get(fileId);
    if (!artifact || artifact.project_id !== projectId) return null;
    const task = await this.tasks.getTask(artifact.task_id);
    if (!task || task.family !== EXPORT_TASK_FAMILY) return null;
    const [job] = await this.tasks.jobsOfTask(task.id);
    if (!visible(task, job, scope)) return null;
    const body = await this.artifacts.openBlob(artifact);
    return body ? { artifact, body } : null;
  }

  /** Removes export tasks created before `cutoff`, zips first (a row never outlives its blob's owner); bounded per call. */
  async purgeOlderThan(cutoff: number): Promise<number> {
    if (await this.artifacts.purgeOlderThan(EXPORT_TASK_FAMILY, cutoff) >= 500) return 0; // more zips to go first
    return this.tasks.deleteFinishedTasks(EXPORT_TASK_FAMILY, cutoff);
  }

  /** The server job runner that renders reports. */
  runner(): ServerJobRunner {
    return defineServerJob(exportJobKind, async ({ job, payload, signal }) => {
      const type = this.types.get(payload.report_type);
      if (!type) return { outcome: 'failed', reason: new UnknownReportTypeError(payload.report_type).message };
      const task = await this.tasks.getTask(job.task_id);
      if (!task) return { outcome: 'failed', reason: 'the export task was deleted' };
      const sheets = await type.sheets({ projectId: job.project_id, scope: payload.scope, params: payload.params, signal });
      signal.throwIfAborted();
      const fileName = type.fileName(task.created_at);
      checkExportFileName(fileName);
      const zip = new PassThrough();
      // Its errors reach us through the writer's and the upload's promises; an early one (before the blob store has
      // started reading) must not also surface as an unhandled 'error' event.
      zip.on('error', () => undefined);
      // A failed upload must stop the writer too, or it would wait on a stream nobody reads.
      const stored = this.artifacts.put({ projectId: job.project_id, taskId: job.task_id, jobId: job.id }, fileName, 'application/zip', zip,
        { maxBytes: MAX_EXPORT_BYTES }).catch((error: Error) => { zip.destroy(error); throw error; });
      const abort = () => zip.destroy(new Error('the export was cancelled'));
      signal.addEventListener('abort', abort, { once: true });
      try {
        signal.throwIfAborted();
        const summary = await writeExportZip({ sheets, output: zip, workbookName: type.name }).catch(async (error: unknown) => {
          // A writer that fails before its first byte (bad sheet definitions) must not leave the upload waiting.
          zip.destroy(error instanceof Error ? error : new Error(String(error)));
          await stored.catch(() => undefined);
          throw error;
        });
        const artifact = await stored;
        return {
          outcome: 'succeeded',
          result: {
            file_id: artifact.id, file_name: fileName, bytes: summary.bytes, sha256: summary.sha256,
            rows: Object.fromEntries(summary.sheets.map((s) => [s.name, s.rows])),
          },
        };
      } finally {
        signal.removeEventListener('abort', abort);
      }
    });
  }
}
