import type { GuardpostConfig } from '../config.js';
import type { Periodic } from '../core/family.js';
import type { ExportService } from './export-service.js';

/** Exported zips and their tasks go after `exportRetentionDays` (GUARDPOST_EXPORT_RETENTION_DAYS, default 7). */
export function exportRetention(exports: ExportService, config: Pick<GuardpostConfig, 'exportRetentionDays'>): Periodic {
  return { name: 'export-retention', everyMs: 60_000, run: () => exports.purgeOlderThan(Date.now() - config.exportRetentionDays * 86_400_000) };
}
