import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClamdConnectionError, type FileScanReply } from './clamd-client.js';
import { fileTypeFilter, MAGIC_BYTES } from './file-types.js';
import { closeQuietly, hashOpenFile, openRegular, readHead, resolveRoots } from './scan-files.js';
import { countFiles, walkTree, type WalkEntry, type WalkOptions } from './tree-walk.js';

/**
 * Scans trees through clamd: a fast pre-count (for the percentage), then one walk whose regular files
 * are opened safely and streamed to clamd by a few workers at once. clamd only ever reports findings,
 * so every count here is the walk's own.
 *
 * Counting rules: `scannedFiles` counts files clamd scanned to the end (clean or detected). A file over
 * `maxFileSize` is never read and counts in `skippedTooLarge`, not in `scannedFiles`; so do files left
 * out by the type filter (`filteredOut`), files that cannot be opened or read (`unreadableFiles`),
 * symlinks (`skippedSymlinks`: never followed) and FIFOs, sockets and devices (`skippedSpecial`: never
 * opened). `processedFiles` counts every regular file the walk has dealt with, for the progress.
 */

export interface ScanEngine {
  /** Scans the open file `fd` (kept open by the caller until this settles). */
  scanFile(fd: number, size: number, signal?: AbortSignal): Promise<FileScanReply>;
  /** Waits through a clamd restart; rejects (with the reason) when clamd is unavailable. */
  whenReady(timeoutMs: number): Promise<void>;
  /** The largest stream the engine's clamd accepts (StreamMaxLength); caps `maxFileSize`. */
  readonly maxFileSize?: number;
}

export interface TreeScanOptions {
  roots: readonly string[];
  ignoreDirs?: readonly string[];
  /** `file_types` codes (0 or empty: all files). */
  fileTypes?: readonly number[];
  /** Files larger than this are skipped unread (default 100 MiB; never above the engine's maxFileSize). */
  maxFileSize?: number;
  /** Files handed to clamd at once (default 16: enough in flight to keep clamd's threads busy). */
  concurrency?: number;
  oneFileSystem?: boolean;
  maxDepth?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
  progressIntervalMs?: number;
  onDetection?: (detection: Detection) => void;
  /** Attempts per file when the clamd connection fails (clamd died and is restarting); default 4. */
  attempts?: number;
  /** How long to wait for a restarting clamd (default 120 s). */
  readyTimeoutMs?: number;
  /** Detections kept in the result (default 10,000); all are counted and passed to onDetection. */
  maxDetectionsKept?: number;
}

export interface ScanCounts {
  /** Regular files found by the pre-count. */
  totalFiles: number;
  processedFiles: number;
  scannedFiles: number;
  scannedBytes: number;
  detections: number;
  skippedTooLarge: number;
  filteredOut: number;
  unreadableFiles: number;
  unreadableDirs: number;
  skippedSymlinks: number;
  skippedSpecial: number;
  missingRoots: number;
  /** Files clamd answered with an error (the file is not counted as scanned). */
  scanErrors: number;
}

export interface ScanProgress extends ScanCounts {
  /** 0-100; 100 only once the scan has finished. */
  percent: number;
  elapsedMs: number;
}

export interface Detection {
  /** The file that was streamed to clamd; for a finding inside an archive, the archive. */
  path: string;
  signature: string;
  sha256: string;
  size: number;
}

export interface TreeScanResult {
  status: 'completed' | 'aborted' | 'failed';
  reason?: string;
  counts: ScanCounts;
  detections: Detection[];
  /** More detections were found than `maxDetectionsKept`. */
  detectionsTruncated: boolean;
  /** First few clamd error answers, for the log. */
  errors: { path: string; message: string }[];
  durationMs: number;
}

export const DEFAULT_MAX_FILE_SIZE = 100 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 16;
const MAX_ERRORS_KEPT = 20;
const RETRY_PAUSE_MS = 150;

/** Stops the scan: clamd is unavailable for good. */
class EngineUnavailable extends Error {}

export async function runTreeScan(engine: ScanEngine, opts: TreeScanOptions): Promise<TreeScanResult> {
  return new TreeScan(engine, opts).run();
}

function emptyCounts(): ScanCounts {
  return {
    totalFiles: 0, processedFiles: 0, scannedFiles: 0, scannedBytes: 0, detections: 0, skippedTooLarge: 0, filteredOut: 0,
    unreadableFiles: 0, unreadableDirs: 0, skippedSymlinks: 0, skippedSpecial: 0, missingRoots: 0, scanErrors: 0,
  };
}

class TreeScan {
  private readonly counts = emptyCounts();
  private readonly detections: Detection[] = [];
  private readonly errors: { path: string; message: string }[] = [];
  private readonly started = Date.now();
  private readonly filter: ReturnType<typeof fileTypeFilter>;
  private readonly maxFileSize: number;
  private lastProgress = 0;
  private failure: string | null = null;
  private halted = false;

  constructor(private readonly engine: ScanEngine, private readonly opts: TreeScanOptions) {
    this.filter = fileTypeFilter(opts.fileTypes);
    this.maxFileSize = Math.min(opts.maxFileSize ?? DEFAULT_MAX_FILE_SIZE, engine.maxFileSize ?? Number.MAX_SAFE_INTEGER);
  }

  async run(): Promise<TreeScanResult> {
    const signal = this.opts.signal;
    const walkOpts: WalkOptions = { ignoreDirs: this.opts.ignoreDirs, oneFileSystem: this.opts.oneFileSystem, maxDepth: this.opts.maxDepth, signal };
    try {
      await this.engine.whenReady(this.opts.readyTimeoutMs ?? 120_000);
    } catch (err) {
      return this.finish('failed', err instanceof Error ? err.message : String(err));
    }
    try {
      const roots = await resolveRoots(this.opts.roots, !this.opts.oneFileSystem);
      this.counts.totalFiles = await countFiles(roots, walkOpts);
      this.progress(true);
      const entries = walkTree(roots, walkOpts);
      const workers = Array.from({ length: Math.max(1, this.opts.concurrency ?? DEFAULT_CONCURRENCY) }, () => this.worker(entries));
      // Every worker has stopped before the scan returns (the first failure stops the others).
      const settled = await Promise.allSettled(workers);
      await entries.return(undefined); // closes the directory the walk had open
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
    } catch (err) {
      if (signal?.aborted) return this.finish('aborted', 'the scan was stopped');
      if (err instanceof EngineUnavailable) return this.finish('failed', err.message);
      if (this.failure) return this.finish('failed', this.failure);
      return this.finish('failed', `scan failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (signal?.aborted) return this.finish('aborted', 'the scan was stopped');
    return this.finish('completed');
  }

  private async worker(entries: AsyncGenerator<WalkEntry>): Promise<void> {
    try {
      for (;;) {
        if (this.halted) return;
        this.opts.signal?.throwIfAborted();
        const next = await entries.next();
        if (next.done) return;
        await this.handle(next.value);
        this.progress(false);
      }
    } catch (err) {
      this.halted = true; // the other workers stop after their current file
      if (err instanceof EngineUnavailable) this.failure ??= err.message;
      throw err;
    }
  }

  private async handle(entry: WalkEntry): Promise<void> {
    switch (entry.kind) {
      case 'file':
        await this.scanOne(entry.path);
        this.counts.processedFiles++;
        return;
      case 'symlink':
        this.counts.skippedSymlinks++;
        return;
      case 'special':
        this.counts.skippedSpecial++;
        return;
      case 'unreadable-dir':
        this.counts.unreadableDirs++;
        return;
      case 'missing-root':
        this.counts.missingRoots++;
        return;
    }
  }

  private async scanOne(file: string): Promise<void> {
    const opened = openRegular(file);
    if (opened.kind !== 'ok') {
      if (opened.kind === 'symlink') this.counts.skippedSymlinks++;
      else if (opened.kind === 'special') this.counts.skippedSpecial++;
      else this.counts.unreadableFiles++;
      return;
    }
    const { fd, size, mode } = opened;
    try {
      if (size > this.maxFileSize) {
        this.counts.skippedTooLarge++;
        return;
      }
      if (this.filter) {
        if (!this.filter(path.basename(file), mode, readHead(fd, MAGIC_BYTES))) {
          this.counts.filteredOut++;
          return;
        }
      }
      const answer = await this.scanWithRetry(fd, size);
      if (answer === 'unreadable') {
        this.counts.unreadableFiles++;
        return;
      }
      if ('error' in answer) {
        this.scanError(file, answer.error);
        return;
      }
      const { reply } = answer;
      if (reply.kind === 'clean' || reply.kind === 'found') {
        this.counts.scannedFiles++;
        this.counts.scannedBytes += answer.bytes;
        if (reply.kind === 'found') this.detect({ path: file, signature: reply.signature, sha256: await hashOpenFile(fd, answer.bytes).catch(() => ''), size: answer.bytes });
      } else if (reply.kind === 'size-limit') {
        this.counts.skippedTooLarge++;
      } else {
        this.scanError(file, reply.message);
      }
    } finally {
      closeQuietly(fd);
    }
  }

  private async scanWithRetry(fd: number, size: number): Promise<FileScanReply | 'unreadable' | { error: string }> {
    const attempts = Math.max(1, this.opts.attempts ?? 4);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.engine.scanFile(fd, size, this.opts.signal);
      } catch (err) {
        this.opts.signal?.throwIfAborted();
        if (!(err instanceof ClamdConnectionError)) return 'unreadable'; // reading the file failed (EIO, …)
        // A file that makes clamd die every time is a scan error of its own; clamd dying too often
        // overall makes the supervisor unavailable, which whenReady reports below.
        if (attempt >= attempts) return { error: `clamd failed ${attempts} times on this file: ${err.message}` };
        // The refused connection can arrive before the supervisor has seen clamd exit.
        await sleep(RETRY_PAUSE_MS * attempt);
        try {
          await this.engine.whenReady(this.opts.readyTimeoutMs ?? 120_000);
        } catch (unavailable) {
          throw new EngineUnavailable(`clamd became unavailable during the scan: ${unavailable instanceof Error ? unavailable.message : String(unavailable)}`);
        }
      }
    }
  }

  private scanError(file: string, message: string): void {
    this.counts.scanErrors++;
    if (this.errors.length < MAX_ERRORS_KEPT) this.errors.push({ path: file, message });
  }

  private detect(detection: Detection): void {
    this.counts.detections++;
    if (this.detections.length < (this.opts.maxDetectionsKept ?? 10_000)) this.detections.push(detection);
    try {
      this.opts.onDetection?.(detection);
    } catch {
      // a throwing callback must not break the scan
    }
  }

  private progress(force: boolean): void {
    const now = Date.now();
    if (!this.opts.onProgress || (!force && now - this.lastProgress < (this.opts.progressIntervalMs ?? 1000))) return;
    this.lastProgress = now;
    const total = Math.max(this.counts.totalFiles, this.counts.processedFiles);
    const percent = total === 0 ? 0 : Math.min(99, Math.floor((this.counts.processedFiles / total) * 100));
    this.emit({ ...this.counts, percent, elapsedMs: now - this.started });
  }

  private emit(progress: ScanProgress): void {
    try {
      this.opts.onProgress?.(progress);
    } catch {
      // a throwing callback must not break the scan
    }
  }

  private finish(status: TreeScanResult['status'], reason?: string): TreeScanResult {
    const durationMs = Date.now() - this.started;
    if (status === 'completed') this.emit({ ...this.counts, percent: 100, elapsedMs: durationMs });
    return { status, ...(reason ? { reason } : {}), counts: { ...this.counts }, detections: [...this.detections], detectionsTruncated: this.detections.length < this.counts.detections, errors: [...this.errors], durationMs };
  }
}
