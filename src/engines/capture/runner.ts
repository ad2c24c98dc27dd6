import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, readdirSync } from 'node:fs';
import { open, rm, stat, statfs } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { buildCaptureFilter } from './bpf.js';
import { CaptureParser, type CaptureSummary } from './pcap-reader.js';
import type { CaptureRule } from './rule.js';

/**
 * Runs one bounded packet capture with a real tool (dumpcap preferred, tcpdump as fallback) and
 * reports why it stopped. Tools are spawned with argv arrays only (never a shell); the BPF filter is
 * built from the validated rule and passed as one argv element. Packets and bytes are counted by
 * reading the pcap back, both while it grows (progress) and at the end (result).
 */

export type StopReason = 'packet_limit' | 'time_limit' | 'user_stop' | 'agent_shutdown' | 'write_error' | 'tool_error';
export type CaptureTool = 'dumpcap' | 'tcpdump';

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
}

export interface CaptureRunResult {
  stopReason: StopReason;
  packets: number;
  /** On-wire bytes of the captured packets. */
  bytes: number;
  /** Size of the pcap file. */
  fileBytes: number;
  startedAt: number;
  endedAt: number;
  /** Epoch ms of the first captured packet. */
  firstPacketAt: number | null;
  tool: string;
  /** Why it failed (tool stderr, bounded), or a note about an abnormal end. */
  detail?: string;
  /** Packets dropped by the kernel, from the tool's final statistics, when it printed them. */
  kernelDrops?: number;
  /** The pcap ended inside a record (tool killed mid-write); the complete packets are counted. */
  truncated?: boolean;
}

export class CaptureOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptureOptionsError';
  }
}

export const MAX_CAPTURE_PACKETS = 1_000_000;
export const MAX_CAPTURE_SECONDS = 86_400;
const STDERR_HEAD = 4 * 1024;
const STDERR_TAIL = 12 * 1024;
const DUMPCAP_SAFETY_MS = 2000;
const EXIT_WAIT_AFTER_KILL_MS = 5000;
const POLL_MS = 250;
const START_POLL_MS = 25;

const INTERFACE_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/;
const NETNS_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const TOOL_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/**
 * Absolute path of an executable, looked up in the system directories first (the agent runs as
 * root: a writable directory early on PATH must not shadow the capture tool), then on PATH.
 */
export function findExecutable(name: string): string | null {
  const dirs = [...TOOL_DIRS, ...(process.env.PATH ?? '').split(':').filter((d) => isAbsolute(d))];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

/** 'dumpcap' when installed, else 'tcpdump', else null. */
export function detectCaptureTool(): CaptureTool | null {
  if (findExecutable('dumpcap')) return 'dumpcap';
  if (findExecutable('tcpdump')) return 'tcpdump';
  return null;
}

/** Interfaces of this host's network namespace (from /sys/class/net) plus the 'any' pseudo-interface. */
export function listCaptureInterfaces(): string[] {
  let names: string[] = [];
  try {
    names = readdirSync('/sys/class/net').filter((n) => INTERFACE_RE.test(n));
  } catch {
    names = [];
  }
  return [...names.sort(), 'any'];
}

function checkOptions(opts: CaptureRunOptions): void {
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

/** Keeps the first and last few KiB of a stream. */
class BoundedText {
  private head = '';
  private tail = '';
  private dropped = 0;

  add(text: string): void {
    if (this.head.length < STDERR_HEAD) {
      const room = STDERR_HEAD - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (!text) return;
    this.tail += text;
    if (this.tail.length > STDERR_TAIL) {
      this.dropped += this.tail.length - STDERR_TAIL;
      this.tail = this.tail.slice(this.tail.length - STDERR_TAIL);
    }
  }

  toString(): string {
    return this.dropped > 0 ? `${this.head}\n[… ${this.dropped} characters omitted …]\n${this.tail}` : this.head + this.tail;
  }
}

/** Follows a growing capture file incrementally with one CaptureParser. */
class FileFollower {
  private parser = new CaptureParser();
  private offset = 0;
  parseError: Error | null = null;
  size = 0;
  exists = false;

  constructor(private readonly path: string) {}

  get summary(): CaptureSummary {
    return this.parser.summary;
  }

  async poll(): Promise<void> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return; // not created yet
    }
    try {
      this.exists = true;
      const { size } = await fh.stat();
      this.size = size;
      if (size < this.offset) {
        // Rewritten from scratch (should not happen): start over.
        this.parser = new CaptureParser();
        this.offset = 0;
        this.parseError = null;
      }
      if (this.parseError) return;
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, size - this.offset)));
      while (this.offset < size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        try {
          this.parser.push(buf.subarray(0, bytesRead));
        } catch (err) {
          this.parseError = err instanceof Error ? err : new Error(String(err));
          return;
        }
      }
    } finally {
      await fh.close();
    }
  }

  finish(): CaptureSummary | null {
    if (!this.exists || this.parseError) return null;
    return this.parser.finish();
  }
}

const WRITE_ERROR_RE =
  /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT|File too large|EFBIG|Read-only file system|Input\/output error|couldn't be written|could not be written|error writing|write error/i;

/** Kernel drop counts from dumpcap's or tcpdump's final statistics. */
export function parseKernelDrops(stderr: string): number | undefined {
  let found = false;
  let total = 0;
  for (const m of stderr.matchAll(/received\/dropped on interface '[^'\n]*': (\d+)\/(\d+)/g)) {
    found = true;
    total += Number(m[2]);
  }
  if (found) return total;
  const t = /(\d+) packets? dropped by kernel/.exec(stderr);
  return t ? Number(t[1]) : undefined;
}

/** The number of packets the tool says it wrote ("Packets captured: N" / "N packets captured"). */
export function parseToolPacketCount(stderr: string): number | undefined {
  const d = /Packets captured: (\d+)/.exec(stderr);
  if (d) return Number(d[1]);
  const t = /^(\d+) packets? captured/m.exec(stderr);
  return t ? Number(t[1]) : undefined;
}

async function freeSpaceNote(file: string): Promise<string> {
  try {
    const fs = await statfs(dirname(file));
    const free = fs.bavail * fs.bsize;
    return free < 1024 * 1024 ? ` (${free} bytes free on the output file system)` : '';
  } catch {
    return '';
  }
}

/** Runs one capture to its end and reports why it stopped. Never rejects for tool failures. */
export async function runCapture(opts: CaptureRunOptions): Promise<CaptureRunResult> {
  const tool = opts.tool ?? detectCaptureTool();
  checkOptions(opts);
  buildCaptureFilter(opts.rule); // validates the rule (throws CaptureRuleError)
  const startedAt = Date.now();
  const base = { startedAt, tool: tool ?? 'none' };
  const toolPath = tool ? findExecutable(tool) : null;
  if (!tool || !toolPath) {
    return {
      ...base, stopReason: 'tool_error', packets: 0, bytes: 0, fileBytes: 0, endedAt: Date.now(), firstPacketAt: null,
      detail: tool ? `${tool} is not installed` : 'no capture tool installed (need dumpcap or tcpdump)',
    };
  }
  if (opts.signal?.aborted) {
    return {
      ...base, stopReason: opts.abortReason?.() ?? 'user_stop', packets: 0, bytes: 0, fileBytes: 0,
      endedAt: Date.now(), firstPacketAt: null, detail: 'stopped before the capture started',
    };
  }
  const argv = buildCaptureCommand(opts, toolPath, tool);
  await rm(opts.outputFile, { force: true });

  const stderr = new BoundedText();
  const follower = new FileFollower(opts.outputFile);
  const progressEvery = Math.max(100, opts.progressIntervalMs ?? 1000);
  const grace = Math.max(100, opts.killGraceMs ?? 3000);
  const durationMs = opts.durationSeconds * 1000;

  // Mutable run state, shared with the event callbacks.
  const st = {
    aborted: null as 'user_stop' | 'agent_shutdown' | null,
    timeLimitHit: false,
    sizeCapHit: false,
    weSignalled: false,
    exited: false,
    started: false,
    spawnError: null as Error | null,
  };
  const timers: NodeJS.Timeout[] = [];

  const child: ChildProcess = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
  });

  const stopTool = (): void => {
    if (st.exited || st.weSignalled) return;
    st.weSignalled = true;
    child.kill('SIGINT'); // lets the tool flush and close the pcap
    timers.push(
      setTimeout(() => {
        if (!st.exited) child.kill('SIGKILL');
      }, grace),
    );
  };

  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; hung: boolean }>((resolve) => {
    let settled = false;
    const done = (v: { code: number | null; signal: NodeJS.Signals | null; hung: boolean }): void => {
      if (settled) return;
      settled = true;
      st.exited = true;
      resolve(v);
    };
    child.once('error', (err) => {
      st.spawnError = err;
      done({ code: null, signal: null, hung: false });
    });
    child.once('close', (code, signal) => done({ code, signal, hung: false }));
    // Absolute deadline: however the tool behaves, runCapture returns.
    timers.push(
      setTimeout(() => {
        stopTool();
        timers.push(setTimeout(() => done({ code: null, signal: null, hung: true }), grace + EXIT_WAIT_AFTER_KILL_MS));
      }, durationMs + DUMPCAP_SAFETY_MS + 8000),
    );
  });

  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => stderr.add(text));

  // "Started" means the tool has written the pcap header: both tools do that only after the
  // interface is open and the filter attached (dumpcap prints "Capturing on" before opening it).
  const markStarted = (): void => {
    if (st.started || st.exited) return;
    st.started = true;
    try {
      opts.onStarted?.({ pid: child.pid ?? -1, tool, argv });
    } catch {
      // a throwing callback must not break the capture
    }
  };

  // Duration: dumpcap enforces `-a duration:` itself (with a safety net here); tcpdump has no
  // such option that ends when nothing matches, so it gets SIGINT on time.
  timers.push(
    setTimeout(
      () => {
        st.timeLimitHit = true;
        stopTool();
      },
      tool === 'tcpdump' ? durationMs : durationMs + DUMPCAP_SAFETY_MS,
    ),
  );

  const onAbort = (): void => {
    if (st.exited || st.aborted) return;
    st.aborted = opts.abortReason?.() ?? 'user_stop';
    stopTool();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  // An abort that landed while the tool was being spawned fired no event: honour it now.
  if (opts.signal?.aborted) onAbort();

  let polling: Promise<void> | null = null;
  let lastProgress = 0;
  const emitProgress = (): void => {
    const s = follower.summary;
    try {
      opts.onProgress?.({ packets: s.packets, bytes: s.bytes, elapsedMs: Date.now() - startedAt });
    } catch {
      // ignore callback errors
    }
  };
  let lastPoll = 0;
  const poll = async (): Promise<void> => {
    // Poll quickly until the header appears (start detection), then every POLL_MS.
    if (st.started && Date.now() - lastPoll < POLL_MS) return;
    lastPoll = Date.now();
    await follower.poll();
    if (follower.summary.format !== null) markStarted();
    if (opts.maxFileBytes !== undefined && follower.size >= opts.maxFileBytes && !st.exited) {
      st.sizeCapHit = true;
      stopTool();
    }
    if (!st.exited && Date.now() - lastProgress >= progressEvery) {
      lastProgress = Date.now();
      emitProgress();
    }
  };
  lastProgress = Date.now();
  const ticker = setInterval(() => {
    if (polling) return;
    polling = poll()
      .catch(() => undefined)
      .finally(() => {
        polling = null;
      });
  }, START_POLL_MS);

  let outcome: { code: number | null; signal: NodeJS.Signals | null; hung: boolean };
  try {
    outcome = await exit;
  } finally {
    clearInterval(ticker);
    for (const t of timers) clearTimeout(t);
    opts.signal?.removeEventListener('abort', onAbort);
  }
  if (polling) await polling;
  await follower.poll().catch(() => undefined);
  const endedAt = Date.now();
  const summary = follower.finish();
  let fileBytes = 0;
  try {
    fileBytes = (await stat(opts.outputFile)).size;
  } catch {
    fileBytes = 0;
  }
  const errText = stderr.toString().trim();
  const kernelDrops = parseKernelDrops(errText) ?? summary?.interfaceDrops ?? undefined;
  const result: CaptureRunResult = {
    stopReason: 'tool_error',
    packets: summary?.packets ?? 0,
    bytes: summary?.bytes ?? 0,
    fileBytes,
    startedAt,
    endedAt,
    firstPacketAt: summary?.firstTs === null || summary?.firstTs === undefined ? null : Math.floor(summary.firstTs),
    tool,
    ...(kernelDrops !== undefined ? { kernelDrops } : {}),
    ...(summary?.truncated && summary.format !== null ? { truncated: true } : {}),
  };
  if (summary) emitProgress();

  const withStderr = (msg: string): string => (errText ? `${msg}: ${errText}` : msg);
  const { code, signal, hung } = outcome;
  const abnormal = st.spawnError !== null || hung || (!st.weSignalled && (signal !== null || (code !== null && code !== 0)));

  // Neither dumpcap nor tcpdump fails when the disk fills up: they exit 0 and report every packet
  // as captured. A file that holds fewer packets than the tool reports, or that ends inside a
  // record although the tool exited by itself, lost writes.
  const toolCount = parseToolPacketCount(errText);
  const lostWrites =
    summary !== null &&
    summary.format !== null &&
    signal === null &&
    code === 0 &&
    ((toolCount !== undefined && toolCount > summary.packets) || summary.truncated);

  if (st.spawnError) {
    result.detail = `failed to start ${tool}: ${st.spawnError.message}`;
  } else if (lostWrites) {
    result.stopReason = 'write_error';
    result.detail = withStderr(
      `the capture file is incomplete: ${tool} reported ${toolCount ?? 'more'} packets, the file holds ${summary.packets}` +
        `${summary.truncated ? ' and ends inside a record' : ''}${await freeSpaceNote(opts.outputFile)}`,
    );
  } else if (st.aborted) {
    result.stopReason = st.aborted;
  } else if (st.sizeCapHit || (opts.maxFileBytes !== undefined && fileBytes >= opts.maxFileBytes)) {
    result.stopReason = 'write_error';
    result.detail = `capture file reached its size cap of ${opts.maxFileBytes} bytes`;
  } else if (result.packets >= opts.maxPackets) {
    result.stopReason = 'packet_limit';
  } else if (hung) {
    result.detail = withStderr(`${tool} did not exit after SIGINT and SIGKILL`);
  } else if (abnormal) {
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    // Both tools name the output file in their errors about it (dumpcap's "File: PATH" line is
    // its normal start banner, not an error).
    const aboutFile = errText.split('\n').some((line) => line.includes(opts.outputFile) && !line.startsWith('File: '));
    result.stopReason = WRITE_ERROR_RE.test(errText) || aboutFile ? 'write_error' : 'tool_error';
    result.detail = withStderr(`${tool} ${how}`);
  } else if (st.timeLimitHit || endedAt - startedAt >= durationMs - 250) {
    result.stopReason = 'time_limit';
  } else {
    result.detail = withStderr(`${tool} exited before any limit was reached (code ${code}${signal ? `, ${signal}` : ''})`);
  }

  if (!summary) {
    // A normal stop must leave a readable file; anything else is a failure of the tool or the disk.
    const why = follower.parseError ? `capture file is unreadable: ${follower.parseError.message}` : 'no capture file was written';
    if (result.stopReason === 'user_stop' || result.stopReason === 'agent_shutdown') {
      result.detail = follower.exists ? withStderr(why) : 'stopped before the capture tool created its file';
    } else if (result.stopReason !== 'tool_error' && result.stopReason !== 'write_error') {
      result.stopReason = 'write_error';
      result.detail = withStderr(why);
    } else if (!result.detail) {
      result.detail = withStderr(why);
    }
  }
  if (!result.detail && errText && result.stopReason === 'tool_error') result.detail = errText;
  return result;
}
