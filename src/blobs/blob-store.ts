import type { Readable } from 'node:stream';

export interface BlobInfo { key: string; size: number; sha256: string }

/**
 * Where large artifacts live (pcaps, inventories, exports). Keys are `/`-separated paths of
 * `[A-Za-z0-9._-]` segments; implementations reject anything else.
 */
export interface BlobStore {
  /** Streams `body` in; the blob appears atomically under `key` only once fully written. */
  put(key: string, body: Readable, options?: { maxBytes?: number }): Promise<BlobInfo>;
  /** A stream of the blob, or null when it does not exist. */
  get(key: string): Promise<Readable | null>;
  stat(key: string): Promise<BlobInfo | null>;
  delete(key: string): Promise<boolean>;
  /** Readiness: proves the store can write, read back and delete right now; throws when it cannot. */
  probe(): Promise<void>;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function assertValidBlobKey(key: string): void {
  const segments = key.split('/');
  if (segments.length === 0 || segments.length > 16 || !segments.every((s) => SEGMENT.test(s) && s !== '..' && !s.endsWith('.tmp'))) {
    throw new BlobKeyError(key);
  }
}

export class BlobKeyError extends Error {
  constructor(key: string) {
    super(`invalid blob key: ${JSON.stringify(key).slice(0, 100)}`);
  }
}

export class BlobTooLargeError extends Error {
  constructor(public readonly maxBytes: number) {
    super(`blob exceeds the limit of ${maxBytes} bytes`);
  }
}
