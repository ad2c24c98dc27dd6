import type { ServerFamily } from '../types.js';
import { vulCli } from './cli.js';
import { FindingsStore } from './findings-store.js';
import { VUL_SCAN_JOB_KINDS } from './job-kinds.js';
import { matchRunner } from './match-runner.js';
import * as m0001 from './migrations/0001_vul_scan.js';
import * as m0002 from './migrations/0002_findings_digest.js';
import { vulFindingsRoutes } from './vul-routes.js';
import { scanPolicyRoutes } from './routes/scan-policy.js';
import { scanTaskRoutes } from './routes/scan-tasks.js';
import { scanTaskCompanionRoutes } from './routes/task-companions.js';
import { ScanScheduler, scanSchedulerPeriodic } from './scheduler.js';
import { scanTaskServices } from './task-services.js';
import { vulndbCli } from './vulndb/cli.js';
import { rematchRunner } from './rematch-runner.js';
import { scanProgress } from './scan-progress.js';
import { pipelineServices } from './services.js';

/**
 * HSS vulnerability scans (issue #9): scan tasks over many hosts (agent inventory job → server match job), the
 * OSV advisory store with re-match on every import, and the HSS v5 vulnerability operations.
 */
export const vulScanFamily: ServerFamily = {
  name: 'vul-scan',
  jobKinds: VUL_SCAN_JOB_KINDS,
  migrations: { 'vul-scan/0001_vul_scan': m0001, 'vul-scan/0002_findings_digest': m0002 },
  quotas: [],
  cli: [vulCli, vulndbCli],
  start: (core) => {
    const tasks = scanTaskServices(core);
    const pipeline = pipelineServices(core);
    const findings = new FindingsStore(core.store.db);
    return {
      routes: [scanTaskRoutes(tasks), scanTaskCompanionRoutes(tasks), scanPolicyRoutes(tasks), ...vulFindingsRoutes(core)],
      periodics: [scanSchedulerPeriodic(new ScanScheduler(tasks)), scanProgress(pipeline)],
      serverJobs: [matchRunner(pipeline), rematchRunner(pipeline)],
      hostCounters: [{ field: 'vulnerability', count: (projectId, hostIds) => findings.unhandledCounts(projectId, hostIds) }],
    };
  },
};
