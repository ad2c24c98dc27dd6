import { ImageReadError } from './errors.js';
import type { ImageFile } from './merged-view.js';

/**
 * Resolves `relative` in the merged view the way a process chrooted into the image would (absolute targets
 * restart at the image root, `..` stops there). Returns the final entry, or null when there is none;
 * more than `maxHops` symlinks on the way is a loop (`unsafe_link`).
 */
export function resolveInView(files: ReadonlyMap<string, ImageFile>, relative: string, maxHops: number): ImageFile | null {
  let pending = split(relative);
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift() as string;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = [...resolved, part].join('/');
    const file = files.get(candidate);
    // A directory a layer never listed itself (only its children) is implicit: not in the map, still a directory.
    if (!file || file.type !== 'symlink') {
      resolved.push(part);
      continue;
    }
    if (++hops > maxHops) throw new ImageReadError('unsafe_link', `symlink loop resolving ${relative} (over ${maxHops} hops)`);
    const target = file.linkTarget ?? '';
    if (target.startsWith('/')) resolved.length = 0;
    pending = [...split(target), ...pending];
  }
  return files.get(resolved.join('/')) ?? null;
}

function split(p: string): string[] {
  return p.split('/').filter((part) => part !== '' && part !== '.');
}
