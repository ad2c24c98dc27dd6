import path from 'node:path';
import type { BlastResult } from './capture-blaster.js';
import { spawnProc, type BenchProc } from './capture-procs.js';

/** Loopback UDP traffic for bench/capture.ts: sinks (bound, never read) and paced senders, each a child process. */

export type { BlastResult };

export interface Sink {
  port: number;
  stop(): Promise<void>;
}

/** A bound-but-never-read UDP socket on 127.0.0.1:<free port> in its own process (see capture-sink.ts). */
export async function startSink(supportDir: string, env: NodeJS.ProcessEnv): Promise<Sink> {
  const proc = spawnProc('udp-sink', process.execPath, [path.join(supportDir, 'capture-sink.js')], { env });
  try {
    const m = await proc.waitForLine(/^READY (\d+)$/, 10_000);
    return { port: Number(m[1]), stop: () => proc.stop('SIGKILL', 5000) };
  } catch (error) {
    await proc.stop('SIGKILL', 5000);
    throw error;
  }
}

export interface BlastSummary {
  /** Datagrams sent by all senders. */
  sent: number;
  errors: number;
  senders: number;
  firstSendAt: number;
  lastSendAt: number;
  /** sent / (last send - first send). */
  achievedRate: number;
  timedOut: boolean;
}

async function readyBlaster(supportDir: string, env: NodeJS.ProcessEnv, config: object): Promise<BenchProc> {
  const proc = spawnProc('udp-sender', process.execPath, [path.join(supportDir, 'capture-blaster.js'), JSON.stringify(config)], { env });
  try {
    await proc.waitForLine(/^READY$/, 10_000);
    return proc;
  } catch (error) {
    await proc.stop('SIGKILL', 5000);
    throw error;
  }
}

async function resultOf(proc: BenchProc, timeoutMs: number): Promise<BlastResult> {
  try {
    const m = await proc.waitForLine(/^RESULT (.*)$/, timeoutMs);
    return JSON.parse(m[1] as string) as BlastResult;
  } finally {
    await proc.stop('SIGTERM', 5000);
  }
}

/** Sender processes, connected and waiting; `go` starts them together and resolves with the combined figures. */
export interface PreparedBlast {
  go(): Promise<BlastSummary>;
  abort(): Promise<void>;
}

/**
 * `count` datagrams to 127.0.0.1:`port` at `rate` per second in total, split over `senders` processes
 * (each sends count/senders at rate/senders). Each sender gives up after `maxMs`.
 */
export async function prepareBlast(supportDir: string, env: NodeJS.ProcessEnv, shape: {
  port: number; count: number; rate: number; senders: number; maxMs: number;
}): Promise<PreparedBlast> {
  const k = Math.max(1, Math.min(shape.senders, shape.count));
  const procs: BenchProc[] = [];
  try {
    for (let i = 0; i < k; i++) {
      const count = Math.floor(shape.count / k) + (i < shape.count % k ? 1 : 0);
      procs.push(await readyBlaster(supportDir, env, { mode: 'rate', port: shape.port, count, rate: shape.rate / k, maxMs: shape.maxMs }));
    }
  } catch (error) {
    await Promise.allSettled(procs.map((p) => p.stop('SIGKILL', 5000)));
    throw error;
  }
  return {
    async go() {
      for (const p of procs) p.send('go');
      const results = await Promise.all(procs.map((p) => resultOf(p, shape.maxMs + 15_000)));
      const sent = results.reduce((s, r) => s + r.sent, 0);
      const firsts = results.map((r) => r.firstSendAt).filter((v): v is number => v !== null);
      const lasts = results.map((r) => r.lastSendAt).filter((v): v is number => v !== null);
      const firstSendAt = firsts.length ? Math.min(...firsts) : NaN;
      const lastSendAt = lasts.length ? Math.max(...lasts) : NaN;
      const spanMs = lastSendAt - firstSendAt;
      return {
        sent, errors: results.reduce((s, r) => s + r.errors, 0), senders: k, firstSendAt, lastSendAt,
        achievedRate: spanMs > 0 ? (sent / spanMs) * 1000 : NaN, timedOut: results.some((r) => r.timedOut),
      };
    },
    async abort() {
      await Promise.allSettled(procs.map((p) => p.stop('SIGKILL', 5000)));
    },
  };
}

/** One datagram every `intervalMs` from `go` until `stop` (at most `maxMs`). */
export interface ProbeSender {
  go(): void;
  stop(): Promise<BlastResult>;
}

export async function prepareProbe(supportDir: string, env: NodeJS.ProcessEnv, shape: { port: number; intervalMs: number; maxMs: number }): Promise<ProbeSender> {
  const proc = await readyBlaster(supportDir, env, { mode: 'probe', ...shape });
  return {
    go: () => proc.send('go'),
    async stop() {
      proc.send('stop');
      return resultOf(proc, 10_000);
    },
  };
}
