import { maskReportCreatedBy } from './mask-created-by.js';
import { abortError, raceAbort } from '../abortable.js';
import { ImageReadError, asImageError } from '../errors.js';
import { layerProvenance, openImage, readFileContents, sourceKey, type OpenedImage } from '../image.js';
import { collectImageInventory, detectImageOs, inventoryWants, OS_RELEASE_PATHS } from '../inventory.js';
import { extractors } from '../../inventory/extractors.js';
import { resolveLimits } from '../../inventory/walk.js';
import { emptyReportRows, type AnalyzerProblem, type ImageScanReport, type LayerColumns, type ReportRows, type SecurityReportType } from '../report.js';
import { imageAnalyzers } from '../analyzers/index.js';
import type { AnalyzerPlugin, AnalyzerRun, FinishContext } from '../analyzers/types.js';
import { capturedFiles, isRemovedFrom } from './captured-files.js';
import { runLayerPass, type PassResult } from './layer-pass.js';
import { resolveScanOptions, type ImageScanOptions, type ResolvedScanOptions } from './options.js';
import { prepareSource } from './source.js';

export type { ImageScanOptions } from './options.js';

interface ActiveRun {
  type: SecurityReportType;
  run: Pick<AnalyzerRun<SecurityReportType>, 'capture' | 'want' | 'entry'>;
  finish(context: FinishContext, rows: ReportRows): Promise<void>;
}

/**
 * Scans one image (docker-archive, OCI archive or OCI layout) into the rows of every report type: one pass over
 * the layers feeds the merged view, the captured files and every analyzer (see `layer-pass.ts`); then the
 * inventory runs on the captured files (a bounded pass 2 reads only what did not fit the capture budget) and
 * every analyzer finishes. A failure of the image itself throws {@link ImageReadError} with its code (the
 * wall-time bound is `scan_timeout`, the caller's signal `scan_aborted`); an analyzer that cannot finish is an
 * AnalyzerProblem in the report, the other report types stand.
 */
export async function scanImage(source: string, options: ImageScanOptions = {}): Promise<ImageScanReport> {
  const started = Date.now();
  const resolved = resolveScanOptions(options);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ImageReadError('scan_timeout', `the scan took longer than ${resolved.wallTimeMs} ms`)), resolved.wallTimeMs);
  const external = options.signal;
  const onAbort = (): void => controller.abort(external ? abortError(external) : undefined);
  if (external?.aborted) onAbort();
  else external?.addEventListener('abort', onAbort, { once: true });
  const signal = controller.signal;
  let cleanup = (): Promise<void> => Promise.resolve();
  try {
    const limits = { ...resolved.limits };
    const prepared = await prepareSource(source, resolved.tempDir, limits.maxUncompressedBytes ?? Number.MAX_SAFE_INTEGER, signal);
    cleanup = prepared.cleanup;
    const image = await openImage(prepared.path, { ...(resolved.platform ? { platform: resolved.platform } : {}), limits, signal, ...(resolved.repoTag !== undefined ? { repoTag: resolved.repoTag } : {}) });
    return await scanOpened(image, resolved, signal, started);
  } catch (err) {
    if (signal.aborted) throw abortError(signal);
    throw asImageError(err, 'corrupt_layer', 'image scan');
  } finally {
    clearTimeout(timer);
    external?.removeEventListener('abort', onAbort);
    await cleanup();
  }
}

async function scanOpened(image: OpenedImage, options: ResolvedScanOptions, signal: AbortSignal, started: number): Promise<ImageScanReport> {
  const wanted = new Set(options.reportTypes ?? imageAnalyzers.all.map((a) => a.type));
  const runs = imageAnalyzers.all.filter((a) => wanted.has(a.type)).map((plugin) => activate(plugin, image, options, signal));
  const inventoryLimits = resolveLimits();
  const pass = await runLayerPass(
    image,
    runs.map((r) => r.run),
    {
      budgetBytes: options.captureBudgetBytes,
      wants: (file) =>
        OS_RELEASE_PATHS.includes(file.path) || inventoryWants(extractors.all, inventoryLimits, file.path, file.size) || runs.some((r) => r.run.capture?.(file.path) ?? false),
    },
    signal,
  );
  await readMissedCaptures(image, pass, runs, options.maxContentBytes);
  const inventory = await collectImageInventory(image, { view: pass.view, captured: pass.view.captured });
  const problems: AnalyzerProblem[] = [];
  const rows = emptyReportRows();
  const captured = capturedFiles(pass.view, image.limits.maxLinkHops);
  for (const active of runs) {
    const context: FinishContext = {
      image,
      view: pass.view,
      captured,
      inventory,
      options,
      signal,
      layer: (index) => layerColumns(image, index),
      isRemoved: (file) => isRemovedFrom(pass.view, file),
      problem: (message) => void problems.push({ type: active.type, message }),
    };
    try {
      await raceAbort(active.finish(context, rows), signal);
    } catch (err) {
      if (signal.aborted || err instanceof ImageReadError) throw err;
      problems.push({ type: active.type, message: err instanceof Error ? err.message : String(err) });
    }
  }
  const layers = image.layers.map((l, i) => ({ index: l.index, diffId: l.diffId, createdBy: l.createdBy, size: pass.layerBytes[i] ?? 0 }));
  maskReportCreatedBy(rows, layers);
  const regularFiles = [...pass.view.files.values()].filter((f) => f.type === 'file' || f.type === 'hardlink').length;
  return {
    imageId: image.imageId,
    format: image.format,
    repoTags: image.repoTags,
    os: inventory.os ?? detectImageOs(image, pass.view),
    architecture: image.config.architecture ?? '',
    layers,
    rows,
    problems,
    stats: { files: regularFiles, bytes: pass.layerBytes.reduce((a, b) => a + b, 0), durationMs: Date.now() - started },
  };
}

/** Binds one plugin's run to its own report type (so the rows land in their own slot, typed). */
function activate<T extends SecurityReportType>(plugin: AnalyzerPlugin<T>, image: OpenedImage, options: ResolvedScanOptions, signal: AbortSignal): ActiveRun {
  const run = plugin.create({ image, options, signal });
  return {
    type: plugin.type,
    run,
    finish: async (context, rows) => {
      rows[plugin.type] = await run.finish(context);
    },
  };
}

/** Files the analyzers read in `finish` that did not fit the capture budget: one bounded re-read of their layers. */
async function readMissedCaptures(image: OpenedImage, pass: PassResult, runs: readonly ActiveRun[], maxBytes: number): Promise<void> {
  const missed = [...pass.view.files.values()].filter(
    (f) => f.type === 'file' && f.size <= maxBytes && !pass.view.captured.has(sourceKey(f.content)) && runs.some((r) => r.run.capture?.(f.path) ?? false),
  );
  if (missed.length === 0) return;
  await readFileContents(image, missed, async (file, bytes) => {
    pass.view.captured.set(sourceKey(file.content), bytes);
  }, maxBytes);
}

function layerColumns(image: OpenedImage, index: number | null): LayerColumns {
  if (index === null) return { layerIndex: null, layerDigest: '', createdBy: '' };
  const p = layerProvenance(image, index);
  return { layerIndex: p.index, layerDigest: p.diffId, createdBy: p.createdBy };
}
