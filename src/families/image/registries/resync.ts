import type { Periodic } from '../../../core/family.js';
import type { RegistryStore } from './store.js';
import type { RegistrySyncer } from './sync.js';

/**
 * Periodic re-sync of registered registries (`GUARDPOST_IMAGE_REGISTRY_SYNC_MINUTES`, default 60, 0 = off): every
 * minute a replica looks for registries whose latest sync is older than the interval and claims each with a
 * conditional UPDATE of its latest_sync_time, so one replica re-syncs it once whatever the number of replicas.
 */

export const RESYNC_CHECK_EVERY_MS = 60_000;
/** Registries re-synced per check (the rest wait for the next check). */
export const RESYNC_PER_RUN = 20;

export class RegistryResync {
  constructor(private readonly store: RegistryStore, private readonly syncer: RegistrySyncer, private readonly intervalMs: number) {}

  /** Starts the syncs this replica claimed (resolves when they ended); returns how many it claimed. */
  async run(now = Date.now()): Promise<number> {
    if (this.intervalMs <= 0) return 0;
    const due = await this.store.dueForSync(now - this.intervalMs, RESYNC_PER_RUN);
    const started: Array<Promise<void>> = [];
    for (const registry of due) {
      const seen = registry.latest_sync_time === null ? null : Number(registry.latest_sync_time);
      if (await this.store.claimSync(registry.id, seen, now)) started.push(this.syncer.sync(registry));
    }
    await Promise.all(started);
    return started.length;
  }
}

export function registryResyncPeriodic(resync: RegistryResync): Periodic {
  return { name: 'image-registry-resync', everyMs: RESYNC_CHECK_EVERY_MS, run: () => resync.run() };
}

export function resyncIntervalMs(env: Readonly<NodeJS.ProcessEnv>): number {
  const raw = env.GUARDPOST_IMAGE_REGISTRY_SYNC_MINUTES;
  if (raw === undefined || raw === '') return 60 * 60_000;
  const minutes = Number(raw);
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 525_600) throw new Error('GUARDPOST_IMAGE_REGISTRY_SYNC_MINUTES must be an integer of minutes (0 = off)');
  return minutes * 60_000;
}
