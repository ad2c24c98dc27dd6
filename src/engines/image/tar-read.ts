import { once } from 'node:events';
import tarStream from 'tar-stream';
import { ImageReadError, asImageError } from './errors.js';
import { TarGuard, type TarSpan } from './tar-guard.js';

export type TarHeader = tarStream.Header;

/** An entry's data stream (a streamx Readable, async-iterable). */
export type TarBody = AsyncIterable<unknown> & { resume(): unknown };

/** Called for every entry in order; `body` must be read fully or not at all (the rest is drained). */
export type TarEntryHandler = (header: TarHeader, body: TarBody, index: number) => Promise<void> | void;

/**
 * Parses an uncompressed tar byte stream with tar-stream, behind a {@link TarGuard} (metadata headers bounded
 * before the parser buffers them). Feeding and consuming run together; whichever fails first stops the other,
 * so a bad entry, a broken stream or a thrown bound never leaves a hung parser. Bad tar is `corrupt_layer`.
 * Returns the data spans of the real entries (when asked), in entry order.
 */
export async function readTar(
  chunks: AsyncIterable<Buffer>,
  onEntry: TarEntryHandler,
  options: { maxHeaderBytes: number; what: string; recordSpans?: boolean },
): Promise<TarSpan[]> {
  const guard = new TarGuard(options.maxHeaderBytes, options.recordSpans ?? false);
  const extract = tarStream.extract();
  const abort = new AbortController();
  const feeding = feed(chunks, guard, extract, abort.signal).catch((err: unknown) => {
    extract.destroy(err as Error);
    throw err;
  });
  const consuming = consume(extract, onEntry).catch((err: unknown) => {
    abort.abort(err);
    throw err;
  });
  const [fed, consumed] = await Promise.allSettled([feeding, consuming]);
  const failure = pickFailure(fed, consumed);
  if (failure !== undefined) throw asImageError(failure, 'corrupt_layer', `${options.what}: tar`);
  return guard.spans;
}

async function feed(chunks: AsyncIterable<Buffer>, guard: TarGuard, extract: tarStream.Extract, signal: AbortSignal): Promise<void> {
  for await (const chunk of chunks) {
    signal.throwIfAborted();
    const checked = passGuard(guard, chunk);
    if (checked.length > 0 && !extract.write(checked)) await once(extract, 'drain', { signal });
  }
  signal.throwIfAborted();
  extract.end(undefined);
}

/** Runs the guard's inspection synchronously on one chunk (it throws `header_too_large`). */
function passGuard(guard: TarGuard, chunk: Buffer): Buffer {
  guard.inspect(chunk);
  return chunk;
}

async function consume(extract: tarStream.Extract, onEntry: TarEntryHandler): Promise<void> {
  let index = 0;
  for await (const entry of extract) {
    await onEntry(entry.header, entry, index++);
    entry.resume();
  }
}

function pickFailure(...results: PromiseSettledResult<unknown>[]): unknown {
  const reasons = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  const unwrapped = reasons.map((r) => (r instanceof Error && r.name === 'AbortError' && r.cause !== undefined ? r.cause : r));
  return unwrapped.find((r) => r instanceof ImageReadError) ?? unwrapped[0];
}
