import { createHash } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Opening the files a tree scan hands to clamd, hashing the detected ones, and resolving the scan roots. */

export type Opened = { kind: 'ok'; handle: FileHandle; size: number; mode: number } | { kind: 'symlink' | 'special' | 'unreadable' };

/**
 * Opens a file the walk saw as regular: O_NOFOLLOW (a file swapped for a symlink fails with ELOOP),
 * O_NONBLOCK (a FIFO swapped in cannot block the open) and O_NOATIME (scanning leaves atimes alone;
 * dropped when not permitted), then fstat must still say regular file.
 */
export async function openRegular(file: string): Promise<Opened> {
  const base = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY;
  let handle: FileHandle;
  try {
    handle = await fsp.open(file, base | constants.O_NOATIME).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPERM') return fsp.open(file, base);
      throw err;
    });
  } catch (err) {
    return { kind: (err as NodeJS.ErrnoException).code === 'ELOOP' ? 'symlink' : 'unreadable' };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) {
      await handle.close();
      return { kind: 'special' };
    }
    return { kind: 'ok', handle, size: stat.size, mode: stat.mode };
  } catch {
    await handle.close().catch(() => undefined);
    return { kind: 'unreadable' };
  }
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
export async function hashOpenFile(handle: FileHandle, size: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(1024 * 1024, Math.max(1, size)));
  for (let done = 0; done < size;) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - done), done);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    done += bytesRead;
  }
  return hash.digest('hex');
}
