import type { Kysely } from 'kysely';
import { newHexId } from '../../identity/secrets.js';
import type { Database, Task } from '../../store/schema.js';
import type { TaskStore } from '../../store/task-store.js';
import { IMAGE_FAMILY, type ImageSource } from './domain.js';
import type { ImageDatabase, ImageImagesTable, ImageRow, ImageTables } from './tables.js';

/** Image rows (one per image per source per enterprise project) and the scan tasks that rescan them. */

export interface ImageIdentity {
  projectId: string; enterpriseProjectId: string; source: ImageSource;
  /** Host id (local), registry id (registry), '' (CI/CD). */
  originId: string;
  imageId: string;
}

export interface ImageDetails {
  imageName: string; imageVersion: string; namespace?: string; imageDigest?: string; cicdName?: string;
  blobKey?: string | null; agentId?: string | null; localPath?: string | null; imageSize?: number;
}

export interface ScanTarget {
  imageRow: string;
  /** The agent that scans it (local images), or null for a server job. */
  agentId: string | null;
  jobKind: string;
  payload: unknown;
  /** Why it cannot be scanned at all (no job is queued). */
  unavailable?: string;
  /** Targets with the same key share one job (one agent job scans all of a host's images). */
  jobKey?: string;
  /** A job with no image row yet (an agent's discovery of what its directories hold). */
  discovery?: boolean;
}

export interface NewScanTask {
  projectId: string; enterpriseProjectId: string; imageType: string; taskType: string; scanScope: number; rateLimit: number;
  isAll: boolean; name: string; createdBy: string; targets: readonly ScanTarget[];
}

export const emptyImage = (id: string, ident: ImageIdentity, now: number): ImageImagesTable => ({
  id, project_id: ident.projectId, enterprise_project_id: ident.enterpriseProjectId, image_id: ident.imageId, source: ident.source,
  origin_id: ident.originId, namespace: '', image_name: '', image_version: '', image_digest: ident.imageId, cicd_name: '',
  blob_key: null, agent_id: null, local_path: null, scan_status: 'unscan', scan_failed_desc: '', format: '', architecture: '',
  os_name: '', os_version: '', layers: '[]', image_size: 0, apps_num: 0, vul_num: 0, files_num: 0, files_size: 0,
  malicious_file_num: 0, sensitive_num: 0, non_compliant_num: 0, build_risk_num: 0, risk_rank: 0, problems: '[]',
  latest_update_time: now, latest_scan_time: null, last_task_id: null, registry_image_id: null,
});

export class ImageStore {
  private readonly db: Kysely<ImageDatabase>;

  constructor(db: Kysely<Database>, private readonly tasks: TaskStore) {
    this.db = db.withTables<ImageTables>();
  }

  /** Inserts the image or updates its details; returns the row and the blob key it replaced (to delete). */
  async upsert(ident: ImageIdentity, details: ImageDetails, now = Date.now()): Promise<{ row: ImageRow; replacedBlob: string | null }> {
    const set: Partial<ImageImagesTable> = {
      image_name: details.imageName, image_version: details.imageVersion, latest_update_time: now,
      ...(details.namespace !== undefined ? { namespace: details.namespace } : {}),
      ...(details.imageDigest ? { image_digest: details.imageDigest } : {}),
      ...(details.cicdName !== undefined ? { cicd_name: details.cicdName } : {}),
      ...(details.blobKey !== undefined ? { blob_key: details.blobKey } : {}),
      ...(details.agentId !== undefined ? { agent_id: details.agentId } : {}),
      ...(details.localPath !== undefined ? { local_path: details.localPath } : {}),
      ...(details.imageSize !== undefined ? { image_size: details.imageSize } : {}),
    };
    return this.db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom('image_images').selectAll().where('project_id', '=', ident.projectId)
        .where('enterprise_project_id', '=', ident.enterpriseProjectId).where('source', '=', ident.source)
        .where('origin_id', '=', ident.originId).where('image_id', '=', ident.imageId).executeTakeFirst();
      if (existing) {
        await trx.updateTable('image_images').set(set).where('id', '=', existing.id).execute();
        const replaced = details.blobKey !== undefined && existing.blob_key !== details.blobKey ? existing.blob_key : null;
        return { row: { ...existing, ...set }, replacedBlob: replaced };
      }
      const row = { ...emptyImage(newHexId(), ident, now), ...set };
      await trx.insertInto('image_images').values(row).execute();
      return { row, replacedBlob: null };
    });
  }

  get(imageRow: string): Promise<ImageRow | undefined> {
    return this.db.selectFrom('image_images').selectAll().where('id', '=', imageRow).executeTakeFirst();
  }

  async setStatus(imageRow: string, status: 'waiting_for_scan' | 'scanning' | 'failed', failedDesc = '', now = Date.now()): Promise<void> {
    await this.db.updateTable('image_images').set({
      scan_status: status, scan_failed_desc: failedDesc.slice(0, 64), ...(status === 'failed' ? { latest_scan_time: now } : {}),
    }).where('id', '=', imageRow).execute();
  }

  /** A stopped task's images that were still waiting or scanning: failed with `scan_aborted`. */
  async stopped(taskId: string): Promise<void> {
    await this.db.updateTable('image_images').set({ scan_status: 'failed', scan_failed_desc: 'scan_aborted' })
      .where('last_task_id', '=', taskId).where('scan_status', 'in', ['waiting_for_scan', 'scanning']).execute();
  }

  /** Creates a scan task of family `image`: one job per scannable target, its HSS fields and its image list, atomically. */
  async createScanTask(spec: NewScanTask, now = Date.now()): Promise<Task> {
    const runnable = spec.targets.filter((t) => !t.unavailable);
    const keys = [...new Set(runnable.map((t, i) => t.jobKey ?? `#${i}`))];
    const firstOf = keys.map((k) => runnable.find((t, i) => (t.jobKey ?? `#${i}`) === k)!);
    const jobOf = (t: ScanTarget) => keys.indexOf(t.jobKey ?? `#${runnable.indexOf(t)}`);
    const { task } = await this.tasks.createTask({
      projectId: spec.projectId, enterpriseProjectId: spec.enterpriseProjectId, family: IMAGE_FAMILY, kind: 'image_scan', name: spec.name,
      params: { image_type: spec.imageType, scan_scope: spec.scanScope }, createdBy: spec.createdBy,
      jobs: firstOf.map((t) => ({ agentId: t.agentId, kind: t.jobKind, payload: t.payload, maxAttempts: 2 })),
    }, now, {
      after: async (trx, created, createdJobs) => {
        const db = trx.withTables<ImageTables>();
        await db.insertInto('image_scan_tasks').values({
          task_id: created.id, project_id: spec.projectId, image_type: spec.imageType, task_type: spec.taskType, scan_scope: spec.scanScope,
          rate_limit: spec.rateLimit, is_all: spec.isAll ? 1 : 0, begin_time: now, end_time: null,
        }).execute();
        const rows = spec.targets.filter((t) => !t.discovery).map((t) => ({
          task_id: created.id, image_row: t.imageRow, job_id: t.unavailable ? null : createdJobs[jobOf(t)]!.id, failed_reason: t.unavailable ?? '',
        }));
        for (let i = 0; i < rows.length; i += 200) await db.insertInto('image_scan_task_images').values(rows.slice(i, i + 200)).execute();
        const scanning = runnable.filter((t) => !t.discovery).map((t) => t.imageRow);
        for (let i = 0; i < scanning.length; i += 400) {
          await db.updateTable('image_images').set({ scan_status: 'waiting_for_scan', scan_failed_desc: '', last_task_id: created.id })
            .where('id', 'in', scanning.slice(i, i + 400)).execute();
        }
        const failed = spec.targets.filter((t) => t.unavailable && !t.discovery);
        for (const t of failed) {
          await db.updateTable('image_images').set({ scan_status: 'failed', scan_failed_desc: (t.unavailable ?? '').slice(0, 64), last_task_id: created.id })
            .where('id', '=', t.imageRow).execute();
        }
      },
    });
    return task;
  }
}
