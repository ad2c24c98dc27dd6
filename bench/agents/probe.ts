import { setTimeout as sleep } from 'node:timers/promises';
import type { AgentStore } from '../../src/store/agent-store.js';
import type { TaskStore } from '../../src/store/task-store.js';
import type { ServerChild } from '../support/child.js';
import { keepAliveAgent, postJson } from '../support/http.js';
import { authHeader, type SimAgent } from './load.js';
// ----------------------------------------------------------------------------------- cross-replica probe

export interface ProbeResult { name: string; ms: number; ok: boolean }

/**
 * Work created by ANOTHER process on the same database (this bench process plays the other replica) must
 * reach agents within about a second: a plain poll must see a new job, a plain poll must see a cancel
 * request, and a held long-poll must wake up with the new job. A revocation made elsewhere must lock the
 * agent out within the credential cache's 5 s.
 */
export async function crossReplicaProbe(target: ServerChild, tasks: TaskStore, agentStore: AgentStore, projectId: string,
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
  // A real registered agent kind with a valid payload: the server checks it at claim time.
  const newTask = (agent: SimAgent, name: string) => tasks.createTask({
    projectId, enterpriseProjectId: '0', family: 'bench', kind: 'bench-probe', name, params: {}, createdBy: 'bench',
    jobs: [{ agentId: agent.id, kind: 'vul-inventory', payload: { scan_types: ['linux_vul'] } }],
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

