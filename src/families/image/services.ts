import type { CoreServices } from '../types.js';
import { PreparedAdvisoryCache } from '../vul-scan/advisory-cache.js';
import { loadImageConfig, type ImageConfig } from './config.js';
import { FindingReads } from './finding-reads.js';
import { ImageReads } from './image-reads.js';
import { ImageStore } from './image-store.js';
import type { RegistryStore } from './registries/index.js';
import { RegistryScans } from './registry-scans.js';
import { ReportStore } from './report-store.js';
import { TaskReads } from './task-reads.js';

/** What the image routes, jobs and periodics use, built once when the family starts. */
export interface ImageServices {
  core: CoreServices;
  config: ImageConfig;
  images: ImageStore;
  reports: ReportStore;
  reads: ImageReads;
  findings: FindingReads;
  taskReads: TaskReads;
  registryScans: RegistryScans;
  /** Registered registries (absent when a test starts the family without them). */
  registries?: RegistryStore;
}

export function imageServices(core: CoreServices, registries?: RegistryStore, registryScans = new RegistryScans(core.store.db)): ImageServices {
  const db = core.store.db;
  return {
    core, config: loadImageConfig(core.config.env, core.config.home), images: new ImageStore(db, core.tasks),
    reports: new ReportStore(db, new PreparedAdvisoryCache(db)), reads: new ImageReads(db), findings: new FindingReads(db),
    taskReads: new TaskReads(db), registryScans, ...(registries ? { registries } : {}),
  };
}
