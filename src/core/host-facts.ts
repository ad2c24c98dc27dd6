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
  /**
   * `kinds` maps every job kind the host can run to its capability, which the kind's own schema checks when the
   * server reads it (capture: `{interfaces}`); `job_kinds` lists the same names for older readers.
   */
  capabilities: Type.Object({
    job_kinds: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
    kinds: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 64 })),
  }, { additionalProperties: true }),
}, { additionalProperties: false });

export type HostFacts = Static<typeof HostFactsSchema>;

/**
 * Stable digest so unchanged facts cost no write. Keys are sorted at every level (an array replacer would
 * instead act as an allow-list for nested objects and drop everything inside `capabilities`).
 */
export function factsDigest(facts: HostFacts): string {
  return JSON.stringify(facts, (_key, value: unknown) => (value !== null && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : value));
}

export type AgentStatus = 'online' | 'offline';

export function agentStatus(lastSeenAt: number, offlineAfterMs: number, now = Date.now()): AgentStatus {
  return now - lastSeenAt <= offlineAfterMs ? 'online' : 'offline';
}

/** An agent row's stored capabilities, tolerant of rows written by older agents or damaged JSON. */
export function parseCapabilities(json: string): { job_kinds?: unknown; kinds?: unknown; [legacy: string]: unknown } {
  try {
    const value: unknown = JSON.parse(json);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {};
  } catch {
    return {};
  }
}
