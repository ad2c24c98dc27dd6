import { agentStatus, parseCapabilities } from '../../core/host-facts.js';
import type { Agent } from '../../store/schema.js';
import { inventoryJobKind } from './job-kinds.js';
import type { ScanTarget } from './scan-store.js';

/**
 * Whether each host can run a scan now: its agent must be online (seen within the offline threshold) and
 * advertise the inventory job kind. Hosts that cannot still join the task and fail with this reason, so a
 * task created for an offline agent is accepted and says why that host failed.
 */
export function scanTargets(agents: readonly Agent[], offlineAfterMs: number, now = Date.now()): ScanTarget[] {
  return agents.map((agent) => ({ agent, unavailable: unavailableReason(agent, offlineAfterMs, now) }));
}

export function unavailableReason(agent: Agent, offlineAfterMs: number, now = Date.now()): string | null {
  if (agent.revoked_at !== null) return 'the host\'s agent was revoked';
  if (agentStatus(agent.last_seen_at, offlineAfterMs, now) === 'offline') {
    return `the host's agent is offline (last seen ${new Date(agent.last_seen_at).toISOString()})`;
  }
  if (!inventoryJobKind.capabilityOf(parseCapabilities(agent.capabilities).kinds)) {
    return 'the host\'s agent does not offer vulnerability scanning (its --host-root is not a readable directory, or the agent is too old to scan)';
  }
  return null;
}
