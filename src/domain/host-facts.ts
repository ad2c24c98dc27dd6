import { Type, type Static } from 'typebox';

/** What an agent reports about its host on every check-in (only stored when it changes). */
export const HostFactsSchema = Type.Object({
  host_name: Type.String({ minLength: 1, maxLength: 128 }),
  os_name: Type.String({ maxLength: 128 }),
  os_version: Type.String({ maxLength: 256 }),
  os_type: Type.Union([Type.Literal('Linux'), Type.Literal('Windows')]),
  kernel_version: Type.String({ maxLength: 256 }),
  os_bit: Type.String({ maxLength: 16 }),
  private_ips: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
  public_ips: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
  agent_version: Type.String({ maxLength: 32 }),
  capabilities: Type.Object({
    job_kinds: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
    capture_interfaces: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 256 })),
    antivirus_engine: Type.Optional(Type.Union([Type.String({ maxLength: 128 }), Type.Null()])),
  }, { additionalProperties: true }),
}, { additionalProperties: false });

export type HostFacts = Static<typeof HostFactsSchema>;

/** Stable digest so unchanged facts cost no write. */
export function factsDigest(facts: HostFacts): string {
  return JSON.stringify(facts, Object.keys(facts).sort());
}

export type AgentStatus = 'online' | 'offline';

export function agentStatus(lastSeenAt: number, offlineAfterMs: number, now = Date.now()): AgentStatus {
  return now - lastSeenAt <= offlineAfterMs ? 'online' : 'offline';
}
