import { agentStatus, parseCapabilities } from '../../core/host-facts.js';
import type { Agent } from '../../store/schema.js';
import { avScanJobKind } from './job-kind.js';
import type { AvTarget } from './scan-store.js';

/**
 * Whether each host can scan now: its agent must be online and advertise `av-scan` with a usable engine (clamd
 * and a signature database). Hosts that cannot are `fail_reasons` entries of CreateAntiVirusTask and join the
 * task `fail` with the same reason (at most 100 characters on the wire, as FailReasons.reason allows).
 */
export function avTargets(agents: readonly Agent[], offlineAfterMs: number, now = Date.now()): AvTarget[] {
  return agents.map((agent) => ({ agent, unavailable: avUnavailableReason(agent, offlineAfterMs, now) }));
}

export function avUnavailableReason(agent: Agent, offlineAfterMs: number, now = Date.now()): string | null {
  if (agent.revoked_at !== null) return 'the host\'s agent was revoked';
  if (agentStatus(agent.last_seen_at, offlineAfterMs, now) === 'offline') return 'the host\'s agent is offline';
  const capability = avScanJobKind.capabilityOf(parseCapabilities(agent.capabilities).kinds);
  if (!capability) return 'the host\'s agent does not offer antivirus scanning';
  if (!capability.available) return `antivirus engine unavailable: ${capability.reason}`;
  return null;
}
