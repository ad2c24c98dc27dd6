import type { ServerFamily } from '../types.js';
import { captureCli } from './cli.js';
import { loadCaptureConfig } from './config.js';
import { CAPTURE_QUOTAS } from './domain.js';
import { captureJobKind } from './job-kind.js';
import * as m0002 from './migrations/0002_capture.js';
import { captureRoutes } from './routes/capture.js';
import { captureDownloadRoutes } from './routes/capture-download.js';
import { firewallRoutes } from './routes/firewalls.js';
import { CaptureStore } from './store.js';

/**
 * CFW packet capture: a task is one capture job on a sensor agent; its pcap is an artifact behind expiring,
 * access-coded download links. The worked example of a family (docs/architecture.md, "Adding a family").
 */
export const captureFamily: ServerFamily = {
  name: 'capture',
  jobKinds: [captureJobKind],
  migrations: { '0002_capture': m0002 },
  quotas: CAPTURE_QUOTAS,
  cli: [captureCli],
  start(core) {
    const services = {
      config: core.config, capture: loadCaptureConfig(core.config.env), tasks: core.tasks, artifacts: core.artifacts, notifier: core.notifier,
      captures: new CaptureStore(core.store.db, core.store.dialect, core.artifacts),
    };
    return {
      routes: [firewallRoutes(services), captureRoutes(services), captureDownloadRoutes(services)],
      periodics: [{ name: 'capture-retention', everyMs: 10_000, run: () => services.captures.sweep() }],
    };
  },
};
