import type { ServerFamily } from '../types.js';
import { antivirusCli } from './cli/index.js';
import { avIsolateJobKind } from './isolate-job-kind.js';
import { AvIsolateSweep, avIsolatePeriodic } from './isolate-sweep.js';
import { avScanJobKind } from './job-kind.js';
import * as m0001 from './migrations/0001_antivirus.js';
import * as m0002 from './migrations/0002_alarm_whitelist.js';
import * as m0004 from './migrations/0004_policies.js';
import { AvPolicyScheduler, avPolicyPeriodic } from './policy-scheduler.js';
import * as m0005 from './migrations/0005_streamed_detections.js';
import { AvProgressSweep, avProgressPeriodic } from './progress-sweep.js';
import { antivirusHandleRoutes } from './routes/handle.js';
import { antivirusHostRoutes } from './routes/hosts.js';
import { antivirusPolicyRoutes } from './routes/policy.js';
import { antivirusResultRoutes } from './routes/results.js';
import { antivirusTaskRoutes } from './routes/tasks.js';
import { AvAutoIsolation } from './auto-isolation.js';
import * as m0003 from './migrations/0003_settings.js';
import { antivirusExportRoutes } from './routes/export.js';
import { antivirusSettingsRoutes } from './routes/settings.js';
import { antivirusStatisticRoutes } from './routes/statistic.js';
import { antivirusResultReport } from './export-report.js';
import { antivirusServices } from './services.js';

/**
 * HSS antivirus scans (issue #10): tasks over many hosts, one `av-scan` agent job per host run with the agent's
 * clamd (src/engines/antivirus), host rows advanced from their jobs by a replica-safe sweep, detections as results,
 * handled (HandleAntiVirusResult: mark / ignore / alarm whitelist and their undo) with a handling history.
 */
export const antivirusFamily: ServerFamily = {
  name: 'antivirus',
  jobKinds: [avScanJobKind, avIsolateJobKind],
  migrations: {
    'antivirus/0001_antivirus': m0001, 'antivirus/0002_alarm_whitelist': m0002, 'antivirus/0003_settings': m0003, 'antivirus/0004_policies': m0004,
    'antivirus/0005_streamed_detections': m0005,
  },
  quotas: [],
  cli: [antivirusCli],
  start: (core) => {
    const services = antivirusServices(core);
    const autoIsolation = new AvAutoIsolation(core.store.db, services.isolation, services.notifier);
    return {
      routes: [
        antivirusTaskRoutes(services), antivirusResultRoutes(services), antivirusHostRoutes(services), antivirusHandleRoutes(services),
        antivirusPolicyRoutes(services), antivirusStatisticRoutes(services), antivirusSettingsRoutes(services), antivirusExportRoutes(services),
      ],
      periodics: [
        avProgressPeriodic(new AvProgressSweep(core.store.db, autoIsolation, core.artifacts)), avIsolatePeriodic(new AvIsolateSweep(core.store.db)),
        avPolicyPeriodic(new AvPolicyScheduler(services)),
      ],
      reportTypes: [antivirusResultReport(services.reads, core.config.agentOfflineSeconds * 1000)],
    };
  },
};
