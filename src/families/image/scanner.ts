import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs the scan process (scan-child.ts) on an archive: a separate Node process with a bounded heap, killed (by
 * its pid) on timeout or abort, whose stdout is bounded. Its outcome is the last JSON line it printed; a crash
 * (out of memory, a signal) is `unknown_error`, a timeout `response_timed_out`.
 */

const CHILD = fileURLToPath(new URL('./scan-child.js', import.meta.url));
const MAX_STDOUT = 64 * 1024;

export interface ScanProcessOptions {
  tempDir: string;
  heapMb: number;
  timeoutMs: number;
  maxReportBytes: number;
  clamdSocket?: string;
  signal?: AbortSignal;
}

export type ScanOutcome =
  | { ok: true; imageId: string; repoTags?: string[] }
  | { ok: false; code: string; message: string };

function lastJsonLine(text: string): unknown {
  const lines = text.trim().split('\n').reverse();
  for (const line of lines) {
    try {
      return JSON.parse(line);
    } catch {
      // not the outcome line
    }
  }
  return null;
}

function outcomeOf(value: unknown): ScanOutcome | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.ok === true && typeof v.imageId === 'string' && /^sha256:[a-f0-9]{64}$/.test(v.imageId)) {
    const tags = Array.isArray(v.repoTags) ? v.repoTags.filter((t): t is string => typeof t === 'string').slice(0, 64).map((t) => t.slice(0, 512)) : [];
    return { ok: true, imageId: v.imageId, repoTags: tags };
  }
  if (v.ok === false && typeof v.code === 'string') return { ok: false, code: v.code.slice(0, 64), message: String(v.message ?? '').slice(0, 1000) };
  return null;
}

export function runScanProcess(mode: 'identify' | 'scan', image: string, out: string, options: ScanProcessOptions): Promise<ScanOutcome> {
  const childOptions = {
    tempDir: options.tempDir, maxReportBytes: options.maxReportBytes, wallTimeMs: options.timeoutMs,
    ...(options.clamdSocket ? { clamdSocket: options.clamdSocket } : {}),
  };
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${options.heapMb}`, '--max-semi-space-size=16', CHILD, mode, image, out, JSON.stringify(childOptions)], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', NODE_ENV: process.env.NODE_ENV ?? '' },
    });
    let stdout = '';
    let stderr = '';
    let reason: ScanOutcome | null = null;
    child.stdout.on('data', (chunk: Buffer) => { if (stdout.length < MAX_STDOUT) stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4096); });
    const kill = (outcome: ScanOutcome) => {
      reason ??= outcome;
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => kill({ ok: false, code: 'response_timed_out', message: `the scan took longer than ${options.timeoutMs} ms` }), options.timeoutMs + 5000);
    const onAbort = () => kill({ ok: false, code: 'scan_aborted', message: 'the scan was cancelled' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (reason) return resolve(reason);
      const outcome = outcomeOf(lastJsonLine(stdout));
      if (outcome) return resolve(outcome);
      resolve({ ok: false, code: 'unknown_error', message: `the scan process ended (${signal ?? `exit ${code}`}) without an outcome: ${stderr.trim().slice(-500)}` });
    });
  });
}
