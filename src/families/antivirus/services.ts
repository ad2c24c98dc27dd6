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
  store: Kysely<Database>;
}

export function antivirusServices(core: CoreServices): AntivirusServices {
  return {
    config: core.config, tasks: core.tasks, notifier: core.notifier,
    scans: new AvScanStore(core.store.db, core.tasks), reads: new AvReads(core.store.db),
    handling: new AvHandleStore(core.store.db), history: new AvHistoryReads(core.store.db),
    isolation: new AvIsolateStore(core.store.db, core.tasks), policies: new AvPolicyStore(core.store.db), store: core.store.db,
  };
}

/**
 * `action=auto` tasks: their new results are isolated at once, in batches of 100, as the system user. Results whose
 * host cannot isolate stay unhandled (the batch is refused as a whole, so it is retried one result at a time).
 */
export function autoIsolate(services: AntivirusServices) {
  return async (projectId: string, resultIds: readonly string[]): Promise<void> => {
    const start = (ids: readonly string[]) => services.isolation.start({
      projectId, scope: null, operation: 'manual_isolate_and_kill', resultIds: ids, memo: 'isolated automatically (task action auto)',
      userId: 'system', userName: 'system',
    });
    for (let i = 0; i < resultIds.length; i += 100) {
      const batch = resultIds.slice(i, i + 100);
      const outcomes = [await start(batch)];
      if (!outcomes[0]?.ok) for (const id of batch) outcomes.push(await start([id]));
      for (const outcome of outcomes) for (const agentId of outcome.ok ? outcome.agentIds : []) services.notifier.notify(agentId);
    }
  };
}
