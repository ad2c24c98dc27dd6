import { lstat, opendir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_OSV_RECORD_BYTES, parseOsvRecord, type OsvRecord } from './osv-schema.js';
import { DEFAULT_ZIP_LIMITS, readZipEntries, type ZipLimits } from './zip-entries.js';

/**
 * Advisory input for `guardpost vulndb import`: an osv.dev `<Ecosystem>/all.zip` (one JSON per entry, possibly in
 * subfolders such as `almalinux9/ALSA-….json`), a directory of such files and zips (bounded walk, symlinks never
 * followed), or a single JSON file. Yields one item per record found; a bad record is an error item and reading
 * goes on. `fatal` errors mean a whole source (an archive or directory) could not be read completely — an importer
 * should then store nothing from that run. `suspect` marks a zip entry showing the archive is crafted or damaged
 * (see zip-entries.ts): reading goes on, but an importer should treat the archive as bad.
 */

export type OsvSourceItem =
  | { origin: string; record: OsvRecord }
  | { origin: string; error: string; fatal: boolean; suspect?: true };

export interface OsvSourceOptions {
  zip?: ZipLimits;
  /** Directory entries visited at most, over the whole walk. */
  maxDirEntries?: number;
  maxDepth?: number;
  /** Called after each zip entry (entries read / entries in the archive) and each directory file (n / 0). */
  progress?: (origin: string, done: number, total: number) => void;
}

const DEFAULT_MAX_DIR_ENTRIES = 1_000_000;
const DEFAULT_MAX_DEPTH = 8;

function isZip(path: string): boolean {
  return path.toLowerCase().endsWith('.zip');
}

function isJson(path: string): boolean {
  return path.toLowerCase().endsWith('.json');
}

function parsed(origin: string, data: Buffer): OsvSourceItem {
  const result = parseOsvRecord(data.toString('utf8'));
  return 'record' in result ? { origin, record: result.record } : { origin, error: result.error, fatal: false };
}

async function* fromZip(path: string, options: OsvSourceOptions): AsyncGenerator<OsvSourceItem> {
  const progress = options.progress;
  for await (const item of readZipEntries(path, options.zip ?? DEFAULT_ZIP_LIMITS, progress && ((d, t) => progress(path, d, t)))) {
    const origin = item.name === path ? path : `${path}:${item.name}`;
    if (item.kind === 'error') yield { origin, error: item.error, fatal: item.fatal, ...(item.suspect ? { suspect: true as const } : {}) };
    else if (isJson(item.name)) yield parsed(origin, item.data);
  }
}

async function* fromFile(path: string): AsyncGenerator<OsvSourceItem> {
  try {
    const info = await lstat(path);
    if (info.size > MAX_OSV_RECORD_BYTES) {
      yield { origin: path, error: `file is ${info.size} bytes, over the ${MAX_OSV_RECORD_BYTES}-byte record limit`, fatal: false };
      return;
    }
    yield parsed(path, await readFile(path));
  } catch (err) {
    // The file is there but cannot be read (permissions, I/O error, removed meanwhile): the source is incomplete.
    yield { origin: path, error: `unreadable: ${err instanceof Error ? err.message : String(err)}`, fatal: true };
  }
}

async function* fromDirectory(root: string, options: OsvSourceOptions): AsyncGenerator<OsvSourceItem> {
  const maxEntries = options.maxDirEntries ?? DEFAULT_MAX_DIR_ENTRIES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const pending: Array<{ dir: string; depth: number }> = [{ dir: root, depth: 0 }];
  let visited = 0;
  let files = 0;
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { dir, depth } = next;
    let handle;
    try {
      handle = await opendir(dir);
    } catch (err) {
      yield { origin: dir, error: `unreadable directory: ${err instanceof Error ? err.message : String(err)}`, fatal: true };
      return;
    }
    const names: Array<{ path: string; dir: boolean }> = [];
    for await (const dirent of handle) {
      visited += 1;
      if (visited > maxEntries) {
        yield { origin: root, error: `more than ${maxEntries} directory entries`, fatal: true };
        return;
      }
      if (dirent.isSymbolicLink()) continue;
      if (dirent.isDirectory()) names.push({ path: join(dir, dirent.name), dir: true });
      else if (dirent.isFile() && (isJson(dirent.name) || isZip(dirent.name))) names.push({ path: join(dir, dirent.name), dir: false });
    }
    names.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const entry of names) {
      if (entry.dir) {
        if (depth + 1 > maxDepth) yield { origin: entry.path, error: `deeper than ${maxDepth} levels, skipped`, fatal: false };
        else pending.push({ dir: entry.path, depth: depth + 1 });
      } else if (isZip(entry.path)) {
        yield* fromZip(entry.path, options);
      } else {
        files += 1;
        options.progress?.(root, files, 0);
        yield* fromFile(entry.path);
      }
    }
  }
}

/** Reads every advisory under `path` (zip, directory or JSON file); a symlink given as `path` is refused. */
export async function* readOsvSource(path: string, options: OsvSourceOptions = {}): AsyncGenerator<OsvSourceItem> {
  let info;
  try {
    info = await lstat(path);
  } catch (err) {
    yield { origin: path, error: `cannot read: ${err instanceof Error ? err.message : String(err)}`, fatal: true };
    return;
  }
  if (info.isSymbolicLink()) yield { origin: path, error: 'is a symbolic link; give the real path', fatal: true };
  else if (info.isDirectory()) yield* fromDirectory(path, options);
  else if (!info.isFile()) yield { origin: path, error: 'not a regular file or directory', fatal: true };
  else if (isZip(path)) yield* fromZip(path, options);
  else yield* fromFile(path);
}
