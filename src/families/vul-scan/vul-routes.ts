import type { FastifyPluginAsync } from 'fastify';
import type { CoreServices } from '../types.js';
import { FindingsReads } from './findings-reads.js';
import { vulnerabilityRoutes } from './routes/vulnerabilities.js';
import { vulStatusRoutes } from './routes/vul-status.js';
import { ScanStore } from './scan-store.js';
import { VulStatusStore } from './vul-status-store.js';

/** The vulnerability operations over stored findings (ListVulnerabilities, ListVulHosts, ListHostVuls, ChangeVulStatus). */
export function vulFindingsRoutes(core: CoreServices): FastifyPluginAsync[] {
  const reads = new FindingsReads(core.store.db);
  const offlineAfterMs = core.config.agentOfflineSeconds * 1000;
  return [
    vulnerabilityRoutes({ reads, offlineAfterMs }),
    vulStatusRoutes({
      reads, offlineAfterMs, statuses: new VulStatusStore(core.store.db), scans: new ScanStore(core.store.db, core.tasks), notifier: core.notifier,
    }),
  ];
}
