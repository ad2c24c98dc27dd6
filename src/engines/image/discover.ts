import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { decompress, sniffCompression, type Compression } from './decompress.js';
import { ImageReadError } from './errors.js';
import { readTar } from './tar-read.js';

/**
 * Finds images on a host: image archives (`.tar`, `.tar.gz`, `.tgz`, `.tar.zst`; a docker-archive when the tar
 * has `manifest.json`, an OCI archive when it has `oci-layout` and `index.json`) and OCI layout directories,
 * under configured directories. Bounded depth, directory entries, results and bytes sniffed per archive;
 * symlinks are never followed (neither to files nor to directories).
 */

export type DiscoveredKind = 'docker-archive' | 'oci-archive' | 'oci-layout';

export interface DiscoveredImage {
  path: string;
  kind: DiscoveredKind;
  compression: Compression;
  /** Bytes of the archive file, or of the layout's files (index.json, oci-layout, blobs). */
  size: number;
  mtimeMs: number;
}

export type SkipReason = 'symlink' | 'not_an_image' | 'unreadable' | 'sniff_limit';

export interface DiscoveryResult {
  images: DiscoveredImage[];
  /** Candidates looked at and left out (archive-named files that are no image, symlinks, unreadable entries). */
  skipped: Array<{ path: string; reason: SkipReason }>;
  /** A bound (entries, results) ended the walk early. */
  truncated: boolean;
}

export interface DiscoveryOptions {
  /** Directory levels below each root (0 = the root's own entries). */
  maxDepth: number;
  /** Directory entries looked at over the whole walk. */
  maxEntries: number;
  maxResults: number;
  /** Tar members read while looking for the manifest of one archive. */
  maxSniffMembers: number;
  /** Uncompressed bytes read while looking for the manifest of one archive. */
  maxSniffBytes: number;
}

export const DEFAULT_DISCOVERY_OPTIONS: DiscoveryOptions = {
  maxDepth: 6,
  maxEntries: 100_000,
  maxResults: 10_000,
  maxSniffMembers: 100_000,
  maxSniffBytes: 8 * 1024 * 1024 * 1024,
};

const ARCHIVE_SUFFIXES = ['.tar', '.tar.gz', '.tgz', '.tar.zst', '.tar.zstd'];
const isArchiveName = (name: string): boolean => ARCHIVE_SUFFIXES.some((s) => name.toLowerCase().endsWith(s));
const MAX_LAYOUT_BLOBS = 100_000;

class WalkBudget {
  entries = 0;
  truncated = false;
  constructor(readonly options: DiscoveryOptions, readonly result: DiscoveryResult) {}
  /** One more directory entry; false (and truncated) once over the bound. */
  takeEntry(): boolean {
    if (this.entries >= this.options.maxEntries || this.result.images.length >= this.options.maxResults) {
      this.truncated = true;
      return false;
    }
    this.entries++;
    return true;
  }
}

export async function discoverImages(roots: readonly string[], overrides: Partial<DiscoveryOptions> = {}): Promise<DiscoveryResult> {
  const options = { ...DEFAULT_DISCOVERY_OPTIONS, ...overrides };
  const result: DiscoveryResult = { images: [], skipped: [], truncated: false };
  const budget = new WalkBudget(options, result);
  for (const root of roots) {
    const stat = await fsp.lstat(root).catch(() => null);
    if (!stat) { result.skipped.push({ path: root, reason: 'unreadable' }); continue; }
    if (stat.isSymbolicLink()) { result.skipped.push({ path: root, reason: 'symlink' }); continue; }
    if (stat.isDirectory()) await walk(path.resolve(root), 0, budget);
    else if (stat.isFile()) await considerFile(path.resolve(root), stat, options, result);
  }
  result.truncated = budget.truncated;
  return result;
}

async function walk(dir: string, depth: number, budget: WalkBudget): Promise<void> {
  const { result, options } = budget;
  const layout = await layoutOf(dir);
  if (layout) { result.images.push(layout); return; }
  let handle;
  try {
    handle = await fsp.opendir(dir);
  } catch {
    result.skipped.push({ path: dir, reason: 'unreadable' });
    return;
  }
  const subdirs: string[] = [];
  try {
    for await (const entry of handle) {
      if (!budget.takeEntry()) break;
      const full = path.join(dir, entry.name);
      if (entry.isSymbolicLink()) {
        if (isArchiveName(entry.name)) result.skipped.push({ path: full, reason: 'symlink' });
      } else if (entry.isDirectory()) {
        if (depth < options.maxDepth) subdirs.push(full);
      } else if (entry.isFile() && isArchiveName(entry.name)) {
        const stat = await fsp.lstat(full).catch(() => null);
        if (stat?.isFile()) await considerFile(full, stat, options, result);
        else result.skipped.push({ path: full, reason: 'unreadable' });
      }
    }
  } catch {
    result.skipped.push({ path: dir, reason: 'unreadable' });
  }
  for (const sub of subdirs.sort()) {
    if (budget.truncated) return;
    await walk(sub, depth + 1, budget);
  }
}

/** A directory holding regular `oci-layout` and `index.json` files is an OCI layout. */
async function layoutOf(dir: string): Promise<DiscoveredImage | null> {
  const marker = await fsp.lstat(path.join(dir, 'oci-layout')).catch(() => null);
  const index = await fsp.lstat(path.join(dir, 'index.json')).catch(() => null);
  if (!marker?.isFile() || !index?.isFile()) return null;
  let size = marker.size + index.size;
  const blobs = await fsp.opendir(path.join(dir, 'blobs', 'sha256')).catch(() => null);
  if (blobs) {
    let seen = 0;
    for await (const entry of blobs) {
      if (++seen > MAX_LAYOUT_BLOBS) break;
      if (!entry.isFile()) continue;
      const st = await fsp.lstat(path.join(dir, 'blobs', 'sha256', entry.name)).catch(() => null);
      if (st?.isFile()) size += st.size;
    }
  }
  return { path: dir, kind: 'oci-layout', compression: 'none', size, mtimeMs: index.mtimeMs };
}

async function considerFile(file: string, stat: { size: number; mtimeMs: number }, options: DiscoveryOptions, result: DiscoveryResult): Promise<void> {
  try {
    const sniffed = await sniffArchive(file, options);
    if (sniffed.kind) result.images.push({ path: file, kind: sniffed.kind, compression: sniffed.compression, size: stat.size, mtimeMs: stat.mtimeMs });
    else result.skipped.push({ path: file, reason: 'not_an_image' });
  } catch (err) {
    const reason: SkipReason = err instanceof SniffLimit ? 'sniff_limit' : err instanceof ImageReadError ? 'not_an_image' : 'unreadable';
    result.skipped.push({ path: file, reason });
  }
}

class SniffLimit extends Error {}

/**
 * Reads tar headers (decompressing as needed) until the members that name the format are seen: `manifest.json`
 * → docker-archive; `oci-layout` and `index.json` (and no manifest.json yet) → OCI archive. Docker ≥ 25 writes
 * both; the reader then opens the docker-archive form, and so does the kind reported here when `manifest.json`
 * comes first.
 */
export async function sniffArchive(file: string, options: Pick<DiscoveryOptions, 'maxSniffMembers' | 'maxSniffBytes'>): Promise<{ kind: 'docker-archive' | 'oci-archive' | null; compression: Compression }> {
  const head = Buffer.alloc(4);
  const handle = await fsp.open(file, 'r');
  let read: number;
  try {
    read = (await handle.read(head, 0, 4, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  const compression = sniffCompression(head.subarray(0, read));
  const seen = new Set<string>();
  let kind: 'docker-archive' | 'oci-archive' | null = null;
  // readTar wraps whatever a callback throws, so the outcome is kept here and the throw only stops the read.
  let limitHit = false;
  let bytes = 0;
  const counted = async function* (source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of source) {
      bytes += chunk.length;
      if (bytes > options.maxSniffBytes) { limitHit = true; throw new Error('sniff byte limit'); }
      yield chunk;
    }
  };
  let members = 0;
  try {
    await readTar(counted(decompress(createReadStream(file), 'image archive')), (header) => {
      if (++members > options.maxSniffMembers) { limitHit = true; throw new Error('sniff member limit'); }
      const name = header.name.replace(/^(\.\/)+/, '');
      if (name === 'manifest.json' || name === 'index.json' || name === 'oci-layout') seen.add(name);
      if (seen.has('manifest.json')) kind = 'docker-archive';
      else if (seen.has('index.json') && seen.has('oci-layout')) kind = 'oci-archive';
      if (kind) throw new Error('found');
    }, { maxHeaderBytes: 64 * 1024, what: 'image archive' });
  } catch (err) {
    if (kind) return { kind, compression };
    if (limitHit) throw new SniffLimit('sniff limit');
    throw err;
  }
  return { kind, compression };
}
