import type { Periodic } from '../../core/family.js';
import type { Task } from '../../store/schema.js';
import type { ScanPolicy } from './policy-store.js';
import { nextScanTime } from './schedule-time.js';
import { launchScan, MAX_HOSTS_PER_SCAN, type ScanTaskServices } from './task-services.js';

/**
 * Scheduled scans: every tick, each project whose open policy is due gets one `schedule` scan task over the
 * policy's hosts (all unrevoked hosts of the project, or its `host_ids`) and types. Replica-safe: a run is
 * claimed by moving `next_scan_time` from the due value to the next slot with a conditional UPDATE, and only
 * the replica whose UPDATE matched creates the task. A due policy without hosts just moves on to its next slot.
 */

export const SCHEDULER_EVERY_MS = 30_000;
/** Policies handled per tick (the rest are due on the next one). */
const PER_TICK = 50;

export interface ScheduledRun { projectId: string; task: Task | null; hosts: number }

export class ScanScheduler {
  constructor(private readonly services: ScanTaskServices) {}

  /** Starts the runs that are due at `now`; returns what this replica started. */
  async runDue(now = Date.now()): Promise<ScheduledRun[]> {
    const started: ScheduledRun[] = [];
    for (const due of await this.services.policies.due(now, PER_TICK)) {
      const next = due.policy.status === 'open' ? nextScanTime(due.policy.scan_period, due.policy.time, now, true) : null;
      if (!(await this.services.policies.claim(due.projectId, due.nextScanTime, next))) continue;
      if (due.policy.status !== 'open') continue;
      started.push(await this.start(due.projectId, due.policy, now));
    }
    return started;
  }

  private async start(projectId: string, policy: ScanPolicy, now: number): Promise<ScheduledRun> {
    const { reads } = this.services;
    const agents = policy.scan_range_type === 'specific_host'
      ? (await reads.agentsBy('host_id', projectId, null, policy.host_ids)).slice(0, MAX_HOSTS_PER_SCAN)
      : await reads.allAgents(projectId, null, MAX_HOSTS_PER_SCAN);
    if (agents.length === 0) return { projectId, task: null, hosts: 0 };
    const task = await launchScan(this.services, {
      projectId, scope: null, scanType: 'schedule', vulTypes: policy.scan_vul_types, agents, createdBy: 'scheduler',
    }, now);
    return { projectId, task, hosts: agents.length };
  }
}

export function scanSchedulerPeriodic(scheduler: ScanScheduler): Periodic {
  return { name: 'vul-scan-scheduler', everyMs: SCHEDULER_EVERY_MS, run: () => scheduler.runDue() };
}
