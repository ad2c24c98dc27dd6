import { loadMasterKey } from '../../../identity/bootstrap.js';
import type { CoreServices } from '../../types.js';
import type { RegistryScans } from '../registry-scans.js';
import * as m0002 from '../migrations/0002_registries.js';
import { registryRoutes, type RegistryServices } from './routes.js';
import { RegistryStore } from './store.js';
import { RegistryResync, resyncIntervalMs } from './resync.js';
import { RegistrySyncer, type SyncLimits } from './sync.js';

/**
 * Registered image registries (HSS AddRegistry / ListRegistry / DeleteRegistry / ListRegistryImages /
 * ListSwrImageRepository). The image family adds `registryMigrations` to its migrations and, in `start`, the
 * routes and the re-sync periodic of `startRegistries(core)`.
 */
export const registryMigrations = { 'image/0002_registries': m0002 };

export function startRegistries(core: CoreServices, options: { syncLimits?: Partial<SyncLimits>; scans?: RegistryScans } = {}): RegistryServices & { routes: ReturnType<typeof registryRoutes>; resync: RegistryResync } {
  // The same master key that seals the IAM secret keys (GUARDPOST_MASTER_KEY or $GUARDPOST_HOME/master.key).
  const box = loadMasterKey(core.config.home, core.config.masterKey);
  const registries = new RegistryStore(core.store.db, box);
  const syncer = new RegistrySyncer(registries, { limits: options.syncLimits });
  const resync = new RegistryResync(registries, syncer, resyncIntervalMs(core.config.env));
  return { registries, syncer, resync, routes: registryRoutes({ registries, syncer, ...(options.scans ? { scans: options.scans } : {}) }) };
}

export { RegistryStore, registryImageId, type RegistryImageRow, type SyncedImage } from './store.js';
export { RegistrySyncer, DEFAULT_SYNC_LIMITS, type SyncLimits } from './sync.js';
export { registryRoutes, type RegistryServices } from './routes.js';
export { RegistryResync, registryResyncPeriodic, resyncIntervalMs, RESYNC_CHECK_EVERY_MS } from './resync.js';
export { pullRegistryImage, RegistryImageNotFound } from './pull.js';
export type { ImageRegistriesTable, ImageRegistryImagesTable, RegistryTables } from './tables.js';
