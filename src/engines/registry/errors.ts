/**
 * Every way a registry operation can fail, as a typed code. The image family reports it as the image's
 * `scan_failed_desc`; `authentication_failed` is also an HSS SWR failure code.
 */
export const REGISTRY_FAILURE_CODES = [
  'authentication_failed',
  'not_found',
  'digest_mismatch',
  'image_oversized',
  'unsupported_format',
  'registry_unreachable',
  'timeout',
] as const;

export type RegistryFailureCode = (typeof REGISTRY_FAILURE_CODES)[number];

export class RegistryError extends Error {
  constructor(
    readonly code: RegistryFailureCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'RegistryError';
  }
}

/** Maps a network failure (socket error, TLS, abort) to a typed one; keeps typed ones. */
export function asRegistryError(err: unknown, context: string, signal?: AbortSignal): RegistryError {
  if (err instanceof RegistryError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (signal?.aborted || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) {
    return new RegistryError('timeout', `${context}: ${message}`);
  }
  return new RegistryError('registry_unreachable', `${context}: ${message}`);
}
