/**
 * HSS scan-task operations on a real server (loopback, real SQLite/PostgreSQL), agents enrolled over the real
 * agent protocol, calls signed with the official SDK core's signer: create → list → hosts → finish → statistics,
 * offline and incapable hosts failing with reasons, rescans in the same task, estimates, paging and filters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VUL_SCAN_FAMILY } from '../../src/families/vul-scan/domain.js';
import { ScanStore } from '../../src/families/vul-scan/scan-store.js';
import type { VulScanTables } from '../../src/families/vul-scan/tables.js';
import { http } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { checkin, type EnrolledAgent } from './support.js';
import { assertHostInfoTypes, assertTaskInfoTypes, hss, makeOffline, ok, scanAgent } from './vul-scan-tasks-support.js';

interface Estimate { queue_time: number; run_time: number; total_time: number }
interface TaskList { total_num: number; data_list: Array<Record<string, unknown>> }
interface HostList { total_num: number; data_list: Array<Record<string, unknown> & { host_id: string; scan_status: string; failed_reasons: Array<{ vul_type: string; failed_reason: string }> }> }

let ts: TestServer;
let scans: ScanStore;
let alpha: EnrolledAgent;
let beta: EnrolledAgent;
let sleepy: EnrolledAgent;

before(async () => {
  ts = await startTestServer();
  scans = new ScanStore(ts.server.ctx.store.db, ts.server.ctx.tasks);
  alpha = await scanAgent(ts, 'alpha');
  beta = await scanAgent(ts, 'beta');
  sleepy = await scanAgent(ts, 'sleepy');
  await scanAgent(ts, 'legacy', { capable: false });
  await makeOffline(ts, sleepy);
});

after(async () => {
  await ts?.close();
});

const listTasks = (query: Record<string, string | number> = {}) => hss<TaskList>(ts, 'GET', '/vulnerability/scan-tasks', { query });
const listHosts = (taskId: string, query: Record<string, string | number> = {}) =>
  hss<HostList>(ts, 'GET', `/vulnerability/scan-task/${taskId}/hosts`, { query: { limit: 200, ...query } });
const create = (body: unknown) => hss<{ task_id: string }>(ts, 'POST', '/vulnerability/scan-task', { body });

async function finishAll(taskId: string): Promise<void> {
  for (const host of await scans.hostsOfTask(taskId)) {
    if (host.scan_status === 'scanning') await scans.finishHost(taskId, host.host_id, 'success', [], []);
  }
}

describe('a manual scan over every host', () => {
  let taskId: string;

  test('CreateVulnerabilityScanTask answers {task_id}; online capable agents get an inventory job at once', async () => {
    const body = ok(await create({ manual_scan_type: ['linux_vul', 'app_vul', 'windows_vul'], batch_flag: true, range_type: 'all_host' }), 'create');
    assert.deepEqual(Object.keys(body), ['task_id']);
    assert.equal(typeof body.task_id, 'string');
    taskId = body.task_id;
    const jobs = await ts.server.ctx.tasks.jobsOfTask(taskId);
    assert.deepEqual(jobs.map((j) => j.agent_id).sort(), [alpha.agentId, beta.agentId].sort());
    assert.ok(jobs.every((j) => j.kind === 'vul-inventory' && j.state === 'queued'));
    const offered = (await checkin(ts, alpha)).body as { jobs: Array<{ id: string; kind: string }> };
    assert.ok(offered.jobs.some((j) => j.kind === 'vul-inventory'), 'the agent picks the job up on its next check-in');
  });

  test('ListVulScanTask shows it running, manual, with host counters of the Go SDK types', async () => {
    const list = ok(await listTasks(), 'list');
    assert.equal(list.total_num, 1);
    const info = list.data_list[0]!;
    assertTaskInfoTypes(info);
    assert.equal(info.id, taskId);
    assert.equal(info.scan_type, 'manual');
    assert.equal(info.status, 'running');
    assert.deepEqual(info.scan_vul_types, ['linux_vul', 'app_vul', 'windows_vul']);
    assert.deepEqual([info.scanning_host_num, info.success_host_num, info.failed_host_num], [2, 0, 2]);
    assert.equal('end_time' in info, false, 'no end_time while running');
    assert.ok((info.estimated_time as number) >= 1);
  });

  test('ListVulScanTaskHost: the offline and the incapable host failed with reasons; unsupported types listed', async () => {
    const hosts = ok(await listHosts(taskId), 'hosts');
    assert.equal(hosts.total_num, 4);
    for (const host of hosts.data_list) assertHostInfoTypes(host);
    const byName = new Map(hosts.data_list.map((h) => [h.host_name, h]));
    const offline = byName.get('sleepy')!;
    assert.equal(offline.scan_status, 'failed');
    assert.match(offline.failed_reasons.find((r) => r.vul_type === 'linux_vul')?.failed_reason ?? '', /offline/);
    assert.match(byName.get('legacy')!.failed_reasons[0]?.failed_reason ?? '', /does not offer vulnerability scanning/);
    const online = byName.get('alpha')!;
    assert.equal(online.scan_status, 'scanning');
    assert.equal(online.host_id, alpha.hostId);
    assert.equal(online.private_ip, '10.1.0.7');
    assert.equal(online.public_ip, '203.0.113.7');
    assert.equal(online.asset_value, 'common');
    assert.deepEqual(online.failed_reasons.map((r) => r.vul_type), ['windows_vul'], 'windows_vul is reported, not dropped');
    const failedOnly = ok(await listHosts(taskId, { scan_status: 'failed' }), 'failed hosts');
    assert.deepEqual(failedOnly.data_list.map((h) => h.host_name).sort(), ['legacy', 'sleepy']);
    const page = ok(await listHosts(taskId, { limit: 1, offset: 1 }), 'paged');
    assert.equal(page.total_num, 4);
    assert.equal(page.data_list.length, 1);
  });

  test('when no host is scanning the task is finished with an end_time; the unread badge counts it until viewed', async () => {
    assert.deepEqual(ok(await hss(ts, 'GET', '/vulnerability/task/statistics'), 'stats'), { unread_task_num: 0 });
    await finishAll(taskId);
    const info = ok(await listTasks({ task_id: taskId }), 'list').data_list[0]!;
    assertTaskInfoTypes(info);
    assert.equal(info.status, 'finished');
    assert.ok(Number.isInteger(info.end_time) && (info.end_time as number) >= (info.start_time as number));
    assert.deepEqual([info.scanning_host_num, info.success_host_num, info.failed_host_num, info.estimated_time], [0, 2, 2, 0]);
    assert.deepEqual(ok(await hss(ts, 'GET', '/vulnerability/task/statistics'), 'stats'), { unread_task_num: 1 });
    const traced = await hss(ts, 'POST', '/vulnerability/task/user/trace', { body: { task_type: 'vul_scan' } });
    assert.equal(traced.status, 200, traced.text);
    assert.deepEqual(ok(await hss(ts, 'GET', '/vulnerability/task/statistics'), 'stats'), { unread_task_num: 0 });
  });

  test('RecreateVulScanTask all_failed_host re-queues the failed hosts in the same task; offline ones fail again', async () => {
    await checkin(ts, sleepy);
    await ts.server.ctx.agents.flushHeartbeats();
    const rescan = await hss(ts, 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: { range_type: 'all_failed_host' } });
    assert.equal(rescan.status, 200, rescan.text);
    const info = ok(await listTasks({ task_id: taskId }), 'list').data_list[0]!;
    assert.equal(info.status, 'running');
    assert.equal('end_time' in info, false);
    assert.deepEqual([info.scanning_host_num, info.success_host_num, info.failed_host_num], [1, 2, 1]);
    const hosts = ok(await listHosts(taskId), 'hosts').data_list;
    assert.equal(hosts.find((h) => h.host_name === 'sleepy')?.scan_status, 'scanning');
    assert.match(hosts.find((h) => h.host_name === 'legacy')?.failed_reasons[0]?.failed_reason ?? '', /does not offer/);
    const rows = await scans.hostsOfTask(taskId);
    const sleepyRow = rows.find((r) => r.agent_id === sleepy.agentId)!;
    assert.equal(sleepyRow.match_job_id, null);
    const job = await ts.server.ctx.tasks.getJob(sleepyRow.inventory_job_id ?? '');
    assert.equal(job?.state, 'queued');
    assert.equal(job?.task_id, taskId, 'the new job belongs to the same task');
    assert.equal(ok(await listTasks(), 'all').total_num, 1, 'no new task');
  });

  test('rescanning a host that is still scanning is refused; specific_host re-queues a finished one', async () => {
    const busy = await hss<Record<string, string>>(ts, 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: { range_type: 'specific_host', host_ids: [sleepy.hostId] } });
    assert.equal(busy.status, 400, busy.text);
    assert.equal(busy.body.error_code, 'HSS.0001');
    assert.match(busy.body.error_msg ?? '', /still scanning/);
    await finishAll(taskId);
    assert.equal(ok(await listTasks({ task_id: taskId }), 'list').data_list[0]!.status, 'finished');
    const again = await hss(ts, 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: { range_type: 'specific_host', host_ids: [alpha.hostId, alpha.hostId] } });
    assert.equal(again.status, 200, again.text);
    const info = ok(await listTasks({ task_id: taskId }), 'list').data_list[0]!;
    assert.deepEqual([info.status, info.scanning_host_num], ['running', 1]);
    await finishAll(taskId);
  });

  test('two rescans of the same host at once: one is queued, the other refused (one new job)', async () => {
    const jobsBefore = (await ts.server.ctx.tasks.jobsOfTask(taskId)).length;
    const rescan = () => hss<Record<string, string>>(ts, 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: { range_type: 'specific_host', host_ids: [beta.hostId] } });
    const results = await Promise.all([rescan(), rescan(), rescan()]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400], results.map((r) => r.text).join(' | '));
    assert.ok(results.filter((r) => r.status === 400).every((r) => r.body.error_code === 'HSS.0001'));
    assert.equal((await ts.server.ctx.tasks.jobsOfTask(taskId)).length, jobsBefore + 1);
    await finishAll(taskId);
  });
});

describe('specific hosts, filters and paging', () => {
  test('specific_host scans exactly the named agents; range_type defaults from agent_id_list', async () => {
    const named = ok(await create({ manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [beta.agentId] }), 'create');
    const implicit = ok(await create({ agent_id_list: [alpha.agentId, alpha.agentId] }), 'create without range_type');
    assert.deepEqual((await scans.hostsOfTask(named.task_id)).map((h) => h.agent_id), [beta.agentId]);
    assert.deepEqual((await scans.hostsOfTask(implicit.task_id)).map((h) => h.agent_id), [alpha.agentId]);
    const info = ok(await listTasks({ task_id: implicit.task_id }), 'list').data_list[0]!;
    assert.deepEqual(info.scan_vul_types, ['linux_vul', 'app_vul'], 'manual_scan_type defaults to the supported types');
    await finishAll(named.task_id);
    await finishAll(implicit.task_id);
  });

  test('only unsupported types (urgent_vul): accepted, every host fails saying so, the task is finished at once', async () => {
    const created = ok(await create({
      manual_scan_type: ['urgent_vul'], range_type: 'specific_host', agent_id_list: [alpha.agentId], urgent_vul_id_list: ['URGENT-CVE-2021-44228'],
    }), 'create');
    const info = ok(await listTasks({ task_id: created.task_id }), 'list').data_list[0]!;
    assert.deepEqual([info.status, info.failed_host_num, info.scanning_host_num], ['finished', 1, 0]);
    const host = ok(await listHosts(created.task_id), 'hosts').data_list[0]!;
    assert.match(host.failed_reasons[0]?.failed_reason ?? '', /urgent_vul is not supported/);
    assert.deepEqual(await ts.server.ctx.tasks.jobsOfTask(created.task_id), [], 'no agent job for nothing to scan');
  });

  test('limit, offset, scan_type, task_id and start-time bounds', async () => {
    const all = ok(await listTasks({ limit: 200 }), 'all');
    assert.equal(all.total_num, 4);
    const starts = all.data_list.map((t) => t.start_time as number);
    assert.deepEqual(starts, [...starts].sort((a, b) => b - a), 'newest first');
    const zero = ok(await listTasks({ limit: 0 }), 'limit 0');
    assert.deepEqual([zero.total_num, zero.data_list.length], [4, 0]);
    const second = ok(await listTasks({ limit: 1, offset: 1 }), 'page 2');
    assert.equal(second.data_list[0]!.id, all.data_list[1]!.id);
    assert.equal(ok(await listTasks({ offset: 2_000_000 }), 'max offset').data_list.length, 0);
    assert.equal(ok(await listTasks({ scan_type: 'manual' }), 'manual').total_num, 4);
    assert.equal(ok(await listTasks({ scan_type: 'schedule' }), 'schedule').total_num, 0);
    const middle = starts[1]!;
    const from = ok(await listTasks({ min_start_time: middle }), 'min').data_list.map((t) => t.start_time as number);
    assert.ok(from.length >= 2 && from.every((s) => s >= middle));
    const to = ok(await listTasks({ max_start_time: middle, min_start_time: 0 }), 'max').data_list.map((t) => t.start_time as number);
    assert.ok(to.length >= 2 && to.every((s) => s <= middle));
    assert.equal(ok(await listTasks({ max_start_time: 9_999_999_999_999 }), 'upper bound').total_num, 4);
    assert.equal(ok(await listTasks({ task_id: '0123456789abcdef0123456789abcdef' }), 'unknown id filter').total_num, 0);
  });

  test('internal rematch tasks of the family are never listed nor readable as scan tasks', async () => {
    const projectId = ts.credentials.project_id;
    const { task } = await ts.server.ctx.tasks.createTask({
      projectId, enterpriseProjectId: '0', family: VUL_SCAN_FAMILY, kind: 'rematch', name: 'rematch', params: {}, createdBy: 'vulndb', jobs: [],
    }, Date.now(), {
      after: async (trx, created) => {
        await trx.withTables<VulScanTables>().insertInto('vul_scan_tasks').values({
          task_id: created.id, project_id: projectId, scan_type: 'rematch', scan_vul_types: '["linux_vul"]', start_time: Date.now(), end_time: null,
        }).execute();
      },
    });
    const list = ok(await listTasks({ limit: 200 }), 'list');
    assert.equal(list.total_num, 4);
    assert.ok(list.data_list.every((t) => t.id !== task.id && (t.scan_type === 'manual' || t.scan_type === 'schedule')));
    assert.equal(ok(await listTasks({ task_id: task.id }), 'by id').total_num, 0);
    const hosts = await listHosts(task.id);
    assert.equal(hosts.status, 400);
    assert.equal((hosts.body as unknown as Record<string, string>).error_code, 'HSS.0011');
  });

  test('ShowVulScanTaskEstimatedTime: minutes from queued jobs and recent inventory durations', async () => {
    const idle = ok(await hss<Estimate>(ts, 'POST', '/vulnerability/scan/task/estimated-time', {
      body: { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_ids: [beta.agentId] },
    }), 'estimate');
    assert.deepEqual(Object.keys(idle).sort(), ['queue_time', 'run_time', 'total_time']);
    for (const value of Object.values(idle)) assert.ok(Number.isInteger(value));
    // No inventory has run yet in this project: the defaults (60 s inventory + 5 s match → 2 minutes).
    assert.equal(idle.run_time, 2);
    // Every earlier task of this file left beta's inventory jobs queued: each counts 60 s of queue.
    const betaQueue = (await ts.server.ctx.store.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('agent_id', '=', beta.agentId).where('kind', '=', 'vul-inventory').where('state', 'in', ['queued', 'running']).executeTakeFirstOrThrow()).n;
    assert.equal(idle.queue_time, Number(betaQueue));
    assert.equal(idle.total_time, Math.ceil((Number(betaQueue) * 60_000 + 65_000) / 60_000));
    const everyHost = ok(await hss<Estimate>(ts, 'POST', '/vulnerability/scan/task/estimated-time', { body: {} }), 'all hosts');
    assert.ok(everyHost.queue_time >= idle.queue_time);
    // The SDK sends no body at all when the request's body is unset: every host.
    const bodiless = ok(await hss<Estimate>(ts, 'POST', '/vulnerability/scan/task/estimated-time'), 'no body');
    assert.deepEqual(bodiless, everyHost);

    // One inventory really ran (claimed and finished over the agent protocol, in well under a minute).
    const offered = (await checkin(ts, alpha)).body as { jobs: Array<{ id: string; kind: string }> };
    const jobId = offered.jobs.find((j) => j.kind === 'vul-inventory')!.id;
    const agentCall = (path: string, body?: unknown) => http(ts.endpoint, { method: 'POST', path, headers: { authorization: alpha.authorization }, body: body ?? {} });
    assert.equal((await agentCall(`/agent/v1/jobs/${jobId}/claim`)).status, 200);
    const finished = await agentCall(`/agent/v1/jobs/${jobId}/finish`, {
      outcome: 'succeeded', kind_version: 1,
      result: { packages: 0, os_ecosystem: null, entries: 1, bytes_read: 0, unreadable: 0, truncated: false, duration_ms: 5, extractor_errors: 0 },
    });
    assert.equal(finished.status, 200, finished.text);
    const learned = ok(await hss<Estimate>(ts, 'POST', '/vulnerability/scan/task/estimated-time', {
      body: { range_type: 'specific_host', agent_ids: [beta.agentId] },
    }), 'estimate after history');
    assert.equal(learned.run_time, 1, 'a sub-second inventory + the 5 s match default rounds up to 1 minute');
  });
});
