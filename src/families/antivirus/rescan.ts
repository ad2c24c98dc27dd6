import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { TaskStore } from '../../store/task-store.js';
import { parseDirList } from './domain.js';
import { avScanJobKind, type AvScanPayload } from './job-kind.js';
import type { AvTarget } from './scan-store.js';
import type { AntivirusTables, AvTaskRow } from './tables.js';

/**
 * A rescan (CreateAntiVirusTask with `task_id`): the named hosts of the task scan again in the same task, with the
 * task's own scan type, directories and file types. Each host that can scan gets a new `av-scan` job and its row
 * starts over (`scanning`, counters 0; earlier detections stay, they belong to the earlier job); a host that cannot
 * scan now fails again with the reason. A host still scanning is refused, all or nothing: the row updates are
 * conditional, and a concurrent rescan that got there first rolls this one back.
 */

export class HostStillScanningError extends Error {}

/** The payload a task's scans run with, rebuilt from the stored task. */
export function payloadOfTask(task: AvTaskRow): AvScanPayload {
  const dirs = (field: string, value: string) => {
    const parsed = parseDirList(field, value);
    return 'dirs' in parsed ? parsed.dirs : [];
  };
  let fileTypes: number[] = [];
  try {
    const parsed: unknown = JSON.parse(task.file_types);
    if (Array.isArray(parsed)) fileTypes = parsed.filter((n): n is number => Number.isInteger(n));
  } catch {
    fileTypes = [];
  }
  return {
    scan_type: task.scan_type as AvScanPayload['scan_type'], roots: task.scan_type === 'custom' ? dirs('scan_dir', task.scan_dir) : [],
    ignore_dirs: dirs('ignore_dir', task.ignore_dir), file_types: fileTypes,
  };
}

export async function rescanHosts(db: Kysely<Database>, tasks: TaskStore, task: AvTaskRow, targets: readonly AvTarget[], now = Date.now()): Promise<void> {
  const payload = payloadOfTask(task);
  const scanning = targets.filter((t) => t.unavailable === null);
  const hostOfAgent = new Map(targets.map((t) => [t.agent.id, t.agent.host_id]));
  await tasks.addJobs(task.task_id, scanning.map((t) => ({ agentId: t.agent.id, kind: avScanJobKind.name, payload })), now, {
    guard: async (trx, jobs) => {
      const av = trx.withTables<AntivirusTables>();
      const reset = { scan_file_num: 0, files_total: 0, scanned_bytes: 0, scan_progress: 0, virus_num: 0, start_time: now, updated_at: now };
      const restart = async (hostId: string, set: Record<string, unknown>) => {
        const r = await av.updateTable('av_task_hosts').set({ ...reset, ...set }).where('task_id', '=', task.task_id).where('host_id', '=', hostId)
          .where('host_task_status', '<>', 'scanning').executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new HostStillScanningError(`host ${hostId} is still scanning in task ${task.task_id}; cancel it or wait`);
      };
      for (const job of jobs) {
        await restart(hostOfAgent.get(job.agent_id as string) as string, { host_task_status: 'scanning', job_id: job.id, fail_reason: '', end_time: null });
      }
      for (const t of targets.filter((x) => x.unavailable !== null)) {
        await restart(t.agent.host_id, { host_task_status: 'fail', job_id: null, fail_reason: t.unavailable as string, end_time: now });
      }
      await av.updateTable('av_tasks').set({ end_time: scanning.length > 0 ? null : now }).where('task_id', '=', task.task_id).execute();
      return true;
    },
  });
}
