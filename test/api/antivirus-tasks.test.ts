/**
 * HSS antivirus operations on a real server (AK/SK calls signed by the official SDK core's signer), with agents
 * over the real agent protocol: the bad-input matrix (400 HSS.*, nothing stored changes), offline and
 * engine-less hosts as `fail_reasons`, progress and completion carried into ListAntiVirusTask by the sweep,
 * detections in ListAntiVirusResult with its filters, and SwitchAntivirusTask cancelling a host.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AvProgressSweep } from '../../src/families/antivirus/progress-sweep.js';
import { http } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { avAgent, avRowCounts } from './antivirus-support.js';
import { assertHuaweiError, checkin, createUserWithRole, rowCounts, tokenFor, type EnrolledAgent } from './support.js';
import { hss, hssToken, makeOffline, ok } from './vul-scan-tasks-support.js';

let ts: TestServer;
let good: EnrolledAgent;
let noEngine: EnrolledAgent;
let offline: EnrolledAgent;
let foreign: EnrolledAgent;
let foreignToken: string;
let sweep: AvProgressSweep;

const DAY = 86_400_000;

before(async () => {
  ts = await startTestServer();
  sweep = new AvProgressSweep(ts.server.ctx.store.db);
  good = await avAgent(ts, 'av-good');
  noEngine = await avAgent(ts, 'av-no-engine', { available: false, reason: 'clamd is not installed: install clamd (Debian package clamav-daemon)' });
  offline = await avAgent(ts, 'av-offline');
  await makeOffline(ts, offline);
  const other = await createUserWithRole(ts, { name: 'av-other-admin', role: 'admin' });
  foreign = await avAgent(ts, 'av-foreign', { projectId: other.projectId });
  foreignToken = await tokenFor(ts, other.userId, { projectId: other.projectId });
});

after(async () => {
  await ts?.close();
});

const agentCall = (agent: EnrolledAgent, path: string, body?: unknown) => http(ts.endpoint, {
  method: 'POST', path, headers: { authorization: agent.authorization }, ...(body === undefined ? {} : { body }),
});

async function claimNext(agent: EnrolledAgent): Promise<{ id: string; payload: Record<string, unknown> }> {
  const offered = (await checkin(ts, agent)).body as { jobs: Array<{ id: string; kind: string; payload: Record<string, unknown> }> };
  const job = offered.jobs.find((j) => j.kind === 'av-scan');
  assert.ok(job, JSON.stringify(offered));
  assert.equal((await agentCall(agent, `/agent/v1/jobs/${job.id}/claim`)).status, 200);
  return job;
}

type Task = Record<string, unknown> & { task_id: string; task_status: string; host_info_list: Array<Record<string, unknown>> };
const listTasks = async (query: Record<string, string | number | string[]> = {}) =>
  ok(await hss<{ total_num: number; data_list: Task[] }>(ts, 'GET', '/antivirus/task', { query: { offset: 0, limit: 10, whether_paid_task: 'false', ...query } }), 'list');
const taskById = async (id: string) => (await listTasks({ limit: 200 })).data_list.find((t) => t.task_id === id) as Task;
const hostOf = (task: Task, agent: EnrolledAgent) => task.host_info_list.find((h) => h.host_id === agent.hostId) as Record<string, unknown>;

describe('bad input → 400 HSS.*, nothing stored changes', () => {
  test('the matrix', async () => {
    const now = Date.now();
    const body = (extra: Record<string, unknown>) => ({ task_name: 'bad', scan_type: 'custom', action: 'manual', host_ids: [good.hostId], scan_dir: '/srv', ...extra });
    const list = (q: Record<string, string | number | string[]>) => ({ offset: 0, limit: 10, whether_paid_task: 'false', ...q });
    const cases: Array<[string, string, string, { body?: unknown; query?: Record<string, string | number | string[]> }, string]> = [
      ['limit below 10', 'GET', '/antivirus/task', { query: list({ limit: 9 }) }, 'HSS.0001'],
      ['limit above 200', 'GET', '/antivirus/task', { query: list({ limit: 201 }) }, 'HSS.0001'],
      ['missing whether_paid_task', 'GET', '/antivirus/task', { query: { offset: 0, limit: 10 } }, 'HSS.0001'],
      ['whether_paid_task not a boolean', 'GET', '/antivirus/task', { query: list({ whether_paid_task: 'maybe' }) }, 'HSS.0001'],
      ['last_days with begin_time', 'GET', '/antivirus/task', { query: list({ last_days: 1, begin_time: String(now - 1000), end_time: String(now) }) }, 'HSS.0001'],
      ['last_days above 30', 'GET', '/antivirus/task', { query: list({ last_days: 31 }) }, 'HSS.0001'],
      ['a window over 2 days', 'GET', '/antivirus/task', { query: list({ begin_time: String(now - 2 * DAY - 1), end_time: String(now) }) }, 'HSS.0001'],
      ['end before begin', 'GET', '/antivirus/task', { query: list({ begin_time: String(now), end_time: String(now - 1) }) }, 'HSS.0001'],
      ['begin_time without end_time', 'GET', '/antivirus/task', { query: list({ begin_time: String(now) }) }, 'HSS.0001'],
      ['a 12-digit begin_time', 'GET', '/antivirus/task', { query: list({ begin_time: '173753231745', end_time: String(now) }) }, 'HSS.0001'],
      ['a 13-character non-digit time', 'GET', '/antivirus/task', { query: list({ begin_time: '17375323174x5', end_time: String(now) }) }, 'HSS.0001'],
      ['unknown host_task_status', 'GET', '/antivirus/task', { query: list({ host_task_status: ['scanning', 'paused'] }) }, 'HSS.0001'],
      ['more than 5 host_task_status', 'GET', '/antivirus/task', { query: list({ host_task_status: ['scanning', 'fail', 'cancel', 'success', 'fail', 'cancel'] }) }, 'HSS.0001'],
      ['unknown task_status', 'GET', '/antivirus/task', { query: list({ task_status: 'done' }) }, 'HSS.0001'],
      ['unknown scan_type', 'POST', '/antivirus/task', { body: body({ scan_type: 'deep' }) }, 'HSS.0001'],
      ['unknown action', 'POST', '/antivirus/task', { body: body({ action: 'delete' }) }, 'HSS.0001'],
      ['empty host_ids', 'POST', '/antivirus/task', { body: body({ host_ids: [] }) }, 'HSS.0001'],
      ['no host_ids', 'POST', '/antivirus/task', { body: { task_name: 'bad', scan_type: 'quick', action: 'manual' } }, 'HSS.0001'],
      ['a relative scan_dir', 'POST', '/antivirus/task', { body: body({ scan_dir: '/srv;tmp/x' }) }, 'HSS.0001'],
      ['scan_dir with ..', 'POST', '/antivirus/task', { body: body({ scan_dir: '/srv/../etc' }) }, 'HSS.0001'],
      ['ignore_dir with ..', 'POST', '/antivirus/task', { body: body({ ignore_dir: '/srv/a/..' }) }, 'HSS.0001'],
      ['custom without scan_dir', 'POST', '/antivirus/task', { body: body({ scan_dir: ' ; ' }) }, 'HSS.0001'],
      ['scan_dir on a quick scan', 'POST', '/antivirus/task', { body: body({ scan_type: 'quick' }) }, 'HSS.0001'],
      ['a task_name over 255 characters', 'POST', '/antivirus/task', { body: body({ task_name: 'x'.repeat(256) }) }, 'HSS.0001'],
      ['an unknown file type', 'POST', '/antivirus/pay-per-scan/tasks', { body: body({ file_types: [7] }) }, 'HSS.0001'],
      ['an unknown field', 'POST', '/antivirus/task', { body: body({ hosts: ['x'] }) }, 'HSS.0001'],
      ['an unknown host id', 'POST', '/antivirus/task', { body: body({ host_ids: [good.hostId, 'no-such-host'] }) }, 'HSS.0011'],
      ['a host of another project', 'POST', '/antivirus/task', { body: body({ host_ids: [foreign.hostId] }) }, 'HSS.0011'],
      ['a rescan of an unknown task', 'POST', '/antivirus/task', { body: body({ task_id: '0123' }) }, 'HSS.0011'],
      ['cancel an unknown task', 'PUT', '/antivirus/task', { body: { task_id: 'no-such-task', task_name: 'x', host_ids: [good.hostId] } }, 'HSS.0011'],
      ['cancel with empty host_ids', 'PUT', '/antivirus/task', { body: { task_id: 'no-such-task', task_name: 'x', host_ids: [] } }, 'HSS.0001'],
      ['results: limit below 10', 'GET', '/antivirus/result', { query: { offset: 0, limit: 5 } }, 'HSS.0001'],
      ['results: unknown severity', 'GET', '/antivirus/result', { query: { offset: 0, limit: 10, severity_list: ['Severe'] } }, 'HSS.0001'],
      ['results: a non-hex file_hash', 'GET', '/antivirus/result', { query: { offset: 0, limit: 10, file_hash: 'zz' } }, 'HSS.0001'],
      ['hosts: missing scan_type', 'GET', '/antivirus/host-management/hosts', { query: { offset: 0, limit: 10, start_type: 'now' } }, 'HSS.0001'],
      ['hosts: start_type later', 'GET', '/antivirus/host-management/hosts', { query: { offset: 0, limit: 10, scan_type: 'quick', start_type: 'later' } }, 'HSS.0001'],
      ['paid hosts: limit above 200', 'GET', '/antivirus/pay-per-scan/hosts', { query: { limit: 201, scan_type: 'quick', start_type: 'now' } }, 'HSS.0001'],
      ['results: unknown handle_status', 'GET', '/antivirus/result', { query: { offset: 0, limit: 10, handle_status: 'done' } }, 'HSS.0001'],
    ];
    const snapshot = async () => ({ ...await rowCounts(ts), ...await avRowCounts(ts) });
    const initial = await snapshot();
    for (const [label, method, path, options, code] of cases) {
      assertHuaweiError(await hss(ts, method, path, options), 400, code, label);
      assert.deepEqual(await snapshot(), initial, `${label}: a rejected request stored something`);
    }
  });
});

describe('a task over an online, an engine-less and an offline host', () => {
  let taskId: string;
  let jobId: string;

  test('create: the two hosts that cannot scan are fail_reasons; the task is listed scanning', async () => {
    const created = ok(await hss<{ result: boolean; task_id: string; fail_reasons: Array<{ host_id: string; reason: string }> }>(ts, 'POST', '/antivirus/task', {
      body: { task_name: '自定义查杀-1', scan_type: 'custom', action: 'manual', host_ids: [good.hostId, noEngine.hostId, offline.hostId], scan_dir: '/srv/www;/opt/app/', ignore_dir: '/srv/www/cache' },
    }), 'create');
    taskId = created.task_id;
    assert.equal(created.result, false);
    assert.deepEqual(created.fail_reasons.map((f) => f.host_id).sort(), [noEngine.hostId, offline.hostId].sort());
    assert.match(created.fail_reasons.find((f) => f.host_id === noEngine.hostId)!.reason, /clamd is not installed/);
    assert.match(created.fail_reasons.find((f) => f.host_id === offline.hostId)!.reason, /offline/);
    for (const f of created.fail_reasons) assert.ok(f.reason.length <= 100);

    const task = await taskById(taskId);
    assert.equal(task.task_status, 'scanning');
    assert.equal(task.scan_type, 'custom');
    assert.equal(task.start_type, 'now');
    assert.equal(task.whether_paid_task, false);
    assert.equal(task.host_num, 3);
    assert.equal(task.fail_host_num, 2);
    assert.equal(hostOf(task, good).host_task_status, 'scanning');
    assert.equal(hostOf(task, good).scan_progress, '0%');
    assert.equal(hostOf(task, good).host_name, 'av-good');
    assert.equal(hostOf(task, noEngine).host_task_status, 'fail');
    assert.match(String(hostOf(task, noEngine).fail_reason), /clamd is not installed/);
    // Not a paid task; the paid listing does not show it.
    assert.ok(!(await listTasks({ whether_paid_task: 'true', limit: 200 })).data_list.some((t) => t.task_id === taskId));

    const job = await claimNext(good);
    jobId = job.id;
    assert.deepEqual(job.payload, { scan_type: 'custom', roots: ['/srv/www', '/opt/app'], ignore_dirs: ['/srv/www/cache'], file_types: [] });
  });

  test('progress reported by the agent moves the host row', async () => {
    const detail = { files_done: 40, files_total: 100, scanned_files: 38, bytes: 123_456, detections: 1, percent: 40, elapsed_ms: 2000 };
    assert.equal((await agentCall(good, `/agent/v1/jobs/${jobId}/progress`, { progress: 40, detail })).status, 200);
    await sweep.run();
    const host = hostOf(await taskById(taskId), good);
    assert.equal(host.scan_progress, '40%');
    assert.equal(host.scan_file_num, 38);
    assert.equal(host.virus_num, 1);
    assert.equal(host.host_task_status, 'scanning');
    // repeated filters (a repeated query key) and the derived status filter
    const scanningTasks = await listTasks({ host_task_status: ['scanning', 'cancel'], task_status: 'scanning', limit: 200 });
    assert.ok(scanningTasks.data_list.some((t) => t.task_id === taskId));
  });

  test('completion: exact counts, task finish, detections stored once and listed with filters', async () => {
    const found = Date.now();
    const detection = (path: string, signature: string, sha: string) => ({
      path, signature, sha256: sha, size: 68, mode: '-rw-r--r--', owner: 'root', mtime_ms: found - 5000, ctime_ms: found - 5000, found_at: found,
    });
    const result = {
      total_files: 100, scanned_files: 97, scanned_bytes: 500_000, detections_count: 2, skipped_too_large: 1, unreadable_files: 2,
      filtered_out: 0, scan_errors: 0, duration_ms: 4000, detections_truncated: false,
      detections: [detection('/srv/www/eicar.com', 'Guardpost.Test.EICAR.UNOFFICIAL', 'a'.repeat(64)),
        detection('/opt/app/Trojan.bin', 'Unix.Trojan.Mirai-1', 'b'.repeat(64))],
    };
    assert.equal((await agentCall(good, `/agent/v1/jobs/${jobId}/finish`, { outcome: 'succeeded', result })).status, 200);
    await sweep.run();
    await sweep.run();
    const task = await taskById(taskId);
    assert.equal(task.task_status, 'finish');
    assert.equal(task.success_host_num, 1);
    assert.equal(task.rescan, true);
    const host = hostOf(task, good);
    assert.equal(host.host_task_status, 'success');
    assert.equal(host.scan_file_num, 97);
    assert.equal(host.virus_num, 2);
    assert.equal(host.scan_progress, '100%');
    assert.ok((await listTasks({ task_status: 'finish', limit: 200 })).data_list.some((t) => t.task_id === taskId));
    assert.ok(!(await listTasks({ task_status: 'scanning', limit: 200 })).data_list.some((t) => t.task_id === taskId));

    type Result = { result_id: string; malware_name: string; severity: string; event_type: number; task_id: string; task_name: string;
      file_info: { file_path: string; file_hash: string; file_size: number; file_attr: string }; resource_info: { host_id: string; host_name: string } };
    const results = (q: Record<string, string | number | string[]> = {}) =>
      hss<{ total_num: number; data_list: Result[] }>(ts, 'GET', '/antivirus/result', { query: { offset: 0, limit: 10, ...q } });
    const all = ok(await results(), 'results');
    assert.equal(all.total_num, 2, 'stored once although swept twice');
    const eicar = all.data_list.find((r) => r.file_info.file_path === '/srv/www/eicar.com')!;
    assert.equal(eicar.malware_name, 'Guardpost.Test.EICAR.UNOFFICIAL');
    assert.equal(eicar.task_id, taskId);
    assert.equal(eicar.task_name, '自定义查杀-1');
    assert.equal(eicar.resource_info.host_name, 'av-good');
    assert.equal(eicar.file_info.file_attr, '-rw-r--r--');
    assert.equal(eicar.file_info.file_size, 68);
    const trojan = all.data_list.find((r) => r.file_info.file_path === '/opt/app/Trojan.bin')!;
    assert.equal(trojan.event_type, 1004);
    assert.equal(trojan.severity, 'High');
    assert.equal(ok(await results({ malware_name: 'Mirai' }), 'by name').total_num, 1);
    assert.equal(ok(await results({ file_path: '/srv/www' }), 'by path').total_num, 1);
    assert.equal(ok(await results({ file_hash: 'A'.repeat(64) }), 'by hash').total_num, 1);
    assert.equal(ok(await results({ severity_list: ['Low', 'Critical'] }), 'by severity').total_num, 1);
    assert.equal(ok(await results({ task_name: '自定义' }), 'by task').total_num, 2);
    assert.equal(ok(await results({ host_name: 'no-such-host' }), 'by host').total_num, 0);
    assert.equal(ok(await results({ private_ip: '10.2.0.9' }), 'by ip').total_num, 2);
    assert.equal(ok(await results({ handle_status: 'handled' }), 'handled').total_num, 0);
    // Another project sees none of them, nor the task.
    const theirs = await hssToken<{ total_num: number }>(ts, foreignToken, 'GET', '/antivirus/result', { query: 'offset=0&limit=10', projectId: foreign.projectId });
    assert.equal(ok(theirs, 'foreign results').total_num, 0);
  });

  test('time filters: last_days and a begin/end window', async () => {
    const now = Date.now();
    assert.ok((await listTasks({ last_days: 1, limit: 200 })).data_list.some((t) => t.task_id === taskId));
    assert.ok((await listTasks({ begin_time: String(now - DAY), end_time: String(now + 1000), limit: 200 })).data_list.some((t) => t.task_id === taskId));
    assert.equal((await listTasks({ begin_time: String(now - 2 * DAY), end_time: String(now - DAY) })).total_num, 0);
    assert.ok((await listTasks({ task_name: '查杀', host_name: 'av-good', private_ip: '10.2.0.9', limit: 200 })).data_list.some((t) => t.task_id === taskId));
    assert.equal((await listTasks({ host_name: 'nobody' })).total_num, 0);
  });
});

describe('an agent lost mid-scan', () => {
  test('lease expiry: the reaper fails the job and the sweep fails the host with the reason', async () => {
    const created = ok(await hss<{ task_id: string }>(ts, 'POST', '/antivirus/task', {
      body: { task_name: 'lost-agent', scan_type: 'quick', action: 'manual', host_ids: [good.hostId] },
    }), 'create');
    const job = await claimNext(good);
    await ts.server.ctx.store.db.updateTable('jobs').set({ lease_expires_at: Date.now() - 1000 }).where('id', '=', job.id).execute();
    assert.equal(await ts.server.ctx.tasks.reapExpiredLeases(), 1);
    await sweep.run();
    const task = await taskById(created.task_id);
    assert.equal(task.task_status, 'fail');
    assert.equal(hostOf(task, good).host_task_status, 'fail');
    assert.match(String(hostOf(task, good).fail_reason), /agent lost/);
  });
});

describe('ListAntiVirusHost / ListAntiVirusPaidHosts', () => {
  test('every unrevoked host of the project, with filters; another project\'s hosts are not listed', async () => {
    type Hosts = { total_num: number; data_list: Array<{ host_id: string; agent_id: string; host_name: string; private_ip: string; public_ip: string; os_type: string; group_id: string }> };
    const all = ok(await hss<Hosts>(ts, 'GET', '/antivirus/host-management/hosts', { query: { offset: 0, limit: 10, scan_type: 'quick', start_type: 'now' } }), 'hosts');
    assert.deepEqual(all.data_list.map((h) => h.host_name), ['av-good', 'av-no-engine', 'av-offline']);
    assert.equal(all.total_num, 3);
    const g = all.data_list[0]!;
    assert.deepEqual(g, { agent_id: good.agentId, group_id: '', host_id: good.hostId, host_name: 'av-good', os_type: 'Linux', private_ip: '10.2.0.9', public_ip: '203.0.113.9' });
    const paid = ok(await hss<Hosts>(ts, 'GET', '/antivirus/pay-per-scan/hosts', { query: { scan_type: 'custom', start_type: 'now', host_name: 'no-engine' } }), 'paid hosts');
    assert.deepEqual(paid.data_list.map((h) => h.host_id), [noEngine.hostId]);
    const byId = ok(await hss<Hosts>(ts, 'GET', '/antivirus/pay-per-scan/hosts', { query: { scan_type: 'full', start_type: 'now', host_id: foreign.hostId } }), 'foreign');
    assert.equal(byId.total_num, 0);
  });
});

describe('SwitchAntivirusTask', () => {
  test('cancels the listed host: host cancel, job cancelled, task cancel', async () => {
    const created = ok(await hss<{ result: boolean; task_id: string }>(ts, 'POST', '/antivirus/pay-per-scan/tasks', {
      body: { task_name: 'paid-quick', scan_type: 'quick', action: 'auto', host_ids: [good.hostId], file_types: [1, 3] },
    }), 'create paid');
    assert.equal(created.result, true);
    const paid = (await listTasks({ whether_paid_task: 'true', limit: 200 })).data_list.find((t) => t.task_id === created.task_id) as Task;
    assert.equal(paid.whether_paid_task, true);
    assert.equal(paid.action, 'auto');
    assert.equal(hostOf(paid, good).whether_using_quota, 1);

    const wrongName = await hss(ts, 'PUT', '/antivirus/task', { body: { task_id: created.task_id, task_name: 'other', host_ids: [good.hostId] } });
    assertHuaweiError(wrongName, 400, 'HSS.0001', 'wrong task_name');
    const notInTask = await hss(ts, 'PUT', '/antivirus/task', { body: { task_id: created.task_id, task_name: 'paid-quick', host_ids: [noEngine.hostId] } });
    assertHuaweiError(notInTask, 400, 'HSS.0011', 'host not in task');

    const cancelled = await hss(ts, 'PUT', '/antivirus/task', { body: { task_id: created.task_id, task_name: 'paid-quick', host_ids: [good.hostId] } });
    assert.equal(cancelled.status, 200, cancelled.text);
    const jobs = await ts.server.ctx.tasks.jobsOfTask(created.task_id);
    assert.deepEqual(jobs.map((j) => j.state), ['cancelled']);
    await sweep.run();
    const task = (await listTasks({ whether_paid_task: 'true', task_status: 'cancel', host_task_status: 'cancel', limit: 200 }))
      .data_list.find((t) => t.task_id === created.task_id) as Task;
    assert.ok(task, 'listed under task_status=cancel');
    assert.equal(task.cancel_host_num, 1);
    assert.equal(hostOf(task, good).host_task_status, 'cancel');
    // Cancelling again changes nothing and is not an error.
    assert.equal((await hss(ts, 'PUT', '/antivirus/task', { body: { task_id: created.task_id, task_name: 'paid-quick', host_ids: [good.hostId] } })).status, 200);
  });

  test('a job that ends failed (e.g. the lease reaper\'s agent lost) fails its host with the reason', async () => {
    const created = ok(await hss<{ task_id: string }>(ts, 'POST', '/antivirus/task', {
      body: { task_name: 'will-fail', scan_type: 'full', action: 'manual', host_ids: [good.hostId] },
    }), 'create');
    const job = await claimNext(good);
    assert.equal((await agentCall(good, `/agent/v1/jobs/${job.id}/finish`, { outcome: 'failed', reason: 'clamd could not start: no signature database' })).status, 200);
    await sweep.run();
    const task = await taskById(created.task_id);
    assert.equal(task.task_status, 'fail');
    assert.equal(hostOf(task, good).host_task_status, 'fail');
    assert.match(String(hostOf(task, good).fail_reason), /no signature database/);
    assert.ok((await listTasks({ task_status: 'fail', limit: 200 })).data_list.some((t) => t.task_id === created.task_id));

    // Rescan (task_id given): the host scans again in the same task with a new job.
    const rescan = (hostIds: string[], extra: Record<string, unknown> = {}) => hss<{ result: boolean; task_id: string; fail_reasons: unknown[] }>(ts, 'POST', '/antivirus/task', {
      body: { task_name: 'will-fail', scan_type: 'full', action: 'manual', host_ids: hostIds, task_id: created.task_id, ...extra },
    });
    assertHuaweiError(await rescan([noEngine.hostId]), 400, 'HSS.0011', 'a host outside the task');
    assertHuaweiError(await rescan([good.hostId], { scan_type: 'quick' }), 400, 'HSS.0001', 'another scan type');
    const again = ok(await rescan([good.hostId]), 'rescan');
    assert.deepEqual(again, { result: true, task_id: created.task_id, fail_reasons: [] });
    const rescanned = await taskById(created.task_id);
    assert.equal(rescanned.task_status, 'scanning');
    assert.equal(hostOf(rescanned, good).host_task_status, 'scanning');
    assert.equal(hostOf(rescanned, good).fail_reason, '');
    const second = await claimNext(good);
    assert.notEqual(second.id, job.id);
    assert.deepEqual(second.payload, { scan_type: 'full', roots: [], ignore_dirs: [], file_types: [] });
    // While it scans, another rescan is refused and changes nothing.
    const before = await avRowCounts(ts);
    const jobsBefore = (await ts.server.ctx.tasks.jobsOfTask(created.task_id)).length;
    assertHuaweiError(await rescan([good.hostId]), 400, 'HSS.0001', 'still scanning');
    assert.deepEqual(await avRowCounts(ts), before);
    assert.equal((await ts.server.ctx.tasks.jobsOfTask(created.task_id)).length, jobsBefore);
  });
});
