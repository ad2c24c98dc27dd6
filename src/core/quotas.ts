/** Per-project quotas: defaults here, overrides in the `quotas` table (admin CLI `guardpost admin quota set`). */

export interface QuotaDefinition { name: string; description: string; defaultLimit: number }

const definitions = new Map<string, QuotaDefinition>();

/** Registers a quota; the core's at load, the families' when they are assembled. Another definition of a taken name is refused. */
export function defineQuota(definition: QuotaDefinition): void {
  const existing = definitions.get(definition.name);
  if (existing === definition) return;
  if (existing) throw new Error(`quota "${definition.name}" is defined twice`);
  definitions.set(definition.name, definition);
}

export function quotaDefinitions(): QuotaDefinition[] {
  return [...definitions.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function quotaDefinition(name: string): QuotaDefinition | undefined {
  return definitions.get(name);
}

export class QuotaExceededError extends Error {
  constructor(public readonly quota: string, public readonly limit: number) {
    super(`quota ${quota} exceeded (limit ${limit})`);
  }
}

/** Pure check: throws when taking `requested` more would pass the limit. */
export function ensureWithinQuota(name: string, limit: number, inUse: number, requested = 1): void {
  if (inUse + requested > limit) throw new QuotaExceededError(name, limit);
}

defineQuota({ name: 'agents', description: 'enrolled agents (hosts and sensors) per project', defaultLimit: 20000 });
defineQuota({ name: 'tasks.active', description: 'tasks with unfinished jobs per project, all families', defaultLimit: 500 });
