import { promises as fsp } from 'node:fs';
import { indexTarArchive, openLayoutDirectory, type ArchiveFiles } from './archive-files.js';
import { abortable, raceAbort } from './abortable.js';
import { ImageReadError, asImageError } from './errors.js';
import { ByteBudget, readBody, streamLayer } from './layer-stream.js';
import { resolveImageLimits, type ImageLimits } from './limits.js';
import { MergedViewBuilder, type ContentSource, type ImageFile, type RemovedFile } from './merged-view.js';
import { DEFAULT_PLATFORM, resolveImage, type LayerRef, type Platform, type ResolvedImage } from './resolve.js';

export interface OpenImageOptions {
  /** The platform picked from an image index / manifest list (default linux/amd64). */
  platform?: Platform;
  limits?: Partial<ImageLimits>;
  /** Aborting it ends every read of the image at once with its typed reason (`scan_timeout`) or `scan_aborted`. */
  signal?: AbortSignal;
  /** Of a docker-archive holding several images: the one with this repo tag (default: the first image). */
  repoTag?: string;
}

export interface OpenedImage extends ResolvedImage {
  source: string;
  limits: ImageLimits;
  files: ArchiveFiles;
  signal?: AbortSignal;
}

export interface MergedView {
  /** The final filesystem: path → the entry the topmost layer left there. */
  files: Map<string, ImageFile>;
  /** Entries lower layers wrote that upper layers removed or replaced, with the layer that did it. */
  removed: RemovedFile[];
  /** Small files captured in the same pass (`capture` option), keyed by {@link sourceKey}. */
  captured: Map<string, Buffer>;
}

export const sourceKey = (source: ContentSource): string => `${source.layer}:${source.entry}`;

/**
 * Opens a docker-archive or OCI archive (plain, gzip or zstd tar file) or an OCI layout directory: indexes the
 * archive, reads manifest and config, picks the platform. Nothing is unpacked to disk. Every failure is an
 * {@link ImageReadError} with its code.
 */
export async function openImage(source: string, options: OpenImageOptions = {}): Promise<OpenedImage> {
  const limits = resolveImageLimits(options.limits);
  return guarded('unsupported_format', 'open', async () => {
    const stat = await fsp.stat(source).catch(() => null);
    if (!stat) throw new ImageReadError('unsupported_format', `${source}: no such file or directory`);
    const opened = stat.isDirectory() ? await openLayoutDirectory(source) : await indexTarArchive(source, limits, options.signal);
    const files = withSignal(opened, options.signal);
    const resolved = await resolveImage(files, options.platform ?? DEFAULT_PLATFORM, limits, options.repoTag);
    return { ...resolved, source, limits, files, ...(options.signal ? { signal: options.signal } : {}) };
  });
}

/**
 * Pass 1: streams every layer once, bottom first, and builds the merged view from the tar headers (whiteouts,
 * opaque directories, replacements), verifying every layer's digests. `capture` names small regular files whose
 * bytes are kept from this same pass (up to `captureMaxBytes` each), e.g. os-release.
 */
export async function buildMergedView(image: OpenedImage, capture: { paths: ReadonlySet<string>; maxBytes: number } = { paths: new Set(), maxBytes: 0 }): Promise<MergedView> {
  return guarded('corrupt_layer', 'merged view', async () => {
    const builder = new MergedViewBuilder(image.limits.maxHeaderBytes);
    const captured = new Map<string, Buffer>();
    const budget = new ByteBudget(image.limits.maxUncompressedBytes);
    let entries = 0;
    for (const layer of image.layers) {
      await streamLayer(image.files, layer, image.limits, budget, async (header, body, entry) => {
        if (++entries > image.limits.maxEntries) throw new ImageReadError('too_many_files', `over ${image.limits.maxEntries} entries in the image`);
        const file = builder.add(layer.index, entry, header);
        if (file?.type === 'file' && capture.paths.has(file.path) && file.size <= capture.maxBytes) {
          captured.set(sourceKey(file.content), await readBody(body, capture.maxBytes));
        }
      });
    }
    return { files: builder.files, removed: builder.removed, captured };
  });
}

/**
 * Pass 2: the bytes of chosen files, by re-streaming only the layers that hold them, bottom first; each file is
 * handed over as soon as its entry has been read (memory: one file at a time, at most `maxFileBytes`). Hard links
 * get their target's bytes. The layers are verified again while re-streamed.
 */
export async function readFileContents(
  image: OpenedImage,
  files: readonly ImageFile[],
  onFile: (file: ImageFile, bytes: Buffer) => Promise<void>,
  maxFileBytes: number,
): Promise<void> {
  return guarded('corrupt_layer', 'file contents', async () => {
    const wanted = new Map<string, ImageFile[]>();
    for (const file of files) {
      const key = sourceKey(file.content);
      const list = wanted.get(key);
      if (list) list.push(file);
      else wanted.set(key, [file]);
    }
    const layers = new Set(files.map((f) => f.content.layer));
    const budget = new ByteBudget(image.limits.maxUncompressedBytes);
    for (const layer of image.layers.filter((l) => layers.has(l.index))) {
      await streamLayer(image.files, layer, image.limits, budget, async (_header, body, entry) => {
        const readers = wanted.get(`${layer.index}:${entry}`);
        if (!readers) return;
        const bytes = await readBody(body, maxFileBytes);
        for (const file of readers) await onFile(file, bytes);
      });
    }
  });
}

/** The layer facts to attach to a finding from a file on `layer`. */
export function layerProvenance(image: OpenedImage, layer: number): Pick<LayerRef, 'index' | 'diffId' | 'createdBy'> {
  const ref = image.layers[layer];
  return { index: layer, diffId: ref?.diffId ?? '', createdBy: ref?.createdBy ?? '' };
}

/** Every member stream of `files` ends at once with a typed failure when `signal` aborts. */
function withSignal(files: ArchiveFiles, signal: AbortSignal | undefined): ArchiveFiles {
  if (!signal) return files;
  return { has: (name) => files.has(name), open: (name) => abortable(files.open(name), signal), read: (name, maxBytes) => raceAbort(files.read(name, maxBytes), signal) };
}

async function guarded<T>(fallback: ImageReadError['code'], context: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw asImageError(err, fallback, context);
  }
}
