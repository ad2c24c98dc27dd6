import type { ServerFamily } from '../types.js';
import { avIsolateJobKind } from './isolate-job-kind.js';
import { AvIsolateSweep, avIsolatePeriodic } from './isolate-sweep.js';
import { avScanJobKind } from './job-kind.js';
import * as m0001 from './migrations/0001_antivirus.js';
import * as m0002 from './migrations/0002_alarm_whitelist.js';
import * as m0003 from './migrations/0003_streamed_detections.js';
import { AvProgressSweep, avProgressPeriodic } from './progress-sweep.js';
import { antivirusHandleRoutes } from './routes/handle.js';
import { antivirusHostRoutes } from './routes/hosts.js';
import { antivirusResultRoutes } from './routes/results.js';
import { antivirusTaskRoutes } from './routes/tasks.js';
import { autoIsolate, antivirusServices } from './services.js';

/**
 * HSS antivirus scans (issue #10): tasks over many hosts, one `av-scan` agent job per host run with the agent's
 * clamd (src/engines/antivirus), host rows advanced from their jobs by a replica-safe sweep, detections as results,
 * handled (HandleAntiVirusResult: mark / ignore / alarm whitelist and their undo) with a handling history.
 */
export const antivirusFamily: ServerFamily = {
  name: 'antivirus',
  jobKinds: [avScanJobKind, avIsolateJobKind],
  migrations: { 'antivirus/0001_antivirus': m0001, 'antivirus/0002_alarm_whitelist': m0002, 'antivirus/0003_streamed_detections': m0003 },
  quotas: [],
  start: (core) => {
    const services = antivirusServices(core);
    return {
      routes: [antivirusTaskRoutes(services), antivirusResultRoutes(services), antivirusHostRoutes(services), antivirusHandleRoutes(services)],
      periodics: [avProgressPeriodic(new AvProgressSweep(core.store.db, autoIsolate(services), core.artifacts)), avIsolatePeriodic(new AvIsolateSweep(core.store.db))],
    };
  },
};
