import type { Kysely } from 'kysely';
import type { Periodic } from '../../core/family.js';
import type { ArtifactStore } from '../../store/artifact-store.js';
import type { Database } from '../../store/schema.js';
import { avScanJobKind, type AvScanProgressDetail, type AvScanResult } from './job-kind.js';
import type { AvAutoIsolation } from './auto-isolation.js';
import { storeDetections, StreamedDetections } from './results-ingest.js';
import { closeTaskIfDone } from './scan-store.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/**
 * Moves hosts that are `scanning` along with their jobs, on any replica: running jobs copy their progress detail
 * (files, bytes, detections, percent) into the host row; ended jobs set the host's final status (`success`,
 * `fail` with the job's reason — e.g. the lease reaper's "agent lost" —, `cancel`) and store the detections as
 * result rows, leaving out those on the project's alarm whitelist (same hash and path) or matched by one of its
 * whitelist rules. The new results of an `action=auto` task, or of any task while the project's auto-kill setting
 * is on, are stored pending automatic isolation, which each pass then drains (auto-isolation.ts). Every write is
 * conditional on the host still being `scanning` with that job, and result rows are unique per job + path +
 * signature, so two replicas sweeping at once store everything once. Detections the agent streamed while scanning
 * (results-ingest.ts) are stored as soon as its progress says a new batch is up, and once more when the job ends
 * (a killed agent's too), through the same rules.
 */

const BATCH = 500;

interface HostJobRow {
  task_id: string; host_id: string; agent_id: string; project_id: string; job_id: string;
  scan_file_num: number; virus_num: number; scan_progress: number; streamed_batches: number;
  state: string; progress_detail: string | null; result: string | null; failure_reason: string | null; started_at: number | null;
}

function parseJson<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

export class AvProgressSweep {
  private readonly db: Kysely<AntivirusDatabase>;
  private readonly streamed: StreamedDetections | null;

  /**
   * `autoIsolation`: drained after each pass (without it, pending results wait for a sweep that has one).
   * `artifacts`: where streamed detection batches are read (without it, detections are stored when a job ends).
   */
  constructor(db: Kysely<Database>, private readonly autoIsolation?: AvAutoIsolation, artifacts?: ArtifactStore) {
    this.db = db.withTables<AntivirusTables>();
    this.streamed = artifacts ? new StreamedDetections(artifacts) : null;
  }

  /** One pass over at most BATCH scanning hosts; returns how many rows changed. */
  async run(now = Date.now()): Promise<number> {
    const rows = await this.db.selectFrom('av_task_hosts').innerJoin('jobs', 'jobs.id', 'av_task_hosts.job_id')
      .select(['av_task_hosts.task_id', 'av_task_hosts.host_id', 'av_task_hosts.agent_id', 'av_task_hosts.project_id', 'av_task_hosts.scan_file_num',
        'av_task_hosts.virus_num', 'av_task_hosts.scan_progress', 'av_task_hosts.streamed_batches', 'jobs.id as job_id', 'jobs.state', 'jobs.progress_detail', 'jobs.result',
        'jobs.failure_reason', 'jobs.started_at'])
      .where('av_task_hosts.host_task_status', '=', 'scanning').where('jobs.kind', '=', avScanJobKind.name)
      .orderBy('av_task_hosts.updated_at').limit(BATCH).execute() as HostJobRow[];
    let changed = 0;
    for (const row of rows) {
      if (row.state === 'queued' || row.state === 'running') changed += await this.copyProgress(row, now);
      else changed += await this.finish(row, now);
    }
    if (this.autoIsolation) changed += await this.autoIsolation.drain();
    return changed;
  }

  private async copyProgress(row: HostJobRow, now: number): Promise<number> {
    const detail = parseJson<AvScanProgressDetail>(row.progress_detail);
    const start = row.started_at === null ? undefined : Number(row.started_at);
    if (!detail) {
      if (start === undefined) return 0;
      const r = await this.db.updateTable('av_task_hosts').set({ start_time: start }).where('task_id', '=', row.task_id)
        .where('host_id', '=', row.host_id).where('job_id', '=', row.job_id).where('start_time', '<>', start).executeTakeFirst();
      return Number(r.numUpdatedRows);
    }
    let stored = 0;
    if (this.streamed && (detail.streamed_batches ?? 0) > row.streamed_batches) {
      stored = (await this.streamed.ingest(this.db, row, row.streamed_batches, now)).length;
    }
    const percent = Math.min(99, Math.max(0, Math.floor(detail.percent)));
    if (Number(row.scan_file_num) === detail.scanned_files && row.virus_num === detail.detections && row.scan_progress === percent) return stored;
    const r = await this.db.updateTable('av_task_hosts').set({
      scan_file_num: detail.scanned_files, files_total: detail.files_total, scanned_bytes: detail.bytes, virus_num: detail.detections,
      scan_progress: percent, updated_at: now, ...(start === undefined ? {} : { start_time: start }),
    }).where('task_id', '=', row.task_id).where('host_id', '=', row.host_id).where('job_id', '=', row.job_id)
      .where('host_task_status', '=', 'scanning').executeTakeFirst();
    return Number(r.numUpdatedRows) + stored;
  }

  private async finish(row: HostJobRow, now: number): Promise<number> {
    // Batches uploaded after the last progress report (or by an agent killed since) are stored before the host moves.
    if (this.streamed) await this.streamed.ingest(this.db, row, row.streamed_batches, now);
    const result = row.state === 'succeeded' ? parseJson<AvScanResult>(row.result) : null;
    const status = row.state === 'succeeded' ? 'success' : row.state === 'cancelled' ? 'cancel' : 'fail';
    const reason = status === 'success' ? '' : (row.failure_reason ?? `the scan job ended ${row.state}`).slice(0, 1000);
    return this.db.transaction().execute(async (trx): Promise<number> => {
      const db = trx.withTables<AntivirusTables>();
      const updated = await db.updateTable('av_task_hosts').set({
        host_task_status: status, fail_reason: reason, end_time: now, updated_at: now,
        ...(result ? {
          scan_file_num: result.scanned_files, files_total: result.total_files, scanned_bytes: result.scanned_bytes,
          virus_num: Math.min(2_147_483_647, result.detections_count), scan_progress: 100,
        } : {}),
      }).where('task_id', '=', row.task_id).where('host_id', '=', row.host_id).where('job_id', '=', row.job_id)
        .where('host_task_status', '=', 'scanning').executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) return 0;
      await storeDetections(db, row, result?.detections ?? [], now);
      await closeTaskIfDone(db, row.task_id, now);
      return 1;
    });
  }
}

export function avProgressPeriodic(sweep: AvProgressSweep, everyMs = 1000): Periodic {
  return { name: 'antivirus-progress', everyMs, run: () => sweep.run() };
}
