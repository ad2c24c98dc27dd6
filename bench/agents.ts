/**
 * Agent check-in benchmark: N simulated agents against ONE real Guardpost server (a child process on
 * loopback, fresh temporary GUARDPOST_HOME), then the same load shape against a bare Fastify server
 * (one `POST /checkin` route, no auth, no database) as the baseline. See bench/README.md.
 *
 *   npm run bench:agents -- [--quick] [--agents N] [--interval-seconds S] [--duration-seconds S]
 *                           [--long-poll [--wait-seconds W]] [--sockets K] [--database-url postgres://…]
 *                           [--cpu-prof DIR] [--json FILE] [--no-bare]
 */
import fs from 'node:fs';
import { allMigrations } from '../src/families/server.js';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { HostFacts } from '../src/core/host-facts.js';
import { AgentStore } from '../src/store/agent-store.js';
import { migrateToLatest, openStore, type Store } from '../src/store/database.js';
import { TaskStore } from '../src/store/task-store.js';
import { cleanEnv, runningChildren, type ServerChild, startServerChild } from './support/child.js';
import { keepAliveAgent, postJson } from './support/http.js';
import { createBenchDatabase } from './support/pg.js';
import { cpuSecondsOf, memoryOf } from './support/proc.js';
import { fmtMs, fmtNum, ratio, Samples } from './support/stats.js';
import { runBench } from './support/entry.js';
import { parseFlags, positiveInt, truthy } from './support/flags.js';

// ---------------------------------------------------------------------------------------------- options

interface Options {
  agents: number;
  intervalSeconds: number;
  durationSeconds: number;
  longPoll: boolean;
  waitSeconds: number;
  sockets: number;
  enrollConcurrency: number;
  databaseUrl: string | undefined;
  cpuProfDir: string | undefined;
  jsonFile: string | undefined;
  bare: boolean;
  quick: boolean;
}

const USAGE = `usage: node dist/bench/agents.js [options]
  --quick                    200 agents, 2 s interval, 10 s (smoke run)
  --agents N                 simulated agents (default 2000; env BENCH_AGENTS)
  --interval-seconds S       check-in interval per agent (default 10; env BENCH_INTERVAL_SECONDS)
  --duration-seconds S       length of the load phase (default 60; env BENCH_DURATION_SECONDS)
  --long-poll                agents hold long-polls instead of plain polls (env BENCH_LONG_POLL=1)
  --wait-seconds W           long-poll hold (default = interval, at most 25)
  --sockets K                keep-alive socket pool (default 256 for polls, agents+16 for long-polls)
  --enroll-concurrency C     parallel enrollments (default 16)
  --database-url URL         postgres://… server: the bench creates a fresh database there and drops it
                             afterwards (the role needs CREATEDB). Default: SQLite in the temp home
  --cpu-prof DIR             run the Guardpost child under node --cpu-prof, profiles written to DIR
  --json FILE                also write the figures as JSON
  --no-bare                  skip the bare-Fastify baseline`;

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = parseFlags(argv, { booleans: ['--quick', '--long-poll', '--no-bare'], values: ['--agents', '--interval-seconds', '--duration-seconds', '--wait-seconds', '--sockets',
    '--enroll-concurrency', '--database-url', '--cpu-prof', '--json'] }, USAGE);
  const quick = truthy(flags.get('--quick')) || truthy(env.BENCH_QUICK);
  const pick = (flag: string, envName: string, fallback: number) => {
    const raw = flags.get(flag) ?? env[envName];
    return raw === undefined || raw === '' ? fallback : positiveInt(flag, raw);
  };
  const agents = pick('--agents', 'BENCH_AGENTS', quick ? 200 : 2000);
  const intervalSeconds = pick('--interval-seconds', 'BENCH_INTERVAL_SECONDS', quick ? 2 : 10);
  const durationSeconds = pick('--duration-seconds', 'BENCH_DURATION_SECONDS', quick ? 10 : 60);
  const longPoll = truthy(flags.get('--long-poll')) || truthy(env.BENCH_LONG_POLL);
  const waitSeconds = Math.min(25, pick('--wait-seconds', 'BENCH_WAIT_SECONDS', Math.min(25, intervalSeconds)));
  const sockets = pick('--sockets', 'BENCH_SOCKETS', longPoll ? agents + 16 : 256);
  if (agents > 50_000) throw new Error('--agents is capped at 50000');
  if (durationSeconds > 3600) throw new Error('--duration-seconds is capped at 3600');
  if (longPoll && sockets < agents) console.warn(`warning: --sockets ${sockets} < --agents ${agents}: long-polls will queue in the client pool`);
  return {
    agents, intervalSeconds, durationSeconds, longPoll, waitSeconds, sockets,
    enrollConcurrency: pick('--enroll-concurrency', 'BENCH_ENROLL_CONCURRENCY', 16),
    databaseUrl: flags.get('--database-url') ?? (env.BENCH_DATABASE_URL || undefined),
    cpuProfDir: flags.get('--cpu-prof'),
    jsonFile: flags.get('--json'),
    bare: !truthy(flags.get('--no-bare')),
    quick,
  };
}

// ---------------------------------------------------------------------------------------------- agents

interface SimAgent {
  index: number;
  id: string;
  secret: string;
  facts: HostFacts;
}

function factsFor(index: number): HostFacts {
  const n = String(index).padStart(5, '0');
  return {
    host_name: `bench-host-${n}`, os_name: 'Debian GNU/Linux', os_version: '12 (bookworm)', os_type: 'Linux',
    kernel_version: '6.1.0-18-amd64', os_bit: '64',
    private_ips: [`10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`], public_ips: [],
    agent_version: '0.1.0',
    capabilities: { job_kinds: ['inventory', 'antivirus', 'capture'], kinds: { inventory: {}, antivirus: { engine: 'clamd 1.0.5' }, capture: { interfaces: ['eth0'] } } },
  };
}

const authHeader = (agent: SimAgent) => ({ authorization: `GuardpostAgent ${agent.id}:${agent.secret}` });

async function enrollAll(base: URL, token: string, count: number, concurrency: number): Promise<SimAgent[]> {
  const pool = keepAliveAgent(concurrency);
  const result: SimAgent[] = new Array<SimAgent>(count);
  let next = 0;
  async function worker(): Promise<void> {
    while (next < count) {
      const index = next++;
      const facts = factsFor(index);
      for (let attempt = 1; ; attempt++) {
        const response = await postJson(pool, base, '/agent/v1/enroll', { enrollment_token: token, facts }, {}, 30_000);
        if (response.status === 200) {
          const body = JSON.parse(response.body) as { agent_id: string; agent_secret: string };
          result[index] = { index, id: body.agent_id, secret: body.agent_secret, facts };
          break;
        }
        // PostgreSQL: two enrollments racing on the token's use counter; the server asks to retry.
        if (attempt < 20 && response.body.includes('concurrently')) {
          await sleep(5 * attempt);
          continue;
        }
        throw new Error(`enrollment of agent ${index} failed: HTTP ${response.status} ${response.body}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  pool.destroy();
  return result;
}

// ------------------------------------------------------------------------------------------------ load

interface LoadShape {
  agents: SimAgent[];
  path: string;
  intervalMs: number;
  durationMs: number;
  longPoll: boolean;
  waitSeconds: number;
  sockets: number;
}

interface LoadResult {
  label: string;
  requests: number;
  ok: number;
  errors: Record<string, number>;
  errorCount: number;
  latency: ReturnType<Samples['summary']>;
  /** long-poll mode: latency minus the requested hold; plain mode: same as latency. */
  overhead: ReturnType<Samples['summary']>;
  startLag: ReturnType<Samples['summary']>;
  elapsedSeconds: number;
  throughput: number;
  serverCpuSeconds: number;
  cpuPer1000: number;
  serverCpuPercent: number;
  clientCpuSeconds: number;
  rssMiB: number;
  peakRssMiB: number;
  rssBeforeMiB: number;
}

async function runLoad(label: string, target: ServerChild, shape: LoadShape): Promise<LoadResult> {
  const base = new URL(target.endpoint);
  const pool = keepAliveAgent(shape.sockets);
  const latency = new Samples();
  const overhead = new Samples();
  const startLag = new Samples();
  const errors: Record<string, number> = {};
  let requests = 0;
  let ok = 0;
  const noteError = (kind: string) => { errors[kind] = (errors[kind] ?? 0) + 1; };

  const n = shape.agents.length;
  const rssBefore = memoryOf(target.pid).rssMiB;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, memoryOf(target.pid).rssMiB);
    } catch {
      // child gone; reported as errors by the requests
    }
  }, 500);

  async function checkin(agent: SimAgent, sendFacts: boolean, waitSeconds: number): Promise<boolean> {
    const body = sendFacts ? { facts: agent.facts, wait_seconds: waitSeconds } : { wait_seconds: waitSeconds };
    const started = performance.now();
    requests++;
    try {
      const response = await postJson(pool, base, shape.path, body, authHeader(agent), waitSeconds * 1000 + 15_000);
      const ms = performance.now() - started;
      if (response.status !== 200) {
        noteError(`HTTP ${response.status}`);
        return false;
      }
      const parsed = JSON.parse(response.body) as { jobs?: unknown; cancel_job_ids?: unknown };
      if (!Array.isArray(parsed.jobs) || !Array.isArray(parsed.cancel_job_ids)) {
        noteError('unexpected body');
        return false;
      }
      ok++;
      latency.add(ms);
      overhead.add(ms - waitSeconds * 1000);
      return true;
    } catch (error) {
      noteError((error as NodeJS.ErrnoException).code ?? (error as Error).message);
      return false;
    }
  }

  // Everyone starts 250 ms from now; agent i's first check-in is offset by i/N of the interval.
  const t0 = performance.now() + 250;
  const end = t0 + shape.durationMs;

  async function pollingAgent(agent: SimAgent): Promise<void> {
    let sendFacts = true;
    for (let due = t0 + (agent.index / n) * shape.intervalMs; due < end; due += shape.intervalMs) {
      const delay = due - performance.now();
      if (delay > 0) await sleep(delay);
      startLag.add(Math.max(0, performance.now() - due));
      // A real agent sends facts on its first check-in and again only after a failed one or a change.
      if (await checkin(agent, sendFacts, 0)) sendFacts = false;
    }
  }

  async function longPollingAgent(agent: SimAgent): Promise<void> {
    let sendFacts = true;
    const first = t0 + (agent.index / n) * shape.intervalMs;
    if (first >= end) return;
    await sleep(Math.max(0, first - performance.now()));
    for (;;) {
      const wait = Math.min(shape.waitSeconds, Math.floor((end - performance.now()) / 1000));
      if (wait < 1) return;
      if (await checkin(agent, sendFacts, wait)) sendFacts = false;
      else await sleep(1000);
    }
  }

  const cpuBefore = cpuSecondsOf(target.pid);
  const clientBefore = process.cpuUsage();
  await Promise.all(shape.agents.map((a) => (shape.longPoll ? longPollingAgent(a) : pollingAgent(a))));
  const elapsedSeconds = (performance.now() - t0) / 1000;
  const serverCpuSeconds = cpuSecondsOf(target.pid) - cpuBefore;
  const client = process.cpuUsage(clientBefore);
  clearInterval(sampler);
  pool.destroy();
  const memory = memoryOf(target.pid);
  const answered = requests - Object.entries(errors).filter(([k]) => !k.startsWith('HTTP') && k !== 'unexpected body')
    .reduce((sum, [, v]) => sum + v, 0);
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  return {
    label, requests, ok, errors, errorCount,
    latency: latency.summary(), overhead: overhead.summary(), startLag: startLag.summary(),
    elapsedSeconds, throughput: ok / elapsedSeconds,
    serverCpuSeconds, cpuPer1000: answered > 0 ? (serverCpuSeconds / answered) * 1000 : NaN,
    serverCpuPercent: (serverCpuSeconds / elapsedSeconds) * 100,
    clientCpuSeconds: (client.user + client.system) / 1e6,
    rssMiB: memory.rssMiB, peakRssMiB: Math.max(peakRss, memory.rssMiB), rssBeforeMiB: rssBefore,
  };
}

// ----------------------------------------------------------------------------------- cross-replica probe

interface ProbeResult { name: string; ms: number; ok: boolean }

/**
 * Work created by ANOTHER process on the same database (this bench process plays the other replica) must
 * reach agents within about a second: a plain poll must see a new job, a plain poll must see a cancel
 * request, and a held long-poll must wake up with the new job. A revocation made elsewhere must lock the
 * agent out within the credential cache's 5 s.
 */
async function crossReplicaProbe(target: ServerChild, tasks: TaskStore, agentStore: AgentStore, projectId: string,
  a: SimAgent, b: SimAgent, c: SimAgent | undefined): Promise<ProbeResult[]> {
  const base = new URL(target.endpoint);
  const pool = keepAliveAgent(4);
  const results: ProbeResult[] = [];
  const limitMs = 5000;
  type CheckinBody = { jobs: Array<{ id: string }>; cancel_job_ids: string[] };
  const checkin = async (agent: SimAgent, wait: number): Promise<CheckinBody> => {
    const response = await postJson(pool, base, '/agent/v1/checkin', { wait_seconds: wait }, authHeader(agent), wait * 1000 + 10_000);
    if (response.status !== 200) throw new Error(`probe check-in: HTTP ${response.status} ${response.body}`);
    return JSON.parse(response.body) as CheckinBody;
  };
  const newTask = (agent: SimAgent, name: string) => tasks.createTask({
    projectId, enterpriseProjectId: '0', family: 'bench', kind: 'bench.probe', name, params: {}, createdBy: 'bench',
    jobs: [{ agentId: agent.id, kind: 'bench.noop', payload: { probe: name } }],
  });
  const pollUntil = async (name: string, agent: SimAgent, seen: (body: CheckinBody) => boolean): Promise<void> => {
    const started = performance.now();
    for (;;) {
      const body = await checkin(agent, 0);
      const ms = performance.now() - started;
      if (seen(body)) {
        results.push({ name, ms, ok: ms <= 1500 });
        return;
      }
      if (ms > limitMs) {
        results.push({ name, ms, ok: false });
        return;
      }
      await sleep(50);
    }
  };

  try {
    // 1. plain poll sees a job created elsewhere
    const first = await newTask(a, 'probe-poll');
    const jobId = (first.jobs[0] as { id: string }).id;
    await pollUntil('plain poll sees a job created by another replica', a, (body) => body.jobs.some((j) => j.id === jobId));

    // 2. plain poll sees a cancel request made elsewhere for a job it runs
    const claim = await postJson(pool, base, `/agent/v1/jobs/${jobId}/claim`, {}, authHeader(a), 10_000);
    if (claim.status !== 200) throw new Error(`probe claim: HTTP ${claim.status} ${claim.body}`);
    await tasks.cancelTask(first.task.id);
    await pollUntil('plain poll sees a cancel requested by another replica', a, (body) => body.cancel_job_ids.includes(jobId));
    await postJson(pool, base, `/agent/v1/jobs/${jobId}/finish`, { outcome: 'cancelled', reason: 'bench probe' }, authHeader(a), 10_000);

    // 3. a held long-poll wakes up for a job created elsewhere
    const held = checkin(b, 10);
    await sleep(300);
    const second = await newTask(b, 'probe-long-poll');
    const created = performance.now();
    const body = await held;
    const ms = performance.now() - created;
    const woke = body.jobs.some((j) => j.id === (second.jobs[0] as { id: string }).id);
    results.push({ name: 'held long-poll wakes for a job created by another replica', ms, ok: woke && ms <= 1500 });
    await tasks.cancelTask(second.task.id);

    // 4. a revocation made elsewhere locks a busy agent out
    if (c) {
      await checkin(c, 0);
      await agentStore.revoke(c.id);
      const revokedAt = performance.now();
      let refusedMs = NaN;
      while (performance.now() - revokedAt < 8000) {
        const response = await postJson(pool, base, '/agent/v1/checkin', { wait_seconds: 0 }, authHeader(c), 10_000);
        if (response.status === 401) {
          refusedMs = performance.now() - revokedAt;
          break;
        }
        await sleep(100);
      }
      results.push({ name: 'an agent revoked by another replica is refused (limit 6 s)', ms: refusedMs, ok: refusedMs <= 6000 });
    }
  } finally {
    pool.destroy();
  }
  return results;
}

// ------------------------------------------------------------------------------------------------ main

const here = path.dirname(fileURLToPath(import.meta.url));
let tempRoot: string | undefined;
let dropDatabase: (() => Promise<void>) | undefined;

async function emergencyCleanup(): Promise<void> {
  await Promise.allSettled(runningChildren().map((c) => c.stop()));
  if (dropDatabase) {
    const drop = dropDatabase;
    dropDatabase = undefined;
    await drop().catch((error: unknown) => console.error(`could not drop the bench database: ${String(error)}`));
  }
  if (tempRoot) fs.rmSync(tempRoot, { recursive: true, force: true });
  tempRoot = undefined;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const n = options.agents;
  const checkinsPerSecond = n / options.intervalSeconds;
  const mode = options.longPoll ? `long-poll (wait_seconds ${options.waitSeconds}, re-poll at once)` : 'plain polls (wait_seconds 0)';
  console.log(`Guardpost agent check-in bench — ${os.cpus().length} CPU(s) ${os.cpus()[0]?.model ?? ''}, node ${process.version}`);
  console.log(`shape: ${fmtNum(n)} agents, ${mode}, ${options.longPoll ? `hold ${options.waitSeconds} s` : `every ${options.intervalSeconds} s`}` +
    ` (${options.longPoll ? `~${fmtNum(n / options.waitSeconds, 1)}` : fmtNum(checkinsPerSecond, 1)} check-ins/s offered), ` +
    `${options.durationSeconds} s, keep-alive pool of ${options.sockets} sockets, store ${options.databaseUrl ? 'PostgreSQL' : 'SQLite'}`);

  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'guardpost-bench-'));
  const home = path.join(tempRoot, 'home');
  let store: Store | undefined;
  const report: Record<string, unknown> = { options: { ...options, databaseUrl: options.databaseUrl ? '(postgres)' : undefined } };
  let failed = false;
  try {
    // ---- Guardpost
    let databaseUrl: string | undefined;
    if (options.databaseUrl) {
      const database = await createBenchDatabase(options.databaseUrl);
      dropDatabase = database.drop;
      databaseUrl = database.url;
      console.log(`fresh PostgreSQL database ${database.name}`);
    }
    const nodeArgs = options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(options.cpuProfDir)] : [];
    const guardpost = await startServerChild('guardpost', path.join(here, 'support', 'guardpost-server.js'), cleanEnv({
      GUARDPOST_HOME: home, GUARDPOST_LISTEN: '127.0.0.1:0', GUARDPOST_DATABASE_URL: databaseUrl, GUARDPOST_LOG_LEVEL: 'warn',
    }), { nodeArgs });
    console.log(`guardpost child pid ${guardpost.pid} at ${guardpost.endpoint} (home ${home})`);

    // The server migrated and bootstrapped the fresh database; this process opens the same store as a
    // second "replica" to create the enrollment token (and later the probe's jobs).
    store = openStore({ databaseUrl, sqlitePath: path.join(home, 'guardpost.db') });
    await migrateToLatest(store, allMigrations);
    const tasks = new TaskStore(store.db, store.dialect);
    const agentStore = new AgentStore(store.db, tasks);
    const projectId = (JSON.parse(fs.readFileSync(path.join(home, 'credentials.json'), 'utf8')) as { project_id: string }).project_id;
    const { token } = await agentStore.createEnrollmentToken({ projectId, maxUses: n, description: 'bench/agents.ts' });

    const enrollStarted = performance.now();
    const agents = await enrollAll(new URL(guardpost.endpoint), token, n, options.enrollConcurrency);
    const enrollSeconds = (performance.now() - enrollStarted) / 1000;
    console.log(`enrolled ${fmtNum(n)} agents in ${enrollSeconds.toFixed(1)} s (${fmtNum(n / enrollSeconds)} /s)`);

    const idleBefore = cpuSecondsOf(guardpost.pid);
    await sleep(2000);
    const idleCpuPercent = ((cpuSecondsOf(guardpost.pid) - idleBefore) / 2) * 100;

    const shape = {
      agents, intervalMs: options.intervalSeconds * 1000, durationMs: options.durationSeconds * 1000,
      longPoll: options.longPoll, waitSeconds: options.waitSeconds, sockets: options.sockets,
    };
    console.log(`load phase: guardpost (${options.durationSeconds} s)…`);
    const gp = await runLoad('guardpost', guardpost, { ...shape, path: '/agent/v1/checkin' });
    console.log('cross-replica probe…');
    const probes = await crossReplicaProbe(guardpost, tasks, agentStore, projectId, agents[0] as SimAgent,
      agents[Math.min(1, n - 1)] as SimAgent, n >= 3 ? agents[2] : undefined);
    await guardpost.stop();
    await store.close();
    store = undefined;

    // ---- bare Fastify baseline, same shape
    let bare: LoadResult | undefined;
    if (options.bare) {
      const bareChild = await startServerChild('bare', path.join(here, 'support', 'bare-server.js'), cleanEnv({}));
      console.log(`load phase: bare fastify (${options.durationSeconds} s)…`);
      bare = await runLoad('bare fastify', bareChild, { ...shape, path: '/checkin' });
      await bareChild.stop();
    }

    // ---- report
    const rows: LoadResult[] = bare ? [gp, bare] : [gp];
    const col = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(34) : v.padStart(16))).join('');
    const latencyLabel = options.longPoll ? 'beyond the hold' : 'latency';
    console.log('');
    console.log(col(['', ...rows.map((r) => r.label)]));
    console.log(col(['check-ins sent', ...rows.map((r) => fmtNum(r.requests))]));
    console.log(col(['check-ins ok', ...rows.map((r) => fmtNum(r.ok))]));
    console.log(col(['errors', ...rows.map((r) => fmtNum(r.errorCount))]));
    console.log(col([`p50 ${latencyLabel}`, ...rows.map((r) => fmtMs(r.overhead.p50))]));
    console.log(col([`p99 ${latencyLabel}`, ...rows.map((r) => fmtMs(r.overhead.p99))]));
    console.log(col([`max ${latencyLabel}`, ...rows.map((r) => fmtMs(r.overhead.max))]));
    if (!options.longPoll) console.log(col(['p99 client start lag', ...rows.map((r) => fmtMs(r.startLag.p99))]));
    console.log(col(['throughput (ok check-ins/s)', ...rows.map((r) => fmtNum(r.throughput, 1))]));
    console.log(col(['server CPU seconds', ...rows.map((r) => fmtNum(r.serverCpuSeconds, 2))]));
    console.log(col(['server CPU % of one core', ...rows.map((r) => `${fmtNum(r.serverCpuPercent, 1)} %`)]));
    console.log(col(['server CPU-s per 1,000 check-ins', ...rows.map((r) => fmtNum(r.cpuPer1000, 3))]));
    console.log(col(['server RSS after (MiB)', ...rows.map((r) => fmtNum(r.rssMiB, 1))]));
    console.log(col(['server RSS peak during load (MiB)', ...rows.map((r) => fmtNum(r.peakRssMiB, 1))]));
    console.log(col(['bench client CPU seconds', ...rows.map((r) => fmtNum(r.clientCpuSeconds, 2))]));
    for (const r of rows) {
      if (r.errorCount > 0) console.log(`errors (${r.label}): ${JSON.stringify(r.errors)}`);
    }
    console.log(`guardpost idle CPU before load: ${idleCpuPercent.toFixed(1)} % of one core; enrollment ${fmtNum(n / enrollSeconds)} agents/s`);
    if (bare) {
      console.log(`ratios guardpost/bare: p50 ${ratio(gp.overhead.p50, bare.overhead.p50)}, p99 ${ratio(gp.overhead.p99, bare.overhead.p99)}, ` +
        `CPU per 1,000 check-ins ${ratio(gp.cpuPer1000, bare.cpuPer1000)}`);
    }

    const perCore = 1000 / gp.cpuPer1000;
    const twoCores = 2 * perCore;
    const target = 1000;
    const verdict = perCore >= target ? `YES — one server process (~1 core of JS) has ${(perCore / target).toFixed(1)}× headroom`
      : twoCores >= target ? `ONLY with 2 replicas (PostgreSQL) using both cores (${(twoCores / target).toFixed(2)}× headroom)`
        : `NO — ${(twoCores / target).toFixed(2)}× of the needed CPU even with both cores busy`;
    console.log(`estimated check-ins/s one 2-core server sustains at this CPU cost: ~${fmtNum(twoCores)} /s with both cores busy ` +
      `(~${fmtNum(perCore)} /s for a single Node process, ~1 core)`);
    console.log(`10,000 agents at a 10 s interval (1,000 check-ins/s) fits: ${verdict}`);

    console.log('');
    for (const p of probes) {
      console.log(`probe ${p.ok ? 'ok  ' : 'FAIL'} ${fmtNum(p.ms, 0).padStart(5)} ms  ${p.name}`);
      if (!p.ok) failed = true;
    }
    const errorRate = gp.errorCount / Math.max(1, gp.requests);
    if (errorRate > 0.01) {
      console.log(`FAIL: guardpost error rate ${(errorRate * 100).toFixed(2)} %`);
      failed = true;
    }

    Object.assign(report, {
      enroll: { seconds: enrollSeconds, perSecond: n / enrollSeconds }, idleCpuPercent, guardpost: gp, bare,
      ratios: bare ? { p50: gp.overhead.p50 / bare.overhead.p50, p99: gp.overhead.p99 / bare.overhead.p99, cpuPer1000: gp.cpuPer1000 / bare.cpuPer1000 } : undefined,
      estimate: { perCore, twoCores, fits1000PerSecond: verdict }, probes,
    });
    if (options.jsonFile) fs.writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await store?.close().catch(() => undefined);
    await emergencyCleanup();
  }
  return failed ? 1 : 0;
}

runBench(main, emergencyCleanup, () => tempRoot);
