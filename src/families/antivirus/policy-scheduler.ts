import type { Kysely } from 'kysely';
import type { Periodic } from '../../core/family.js';
import { QuotaExceededError } from '../../core/quotas.js';
import type { Database } from '../../store/schema.js';
import { scanDirectories, type AvScanType } from './domain.js';
import type { PolicySpec } from './policy-rules.js';
import type { AvPolicyRow } from './policy-tables.js';
import { agentsOf, launchScan, type ScanLaunch } from './scan-launch.js';
import { runAfter, type PolicyTiming, type ScanPeriod } from './schedule.js';
import type { AntivirusServices } from './services.js';

/**
 * Scheduled antivirus runs: every tick each due policy (`later` at its `scan_time`, `period` at its slots) becomes a
 * normal antivirus task over the policy's hosts, created by the same code as CreateAntiVirusTask (scan-launch.ts),
 * with the policy's `start_type` and id. The slot is claimed in the task's own transaction (policy-store.ts), so
 * with several replicas each run happens exactly once, and a crash between claim and task cannot lose or double it.
 * A due policy none of whose hosts is enrolled any more, or whose project is at its `tasks.active` quota, skips that
 * run and moves on to its next slot; any other failure leaves the run due (the periodic logs it, the next tick retries).
 */

export const POLICY_SCHEDULER_EVERY_MS = 10_000;
/** Policies started per tick (the rest are due on the next one). */
const PER_TICK = 50;

export interface PolicyRun { policyId: string; taskId: string | null; skipped?: string }

class RunTakenElsewhere extends Error {}

export function timingOfRow(row: AvPolicyRow): PolicyTiming {
  if (row.start_type === 'later') return { startType: 'later', scanTime: Number(row.scan_time ?? 0) };
  if (row.start_type === 'period') {
    return {
      startType: 'period',
      rule: {
        period: (row.scan_period ?? 'day') as ScanPeriod, date: row.scan_period_date, hour: row.scan_hour ?? 0, minute: row.scan_minute ?? 0,
        timezoneOffset: row.timezone_offset ?? 0,
      },
    };
  }
  return { startType: 'now' };
}

/** What a run of the policy scans, as CreateAntiVirusTask would (the directories were checked when it was saved). */
export function launchOf(policy: Pick<PolicySpec, 'name' | 'scanType' | 'action' | 'paid' | 'scanDir' | 'ignoreDir' | 'fileTypes'> & { startType: PolicyTiming['startType'] },
  owner: { projectId: string; enterpriseProjectId: string; createdBy: string; policyId: string }): ScanLaunch {
  const dirs = scanDirectories(policy.scanType, policy.scanDir, policy.ignoreDir);
  if ('problem' in dirs) throw new Error(`policy ${owner.policyId}: ${dirs.problem}`);
  return {
    projectId: owner.projectId, scope: [owner.enterpriseProjectId], taskName: policy.name, scanType: policy.scanType, action: policy.action,
    paid: policy.paid, scanDir: policy.scanDir, ignoreDir: policy.ignoreDir, roots: dirs.roots, ignoreDirs: dirs.ignoreDirs,
    fileTypes: policy.fileTypes, createdBy: owner.createdBy, startType: policy.startType, policyId: owner.policyId,
  };
}

function launchOfRow(row: AvPolicyRow): ScanLaunch {
  return launchOf({
    name: row.policy_name, scanType: row.scan_type as AvScanType, action: row.action as 'auto' | 'manual', paid: row.whether_paid_task === 1,
    scanDir: row.scan_dir, ignoreDir: row.ignore_dir, fileTypes: JSON.parse(row.file_types) as number[], startType: timingOfRow(row).startType,
  }, { projectId: row.project_id, enterpriseProjectId: row.enterprise_project_id, createdBy: row.created_by, policyId: row.policy_id });
}

export class AvPolicyScheduler {
  constructor(private readonly services: AntivirusServices, private readonly clock: () => number = Date.now) {}

  /** Starts the runs due now; returns what this replica did (runs another replica took are not listed). */
  async runDue(): Promise<PolicyRun[]> {
    const now = this.clock();
    const done: PolicyRun[] = [];
    for (const policy of await this.services.policies.due(now, PER_TICK)) {
      const run = await this.run(policy, now);
      if (run) done.push(run);
    }
    return done;
  }

  private async run(policy: AvPolicyRow, now: number): Promise<PolicyRun | null> {
    const { policies, reads } = this.services;
    const next = runAfter(timingOfRow(policy), now);
    const skip = async (reason: string) => (await policies.claim(policy, next, now) ? { policyId: policy.policy_id, taskId: null, skipped: reason } : null);
    const { agents } = await agentsOf(reads, policy.project_id, null, await policies.hostIds(policy.policy_id));
    if (agents.length === 0) return skip('none of the policy\'s hosts is enrolled any more');
    if (policy.whether_paid_task === 1 && !(await this.services.settings.get(policy.project_id)).payPerScan) {
      return skip('pay-per-scan is switched off for this project (ChangeAntivirusPayPerScanStatus)');
    }
    const claim = async (trx: Kysely<Database>) => {
      if (!(await policies.claim(policy, next, now, trx))) throw new RunTakenElsewhere();
    };
    try {
      const { task } = await launchScan(this.services, launchOfRow(policy), agents, { now, before: claim });
      return { policyId: policy.policy_id, taskId: task.id };
    } catch (error) {
      if (error instanceof RunTakenElsewhere) return null;
      if (error instanceof QuotaExceededError) return skip(error.message);
      throw error;
    }
  }
}

export function avPolicyPeriodic(scheduler: AvPolicyScheduler): Periodic {
  return { name: 'antivirus-policy-scheduler', everyMs: POLICY_SCHEDULER_EVERY_MS, run: () => scheduler.runDue() };
}
