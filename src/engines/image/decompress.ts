import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { ImageReadError, asImageError } from './errors.js';

export type Compression = 'gzip' | 'zstd' | 'none';

/**
 * fzstd decodes every complete block of a pushed chunk at once; an RLE block is 4 bytes in, 128 KiB out, so
 * input is pushed in small slices to keep one push's output (and memory) small and the byte bound prompt.
 */
const ZSTD_SLICE = 512;

export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** Decompresses by magic bytes (gzip, zstd, or passes plain bytes through); a broken stream is `corrupt_layer`. */
export async function* decompress(source: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let ended = false;
  while (head.length < 4) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    head = Buffer.concat([head, next.value]);
  }
  const rest = (async function* (): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    if (ended) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  })();
  const kind = sniffCompression(head);
  if (kind === 'gzip') yield* gunzip(rest, what);
  else if (kind === 'zstd') yield* unzstd(rest, what);
  else yield* rest;
}

async function* gunzip(source: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  const inflater = createGunzip();
  const feeding = pipeline(Readable.from(source, { objectMode: false }), inflater).catch((err: unknown) => {
    inflater.destroy(err as Error);
  });
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (err) {
    throw asImageError(err, 'corrupt_layer', `${what}: gzip`);
  } finally {
    inflater.destroy();
    await feeding;
  }
}

async function* unzstd(source: AsyncIterable<Buffer>, what: string): AsyncGenerator<Buffer> {
  let out: Buffer[] = [];
  const decoder = new ZstdDecompress((chunk) => void out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length)));
  const push = (slice: Uint8Array, final: boolean): void => {
    try {
      decoder.push(slice, final);
    } catch (err) {
      throw asImageError(err, 'corrupt_layer', `${what}: zstd`);
    }
  };
  for await (const chunk of source) {
    for (let offset = 0; offset < chunk.length; offset += ZSTD_SLICE) {
      push(chunk.subarray(offset, offset + ZSTD_SLICE), false);
      if (out.length > 0) {
        const ready = out;
        out = [];
        yield* ready;
      }
    }
  }
  push(new Uint8Array(0), true);
  yield* out;
}

/** Counts and hashes what flows through; `onBytes` may throw to stop (the byte bound). */
export async function* digestTap(
  source: AsyncIterable<Buffer>,
  sink: { hash: ReturnType<typeof createHash>; bytes: number },
  onBytes?: (added: number) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    sink.hash.update(chunk);
    sink.bytes += chunk.length;
    onBytes?.(chunk.length);
    yield chunk;
  }
}

export function newDigest(): { hash: ReturnType<typeof createHash>; bytes: number } {
  return { hash: createHash('sha256'), bytes: 0 };
}

export function oversized(limit: number): ImageReadError {
  return new ImageReadError('image_oversized', `more than ${limit} uncompressed bytes`);
}
