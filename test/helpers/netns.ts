import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { decodePacket } from '../../src/engines/capture/packet-decoder.js';
import { parseCaptureBuffer, type CaptureSummary } from '../../src/engines/capture/pcap-reader.js';
import type { CaptureRule } from '../../src/engines/capture/rule.js';
import { findExecutable } from '../../src/engines/capture/runner.js';
import { http } from './http.js';
import { guardpostBin, type TestServer } from './server.js';

/**
 * Private network namespaces for capture tests: two namespaces joined by a veth pair, with IPv4
 * (10.200.<subnet>.1/.2 /24) and IPv6 (fd00:200::1/2 /64, nodad so usable at once) addresses and
 * permanent neighbour entries (no ARP / neighbour discovery packets to disturb exact packet counts).
 *
 * Everything started here is bounded (a timeout on every command, a lifetime on every server) and
 * tracked by PID; destroy() ends the tracked processes, any process still inside the namespaces
 * (only ones this test started can be there) and deletes the namespaces. A process exit hook does
 * the same synchronously when a test process dies without running its after() hooks.
 *
 * The second half of the file holds the shared fixtures of the capture e2e tests (a real agent
 * process bound to `NS_A/veth-a`, a small CFW client, pcap analysis).
 */

export const IF_A = 'veth-a';
export const IF_B = 'veth-b';
export const V6_A = 'fd00:200::1';
export const V6_B = 'fd00:200::2';

export interface BoundedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

const tracked = new Set<ChildProcess>();
const liveNamespaces = new Set<string>();

/** Runs argv (no shell) with a hard time limit (SIGKILL); output bounded to 1 MiB per stream. */
export function runBounded(argv: string[], timeoutMs = 15_000): Promise<BoundedResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    tracked.add(child);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const cap = 1024 * 1024;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => { if (stdout.length < cap) stdout += d; });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < cap) stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const done = (code: number | null, signal: NodeJS.Signals | null, extra = '') => {
      clearTimeout(timer);
      tracked.delete(child);
      resolve({ code, signal, stdout, stderr: stderr + extra, timedOut, ms: Date.now() - started });
    };
    child.once('error', (error) => done(null, null, String(error)));
    child.once('close', (code, signal) => done(code, signal));
  });
}

async function mustRun(argv: string[], timeoutMs = 10_000): Promise<string> {
  const r = await runBounded(argv, timeoutMs);
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code ?? r.signal}${r.timedOut ? ', timed out' : ''}): ${r.stderr.trim()}`);
  return r.stdout;
}

/** Why namespace capture tests cannot run here, or null when they can (root, iproute2, dumpcap or tcpdump, ping). */
export function netnsUnavailableReason(): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root (network namespaces, packet capture)';
  if (!findExecutable('ip')) return 'needs iproute2 (ip)';
  if (!findExecutable('dumpcap') && !findExecutable('tcpdump')) return 'needs dumpcap or tcpdump';
  if (!findExecutable('ping')) return 'needs ping (iputils)';
  if (!findExecutable('tcpdump')) return 'needs tcpdump (pcap cross-check)';
  return null;
}

export type Side = 'a' | 'b';

export interface NetnsPair {
  nsA: string;
  nsB: string;
  /** 10.200.<subnet>.1 (namespace A, veth-a) */
  v4A: string;
  /** 10.200.<subnet>.2 (namespace B, veth-b) */
  v4B: string;
  v6A: string;
  v6B: string;
  /** The agent's --interfaces value: capture on veth-a inside namespace A. */
  captureInterface: string;
  ns(side: Side): string;
  /** Runs argv inside a namespace (`ip netns exec NS …`), bounded by `timeoutMs`. */
  exec(side: Side, argv: string[], timeoutMs?: number): Promise<BoundedResult>;
  /** Runs a `node -e` script inside a namespace, bounded. */
  node(side: Side, script: string, args?: string[], timeoutMs?: number): Promise<BoundedResult>;
  /** Starts a long-running argv inside a namespace (tracked; ended by destroy()). */
  spawn(side: Side, argv: string[]): ChildProcess;
  destroy(): Promise<void>;
}

/** Kills tracked children and processes inside our namespaces, deletes the namespaces. Synchronous (exit hook). */
function cleanupSync(): void {
  for (const child of tracked) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const ns of liveNamespaces) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000 }).stdout ?? '';
    for (const pid of pids.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    spawnSync('ip', ['netns', 'del', ns], { timeout: 5000 });
  }
  liveNamespaces.clear();
}

let hooksInstalled = false;
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanupSync();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

async function macOf(ns: string, iface: string): Promise<string> {
  const out = await mustRun(['ip', '-n', ns, '-o', 'link', 'show', iface]);
  const mac = /link\/ether ([0-9a-f:]{17})/.exec(out)?.[1];
  if (!mac) throw new Error(`no MAC address for ${ns}/${iface}: ${out}`);
  return mac;
}

/**
 * Creates namespaces `gp<tag><pid>a` / `…b` joined by veth-a / veth-b. `subnet` picks 10.200.<subnet>.0/24.
 * Names include the process id, so concurrent test files never collide.
 */
export async function createNetnsPair(tag: string, subnet: number): Promise<NetnsPair> {
  if (!/^[a-z0-9]{1,8}$/.test(tag)) throw new Error(`bad netns tag ${tag}`);
  if (!Number.isInteger(subnet) || subnet < 0 || subnet > 255) throw new Error(`bad subnet ${subnet}`);
  installExitHooks();
  const nsA = `gp${tag}${process.pid}a`;
  const nsB = `gp${tag}${process.pid}b`;
  const v4A = `10.200.${subnet}.1`;
  const v4B = `10.200.${subnet}.2`;
  const names = { a: nsA, b: nsB };
  const pair: NetnsPair = {
    nsA, nsB, v4A, v4B, v6A: V6_A, v6B: V6_B, captureInterface: `${nsA}/${IF_A}`,
    ns: (side) => names[side],
    exec: (side, argv, timeoutMs = 15_000) => runBounded(['ip', 'netns', 'exec', names[side], ...argv], timeoutMs),
    node: (side, script, args = [], timeoutMs = 15_000) =>
      runBounded(['ip', 'netns', 'exec', names[side], process.execPath, '-e', script, ...args], timeoutMs),
    spawn(side, argv) {
      const child = spawn('ip', ['netns', 'exec', names[side], ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
      tracked.add(child);
      child.once('exit', () => tracked.delete(child));
      return child;
    },
    async destroy() {
      cleanupSync();
    },
  };
  try {
    for (const ns of [nsA, nsB]) {
      await mustRun(['ip', 'netns', 'add', ns]);
      liveNamespaces.add(ns);
      await mustRun(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
    }
    await mustRun(['ip', 'link', 'add', IF_A, 'netns', nsA, 'type', 'veth', 'peer', 'name', IF_B, 'netns', nsB]);
    const plan: Array<[string, string, string, string]> = [[nsA, IF_A, v4A, V6_A], [nsB, IF_B, v4B, V6_B]];
    for (const [ns, iface, v4, v6] of plan) {
      await mustRun(['ip', '-n', ns, 'addr', 'add', `${v4}/24`, 'dev', iface]);
      await mustRun(['ip', '-n', ns, '-6', 'addr', 'add', `${v6}/64`, 'dev', iface, 'nodad']);
      await mustRun(['ip', '-n', ns, 'link', 'set', iface, 'up']);
    }
    // Permanent neighbours both ways: no ARP, no neighbour solicitations or unreachability probes.
    const macA = await macOf(nsA, IF_A);
    const macB = await macOf(nsB, IF_B);
    await mustRun(['ip', '-n', nsA, 'neigh', 'replace', v4B, 'lladdr', macB, 'dev', IF_A, 'nud', 'permanent']);
    await mustRun(['ip', '-n', nsB, 'neigh', 'replace', v4A, 'lladdr', macA, 'dev', IF_B, 'nud', 'permanent']);
    await mustRun(['ip', '-n', nsA, '-6', 'neigh', 'replace', V6_B, 'lladdr', macB, 'dev', IF_A, 'nud', 'permanent']);
    await mustRun(['ip', '-n', nsB, '-6', 'neigh', 'replace', V6_A, 'lladdr', macA, 'dev', IF_B, 'nud', 'permanent']);
    // Wait for carrier on both ends.
    const deadline = Date.now() + 5000;
    for (;;) {
      const a = await mustRun(['ip', '-n', nsA, '-o', 'link', 'show', IF_A]);
      const b = await mustRun(['ip', '-n', nsB, '-o', 'link', 'show', IF_B]);
      if (![a, b].some((s) => s.includes('NO-CARRIER') || !s.includes('LOWER_UP'))) break;
      if (Date.now() > deadline) throw new Error(`veth link did not come up:\n${a}\n${b}`);
      await sleep(50);
    }
    const probe = await pair.exec('b', ['ping', '-c', '1', '-W', '2', v4A], 5000);
    if (probe.code !== 0) throw new Error(`no IPv4 connectivity between the namespaces: ${probe.stdout}${probe.stderr}`);
    const probe6 = await pair.exec('b', ['ping', '-6', '-c', '1', '-W', '2', V6_A], 5000);
    if (probe6.code !== 0) throw new Error(`no IPv6 connectivity between the namespaces: ${probe6.stdout}${probe6.stderr}`);
  } catch (error) {
    await pair.destroy();
    throw error;
  }
  return pair;
}

/** Runs every cleanup step even when some fail (so no server or process is left running), then rethrows the first failure. */
export async function teardown(...steps: Array<(() => unknown) | undefined>): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps) {
    if (!step) continue;
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length > 0) throw errors[0];
}

/**
 * Closes a startTestServer() server. PostgreSQL 15 refuses `DROP DATABASE … WITH (FORCE)` to a non-superuser
 * (SQLSTATE 42501) while an autovacuum worker happens to be in that database, so the drop is retried.
 */
export async function closeTestServer(ts: TestServer): Promise<void> {
  await ts.server.close();
  for (let attempt = 1; ; attempt++) {
    try {
      await ts.db.drop();
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt >= 20) throw error;
      await sleep(500);
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// Traffic generators (all bounded in count and time).

/** `ping -c count -i interval` from one side; returns the number of echo requests sent. */
export async function ping(pair: NetnsPair, from: Side, target: string, count: number, intervalSec = 0.2): Promise<number> {
  const v6 = target.includes(':');
  const deadline = Math.ceil(count * intervalSec + 3);
  const r = await pair.exec(from, ['ping', ...(v6 ? ['-6'] : []), '-n', '-q', '-c', String(count), '-i', String(intervalSec), '-W', '1',
    '-w', String(deadline), target], (deadline + 5) * 1000);
  const sent = Number(/(\d+) packets transmitted/.exec(r.stdout)?.[1] ?? NaN);
  if (r.code !== 0 || sent !== count) throw new Error(`ping ${target} from ${from}: code ${r.code}, ${r.stdout}${r.stderr}`);
  return sent;
}

const UDP_SENDER = `
const dgram = require('node:dgram');
const [host, port, count, gap, tag] = process.argv.slice(1);
const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
socket.on('error', () => {}); // ICMP port unreachable answers surface as errors on connected sockets only
let i = 0;
const next = () => {
  if (i >= Number(count)) { socket.close(); return; }
  const payload = Buffer.from(tag + '-' + i);
  i += 1;
  socket.send(payload, Number(port), host, (err) => {
    if (err) { console.error(String(err)); process.exit(1); }
    setTimeout(next, Number(gap));
  });
};
next();
setTimeout(() => process.exit(2), 20000).unref();
`;

/** Sends `count` UDP datagrams with payload `<tag>-<i>` (i = 0…count-1) from one side. */
export async function sendUdp(pair: NetnsPair, from: Side, host: string, port: number, count: number, tag: string, gapMs = 20): Promise<void> {
  const r = await pair.node(from, UDP_SENDER, [host, String(port), String(count), String(gapMs), tag], 25_000);
  if (r.code !== 0) throw new Error(`UDP sender failed (${r.code}): ${r.stderr}`);
}

const TCP_SERVER = `
const net = require('node:net');
const [host, lifetime, ...ports] = process.argv.slice(1);
let listening = 0;
for (const port of ports) {
  const server = net.createServer((socket) => { socket.on('error', () => {}); socket.resume(); });
  server.listen(Number(port), host, () => { listening += 1; if (listening === ports.length) console.log('ready'); });
}
setTimeout(() => process.exit(0), Number(lifetime));
`;

/** TCP listeners inside a namespace (they read and discard); exits by itself after `lifetimeMs`. */
export async function startTcpServer(pair: NetnsPair, side: Side, host: string, ports: number[], lifetimeMs = 240_000): Promise<{ stop(): void }> {
  const child = pair.spawn(side, [process.execPath, '-e', TCP_SERVER, host, String(lifetimeMs), ...ports.map(String)]);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`TCP server did not start: ${out}`)), 10_000);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`TCP server exited (${code}): ${out}`));
    });
  });
  return { stop: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); } };
}

const TCP_CLIENT = `
const net = require('node:net');
const [host, ...ports] = process.argv.slice(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  for (const port of ports) {
    await new Promise((resolve, reject) => {
      const socket = net.connect({ host, port: Number(port), noDelay: true });
      socket.on('error', reject);
      socket.on('connect', () => {
        socket.write('hello-' + port, async () => {
          await sleep(250); // the peer's (quick) ACK has arrived: nothing more will be sent by this side
          socket.on('close', resolve);
          socket.resetAndDestroy();
        });
      });
    });
  }
})().then(() => process.exit(0), (e) => { console.error(String(e)); process.exit(1); });
setTimeout(() => process.exit(2), 20000).unref();
`;

/**
 * One TCP connection per port, in order; per connection this side sends exactly 4 packets:
 * SYN, ACK (handshake), one data segment, RST (reset close, so no FIN/ACK exchange).
 */
export async function tcpConnections(pair: NetnsPair, from: Side, host: string, ports: number[]): Promise<void> {
  const r = await pair.node(from, TCP_CLIENT, [host, ...ports.map(String)], 25_000);
  if (r.code !== 0) throw new Error(`TCP client failed (${r.code}): ${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------------------------
// A real agent process (guardpost agent) bound to NS_A/veth-a.

export interface AgentProcess {
  child: ChildProcess;
  pid: number;
  hostId: string;
  agentId: string;
  stateDir: string;
  output(): string;
  /** SIGTERM and wait (SIGKILL to the whole process group after graceMs). */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to the agent and its capture tool (its process group): a crashed sensor. */
  kill(): Promise<void>;
}

/**
 * Starts `guardpost agent --interfaces <captureInterface>` as its own process group (so the capture
 * tool it spawns can be ended with it) with TMPDIR under `workDir`, and waits for enrollment.
 */
export async function startAgentProcess(options: {
  endpoint: string; enrollToken: string; captureInterface: string; name: string; workDir: string; timeoutMs?: number;
}): Promise<AgentProcess> {
  const stateDir = path.join(options.workDir, `agent-${options.name}`);
  const tmp = path.join(options.workDir, `tmp-${options.name}`);
  fs.mkdirSync(tmp, { recursive: true });
  const child = spawn(process.execPath, [guardpostBin, 'agent', '--server', options.endpoint, '--enroll-token', options.enrollToken,
    '--state-dir', stateDir, '--interfaces', options.captureInterface, '--name', options.name], {
    env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  tracked.add(child);
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-100_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { tracked.delete(child); resolve(); }));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const pid = child.pid as number;
  const killGroup = () => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  };
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const identityFile = path.join(stateDir, 'agent.json');
  while (!fs.existsSync(identityFile)) {
    if (!alive()) throw new Error(`agent ${options.name} exited early:\n${output}`);
    if (Date.now() > deadline) {
      killGroup();
      throw new Error(`agent ${options.name} did not enroll in time:\n${output}`);
    }
    await sleep(100);
  }
  const identity = JSON.parse(fs.readFileSync(identityFile, 'utf8')) as { agent_id: string; host_id: string };
  return {
    child, pid, hostId: identity.host_id, agentId: identity.agent_id, stateDir, output: () => output,
    async stop(graceMs = 15_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(killGroup, graceMs);
      await exited;
      clearTimeout(timer);
      killGroup(); // a capture tool left behind, if any
    },
    async kill() {
      killGroup();
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// pcap analysis: the engine's reader and decoder, plus the raw fields the tests check (EN10MB frames on veth).

export interface PcapPacket {
  ts: number;
  linktype: number;
  family: 4 | 6;
  src: string;
  dst: string;
  protocol: number;
  srcPort?: number;
  dstPort?: number;
  icmpType?: number;
  /** ICMP / ICMPv6 echo sequence number. */
  icmpSeq?: number;
  /** TCP flags byte. */
  tcpFlags?: number;
  /** UDP / TCP payload as latin1 text. */
  payload?: string;
  data: Buffer;
}

/** The transport header offset and payload of an Ethernet frame holding IPv4 / IPv6 (no extension headers). */
export function transportOf(frame: Buffer): { at: number; end: number } | null {
  if (frame.length < 14) return null;
  const type = frame.readUInt16BE(12);
  if (type === 0x0800) {
    const ihl = ((frame[14] ?? 0) & 0x0f) * 4;
    return { at: 14 + ihl, end: Math.min(frame.length, 14 + frame.readUInt16BE(16)) };
  }
  if (type === 0x86dd) return { at: 14 + 40, end: Math.min(frame.length, 14 + 40 + frame.readUInt16BE(18)) };
  return null;
}

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

export function describePacket(p: PcapPacket): string {
  const ports = p.srcPort !== undefined ? ` ${p.srcPort}->${p.dstPort}` : '';
  const extra = p.icmpType !== undefined ? ` type ${p.icmpType} seq ${p.icmpSeq}` : p.tcpFlags !== undefined ? ` flags 0x${p.tcpFlags.toString(16)}` : '';
  return `IPv${p.family} ${p.src} -> ${p.dst} proto ${p.protocol}${ports}${extra}${p.payload ? ` "${p.payload}"` : ''}`;
}

export function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Every packet of a pcap (engine reader + decodePacket), with echo sequence, TCP flags and payload added. */
export function parsePcap(data: Buffer): { packets: PcapPacket[]; summary: CaptureSummary } {
  const { packets, summary } = parseCaptureBuffer(data);
  const out: PcapPacket[] = [];
  for (const raw of packets) {
    const decoded = decodePacket(raw.linktype, raw.data);
    if (!decoded) throw new Error(`undecodable packet (linktype ${raw.linktype}, ${raw.caplen} bytes)`);
    const frame = Buffer.from(raw.data);
    const p: PcapPacket = { ts: raw.ts, linktype: raw.linktype, ...decoded, data: frame };
    const t = raw.linktype === 1 ? transportOf(frame) : null;
    if (t && !decoded.fragment && !decoded.extensionHeaders) {
      if ((decoded.protocol === 1 || decoded.protocol === 58) && t.at + 8 <= t.end) p.icmpSeq = frame.readUInt16BE(t.at + 6);
      if (decoded.protocol === 17 && t.at + 8 <= t.end) p.payload = frame.subarray(t.at + 8, t.end).toString('latin1');
      if (decoded.protocol === 6 && t.at + 20 <= t.end) {
        p.tcpFlags = frame[t.at + 13] ?? 0;
        const dataAt = t.at + ((frame[t.at + 12] ?? 0) >> 4) * 4;
        if (dataAt < t.end) p.payload = frame.subarray(dataAt, t.end).toString('latin1');
      }
    }
    out.push(p);
  }
  return { packets: out, summary };
}

/** Packets in a pcap according to tcpdump (`tcpdump -n -r`, one line per packet); throws when tcpdump refuses the file. */
export async function tcpdumpCount(data: Buffer, workDir: string): Promise<number> {
  const file = path.join(workDir, `check-${crypto.randomBytes(4).toString('hex')}.pcap`);
  fs.writeFileSync(file, data);
  try {
    const r = await runBounded(['tcpdump', '-n', '-r', file], 15_000);
    if (r.code !== 0) throw new Error(`tcpdump -r failed (${r.code}): ${r.stderr}`);
    return r.stdout.split('\n').filter((line) => line.trim() !== '').length;
  } finally {
    fs.rmSync(file, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A small CFW capture client over real HTTP.

export interface CaptureRecordVO {
  task_id: string; name: string; status: number; duration: number; max_packets: number; capture_size: string;
  created_date: string; modified_date: string; remaining_days: number; is_deleted: number;
  source_address: string; source_address_type: number; source_port: string;
  dest_address: string; dest_address_type: number; dest_port: string; protocol: number;
  stop_reason: string | null; stop_detail?: string; packets: number | null; progress: number;
}

export interface CaptureSpec {
  name: string;
  src?: string;
  dst?: string;
  /** 0 IPv4 (default), 1 IPv6 */
  addressType?: 0 | 1;
  protocol: 6 | 17 | 1 | 58 | -1;
  sourcePort?: string;
  destPort?: string;
  maxPackets: number;
  duration?: number;
}

export function captureBody(spec: CaptureSpec): Record<string, unknown> {
  const type = spec.addressType ?? 0;
  const any = type === 0 ? '0.0.0.0/0' : '::/0';
  return {
    name: spec.name, duration: spec.duration ?? 1, max_packets: spec.maxPackets,
    source: { address: spec.src ?? any, address_type: type, type: 0 },
    destination: { address: spec.dst ?? any, address_type: type, type: 0 },
    service: { protocol: spec.protocol, source_port: spec.sourcePort ?? '', dest_port: spec.destPort ?? '' },
  };
}

export class CfwClient {
  constructor(readonly endpoint: string, readonly projectId: string, readonly token: string) {}

  private call<T = Record<string, unknown>>(method: string, suffix: string, query: Record<string, string | number | string[]>, body?: unknown) {
    const qs = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) for (const v of [value].flat()) qs.append(key, String(v));
    return http<T>(this.endpoint, {
      method, path: `/v1/${this.projectId}${suffix}?${qs.toString()}`, headers: { 'X-Auth-Token': this.token },
      ...(body === undefined ? {} : { body }),
    });
  }

  firewalls(extra: Record<string, string> = {}) {
    return this.call<{ data: { total: number; records: Array<Record<string, unknown>> } }>('GET', '/firewall/exist', { offset: 0, limit: 10, service_type: 0, ...extra });
  }

  create(fw: string, body: unknown) {
    return this.call<{ data: { id: string; name: string; task_id?: string } }>('POST', '/capture-task', { fw_instance_id: fw }, body);
  }

  list(fw: string, limit = 100, offset = 0) {
    return this.call<{ data: { limit: number; offset: number; total: number; records: CaptureRecordVO[] } }>('GET', '/capture-task', { fw_instance_id: fw, limit, offset });
  }

  stop(fw: string, taskId: string) {
    return this.call<{ data: { id: string; name: string } }>('POST', '/capture-task/stop', { fw_instance_id: fw }, { task_id: taskId });
  }

  remove(fw: string, taskIds: string[]) {
    return this.call<{ data: { id: string; name: string } }>('POST', '/capture-task/batch-delete', { fw_instance_id: fw }, { task_ids: taskIds });
  }

  result(fw: string, taskId: string, extra: { type?: number; ip?: string[] } = {}) {
    return this.call<{ data: { url?: string; captcha?: string; expires?: number; expires_at?: number;
      file_list?: Array<{ file_name: string; file_path: string; url: string }>; request_header?: { Host: string } } }>(
      'GET', '/capture-task/capture-result',
      { fw_instance_id: fw, task_id: taskId, ...(extra.type === undefined ? {} : { type: extra.type }), ...(extra.ip ? { ip: extra.ip } : {}) });
  }

  /** The task's record found by name, as Terraform does (the create response carries the firewall id). */
  async record(fw: string, name: string): Promise<CaptureRecordVO | undefined> {
    const res = await this.list(fw, 1024, 0);
    if (res.status !== 200) throw new Error(`ListCaptureTask: ${res.status} ${res.text}`);
    return res.body.data.records.find((r) => r.name === name);
  }

  async waitRecord(fw: string, name: string, what: string, predicate: (r: CaptureRecordVO) => boolean, timeoutMs = 20_000, everyMs = 100): Promise<CaptureRecordVO> {
    const deadline = Date.now() + timeoutMs;
    let last: CaptureRecordVO | undefined;
    for (;;) {
      last = await this.record(fw, name);
      if (last && predicate(last)) return last;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} of capture ${name}; last record: ${JSON.stringify(last)}`);
      await sleep(everyMs);
    }
  }

  /** Waits until the capture tool is running: status 2 with progress ≥ 1 (the agent reports 1 once the tool writes its pcap header). */
  waitCapturing(fw: string, name: string, timeoutMs = 15_000): Promise<CaptureRecordVO> {
    return this.waitRecord(fw, name, 'the capture to run', (r) => {
      if (r.status !== 2 && r.status !== 5) throw new Error(`capture ${name} ended before it was seen running: ${JSON.stringify(r)}`);
      return r.status === 2 && r.progress >= 1;
    }, timeoutMs, 25);
  }
}

export async function download(url: string, options: { code?: string; via?: 'query' | 'header'; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Headers; body: Buffer; json?: Record<string, unknown> }> {
  const target = new URL(url);
  const headers: Record<string, string> = { ...options.headers };
  if (options.code !== undefined) {
    if ((options.via ?? 'query') === 'query') target.searchParams.set('code', options.code);
    else headers['X-Access-Code'] = options.code;
  }
  const response = await fetch(target, { headers });
  const body = Buffer.from(await response.arrayBuffer());
  let json: Record<string, unknown> | undefined;
  if ((response.headers.get('content-type') ?? '').includes('json')) json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  return { status: response.status, headers: response.headers, body, ...(json ? { json } : {}) };
}

// ---------------------------------------------------------------------------------------------------------------
// CaptureTaskVO checks.

export const CFW_DATE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/;

export function parseCfwDate(text: string): number {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  assert.ok(m, `not a CFW date: ${text}`);
  return new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])).getTime();
}

export function ruleOf(spec: CaptureSpec): CaptureRule {
  const body = captureBody(spec) as {
    source: { address: string; address_type: 0 | 1 }; destination: { address: string; address_type: 0 | 1 };
    service: { protocol: CaptureRule['protocol']; source_port: string; dest_port: string };
  };
  return {
    source: { address: body.source.address, address_type: body.source.address_type },
    destination: { address: body.destination.address, address_type: body.destination.address_type },
    protocol: body.service.protocol, source_port: body.service.source_port, dest_port: body.service.dest_port,
  };
}

/** The documented CaptureTaskVO contract for a finished task with a file. */
export function assertFinishedRecord(record: CaptureRecordVO, spec: CaptureSpec, now = Date.now()): void {
  const where = JSON.stringify(record);
  for (const key of ['status', 'duration', 'max_packets', 'remaining_days', 'is_deleted', 'source_address_type', 'dest_address_type', 'protocol', 'progress', 'packets'] as const) {
    assert.equal(typeof record[key], 'number', `${key} must be a JSON number: ${where}`);
  }
  for (const key of ['task_id', 'name', 'capture_size', 'created_date', 'modified_date', 'source_address', 'source_port', 'dest_address', 'dest_port'] as const) {
    assert.equal(typeof record[key], 'string', `${key} must be a string: ${where}`);
  }
  assert.match(record.capture_size, /^\d+(\.\d)?(b|kb|mb|gb)$/, where);
  assert.match(record.created_date, CFW_DATE, where);
  assert.match(record.modified_date, CFW_DATE, where);
  const created = parseCfwDate(record.created_date);
  assert.ok(Math.abs(now - created) < 10 * 60_000, `created_date ${record.created_date} is not local "now"`);
  assert.ok(parseCfwDate(record.modified_date) >= created, where);
  assert.equal(record.remaining_days, 7, where);
  assert.equal(record.is_deleted, 0, where);
  assert.equal(record.progress, 100, where);
  assert.equal(record.duration, spec.duration ?? 1);
  assert.equal(record.max_packets, spec.maxPackets);
  const rule = ruleOf(spec);
  assert.equal(record.source_address, rule.source.address);
  assert.equal(record.source_address_type, rule.source.address_type);
  assert.equal(record.dest_address, rule.destination.address);
  assert.equal(record.dest_address_type, rule.destination.address_type);
  assert.equal(record.protocol, rule.protocol);
  assert.equal(record.source_port, rule.source_port);
  assert.equal(record.dest_port, rule.dest_port);
}

