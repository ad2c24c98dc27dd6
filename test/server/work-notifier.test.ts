import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkNotifier } from '../../src/server/work-notifier.js';
import { hostFacts, openFixture, type StoreFixture } from '../store/fixture.js';

/** The in-memory "who may have work" set that keeps idle check-ins off the database, on a real store. */

let fx: StoreFixture;
before(async () => {
  fx = await openFixture();
});
after(async () => {
  await fx.close();
});

async function enrolledAgent(projectId: string): Promise<string> {
  const { token } = await fx.agents.createEnrollmentToken({ projectId, maxUses: 1 });
  return (await fx.agents.enroll(token, hostFacts())).agent.id;
}

async function queueJobFor(projectId: string, agentId: string) {
  return fx.tasks.createTask({
    projectId, enterpriseProjectId: '0', family: 'test', kind: 'noop', name: 't', params: {}, createdBy: 'test',
    jobs: [{ agentId, kind: 'noop', payload: {} }],
  });
}

const until = async (what: string, check: () => boolean, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('WorkNotifier', () => {
  test('is conservative until its first refresh, then answers from the shared query', async () => {
    const project = await fx.newProject();
    const idle = await enrolledAgent(project);
    const notifier = new WorkNotifier(fx.tasks, 100);
    assert.equal(notifier.mayHaveWork(idle), true, 'a notifier that never refreshed must not hide work');
    notifier.start();
    try {
      await until('first refresh', () => !notifier.mayHaveWork(idle));
    } finally {
      notifier.stop();
    }
    assert.equal(notifier.mayHaveWork(idle), true, 'a stopped notifier falls back to per-check-in queries');
  });

  test('finds work created elsewhere (another replica) within a tick, and forgets it when taken', async () => {
    const project = await fx.newProject();
    const agent = await enrolledAgent(project);
    const notifier = new WorkNotifier(fx.tasks, 100);
    notifier.start();
    try {
      await until('first refresh', () => !notifier.mayHaveWork(agent));
      const { jobs } = await queueJobFor(project, agent); // no notify(): as if another server created it
      await until('the job to be seen', () => notifier.mayHaveWork(agent));
      const claimed = await fx.tasks.claim(jobs[0]!.id, agent, 60_000);
      assert.ok(claimed);
      await until('the claimed job to drop out', () => !notifier.mayHaveWork(agent));
      await fx.tasks.cancelTask(jobs[0]!.task_id);
      await until('the cancel request to be seen', () => notifier.mayHaveWork(agent));
    } finally {
      notifier.stop();
    }
  });

  test('notify marks at once and wakes long-polls; waits end on timeout and on abort', async () => {
    const project = await fx.newProject();
    const agent = await enrolledAgent(project);
    const notifier = new WorkNotifier(fx.tasks, 60_000);
    notifier.start();
    try {
      await until('first refresh', () => !notifier.mayHaveWork(agent));
      const started = Date.now();
      const waiting = notifier.wait(agent, 10_000);
      assert.equal(notifier.waitingCount(), 1);
      notifier.notify(agent);
      await waiting;
      assert.ok(Date.now() - started < 1000, 'notify must wake the long-poll at once');
      assert.equal(notifier.mayHaveWork(agent), true);
      assert.equal(notifier.waitingCount(), 0);

      const timed = Date.now();
      await notifier.wait(agent, 150);
      assert.ok(Date.now() - timed >= 140);

      const controller = new AbortController();
      const aborted = notifier.wait(agent, 10_000, controller.signal);
      controller.abort();
      await aborted;
      assert.equal(notifier.waitingCount(), 0);
    } finally {
      notifier.stop();
    }
  });
});

describe('AgentStore heartbeat flush', () => {
  test('writes a large batch in chunks and never moves last_seen_at backwards', async () => {
    const project = await fx.newProject();
    const { token } = await fx.agents.createEnrollmentToken({ projectId: project, maxUses: 1200 });
    const ids: string[] = [];
    for (let i = 0; i < 1200; i++) ids.push((await fx.agents.enroll(token, hostFacts({ host_name: `h${i}` }), 1000)).agent.id);
    const seen = 5_000_000;
    ids.forEach((id, i) => fx.agents.noteSeen(id, seen + i));
    assert.equal(await fx.agents.flushHeartbeats(), 1200);
    const rows = await fx.store.db.selectFrom('agents').select(['id', 'last_seen_at']).where('project_id', '=', project).execute();
    const byId = new Map(rows.map((r) => [r.id, Number(r.last_seen_at)]));
    ids.forEach((id, i) => assert.equal(byId.get(id), seen + i));

    fx.agents.noteSeen(ids[0]!, 10); // an older, late heartbeat
    await fx.agents.flushHeartbeats();
    const first = await fx.store.db.selectFrom('agents').select('last_seen_at').where('id', '=', ids[0]!).executeTakeFirstOrThrow();
    assert.equal(Number(first.last_seen_at), seen);
    assert.equal(await fx.agents.flushHeartbeats(), 0, 'nothing pending, nothing written');
  });
});
