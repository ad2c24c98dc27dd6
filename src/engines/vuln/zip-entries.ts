import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';

/**
 * Reads the files of a zip archive one at a time, for input that may be hostile (a downloaded advisory feed):
 * entry count, per-entry and total uncompressed bytes and the compression ratio are bounded before anything is
 * inflated, and inflation stops at the declared size (yauzl `validateEntrySizes`) and at the per-entry limit.
 * Entry names are only labels (nothing is written to disk), but names that would escape a directory (`..`,
 * absolute, drive letters, backslashes) are refused so a crafted archive is reported, not silently accepted.
 * A bad entry is reported and skipped; only a broken archive (unreadable central directory, too many entries,
 * total size over the limit) ends the walk with a fatal error. An entry that shows the archive itself is crafted
 * or damaged (an escaping name, a bomb-like compression ratio, data that does not inflate to its declared size)
 * is marked `suspect`: the walk goes on, but an importer should distrust the whole archive.
 */

export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Declared uncompressed / compressed size above this is refused (for entries over `ratioFloorBytes`). */
  maxRatio: number;
  ratioFloorBytes: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 500_000,
  maxEntryBytes: 4 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 64 * 1024,
};

export type ZipItem =
  | { kind: 'file'; name: string; data: Buffer }
  | { kind: 'error'; name: string; error: string; fatal: boolean; suspect?: true };

export interface ZipProgress {
  (done: number, total: number): void;
}

/** Why an entry name is refused, or null when it is a plain relative path. */
export function unsafeEntryName(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.includes('\0')) return 'NUL in name';
  if (name.includes('\\')) return 'backslash in name';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split('/').some((part) => part === '..')) return 'path traversal (..)';
  return null;
}

async function readBounded(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limit) {
      stream.destroy();
      throw new Error(`inflates to more than ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}

interface EntryProblem { error: string; suspect: boolean }

function entryProblem(entry: Entry, limits: ZipLimits): EntryProblem | null {
  if (entry.isEncrypted()) return { error: 'encrypted entry', suspect: false };
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    return { error: `unsupported compression method ${entry.compressionMethod}`, suspect: false };
  }
  const bomb = entry.uncompressedSize > limits.ratioFloorBytes
    && entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize);
  const ratio = `compression ratio over ${limits.maxRatio}:1 (zip bomb?)`;
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    return { error: `entry is ${entry.uncompressedSize} bytes, over the ${limits.maxEntryBytes}-byte limit${bomb ? `; ${ratio}` : ''}`, suspect: bomb };
  }
  return bomb ? { error: ratio, suspect: true } : null;
}

/** Every file of the archive at `path` (directories skipped), in central-directory order. */
export async function* readZipEntries(path: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS, progress?: ZipProgress): AsyncGenerator<ZipItem> {
  let zip: ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false });
  } catch (err) {
    yield { kind: 'error', name: path, error: `not a readable zip: ${errorText(err)}`, fatal: true };
    return;
  }
  try {
    if (zip.entryCount > limits.maxEntries) {
      yield { kind: 'error', name: path, error: `${zip.entryCount} entries, over the ${limits.maxEntries}-entry limit`, fatal: true };
      return;
    }
    let done = 0;
    let total = 0;
    const entries = zip.eachEntry();
    for (;;) {
      let next: IteratorResult<Entry>;
      try {
        next = await entries.next();
      } catch (err) {
        yield { kind: 'error', name: path, error: `corrupt zip: ${errorText(err)}`, fatal: true };
        return;
      }
      if (next.done) break;
      const entry = next.value;
      done += 1;
      progress?.(done, zip.entryCount);
      // With decodeStrings off, yauzl leaves the raw name bytes to us (it would abort the whole archive on a bad name).
      const raw: unknown = entry.fileName;
      const name = Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw);
      if (name.endsWith('/')) continue;
      const unsafe = unsafeEntryName(name);
      const problem = unsafe !== null ? { error: unsafe, suspect: true } : entryProblem(entry, limits);
      if (problem) {
        yield { kind: 'error', name, error: problem.error, fatal: false, ...(problem.suspect ? { suspect: true as const } : {}) };
        continue;
      }
      if (total + entry.uncompressedSize > limits.maxTotalBytes) {
        yield { kind: 'error', name: path, error: `archive inflates to more than ${limits.maxTotalBytes} bytes`, fatal: true };
        return;
      }
      let data: Buffer;
      try {
        const stream = await zip.openReadStreamPromise(entry);
        data = await readBounded(stream, Math.min(limits.maxEntryBytes, entry.uncompressedSize));
      } catch (err) {
        yield { kind: 'error', name, error: errorText(err), fatal: false, suspect: true };
        continue;
      }
      total += data.length;
      yield { kind: 'file', name, data };
    }
  } finally {
    zip.close();
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
