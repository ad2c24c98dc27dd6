import path from 'node:path';
import { intFromEnv } from '../../config.js';

/** Image-family settings, read from the environment when the family starts. */
export interface ImageConfig {
  /** Largest CI/CD upload accepted (`GUARDPOST_IMAGE_MAX_UPLOAD_BYTES`); more is answered 413. */
  maxUploadBytes: number;
  /** Wall-time bound of one scan (`GUARDPOST_IMAGE_SCAN_TIMEOUT_SECONDS`); the scan process is killed past it. */
  scanTimeoutMs: number;
  /** V8 heap bound of the scan process, MB (`GUARDPOST_IMAGE_SCAN_HEAP_MB`). */
  scanHeapMb: number;
  /** The scanner's temp area (`GUARDPOST_IMAGE_TEMP_DIR`, default `$GUARDPOST_HOME/image-scan`): uploads and scans live here only. */
  tempDir: string;
  /** Largest report (NDJSON, uncompressed) the server accepts from a scan or an agent (`GUARDPOST_IMAGE_MAX_REPORT_BYTES`). */
  maxReportBytes: number;
  /** clamd unix socket the server's scans send every file to (`GUARDPOST_IMAGE_CLAMD_SOCKET`); without it `malwares` is an analyzer problem. */
  clamdSocket?: string;
}

export function loadImageConfig(env: Readonly<NodeJS.ProcessEnv>, home: string): ImageConfig {
  return {
    maxUploadBytes: intFromEnv(env, 'GUARDPOST_IMAGE_MAX_UPLOAD_BYTES', 4 * 1024 * 1024 * 1024),
    scanTimeoutMs: intFromEnv(env, 'GUARDPOST_IMAGE_SCAN_TIMEOUT_SECONDS', 1800) * 1000,
    scanHeapMb: intFromEnv(env, 'GUARDPOST_IMAGE_SCAN_HEAP_MB', 384),
    tempDir: path.resolve(env.GUARDPOST_IMAGE_TEMP_DIR || path.join(home, 'image-scan')),
    maxReportBytes: intFromEnv(env, 'GUARDPOST_IMAGE_MAX_REPORT_BYTES', 1024 * 1024 * 1024),
    ...(env.GUARDPOST_IMAGE_CLAMD_SOCKET ? { clamdSocket: path.resolve(env.GUARDPOST_IMAGE_CLAMD_SOCKET) } : {}),
  };
}
