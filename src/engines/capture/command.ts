import { isAbsolute } from 'node:path';
import { buildCaptureFilter } from './bpf.js';
import type { CaptureRule } from './rule.js';
import { findExecutable, INTERFACE_RE, type CaptureTool } from './tools.js';

/** The options of one capture, their validation, and the tool's argv built from them (never a shell). */

export interface CaptureProgress {
  packets: number;
  /** On-wire bytes of the packets written so far. */
  bytes: number;
  elapsedMs: number;
}

export interface CaptureStartInfo {
  pid: number;
  tool: CaptureTool;
  /** Full argv (command first), for logs. */
  argv: string[];
}

export interface CaptureRunOptions {
  /** Interface name (inside `netns` when given), or 'any'. */
  interface: string;
  rule: CaptureRule;
  /** Stop after this many packets (1..1 000 000). */
  maxPackets: number;
  /** Stop after this many seconds (integer, 1..86 400). */
  durationSeconds: number;
  /** Absolute path of the classic pcap to write; an existing file there is replaced. */
  outputFile: string;
  signal?: AbortSignal;
  /** Why the signal was aborted; 'user_stop' when absent. */
  abortReason?: () => 'user_stop' | 'agent_shutdown';
  /** Called about every `progressIntervalMs` while the capture runs, and once at the end. */
  onProgress?: (p: CaptureProgress) => void;
  /**
   * Called once the tool is capturing: when the pcap header has been written, which both tools do
   * only after opening the interface and attaching the filter. Packets sent earlier may be missed.
   */
  onStarted?: (info: CaptureStartInfo) => void;
  /** Defaults to detectCaptureTool(). */
  tool?: CaptureTool;
  snaplen?: number;
  /**
   * Stop (as write_error) once the file reaches this size. Checked by polling every 250 ms, so the
   * file can overshoot by what the tool writes in that time (dumpcap also writes in bursts).
   */
  maxFileBytes?: number;
  /** Run the tool inside this network namespace (`ip netns exec NS tool …`, still an argv array). */
  netns?: string;
  /** Default 1000 ms. */
  progressIntervalMs?: number;
  /** Time between SIGINT and SIGKILL when stopping the tool; default 3000 ms. */
  killGraceMs?: number;
  /**
   * On abort, how long the tool keeps running before SIGINT so it writes what it already received;
   * default 750 ms. libpcap hands dumpcap its packets in blocks, after up to dumpcap's 250 ms read
   * timeout, and dumpcap discards a block still pending when SIGINT arrives.
   */
  stopFlushMs?: number;
}

export class CaptureOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureOptionsError';
  }
}

export const MAX_CAPTURE_PACKETS = 1_000_000;
export const MAX_CAPTURE_SECONDS = 86_400;
const NETNS_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function checkOptions(opts: CaptureRunOptions): void {
  const problems: string[] = [];
  if (typeof opts.interface !== 'string' || !INTERFACE_RE.test(opts.interface)) {
    problems.push(`interface ${JSON.stringify(opts.interface)} is not a valid interface name`);
  }
  if (!Number.isInteger(opts.maxPackets) || opts.maxPackets < 1 || opts.maxPackets > MAX_CAPTURE_PACKETS) {
    problems.push(`maxPackets must be an integer in 1..${MAX_CAPTURE_PACKETS}`);
  }
  if (!Number.isInteger(opts.durationSeconds) || opts.durationSeconds < 1 || opts.durationSeconds > MAX_CAPTURE_SECONDS) {
    problems.push(`durationSeconds must be an integer in 1..${MAX_CAPTURE_SECONDS}`);
  }
  if (typeof opts.outputFile !== 'string' || !isAbsolute(opts.outputFile) || opts.outputFile.includes('\0')) {
    problems.push('outputFile must be an absolute path');
  }
  if (opts.snaplen !== undefined && (!Number.isInteger(opts.snaplen) || opts.snaplen < 64 || opts.snaplen > 262144)) {
    problems.push('snaplen must be an integer in 64..262144');
  }
  if (opts.maxFileBytes !== undefined && (!Number.isInteger(opts.maxFileBytes) || opts.maxFileBytes < 1024)) {
    problems.push('maxFileBytes must be an integer >= 1024');
  }
  if (opts.netns !== undefined && (typeof opts.netns !== 'string' || !NETNS_RE.test(opts.netns))) {
    problems.push(`netns ${JSON.stringify(opts.netns)} is not a valid namespace name`);
  }
  if (opts.tool !== undefined && opts.tool !== 'dumpcap' && opts.tool !== 'tcpdump') {
    problems.push(`tool must be 'dumpcap' or 'tcpdump'`);
  }
  if (problems.length > 0) throw new CaptureOptionsError(`invalid capture options: ${problems.join('; ')}`);
}

/**
 * The argv (tool path first) for a capture; exported for tests and logs. Throws CaptureRuleError /
 * CaptureOptionsError on invalid input.
 */
export function buildCaptureCommand(opts: CaptureRunOptions, toolPath: string, tool: CaptureTool): string[] {
  checkOptions(opts);
  const filter = buildCaptureFilter(opts.rule);
  const snap = opts.snaplen !== undefined ? ['-s', String(opts.snaplen)] : [];
  const argv =
    tool === 'dumpcap'
      ? [
          toolPath,
          '-i', opts.interface,
          '-f', filter,
          '-c', String(opts.maxPackets),
          '-a', `duration:${opts.durationSeconds}`,
          ...snap,
          '-P', // classic pcap
          '-w', opts.outputFile,
          '-q',
        ]
      : [
          toolPath,
          '-i', opts.interface,
          '-c', String(opts.maxPackets),
          '-w', opts.outputFile,
          '-U', // flush per packet: the file is readable while it grows and after a kill
          '--immediate-mode',
          '-n',
          ...snap,
          '--',
          filter, // the whole expression as ONE argv element
        ];
  if (opts.netns === undefined) return argv;
  const ip = findExecutable('ip');
  if (!ip) throw new CaptureOptionsError('netns requested but the ip command (iproute2) is not installed');
  return [ip, 'netns', 'exec', opts.netns, ...argv];
}
