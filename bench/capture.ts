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
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { HuaweiApiClient } from '../src/cli/api-client.js';
import { summarizeCaptureFile } from '../src/engines/capture/pcap-reader.js';
import type { CaptureRule } from '../src/engines/capture/rule.js';
import { buildCaptureCommand, detectCaptureTool, findExecutable, runCapture } from '../src/engines/capture/runner.js';
import { AgentStore } from '../src/store/agent-store.js';
import { migrateToLatest, openStore, type Store } from '../src/store/database.js';
import { TaskStore } from '../src/store/task-store.js';
import { cleanEnv, runningChildren, type ServerChild, startServerChild } from './support/child.js';
import { runningProcs, spawnProc, type BenchProc } from './support/capture-procs.js';
import { prepareBlast, prepareProbe, startSink, type BlastSummary } from './support/capture-traffic.js';
import { fmtNum } from './support/stats.js';
import { runBench } from './support/entry.js';
import { createCapture, downloadResult, epochNow, jobOf, jobResult, waitForAgentPcap, waitForEnd, type Bench } from './capture/api.js';
import { CAPTURE_DEADLINE_SLACK_MS, MAX_PCAP_BYTES, parseOptions, PROBE_INTERVAL_MS } from './capture/options.js';
import { ms, printLatency, printRates, verdictRates, type LatencyRow, type RateRow, type SideFigures } from './capture/report.js';

// ------------------------------------------------------------------------------------------ environment

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const supportDir = path.join(here, 'support');
const repoRoot = path.resolve(here, '..', '..');

let tempRoot: string | undefined;
const stopEverything = new AbortController(); // aborts a bare capture in progress on SIGINT


function ruleFor(port: number): CaptureRule {
  return {
    source: { address: '127.0.0.1', address_type: 0 }, destination: { address: '127.0.0.1', address_type: 0 },
    protocol: 17, source_port: '', dest_port: String(port),
  };
}

// -------------------------------------------------------------------------------------------- rate steps



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
