/**
 * Every way an image read can fail, as a typed code (the image family reports it as `scan_failed_desc`).
 * Hostile input always ends in one of these, never in an untyped crash.
 */
export const IMAGE_FAILURE_CODES = [
  'unsafe_path',
  'unsafe_link',
  'image_oversized',
  'too_many_files',
  'header_too_large',
  'corrupt_layer',
  'unsupported_format',
  /** The scan's wall-time bound passed (a hung or slow source, analyzer or clamd). */
  'scan_timeout',
  /** The caller aborted the scan (its AbortSignal). */
  'scan_aborted',
] as const;

export type ImageFailureCode = (typeof IMAGE_FAILURE_CODES)[number];

export class ImageReadError extends Error {
  constructor(
    readonly code: ImageFailureCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ImageReadError';
  }
}

/** Maps anything thrown while reading (zlib, fzstd, tar-stream, JSON) to a typed failure; keeps typed ones. */
export function asImageError(err: unknown, fallback: ImageFailureCode, context: string): ImageReadError {
  if (err instanceof ImageReadError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ImageReadError(fallback, `${context}: ${message}`);
}
