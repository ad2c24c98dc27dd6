import type { Kysely } from 'kysely';
import type { Periodic } from '../../core/family.js';
import { newUuid } from '../../identity/secrets.js';
import type { Database } from '../../store/schema.js';
import { classifySignature } from './classify.js';
import { MAX_DETECTIONS_STORED } from './domain.js';
import { avScanJobKind, type AvScanProgressDetail, type AvScanResult } from './job-kind.js';
import { PENDING_AUTO_KILL, PENDING_TASK_ACTION, type AvAutoIsolation } from './auto-isolation.js';
import { whitelistedPairs } from './handle-store.js';
import { closeTaskIfDone } from './scan-store.js';
import { readSettings } from './settings-store.js';
import { projectWhiteRules, ruleMatches } from './white-rules.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/**
 * Moves hosts that are `scanning` along with their jobs, on any replica: running jobs copy their progress detail
 * (files, bytes, detections, percent) into the host row; ended jobs set the host's final status (`success`,
 * `fail` with the job's reason — e.g. the lease reaper's "agent lost" —, `cancel`) and store the detections as
 * result rows, leaving out those on the project's alarm whitelist (same hash and path) or matched by one of its
 * whitelist rules. The new results of an `action=auto` task, or of any task while the project's auto-kill setting
 * is on, are stored pending automatic isolation, which each pass then drains (auto-isolation.ts). Every write is
 * conditional on the host still being `scanning` with that job, and result rows are unique per job + path +
 * signature, so two replicas sweeping at once store everything once.
 */

const BATCH = 500;

interface HostJobRow {
  task_id: string; host_id: string; agent_id: string; project_id: string; job_id: string;
  scan_file_num: number; virus_num: number; scan_progress: number;
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

  /** `autoIsolation`: drained after each pass (without it, pending results wait for a sweep that has one). */
  constructor(db: Kysely<Database>, private readonly autoIsolation?: AvAutoIsolation) {
    this.db = db.withTables<AntivirusTables>();
  }

  /** One pass over at most BATCH scanning hosts; returns how many rows changed. */
  async run(now = Date.now()): Promise<number> {
    const rows = await this.db.selectFrom('av_task_hosts').innerJoin('jobs', 'jobs.id', 'av_task_hosts.job_id')
      .select(['av_task_hosts.task_id', 'av_task_hosts.host_id', 'av_task_hosts.agent_id', 'av_task_hosts.project_id', 'av_task_hosts.scan_file_num',
        'av_task_hosts.virus_num', 'av_task_hosts.scan_progress', 'jobs.id as job_id', 'jobs.state', 'jobs.progress_detail', 'jobs.result',
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
    const percent = Math.min(99, Math.max(0, Math.floor(detail.percent)));
    if (Number(row.scan_file_num) === detail.scanned_files && row.virus_num === detail.detections && row.scan_progress === percent) return 0;
    const r = await this.db.updateTable('av_task_hosts').set({
      scan_file_num: detail.scanned_files, files_total: detail.files_total, scanned_bytes: detail.bytes, virus_num: detail.detections,
      scan_progress: percent, updated_at: now, ...(start === undefined ? {} : { start_time: start }),
    }).where('task_id', '=', row.task_id).where('host_id', '=', row.host_id).where('job_id', '=', row.job_id)
      .where('host_task_status', '=', 'scanning').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  private async finish(row: HostJobRow, now: number): Promise<number> {
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
      const found = (result?.detections ?? []).slice(0, MAX_DETECTIONS_STORED);
      if (found.length > 0) await this.storeDetections(db, row, found, now);
      await closeTaskIfDone(db, row.task_id, now);
      return 1;
    });
  }

  private async storeDetections(db: Kysely<AntivirusDatabase>, row: HostJobRow, found: AvScanResult['detections'], now: number): Promise<void> {
    const whitelisted = await whitelistedPairs(db, row.project_id, found.map((d) => d.sha256));
    const rules = await projectWhiteRules(db, row.project_id);
    const detections = found.map((d) => ({ d, kind: classifySignature(d.signature) }))
      .filter(({ d, kind }) => !whitelisted.has(`${d.sha256}\0${d.path}`) && !rules.some((r) => ruleMatches(r, kind.event_type, d.path)));
    const task = await db.selectFrom('av_tasks').select('action').where('task_id', '=', row.task_id).executeTakeFirst();
    const pending = task?.action === 'auto' ? PENDING_TASK_ACTION : (await readSettings(db, row.project_id)).autoKill ? PENDING_AUTO_KILL : 0;
    for (let i = 0; i < detections.length; i += 100) {
      await db.insertInto('av_results').values(detections.slice(i, i + 100).map(({ d, kind }) => ({
        result_id: newUuid(), project_id: row.project_id, task_id: row.task_id, host_id: row.host_id, agent_id: row.agent_id, job_id: row.job_id,
        file_path: d.path, malware_name: d.signature, malware_type: kind.malware_type, event_type: kind.event_type, severity: kind.severity,
        file_hash: d.sha256, file_size: d.size, file_attr: d.mode, file_owner: d.owner, file_mtime: d.mtime_ms, file_ctime: d.ctime_ms,
        occur_time: d.found_at, handle_status: 'unhandled', handle_method: null, memo: null, isolate_state: null, vault_ref: null,
        isolate_job_id: null, isolate_reason: null, isolate_origin: null, auto_isolate_pending: pending, updated_at: now,
      }))).onConflict((oc) => oc.columns(['job_id', 'file_path', 'malware_name']).doNothing()).execute();
    }
  }
}

export function avProgressPeriodic(sweep: AvProgressSweep, everyMs = 1000): Periodic {
  return { name: 'antivirus-progress', everyMs, run: () => sweep.run() };
}
