/**
 * What one image scan produces: the rows of the six HSS security report types, each with the layer it came
 * from. The scan pipeline (`scan/`) fills it from one pass over the layers through the analyzer plugins
 * registered in one list; the image family stores it and the exports render it. Pure data: no HTTP, no SQL.
 */
import type { OsInfo } from '../inventory/types.js';

export const SECURITY_REPORT_TYPES = ['apps', 'files', 'malwares', 'sensitive-info', 'non-compliant-app', 'build-command-risks'] as const;
export type SecurityReportType = (typeof SECURITY_REPORT_TYPES)[number];

export const RISK_LEVELS = ['critical', 'high', 'medium', 'low'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** The export's layer columns: `layer_index` (0 = bottom), `layer_digest` (diff_id), `created_by`. */
export interface LayerColumns {
  /** null for image-wide rows (config secrets, image-wide build risks). */
  layerIndex: number | null;
  /** The layer's diff_id `sha256:…`; '' when layerIndex is null. */
  layerDigest: string;
  /** The layer's history `created_by`; '' when unknown. */
  createdBy: string;
}

export interface AppRow extends LayerColumns {
  appName: string;
  /** HSS app type: the OSV ecosystem family (`dpkg`, `apk`, `rpm`, `npm`, `PyPI`, `Go`, `Maven`, …). */
  appType: string;
  appVersion: string;
  /** Debian source / Alpine origin / rpm source name; '' when none. */
  sourceName: string;
  /** The file the package was found in, `/`-prefixed. */
  appPath: string;
  /** Full OSV ecosystem (`Alpine:v3.10`, `Debian:12`, `npm`, …), for matching. */
  ecosystem: string;
  kind: 'os' | 'app';
  /** SPDX expression when the package metadata names one; '' when unknown. */
  license: string;
}

export const FILE_FLAGS = ['setuid', 'setgid', 'world_writable', 'large'] as const;
export type FileFlag = (typeof FILE_FLAGS)[number];

export interface FileRow extends LayerColumns {
  fileName: string;
  /** `/`-prefixed path in the image. */
  filePath: string;
  size: number;
  /** Permission bits incl. setuid/setgid/sticky (`mode & 0o7777`); rendered as 4-digit octal. */
  mode: number;
  flags: FileFlag[];
}

export interface MalwareRow extends LayerColumns {
  fileName: string;
  /** `/`-prefixed; for a finding inside an archive, the archive's path. */
  filePath: string;
  size: number;
  /** The signature name. */
  description: string;
  sha256: string;
  /** True when an upper layer deleted or replaced the file (it is still reported, on the layer that added it). */
  removed: boolean;
}

export interface SensitiveRow extends LayerColumns {
  /** Stable per image: hex sha256 of (rule id, file path, position, raw value) truncated to 32 chars. */
  sensitiveInfoId: string;
  ruleId: string;
  severity: RiskLevel;
  name: string;
  description: string;
  /** `/`-prefixed; '' for the image config. */
  filePath: string;
  /** `config:Env`, `config:Labels`, `history:N` or `line:N`. */
  position: string;
  /** The matched value, masked: never the secret itself. */
  content: string;
}

export interface NonCompliantRow extends LayerColumns {
  appName: string;
  appVersion: string;
  appPath: string;
  /** SPDX expression ('' when the reason is blocked software and no licence is known). */
  license: string;
  reason: 'denied_license' | 'blocked_software';
}

export interface BuildRiskRow extends LayerColumns {
  ruleId: string;
  riskName: string;
  riskLevel: RiskLevel;
  description: string;
  /** 0-based index into the config's history; null for image-wide risks (e.g. no USER at all). */
  historyIndex: number | null;
  buildInstruction: string;
  remediation: string;
}

export interface ReportRows {
  apps: AppRow[];
  files: FileRow[];
  malwares: MalwareRow[];
  'sensitive-info': SensitiveRow[];
  'non-compliant-app': NonCompliantRow[];
  'build-command-risks': BuildRiskRow[];
}

export interface ReportLayer {
  index: number;
  diffId: string;
  createdBy: string;
  /** Uncompressed bytes of the layer tar. */
  size: number;
}

/** An analyzer that could not finish its part: the scan still succeeds with the other report types. */
export interface AnalyzerProblem {
  type: SecurityReportType;
  message: string;
}

export interface ImageScanReport {
  /** Config digest `sha256:…`. */
  imageId: string;
  format: 'docker-archive' | 'oci';
  repoTags: string[];
  os: OsInfo | null;
  architecture: string;
  layers: ReportLayer[];
  rows: ReportRows;
  problems: AnalyzerProblem[];
  stats: { files: number; bytes: number; durationMs: number };
}

export const emptyReportRows = (): ReportRows => ({
  apps: [],
  files: [],
  malwares: [],
  'sensitive-info': [],
  'non-compliant-app': [],
  'build-command-risks': [],
});
