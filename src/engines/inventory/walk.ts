import type { Dirent } from 'node:fs';
import { lstatSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { extractors as registry } from './extractors.js';
import { detectOs } from './os-release.js';
import { readRegularFile, UnreadableFileError } from './read-file.js';
import type { Extractor, ExtractorStatus, InventoryLimits, InventoryPackage, InventoryResult, OsInfo } from './types.js';

/** Directories never worth walking on a live host (pseudo filesystems, sockets, scratch, caches). */
export const DEFAULT_SKIP_DIRS: readonly string[] = ['proc', 'sys', 'dev', 'run', 'tmp', 'var/cache'];

export const DEFAULT_LIMITS: InventoryLimits = {
  maxEntries: 2_000_000,
  maxBytes: 1024 * 1024 * 1024,
  maxMs: 10 * 60 * 1000,
  maxDepth: 64,
  skipDirs: DEFAULT_SKIP_DIRS,
};

export interface CollectOptions {
  extractors?: readonly Extractor[];
  /** Overrides the defaults; `skipDirs` is added to the default list, not a replacement for it. */
  limits?: Partial<InventoryLimits>;
  /** Aborting rejects the run with the signal's reason. */
  signal?: AbortSignal;
}

type Stats = InventoryResult['stats'];

/** The read budget was used up: the run stops, marked truncated. */
class ByteBudgetExceeded extends Error {}

/** Walk-ending conditions that are not errors: the result is returned, marked truncated with the reason. */
class WalkTruncated extends Error {}

/**
 * Collects the packages under `root`: detects the OS, then walks the tree once (iteratively, lstat semantics:
 * symlinks are never followed, only directories and regular files are looked at) and hands each file an
 * extractor asks for to that extractor. Bounded in entries, depth, bytes read and wall time; an extractor that
 * throws has the error recorded in its status and the others carry on. Rejects when `root` is not a directory.
 */
export async function collectInventory(root: string, options: CollectOptions = {}): Promise<InventoryResult> {
  const started = Date.now();
  const limits = resolveLimits(options.limits);
  const signal = options.signal;
  signal?.throwIfAborted();
  const rootStat = await fsp.stat(root);
  if (!rootStat.isDirectory()) throw new Error(`inventory root ${root} is not a directory`);
  const os = await detectOs(root);
  const run = new InventoryRun(root, os, options.extractors ?? registry.all, limits, started, signal);
  await run.walk();
  return run.result();
}

export function resolveLimits(overrides: Partial<InventoryLimits> = {}): InventoryLimits {
  const skip = new Set([...DEFAULT_SKIP_DIRS, ...(overrides.skipDirs ?? [])].map((d) => d.replace(/^\/+|\/+$/g, '')));
  return { ...DEFAULT_LIMITS, ...overrides, skipDirs: [...skip].filter((d) => d !== '') };
}

interface PendingDir {
  rel: string;
  depth: number;
}

class InventoryRun {
  private readonly statuses: ExtractorStatus[];
  private readonly packages: InventoryPackage[] = [];
  private readonly skipDirs: Set<string>;
  private readonly stats: Stats = { entries: 0, bytesRead: 0, skippedLarge: 0, unreadable: 0, truncated: false, durationMs: 0 };

  constructor(
    private readonly root: string,
    private readonly os: OsInfo | null,
    private readonly extractors: readonly Extractor[],
    private readonly limits: InventoryLimits,
    private readonly started: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.statuses = extractors.map((e) => ({ name: e.name, version: e.version, files: 0, packages: 0, errors: [] }));
    this.skipDirs = new Set(limits.skipDirs);
  }

  async walk(): Promise<void> {
    const stack: PendingDir[] = [{ rel: '', depth: 0 }];
    try {
      while (stack.length > 0) {
        const dir = stack.pop() as PendingDir;
        await this.walkDir(dir, stack);
      }
    } catch (err) {
      if (!(err instanceof WalkTruncated)) throw err;
      this.truncate(err.message);
    }
  }

  result(): InventoryResult {
    this.stats.durationMs = Date.now() - this.started;
    return { os: this.os, packages: this.packages.sort(comparePackages), extractors: this.statuses, stats: this.stats };
  }

  private async walkDir(dir: PendingDir, stack: PendingDir[]): Promise<void> {
    let handle;
    try {
      handle = await fsp.opendir(path.join(this.root, dir.rel), { bufferSize: 64 });
    } catch {
      this.stats.unreadable++;
      return;
    }
    // `for await` closes the directory handle on every exit, including a throw.
    for await (const entry of handle) {
      this.checkBounds();
      this.stats.entries++;
      const rel = dir.rel === '' ? entry.name : `${dir.rel}/${entry.name}`;
      const kind = await this.kindOf(entry, rel);
      if (kind === 'dir') {
        if (this.skipDirs.has(rel)) continue;
        if (dir.depth + 1 > this.limits.maxDepth) {
          this.truncate('maxDepth');
          continue;
        }
        stack.push({ rel, depth: dir.depth + 1 });
      } else if (kind === 'file') {
        await this.offerFile(rel);
      }
    }
  }

  private checkBounds(): void {
    this.signal?.throwIfAborted();
    if (this.stats.entries >= this.limits.maxEntries) throw new WalkTruncated('maxEntries');
    if (Date.now() - this.started > this.limits.maxMs) throw new WalkTruncated('maxMs');
  }

  /** Directory entry type with lstat semantics; filesystems without d_type fall back to an lstat. */
  private async kindOf(entry: Dirent, rel: string): Promise<'dir' | 'file' | 'other'> {
    if (entry.isSymbolicLink()) return 'other';
    if (entry.isDirectory()) return 'dir';
    if (entry.isFile()) return 'file';
    if (entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice()) return 'other';
    try {
      const stat = await fsp.lstat(path.join(this.root, rel));
      return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'other';
    } catch {
      this.stats.unreadable++;
      return 'other';
    }
  }

  private async offerFile(rel: string): Promise<void> {
    const absolute = path.join(this.root, rel);
    let size: number | undefined;
    const sizeOf = (): number => {
      // Offered files are regular files the walk just saw; a synchronous lstat keeps `fileRequired` synchronous.
      if (size === undefined) size = lstatSize(absolute);
      return size;
    };
    const wanted: number[] = [];
    this.extractors.forEach((extractor, index) => {
      if (safeRequired(extractor, this.statuses[index] as ExtractorStatus, rel, sizeOf)) wanted.push(index);
    });
    if (wanted.length === 0) return;
    const fileSize = sizeOf();
    if (fileSize < 0) {
      this.stats.unreadable++;
      return;
    }
    let contents: Promise<Buffer> | undefined;
    const read = (maxFileBytes: number): Promise<Buffer> => {
      contents ??= this.readBudgeted(absolute, fileSize, maxFileBytes);
      return contents;
    };
    for (const index of wanted) {
      await this.runExtractor(index, rel, fileSize, read);
    }
  }

  private async runExtractor(index: number, rel: string, size: number, read: (max: number) => Promise<Buffer>): Promise<void> {
    const extractor = this.extractors[index] as Extractor;
    const status = this.statuses[index] as ExtractorStatus;
    if (size > extractor.maxFileBytes) {
      this.stats.skippedLarge++;
      return;
    }
    status.files++;
    try {
      const report = (message: string): void => void status.errors.push({ path: rel, message });
      const found = await extractor.extract({ path: rel, size, read: () => read(extractor.maxFileBytes), os: this.os, report });
      status.packages += found.length;
      this.packages.push(...found);
    } catch (err) {
      if (err instanceof ByteBudgetExceeded) throw new WalkTruncated('maxBytes');
      if (err instanceof UnreadableFileError) {
        this.stats.unreadable++;
        return;
      }
      status.errors.push({ path: rel, message: err instanceof Error ? err.message : String(err) });
    }
  }

  private async readBudgeted(absolute: string, size: number, maxFileBytes: number): Promise<Buffer> {
    if (this.stats.bytesRead + size > this.limits.maxBytes) throw new ByteBudgetExceeded('maxBytes');
    const limit = Math.min(maxFileBytes, this.limits.maxBytes - this.stats.bytesRead);
    const buffer = await readRegularFile(absolute, limit);
    this.stats.bytesRead += buffer.length;
    return buffer;
  }

  private truncate(reason: string): void {
    this.stats.truncated = true;
    this.stats.truncatedReason ??= reason;
  }
}

export function safeRequired(extractor: Extractor, status: ExtractorStatus, rel: string, size: () => number): boolean {
  try {
    return extractor.fileRequired({ path: rel, size });
  } catch (err) {
    status.errors.push({ path: rel, message: `fileRequired: ${err instanceof Error ? err.message : String(err)}` });
    return false;
  }
}

/** Size of a regular file, -1 when it vanished or is no longer a regular file. */
function lstatSize(file: string): number {
  try {
    const stat = lstatSync(file);
    return stat.isFile() ? stat.size : -1;
  } catch {
    return -1;
  }
}

const KEYS = ['ecosystem', 'name', 'version', 'location', 'extractor', 'arch'] as const;

export function comparePackages(a: InventoryPackage, b: InventoryPackage): number {
  for (const key of KEYS) {
    const x = a[key] ?? '';
    const y = b[key] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
