import type { GuardpostConfig } from '../../config.js';
import type { WorkNotifier } from '../../server/work-notifier.js';
import type { Agent, Task } from '../../store/schema.js';
import type { TaskStore } from '../../store/task-store.js';
import type { CoreServices } from '../types.js';
import type { ScanTaskKind, VulType } from './domain.js';
import { PolicyStore } from './policy-store.js';
import { ScanReads } from './scan-reads.js';
import { ScanStore } from './scan-store.js';
import { scanTargets } from './targets.js';

/** What the scan-task routes, the rescan and the scheduler use, built once when the family starts. */
export interface ScanTaskServices {
  config: GuardpostConfig;
  tasks: TaskStore;
  notifier: WorkNotifier;
  scans: ScanStore;
  reads: ScanReads;
  policies: PolicyStore;
}

export function scanTaskServices(core: CoreServices): ScanTaskServices {
  return {
    config: core.config, tasks: core.tasks, notifier: core.notifier,
    scans: new ScanStore(core.store.db, core.tasks), reads: new ScanReads(core.store.db), policies: new PolicyStore(core.store.db),
  };
}

/** At most this many hosts in one scan (all_host scans and schedules included). */
export const MAX_HOSTS_PER_SCAN = 20_000;

/**
 * A task's enterprise project (what ListVulScanTask scopes by): the hosts' own when they share one, else the
 * first enterprise project of the caller's scope (or the default one), so the creator can see the task.
 */
export function taskEnterpriseProject(agents: readonly Agent[], scope: readonly string[] | null): string {
  const distinct = new Set(agents.map((a) => a.enterprise_project_id));
  if (distinct.size === 1) return [...distinct][0] as string;
  return scope?.[0] ?? '0';
}

export interface ScanLaunch {
  projectId: string;
  scope: readonly string[] | null;
  scanType: ScanTaskKind;
  vulTypes: readonly VulType[];
  agents: readonly Agent[];
  createdBy: string;
}

/** Creates the scan (hosts that cannot scan fail at once with their reason) and wakes the agents that got work. */
export async function launchScan(services: ScanTaskServices, launch: ScanLaunch, now = Date.now()): Promise<Task> {
  const targets = scanTargets(launch.agents, services.config.agentOfflineSeconds * 1000, now);
  const task = await services.scans.createScan({
    projectId: launch.projectId, enterpriseProjectId: taskEnterpriseProject(launch.agents, launch.scope), scanType: launch.scanType,
    vulTypes: launch.vulTypes, targets, createdBy: launch.createdBy,
  }, now);
  for (const target of targets) if (target.unavailable === null) services.notifier.notify(target.agent.id);
  return task;
}

export interface Estimate { queue_time: number; run_time: number; total_time: number }

/** Without history: one minute for an inventory, a few seconds for a match. */
export const DEFAULT_INVENTORY_MS = 60_000;
export const DEFAULT_MATCH_MS = 5_000;
const MINUTE = 60_000;

/**
 * Minutes, from the project's own history (api-surface ShowVulScanTaskEstimatedTime): `run` = mean run time of
 * the last 50 succeeded `vul-inventory` jobs + that of the last 50 `vul-match` jobs (hosts scan in parallel,
 * each on its own agent); `queue` = the most inventory jobs any target agent still has queued or running ×
 * the mean inventory time (an agent runs them one after another), 0 when nothing waits; `total` = queue + run.
 * Each is rounded up to whole minutes; run and total are at least 1.
 */
export async function estimateScan(reads: ScanReads, projectId: string, agents: readonly Agent[]): Promise<Estimate> {
  const [inventoryMs, matchMs, active] = await Promise.all([
    reads.inventoryMeanMs(projectId), reads.matchMeanMs(projectId), reads.activeInventoryJobs(agents.map((a) => a.id)),
  ]);
  const perInventory = inventoryMs ?? DEFAULT_INVENTORY_MS;
  const runMs = perInventory + (matchMs ?? DEFAULT_MATCH_MS);
  const deepestQueue = Math.max(0, ...active.values());
  const queueMs = deepestQueue * perInventory;
  const minutes = (ms: number) => Math.max(1, Math.ceil(ms / MINUTE));
  return { queue_time: Math.ceil(queueMs / MINUTE), run_time: minutes(runMs), total_time: minutes(queueMs + runMs) };
}
