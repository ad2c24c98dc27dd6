import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Kysely } from 'kysely';
import type { Periodic } from '../../core/family.js';
import { newHexId } from '../../identity/secrets.js';
import type { Database, Job } from '../../store/schema.js';
import { IMAGE_LOCAL_SCAN_JOB } from './domain.js';
import { imageLocalScanJobKind, type LocalScanImage } from './job-kinds.js';
import { privateTempDir } from './scan-runner.js';
import type { ImageServices } from './services.js';
import type { ImageDatabase, ImageTables } from './tables.js';

/**
 * Stores what finished `image-local-scan` jobs found: each image becomes (or updates) a local image of the job's
 * host and joins the job's task; its gzipped report artifact is decoded as untrusted input (inflated size
 * bounded, every line checked) and replaces the image's findings. A replica claims a job by inserting its
 * `image_local_results` row, so each job is stored once whichever replica sees it first.
 */

const JOBS_PER_RUN = 10;

function bounded(max: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _e, done) {
      seen += chunk.length;
      done(seen > max ? new Error(`the report inflates past ${max} bytes`) : null, chunk);
    },
  });
}

export class LocalReportSweep {
  private readonly db: Kysely<ImageDatabase>;

  constructor(private readonly services: ImageServices) {
    this.db = (services.core.store.db as Kysely<Database>).withTables<ImageTables>();
  }

  async run(now = Date.now()): Promise<number> {
    const jobs = await this.db.selectFrom('jobs').selectAll().where('kind', '=', IMAGE_LOCAL_SCAN_JOB).where('state', '=', 'succeeded')
      .where((eb) => eb.not(eb.exists(eb.selectFrom('image_local_results').select('job_id').whereRef('image_local_results.job_id', '=', 'jobs.id'))))
      .orderBy('finished_at').limit(JOBS_PER_RUN).execute();
    let stored = 0;
    for (const job of jobs) {
      // stored_at 0: claimed, being stored (the job's task still counts it as running); the time once stored.
      const claimed = await this.db.insertInto('image_local_results').values({ job_id: job.id, stored_at: 0 })
        .onConflict((oc) => oc.column('job_id').doNothing()).executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) continue;
      try {
        stored += await this.storeJob(job, now);
      } finally {
        await this.db.updateTable('image_local_results').set({ stored_at: Date.now() }).where('job_id', '=', job.id).execute();
      }
    }
    return stored;
  }

  private async storeJob(job: Job, now: number): Promise<number> {
    let result;
    try {
      result = imageLocalScanJobKind.checkResult(JSON.parse(job.result ?? 'null'));
    } catch {
      return 0;
    }
    const agent = job.agent_id ? await this.db.selectFrom('agents').selectAll().where('id', '=', job.agent_id).executeTakeFirst() : undefined;
    const task = await this.services.core.tasks.getTask(job.task_id);
    if (!agent || !task) return 0;
    let stored = 0;
    for (const image of result.images) {
      const { row } = await this.services.images.upsert({
        projectId: job.project_id, enterpriseProjectId: agent.enterprise_project_id, source: 'local', originId: agent.host_id, imageId: image.image_id,
      }, { imageName: image.image_name, imageVersion: image.image_version, agentId: agent.id, localPath: image.path, imageSize: image.size }, now);
      await this.db.insertInto('image_scan_task_images').values({ task_id: job.task_id, image_row: row.id, job_id: job.id, failed_reason: '' })
        .onConflict((oc) => oc.columns(['task_id', 'image_row']).doUpdateSet({ job_id: job.id })).execute();
      await this.db.updateTable('image_images').set({ last_task_id: job.task_id }).where('id', '=', row.id).execute();
      if (await this.storeReport(job, row.id, image)) stored += 1;
    }
    return stored;
  }

  private async storeReport(job: Job, imageRow: string, image: LocalScanImage): Promise<boolean> {
    const artifacts = image.report ? (await this.services.core.artifacts.ofTasks([job.task_id])).filter((a) => a.job_id === job.id && a.name === image.report) : [];
    const opened = artifacts[0] ? await this.services.core.artifacts.open(artifacts[0].id) : null;
    if (!opened) {
      await this.services.images.setStatus(imageRow, 'failed', image.scan_failed_desc || 'unknown_error');
      return false;
    }
    const dir = await privateTempDir(this.services.config.tempDir, `local-${newHexId(4)}`);
    try {
      const file = path.join(dir, 'report.ndjson');
      await pipeline(opened.body, createGunzip(), bounded(this.services.config.maxReportBytes), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
      await this.services.reports.store(imageRow, image.image_id, file);
      return true;
    } catch {
      await this.services.images.setStatus(imageRow, 'failed', 'unknown_error');
      return false;
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  }
}

export const localReportSweep = (services: ImageServices) => new LocalReportSweep(services);

export const localReportPeriodic = (sweep: LocalReportSweep): Periodic => ({ name: 'image-local-reports', everyMs: 2000, run: () => sweep.run() });
