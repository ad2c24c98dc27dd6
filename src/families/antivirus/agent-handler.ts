import { readdirSync, readFileSync, existsSync, promises as fsp } from 'node:fs';
import { defineAgentHandler, type AgentOptionValues } from '../../agent/handlers/handler.js';
import { unmetReason } from '../../agent/engine-deps.js';
import { findExecutable } from '../../engines/capture/tools.js';
import {
  ClamdSupervisor, DEFAULT_CLAMD_WORK_DIR, endLeftoverClamd, guardpostSignatureDir, hostFullScanRoots, isDatabaseFile, OFFICIAL_DATABASE_DIR, runTreeScan,
  type TreeScanResult,
} from '../../engines/antivirus/index.js';
import { MAX_DETECTIONS_STORED } from './domain.js';
import { DetectionStream } from './detection-stream.js';
import { avScanJobKind, type AvDetection, type AvScanProgressDetail, type AvScanResult } from './job-kind.js';
import { fileModeText } from './file-mode.js';
import { quickRootsFor } from './quick-roots.js';
import { antivirusRequirement } from './requirements.js';

/**
 * Runs `av-scan` jobs with the antivirus engine. The agent keeps one ClamdSupervisor for its whole life, started
 * by the first scan (clamd takes long to load the official database) and stopped by `close()` when the agent
 * stops; with `--av-socket` it talks to that clamd instead. The capability says `available: false` with the
 * reason when clamd or a signature database is missing, and a scan on such a host fails with that reason.
 * At the agent's first check-in it ends a clamd that a killed previous agent of the same work directory left running.
 */

const CAPABILITY_TTL_MS = 30_000;
/** After clamd could not start, the agent reports it unavailable for this long before trying again. */
const RETRY_AFTER_MS = 5 * 60_000;
const PROGRESS_EVERY_MS = 1000;

interface EngineState {
  key: string;
  supervisor: ClamdSupervisor | null;
  /** The one start of `supervisor` every scan waits for (start() twice would spawn a second clamd). */
  started: Promise<void> | null;
  failure: { reason: string; at: number } | null;
}

let engine: EngineState | null = null;
let capabilityCache: { key: string; at: number; value: { engine: 'clamd'; available: boolean; reason: string } } | null = null;
let lastOptions: AgentOptionValues = {};
/** The cleanup of a previous agent's clamd, per work directory (started with the first capability check). */
const leftoverCleanups = new Map<string, Promise<unknown>>();

function endLeftover(options: AgentOptionValues): Promise<unknown> {
  if (options['av-socket']) return Promise.resolve();
  const workDir = options['av-work-dir'] || DEFAULT_CLAMD_WORK_DIR;
  const clamd = options['av-clamd'] || findExecutable('clamd');
  let cleanup = leftoverCleanups.get(workDir);
  if (!cleanup) {
    cleanup = clamd ? endLeftoverClamd(workDir, clamd).catch(() => null) : Promise.resolve();
    leftoverCleanups.set(workDir, cleanup);
  }
  return cleanup;
}

const optionsKey = (o: AgentOptionValues) => JSON.stringify([o['av-socket'] ?? '', o['av-work-dir'] ?? '', o['av-clamd'] ?? '']);

function hasDatabaseFiles(dir: string): boolean {
  try {
    return readdirSync(dir, { withFileTypes: true }).some((e) => e.isFile() && isDatabaseFile(e.name));
  } catch {
    return false;
  }
}

/** Why this host cannot scan, or null (cheap: called with every check-in, cached for 30 s). */
function unavailableReason(options: AgentOptionValues): string | null {
  if (engine?.failure && Date.now() - engine.failure.at < RETRY_AFTER_MS) return engine.failure.reason;
  const socket = options['av-socket'] ?? '';
  if (socket) return existsSync(socket) ? null : `the configured clamd socket ${socket} does not exist`;
  const missing = unmetReason(antivirusRequirement, options);
  if (missing) return missing;
  if (!hasDatabaseFiles(guardpostSignatureDir()) && !hasDatabaseFiles(OFFICIAL_DATABASE_DIR)) {
    return `no signature database: ${OFFICIAL_DATABASE_DIR} is empty (run freshclam) and Guardpost's signatures are missing`;
  }
  return null;
}

/** The agent's supervisor for these options, started once (a new one after the previous became unavailable). */
async function readySupervisor(options: AgentOptionValues): Promise<ClamdSupervisor> {
  await endLeftover(options);
  const key = optionsKey(options);
  if (engine && engine.key !== key) void engine.supervisor?.stop();
  if (!engine || engine.key !== key) engine = { key, supervisor: null, started: null, failure: null };
  const state = engine.supervisor?.state;
  if (!engine.supervisor || state === 'unavailable' || state === 'stopped') {
    const socket = options['av-socket'] ?? '';
    const workDir = options['av-work-dir'] ?? '';
    const clamdPath = options['av-clamd'] ?? '';
    const supervisor = new ClamdSupervisor({ ...(socket ? { existingSocket: socket } : {}), ...(workDir ? { workDir } : {}), ...(clamdPath ? { clamdPath } : {}) });
    engine.supervisor = supervisor;
    engine.started = supervisor.start();
  }
  await engine.started;
  return engine.supervisor;
}

let owners: Map<number, string> | null = null;
function ownerName(uid: number): string {
  if (!owners) {
    owners = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n').slice(0, 100_000)) {
        const f = line.split(':');
        if (f.length >= 3 && /^\d+$/.test(f[2] as string)) owners.set(Number(f[2]), (f[0] as string).slice(0, 64));
      }
    } catch {
      // no passwd: numeric owners
    }
  }
  return owners.get(uid) ?? String(uid);
}

async function describe(d: TreeScanResult['detections'][number], foundAt: number): Promise<AvDetection> {
  const base = { path: d.path, signature: d.signature.slice(0, 512), sha256: d.sha256, size: d.size, found_at: foundAt };
  try {
    const st = await fsp.lstat(d.path);
    return { ...base, mode: fileModeText(st.mode), owner: ownerName(st.uid), mtime_ms: Math.floor(st.mtimeMs), ctime_ms: Math.floor(st.ctimeMs) };
  } catch {
    return { ...base, mode: '', owner: '', mtime_ms: 0, ctime_ms: 0 };
  }
}

function concurrencyOf(options: AgentOptionValues): number | undefined {
  const n = Number(options['av-concurrency'] ?? '');
  return Number.isInteger(n) && n >= 1 && n <= 64 ? n : undefined;
}

export const antivirusHandler = defineAgentHandler({
  kind: avScanJobKind,

  capability(options) {
    lastOptions = options;
    void endLeftover(options);
    const key = optionsKey(options);
    if (!capabilityCache || capabilityCache.key !== key || Date.now() - capabilityCache.at > CAPABILITY_TTL_MS) {
      const reason = unavailableReason(options);
      capabilityCache = { key, at: Date.now(), value: { engine: 'clamd', available: reason === null, reason: reason ?? '' } };
    }
    return capabilityCache.value;
  },

  async run(ctx, capability) {
    if (!capability.available) return { outcome: 'failed', reason: `antivirus engine unavailable: ${capability.reason}` };
    const { payload } = ctx;
    const options = lastOptions;
    let supervisor: ClamdSupervisor;
    try {
      supervisor = await readySupervisor(options);
    } catch (error) {
      const reason = `clamd could not start: ${(error as Error).message}`.slice(0, 1000);
      if (engine) engine.failure = { reason, at: Date.now() };
      capabilityCache = null;
      return { outcome: 'failed', reason };
    }
    const roots = payload.scan_type === 'quick' ? await quickRootsFor(options)
      : payload.scan_type === 'full' ? await hostFullScanRoots() : payload.roots;
    if (roots.length === 0) return { outcome: 'failed', reason: 'nothing to scan: the scan has no root directories' };
    const foundAt = new Map<string, number>();
    const stream = new DetectionStream(ctx);
    const described: Promise<void>[] = [];
    const result = await runTreeScan(supervisor, {
      roots, ignoreDirs: payload.ignore_dirs, fileTypes: payload.file_types, oneFileSystem: payload.scan_type === 'full',
      ...(payload.max_file_size ? { maxFileSize: payload.max_file_size } : {}),
      ...(concurrencyOf(options) ? { concurrency: concurrencyOf(options) } : {}),
      signal: ctx.signal, progressIntervalMs: PROGRESS_EVERY_MS, maxDetectionsKept: MAX_DETECTIONS_STORED,
      onDetection: (d) => {
        if (foundAt.size >= MAX_DETECTIONS_STORED) return;
        foundAt.set(`${d.path}\0${d.signature}`, Date.now());
        described.push(describe(d, Date.now()).then((full) => stream.add(full)));
      },
      onProgress: (p) => {
        const detail: AvScanProgressDetail = {
          files_done: p.processedFiles, files_total: p.totalFiles, scanned_files: p.scannedFiles, bytes: p.scannedBytes,
          detections: p.detections, percent: p.percent, elapsed_ms: p.elapsedMs, streamed_batches: stream.uploaded,
        };
        ctx.reportProgress(p.percent, detail);
      },
    });
    await Promise.all(described);
    await stream.close(result.status !== 'completed'); // a scan that ends without a result keeps what it streamed
    const c = result.counts;
    if (result.status === 'aborted') {
      return { outcome: 'cancelled', reason: ctx.abortCause() === 'agent_shutdown' ? 'the agent stopped during the scan' : 'cancelled by user' };
    }
    if (result.status === 'failed') return { outcome: 'failed', reason: `the scan failed: ${result.reason ?? 'unknown error'}`.slice(0, 1000) };
    const detections = await Promise.all(result.detections.slice(0, MAX_DETECTIONS_STORED)
      .map((d) => describe(d, foundAt.get(`${d.path}\0${d.signature}`) ?? Date.now())));
    const out: AvScanResult = {
      total_files: c.totalFiles, scanned_files: c.scannedFiles, scanned_bytes: c.scannedBytes, detections_count: c.detections,
      skipped_too_large: c.skippedTooLarge, unreadable_files: c.unreadableFiles, filtered_out: c.filteredOut, scan_errors: c.scanErrors,
      duration_ms: Math.max(0, Math.round(result.durationMs)), detections, detections_truncated: result.detectionsTruncated,
    };
    return { outcome: 'succeeded', result: out };
  },

  async close() {
    const supervisor = engine?.supervisor;
    engine = null;
    capabilityCache = null;
    await supervisor?.stop();
  },
});
