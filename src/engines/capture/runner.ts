import { spawn, type ChildProcess } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { buildCaptureFilter } from './bpf.js';
import { buildCaptureCommand, checkOptions, type CaptureRunOptions } from './command.js';
import { FileFollower } from './follower.js';
import { BoundedText, freeSpaceNote, parseKernelDrops, parseToolPacketCount, WRITE_ERROR_RE } from './tool-output.js';
import { detectCaptureTool, findExecutable } from './tools.js';

export * from './command.js';
export * from './tools.js';
export { parseKernelDrops, parseToolPacketCount } from './tool-output.js';

/**
 * Runs one bounded packet capture with a real tool (dumpcap preferred, tcpdump as fallback) and
 * reports why it stopped. Tools are spawned with argv arrays only (never a shell); the BPF filter is
 * built from the validated rule and passed as one argv element. Packets and bytes are counted by
 * reading the pcap back, both while it grows (progress) and at the end (result).
 */

export const STOP_REASONS = ['packet_limit', 'time_limit', 'user_stop', 'agent_shutdown', 'write_error', 'tool_error'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

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

const DUMPCAP_SAFETY_MS = 2000;
const EXIT_WAIT_AFTER_KILL_MS = 5000;
const POLL_MS = 250;
const START_POLL_MS = 25;
const DEFAULT_STOP_FLUSH_MS = 750;

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
  const stopFlushMs = Math.min(5000, Math.max(0, opts.stopFlushMs ?? DEFAULT_STOP_FLUSH_MS));
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
    // Not SIGINT at once: packets the kernel already delivered would be lost (see stopFlushMs).
    timers.push(setTimeout(stopTool, stopFlushMs));
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
