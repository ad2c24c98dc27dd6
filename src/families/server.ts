import type { AnyJobKind } from '../core/job-kind.js';
import { defineQuota } from '../core/quotas.js';
import { createRegistry } from '../core/registry.js';
import { CORE_MIGRATIONS, type MigrationSet } from '../store/database.js';
import { captureFamily } from './capture/index.js';
import type { ServerFamily } from './types.js';

/** Every family's server side: one line per family. Duplicate families, job kinds, migrations or quotas are refused. */
export const serverFamilies = createRegistry<ServerFamily>('family', [
  captureFamily,
], (f) => f.name);

export const jobKinds = createRegistry<AnyJobKind>('job kind', serverFamilies.all.flatMap((f) => f.jobKinds), (k) => k.name);

function mergeMigrations(): MigrationSet {
  const all: Record<string, MigrationSet[string]> = { ...CORE_MIGRATIONS };
  for (const family of serverFamilies.all) {
    for (const [name, migration] of Object.entries(family.migrations)) {
      if (name in all) throw new Error(`migration "${name}" of family ${family.name} is registered twice`);
      all[name] = migration;
    }
  }
  return all;
}

/** The core's migrations and every family's. */
export const allMigrations: MigrationSet = mergeMigrations();

for (const family of serverFamilies.all) for (const quota of family.quotas) defineQuota(quota);
