import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { newHexId } from '../../identity/secrets.js';
import { defineServerJob, type ServerJobRunner } from '../../workers/server-jobs.js';
import type { ImageStore } from './image-store.js';
import { imageScanJobKind } from './job-kinds.js';
import type { ReportStore } from './report-store.js';
import { stageImage, type ScanSourceDeps } from './scan-source.js';
import { runScanProcess } from './scanner.js';

/**
 * The `image-scan` server job: copies the image's stored archive (CI/CD) or pulls it from its registry (registry
 * images) into a private directory of the scanner's temp area, scans it in the scan process, stores the report (replacing the image's findings) or marks the image
 * failed with the scan's `scan_failed_desc`; the directory is removed whatever happens.
 */

export interface ScanRunnerDeps extends ScanSourceDeps { images: ImageStore; reports: ReportStore; clamdSocket?: string }

export async function privateTempDir(root: string, prefix: string): Promise<string> {
  await fsp.mkdir(root, { recursive: true, mode: 0o700 });
  const dir = await fsp.mkdtemp(path.join(root, `${prefix}-`));
  await fsp.chmod(dir, 0o700);
  return dir;
}

export function imageScanRunner(deps: ScanRunnerDeps): ServerJobRunner {
  return defineServerJob(imageScanJobKind, async ({ payload, signal }) => {
    const image = await deps.images.get(payload.image_row);
    if (!image) return { outcome: 'failed', reason: 'the image was deleted' };
    // A scan that ends in a documented failure is a finished job: the image carries the failure as scan_failed_desc.
    const fail = async (desc: string, _message: string) => {
      await deps.images.setStatus(image.id, 'failed', desc);
      return { outcome: 'succeeded' as const, result: { scan_status: 'failed', scan_failed_desc: desc.slice(0, 64), rows: {} } };
    };
    if (image.source !== 'registry' && !image.blob_key) return fail('image_not_exist_or_docker_api_fault', 'the uploaded archive is gone');
    const dir = await privateTempDir(deps.config.tempDir, `job-${newHexId(4)}`);
    try {
      await deps.images.setStatus(image.id, 'scanning');
      const staged = await stageImage(deps, image, dir, signal);
      if (!staged.ok) return await fail(staged.code, staged.message);
      const report = path.join(dir, 'report.ndjson');
      const outcome = await runScanProcess('scan', staged.path, report, {
        tempDir: dir, heapMb: deps.config.scanHeapMb, timeoutMs: deps.config.scanTimeoutMs, maxReportBytes: deps.config.maxReportBytes,
        signal, ...(deps.clamdSocket ? { clamdSocket: deps.clamdSocket } : {}),
      });
      if (!outcome.ok) return await fail(outcome.code, outcome.message);
      if (outcome.imageId !== staged.imageId) return await fail('unknown_error', `the archive is of image ${outcome.imageId}`);
      const summary = await deps.reports.store(image.id, staged.imageId, report);
      const c = summary.counts;
      return {
        outcome: 'succeeded',
        result: {
          scan_status: 'success', scan_failed_desc: '',
          rows: { apps: c.apps, files: c.files, malwares: c.malwares, 'sensitive-info': c.sensitive, 'non-compliant-app': c.nonCompliant, 'build-command-risks': c.buildRisks, vulnerabilities: c.vulns },
        },
      };
    } catch (error) {
      if (signal.aborted) throw error;
      return await fail('unknown_error', error instanceof Error ? error.message : String(error));
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
}
