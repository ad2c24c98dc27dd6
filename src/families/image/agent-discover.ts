import { promises as fsp } from 'node:fs';
import path from 'node:path';

/**
 * Minimal bounded discovery of image archives and OCI layouts in the agent's `--image-dirs` (until
 * src/engines/image/discover.ts lands): each directory's direct entries only, symlinks never followed, at most
 * MAX_ENTRIES_PER_DIR entries read per directory and MAX_CANDIDATES candidates in all.
 */

export const MAX_ENTRIES_PER_DIR = 5000;
export const MAX_CANDIDATES = 200;

const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.zst|tar\.zstd)$/i;

export interface Candidate { path: string; size: number }

async function isOciLayout(dir: string): Promise<boolean> {
  const marker = await fsp.lstat(path.join(dir, 'oci-layout')).catch(() => null);
  return Boolean(marker?.isFile());
}

export async function discoverImages(dirs: readonly string[]): Promise<{ candidates: Candidate[]; skipped: number }> {
  const candidates: Candidate[] = [];
  let skipped = 0;
  for (const dir of dirs) {
    if (await isOciLayout(dir)) {
      candidates.push({ path: dir, size: 0 });
      continue;
    }
    const handle = await fsp.opendir(dir).catch(() => null);
    if (!handle) continue;
    let seen = 0;
    for await (const entry of handle) {
      if (++seen > MAX_ENTRIES_PER_DIR) break;
      const full = path.join(dir, entry.name);
      const found = entry.isFile() && ARCHIVE.test(entry.name) ? await fsp.lstat(full).then((s) => ({ path: full, size: s.size }))
        : entry.isDirectory() && await isOciLayout(full) ? { path: full, size: 0 } : null;
      if (!found) continue;
      if (candidates.length >= MAX_CANDIDATES) skipped += 1;
      else candidates.push(found);
    }
  }
  candidates.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { candidates, skipped };
}
