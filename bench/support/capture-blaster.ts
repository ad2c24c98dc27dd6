/**
 * UDP sender for bench/capture.ts, loopback only (127.0.0.1 → 127.0.0.1:port). One JSON argument:
 *
 *   {"mode":"rate","port":P,"count":N,"rate":R,"maxMs":M}   N datagrams paced at R/s (gives up after M ms)
 *   {"mode":"probe","port":P,"intervalMs":10,"maxMs":M}      one datagram every intervalMs until "stop"
 *
 * Prints `READY` once its socket is connected and starts on a `go` line on stdin (so several senders
 * start together and the parent controls the moment); `stop` ends a run early, as does stdin closing
 * (the parent died). Ends with one `RESULT {json}` line and exits.
 *
 * Pacing: every tick sends what is due at the target rate (at most 256 datagrams per tick), then yields
 * with setImmediate when behind and a 1 ms timer when caught up — bursts of ~rate/1000 datagrams per
 * millisecond, and no busy-waiting at low rates (the capture tool needs the CPU).
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import readline from 'node:readline';

interface RateConfig { mode: 'rate'; port: number; count: number; rate: number; maxMs: number; payloadBytes?: number }
interface ProbeConfig { mode: 'probe'; port: number; intervalMs: number; maxMs: number; payloadBytes?: number }
type Config = RateConfig | ProbeConfig;

export interface BlastResult {
  sent: number;
  errors: number;
  /** Epoch ms (fractional) just before the first send / just after the last one; null when nothing was sent. */
  firstSendAt: number | null;
  lastSendAt: number | null;
  /** The run hit maxMs before sending everything. */
  timedOut: boolean;
}

const epochNow = (): number => performance.timeOrigin + performance.now();

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
if (!Number.isInteger(config.port) || config.port < 1 || config.port > 65535) throw new Error('capture-blaster: bad port');
const payload = Buffer.alloc(Math.max(1, Math.min(1400, config.payloadBytes ?? 18)), 0x47);

const socket = dgram.createSocket('udp4');
let errors = 0;
socket.on('error', () => { errors++; });

let sent = 0;
let firstSendAt: number | null = null;
let lastSendAt: number | null = null;
let stopRequested = false;
let started = false;
let finished = false;

function finish(timedOut: boolean): void {
  if (finished) return;
  finished = true;
  const result: BlastResult = { sent, errors, firstSendAt, lastSendAt, timedOut };
  fs.writeSync(1, `RESULT ${JSON.stringify(result)}\n`);
  // Sends complete synchronously (uv_udp_try_send); the pause is for any queued fallback send.
  setTimeout(() => {
    socket.close();
    process.exit(0);
  }, 50);
}

function runRate(c: RateConfig): void {
  const start = performance.now();
  const tick = (): void => {
    if (finished) return;
    const elapsed = performance.now() - start;
    if (stopRequested || elapsed >= c.maxMs) return finish(!stopRequested);
    const due = Math.min(c.count, Math.floor((c.rate * elapsed) / 1000) + 1);
    if (firstSendAt === null && sent < due) firstSendAt = epochNow();
    let n = 0;
    while (sent < due && n < 256) {
      socket.send(payload);
      sent++;
      n++;
    }
    if (n > 0) lastSendAt = epochNow();
    if (sent >= c.count) return finish(false);
    if (sent < due) setImmediate(tick);
    else setTimeout(tick, 1);
  };
  tick();
}

function runProbe(c: ProbeConfig): void {
  const start = performance.now();
  const tick = (): void => {
    if (finished) return;
    if (stopRequested) return finish(false);
    if (performance.now() - start >= c.maxMs) return finish(true);
    if (firstSendAt === null) firstSendAt = epochNow();
    socket.send(payload);
    sent++;
    lastSendAt = epochNow();
    // Schedule against the start time so timer lateness does not accumulate.
    const next = start + sent * c.intervalMs - performance.now();
    setTimeout(tick, Math.max(0, next));
  };
  tick();
}

socket.connect(config.port, '127.0.0.1', () => {
  fs.writeSync(1, 'READY\n');
  const input = readline.createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const command = line.trim();
    if (command === 'go' && !started) {
      started = true;
      if (config.mode === 'rate') runRate(config);
      else runProbe(config);
    } else if (command === 'stop') {
      stopRequested = true;
      if (!started) finish(false);
    }
  });
  input.on('close', () => {
    stopRequested = true;
    if (!started) finish(false);
  });
});
