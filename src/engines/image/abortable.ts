import { ImageReadError } from './errors.js';

/** The typed failure an aborted signal stands for: its reason when that is typed (`scan_timeout`), else `scan_aborted`. */
export function abortError(signal: AbortSignal): ImageReadError {
  const reason: unknown = signal.reason;
  if (reason instanceof ImageReadError) return reason;
  return new ImageReadError('scan_aborted', reason instanceof Error ? reason.message : 'the scan was aborted');
}

/**
 * Yields `source` until `signal` aborts; then throws {@link abortError} at once, even while the source is stuck in
 * a read that never returns (the pending read is abandoned and the source closed without waiting for it).
 */
export async function* abortable<T>(source: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  if (!signal) {
    yield* source;
    return;
  }
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      // A fresh race per read: racing every read against one long-lived promise would keep every chunk reachable.
      const next = await raceAbort(iterator.next(), signal);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    iterator.return?.().catch(() => undefined);
  }
}

/** Awaits `work` unless `signal` aborts first (then throws {@link abortError}; `work` is left to settle on its own). */
export async function raceAbort<T>(work: Promise<T> | T, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) throw abortError(signal);
  const aborted = untilAborted(signal);
  try {
    return await Promise.race([Promise.resolve(work), aborted.promise]);
  } finally {
    aborted.dispose();
  }
}

function untilAborted(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}
