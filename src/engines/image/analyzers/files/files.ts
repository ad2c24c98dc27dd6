import path from 'node:path';
import type { MergedView } from '../../image.js';
import type { ImageFile } from '../../merged-view.js';
import type { FileFlag, FileRow } from '../../report.js';
import type { AnalyzerPlugin, FinishContext } from '../types.js';
import { OWNER_SOURCES, PACKAGE_DB_DIRS } from './owners.js';

/** Kernel pseudo filesystems (mount points in a container): never image content. */
const PSEUDO_DIRS = ['proc/', 'sys/', 'dev/'];

/**
 * `files`: the final regular files (and hard links) of the merged view that no installed package owns (dpkg
 * `info/*.list` and conffiles, apk `installed` F:/R:, rpm file lists), with size, mode and flags. Directories,
 * symlinks, devices, the pseudo filesystems and the package databases themselves are skipped. Files an upper
 * layer deleted are not reported here (they are not in the image's filesystem; `malwares` still scans them).
 * Owned paths are compared after resolving their directories through the image's symlinks (`/bin` → `usr/bin`).
 */
export const filesAnalyzer: AnalyzerPlugin<'files'> = {
  type: 'files',
  create: () => ({
    capture: (p) => OWNER_SOURCES.some((s) => s.wants(p)),
    finish: (context) => unownedFiles(context),
  }),
};

function unownedFiles(context: FinishContext): FileRow[] {
  const { view } = context;
  const canonical = canonicalizer(view, context.image.limits.maxLinkHops);
  const owned = new Set<string>();
  for (const file of view.files.values()) {
    for (const source of OWNER_SOURCES) {
      if (!source.wants(file.path)) continue;
      const bytes = context.captured.read(file.path);
      if (!bytes) {
        context.problem(`${source.name} database /${file.path} could not be read (over the capture limits): its files are listed as unowned`);
        continue;
      }
      try {
        for (const p of source.owned(file.path, bytes)) owned.add(canonical(p));
      } catch (err) {
        context.problem(`${source.name} database /${file.path}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  const rows: FileRow[] = [];
  for (const file of view.files.values()) {
    if (file.type !== 'file' && file.type !== 'hardlink') continue;
    if (PSEUDO_DIRS.some((d) => file.path.startsWith(d)) || PACKAGE_DB_DIRS.some((d) => file.path.startsWith(d))) continue;
    if (owned.has(file.path) || owned.has(canonical(file.path))) continue;
    rows.push({ fileName: path.posix.basename(file.path), filePath: `/${file.path}`, size: file.size, mode: file.mode, flags: flagsOf(file, context.options.largeFileBytes), ...context.layer(file.layer) });
  }
  return rows.sort((a, b) => (a.filePath < b.filePath ? -1 : a.filePath > b.filePath ? 1 : 0));
}

export function flagsOf(file: Pick<ImageFile, 'mode' | 'size'>, largeFileBytes: number): FileFlag[] {
  const flags: FileFlag[] = [];
  if (file.mode & 0o4000) flags.push('setuid');
  if (file.mode & 0o2000) flags.push('setgid');
  if (file.mode & 0o002) flags.push('world_writable');
  if (file.size >= largeFileBytes) flags.push('large');
  return flags;
}

/**
 * `/bin/ls` → the root-relative path with its directories resolved through the merged view's symlinks (the last
 * component is kept as is). Directories are memoised; a loop or a dangling link leaves the rest unresolved.
 */
function canonicalizer(view: MergedView, maxHops: number): (p: string) => string {
  const dirs = new Map<string, string>();
  const resolveDir = (dir: string): string => {
    const known = dirs.get(dir);
    if (known !== undefined) return known;
    let parts = dir.split('/').filter((x) => x !== '' && x !== '.');
    const resolved: string[] = [];
    let hops = 0;
    while (parts.length > 0) {
      const part = parts.shift() as string;
      if (part === '..') {
        resolved.pop();
        continue;
      }
      const candidate = [...resolved, part].join('/');
      const entry = view.files.get(candidate);
      if (entry?.type === 'symlink' && hops++ < maxHops) {
        const target = entry.linkTarget ?? '';
        if (target.startsWith('/')) resolved.length = 0;
        parts = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...parts];
      } else resolved.push(part);
    }
    const result = resolved.join('/');
    dirs.set(dir, result);
    return result;
  };
  return (p) => {
    const rel = p.replace(/^\/+/, '');
    const slash = rel.lastIndexOf('/');
    if (slash < 0) return rel;
    const dir = resolveDir(rel.slice(0, slash));
    return dir === '' ? rel.slice(slash + 1) : `${dir}/${rel.slice(slash + 1)}`;
  };
}
