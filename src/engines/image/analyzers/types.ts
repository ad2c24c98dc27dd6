/**
 * The analyzer plugin interface of the image scan: one plugin per security report type, registered in ONE list
 * (`index.ts`). A scan creates one run per plugin; during the single pass over the layers every run sees every
 * entry of every layer, bottom first (including entries a later layer deletes or replaces, which it learns in
 * `finish` through `context.isRemoved`), with the entry's bytes when it asked for them; then `finish` produces
 * its rows from the merged view, the image config, the captured files and the package inventory.
 *
 * Pure rule engines wrap in a few lines: e.g. a secrets analyzer asks `whole` bytes of text-sized files in
 * `want`, keeps `{ entry, bytes }` findings from `entry`, and maps them to rows (with `context.layer(...)`)
 * in `finish`, plus the config (`context.image.configJson`) findings.
 */
import type { ImageInventoryResult } from '../inventory.js';
import type { MergedView, OpenedImage } from '../image.js';
import type { ImageFile } from '../merged-view.js';
import type { LayerColumns, ReportRows, SecurityReportType } from '../report.js';
import type { ResolvedScanOptions } from '../scan/options.js';

/** One tar entry of one layer as the merged view recorded it (whiteout markers are not entries). */
export interface LayerEntry {
  /** path (root-relative, no leading `/`), type, size, mode, uid/gid, link target, `layer`, `content`. */
  file: ImageFile;
  /** The layer's columns (index, diff_id, created_by). */
  layer: LayerColumns & { layerIndex: number };
}

/**
 * Receives an entry's bytes chunk by chunk as the layer streams (for files too big to hold whole). A sink never
 * throws for its own failures (clamd gone): it records them and reports a problem in `finish`; a throw fails the scan.
 */
export interface ChunkSink {
  write(chunk: Buffer): Promise<void> | void;
  /** All bytes were written. */
  end(): Promise<void> | void;
  /** The entry could not be read to the end (the scan is failing); release what the sink holds. */
  abort(reason: unknown): void;
}

/**
 * How a run wants a regular file's bytes during the pass: `whole` hands them to `entry` as one Buffer (only
 * asked for files of at most `maxBytes`, which the pipeline also caps at `maxContentBytes`); `stream` feeds them
 * to a sink with backpressure. null: the header is enough.
 */
export type ByteRequest = { kind: 'whole'; maxBytes: number } | { kind: 'stream'; sink: ChunkSink };

/** What a run is created with. */
export interface AnalyzerContext {
  image: OpenedImage;
  options: ResolvedScanOptions;
  /** Aborted on timeout or by the caller: long work (clamd) must stop on it. */
  signal: AbortSignal;
}

/** The merged view's final files, bytes captured in the pass (or pass 2), looked up by final path. */
export interface CapturedFiles {
  /** The bytes of the final file at `path` (symlinks resolved inside the image), or null when not captured. */
  read(path: string): Buffer | null;
}

export interface FinishContext {
  image: OpenedImage;
  view: MergedView;
  captured: CapturedFiles;
  inventory: ImageInventoryResult;
  options: ResolvedScanOptions;
  signal: AbortSignal;
  /** The layer columns for a layer index (null → the image-wide columns). */
  layer(index: number | null): LayerColumns;
  /** True when an upper layer deleted or replaced this entry (it is not the final file at its path). */
  isRemoved(file: ImageFile): boolean;
  /** Records that this analyzer could not finish (part of) its work: an AnalyzerProblem, never silent. */
  problem(message: string): void;
}

export interface AnalyzerRun<T extends SecurityReportType> {
  /** Final files whose bytes `finish` reads through `captured` (captured in the pass when they fit the budget). */
  capture?(path: string): boolean;
  /** Asked once per entry of every layer; regular files only get bytes. */
  want?(entry: LayerEntry): ByteRequest | null;
  /** Every entry in order, with its bytes when `want` asked for `whole` (else null). */
  entry?(entry: LayerEntry, bytes: Buffer | null): Promise<void> | void;
  finish(context: FinishContext): Promise<ReportRows[T]> | ReportRows[T];
}

export interface AnalyzerPlugin<T extends SecurityReportType> {
  readonly type: T;
  create(context: AnalyzerContext): AnalyzerRun<T>;
}

/** Any registered plugin (the list holds one per report type). */
export type AnyAnalyzerPlugin = { [K in SecurityReportType]: AnalyzerPlugin<K> }[SecurityReportType];
