import type { Insertable } from 'kysely';
import type { AppRow, LayerColumns, ReportRows, SecurityReportType } from '../../engines/image/report.js';
import type { ImageTables } from './tables.js';

/** Report rows → findings-table rows (one converter per report type), and the table of each type. */

export const FINDING_TABLES = {
  apps: 'image_apps',
  files: 'image_files',
  malwares: 'image_malwares',
  'sensitive-info': 'image_sensitive',
  'non-compliant-app': 'image_non_compliant',
  'build-command-risks': 'image_build_risks',
} as const satisfies Record<SecurityReportType, keyof ImageTables>;

export type FindingTable = (typeof FINDING_TABLES)[SecurityReportType];

const layer = (imageRow: string, seq: number, r: LayerColumns) => ({
  image_row: imageRow, seq, layer_index: r.layerIndex, layer_digest: r.layerDigest, created_by: r.createdBy,
});

export const appRecord = (imageRow: string, seq: number, r: AppRow, vulNum: number): Insertable<ImageTables['image_apps']> => ({
  ...layer(imageRow, seq, r), app_name: r.appName, app_type: r.appType, app_version: r.appVersion, source_name: r.sourceName,
  app_path: r.appPath, ecosystem: r.ecosystem, kind: r.kind, license: r.license, vul_num: vulNum,
});

type Converters = { [K in Exclude<SecurityReportType, 'apps'>]: (imageRow: string, seq: number, r: ReportRows[K][number]) => Insertable<ImageTables[(typeof FINDING_TABLES)[K]]> };

export const ROW_CONVERTERS: Converters = {
  files: (i, s, r) => ({ ...layer(i, s, r), file_name: r.fileName, file_path: r.filePath, size: r.size, mode: r.mode, flags: r.flags.join(';') }),
  malwares: (i, s, r) => ({
    ...layer(i, s, r), file_name: r.fileName, file_path: r.filePath, size: r.size, description: r.description, sha256: r.sha256, removed: r.removed ? 1 : 0,
  }),
  'sensitive-info': (i, s, r) => ({
    ...layer(i, s, r), sensitive_info_id: r.sensitiveInfoId, rule_id: r.ruleId, severity: r.severity, name: r.name, description: r.description,
    file_path: r.filePath, position: r.position, content: r.content,
  }),
  'non-compliant-app': (i, s, r) => ({
    ...layer(i, s, r), app_name: r.appName, app_version: r.appVersion, app_path: r.appPath, license: r.license, reason: r.reason,
  }),
  'build-command-risks': (i, s, r) => ({
    ...layer(i, s, r), rule_id: r.ruleId, risk_name: r.riskName, risk_level: r.riskLevel, description: r.description,
    history_index: r.historyIndex, build_instruction: r.buildInstruction, remediation: r.remediation,
  }),
};
