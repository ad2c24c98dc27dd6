import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Symlink hops allowed while resolving one path (the kernel's own limit is 40). */
const MAX_HOPS = 40;

/**
 * Resolves `relative` inside `root` the way a process chrooted into `root` would see it: every symlink is read
 * with readlink and re-interpreted inside the root (an absolute target `/usr/lib/x` means `<root>/usr/lib/x`,
 * `..` stops at the root), so the result never escapes the root. Returns the root-relative path of the final
 * non-symlink entry, or null when a component is missing or the hop limit is reached.
 */
export async function resolveInRoot(root: string, relative: string): Promise<string | null> {
  let pending = splitPath(relative);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part];
    let stat;
    try {
      stat = await fsp.lstat(path.join(root, ...candidate));
    } catch {
      return null;
    }
    if (!stat.isSymbolicLink()) {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_HOPS) return null;
    let target: string;
    try {
      target = await fsp.readlink(path.join(root, ...candidate));
    } catch {
      return null;
    }
    if (target.startsWith('/')) resolved.length = 0;
    pending = [...splitPath(target), ...pending];
  }
  return resolved.join('/');
}

function splitPath(p: string): string[] {
  return p.split('/').filter((part) => part !== '' && part !== '.');
}
