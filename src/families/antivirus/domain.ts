import path from 'node:path';

/**
 * Pure rules of the antivirus family (api-surface §4.2–4.3): the enums, the task status derived from its hosts'
 * statuses, and the checks on `scan_dir` / `ignore_dir` (`;`-separated absolute paths without `..`).
 */

export const ANTIVIRUS_FAMILY = 'antivirus';

export const SCAN_TYPES = ['quick', 'full', 'custom'] as const;
export type AvScanType = (typeof SCAN_TYPES)[number];
export const ACTIONS = ['auto', 'manual'] as const;
export const START_TYPES = ['now', 'later', 'period'] as const;
export const HOST_TASK_STATUSES = ['scanning', 'success', 'fail', 'cancel'] as const;
export type HostTaskStatus = (typeof HOST_TASK_STATUSES)[number];
export const TASK_STATUSES = ['scanning', 'finish', 'cancel', 'fail'] as const;
export type AvTaskStatus = (typeof TASK_STATUSES)[number];
export const HANDLE_STATUSES = ['unhandled', 'handled'] as const;

/** Directories in one `scan_dir` / `ignore_dir` value. */
export const MAX_DIRS = 64;
export const MAX_DIR_LENGTH = 4096;
/** Hosts in one task (HSS allows more; one request stays bounded). */
export const MAX_HOSTS_PER_TASK = 1000;
/** Detections one host's scan stores (all are counted in `virus_num`). */
export const MAX_DETECTIONS_STORED = 1000;

export interface HostCounts { scanning: number; success: number; fail: number; cancel: number }

/**
 * `scanning` while any host scans; then `finish` when at least one host succeeded, `cancel` when every host that
 * did not fail was cancelled (and at least one was), else `fail`. A task with no host scanning and none that
 * succeeded is therefore `cancel` or `fail`, never a false "finish".
 */
export function deriveTaskStatus(counts: HostCounts): AvTaskStatus {
  if (counts.scanning > 0) return 'scanning';
  if (counts.success > 0) return 'finish';
  if (counts.cancel > 0) return 'cancel';
  return 'fail';
}

/**
 * Splits a `;`-separated directory list: every entry must be absolute, have no `..` segment, no NUL and be at most
 * MAX_DIR_LENGTH long. Empty entries are dropped. Returns the normalised list or the problem.
 */
export function parseDirList(field: string, value: string | undefined): { dirs: string[] } | { problem: string } {
  const entries = (value ?? '').split(';').map((s) => s.trim()).filter((s) => s.length > 0);
  if (entries.length > MAX_DIRS) return { problem: `${field} names more than ${MAX_DIRS} directories` };
  const dirs: string[] = [];
  for (const entry of entries) {
    if (entry.includes('\0')) return { problem: `${field} contains a NUL character` };
    if (entry.length > MAX_DIR_LENGTH) return { problem: `${field} has a path longer than ${MAX_DIR_LENGTH} characters` };
    if (!entry.startsWith('/')) return { problem: `${field} entry "${entry.slice(0, 200)}" is not an absolute path` };
    if (entry.split('/').includes('..')) return { problem: `${field} entry "${entry.slice(0, 200)}" contains ".."` };
    dirs.push(path.posix.normalize(entry).replace(/(.)\/+$/, '$1'));
  }
  return { dirs: [...new Set(dirs)] };
}

/**
 * The roots and left-out directories of a scan, as CreateAntiVirusTask and the policies check them: a `custom` scan
 * needs `scan_dir` (unless it rescans a task, which keeps that task's own directories); the other types scan the
 * host's own roots and take no `scan_dir`.
 */
export function scanDirectories(scanType: AvScanType, scanDir: string | undefined, ignoreDir: string | undefined, rescan = false):
  { roots: string[]; ignoreDirs: string[] } | { problem: string } {
  const roots = parseDirList('scan_dir', scanDir);
  if ('problem' in roots) return roots;
  const ignore = parseDirList('ignore_dir', ignoreDir);
  if ('problem' in ignore) return ignore;
  if (scanType === 'custom' && roots.dirs.length === 0 && !rescan) return { problem: 'scan_type=custom needs scan_dir (";"-separated absolute directories)' };
  if (scanType !== 'custom' && roots.dirs.length > 0) return { problem: `scan_dir is only valid with scan_type=custom (${scanType} scans the host's own roots)` };
  return { roots: roots.dirs, ignoreDirs: ignore.dirs };
}

/** `"37%"`: the scan's own percentage (100% only once the host is done). */
export function progressText(percent: number): string {
  return `${Math.max(0, Math.min(100, Math.floor(percent)))}%`;
}
