import type { AnyJobKind } from '../core/job-kind.js';
import { defineQuota, type QuotaDefinition } from '../core/quotas.js';
import { createRegistry, DuplicateRegistrationError, type Registry } from '../core/registry.js';
import { CORE_MIGRATIONS, type MigrationSet } from '../store/database.js';
import { exportJobKind } from '../export/export-kind.js';
import { antivirusFamily } from './antivirus/index.js';
import { captureFamily } from './capture/index.js';
import { imageFamily } from './image/index.js';
import { vulScanFamily } from './vul-scan/index.js';
import type { ServerFamily } from './types.js';

/**
 * Family migrations are named `<family>/NNNN_what`, so on every database (fresh or upgraded) the core's run first
 * and each family's in its own order. `0002_capture` predates that rule and keeps its name (databases have run it).
 */
const LEGACY_MIGRATIONS: ReadonlySet<string> = new Set(['0002_capture']);

/** Job kinds of the core itself (the export-task flow's renderer). */
const CORE_JOB_KINDS: readonly AnyJobKind[] = [exportJobKind];

/** Every family's server side: one line per family. */
const FAMILIES: readonly ServerFamily[] = [
  captureFamily,
  vulScanFamily,
  antivirusFamily,
  imageFamily,
];

export interface AssembledFamilies {
  families: Registry<ServerFamily>;
  jobKinds: Registry<AnyJobKind>;
  /** The core's migrations and every family's. */
  migrations: MigrationSet;
  quotas: Registry<QuotaDefinition>;
}

/** Puts a family list together; a duplicate family, job kind, migration, quota or CLI verb is refused. */
export function assembleFamilies(list: readonly ServerFamily[]): AssembledFamilies {
  const families = createRegistry('family', list, (f) => f.name);
  const jobKinds = createRegistry<AnyJobKind>('job kind', [...CORE_JOB_KINDS, ...list.flatMap((f) => f.jobKinds)], (k) => k.name);
  const quotas = createRegistry('quota', list.flatMap((f) => f.quotas), (q) => q.name);
  createRegistry('CLI command', list.flatMap((f) => f.cli ?? []), (c) => c.name);
  const migrations: Record<string, MigrationSet[string]> = { ...CORE_MIGRATIONS };
  for (const family of list) {
    for (const [name, migration] of Object.entries(family.migrations)) {
      if (name in migrations) throw new DuplicateRegistrationError(`migration (family ${family.name})`, name);
      if (!name.startsWith(`${family.name}/`) && !LEGACY_MIGRATIONS.has(name)) {
        throw new Error(`migration "${name}" of family ${family.name} must be named "${family.name}/NNNN_what" (family migrations sort after the core's)`);
      }
      migrations[name] = migration;
    }
  }
  for (const quota of quotas.all) defineQuota(quota);
  return { families, jobKinds, migrations, quotas };
}

const assembled = assembleFamilies(FAMILIES);

export const serverFamilies = assembled.families;
export const shippedFamilies = FAMILIES;
export const jobKinds = assembled.jobKinds;
export const allMigrations: MigrationSet = assembled.migrations;
