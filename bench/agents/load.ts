import { setTimeout as sleep } from 'node:timers/promises';
import type { HostFacts } from '../../src/core/host-facts.js';
import type { ServerChild } from '../support/child.js';
import { keepAliveAgent, postJson } from '../support/http.js';
import { cpuSecondsOf, memoryOf } from '../support/proc.js';
import { Samples } from '../support/stats.js';
// ---------------------------------------------------------------------------------------------- agents

export interface SimAgent {
  index: number;
  id: string;
  secret: string;
  facts: HostFacts;
}

export function factsFor(index: number): HostFacts {
  const n = String(index).padStart(5, '0');
  return {
    host_name: `bench-host-${n}`, os_name: 'Debian GNU/Linux', os_version: '12 (bookworm)', os_type: 'Linux',
    kernel_version: '6.1.0-18-amd64', os_bit: '64',
    private_ips: [`10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`], public_ips: [],
    agent_version: '0.1.0',
    // The shape real agents report (kinds by registered job-kind name, each with its capability object).
    capabilities: { job_kinds: ['vul-inventory', 'capture'], kinds: { 'vul-inventory': { host_root: '/', app_roots: [] }, capture: { interfaces: ['eth0'] } } },
  };
}

export const authHeader = (agent: SimAgent) => ({ authorization: `GuardpostAgent ${agent.id}:${agent.secret}` });

export async function enrollAll(base: URL, token: string, count: number, concurrency: number): Promise<SimAgent[]> {
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

export interface LoadShape {
  agents: SimAgent[];
  path: string;
  intervalMs: number;
  durationMs: number;
  longPoll: boolean;
  waitSeconds: number;
  sockets: number;
}

export interface LoadResult {
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

export async function runLoad(label: string, target: ServerChild, shape: LoadShape): Promise<LoadResult> {
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

