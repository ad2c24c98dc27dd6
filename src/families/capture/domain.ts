import { AGENT_RESTARTED_REASON, LEASE_EXPIRED_REASON, type JobView } from '../../core/jobs.js';
import type { ResultOf } from '../../core/job-kind.js';
import type { QuotaDefinition } from '../../core/quotas.js';
import type { CAPTURE_STOP_REASONS, captureJobKind } from './job-kind.js';

/** CFW packet capture: status, stop reasons and display formats. Pure; no I/O. */

/** CFW CaptureTaskVO.status: 1 success, 2 running, 4 stopped/expired, 5 stopping, 0 abnormal. */
export type CaptureStatus = 0 | 1 | 2 | 4 | 5;

/** Why a capture ended, surfaced as the extra `stop_reason` field of ListCaptureTask records. */
export type CaptureStopReason = (typeof CAPTURE_STOP_REASONS)[number];

/** What a capture job reports at its end (declared once, by the job kind). */
export type CaptureJobResult = ResultOf<typeof captureJobKind>;

export interface CaptureJobView extends JobView {
  result: Partial<CaptureJobResult> | null;
}

export function captureStopReason(job: CaptureJobView): CaptureStopReason | null {
  if (job.result?.stop_reason) return job.result.stop_reason;
  if (job.state === 'cancelled') return 'user_stop';
  if (job.state === 'failed') {
    return job.failureReason === LEASE_EXPIRED_REASON || job.failureReason === AGENT_RESTARTED_REASON ? 'agent_lost' : 'tool_error';
  }
  return null;
}

/** The one place a capture task's CFW status comes from: its single job, plus retention. */
export function deriveCaptureStatus(job: CaptureJobView, task: { retentionExpired: boolean }): CaptureStatus {
  switch (job.state) {
    case 'queued':
      return 2;
    case 'running':
      return job.cancelRequested ? 5 : 2;
    case 'cancelled':
      return 4;
    case 'failed':
      return 0;
    case 'succeeded': {
      if (task.retentionExpired) return 4;
      const reason = captureStopReason(job);
      return reason === 'user_stop' || reason === 'agent_shutdown' ? 4 : 1;
    }
  }
}

const DAY_MS = 86_400_000;

/** Whole days of retention left, counting a started day as a day; 0 once expired. */
export function remainingDays(retentionUntil: number, now: number): number {
  return Math.max(0, Math.ceil((retentionUntil - now) / DAY_MS));
}

/** `"--"` until there is a file, then `512kb` / `3.2mb` style as in the CFW examples. */
export function formatCaptureSize(fileBytes: number | null | undefined): string {
  if (fileBytes === null || fileBytes === undefined) return '--';
  const units: Array<[string, number]> = [['gb', 1024 ** 3], ['mb', 1024 ** 2], ['kb', 1024]];
  for (const [unit, size] of units) {
    if (fileBytes >= size) {
      const value = fileBytes / size;
      return `${value >= 100 ? Math.round(value) : Number(value.toFixed(1))}${unit}`;
    }
  }
  return `${fileBytes}b`;
}

/** A fresh 6-digit access code from a uniform random integer (never a truncated hash). */
export const ACCESS_CODE_PATTERN = /^[0-9]{6}$/;

/** Upper bound on `duration` (minutes): long enough for real troubleshooting, short enough to bound disk use. */
export const MAX_CAPTURE_MINUTES = 60;
export { MAX_CAPTURE_PACKETS } from '../../engines/capture/command.js';
/** Wrong access codes before a download link locks for good. */
export const MAX_WRONG_CODES = 5;
export const MAX_ALLOWED_DOWNLOAD_IPS = 3;
/**
 * Live download links kept per capture task: each ListCaptureResult call adds one and the oldest beyond
 * this many are revoked, so repeated calls cannot grow the table while the newest links keep working.
 */
export const MAX_LIVE_LINKS_PER_TASK = 20;

export const CAPTURE_QUOTAS: readonly QuotaDefinition[] = [
  { name: 'capture.tasks_per_firewall_per_day', description: 'capture tasks one firewall may start in any 24 hours (CFW: 20)', defaultLimit: 20 },
  { name: 'capture.running_per_firewall', description: 'capture tasks running at once on one firewall (CFW: 1)', defaultLimit: 1 },
];

/** Name of the artifact a capture job uploads (the pcap); the download route serves it. */
export const CAPTURE_PCAP_ARTIFACT = 'capture.pcap';
