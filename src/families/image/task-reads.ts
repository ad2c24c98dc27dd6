import type { Kysely } from 'kysely';
import { isActive } from '../../core/job-states.js';
import type { Agent, Database, JobState } from '../../store/schema.js';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import { containsText } from '../../store/sql-helpers.js';
import { IMAGE_FAMILY, IMAGE_LOCAL_SCAN_JOB, TASK_ABORTED, TASK_ERROR } from './domain.js';
import type { Page } from './image-reads.js';
import type { ImageDatabase, ImageScanTasksTable, ImageTables } from './tables.js';

/**
 * ListImageScanTask: image scan tasks with their progress, derived from their jobs and images (never stored):
 * an image is failed when it could not be queued, its job failed or its scan ended `failed`; done when its job
 * finished. `task_status` is 100 when every image is done, −1 when the task was stopped, −3 when every image
 * failed, else the percentage done.
 */

export interface TaskFilter {
  projectId: string; scope: EnterpriseScope; imageType?: string; taskType?: string; taskName?: string; taskId?: string;
  createdFrom?: number; endedBy?: number; status?: 'scanning' | 'finished'; scanScope?: number;
}

export interface FailedImage { image_name: string; image_version: string; namespace: string; failed_reason: string }

export interface TaskView extends ImageScanTasksTable {
  task_name: string; cancelled: boolean; activeJobs: number; total: number; success: number; failed: number; risky: number; done: number;
  failedImages: FailedImage[];
}

const ID_CHUNK = 200;

export class TaskReads {
  private readonly db: Kysely<ImageDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<ImageTables>();
  }

  /** The project's agents (not revoked) in scope. */
  agents(projectId: string, scope: EnterpriseScope): Promise<Agent[]> {
    return this.db.selectFrom('agents').selectAll().where('project_id', '=', projectId).where('revoked_at', 'is', null)
      .where(inScope('agents.enterprise_project_id', scope)).execute();
  }

  async task(projectId: string, scope: EnterpriseScope, taskId: string) {
    return this.db.selectFrom('image_scan_tasks').innerJoin('tasks', 'tasks.id', 'image_scan_tasks.task_id')
      .where('image_scan_tasks.project_id', '=', projectId).where('tasks.family', '=', IMAGE_FAMILY)
      .where(inScope('tasks.enterprise_project_id', scope)).where('image_scan_tasks.task_id', '=', taskId)
      .select(['image_scan_tasks.task_id', 'tasks.cancel_requested_at']).executeTakeFirst();
  }

  async list(f: TaskFilter, page: Page): Promise<{ total: number; rows: TaskView[] }> {
    let q = this.db.selectFrom('image_scan_tasks').innerJoin('tasks', 'tasks.id', 'image_scan_tasks.task_id')
      .where('image_scan_tasks.project_id', '=', f.projectId).where('tasks.family', '=', IMAGE_FAMILY).where(inScope('tasks.enterprise_project_id', f.scope));
    if (f.imageType) q = q.where('image_scan_tasks.image_type', '=', f.imageType);
    if (f.taskType) q = q.where('image_scan_tasks.task_type', '=', f.taskType);
    if (f.taskName) q = q.where(containsText('tasks.name', f.taskName));
    if (f.taskId) q = q.where('image_scan_tasks.task_id', '=', f.taskId);
    if (f.createdFrom) q = q.where('image_scan_tasks.begin_time', '>=', f.createdFrom);
    if (f.scanScope !== undefined) q = q.where('image_scan_tasks.scan_scope', '=', f.scanScope);
    const rows = await q.selectAll('image_scan_tasks').select(['tasks.name', 'tasks.cancel_requested_at'])
      .orderBy('image_scan_tasks.begin_time', 'desc').orderBy('image_scan_tasks.task_id').limit(5000).execute();
    const views: TaskView[] = [];
    for (let i = 0; i < rows.length; i += ID_CHUNK) views.push(...await this.views(rows.slice(i, i + ID_CHUNK)));
    const filtered = views.filter((v) => (f.status === undefined || (f.status === 'finished') === (finished(v) || v.cancelled))
      && (f.endedBy === undefined || (v.end_time !== null && v.end_time <= f.endedBy)));
    return { total: filtered.length, rows: filtered.slice(page.offset, page.offset + page.limit) };
  }

  private async views(rows: Array<ImageScanTasksTable & { name: string; cancel_requested_at: number | null }>): Promise<TaskView[]> {
    if (rows.length === 0) return [];
    const images = await this.db.selectFrom('image_scan_task_images as ti').innerJoin('image_images as i', 'i.id', 'ti.image_row')
      .leftJoin('jobs as j', 'j.id', 'ti.job_id')
      .where('ti.task_id', 'in', rows.map((r) => r.task_id))
      .select(['ti.task_id', 'ti.failed_reason', 'i.scan_status', 'i.scan_failed_desc', 'i.last_task_id', 'i.risk_rank', 'i.vul_num',
        'i.malicious_file_num', 'i.image_name', 'i.image_version', 'i.namespace', 'j.state', 'j.failure_reason', 'j.finished_at'])
      .execute();
    // A local scan whose reports the sweep has not stored yet is still running for the task.
    const jobs = (await this.db.selectFrom('jobs').leftJoin('image_local_results as stored', 'stored.job_id', 'jobs.id')
      .select(['jobs.task_id', 'jobs.state', 'jobs.kind', 'stored.stored_at as stored'])
      .where('jobs.task_id', 'in', rows.map((r) => r.task_id)).execute())
      .map((j) => ({ task_id: j.task_id, state: j.kind === IMAGE_LOCAL_SCAN_JOB && j.state === 'succeeded' && !(Number(j.stored) > 0) ? 'running' : j.state }));
    return rows.map((r) => {
      const view: TaskView = {
        ...r, begin_time: Number(r.begin_time), end_time: r.end_time === null ? null : Number(r.end_time), task_name: r.name,
        cancelled: r.cancel_requested_at !== null, activeJobs: jobs.filter((j) => j.task_id === r.task_id && isActive(j.state as JobState)).length, total: 0, success: 0, failed: 0, risky: 0, done: 0, failedImages: [],
      };
      let lastEnd = 0;
      for (const image of images.filter((x) => x.task_id === r.task_id)) {
        view.total += 1;
        const state = image.state as JobState | null;
        const own = image.last_task_id === r.task_id;
        let failedReason: string | null = null;
        if (image.failed_reason) failedReason = image.failed_reason;
        else if (state !== null && isActive(state)) continue;
        else if (state !== 'succeeded') failedReason = image.failure_reason ?? 'the scan did not finish';
        else if (own && image.scan_status === 'failed') failedReason = image.scan_failed_desc;
        view.done += 1;
        lastEnd = Math.max(lastEnd, Number(image.finished_at ?? 0));
        if (failedReason !== null) {
          view.failed += 1;
          if (view.failedImages.length < 100) view.failedImages.push({ image_name: image.image_name, image_version: image.image_version, namespace: image.namespace, failed_reason: failedReason.slice(0, 128) });
        } else {
          view.success += 1;
          if (own && (image.risk_rank > 0 || image.vul_num > 0 || image.malicious_file_num > 0)) view.risky += 1;
        }
      }
      if (view.end_time === null && ((view.done === view.total && view.activeJobs === 0) || view.cancelled)) view.end_time = lastEnd || view.begin_time;
      return view;
    });
  }
}

const finished = (v: TaskView) => v.done === v.total && v.activeJobs === 0;

export function taskStatusOf(view: TaskView): number {
  if (view.cancelled && !finished(view)) return TASK_ABORTED;
  if (finished(view) && view.total > 0 && view.failed === view.total) return TASK_ERROR;
  if (finished(view)) return 100;
  return view.total === 0 ? 0 : Math.min(99, Math.floor((view.done / view.total) * 100));
}
