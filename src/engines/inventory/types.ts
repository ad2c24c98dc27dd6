/**
 * Inventory extraction, the osv-scalibr way: one bounded walk of a filesystem root (a host root or an image's
 * merged layers as a virtual filesystem); each extractor only says which paths it wants (`fileRequired`) and
 * parses the files it gets (`extract`). Extractors never walk, never follow symlinks out of the root, and report
 * their own problems instead of failing the run. Registered in one list (`extractors.ts`).
 */

/** The OS of the scanned root, from `etc/os-release` (or `usr/lib/os-release`). */
export interface OsInfo {
  /** `ID` (debian, ubuntu, alpine, almalinux, rocky, rhel, fedora, …). */
  id: string;
  /** `VERSION_ID` as written (12, 22.04, 3.19.1, 9.3). */
  versionId: string;
  prettyName: string;
  /** The OSV ecosystem of OS packages: `Debian:12`, `Ubuntu:22.04:LTS`, `Alpine:v3.19`, `AlmaLinux:9`, `Rocky Linux:9`, … or null. */
  ecosystem: string | null;
}

export interface InventoryPackage {
  name: string;
  version: string;
  /** OSV ecosystem: `Debian:12`, `Alpine:v3.19`, `AlmaLinux:9`, `npm`, `PyPI`, `Go`, `Maven`, … */
  ecosystem: string;
  /** `os` for OS packages (HSS linux_vul), `app` for application packages (HSS app_vul). */
  kind: 'os' | 'app';
  /** The file it was found in, relative to the root, `/`-separated (HSS extension field `app_path`). */
  location: string;
  /** The extractor that found it. */
  extractor: string;
  /** dpkg `Source:` name / rpm source RPM name / apk `o:` origin, when the format has one. */
  sourceName?: string;
  /** dpkg source version when it differs from the binary version. */
  sourceVersion?: string;
  /** rpm epoch (also folded into `version` as `epoch:version-release` when non-zero). */
  epoch?: number;
  /** Package architecture when the format records it. */
  arch?: string;
  /** The licence as a normalised SPDX expression, when the metadata names one (apk, rpm, npm, PyPI). */
  license?: string;
}

/** Metadata about a file offered to `fileRequired`; `size` is read lazily by the walker. */
export interface FileInfo {
  /** Relative to the root, `/`-separated, no leading `/`. */
  path: string;
  size(): number;
}

export interface ExtractInput {
  path: string;
  size: number;
  /** The file's bytes, read once by the walker within the run's byte budget (throws when over it). */
  read(): Promise<Buffer>;
  /** The OS detected for this root before extraction (null when none). */
  os: OsInfo | null;
  /** Records a problem with part of the file (one bad record) in the extractor's status; extraction goes on. */
  report(message: string): void;
}

export interface Extractor {
  readonly name: string;
  /** Bumped when what it extracts changes. */
  readonly version: number;
  /** Files larger than this are skipped and counted (bytes). */
  readonly maxFileBytes: number;
  fileRequired(file: FileInfo): boolean;
  extract(input: ExtractInput): Promise<InventoryPackage[]>;
}

/** What one extractor did in a run: found packages, or the files it could not parse (kept going). */
export interface ExtractorStatus {
  name: string;
  version: number;
  files: number;
  packages: number;
  errors: Array<{ path: string; message: string }>;
}

export interface InventoryLimits {
  /** Directory entries visited at most. */
  maxEntries: number;
  /** Bytes read by extractors at most. */
  maxBytes: number;
  /** Wall time at most, ms. */
  maxMs: number;
  /** Directory depth at most. */
  maxDepth: number;
  /** Directories skipped by path prefix (relative), e.g. `proc`, `sys`, `dev`. */
  skipDirs: readonly string[];
}

export interface InventoryResult {
  os: OsInfo | null;
  packages: InventoryPackage[];
  extractors: ExtractorStatus[];
  stats: { entries: number; bytesRead: number; skippedLarge: number; unreadable: number; truncated: boolean; truncatedReason?: string; durationMs: number };
}
