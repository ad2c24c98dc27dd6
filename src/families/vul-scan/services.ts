import type { CoreServices } from '../types.js';
import { PreparedAdvisoryCache } from './advisory-cache.js';
import { AdvisoryStore } from './advisory-store.js';
import { FindingsStore } from './findings-store.js';
import { InventoryStore } from './inventory-store.js';
import { PipelineStore } from './pipeline-store.js';
import { ScanStore } from './scan-store.js';

/** What the scan pipeline (match and re-match jobs, the progress periodic) uses, built once when the family starts. */
export interface PipelineServices {
  core: Pick<CoreServices, 'tasks' | 'artifacts' | 'config'>;
  scans: ScanStore;
  pipeline: PipelineStore;
  inventories: InventoryStore;
  advisories: AdvisoryStore;
  /** Parsed, range-prepared advisories, shared by every match and re-match of this process. */
  advisoryCache: PreparedAdvisoryCache;
  findings: FindingsStore;
}

export function pipelineServices(core: Pick<CoreServices, 'tasks' | 'artifacts' | 'config' | 'store' | 'blobs'>): PipelineServices {
  const db = core.store.db;
  return {
    core, scans: new ScanStore(db, core.tasks), pipeline: new PipelineStore(db), inventories: new InventoryStore(db, core.blobs),
    advisories: new AdvisoryStore(db), advisoryCache: new PreparedAdvisoryCache(db), findings: new FindingsStore(db),
  };
}
