import { raceAbort } from '../abortable.js';
import { ImageReadError } from '../errors.js';
import { layerProvenance, sourceKey, type MergedView, type OpenedImage } from '../image.js';
import { ByteBudget, streamLayer } from '../layer-stream.js';
import { MergedViewBuilder, type ImageFile } from '../merged-view.js';
import type { TarBody } from '../tar-read.js';
import type { ByteRequest, ChunkSink, LayerEntry } from '../analyzers/types.js';

/** One analyzer run as the pass drives it. */
export interface PassListener {
  want?(entry: LayerEntry): ByteRequest | null;
  entry?(entry: LayerEntry, bytes: Buffer | null): Promise<void> | void;
}

/** Which final files to keep the bytes of (for the extractors and the analyzers' `finish`). */
export interface CapturePlan {
  wants(file: ImageFile): boolean;
  /** Total bytes held at once; a file that does not fit is left for pass 2. */
  budgetBytes: number;
}

export interface PassResult {
  view: MergedView;
  /** Uncompressed bytes per layer. */
  layerBytes: number[];
  entries: number;
}

/**
 * The one pass: streams every layer once, bottom first, and per tar entry (1) applies it to the merged view,
 * (2) asks every listener whether it wants the bytes, (3) reads the body at most once, handing it whole to those
 * who asked `whole`, chunk by chunk to the `stream` sinks, and keeping it when the capture plan wants it and it
 * fits the budget, (4) tells every listener about the entry. After each layer, captures the layer made obsolete
 * (replaced or deleted files) are dropped, so the budget holds only final files.
 */
export async function runLayerPass(image: OpenedImage, listeners: readonly PassListener[], plan: CapturePlan, signal: AbortSignal): Promise<PassResult> {
  const builder = new MergedViewBuilder(image.limits.maxHeaderBytes);
  const captured = new Map<string, Buffer>();
  const capturedPaths = new Map<string, string>();
  let capturedBytes = 0;
  const budget = new ByteBudget(image.limits.maxUncompressedBytes);
  const layerBytes: number[] = [];
  let entries = 0;
  for (const layer of image.layers) {
    const provenance = layerProvenance(image, layer.index);
    const columns = { layerIndex: layer.index, layerDigest: provenance.diffId, createdBy: provenance.createdBy };
    const { bytes } = await streamLayer(image.files, layer, image.limits, budget, async (header, body, index) => {
      if (++entries > image.limits.maxEntries) throw new ImageReadError('too_many_files', `over ${image.limits.maxEntries} entries in the image`);
      const file = builder.add(layer.index, index, header);
      if (!file) return;
      const entry: LayerEntry = { file, layer: columns };
      const requests = listeners.map((l) => (file.type === 'file' ? (l.want?.(entry) ?? null) : null));
      const keep = file.type === 'file' && plan.wants(file) && capturedBytes + file.size <= plan.budgetBytes;
      const wholeMax = Math.max(keep ? file.size : -1, ...requests.map((r) => (r?.kind === 'whole' && file.size <= r.maxBytes ? file.size : -1)));
      const sinks = requests.flatMap((r) => (r?.kind === 'stream' ? [r.sink] : []));
      const bytes = wholeMax >= 0 || sinks.length > 0 ? await raceAbort(readEntry(body, file.size, wholeMax >= 0, sinks), signal) : null;
      if (keep && bytes) {
        captured.set(sourceKey(file.content), bytes);
        capturedPaths.set(sourceKey(file.content), file.path);
        capturedBytes += bytes.length;
      }
      for (const [i, listener] of listeners.entries()) {
        const request = requests[i];
        const handed = request?.kind === 'whole' && file.size <= request.maxBytes ? bytes : null;
        await raceAbort(listener.entry?.(entry, handed), signal);
      }
    });
    layerBytes.push(bytes);
    for (const [key, filePath] of capturedPaths) {
      const final = builder.files.get(filePath);
      if (final && sourceKey(final.content) === key) continue;
      capturedBytes -= captured.get(key)?.length ?? 0;
      captured.delete(key);
      capturedPaths.delete(key);
    }
  }
  return { view: { files: builder.files, removed: builder.removed, captured }, layerBytes, entries };
}

/** Reads one entry body once: into one Buffer when `whole`, and through every sink (with backpressure). */
async function readEntry(body: TarBody, size: number, whole: boolean, sinks: readonly ChunkSink[]): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      if (!Buffer.isBuffer(chunk)) continue;
      total += chunk.length;
      if (total > size) throw new ImageReadError('corrupt_layer', `an entry holds more than its ${size} bytes`);
      if (whole) chunks.push(chunk);
      for (const sink of sinks) await sink.write(chunk);
    }
    for (const sink of sinks) await sink.end();
  } catch (err) {
    for (const sink of sinks) sink.abort(err);
    throw err;
  }
  return whole ? Buffer.concat(chunks, total) : null;
}
