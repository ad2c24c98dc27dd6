import type { ServerFamily } from '../types.js';
import { imageCli } from './cli.js';
import { IMAGE_FAMILY } from './domain.js';
import { IMAGE_JOB_KINDS } from './job-kinds.js';
import { localReportSweep, localReportPeriodic } from './local-sweep.js';
import * as m0001 from './migrations/0001_image.js';
import * as m0003 from './migrations/0003_registry_scans.js';
import { registryMigrations, registryResyncPeriodic, startRegistries } from './registries/index.js';
import { RegistryScans } from './registry-scans.js';
import { reportTypesOf } from './report-types.js';
import { findingRoutes } from './routes/findings.js';
import { imageListRoutes } from './routes/images.js';
import { reportRoutes } from './routes/reports.js';
import { taskRoutes } from './routes/tasks.js';
import { uploadRoutes } from './routes/upload.js';
import { imageScanRunner } from './scan-runner.js';
import { imageServices } from './services.js';

/**
 * HSS image security reports (issue #11): CI/CD uploads scanned by a server job in a bounded scan process,
 * local images scanned by agents, findings of six report types stored per image (a rescan replaces them), the
 * HSS image operations over them and the six reports of ExportImageSecurityReportTask in the generic export flow.
 */
export const imageFamily: ServerFamily = {
  name: IMAGE_FAMILY,
  jobKinds: IMAGE_JOB_KINDS,
  migrations: { 'image/0001_image': m0001, ...registryMigrations, 'image/0003_registry_scans': m0003 },
  quotas: [],
  cli: [imageCli],
  start: (core) => {
    const registryScans = new RegistryScans(core.store.db);
    const registries = startRegistries(core, { scans: registryScans });
    const services = imageServices(core, registries.registries, registryScans);
    return {
      routes: [uploadRoutes(services), imageListRoutes(services), findingRoutes(services), reportRoutes(services), taskRoutes(services), registries.routes],
      serverJobs: [imageScanRunner({
        config: services.config, blobs: core.blobs, images: services.images, reports: services.reports,
        registries: registries.registries, registryScans: services.registryScans,
        ...(services.config.clamdSocket ? { clamdSocket: services.config.clamdSocket } : {}),
      })],
      periodics: [localReportPeriodic(localReportSweep(services)), registryResyncPeriodic(registries.resync)],
      reportTypes: reportTypesOf(services),
    };
  },
};
