import { agentStatus } from '../../core/host-facts.js';
import type { Periodic } from '../../core/family.js';
import { failHost } from './host-outcome.js';
import { matchJobKind } from './job-kinds.js';
import type { ScanningHost } from './pipeline-store.js';
import type { PipelineServices } from './services.js';

/**
 * Moves scanning hosts along, on any number of replicas at once (every step is conditional on the row it
 * changes): a finished inventory job gets its match job (added once: the guard records it only where none is
 * recorded yet), a failed or cancelled job (including a lease the reaper ended) fails the host with its reason,
 * and an inventory job still queued for an agent that has gone offline fails the host, so no host is left
 * scanning forever.
 */

export const SCAN_PROGRESS_EVERY_MS = 1000;
/** A match job is idempotent: a replica lost mid-match leaves it to the next attempt. */
const MATCH_ATTEMPTS = 3;

export const offlineBeforeClaimReason = (lastSeen: number | null): string =>
  `the host's agent went offline before it started the scan${lastSeen ? ` (last seen ${new Date(lastSeen).toISOString()})` : ''}`;

export function scanProgress(services: PipelineServices): Periodic {
  return { name: 'vul-scan-progress', everyMs: SCAN_PROGRESS_EVERY_MS, run: () => advanceScans(services) };
}

/** One round over the hosts still scanning; returns how many it moved on. */
export async function advanceScans(services: PipelineServices, now = Date.now()): Promise<number> {
  let moved = 0;
  const offlineAfterMs = services.core.config.agentOfflineSeconds * 1000;
  for (const entry of await services.pipeline.scanningHosts(now - offlineAfterMs)) {
    if (await advanceHost(services, entry, now)) moved += 1;
  }
  return moved;
}

async function advanceHost(services: PipelineServices, entry: ScanningHost, now: number): Promise<boolean> {
  const { host, inventory, match } = entry;
  if (!inventory) {
    await failHost(services.scans, host, 'the host\'s inventory job is gone', now);
    return true;
  }
  if (inventory.state === 'failed' || inventory.state === 'cancelled') {
    await failHost(services.scans, host, inventory.failure_reason ?? `the inventory job was ${inventory.state}`, now);
    return true;
  }
  if (inventory.state === 'queued') {
    const offlineAfterMs = services.core.config.agentOfflineSeconds * 1000;
    if (entry.agentLastSeenAt !== null && agentStatus(entry.agentLastSeenAt, offlineAfterMs, now) === 'online') return false;
    const reason = offlineBeforeClaimReason(entry.agentLastSeenAt);
    if (!host.inventory_job_id || !(await services.core.tasks.failQueuedJob(host.inventory_job_id, reason, now))) return false;
    await failHost(services.scans, host, reason, now);
    return true;
  }
  if (inventory.state !== 'succeeded') return false;
  if (host.match_job_id === null) {
    const jobs = await services.core.tasks.addJobs(host.task_id, [{
      agentId: null, kind: matchJobKind.name, maxAttempts: MATCH_ATTEMPTS,
      payload: { task_id: host.task_id, host_id: host.host_id, agent_id: host.agent_id, inventory_job_id: host.inventory_job_id as string },
    }], now, { guard: (trx, added) => services.pipeline.claimMatchSlot(trx, host.task_id, host.host_id, added[0]!.id) });
    return jobs.length > 0;
  }
  if (match && (match.state === 'failed' || match.state === 'cancelled')) {
    await failHost(services.scans, host, match.failure_reason ?? `the match job was ${match.state}`, now);
    return true;
  }
  return false;
}
