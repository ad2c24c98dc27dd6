import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Agent } from '../../src/store/schema.js';
import { TaskReads } from '../../src/store/task-reads.js';
import { hostFacts, openFixture, type StoreFixture } from './fixture.js';

let fx: StoreFixture;
let reads: TaskReads;
let projectId: string;
const hosts: Agent[] = [];
const taskIds: string[] = [];

const LEASE = 60_000;

before(async () => {
  fx = await openFixture();
  reads = new TaskReads(fx.store.db);
  projectId = await fx.newProject();
  const { token } = await fx.agents.createEnrollmentToken({ projectId, maxUses: 10 });
  for (const [i, name] of ['alpha', 'Bravo', 'charlie', 'delta'].entries()) {
    hosts.push((await fx.agents.enroll(token, hostFacts({ host_name: name, private_ips: [`10.9.0.${i + 1}`] }))).agent);
  }
  // Five scan tasks over all four hosts, one in another enterprise project, one of another family.
  for (let t = 0; t < 5; t++) {
    const { task } = await fx.tasks.createTask({
      projectId, enterpriseProjectId: t === 4 ? 'ep-other' : '0', family: 'multi', kind: t % 2 === 0 ? 'manual' : 'schedule',
      name: `scan-${t}${t === 3 ? '-Nightly' : ''}`, params: {}, createdBy: 'u',
      jobs: hosts.map((h) => ({ agentId: h.id, kind: 'scan', payload: {} })),
    }, Date.now() + t);
    taskIds.push(task.id);
  }
  await fx.tasks.createTask({
    projectId, enterpriseProjectId: '0', family: 'other', kind: 'x', name: 'scan-other', params: {}, createdBy: 'u',
    jobs: [{ agentId: hosts[0]!.id, kind: 'scan', payload: {} }],
  });
  // Task 0: alpha succeeded, Bravo failed, charlie running, delta queued. Task 1: everything finished.
  const jobs0 = await fx.tasks.jobsOfTask(taskIds[0]!);
  const byHost = (jobs: typeof jobs0, name: string) => jobs.find((j) => j.agent_id === hosts.find((h) => h.host_name === name)!.id)!;
  for (const name of ['alpha', 'Bravo', 'charlie']) await fx.tasks.claim(byHost(jobs0, name).id, byHost(jobs0, name).agent_id!, LEASE);
  await fx.tasks.finish(byHost(jobs0, 'alpha').id, hosts[0]!.id, 'succeeded', { findings: 3 }, null);
  await fx.tasks.finish(byHost(jobs0, 'Bravo').id, hosts[1]!.id, 'failed', undefined, 'no inventory');
  await fx.tasks.progress(byHost(jobs0, 'charlie').id, hosts[2]!.id, 42, { files: 10 }, LEASE);
  for (const job of await fx.tasks.jobsOfTask(taskIds[1]!)) {
    await fx.tasks.claim(job.id, job.agent_id!, LEASE);
    await fx.tasks.finish(job.id, job.agent_id!, 'succeeded', {}, null);
  }
});

after(async () => {
  await fx.close();
});

const all = { offset: 0, limit: 100 };

describe('TaskReads.tasks', () => {
  test('lists a family\'s tasks in scope, newest first, with job counts by state', async () => {
    const { total, rows } = await reads.tasks({ projectId, family: 'multi', scope: ['0'] }, all);
    assert.equal(total, 4);
    assert.deepEqual(rows.map((r) => r.id), [taskIds[3], taskIds[2], taskIds[1], taskIds[0]]);
    const first = rows.find((r) => r.id === taskIds[0])!;
    assert.deepEqual(first.counts, { total: 4, queued: 1, running: 1, succeeded: 1, failed: 1, cancelled: 0 });
    assert.deepEqual(rows.find((r) => r.id === taskIds[1])!.counts, { total: 4, queued: 0, running: 0, succeeded: 4, failed: 0, cancelled: 0 });
  });

  test('pages, and filters by kind, name, time and job states', async () => {
    const page = await reads.tasks({ projectId, family: 'multi', scope: null }, { offset: 1, limit: 2 });
    assert.equal(page.total, 5);
    assert.deepEqual(page.rows.map((r) => r.id), [taskIds[3], taskIds[2]]);
    const kinds = await reads.tasks({ projectId, family: 'multi', scope: null, kinds: ['schedule'] }, all);
    assert.deepEqual(kinds.rows.map((r) => r.id).sort(), [taskIds[1], taskIds[3]].sort());
    const named = await reads.tasks({ projectId, family: 'multi', scope: null, name: 'nightly' }, all);
    assert.deepEqual(named.rows.map((r) => r.id), [taskIds[3]]);
    const running = await reads.tasks({ projectId, family: 'multi', scope: null, withJobsIn: ['queued', 'running'] }, all);
    assert.equal(running.total, 4);
    const finished = await reads.tasks({ projectId, family: 'multi', scope: null, allJobsIn: ['succeeded', 'failed', 'cancelled'] }, all);
    assert.deepEqual(finished.rows.map((r) => r.id), [taskIds[1]]);
    const none = await reads.tasks({ projectId, family: 'multi', scope: null, createdFrom: Date.now() + 3_600_000 }, all);
    assert.equal(none.total, 0);
  });

  test('an empty scope or an empty kind list matches nothing', async () => {
    assert.deepEqual(await reads.tasks({ projectId, family: 'multi', scope: [] }, all), { total: 0, rows: [] });
    assert.deepEqual(await reads.tasks({ projectId, family: 'multi', scope: null, kinds: [] }, all), { total: 0, rows: [] });
  });
});

describe('TaskReads.jobsWithHosts', () => {
  test('joins each job with its host, ordered by host name, with progress and result', async () => {
    const { total, rows } = await reads.jobsWithHosts(taskIds[0]!, {}, all);
    assert.equal(total, 4);
    assert.deepEqual(rows.map((r) => r.host?.host_name), ['Bravo', 'alpha', 'charlie', 'delta'].sort());
    const charlie = rows.find((r) => r.host?.host_name === 'charlie')!;
    assert.equal(charlie.job.state, 'running');
    assert.equal(charlie.job.progress, 42);
    assert.deepEqual(JSON.parse(charlie.job.progress_detail!), { files: 10 });
    assert.deepEqual(charlie.host?.private_ips, ['10.9.0.3']);
    const bravo = rows.find((r) => r.host?.host_name === 'Bravo')!;
    assert.equal(bravo.job.failure_reason, 'no inventory');
  });

  test('filters by state, host name (any case) and address, and pages', async () => {
    const failed = await reads.jobsWithHosts(taskIds[0]!, { states: ['failed'] }, all);
    assert.deepEqual(failed.rows.map((r) => r.host?.host_name), ['Bravo']);
    const named = await reads.jobsWithHosts(taskIds[0]!, { hostName: 'BRAV' }, all);
    assert.equal(named.total, 1);
    const byIp = await reads.jobsWithHosts(taskIds[0]!, { ip: '10.9.0.4' }, all);
    assert.deepEqual(byIp.rows.map((r) => r.host?.host_name), ['delta']);
    const page = await reads.jobsWithHosts(taskIds[0]!, {}, { offset: 3, limit: 2 });
    assert.equal(page.total, 4);
    assert.equal(page.rows.length, 1);
    assert.deepEqual(await reads.jobsWithHosts(taskIds[0]!, { states: [] }, all), { total: 0, rows: [] });
  });

  test('server-side jobs have no host', async () => {
    const { task } = await fx.tasks.createTask({
      projectId, enterpriseProjectId: '0', family: 'multi', kind: 'export', name: 'srv', params: {}, createdBy: 'u',
      jobs: [{ agentId: null, kind: 'export', payload: {} }],
    });
    const { rows } = await reads.jobsWithHosts(task.id, {}, all);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.host, null);
  });
});
