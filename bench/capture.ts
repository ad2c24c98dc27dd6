/**
 * Packet capture benchmark: loopback UDP at increasing packet rates, captured by a real Guardpost (server
 * child process + agent child process, driven through the CFW API with the project's AK/SK) and, in the
 * same run, by the same capture command run bare (the engine's runCapture with the options the agent's
 * capture handler uses). Also measures the latency from CreateCaptureTask to the first captured packet
 * and from the end of a capture to a downloaded result. See bench/README.md.
 *
 *   npm run bench:capture -- [--quick] [--rates 1000,10000,50000,100000] [--step-seconds S] [--senders K]
 *                            [--latency-runs N] [--probe-packets P] [--settle-ms MS] [--json FILE]
 *
 * Needs root (or capture capabilities) and dumpcap or tcpdump (scripts/deps/capture.sh installs them).
 * Traffic goes from 127.0.0.1 to 127.0.0.1:<a fresh port per run> only; every capture filters on that port.
 */
import fs from 'node:fs';
import { allMigrations } from '../src/families/server.js';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ApiCallError, HuaweiApiClient } from '../src/cli/api-client.js';
import { CAPTURE_PCAP_ARTIFACT, type CaptureJobResult } from '../src/families/capture/domain.js';
import { summarizeCaptureFile } from '../src/engines/capture/pcap-reader.js';
import type { CaptureRule } from '../src/engines/capture/rule.js';
import { buildCaptureCommand, detectCaptureTool, findExecutable, runCapture, type CaptureTool } from '../src/engines/capture/runner.js';
import { AgentStore } from '../src/store/agent-store.js';
import { migrateToLatest, openStore, type Store } from '../src/store/database.js';
import type { JobsTable } from '../src/store/schema.js';
import { TaskStore } from '../src/store/task-store.js';
import { cleanEnv, runningChildren, type ServerChild, startServerChild } from './support/child.js';
import { runningProcs, spawnProc, type BenchProc } from './support/capture-procs.js';
import { prepareBlast, prepareProbe, startSink, type BlastSummary } from './support/capture-traffic.js';
import { fmtNum } from './support/stats.js';
import { runBench } from './support/entry.js';
import { parseFlags, positiveInt, truthy } from './support/flags.js';

// ---------------------------------------------------------------------------------------------- options

interface Options {
  rates: number[];
  stepSeconds: number;
  senders: number | undefined;
  latencyRuns: number;
  probePackets: number;
  settleMs: number;
  jsonFile: string | undefined;
  quick: boolean;
}

const USAGE = `usage: node dist/bench/capture.js [options]
  --quick               rates 1000,10000 and 2 latency runs (smoke run)
  --rates A,B,…         target packet rates per second (default 1000,10000,50000,100000; env BENCH_CAPTURE_RATES)
  --step-seconds S      packets per step = rate × S (default 2; rate × S ≤ 1,000,000)
  --senders K           UDP sender processes per step (default 1, 2 from 200,000 pkt/s)
  --latency-runs N      create→first packet / end→download measurements (default 5)
  --probe-packets P     max_packets of a latency capture (probes every 10 ms; default 50)
  --settle-ms MS        pause between "capture is running" and the blast (default 250)
  --json FILE           also write the figures as JSON`;

const CAPTURE_DEADLINE_SLACK_MS = 2000;
const PROBE_INTERVAL_MS = 10;
const MAX_PCAP_BYTES = 2 * 1024 * 1024 * 1024; // src/agent/handlers/capture.ts passes the same cap
const GOAL_RATE = 100_000;
const GOAL_FIRST_PACKET_MS = 1000;
const GOAL_DOWNLOADABLE_MS = 2000;

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = parseFlags(argv, { booleans: ['--quick'], values: ['--rates', '--step-seconds', '--senders', '--latency-runs', '--probe-packets', '--settle-ms', '--json'] }, USAGE);
  const quick = truthy(flags.get('--quick')) || truthy(env.BENCH_QUICK);
  const ratesRaw = flags.get('--rates') ?? env.BENCH_CAPTURE_RATES;
  const rates = ratesRaw ? ratesRaw.split(',').map((r) => positiveInt('--rates', r.trim())) : quick ? [1000, 10_000] : [1000, 10_000, 50_000, 100_000];
  const stepSeconds = flags.has('--step-seconds') ? positiveInt('--step-seconds', flags.get('--step-seconds')) : 2;
  for (const rate of rates) {
    if (rate * stepSeconds > 1_000_000) throw new Error(`rate ${rate} × ${stepSeconds} s exceeds max_packets 1,000,000; lower --step-seconds`);
  }
  const probePackets = flags.has('--probe-packets') ? positiveInt('--probe-packets', flags.get('--probe-packets')) : 50;
  return {
    rates, stepSeconds, probePackets,
    senders: flags.has('--senders') ? positiveInt('--senders', flags.get('--senders')) : undefined,
    latencyRuns: flags.has('--latency-runs') ? positiveInt('--latency-runs', flags.get('--latency-runs')) : quick ? 2 : 5,
    settleMs: flags.has('--settle-ms') ? Number(flags.get('--settle-ms')) : 250,
    jsonFile: flags.get('--json'),
    quick,
  };
}

// ------------------------------------------------------------------------------------------ environment

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const supportDir = path.join(here, 'support');
const repoRoot = path.resolve(here, '..', '..');
const epochNow = (): number => performance.timeOrigin + performance.now();

let tempRoot: string | undefined;
const stopEverything = new AbortController(); // aborts a bare capture in progress on SIGINT

interface Bench {
  client: HuaweiApiClient;
  fw: string;
  store: Store;
  /** TMPDIR of the agent: its job work dirs (gp-job-<id>-…/capture.pcap) appear here. */
  agentTmp: string;
  workDir: string;
  env: NodeJS.ProcessEnv;
  options: Options;
  tool: CaptureTool;
  agent: BenchProc;
}

function ruleFor(port: number): CaptureRule {
  return {
    source: { address: '127.0.0.1', address_type: 0 }, destination: { address: '127.0.0.1', address_type: 0 },
    protocol: 17, source_port: '', dest_port: String(port),
  };
}

// --------------------------------------------------------------------------------------- API helpers

interface TaskRecord { task_id: string; status: number; stop_reason: string | null; packets: number | null; stop_detail?: string }

async function createCapture(b: Bench, name: string, port: number, maxPackets: number): Promise<string> {
  const created = await b.client.call<{ data: { task_id: string } }>('POST', '/v1/{project_id}/capture-task', { fw_instance_id: b.fw }, {
    name, duration: 1, max_packets: maxPackets,
    source: { address: '127.0.0.1', address_type: 0, type: 0 }, destination: { address: '127.0.0.1', address_type: 0, type: 0 },
    service: { protocol: 17, source_port: '', dest_port: String(port) },
  });
  return created.data.task_id;
}

async function taskRecord(b: Bench, taskId: string): Promise<TaskRecord> {
  const page = await b.client.call<{ data: { records: TaskRecord[] } }>('GET', '/v1/{project_id}/capture-task', { fw_instance_id: b.fw, limit: 1024, offset: 0 });
  const record = page.data.records.find((r) => r.task_id === taskId);
  if (!record) throw new Error(`capture task ${taskId} is missing from ListCaptureTask`);
  return record;
}

const finalStatus = (status: number) => status !== 2 && status !== 5;

/** Polls ListCaptureTask until the task has ended; sends CancelCaptureTask once `cancelAt` (epoch ms) has passed. */
async function waitForEnd(b: Bench, taskId: string, cancelAt: number, pollMs: number, timeoutMs: number): Promise<{ record: TaskRecord; cancelled: boolean; endedSeenAt: number }> {
  const deadline = Date.now() + timeoutMs;
  let cancelled = false;
  for (;;) {
    const record = await taskRecord(b, taskId);
    if (finalStatus(record.status)) return { record, cancelled, endedSeenAt: epochNow() };
    if (!cancelled && Date.now() >= cancelAt) {
      cancelled = true;
      try {
        await b.client.call('POST', '/v1/{project_id}/capture-task/stop', { fw_instance_id: b.fw }, { task_id: taskId });
      } catch (error) {
        if (!(error instanceof ApiCallError && error.code === 'CFW.0020016')) throw error; // it ended meanwhile
      }
    }
    if (Date.now() > deadline) throw new Error(`capture task ${taskId} still running after ${timeoutMs} ms (status ${record.status})`);
    await sleep(pollMs);
  }
}

/** ListCaptureResult, then the download itself; the pcap is written to `file`. */
async function downloadResult(b: Bench, taskId: string, file: string): Promise<void> {
  const result = await b.client.call<{ data: { url?: string; captcha?: string; file_list?: Array<{ url: string }> } }>(
    'GET', '/v1/{project_id}/capture-task/capture-result', { fw_instance_id: b.fw, task_id: taskId });
  const url = result.data.url ? `${result.data.url}?code=${result.data.captcha}` : result.data.file_list?.[0]?.url;
  if (!url) throw new Error('ListCaptureResult returned no download URL');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`pcap download failed: HTTP ${response.status} ${await response.text()}`);
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
}

async function jobOf(b: Bench, taskId: string): Promise<JobsTable> {
  const job = await b.store.db.selectFrom('jobs').selectAll().where('task_id', '=', taskId).executeTakeFirst();
  if (!job) throw new Error(`no job for capture task ${taskId}`);
  return job;
}

const jobResult = (job: JobsTable): Partial<CaptureJobResult> => (job.result ? JSON.parse(job.result) as Partial<CaptureJobResult> : {});

/**
 * Epoch ms at which the agent's capture file for `jobId` has its pcap header — the runner's own
 * definition of "capturing" (both tools write it only after the interface is open and the filter set).
 */
async function waitForAgentPcap(b: Bench, jobId: string, timeoutMs: number): Promise<number> {
  const prefix = `gp-job-${jobId.slice(0, 8)}-`;
  const deadline = Date.now() + timeoutMs;
  let dir: string | undefined;
  for (;;) {
    if (!dir) dir = fs.readdirSync(b.agentTmp).find((name) => name.startsWith(prefix));
    if (dir) {
      try {
        if (fs.statSync(path.join(b.agentTmp, dir, CAPTURE_PCAP_ARTIFACT)).size >= 24) return epochNow();
      } catch {
        // not created yet (or the job already ended and its dir is gone)
      }
    }
    if (Date.now() > deadline) throw new Error(`the agent's capture for job ${jobId} did not start within ${timeoutMs} ms`);
    if (!b.agent.isRunning()) throw new Error(`the agent exited\n${b.agent.stderrTail()}`);
    await sleep(2);
  }
}

// -------------------------------------------------------------------------------------------- rate steps

interface SideFigures {
  sent: number;
  achievedRate: number;
  sendErrors: number;
  senderTimedOut: boolean;
  captured: number;
  kernelDrops: number | null;
  stopReason: string;
  /** Capture tool spawn (runner start) → pcap header written, ms. */
  toolStartMs: number;
}

interface RateRow { rate: number; count: number; guardpost: SideFigures; bare: SideFigures }

function sendersFor(b: Bench, rate: number): number {
  return b.options.senders ?? (rate >= 200_000 ? 2 : 1);
}

function blastFigures(blast: BlastSummary) {
  return { sent: blast.sent, achievedRate: blast.achievedRate, sendErrors: blast.errors, senderTimedOut: blast.timedOut };
}

async function guardpostRateStep(b: Bench, rate: number, count: number): Promise<SideFigures> {
  const sink = await startSink(supportDir, b.env);
  try {
    const blast = await prepareBlast(supportDir, b.env, {
      port: sink.port, count, rate, senders: sendersFor(b, rate), maxMs: b.options.stepSeconds * 3000 + 2000,
    });
    try {
      const taskId = await createCapture(b, `bench-rate-${rate}-${sink.port}`, sink.port, count);
      const job = await jobOf(b, taskId);
      const capturingAt = await waitForAgentPcap(b, job.id, 20_000);
      await sleep(b.options.settleMs);
      const sent = await blast.go();
      const end = await waitForEnd(b, taskId, sent.lastSendAt + CAPTURE_DEADLINE_SLACK_MS, 100, 30_000);
      const file = path.join(b.workDir, `guardpost-${rate}.pcap`);
      await downloadResult(b, taskId, file);
      const summary = await summarizeCaptureFile(file);
      fs.rmSync(file, { force: true });
      const result = jobResult(await jobOf(b, taskId));
      return {
        ...blastFigures(sent), captured: summary.packets, kernelDrops: result.kernel_drops ?? null,
        stopReason: `${end.record.stop_reason ?? '?'} (status ${end.record.status})`,
        toolStartMs: capturingAt - (result.started_at ?? NaN),
      };
    } finally {
      await blast.abort();
    }
  } finally {
    await sink.stop();
  }
}

/** The same capture as the agent runs — runCapture with the handler's options — in this process. */
async function bareRateStep(b: Bench, rate: number, count: number): Promise<SideFigures> {
  const sink = await startSink(supportDir, b.env);
  const controller = new AbortController();
  const abortAll = () => controller.abort();
  stopEverything.signal.addEventListener('abort', abortAll, { once: true });
  try {
    const blast = await prepareBlast(supportDir, b.env, {
      port: sink.port, count, rate, senders: sendersFor(b, rate), maxMs: b.options.stepSeconds * 3000 + 2000,
    });
    try {
      const outputFile = path.join(b.workDir, `bare-${rate}.pcap`);
      let markStarted: (at: number) => void = () => undefined;
      const started = new Promise<number>((resolve) => { markStarted = resolve; });
      const spawnedAt = epochNow();
      const run = runCapture({
        interface: 'lo', rule: ruleFor(sink.port), maxPackets: count, durationSeconds: 60, outputFile, tool: b.tool,
        signal: controller.signal, abortReason: () => 'user_stop', maxFileBytes: MAX_PCAP_BYTES,
        onStarted: () => markStarted(epochNow()),
      });
      const first = await Promise.race([
        started.then((at) => ({ kind: 'started' as const, at })),
        run.then((result) => ({ kind: 'ended' as const, result })),
        sleep(20_000).then(() => ({ kind: 'timeout' as const })),
      ]);
      if (first.kind === 'ended') throw new Error(`bare capture ended before it started: ${first.result.stopReason} ${first.result.detail ?? ''}`);
      if (first.kind === 'timeout') {
        controller.abort();
        await run;
        throw new Error('bare capture did not start within 20 s');
      }
      await sleep(b.options.settleMs);
      const sent = await blast.go();
      const timer = setTimeout(() => controller.abort(), Math.max(0, sent.lastSendAt + CAPTURE_DEADLINE_SLACK_MS - epochNow()));
      const result = await run;
      clearTimeout(timer);
      const summary = await summarizeCaptureFile(outputFile);
      fs.rmSync(outputFile, { force: true });
      return {
        ...blastFigures(sent), captured: summary.packets, kernelDrops: result.kernelDrops ?? null,
        stopReason: result.stopReason, toolStartMs: first.at - spawnedAt,
      };
    } finally {
      controller.abort();
      await blast.abort();
    }
  } finally {
    stopEverything.signal.removeEventListener('abort', abortAll);
    await sink.stop();
  }
}

// ------------------------------------------------------------------------------------------------ latency

interface LatencyRow {
  /** All in ms. create* are relative to the moment the CreateCaptureTask request was sent. */
  createResponseMs: number;
  claimMs: number;
  runnerStartMs: number;
  capturingMs: number;
  firstProbeSentMs: number;
  firstPacketMs: number;
  /** job result ended_at → job finished on the server (agent uploaded the pcap and reported). */
  endToJobFinishedMs: number;
  /** job result ended_at → ListCaptureTask shows a final status. */
  endToStatusMs: number;
  /** job result ended_at → ListCaptureResult answered and the pcap is downloaded. */
  endToDownloadedMs: number;
  /** last captured packet (pcap timestamp) → pcap downloaded. */
  lastPacketToDownloadedMs: number;
  packets: number;
  stopReason: string;
}

async function latencyRun(b: Bench, index: number): Promise<LatencyRow> {
  const sink = await startSink(supportDir, b.env);
  const probe = await prepareProbe(supportDir, b.env, { port: sink.port, intervalMs: PROBE_INTERVAL_MS, maxMs: 30_000 });
  let probeStopped = false;
  try {
    const sentAt = epochNow();
    const taskId = await createCapture(b, `bench-latency-${index}-${sink.port}`, sink.port, b.options.probePackets);
    const createdAt = epochNow();
    probe.go();
    const job = await jobOf(b, taskId);
    const capturing = waitForAgentPcap(b, job.id, 20_000).catch(() => NaN);
    const end = await waitForEnd(b, taskId, Number.POSITIVE_INFINITY, 10, 30_000);
    const file = path.join(b.workDir, `latency-${index}.pcap`);
    await downloadResult(b, taskId, file);
    const downloadedAt = epochNow();
    const probeResult = await probe.stop();
    probeStopped = true;
    const capturingAt = await capturing;
    const summary = await summarizeCaptureFile(file);
    fs.rmSync(file, { force: true });
    const finished = await jobOf(b, taskId);
    const result = jobResult(finished);
    const endedAt = result.ended_at ?? NaN;
    return {
      createResponseMs: createdAt - sentAt,
      claimMs: (finished.started_at ?? NaN) - sentAt,
      runnerStartMs: (result.started_at ?? NaN) - sentAt,
      capturingMs: capturingAt - sentAt,
      firstProbeSentMs: (probeResult.firstSendAt ?? NaN) - sentAt,
      firstPacketMs: (summary.firstTs ?? NaN) - sentAt,
      endToJobFinishedMs: (finished.finished_at ?? NaN) - endedAt,
      endToStatusMs: end.endedSeenAt - endedAt,
      endToDownloadedMs: downloadedAt - endedAt,
      lastPacketToDownloadedMs: downloadedAt - (summary.lastTs ?? NaN),
      packets: summary.packets,
      stopReason: `${end.record.stop_reason ?? '?'} (status ${end.record.status})`,
    };
  } finally {
    if (!probeStopped) await probe.stop().catch(() => undefined);
    await sink.stop();
  }
}

// --------------------------------------------------------------------------------------------- reporting

function median(values: number[]): number {
  const v = values.filter(Number.isFinite).sort((x, y) => x - y);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

const maxOf = (values: number[]): number => {
  const v = values.filter(Number.isFinite);
  return v.length ? Math.max(...v) : NaN;
};
const ms = (value: number): string => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'n/a');
const drops = (value: number | null): string => (value === null ? 'n/a' : fmtNum(value));

function printRates(rows: RateRow[]): void {
  const widths = [11, 10, 10, 13, 12, 10, 12, 11, 26];
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? `  ${c}` : c.padStart(widths[i] as number))).join('');
  console.log('');
  console.log('Capture completeness (each side gets its own blast of the same shape; captured counts come from the pcap):');
  console.log(line(['target/s', 'side', 'sent', 'achieved/s', 'captured', 'capt/sent', 'kern drops', 'start ms', 'stop']));
  for (const r of rows) {
    for (const [label, s] of [['guardpost', r.guardpost], ['bare', r.bare]] as const) {
      console.log(line([
        label === 'guardpost' ? fmtNum(r.rate) : '', label, fmtNum(s.sent), fmtNum(s.achievedRate), fmtNum(s.captured),
        s.sent > 0 ? (s.captured / s.sent).toFixed(3) : 'n/a', drops(s.kernelDrops), fmtNum(s.toolStartMs),
        `${s.stopReason}${s.sendErrors ? `; ${s.sendErrors} send errors` : ''}${s.senderTimedOut ? '; sender gave up (rate not reached)' : ''}`,
      ]));
    }
    const ratio = r.bare.captured > 0 ? (r.guardpost.captured / r.bare.captured).toFixed(3) : 'n/a';
    console.log(`${''.padStart(11)}  ratio guardpost/bare captured: ${ratio}`);
  }
  console.log('(start ms: capture tool spawned → pcap header written; the blast starts after that plus the settle pause)');
}

function verdictRates(rows: RateRow[]): string[] {
  const lines: string[] = [];
  const upTo = rows.filter((r) => r.rate <= GOAL_RATE);
  const complete = (s: SideFigures) => s.captured === s.sent && s.kernelDrops === 0;
  const gpOk = upTo.every((r) => complete(r.guardpost) && r.guardpost.captured === r.bare.captured);
  const reached = Math.max(0, ...rows.map((r) => Math.min(r.guardpost.achievedRate, r.bare.achievedRate)).filter(Number.isFinite));
  lines.push(`goal ratio 1.00 with zero kernel drops up to ${fmtNum(GOAL_RATE)} pkt/s: ${gpOk ? 'MET' : 'NOT MET'} for the rates run` +
    ` (highest rate actually achieved by the senders: ${fmtNum(reached)} pkt/s${reached < GOAL_RATE * 0.95 ? ' — below the goal rate, see the achieved column' : ''})`);
  for (const r of upTo) {
    for (const [label, s] of [['guardpost', r.guardpost], ['bare', r.bare]] as const) {
      if (!complete(s)) {
        lines.push(`  ${fmtNum(r.rate)}/s ${label}: captured ${fmtNum(s.captured)} of ${fmtNum(s.sent)} sent, kernel drops ${drops(s.kernelDrops)}`);
      }
    }
  }
  return lines;
}

function printLatency(rows: LatencyRow[]): void {
  console.log('');
  console.log(`Latency (${rows.length} runs; probes every ${PROBE_INTERVAL_MS} ms from the moment CreateCaptureTask returned; all times from sending CreateCaptureTask):`);
  const cols: Array<[string, (r: LatencyRow) => number]> = [
    ['create resp', (r) => r.createResponseMs],
    ['job claimed', (r) => r.claimMs],
    ['runner start', (r) => r.runnerStartMs],
    ['capturing', (r) => r.capturingMs],
    ['1st probe', (r) => r.firstProbeSentMs],
    ['1st packet', (r) => r.firstPacketMs],
    ['end→job done', (r) => r.endToJobFinishedMs],
    ['end→status', (r) => r.endToStatusMs],
    ['end→download', (r) => r.endToDownloadedMs],
    ['last pkt→dl', (r) => r.lastPacketToDownloadedMs],
  ];
  const w = 13;
  console.log(['run'.padStart(5), ...cols.map(([name]) => name.padStart(w)), '  packets / stop'].join(''));
  rows.forEach((r, i) => console.log([String(i + 1).padStart(5), ...cols.map(([, f]) => ms(f(r)).padStart(w)), `  ${r.packets} / ${r.stopReason}`].join('')));
  console.log(['median'.padStart(5), ...cols.map(([, f]) => ms(median(rows.map(f))).padStart(w))].join(''));
  console.log(['max'.padStart(5), ...cols.map(([, f]) => ms(maxOf(rows.map(f))).padStart(w))].join(''));
  const first = rows.map((r) => r.firstPacketMs);
  const ready = rows.map((r) => r.endToDownloadedMs);
  console.log(`task creation → first packet captured: median ${ms(median(first))}, max ${ms(maxOf(first))} — goal < ${GOAL_FIRST_PACKET_MS} ms: ${maxOf(first) < GOAL_FIRST_PACKET_MS ? 'MET' : 'NOT MET'}`);
  console.log(`capture end (job ended_at) → result downloaded: median ${ms(median(ready))}, max ${ms(maxOf(ready))} — goal < ${GOAL_DOWNLOADABLE_MS} ms: ${maxOf(ready) < GOAL_DOWNLOADABLE_MS ? 'MET' : 'NOT MET'}`);
}

// ------------------------------------------------------------------------------------------------ main

async function waitForFirewall(client: HuaweiApiClient, agent: BenchProc, timeoutMs: number): Promise<string> {
  type Fw = { fw_instance_id: string; agent_status: string; capture_interfaces: string[] };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.call<{ data: { records: Fw[] } }>('GET', '/v1/{project_id}/firewall/exist', { offset: 0, limit: 1024, service_type: 0 });
    const fw = res.data.records.find((r) => r.agent_status === 'online' && r.capture_interfaces.includes('lo'));
    if (fw) return fw.fw_instance_id;
    if (!agent.isRunning()) throw new Error(`the agent exited before enrolling\n${agent.stderrTail()}`);
    if (Date.now() > deadline) throw new Error(`no online capture sensor after ${timeoutMs} ms\n${agent.stderrTail()}`);
    await sleep(200);
  }
}

async function emergencyCleanup(): Promise<void> {
  stopEverything.abort();
  await Promise.allSettled(runningProcs().map((p) => p.stop('SIGTERM', 5000)));
  await Promise.allSettled(runningChildren().map((c) => c.stop()));
  if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const tool = detectCaptureTool();
  if (process.getuid?.() !== 0) console.warn('warning: not running as root; captures need root or capture capabilities');
  if (!tool) {
    console.error('bench:capture needs dumpcap or tcpdump (run scripts/deps/capture.sh)');
    return 2;
  }
  const toolPath = findExecutable(tool) as string;
  console.log(`Guardpost packet capture bench — ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, node ${process.version}, ${os.release()}`);
  console.log(`rates ${options.rates.map((r) => fmtNum(r)).join(', ')} pkt/s × ${options.stepSeconds} s each, ${options.latencyRuns} latency runs, capture tool ${tool}`);

  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'guardpost-bench-capture-'));
  const home = path.join(tempRoot, 'home');
  const agentState = path.join(tempRoot, 'agent-state');
  const agentTmp = path.join(tempRoot, 'agent-tmp');
  const workDir = path.join(tempRoot, 'work');
  for (const dir of [agentTmp, workDir]) fs.mkdirSync(dir, { recursive: true });
  const env = cleanEnv({});
  let store: Store | undefined;
  let server: ServerChild | undefined;
  let agent: BenchProc | undefined;
  let failed = false;
  try {
    server = await startServerChild('guardpost', path.join(supportDir, 'guardpost-server.js'), cleanEnv({
      GUARDPOST_HOME: home, GUARDPOST_LISTEN: '127.0.0.1:0', GUARDPOST_LOG_LEVEL: 'warn',
    }));
    console.log(`guardpost server pid ${server.pid} at ${server.endpoint} (home ${home})`);

    store = openStore({ sqlitePath: path.join(home, 'guardpost.db') });
    await migrateToLatest(store, allMigrations);
    const tasks = new TaskStore(store.db, store.dialect);
    const agentStore = new AgentStore(store.db, tasks);
    const creds = JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8')) as { project_id: string; ak: string; sk: string };
    // The bench creates more tasks than the default 20 per firewall per day.
    await tasks.setQuota(creds.project_id, 'capture.tasks_per_firewall_per_day', 10_000);
    const { token } = await agentStore.createEnrollmentToken({ projectId: creds.project_id, maxUses: 1, description: 'bench/capture.ts' });

    agent = spawnProc('agent', process.execPath, [
      path.join(repoRoot, 'bin', 'guardpost.js'), 'agent', '--server', server.endpoint, '--enroll-token', token,
      '--state-dir', agentState, '--interfaces', 'lo', '--name', 'bench-capture-sensor',
    ], { env: cleanEnv({ TMPDIR: agentTmp }), cwd: repoRoot });
    const client = new HuaweiApiClient({ endpoint: server.endpoint, ak: creds.ak, sk: creds.sk, project_id: creds.project_id });
    const fw = await waitForFirewall(client, agent, 30_000);
    console.log(`agent pid ${agent.pid} enrolled; firewall ${fw} captures on lo`);
    const sampleArgv = buildCaptureCommand({ interface: 'lo', rule: ruleFor(40000), maxPackets: 2000, durationSeconds: 60, outputFile: '/tmp/x.pcap' }, toolPath, tool);
    console.log(`capture command (both sides): ${sampleArgv.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}`);

    const bench: Bench = { client, fw, store, agentTmp, workDir, env, options, tool, agent };

    // ---- completeness at increasing rates
    const rateRows: RateRow[] = [];
    for (const rate of options.rates) {
      const count = rate * options.stepSeconds;
      process.stdout.write(`rate ${fmtNum(rate)} pkt/s (${fmtNum(count)} packets): guardpost… `);
      const guardpost = await guardpostRateStep(bench, rate, count);
      process.stdout.write(`${fmtNum(guardpost.captured)} captured; bare… `);
      const bare = await bareRateStep(bench, rate, count);
      console.log(`${fmtNum(bare.captured)} captured`);
      rateRows.push({ rate, count, guardpost, bare });
    }

    // ---- latency
    const latencyRows: LatencyRow[] = [];
    for (let i = 0; i < options.latencyRuns; i++) {
      process.stdout.write(`latency run ${i + 1}/${options.latencyRuns}… `);
      const row = await latencyRun(bench, i + 1);
      console.log(`first packet ${ms(row.firstPacketMs)}, downloadable ${ms(row.endToDownloadedMs)} after the end`);
      latencyRows.push(row);
      await sleep(300);
    }

    printRates(rateRows);
    const verdict = verdictRates(rateRows);
    for (const line of verdict) console.log(line);
    if (latencyRows.length > 0) printLatency(latencyRows);
    if (options.jsonFile) {
      fs.writeFileSync(options.jsonFile, `${JSON.stringify({ options, tool, rates: rateRows, latency: latencyRows }, null, 2)}\n`);
    }
  } catch (error) {
    failed = true;
    console.error(`\n${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    if (agent) console.error(`agent stderr (tail):\n${agent.stderrTail()}`);
  } finally {
    if (agent) await agent.stop('SIGTERM', 25_000);
    await server?.stop();
    await store?.close().catch(() => undefined);
    await emergencyCleanup();
  }
  return failed ? 1 : 0;
}

runBench(main, emergencyCleanup, () => tempRoot);
