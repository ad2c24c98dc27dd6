import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LEASE_EXPIRED_REASON } from '../../src/core/jobs.js';
import { QuotaExceededError } from '../../src/core/quotas.js';
import { newHexId } from '../../src/identity/secrets.js';
import type { Job } from '../../src/store/schema.js';
import { JobNotLeasedError, TaskStore, type NewJobSpec, type NewTaskSpec } from '../../src/store/task-store.js';
import { openFixture, type StoreFixture } from './fixture.js';

let fx: StoreFixture;
before(async () => {
  fx = await openFixture();
});
after(async () => {
  await fx.close();
});

const agentId = () => newHexId(32);
const LEASE = 60_000;

function spec(projectId: string, jobs: NewJobSpec[], extra: Partial<NewTaskSpec> = {}): NewTaskSpec {
  return {
    projectId, enterpriseProjectId: '0', family: 'capture', kind: 'capture', name: 'task', params: { duration: 5 },
    createdBy: 'user-1', jobs, ...extra,
  };
}

function winners<T>(results: Array<T | null>): T[] {
  return results.filter((r): r is T => r !== null);
}

describe('createTask', () => {
  test('fans out into one queued job per spec, in one transaction', async () => {
    const projectId = await fx.newProject();
    const a = agentId();
    const b = agentId();
    const now = Date.now();
    const { task, jobs } = await fx.tasks.createTask(spec(projectId, [
      { agentId: a, kind: 'capture', payload: { iface: 'eth0' } },
      { agentId: b, kind: 'capture', payload: { iface: 'eth1' }, maxAttempts: 3 },
      { agentId: null, kind: 'export', payload: null, maxAttempts: 0 },
    ], { params: { filter: 'tcp' } }), now);

    const stored = await fx.tasks.getTask(task.id);
    assert.ok(stored);
    assert.equal(stored.project_id, projectId);
    assert.deepEqual(JSON.parse(stored.params), { filter: 'tcp' });
    assert.equal(stored.cancel_requested_at, null);

    const rows = await fx.tasks.jobsOfTask(task.id);
    assert.equal(rows.length, 3);
    assert.deepEqual(new Set(rows.map((r) => r.id)), new Set(jobs.map((j) => j.id)));
    for (const row of rows) {
      assert.equal(row.task_id, task.id);
      assert.equal(row.project_id, projectId);
      assert.equal(row.state, 'queued');
      assert.equal(row.attempts, 0);
      assert.equal(row.lease_owner, null);
      assert.equal(row.created_at, now);
    }
    const byAgent = new Map(rows.map((r) => [r.agent_id, r]));
    assert.deepEqual(JSON.parse(byAgent.get(a)!.payload), { iface: 'eth0' });
    assert.equal(byAgent.get(a)!.max_attempts, 1);
    assert.equal(byAgent.get(b)!.max_attempts, 3);
    assert.equal(byAgent.get(null)!.max_attempts, 1, 'maxAttempts below 1 is raised to 1');
    assert.equal(byAgent.get(null)!.kind, 'export');
  });

  test('a task without jobs is stored and is not active', async () => {
    const projectId = await fx.newProject();
    const { task, jobs } = await fx.tasks.createTask(spec(projectId, []));
    assert.equal(jobs.length, 0);
    assert.ok(await fx.tasks.getTask(task.id));
    assert.equal(await fx.tasks.activeTaskCount(projectId), 0);
  });
});

describe('claim', () => {
  test('20 concurrent claims of one job: exactly one wins', async () => {
    const projectId = await fx.newProject();
    const { jobs } = await fx.tasks.createTask(spec(projectId, [{ agentId: null, kind: 'race', payload: {} }]));
    const jobId = jobs[0]!.id;
    const now = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => fx.tasks.claim(jobId, `worker-${i}`, LEASE, now)));
    const won = winners(results);
    assert.equal(won.length, 1);
    const row = await fx.tasks.getJob(jobId);
    assert.equal(row!.state, 'running');
    assert.equal(row!.attempts, 1);
    assert.equal(row!.lease_owner, won[0]!.lease_owner);
    assert.equal(row!.lease_expires_at, now + LEASE);
    assert.equal(row!.started_at, now);
  });

  test('two replicas (separate connections) racing over several jobs: one winner per job', async () => {
    const projectId = await fx.newProject();
    const replica = fx.openReplica();
    const other = new TaskStore(replica.db, replica.dialect);
    const { jobs } = await fx.tasks.createTask(spec(projectId, Array.from({ length: 5 }, () => ({ agentId: null, kind: 'race2', payload: {} }))));
    for (const job of jobs) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? fx.tasks : other).claim(job.id, `replica-${i % 2}-worker-${i}`, LEASE)));
      assert.equal(winners(results).length, 1, `job ${job.id} claimed by exactly one replica`);
      const row = await fx.tasks.getJob(job.id);
      assert.equal(row!.attempts, 1);
      assert.equal(row!.lease_owner, winners(results)[0]!.lease_owner);
    }
  });

  test('an agent job can only be claimed by its agent; running and cancelled jobs cannot be claimed', async () => {
    const projectId = await fx.newProject();
    const mine = agentId();
    const { task, jobs } = await fx.tasks.createTask(spec(projectId, [
      { agentId: mine, kind: 'capture', payload: {} },
      { agentId: mine, kind: 'capture', payload: {} },
    ]));
    assert.equal(await fx.tasks.claim(jobs[0]!.id, agentId(), LEASE), null, 'another agent');
    assert.equal(await fx.tasks.claim(jobs[0]!.id, 'server-worker', LEASE), null, 'a server worker');
    const claimed = await fx.tasks.claim(jobs[0]!.id, mine, LEASE);
    assert.ok(claimed);
    assert.equal(claimed.lease_owner, mine);
    assert.equal(await fx.tasks.claim(jobs[0]!.id, mine, LEASE), null, 'already running');
    await fx.tasks.cancelTask(task.id);
    assert.equal(await fx.tasks.claim(jobs[1]!.id, mine, LEASE), null, 'cancelled');
    assert.equal(await fx.tasks.claim('0'.repeat(32), mine, LEASE), null, 'unknown job');
  });
});

describe('claimNextServerJob', () => {
  test('concurrent claimers across two replicas get distinct jobs, oldest first, only of the asked kinds', async () => {
    const projectId = await fx.newProject();
    const kind = `export-${newHexId(4)}`;
    const replica = fx.openReplica();
    const other = new TaskStore(replica.db, replica.dialect);
    const base = Date.now() - 10_000;
    const oldest = await fx.tasks.createTask(spec(projectId, [{ agentId: null, kind, payload: { n: 0 } }]), base);
    await fx.tasks.createTask(spec(projectId, [
      ...Array.from({ length: 9 }, (_, i) => ({ agentId: null, kind, payload: { n: i + 1 } })),
      { agentId: agentId(), kind, payload: {} },
      { agentId: null, kind: `${kind}-other`, payload: {} },
    ]), base + 1000);

    const first = await fx.tasks.claimNextServerJob([kind], 'w-first', LEASE);
    assert.equal(first?.id, oldest.jobs[0]!.id, 'the oldest queued job comes first');

    const results = await Promise.all(Array.from({ length: 15 }, (_, i) =>
      (i % 2 === 0 ? fx.tasks : other).claimNextServerJob([kind], `w-${i}`, LEASE)));
    const won = winners(results);
    assert.equal(won.length, 9, 'every remaining server job of the kind is claimed once');
    assert.equal(new Set(won.map((j) => j.id)).size, 9, 'no job is handed out twice');
    for (const job of won) {
      assert.equal(job.kind, kind);
      assert.equal(job.agent_id, null);
      assert.equal(job.attempts, 1);
      const row = await fx.tasks.getJob(job.id);
      assert.equal(row!.lease_owner, job.lease_owner);
    }
    assert.equal(await fx.tasks.claimNextServerJob([kind], 'late', LEASE), null, 'agent jobs are never handed to server workers');
    assert.equal(await fx.tasks.claimNextServerJob([], 'late', LEASE), null);
    const otherKind = await fx.tasks.claimNextServerJob([`${kind}-other`, 'nothing'], 'w-other', LEASE);
    assert.equal(otherKind?.kind, `${kind}-other`);
  });
});

describe('progress and finish', () => {
  test('progress renews the lease, clamps the value and reports cancel requests; only the owner may report', async () => {
    const projectId = await fx.newProject();
    const mine = agentId();
    const { task, jobs } = await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'capture', payload: {} }]));
    const jobId = jobs[0]!.id;
    const t0 = Date.now();
    await fx.tasks.claim(jobId, mine, 1000, t0);

    const p1 = await fx.tasks.progress(jobId, mine, 42.7, { packets: 10 }, 1000, t0 + 500);
    assert.deepEqual(p1, { cancelRequested: false, leaseExpiresAt: t0 + 1500 });
    let row = await fx.tasks.getJob(jobId);
    assert.equal(row!.progress, 42);
    assert.equal(row!.lease_expires_at, t0 + 1500);
    assert.deepEqual(JSON.parse(row!.progress_detail!), { packets: 10 });

    await fx.tasks.progress(jobId, mine, 150, undefined, 1000, t0 + 600);
    row = await fx.tasks.getJob(jobId);
    assert.equal(row!.progress, 100);
    assert.equal(row!.progress_detail, null);
    await fx.tasks.progress(jobId, mine, -5, null, 1000, t0 + 700);
    assert.equal((await fx.tasks.getJob(jobId))!.progress, 0);

    await assert.rejects(fx.tasks.progress(jobId, agentId(), 50, null, 1000, t0 + 800), JobNotLeasedError);
    assert.equal((await fx.tasks.getJob(jobId))!.lease_expires_at, t0 + 1700, 'a stranger cannot renew the lease');

    await fx.tasks.cancelTask(task.id);
    const p2 = await fx.tasks.progress(jobId, mine, 60, null, 1000, t0 + 900);
    assert.equal(p2.cancelRequested, true);
  });

  test('finish only by the lease owner, only once; success sets progress 100, failure keeps it', async () => {
    const projectId = await fx.newProject();
    const mine = agentId();
    const { jobs } = await fx.tasks.createTask(spec(projectId, [
      { agentId: mine, kind: 'capture', payload: {} },
      { agentId: mine, kind: 'capture', payload: {} },
      { agentId: mine, kind: 'capture', payload: {} },
    ]));
    const [ok, bad, queued] = jobs as [Job, Job, Job];
    await fx.tasks.claim(ok.id, mine, LEASE);
    await fx.tasks.claim(bad.id, mine, LEASE);

    await assert.rejects(fx.tasks.finish(ok.id, agentId(), 'succeeded', { x: 1 }, null), JobNotLeasedError);
    assert.equal((await fx.tasks.getJob(ok.id))!.state, 'running');
    await assert.rejects(fx.tasks.finish(queued.id, mine, 'succeeded', null, null), JobNotLeasedError, 'a queued job cannot be finished');

    const now = Date.now();
    const done = await fx.tasks.finish(ok.id, mine, 'succeeded', { packets: 12 }, null, now);
    assert.equal(done.state, 'succeeded');
    assert.equal(done.progress, 100);
    assert.deepEqual(JSON.parse(done.result!), { packets: 12 });
    assert.equal(done.lease_expires_at, null);
    assert.equal(done.finished_at, now);
    await assert.rejects(fx.tasks.finish(ok.id, mine, 'failed', null, 'again'), JobNotLeasedError);
    assert.equal((await fx.tasks.getJob(ok.id))!.state, 'succeeded');
    await assert.rejects(fx.tasks.progress(ok.id, mine, 5, null, LEASE), JobNotLeasedError);

    await fx.tasks.progress(bad.id, mine, 30, null, LEASE);
    const failed = await fx.tasks.finish(bad.id, mine, 'failed', undefined, 'dumpcap exited 2');
    assert.equal(failed.state, 'failed');
    assert.equal(failed.progress, 30);
    assert.equal(failed.failure_reason, 'dumpcap exited 2');
    assert.equal(failed.result, null);
  });
});

describe('cancelTask and agent work', () => {
  test('queued jobs are cancelled at once; running ones are flagged and reported to their agent', async () => {
    const projectId = await fx.newProject();
    const mine = agentId();
    const { task, jobs } = await fx.tasks.createTask(spec(projectId, [
      { agentId: mine, kind: 'capture', payload: {} },
      { agentId: mine, kind: 'capture', payload: {} },
      { agentId: null, kind: `srv-${newHexId(4)}`, payload: {} },
    ]));
    const [running, queued, server] = jobs as [Job, Job, Job];
    await fx.tasks.claim(running.id, mine, LEASE);

    const initial = await fx.tasks.agentWork(mine);
    assert.deepEqual(initial.offered.map((j) => j.id), [queued.id]);
    assert.deepEqual(initial.cancelJobIds, []);

    const now = Date.now();
    await fx.tasks.cancelTask(task.id, 'cancelled by user', now);
    const q = await fx.tasks.getJob(queued.id);
    assert.equal(q!.state, 'cancelled');
    assert.equal(q!.failure_reason, 'cancelled by user');
    assert.equal(q!.finished_at, now);
    assert.equal((await fx.tasks.getJob(server.id))!.state, 'cancelled');
    const r = await fx.tasks.getJob(running.id);
    assert.equal(r!.state, 'running', 'a running job is only flagged');
    assert.equal(r!.cancel_requested_at, now);
    assert.equal((await fx.tasks.getTask(task.id))!.cancel_requested_at, now);

    const work = await fx.tasks.agentWork(mine);
    assert.deepEqual(work.offered, []);
    assert.deepEqual(work.cancelJobIds, [running.id]);
    assert.ok((await fx.tasks.agentsWithWork()).has(mine));

    await fx.tasks.cancelTask(task.id, 'again', now + 5000);
    assert.equal((await fx.tasks.getTask(task.id))!.cancel_requested_at, now, 'a second cancel keeps the first time');
    assert.equal((await fx.tasks.getJob(running.id))!.cancel_requested_at, now);

    await fx.tasks.finish(running.id, mine, 'cancelled', null, 'stopped on request');
    assert.deepEqual((await fx.tasks.agentWork(mine)).cancelJobIds, []);
    assert.equal((await fx.tasks.agentsWithWork()).has(mine), false);
  });

  test('a backlog of queued jobs does not hide a cancel request from the agent', async () => {
    const projectId = await fx.newProject();
    const mine = agentId();
    const t0 = Date.now() - 60_000;
    await fx.tasks.createTask(spec(projectId, Array.from({ length: 45 }, () => ({ agentId: mine, kind: 'scan', payload: {} }))), t0);
    const { task, jobs } = await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'capture', payload: {} }]), t0 + 1000);
    await fx.tasks.claim(jobs[0]!.id, mine, LEASE);
    await fx.tasks.cancelTask(task.id);
    const work = await fx.tasks.agentWork(mine, 20);
    assert.equal(work.offered.length, 20);
    assert.deepEqual(work.cancelJobIds, [jobs[0]!.id]);
  });

  test('agentsWithWork lists agents with queued jobs or pending cancels, nothing else', async () => {
    const projectId = await fx.newProject();
    const [queuedAgent, cancelAgent, busyAgent, idleAgent] = [agentId(), agentId(), agentId(), agentId()];
    await fx.tasks.createTask(spec(projectId, [{ agentId: queuedAgent, kind: 'scan', payload: {} }]));
    const c = await fx.tasks.createTask(spec(projectId, [{ agentId: cancelAgent, kind: 'scan', payload: {} }]));
    await fx.tasks.claim(c.jobs[0]!.id, cancelAgent, LEASE);
    await fx.tasks.cancelTask(c.task.id);
    const b = await fx.tasks.createTask(spec(projectId, [{ agentId: busyAgent, kind: 'scan', payload: {} }]));
    await fx.tasks.claim(b.jobs[0]!.id, busyAgent, LEASE);
    const i = await fx.tasks.createTask(spec(projectId, [{ agentId: idleAgent, kind: 'scan', payload: {} }]));
    await fx.tasks.claim(i.jobs[0]!.id, idleAgent, LEASE);
    await fx.tasks.finish(i.jobs[0]!.id, idleAgent, 'succeeded', null, null);
    await fx.tasks.createTask(spec(projectId, [{ agentId: null, kind: `srv-${newHexId(4)}`, payload: {} }]));

    const withWork = await fx.tasks.agentsWithWork();
    assert.ok(withWork.has(queuedAgent));
    assert.ok(withWork.has(cancelAgent));
    assert.ok(!withWork.has(busyAgent));
    assert.ok(!withWork.has(idleAgent));
    assert.ok(![...withWork].some((id) => id === null || id === undefined));
  });
});

describe('reapExpiredLeases', () => {
  // Far-past clock values keep these jobs apart from the other tests' (Date.now()-based) leases.
  test('requeues while attempts remain, then fails with the agent-lost reason', async () => {
    const projectId = await fx.newProject();
    const mine = agentId();
    const T = 1_000_000;
    const { jobs } = await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'inventory', payload: {}, maxAttempts: 2 }]), T);
    const jobId = jobs[0]!.id;
    await fx.tasks.claim(jobId, mine, 100, T);
    await fx.tasks.progress(jobId, mine, 10, null, 100, T + 50);

    assert.equal(await fx.tasks.reapExpiredLeases(T + 149), 0, 'the renewed lease has not expired');
    assert.equal((await fx.tasks.getJob(jobId))!.state, 'running');

    assert.equal(await fx.tasks.reapExpiredLeases(T + 151), 1);
    let row = await fx.tasks.getJob(jobId);
    assert.equal(row!.state, 'queued');
    assert.equal(row!.lease_owner, null);
    assert.equal(row!.lease_expires_at, null);
    assert.equal(row!.attempts, 1);
    assert.equal(row!.finished_at, null);
    assert.equal(await fx.tasks.reapExpiredLeases(T + 151), 0, 'idempotent');
    await assert.rejects(fx.tasks.progress(jobId, mine, 20, null, 100, T + 160), JobNotLeasedError, 'the lost lease is gone');

    const again = await fx.tasks.claim(jobId, mine, 100, T + 200);
    assert.equal(again!.attempts, 2);
    assert.equal(await fx.tasks.reapExpiredLeases(T + 301), 1);
    row = await fx.tasks.getJob(jobId);
    assert.equal(row!.state, 'failed');
    assert.equal(row!.failure_reason, LEASE_EXPIRED_REASON);
    assert.match(row!.failure_reason!, /^agent lost/);
    assert.equal(row!.finished_at, T + 301);
    assert.equal(row!.lease_expires_at, null);
    assert.equal(await fx.tasks.claim(jobId, mine, 100, T + 400), null, 'a failed job is not offered again');
  });

  test('a single-attempt job fails; a job whose cancel was requested ends cancelled; two replicas reaping agree', async () => {
    const projectId = await fx.newProject();
    const mine = agentId();
    const T = 2_000_000;
    const { task: t1, jobs: j1 } = await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'capture', payload: {}, maxAttempts: 3 }]), T);
    const { jobs: j2 } = await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'capture', payload: {} }]), T);
    await fx.tasks.claim(j1[0]!.id, mine, 100, T);
    await fx.tasks.claim(j2[0]!.id, mine, 100, T);
    await fx.tasks.cancelTask(t1.id, 'cancelled by user', T + 10);

    const replica = fx.openReplica();
    const other = new TaskStore(replica.db, replica.dialect);
    const reaped = await Promise.all([fx.tasks.reapExpiredLeases(T + 200), other.reapExpiredLeases(T + 200)]);
    assert.equal(reaped[0] + reaped[1], 2, 'each expired lease is counted by exactly one replica (the lease-expiry metric)');

    const cancelled = await fx.tasks.getJob(j1[0]!.id);
    assert.equal(cancelled!.state, 'cancelled', 'attempts remained, but the user asked to cancel');
    assert.match(cancelled!.failure_reason!, /cancel/);
    assert.equal(cancelled!.finished_at, T + 200);
    const failed = await fx.tasks.getJob(j2[0]!.id);
    assert.equal(failed!.state, 'failed');
    assert.equal(failed!.failure_reason, LEASE_EXPIRED_REASON);
    assert.equal(failed!.attempts, 1);
  });
});

describe('quotas', () => {
  test('defaults, overrides and unknown names', async () => {
    const projectId = await fx.newProject();
    assert.equal(await fx.tasks.quotaLimit(projectId, 'tasks.active'), 500);
    assert.equal(await fx.tasks.quotaLimit(projectId, 'agents'), 20000);
    await assert.rejects(fx.tasks.quotaLimit(projectId, 'no.such.quota'), /unknown quota/);
    await assert.rejects(fx.tasks.setQuota(projectId, 'no.such.quota', 1), /unknown quota/);
    await fx.tasks.setQuota(projectId, 'tasks.active', 7);
    await fx.tasks.setQuota(projectId, 'tasks.active', 3);
    assert.equal(await fx.tasks.quotaLimit(projectId, 'tasks.active'), 3, 'a second override replaces the first');
    const otherProject = await fx.newProject();
    assert.equal(await fx.tasks.quotaLimit(otherProject, 'tasks.active'), 500, 'overrides are per project');
  });

  test('tasks.active counts tasks with unfinished jobs and refuses the one over the limit', async () => {
    const projectId = await fx.newProject();
    const otherProject = await fx.newProject();
    await fx.tasks.setQuota(projectId, 'tasks.active', 2);
    const mine = agentId();
    const first = await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'scan', payload: {} }]));
    await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'scan', payload: {} }], { family: 'antivirus' }));
    assert.equal(await fx.tasks.activeTaskCount(projectId), 2);
    assert.equal(await fx.tasks.activeTaskCount(projectId, 'antivirus'), 1);

    const error = await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'scan', payload: {} }])).then(
      () => assert.fail('the third active task must be refused'), (e: unknown) => e);
    assert.ok(error instanceof QuotaExceededError);
    assert.equal(error.quota, 'tasks.active');
    assert.equal(error.limit, 2);
    assert.equal(await fx.tasks.activeTaskCount(projectId), 2, 'nothing was written');

    await fx.tasks.createTask(spec(otherProject, [{ agentId: mine, kind: 'scan', payload: {} }]));

    // A running job still counts; a finished one does not.
    await fx.tasks.claim(first.jobs[0]!.id, mine, LEASE);
    await assert.rejects(fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'scan', payload: {} }])), QuotaExceededError);
    await fx.tasks.finish(first.jobs[0]!.id, mine, 'succeeded', null, null);
    await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'scan', payload: {} }]));
    assert.equal(await fx.tasks.activeTaskCount(projectId), 2);
  });
});

describe('deleteTask', () => {
  test('removes the task with its jobs and their artifacts', async () => {
    const projectId = await fx.newProject();
    const mine = agentId();
    const { task, jobs } = await fx.tasks.createTask(spec(projectId, [
      { agentId: mine, kind: 'capture', payload: {} },
      { agentId: mine, kind: 'capture', payload: {} },
    ]));
    const keep = await fx.tasks.createTask(spec(projectId, [{ agentId: mine, kind: 'capture', payload: {} }]));
    const artifact = (jobId: string, taskId: string) => ({
      id: newHexId(), job_id: jobId, task_id: taskId, project_id: projectId, name: 'capture.pcap', blob_key: `k/${newHexId(4)}`,
      size: 10, sha256: 'ab'.repeat(32), content_type: 'application/vnd.tcpdump.pcap', created_at: Date.now(),
    });
    await fx.store.db.insertInto('artifacts').values([artifact(jobs[0]!.id, task.id), artifact(keep.jobs[0]!.id, keep.task.id)]).execute();

    await fx.tasks.deleteTask(task.id);
    assert.equal(await fx.tasks.getTask(task.id), undefined);
    assert.deepEqual(await fx.tasks.jobsOfTask(task.id), []);
    const left = await fx.store.db.selectFrom('artifacts').select(['task_id']).where('project_id', '=', projectId).execute();
    assert.deepEqual(left.map((a) => a.task_id), [keep.task.id], 'only the other task\'s artifact remains');
    assert.equal((await fx.tasks.jobsOfTask(keep.task.id)).length, 1);
  });
});

describe('tasks.active quota under concurrency', () => {
  test('concurrent creates from two replicas never pass the limit', async () => {
    const project = await fx.newProject();
    await fx.tasks.setQuota(project, 'tasks.active', 3);
    const other = fx.store.dialect === 'postgres' ? (() => { const r = fx.openReplica(); return new TaskStore(r.db, r.dialect); })() : fx.tasks;
    const attempts = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? fx.tasks : other)
      .createTask(spec(project, [{ agentId: null, kind: 'noop', payload: {} }]))
      .then(() => 'ok', (error: unknown) => (error instanceof QuotaExceededError ? 'quota' : `other: ${String(error)}`)));
    const results = await Promise.all(attempts);
    assert.equal(results.filter((r) => r === 'ok').length, 3, results.join(','));
    assert.equal(results.filter((r) => r === 'quota').length, 7, results.join(','));
    assert.equal(await fx.tasks.activeTaskCount(project), 3);
  });
});
