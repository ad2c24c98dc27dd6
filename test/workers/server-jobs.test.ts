import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import { defineJobKind } from '../../src/core/job-kind.js';
import { defineServerJob, ServerJobWorker, type ServerJobRunner } from '../../src/workers/server-jobs.js';
import type { Job } from '../../src/store/schema.js';
import { TaskStore } from '../../src/store/task-store.js';
import { openFixture, type StoreFixture } from '../store/fixture.js';

let fx: StoreFixture;
before(async () => { fx = await openFixture(); });
after(async () => { await fx.close(); });

const sumKind = defineJobKind({
  name: 'test-sum', version: 3, runsOn: 'server',
  payload: Type.Object({ numbers: Type.Array(Type.Integer(), { maxItems: 10 }) }, { additionalProperties: false }),
  result: Type.Object({ sum: Type.Integer() }, { additionalProperties: false }),
  capability: Type.Null(),
});

const log = () => undefined;

async function enqueue(payload: unknown, agentId: string | null = null, maxAttempts = 1): Promise<Job> {
  const projectId = await fx.newProject();
  const { jobs } = await fx.tasks.createTask({
    projectId, enterpriseProjectId: '0', family: 'test', kind: sumKind.name, name: 't', params: {}, createdBy: 'u',
    jobs: [{ agentId, kind: sumKind.name, payload, maxAttempts }],
  });
  return jobs[0]!;
}

async function settled(jobId: string, timeoutMs = 10_000): Promise<Job> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await fx.tasks.getJob(jobId);
    if (job && !['queued', 'running'].includes(job.state)) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not finish: ${job?.state}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function worker(runner: ServerJobRunner, owner = 'server:test', tasks: TaskStore = fx.tasks): ServerJobWorker {
  return new ServerJobWorker(tasks, [runner], { owner, leaseMs: 3000, concurrency: 2, log });
}

describe('ServerJobWorker', () => {
  test('claims a queued server job, runs it and stores its checked result', async () => {
    const w = worker(defineServerJob(sumKind, async ({ payload }) => ({ outcome: 'succeeded', result: { sum: payload.numbers.reduce((a, b) => a + b, 0) } })));
    const job = await enqueue({ numbers: [1, 2, 3] });
    assert.equal(await w.tick(), 1);
    const done = await settled(job.id);
    assert.equal(done.state, 'succeeded');
    assert.deepEqual(JSON.parse(done.result as string), { sum: 6 });
    await w.stop();
  });

  test('a payload that breaks the kind schema fails the job at once with a clear reason', async () => {
    let ran = false;
    const w = worker(defineServerJob(sumKind, async () => { ran = true; return { outcome: 'succeeded', result: { sum: 0 } }; }));
    const job = await enqueue({ numbers: ['x'] });
    await w.tick();
    const done = await settled(job.id);
    assert.equal(ran, false);
    assert.equal(done.state, 'failed');
    assert.match(done.failure_reason ?? '', /invalid test-sum job payload: \/numbers\/0/);
    await w.stop();
  });

  test('an invalid result and a throwing runner both end as failed, never stuck', async () => {
    const bad = worker(defineServerJob(sumKind, async () => ({ outcome: 'succeeded', result: { sum: 1.5 } })));
    const a = await enqueue({ numbers: [] });
    await bad.tick();
    assert.match((await settled(a.id)).failure_reason ?? '', /invalid test-sum job result/);
    await bad.stop();
    const throwing = worker(defineServerJob(sumKind, async () => { throw new Error('disk full'); }));
    const b = await enqueue({ numbers: [] });
    await throwing.tick();
    const done = await settled(b.id);
    assert.equal(done.state, 'failed');
    assert.match(done.failure_reason ?? '', /the test-sum job failed: disk full/);
    await throwing.stop();
  });

  test('cancelling the task aborts the run and the job ends cancelled', async () => {
    const w = worker(defineServerJob(sumKind, ({ signal }) => new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    })));
    const job = await enqueue({ numbers: [1] });
    await w.tick();
    await fx.tasks.cancelTask(job.task_id);
    const done = await settled(job.id);
    assert.equal(done.state, 'cancelled');
    await w.stop();
  });

  test('only one of two replicas claims a job; agent jobs are never claimed', async () => {
    const runs: string[] = [];
    const runner = defineServerJob(sumKind, async () => { runs.push('x'); return { outcome: 'succeeded', result: { sum: 0 } }; });
    const a = worker(runner, 'server:a');
    const b = worker(runner, 'server:b', new TaskStore(fx.openReplica().db, fx.store.dialect));
    const job = await enqueue({ numbers: [4] });
    const agentJob = await enqueue({ numbers: [] }, 'a'.repeat(64));
    await Promise.all([a.tick(), b.tick()]);
    await settled(job.id);
    assert.equal(runs.length, 1);
    assert.equal((await fx.tasks.getJob(agentJob.id))?.state, 'queued');
    await a.stop();
    await b.stop();
  });

  test('a server shutting down gives its running jobs back to the queue, attempt not counted', async () => {
    const w = worker(defineServerJob(sumKind, ({ signal }) => new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    })));
    const job = await enqueue({ numbers: [2] });
    await w.tick();
    assert.equal((await fx.tasks.getJob(job.id))?.state, 'running');
    await w.stop();
    const back = await fx.tasks.getJob(job.id);
    assert.equal(back?.state, 'queued');
    assert.equal(back?.attempts, 0);
    assert.equal(back?.lease_owner, null);
  });

  test('a run whose lease was taken over can neither renew nor finish the job', async () => {
    let release: () => void = () => undefined;
    const w = worker(defineServerJob(sumKind, () => new Promise((resolve) => {
      release = () => resolve({ outcome: 'succeeded', result: { sum: 111 } });
    })));
    const job = await enqueue({ numbers: [1] }, null, 2);
    await w.tick();
    // The lease is reaped and another replica's claim wins; the first run then ends.
    await fx.tasks.reapExpiredLeases(Date.now() + 60_000);
    const other = new TaskStore(fx.openReplica().db, fx.store.dialect);
    const reclaimed = await other.claimNextServerJob([sumKind.name], 'server:other', 60_000);
    assert.equal(reclaimed?.id, job.id);
    release();
    await w.stop();
    const current = await fx.tasks.getJob(job.id);
    assert.equal(current?.state, 'running', 'the stale run did not finish the job');
    assert.equal(current?.lease_owner, 'server:other');
  });

  test('a runner for an agent-side kind is refused', () => {
    const agentKind = defineJobKind({ ...sumKind, name: 'test-agent-kind', runsOn: 'agent' });
    assert.throws(() => defineServerJob(agentKind, async () => ({ outcome: 'failed', reason: 'x' })), /runs on agents/);
  });
});
