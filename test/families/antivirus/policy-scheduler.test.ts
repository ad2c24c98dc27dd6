/**
 * Scheduled antivirus runs with an injected clock: a `later` policy runs once at its scan_time and a `period` policy
 * at each of its slots, exactly once across two replicas (on PostgreSQL a second server process on the same
 * database; on SQLite, whose one writer a second in-process server cannot share, a second scheduler on the same
 * store), each run a normal task in ListAntiVirusTask (start_type and policy_id of the policy, the offline host
 * `fail` with its reason). A changed policy is not run from its old settings; deleted policies and policies whose
 * hosts are all gone do not run; a project at its `tasks.active` quota skips the run. Last, the periodic registered in the running server runs a due policy by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../../src/config.js';
import { AvPolicyScheduler, avPolicyPeriodic, type PolicyRun } from '../../../src/families/antivirus/policy-scheduler.js';
import { antivirusServices } from '../../../src/families/antivirus/services.js';
import { startServer, type RunningServer } from '../../../src/server/server.js';
import { testDbKind } from '../../helpers/db.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { avAgent } from '../../api/antivirus-support.js';
import type { EnrolledAgent } from '../../api/support.js';
import { ok } from '../../api/vul-scan-tasks-support.js';
import { changePolicy, createPolicy, deletePolicies, policyById, tasksOfPolicy } from './policy-support.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Agents count as online for 30 days, so the injected clock may run days ahead of their last check-in. */
const OFFLINE_SECONDS = String(30 * 86_400);

let ts: TestServer;
let replica: RunningServer | null = null;
let good: EnrolledAgent;
let offline: EnrolledAgent;
let clock = Date.now();

/** The two replicas' schedulers, both on the injected clock, run through the registered periodic's shape. */
let replicas: Array<ReturnType<typeof avPolicyPeriodic>>;

before(async () => {
  ts = await startTestServer({ env: { GUARDPOST_AGENT_OFFLINE_SECONDS: OFFLINE_SECONDS } });
  if (testDbKind === 'postgres') {
    replica = await startServer(loadConfig({
      GUARDPOST_HOME: ts.db.dir, GUARDPOST_LISTEN: '127.0.0.1:0', GUARDPOST_AGENT_OFFLINE_SECONDS: OFFLINE_SECONDS,
      ...(ts.db.databaseUrl ? { GUARDPOST_DATABASE_URL: ts.db.databaseUrl } : {}),
    }));
  }
  const contexts = [ts.server.ctx, (replica ?? ts.server).ctx];
  replicas = contexts.map((ctx) => avPolicyPeriodic(new AvPolicyScheduler(antivirusServices(ctx), () => clock)));
  good = await avAgent(ts, 'sched-good');
  offline = await avAgent(ts, 'sched-offline');
  await ts.server.ctx.store.db.updateTable('agents').set({ last_seen_at: Date.now() - 60 * DAY }).where('id', '=', offline.agentId).execute();
});

after(async () => {
  await replica?.close();
  await ts?.close();
});

/** Both replicas tick at once at `at`; returns the runs they started between them. */
async function tickBoth(at: number): Promise<PolicyRun[]> {
  clock = at;
  const results = await Promise.all(replicas.map((p) => p.run() as Promise<PolicyRun[]>));
  return results.flat();
}

/** Half a day from the local (GMT+8) hour now, so the server's own real-time periodic never reaches these slots first. */
const farHour = (new Date(Date.now() + 480 * 60_000).getUTCHours() + 12) % 24;

const period = (extra: Record<string, unknown>) => ({
  policy_name: 'sched-daily', start_type: 'period', scan_type: 'quick', action: 'manual', file_types: [0], host_ids: [good.hostId, offline.hostId],
  whether_paid_task: false, scan_period: 'day', scan_hour: farHour, scan_minute: 5, timezone_offset: -480, ...extra,
});

describe('scheduled runs, exactly once across replicas', () => {
  test('a later policy runs once at its scan_time as a paid task of the policy; then it is invalid', async () => {
    const scanTime = Date.now() + 3 * HOUR;
    const id = ok(await createPolicy(ts, {
      policy_name: 'sched-later', start_type: 'later', scan_type: 'custom', scan_dir: '/srv;/opt', ignore_dir: '/srv/tmp', action: 'auto',
      file_types: [1, 3], host_ids: [good.hostId, offline.hostId], whether_paid_task: true, scan_time: scanTime,
    }), 'create').policy_id;
    assert.deepEqual(await tickBoth(scanTime - 1), [], 'not before scan_time');

    const runs = await tickBoth(scanTime + 500);
    assert.equal(runs.length, 1, `exactly one replica ran it: ${JSON.stringify(runs)}`);
    assert.equal(runs[0]!.policyId, id);
    const tasks = await tasksOfPolicy(ts, id, true);
    assert.equal(tasks.length, 1);
    const task = tasks[0]!;
    assert.deepEqual([task.task_id, task.task_name, task.start_type, task.scan_type, task.action, task.whether_paid_task, task.start_time],
      [runs[0]!.taskId, 'sched-later', 'later', 'custom', 'auto', true, scanTime + 500]);
    const hosts = new Map(task.host_info_list.map((h) => [h.host_id, h]));
    assert.equal(hosts.get(good.hostId)?.host_task_status, 'scanning');
    assert.equal(hosts.get(good.hostId)?.whether_using_quota, 1);
    assert.equal(hosts.get(offline.hostId)?.host_task_status, 'fail');
    assert.match(String(hosts.get(offline.hostId)?.fail_reason), /offline/);
    assert.equal((await tasksOfPolicy(ts, id, false)).length, 0, 'not in the free list');
    const jobs = await ts.server.ctx.tasks.jobsOfTask(task.task_id);
    assert.deepEqual(jobs.map((j) => j.agent_id), [good.agentId]);
    assert.deepEqual(JSON.parse(jobs[0]!.payload), { scan_type: 'custom', roots: ['/srv', '/opt'], ignore_dirs: ['/srv/tmp'], file_types: [1, 3] });

    const p = await policyById(ts, id);
    assert.deepEqual([p?.invalidate, p?.next_start_time], [true, undefined]);
    assert.deepEqual(await tickBoth(scanTime + 10 * DAY), [], 'an invalid policy never runs again');
    assert.equal((await tasksOfPolicy(ts, id, true)).length, 1);
  });

  test('a daily policy runs at each slot once; next_start_time moves a day on', async () => {
    const id = ok(await createPolicy(ts, period({})), 'create').policy_id;
    const first = (await policyById(ts, id))?.next_start_time ?? 0;
    const local = new Date(first + 480 * 60_000);
    assert.deepEqual([local.getUTCHours(), local.getUTCMinutes()], [farHour, 5], 'HH:05 at GMT+8');

    assert.deepEqual((await tickBoth(first)).map((r) => r.policyId), [id]);
    assert.equal((await policyById(ts, id))?.next_start_time, first + DAY);
    assert.deepEqual(await tickBoth(first + HOUR), [], 'not due again within the day');
    assert.deepEqual((await tickBoth(first + DAY + 2000)).map((r) => r.policyId), [id]);
    assert.equal((await policyById(ts, id))?.next_start_time, first + 2 * DAY);

    const tasks = await tasksOfPolicy(ts, id);
    assert.deepEqual(tasks.map((t) => [t.start_type, t.start_time, t.fail_host_num, t.host_num]), [
      ['period', first + DAY + 2000, 1, 2], ['period', first, 1, 2],
    ]);
    assert.ok(tasks.every((t) => t.policy_id === id && t.task_name === 'sched-daily'));
    ok(await deletePolicies(ts, { policy_ids: [id] }), 'delete');
    assert.deepEqual(await tickBoth(first + 10 * DAY), [], 'a deleted policy never runs');
    assert.equal((await tasksOfPolicy(ts, id)).length, 2, 'its tasks stay');
  });

  test('a run read before a change is not started from the old settings; the changed policy runs at its new time', async () => {
    const id = ok(await createPolicy(ts, period({ policy_name: 'sched-changed' })), 'create').policy_id;
    const due = (await policyById(ts, id))?.next_start_time ?? 0;
    const services = antivirusServices(ts.server.ctx);
    const stale = (await services.policies.due(due, 1000)).find((p) => p.policy_id === id);
    assert.ok(stale);
    ok(await changePolicy(ts, { ...period({ policy_name: 'sched-changed', host_ids: [good.hostId] }), policy_id: id }), 'change hosts');
    assert.equal((await policyById(ts, id))?.next_start_time, due, 'same schedule, same next slot');
    assert.equal(await services.policies.claim(stale, due + DAY, due), false, 'the stale read cannot claim the run');
    const runs = await tickBoth(due);
    assert.deepEqual(runs.map((r) => r.policyId), [id]);
    const tasks = await tasksOfPolicy(ts, id);
    assert.deepEqual(tasks.map((t) => t.host_num), [1], 'the run scans the changed host list');
    ok(await deletePolicies(ts, { policy_ids: [id] }), 'delete');
  });

  test('a weekly policy whose hosts are all gone skips its run and moves on', async () => {
    const lone = await avAgent(ts, 'sched-lone');
    const id = ok(await createPolicy(ts, period({ policy_name: 'sched-gone', scan_period: 'week', scan_period_date: 4, host_ids: [lone.hostId] })), 'create').policy_id;
    const due = (await policyById(ts, id))?.next_start_time ?? 0;
    await ts.server.ctx.store.db.updateTable('agents').set({ revoked_at: Date.now() }).where('id', '=', lone.agentId).execute();
    const runs = await tickBoth(due);
    assert.deepEqual(runs.map((r) => [r.policyId, r.taskId]), [[id, null]]);
    assert.match(runs[0]!.skipped ?? '', /hosts/);
    assert.equal((await policyById(ts, id))?.next_start_time, due + 7 * DAY);
    assert.equal((await tasksOfPolicy(ts, id)).length, 0);
    ok(await deletePolicies(ts, { policy_ids: [id] }), 'delete');
  });
});

describe('a project at its task quota', () => {
  test('the run is skipped with the reason and the policy moves on to its next slot', async () => {
    const id = ok(await createPolicy(ts, period({ policy_name: 'sched-quota', scan_period: 'month', scan_period_date: 28 })), 'create').policy_id;
    const due = (await policyById(ts, id))?.next_start_time ?? 0;
    await ts.server.ctx.tasks.setQuota(ts.credentials.project_id, 'tasks.active', 0);
    try {
      const runs = await tickBoth(due);
      assert.deepEqual(runs.map((r) => [r.policyId, r.taskId]), [[id, null]], 'skipped once, by one replica');
      assert.match(runs[0]!.skipped ?? '', /quota tasks\.active/);
    } finally {
      await ts.server.ctx.tasks.setQuota(ts.credentials.project_id, 'tasks.active', 500);
    }
    const next = (await policyById(ts, id))?.next_start_time ?? 0;
    assert.ok(next - due >= 28 * DAY && next - due <= 31 * DAY, 'the 28th of the next month');
    assert.equal((await tasksOfPolicy(ts, id)).length, 0);
    ok(await deletePolicies(ts, { policy_ids: [id] }), 'delete');
  });
});

describe('the registered periodic', () => {
  test('the running server runs a due later policy by itself', async () => {
    const scanTime = Date.now() + 1500;
    const id = ok(await createPolicy(ts, {
      policy_name: 'sched-real', start_type: 'later', scan_type: 'quick', action: 'manual', file_types: [0], host_ids: [good.hostId],
      whether_paid_task: false, scan_time: scanTime,
    }), 'create').policy_id;
    const tasks = await waitFor('the policy\'s task', async () => {
      const list = await tasksOfPolicy(ts, id);
      return list.length > 0 ? list : undefined;
    }, 40_000, 500);
    assert.equal(tasks.length, 1);
    assert.equal(tasks[0]!.start_type, 'later');
    assert.ok(Number(tasks[0]!.start_time) >= scanTime);
    assert.equal((await policyById(ts, id))?.invalidate, true);
  });
});
