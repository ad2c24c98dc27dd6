import type { Dirent } from 'node:fs';
import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * Walks scan roots without ever following a symlink (lstat semantics everywhere, the roots included)
 * and yields what it meets: regular files to scan, and everything it refuses to open (symlinks, FIFOs,
 * sockets, devices) or cannot read, so the scan can count them. Iterative, depth-bounded, abortable.
 */

export type WalkEntry =
  | { kind: 'file'; path: string }
  | { kind: 'symlink'; path: string }
  | { kind: 'special'; path: string }
  | { kind: 'unreadable-dir'; path: string }
  | { kind: 'missing-root'; path: string };

export interface WalkOptions {
  /** Absolute directories not entered (nor anything below them). */
  ignoreDirs?: readonly string[];
  /** Stay on each root's filesystem (full scans: every local filesystem is a root of its own). */
  oneFileSystem?: boolean;
  maxDepth?: number;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_DEPTH = 64;

interface PendingDir {
  path: string;
  depth: number;
}

export async function* walkTree(roots: readonly string[], opts: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const ignore = new Set((opts.ignoreDirs ?? []).map((d) => path.normalize(d).replace(/(.)\/+$/, '$1')));
  const ignored = (p: string): boolean => {
    for (let dir = p; ; dir = path.dirname(dir)) {
      if (ignore.has(dir)) return true;
      if (dir === '/' || dir === '.') return false;
    }
  };
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  for (const root of roots) {
    opts.signal?.throwIfAborted();
    if (ignored(root)) continue;
    let stat;
    try {
      stat = await fsp.lstat(root);
    } catch {
      yield { kind: 'missing-root', path: root };
      continue;
    }
    if (stat.isSymbolicLink()) {
      yield { kind: 'symlink', path: root };
      continue;
    }
    if (stat.isFile()) {
      yield { kind: 'file', path: root };
      continue;
    }
    if (!stat.isDirectory()) {
      yield { kind: 'special', path: root };
      continue;
    }
    const rootDev = stat.dev;
    const stack: PendingDir[] = [{ path: root, depth: 0 }];
    while (stack.length > 0) {
      const dir = stack.pop() as PendingDir;
      let handle;
      try {
        handle = await fsp.opendir(dir.path, { bufferSize: 128 });
      } catch {
        yield { kind: 'unreadable-dir', path: dir.path };
        continue;
      }
      try {
        for await (const entry of handle) {
          opts.signal?.throwIfAborted();
          const full = dir.path === '/' ? `/${entry.name}` : `${dir.path}/${entry.name}`;
          const kind = await kindOf(entry, full);
          if (kind === 'dir') {
            if (ignored(full) || dir.depth + 1 > maxDepth) continue;
            if (opts.oneFileSystem && !(await sameDevice(full, rootDev))) continue;
            stack.push({ path: full, depth: dir.depth + 1 });
          } else if (kind !== 'gone') {
            yield { kind, path: full };
          }
        }
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        yield { kind: 'unreadable-dir', path: dir.path }; // readdir failed part-way (EIO, removed)
      }
    }
  }
}

type EntryKind = 'dir' | 'file' | 'symlink' | 'special' | 'gone';

async function kindOf(entry: Dirent, full: string): Promise<EntryKind> {
  if (entry.isSymbolicLink()) return 'symlink';
  if (entry.isDirectory()) return 'dir';
  if (entry.isFile()) return 'file';
  if (entry.isFIFO() || entry.isSocket() || entry.isCharacterDevice() || entry.isBlockDevice()) return 'special';
  try {
    // Filesystems without d_type.
    const stat = await fsp.lstat(full);
    if (stat.isSymbolicLink()) return 'symlink';
    return stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'special';
  } catch {
    return 'gone';
  }
}

async function sameDevice(dir: string, dev: number): Promise<boolean> {
  try {
    return (await fsp.lstat(dir)).dev === dev;
  } catch {
    return false;
  }
}

/** Regular files the walk would yield (the fast pre-count behind progress percentages); bounded. */
export async function countFiles(roots: readonly string[], opts: WalkOptions = {}, max = 50_000_000): Promise<number> {
  let files = 0;
  for await (const entry of walkTree(roots, opts)) {
    if (entry.kind === 'file' && ++files >= max) break;
  }
  return files;
}
