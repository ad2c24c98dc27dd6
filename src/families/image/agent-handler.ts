import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { defineAgentHandler, type AgentOptionValues } from '../../agent/handlers/handler.js';
import { uploadArtifactWithRetry } from '../../agent/handlers/upload-retry.js';
import { discoverImages } from '../../engines/image/discover.js';
import { imageLocalScanJobKind, type LocalScanImage } from './job-kinds.js';
import { runScanProcess } from './scanner.js';
import { nameAndVersion } from './image-names.js';

/**
 * `image-local-scan` on the agent: finds docker/OCI archives and OCI layouts in `--image-dirs` (and below), identifies each in the scan
 * process (skipping what is not an image, or not one of the payload's `image_ids`), scans it there (bounded heap
 * and time; clamd from `--av-socket` when given) and uploads the gzipped NDJSON report as `report-N.ndjson.gz`.
 */

const SCAN_TIMEOUT_MS = 30 * 60_000;
const HEAP_MB = 384;
const MAX_REPORT_BYTES = 1024 * 1024 * 1024;
/** Images the engine's discovery (src/engines/image/discover.ts: bounded depth, entries, sniffing; no symlinks) returns per run. */
const MAX_FOUND = 1000;
/** Images one run scans (the job result lists at most 1000); the rest count as `skipped`. */
export const MAX_SCANNED = 200;

export function parseImageDirs(value: string): string[] | null {
  const dirs = value.split(',').map((d) => d.trim()).filter(Boolean);
  if (dirs.length > 64 || dirs.some((d) => !path.isAbsolute(d) || d.length > 4096)) return null;
  return [...new Set(dirs.map((d) => path.resolve(d)))];
}

const baseName = (file: string) => path.basename(file).replace(/\.(tar|tar\.gz|tgz|tar\.zst|tar\.zstd)$/i, '');

export const imageLocalScanHandler = defineAgentHandler({
  kind: imageLocalScanJobKind,

  capability(options: AgentOptionValues) {
    const dirs = parseImageDirs(options['image-dirs'] ?? '');
    if (!dirs || dirs.length === 0) return null;
    return { image_dirs: dirs, clamd: Boolean(options['av-socket']) };
  },

  async run(ctx, capability) {
    const wanted = ctx.payload.image_ids ? new Set(ctx.payload.image_ids) : null;
    const found = await discoverImages(capability.image_dirs, { maxResults: MAX_FOUND });
    found.images.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const candidates = found.images.slice(0, MAX_SCANNED);
    const skipped = found.images.length - candidates.length + (found.truncated ? 1 : 0);
    const images: LocalScanImage[] = [];
    const clamdSocket = capability.clamd ? process.env.GUARDPOST_AV_SOCKET : undefined;
    const common = { tempDir: ctx.workDir, heapMb: HEAP_MB, timeoutMs: SCAN_TIMEOUT_MS, maxReportBytes: MAX_REPORT_BYTES, signal: ctx.signal };
    for (const [i, candidate] of candidates.entries()) {
      if (ctx.signal.aborted) return { outcome: 'cancelled', reason: 'cancelled during the image scan' };
      ctx.reportProgress(Math.min(95, Math.floor((i / candidates.length) * 95)), { phase: 'scanning', image: i + 1, of: candidates.length });
      const identity = await runScanProcess('identify', candidate.path, '-', { ...common, timeoutMs: 60_000 });
      if (!identity.ok || (wanted && !wanted.has(identity.imageId))) continue;
      const [tagName, tagVersion] = nameAndVersion(identity.repoTags?.[0]);
      const base = {
        image_id: identity.imageId, image_name: (tagName || baseName(candidate.path)).slice(0, 256), image_version: (tagVersion || 'latest').slice(0, 256),
        path: candidate.path.slice(0, 4096), size: candidate.size,
      };
      const report = path.join(ctx.workDir, `report-${i}.ndjson`);
      const outcome = await runScanProcess('scan', candidate.path, report, { ...common, ...(clamdSocket ? { clamdSocket } : {}) });
      if (!outcome.ok) {
        images.push({ ...base, scan_failed_desc: outcome.code });
        continue;
      }
      const name = `report-${i}.ndjson.gz`;
      const gz = path.join(ctx.workDir, name);
      await pipeline(createReadStream(report), createGzip(), createWriteStream(gz));
      await fsp.rm(report, { force: true });
      try {
        await uploadArtifactWithRetry(ctx, { name, file: gz, contentType: 'application/gzip', attempts: 3, untilAborted: true });
        images.push({ ...base, report: name });
      } catch (error) {
        ctx.log(`the report of ${candidate.path} could not be uploaded: ${(error as Error).message}`);
        images.push({ ...base, scan_failed_desc: 'response_timed_out' });
      } finally {
        await fsp.rm(gz, { force: true });
      }
    }
    return { outcome: 'succeeded', result: { images, skipped } };
  },
});
