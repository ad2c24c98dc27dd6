import { extractors as registry } from '../inventory/extractors.js';
import { osInfoFromText } from '../inventory/os-release.js';
import type { Extractor, ExtractorStatus, InventoryLimits, InventoryPackage, InventoryResult, OsInfo } from '../inventory/types.js';
import { comparePackages, resolveLimits, safeRequired } from '../inventory/walk.js';
import { buildMergedView, layerProvenance, readFileContents, sourceKey, type MergedView, type OpenedImage } from './image.js';
import type { ImageFile } from './merged-view.js';
import { resolveInView } from './view-path.js';

/** An inventory package with the layer that holds the file it was found in. */
export interface ImagePackage extends InventoryPackage {
  /** 0 = bottom layer. */
  layerIndex: number;
  /** The layer's diff_id, `sha256:…`. */
  layerDigest: string;
  /** `created_by` of the layer's history entry. */
  createdBy: string;
}

export interface ImageInventoryResult extends Omit<InventoryResult, 'packages'> {
  packages: ImagePackage[];
}

export interface ImageInventoryOptions {
  extractors?: readonly Extractor[];
  /** The walk's limits (`maxBytes` read by extractors, `maxEntries`, `skipDirs`, …); `maxDepth` does not apply. */
  limits?: Partial<InventoryLimits>;
  /** A merged view already built (by the caller's one pass over the layers). */
  view?: MergedView;
  /**
   * Bytes already captured in that pass, by {@link sourceKey}: wanted files found here are not read again; only
   * the rest are read in pass 2 (re-streaming only the layers that hold them).
   */
  captured?: ReadonlyMap<string, Buffer>;
}

/**
 * Whether any of `extractors` wants this regular file (path, size): the test the one-pass scanner applies to every
 * entry of every layer to decide what to capture, and this inventory to every final file.
 */
export function inventoryWants(extractors: readonly Extractor[], limits: InventoryLimits, path: string, size: number): boolean {
  if (limits.skipDirs.some((d) => path.startsWith(`${d}/`))) return false;
  return extractors.some((e) => {
    try {
      return size <= e.maxFileBytes && e.fileRequired({ path, size: () => size });
    } catch {
      return false; // reported by the inventory run itself
    }
  });
}

/** Where os-release lives, in the order systemd documents; captured during pass 1 (either may be a symlink to the other). */
export const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'];
const MAX_OS_RELEASE_BYTES = 64 * 1024;

/**
 * Runs the inventory extractors over an image's merged view, exactly as `collectInventory` does over a
 * directory: each extractor's `fileRequired` sees every final regular file (and hard link) with its size, and
 * `extract` gets the bytes, read by re-streaming only the layers that hold wanted files. Packages carry the
 * layer of the file they came from. Throws {@link ImageReadError} when the image itself cannot be read.
 */
export async function collectImageInventory(image: OpenedImage, options: ImageInventoryOptions = {}): Promise<ImageInventoryResult> {
  const started = Date.now();
  const limits = resolveLimits(options.limits);
  const extractors = options.extractors ?? registry.all;
  const view = options.view ?? (await buildMergedView(image, { paths: new Set(OS_RELEASE_PATHS), maxBytes: MAX_OS_RELEASE_BYTES }));
  const os = detectImageOs(image, view);
  const statuses: ExtractorStatus[] = extractors.map((e) => ({ name: e.name, version: e.version, files: 0, packages: 0, errors: [] }));
  const stats: InventoryResult['stats'] = { entries: 0, bytesRead: 0, skippedLarge: 0, unreadable: 0, truncated: false, durationMs: 0 };
  const truncate = (reason: string): void => {
    stats.truncated = true;
    stats.truncatedReason ??= reason;
  };
  const wanted = new Map<ImageFile, number[]>();
  for (const file of view.files.values()) {
    if (stats.entries >= limits.maxEntries) {
      truncate('maxEntries');
      break;
    }
    stats.entries++;
    if ((file.type !== 'file' && file.type !== 'hardlink') || limits.skipDirs.some((d) => file.path.startsWith(`${d}/`))) continue;
    const indexes: number[] = [];
    extractors.forEach((extractor, i) => {
      if (!safeRequired(extractor, statuses[i] as ExtractorStatus, file.path, () => file.size)) return;
      if (file.size > extractor.maxFileBytes) stats.skippedLarge++;
      else indexes.push(i);
    });
    if (indexes.length > 0) wanted.set(file, indexes);
  }
  const packages: ImagePackage[] = [];
  const onFile = async (file: ImageFile, bytes: Buffer): Promise<void> => {
    if (stats.truncated) return;
    if (stats.bytesRead + bytes.length > limits.maxBytes) return truncate('maxBytes');
    if (Date.now() - started > limits.maxMs) return truncate('maxMs');
    stats.bytesRead += bytes.length;
    const provenance = layerProvenance(image, file.layer);
    for (const index of wanted.get(file) ?? []) {
      const found = await runExtractor(extractors[index] as Extractor, statuses[index] as ExtractorStatus, file, bytes, os);
      packages.push(...found.map((p) => ({ ...p, layerIndex: provenance.index, layerDigest: provenance.diffId, createdBy: provenance.createdBy })));
    }
  };
  const uncaptured: ImageFile[] = [];
  for (const file of wanted.keys()) {
    const bytes = options.captured?.get(sourceKey(file.content));
    if (bytes) await onFile(file, bytes);
    else uncaptured.push(file);
  }
  const maxFileBytes = Math.max(0, ...uncaptured.flatMap((f) => wanted.get(f) ?? []).map((i) => (extractors[i] as Extractor).maxFileBytes));
  if (uncaptured.length > 0) await readFileContents(image, uncaptured, onFile, maxFileBytes);
  stats.durationMs = Date.now() - started;
  return { os, packages: packages.sort(comparePackages), extractors: statuses, stats };
}

async function runExtractor(extractor: Extractor, status: ExtractorStatus, file: ImageFile, bytes: Buffer, os: OsInfo | null): Promise<InventoryPackage[]> {
  status.files++;
  try {
    const report = (message: string): void => void status.errors.push({ path: file.path, message });
    const found = await extractor.extract({ path: file.path, size: bytes.length, read: () => Promise.resolve(bytes), os, report });
    status.packages += found.length;
    return found;
  } catch (err) {
    status.errors.push({ path: file.path, message: err instanceof Error ? err.message : String(err) });
    return [];
  }
}

/** The image's OS from os-release in the merged view (symlinks resolved inside the image), or null. */
export function detectImageOs(image: OpenedImage, view: MergedView): OsInfo | null {
  for (const candidate of OS_RELEASE_PATHS) {
    const file = resolveInView(view.files, candidate, image.limits.maxLinkHops);
    const bytes = file && file.type === 'file' ? view.captured.get(sourceKey(file.content)) : undefined;
    const info = bytes ? osInfoFromText(bytes.toString('utf8')) : null;
    if (info) return info;
  }
  return null;
}
