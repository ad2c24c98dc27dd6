import type { ArchiveFiles } from './archive-files.js';
import { decompress, digestTap, newDigest, oversized } from './decompress.js';
import { ImageReadError } from './errors.js';
import type { ImageLimits } from './limits.js';
import type { LayerRef } from './resolve.js';
import { readTar, type TarEntryHandler } from './tar-read.js';

/** Uncompressed bytes of one pass over the layers, against `maxUncompressedBytes` (decompression bombs stop here). */
export class ByteBudget {
  private used = 0;
  constructor(private readonly limit: number) {}
  add(bytes: number): void {
    this.used += bytes;
    if (this.used > this.limit) throw oversized(this.limit);
  }
}

/**
 * Streams one layer once: blob bytes → (blob digest) → gzip/zstd/plain → (diff_id digest, byte budget) → tar
 * entries. After the last byte both digests are checked against the image's descriptors: a mismatch, like a
 * truncated or undecodable layer, is `corrupt_layer`.
 */
export async function streamLayer(files: ArchiveFiles, layer: LayerRef, limits: ImageLimits, budget: ByteBudget, onEntry: TarEntryHandler): Promise<{ bytes: number }> {
  const what = `layer ${layer.index}`;
  const blob = newDigest();
  const diff = newDigest();
  const uncompressed = digestTap(decompress(digestTap(files.open(layer.member), blob), what), diff, (n) => budget.add(n));
  await readTar(uncompressed, onEntry, { maxHeaderBytes: limits.maxHeaderBytes, what });
  const blobDigest = `sha256:${blob.hash.digest('hex')}`;
  if (layer.blobDigest !== null && blobDigest !== layer.blobDigest) {
    throw new ImageReadError('corrupt_layer', `${what}: blob digest ${blobDigest} is not the manifest's ${layer.blobDigest}`);
  }
  const diffId = `sha256:${diff.hash.digest('hex')}`;
  if (diffId !== layer.diffId) throw new ImageReadError('corrupt_layer', `${what}: diff_id ${diffId} is not the config's ${layer.diffId}`);
  return { bytes: diff.bytes };
}

/** Reads an entry body whole, up to `max` bytes. */
export async function readBody(body: AsyncIterable<unknown>, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    if (!Buffer.isBuffer(chunk)) continue;
    total += chunk.length;
    if (total > max) throw new ImageReadError('image_oversized', `a file is over ${max} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
