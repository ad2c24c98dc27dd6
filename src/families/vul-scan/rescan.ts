import type { TaskStore } from '../../store/task-store.js';
import { isSupportedVulType, type SupportedVulType, type VulType } from './domain.js';
import { inventoryJobKind } from './job-kinds.js';
import { initialHostState } from './scan-store.js';
import type { ScanReads } from './scan-reads.js';
import type { VulScanHost, VulScanTables } from './tables.js';
import { unavailableReason } from './targets.js';

/**
 * RecreateVulScanTask: re-queues hosts of an earlier task in the SAME task. Each host is checked again (an
 * agent offline or revoked now fails again, with its reason); the others get a new inventory job, their row
 * goes back to `scanning` (match job cleared) and the task's end_time is cleared so it lists as running.
 * The rows are reset with a conditional UPDATE (only hosts not scanning), so two concurrent rescans of one
 * host cannot both queue it: the second is refused and its transaction rolls back.
 */

export class HostStillScanningError extends Error {
  constructor() {
    super('a host of this rescan is already scanning again (another rescan started it)');
  }
}

export interface RescanOutcome { queued: Array<{ hostId: string; agentId: string }>; failed: Array<{ hostId: string; reason: string }> }

export async function rescanHosts(tasks: TaskStore, reads: ScanReads, options: {
  taskId: string; vulTypes: readonly VulType[]; hosts: readonly VulScanHost[]; offlineAfterMs: number;
}, now = Date.now()): Promise<RescanOutcome> {
  const agents = new Map((await reads.agentsById([...new Set(options.hosts.map((h) => h.agent_id))])).map((a) => [a.id, a]));
  const supported = options.vulTypes.filter(isSupportedVulType) as SupportedVulType[];
  const plans = options.hosts.map((host) => {
    const agent = agents.get(host.agent_id);
    const unavailable = agent ? unavailableReason(agent, options.offlineAfterMs, now) : 'the host\'s agent no longer exists';
    return { host, state: initialHostState(options.vulTypes, unavailable) };
  });
  const scanning = plans.filter((p) => p.state.status === 'scanning');
  await tasks.addJobs(options.taskId, scanning.map((p) => ({
    agentId: p.host.agent_id, kind: inventoryJobKind.name, payload: { scan_types: supported },
  })), now, {
    after: async (trx, jobs) => {
      const jobByAgent = new Map(jobs.map((j) => [j.agent_id, j.id]));
      const vul = trx.withTables<VulScanTables>();
      for (const { host, state } of plans) {
        const running = state.status === 'scanning';
        const result = await vul.updateTable('vul_scan_hosts').set({
          scan_status: state.status, failed_reasons: JSON.stringify(state.reasons), details: JSON.stringify(state.details),
          inventory_job_id: running ? jobByAgent.get(host.agent_id) ?? null : null, match_job_id: null,
          started_at: now, finished_at: running ? null : now,
        }).where('task_id', '=', options.taskId).where('host_id', '=', host.host_id).where('scan_status', '!=', 'scanning').executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) throw new HostStillScanningError();
      }
      const left = await vul.selectFrom('vul_scan_hosts').select('host_id').where('task_id', '=', options.taskId)
        .where('scan_status', '=', 'scanning').limit(1).executeTakeFirst();
      await vul.updateTable('vul_scan_tasks').set({ end_time: left ? null : now }).where('task_id', '=', options.taskId).execute();
    },
  });
  return {
    queued: scanning.map((p) => ({ hostId: p.host.host_id, agentId: p.host.agent_id })),
    failed: plans.filter((p) => p.state.status === 'failed').map((p) => ({ hostId: p.host.host_id, reason: p.state.reasons[0]?.failed_reason ?? '' })),
  };
}
