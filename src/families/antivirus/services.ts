import type { GuardpostConfig } from '../../config.js';
import type { WorkNotifier } from '../../server/work-notifier.js';
import type { Database } from '../../store/schema.js';
import type { Kysely } from 'kysely';
import type { TaskStore } from '../../store/task-store.js';
import type { CoreServices } from '../types.js';
import { AvHandleStore } from './handle-store.js';
import { AvHistoryReads } from './history-reads.js';
import { AvIsolateStore } from './isolate-store.js';
import { AvPolicyStore } from './policy-store.js';
import { AvReads } from './reads.js';
import { AvScanStore } from './scan-store.js';
import { AvSettingsStore } from './settings-store.js';
import { AvStatistics, freeQuotaFromEnv } from './statistic.js';

/** What the antivirus routes use, built once when the family starts. */
export interface AntivirusServices {
  config: GuardpostConfig;
  tasks: TaskStore;
  notifier: WorkNotifier;
  scans: AvScanStore;
  reads: AvReads;
  handling: AvHandleStore;
  history: AvHistoryReads;
  isolation: AvIsolateStore;
  policies: AvPolicyStore;
  settings: AvSettingsStore;
  statistics: AvStatistics;
  /** Free pay-per-scan host scans per month (ShowAntivirusFreeQuota). */
  freeQuota: number;
  exports: CoreServices['exports'];
  store: Kysely<Database>;
}

export function antivirusServices(core: CoreServices): AntivirusServices {
  return {
    config: core.config, tasks: core.tasks, notifier: core.notifier,
    scans: new AvScanStore(core.store.db, core.tasks), reads: new AvReads(core.store.db),
    handling: new AvHandleStore(core.store.db), history: new AvHistoryReads(core.store.db),
    isolation: new AvIsolateStore(core.store.db, core.tasks), policies: new AvPolicyStore(core.store.db), settings: new AvSettingsStore(core.store.db),
    statistics: new AvStatistics(core.store.db), freeQuota: freeQuotaFromEnv(core.config.env), exports: core.exports, store: core.store.db,
  };
}
