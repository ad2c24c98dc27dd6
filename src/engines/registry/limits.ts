/** Bounds of every registry operation (a hostile or broken registry cannot make the client run away). */
export interface RegistryLimits {
  /** Per HTTP request (connect + headers + body), milliseconds. */
  requestTimeoutMs: number;
  /** Bytes of a manifest, an index or a token/catalog/tags response. */
  maxManifestBytes: number;
  /** Bytes of the image config blob. */
  maxConfigBytes: number;
  /** Layers of one image. */
  maxLayers: number;
  /** Bytes of all the blobs of one image together (compressed, as stored). */
  maxImageBytes: number;
  /** Redirects followed for one request (blob storage redirects are normal). */
  maxRedirects: number;
  /** Pages walked by a catalog or tags listing. */
  maxPages: number;
  /** Entries per page asked for (`n=`). */
  pageSize: number;
}

export const DEFAULT_REGISTRY_LIMITS: RegistryLimits = {
  requestTimeoutMs: 60_000,
  maxManifestBytes: 4 * 1024 * 1024,
  maxConfigBytes: 8 * 1024 * 1024,
  maxLayers: 256,
  maxImageBytes: 8 * 1024 * 1024 * 1024,
  maxRedirects: 5,
  maxPages: 1000,
  pageSize: 100,
};

export function resolveRegistryLimits(overrides: Partial<RegistryLimits> = {}): RegistryLimits {
  const limits = { ...DEFAULT_REGISTRY_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) throw new Error(`registry limit ${key} must be a positive integer`);
  }
  return limits;
}
