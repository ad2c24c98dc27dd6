import type { ClamdClient } from '../../antivirus/clamd-client.js';
import type { ImageLimits } from '../limits.js';
import type { SecurityReportType } from '../report.js';
import type { Platform } from '../resolve.js';
import { DEFAULT_COMPLIANCE_POLICY, type CompliancePolicy } from '../analyzers/compliance/index.js';


/**
 * Hands the malware analyzer a ready clamd (e.g. `async () => { await supervisor.whenReady(10_000); return
 * supervisor.client; }`). Throwing, or no factory at all, makes `malwares` an AnalyzerProblem: never "clean".
 */
export type ClamdFactory = () => Promise<ClamdClient>;

export interface ImageScanOptions {
  /** Platform picked from an image index / manifest list (default linux/amd64). */
  platform?: Platform;
  /** Of a multi-image docker-archive, the image with this repo tag (default: the first image of manifest.json). */
  repoTag?: string;
  limits?: Partial<ImageLimits>;
  /** Regular files at least this big get the `large` flag (default 100 MiB). */
  largeFileBytes?: number;
  /**
   * What `non-compliant-app` checks: denied SPDX licences and blocked software (package names). Each list, when
   * given, replaces its default (`DEFAULT_COMPLIANCE_POLICY`: the AGPL family and SSPL; miners and offensive tools).
   */
  compliancePolicy?: Partial<CompliancePolicy>;
  clamd?: ClamdFactory;
  /** Largest file handed whole to a content analyzer (secrets, small-file malware batches; default 8 MiB). */
  maxContentBytes?: number;
  /**
   * Bytes the one pass keeps of files read after it (package databases, os-release, lock files, manifests…;
   * default 64 MiB). What does not fit is read in a bounded second pass over only the layers holding it.
   */
  captureBudgetBytes?: number;
  /** Aborting it ends the scan at once with `scan_aborted` (or the signal's typed reason). */
  signal?: AbortSignal;
  /** Wall-time bound of the whole scan, ms (default 30 min): crossing it ends the scan with `scan_timeout`. */
  wallTimeMs?: number;
  /** The scanner's temp area (default the OS temp dir): a gzipped outer archive is decompressed once below it, removed after. */
  tempDir?: string;
  /** Which report types to produce (default every registered analyzer). */
  reportTypes?: readonly SecurityReportType[];
}

export interface ResolvedScanOptions extends Omit<ImageScanOptions, 'largeFileBytes' | 'maxContentBytes' | 'captureBudgetBytes' | 'wallTimeMs' | 'compliancePolicy'> {
  largeFileBytes: number;
  maxContentBytes: number;
  captureBudgetBytes: number;
  wallTimeMs: number;
  compliancePolicy: CompliancePolicy;
}

const MiB = 1024 * 1024;

export function resolveScanOptions(options: ImageScanOptions): ResolvedScanOptions {
  return {
    ...options,
    largeFileBytes: options.largeFileBytes ?? 100 * MiB,
    maxContentBytes: options.maxContentBytes ?? 8 * MiB,
    captureBudgetBytes: options.captureBudgetBytes ?? 64 * MiB,
    wallTimeMs: options.wallTimeMs ?? 30 * 60_000,
    compliancePolicy: {
      deniedLicenses: options.compliancePolicy?.deniedLicenses ?? DEFAULT_COMPLIANCE_POLICY.deniedLicenses,
      blockedSoftware: options.compliancePolicy?.blockedSoftware ?? DEFAULT_COMPLIANCE_POLICY.blockedSoftware,
    },
  };
}
