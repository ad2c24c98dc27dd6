import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, read, readSync, promises as fsp } from 'node:fs';
import path from 'node:path';

/** Opening the files a tree scan hands to clamd, hashing the detected ones, and resolving the scan roots. */

export type Opened = { kind: 'ok'; fd: number; size: number; mode: number } | { kind: 'symlink' | 'special' | 'unreadable' };

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;

/**
 * Opens a file the walk saw as regular: O_NOFOLLOW (a file swapped for a symlink fails with ELOOP),
 * O_NONBLOCK (a FIFO swapped in cannot block the open) and O_NOATIME (scanning leaves atimes alone;
 * dropped when not permitted), then fstat must still say regular file.
 *
 * Synchronous on purpose: open + fstat of a local file take microseconds, while the thread-pool round trips
 * of their async forms cost the agent more CPU per small file than clamd spends scanning it (and clamd shares
 * the host's cores). Reading file contents stays asynchronous.
 */
export function openRegular(file: string): Opened {
  let fd: number;
  try {
    try {
      fd = openSync(file, OPEN_FLAGS | constants.O_NOATIME);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      fd = openSync(file, OPEN_FLAGS);
    }
  } catch (err) {
    return { kind: (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'symlink' : 'unreadable' };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      closeSync(fd);
      return { kind: 'special' };
    }
    return { kind: 'ok', fd, size: stat.size, mode: stat.mode };
  } catch {
    closeQuietly(fd);
    return { kind: 'unreadable' };
  }
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** The first bytes of an open file (for the file-type filter). */
export function readHead(fd: number, length: number): Buffer {
  const head = Buffer.alloc(length);
  return head.subarray(0, readSync(fd, head, 0, length, 0));
}

/** Reads up to `length` bytes at `position` of an open file into `buffer` (asynchronously); resolves with the count. */
export function readAt(fd: number, buffer: Buffer, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => read(fd, buffer, 0, length, position, (err, bytesRead) => (err ? reject(err) : resolve(bytesRead))));
}

/**
 * Roots with their parent directories resolved (a root reached through a symlinked parent such as
 * /lib → /usr/lib is scanned once, under its real path), deduplicated, nested roots dropped. The root's
 * own last component is not resolved: a root that is a symlink is counted, not followed. Nested roots
 * are dropped unless each root stays on its own filesystem (full scans: every mount is a root).
 */
export async function resolveRoots(roots: readonly string[], dropNested: boolean): Promise<string[]> {
  const resolved: string[] = [];
  for (const root of roots) {
    if (!path.isAbsolute(root)) throw new Error(`scan root must be absolute: ${root}`);
    const normal = path.normalize(root);
    const parent = path.dirname(normal);
    const realParent = await fsp.realpath(parent).catch(() => parent);
    resolved.push(normal === '/' ? '/' : path.join(realParent, path.basename(normal)));
  }
  const sorted = [...new Set(resolved)].sort();
  if (!dropNested) return sorted;
  return sorted.filter((r) => !sorted.some((k) => k !== r && (k === '/' || r.startsWith(`${k}/`))));
}

/**
 * SHA-256 of the first `size` bytes of an open file (a detected one: clean files are never hashed), read through the
 * descriptor clamd scanned, so the hash is of the same inode even if the path was replaced meanwhile.
 */
export async function hashOpenFile(fd: number, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(1, size)));
  for (let done = 0; done < size;) {
    const bytesRead = await readAt(fd, buffer, Math.min(buffer.length, size - done), done);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
  return hash.digest('hex');
}
