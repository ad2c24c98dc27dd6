import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { abortable } from '../abortable.js';
import { decompress, digestTap, newDigest, sniffCompression } from '../decompress.js';
import { asImageError } from '../errors.js';
import { ByteBudget } from '../layer-stream.js';

export interface ScanSource {
  /** What to open: the source itself, or its decompressed copy. */
  path: string;
  /** Removes the decompressed copy (if any). */
  cleanup(): Promise<void>;
}

/**
 * A gzip- or zstd-compressed outer archive (`docker save | gzip`) is decompressed once into the scanner's temp
 * area (a private 0700 directory, bounded by `maxUncompressedBytes`) so that members are then served by byte
 * range instead of re-decompressing the archive up to every member; the copy is removed after the scan. Plain
 * archives and OCI layout directories are read in place.
 */
export async function prepareSource(source: string, tempRoot: string | undefined, maxUncompressedBytes: number, signal: AbortSignal): Promise<ScanSource> {
  const plain: ScanSource = { path: source, cleanup: () => Promise.resolve() };
  const stat = await fsp.stat(source).catch(() => null);
  if (!stat?.isFile()) return plain;
  const handle = await fsp.open(source, 'r');
  const head = Buffer.alloc(4);
  let read: number;
  try {
    read = (await handle.read(head, 0, 4, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  if (sniffCompression(head.subarray(0, read)) === 'none') return plain;
  const dir = await fsp.mkdtemp(path.join(tempRoot ?? tmpdir(), 'gp-image-'));
  const cleanup = (): Promise<void> => fsp.rm(dir, { recursive: true, force: true });
  try {
    await fsp.chmod(dir, 0o700);
    const target = path.join(dir, 'image.tar');
    const budget = new ByteBudget(maxUncompressedBytes);
    const bytes = digestTap(decompress(abortable(createReadStream(source), signal), 'image archive'), newDigest(), (n) => budget.add(n));
    await pipeline(Readable.from(bytes, { objectMode: false }), createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    return { path: target, cleanup };
  } catch (err) {
    await cleanup();
    throw asImageError(err, 'corrupt_layer', 'image archive');
  }
}
