import type { Transaction } from 'kysely';
import type { EnterpriseScope } from '../../store/scope.js';
import type { Agent, Database, Task } from '../../store/schema.js';
import type { AvReads } from './reads.js';
import type { AntivirusServices } from './services.js';
import type { AvTarget, NewAvTask } from './scan-store.js';
import { avTargets } from './targets.js';

/**
 * Starting a new antivirus task over named hosts: the one code path behind CreateAntiVirusTask /
 * CreateAntiVirusPaidTask and every policy run. Hosts that cannot scan (offline, revoked, no engine) join the task
 * `fail` with their reason and are returned as `fail_reasons`; the others get an `av-scan` job and a wake-up.
 */

const MAX_NAMED = 20;
/** FailReasons.reason is at most 100 characters. */
const REASON_MAX = 100;

export const namedIds = (ids: readonly string[]) => ids.slice(0, MAX_NAMED).join(', ') + (ids.length > MAX_NAMED ? ` and ${ids.length - MAX_NAMED} more` : '');

export interface FailReason { host_id: string; reason: string }

/** The agents of `hostIds` (distinct, in that order) and the ids no agent of the project in scope has. */
export async function agentsOf(reads: AvReads, projectId: string, scope: EnterpriseScope, hostIds: readonly string[]): Promise<{ agents: Agent[]; unknown: string[] }> {
  const ids = [...new Set(hostIds)];
  const agents = await reads.agentsByHostIds(projectId, scope, ids);
  const found = new Set(agents.map((a) => a.host_id));
  const order = new Map(ids.map((id, i) => [id, i]));
  agents.sort((a, b) => (order.get(a.host_id) ?? 0) - (order.get(b.host_id) ?? 0));
  return { agents, unknown: ids.filter((id) => !found.has(id)) };
}

export function failReasonsOf(targets: readonly AvTarget[]): FailReason[] {
  return targets.filter((t) => t.unavailable !== null).map((t) => ({ host_id: t.agent.host_id, reason: (t.unavailable as string).slice(0, REASON_MAX) }));
}

/** The hosts' enterprise project when they share one, else the first one of the scope (default "0"). */
export function taskEnterpriseProject(agents: readonly Agent[], scope: EnterpriseScope): string {
  const distinct = new Set(agents.map((a) => a.enterprise_project_id));
  return distinct.size === 1 ? [...distinct][0] as string : scope?.[0] ?? '0';
}

/** A task to start: the stored task's own fields, plus the scope and the checked directory lists the agents get. */
export interface ScanLaunch extends Pick<NewAvTask, 'projectId' | 'taskName' | 'scanType' | 'action' | 'paid' | 'scanDir' | 'ignoreDir' | 'fileTypes' | 'createdBy' | 'startType' | 'policyId'> {
  scope: EnterpriseScope;
  roots: readonly string[];
  ignoreDirs: readonly string[];
}

export async function launchScan(services: AntivirusServices, spec: ScanLaunch, agents: readonly Agent[],
  options: { now?: number; before?: (trx: Transaction<Database>) => Promise<void> } = {}): Promise<{ task: Task; failReasons: FailReason[] }> {
  const now = options.now ?? Date.now();
  const targets = avTargets(agents, services.config.agentOfflineSeconds * 1000, now);
  const fileTypes = [...spec.fileTypes];
  const task = await services.scans.createTask({
    projectId: spec.projectId, enterpriseProjectId: taskEnterpriseProject(agents, spec.scope), taskName: spec.taskName, scanType: spec.scanType,
    action: spec.action, paid: spec.paid, scanDir: spec.scanDir, ignoreDir: spec.ignoreDir, fileTypes,
    payload: { scan_type: spec.scanType, roots: [...spec.roots], ignore_dirs: [...spec.ignoreDirs], file_types: fileTypes },
    targets, createdBy: spec.createdBy, startType: spec.startType ?? 'now', policyId: spec.policyId ?? null,
  }, now, options.before);
  for (const t of targets) if (t.unavailable === null) services.notifier.notify(t.agent.id);
  return { task, failReasons: failReasonsOf(targets) };
}
