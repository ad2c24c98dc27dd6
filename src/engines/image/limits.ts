/** Bounds of one image read; every one ends the read with a typed failure when crossed. */
export interface ImageLimits {
  /** Uncompressed bytes of all layers together, per pass (`image_oversized`; stops decompression bombs). */
  maxUncompressedBytes: number;
  /** Tar entries over all layers (`too_many_files`). */
  maxEntries: number;
  /** One PAX / GNU long-name header, and one entry path or link target (`header_too_large`). */
  maxHeaderBytes: number;
  /** manifest.json, index.json, an image manifest or config (`image_oversized`). */
  maxMetadataBytes: number;
  /** Layers in one image (`unsupported_format`). */
  maxLayers: number;
  /** Symlink hops while resolving one path in the merged view (more is a loop: `unsafe_link`). */
  maxLinkHops: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxUncompressedBytes: 8 * 1024 * 1024 * 1024,
  maxEntries: 1_000_000,
  maxHeaderBytes: 64 * 1024,
  maxMetadataBytes: 4 * 1024 * 1024,
  maxLayers: 256,
  maxLinkHops: 40,
};

export function resolveImageLimits(overrides: Partial<ImageLimits> = {}): ImageLimits {
  return { ...DEFAULT_IMAGE_LIMITS, ...overrides };
}
