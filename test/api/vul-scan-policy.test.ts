/**
 * ShowVulScanPolicy / ChangeVulScanPolicy on a real server, and the scheduler that turns a due policy into a
 * `scan_type=schedule` task (ticked here by hand; the server runs the same periodic every 30 s). Two schedulers
 * ticking at once (two replicas) start the run once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScanScheduler, scanSchedulerPeriodic } from '../../src/families/vul-scan/scheduler.js';
import { nextScanTime } from '../../src/families/vul-scan/schedule-time.js';
import { ScanStore } from '../../src/families/vul-scan/scan-store.js';
import { scanTaskServices } from '../../src/families/vul-scan/task-services.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertHuaweiError, rowCounts, type EnrolledAgent } from './support.js';
import { assertTaskInfoTypes, hss, makeOffline, ok, scanAgent, vulRowCounts } from './vul-scan-tasks-support.js';

interface Policy {
  scan_period: string; scan_range_type: string; host_ids: string[]; scan_vul_types: string[]; status: string; total_host_num: number;
  time: { day_part: number[]; hour_part: number; minute_part: number; timezone_offset: number; next_scan_time?: number };
}
interface TaskList { total_num: number; data_list: Array<Record<string, unknown> & { id: string }> }

let ts: TestServer;
let one: EnrolledAgent;
let two: EnrolledAgent;

before(async () => {
  ts = await startTestServer();
  one = await scanAgent(ts, 'sched-one');
  two = await scanAgent(ts, 'sched-two');
});

after(async () => {
  await ts?.close();
});

const show = async () => ok(await hss<Policy>(ts, 'GET', '/vulnerability/scan-policy'), 'show policy');
const change = (body: unknown) => hss<Record<string, unknown>>(ts, 'PUT', '/vulnerability/scan-policy', { body });
const scheduleTasks = async () => ok(await hss<TaskList>(ts, 'GET', '/vulnerability/scan-tasks', { query: { scan_type: 'schedule', limit: 200 } }), 'list');

describe('scan policy', () => {
  test('a project that never set one has the closed default policy', async () => {
    const policy = await show();
    assert.deepEqual(policy, {
      scan_period: 'one_day', scan_range_type: 'all_host', host_ids: [], scan_vul_types: ['linux_vul', 'app_vul'], status: 'close', total_host_num: 2,
      time: { day_part: [], hour_part: 0, minute_part: 0, timezone_offset: 0 },
    });
  });

  test('an open policy gets the next slot of its period in its time zone (hour_part beyond the documented 11 accepted)', async () => {
    const before = Date.now();
    const result = await change({
      scan_period: 'one_week', scan_range_type: 'specific_host', host_ids: [one.hostId], status: 'open', scan_vul_types: ['linux_vul'],
      time: { day_part: [3, 1], hour_part: 15, minute_part: 30, timezone_offset: -480 },
    });
    assert.equal(result.status, 200, result.text);
    const policy = await show();
    assert.equal(policy.status, 'open');
    assert.deepEqual(policy.host_ids, [one.hostId]);
    assert.equal(policy.total_host_num, 1);
    assert.deepEqual(policy.time.day_part, [1, 3]);
    const next = policy.time.next_scan_time ?? 0;
    assert.ok(Number.isInteger(next) && next > before);
    assert.ok(next - before <= 7 * 86_400_000, 'within a week');
    const local = new Date(next + 480 * 60_000); // GMT+8 wall clock
    assert.deepEqual([local.getUTCHours(), local.getUTCMinutes()], [15, 30]);
    assert.ok([1, 3].includes(local.getUTCDay()), 'on Monday or Wednesday');
  });

  test('closing drops next_scan_time', async () => {
    assert.equal((await change({ scan_period: 'one_day', scan_range_type: 'all_host', status: 'close' })).status, 200);
    const policy = await show();
    assert.equal(policy.status, 'close');
    assert.equal(policy.time.next_scan_time, undefined);
    assert.deepEqual(policy.host_ids, []);
  });

  test('bad policies → 400 HSS.*, nothing stored changes', async () => {
    const base = { scan_period: 'one_day', scan_range_type: 'all_host', status: 'open' };
    const cases: Array<[string, unknown, string]> = [
      ['no scan_period', { scan_range_type: 'all_host', status: 'open' }, 'HSS.0001'],
      ['no status', { scan_period: 'one_day', scan_range_type: 'all_host' }, 'HSS.0001'],
      ['unknown scan_period', { ...base, scan_period: 'hourly' }, 'HSS.0001'],
      ['unknown status', { ...base, status: 'on' }, 'HSS.0001'],
      ['specific_host without host_ids', { ...base, scan_range_type: 'specific_host' }, 'HSS.0001'],
      ['unknown host id', { ...base, scan_range_type: 'specific_host', host_ids: ['no-such-host'] }, 'HSS.0011'],
      ['unknown vul type', { ...base, scan_vul_types: ['mac_vul'] }, 'HSS.0001'],
      ['six vul types', { ...base, scan_vul_types: ['linux_vul', 'app_vul', 'web_cms', 'windows_vul', 'urgent_vul', 'linux_vul'] }, 'HSS.0001'],
      ['hour 24', { ...base, time: { hour_part: 24 } }, 'HSS.0001'],
      ['minute 60', { ...base, time: { minute_part: 60 } }, 'HSS.0001'],
      ['timezone beyond 720', { ...base, time: { timezone_offset: 721 } }, 'HSS.0001'],
      ['day 32', { ...base, time: { day_part: [32] } }, 'HSS.0001'],
      ['weekday 9', { ...base, scan_period: 'one_week', time: { day_part: [9] } }, 'HSS.0001'],
      ['hour as text', { ...base, time: { hour_part: '3' } }, 'HSS.0001'],
      ['negative next_scan_time', { ...base, time: { next_scan_time: -1 } }, 'HSS.0001'],
    ];
    const snapshot = async () => ({ ...await rowCounts(ts), ...await vulRowCounts(ts), policy: JSON.stringify(await show()) });
    const before = await snapshot();
    for (const [label, body, code] of cases) assertHuaweiError(await change(body), 400, code, label);
    assert.deepEqual(await snapshot(), before);
  });
});

describe('scheduled scans', () => {
  test('a due policy starts a scan_type=schedule task over its hosts; replicas start it once; next time moves on', async () => {
    const now = Date.now();
    const result = await change({
      scan_period: 'one_day', scan_range_type: 'all_host', status: 'open', scan_vul_types: ['linux_vul', 'web_cms'],
      time: { hour_part: 4, minute_part: 0, timezone_offset: 0, next_scan_time: now - 1000 },
    });
    assert.equal(result.status, 200, result.text);
    assert.equal((await show()).time.next_scan_time, now - 1000);
    await makeOffline(ts, two);

    const replicaA = new ScanScheduler(scanTaskServices(ts.server.ctx));
    const replicaB = new ScanScheduler(scanTaskServices(ts.server.ctx));
    const [a, b] = await Promise.all([replicaA.runDue(), replicaB.runDue()]);
    const runs = [...a, ...b];
    assert.equal(runs.length, 1, 'exactly one replica started the run');
    assert.equal(runs[0]!.hosts, 2);

    const list = await scheduleTasks();
    assert.equal(list.total_num, 1);
    const info = list.data_list[0]!;
    assertTaskInfoTypes(info);
    assert.equal(info.scan_type, 'schedule');
    assert.equal(info.status, 'running');
    assert.deepEqual(info.scan_vul_types, ['linux_vul', 'web_cms']);
    assert.deepEqual([info.scanning_host_num, info.failed_host_num], [1, 1], 'the offline host failed with its reason');
    const jobs = await ts.server.ctx.tasks.jobsOfTask(info.id);
    assert.deepEqual(jobs.map((j) => j.agent_id), [one.agentId]);

    const next = (await show()).time.next_scan_time ?? 0;
    assert.equal(next, nextScanTime('one_day', { day_part: [], hour_part: 4, minute_part: 0, timezone_offset: 0 }, next - 1));
    assert.ok(next > now && new Date(next).getUTCHours() === 4);
    assert.deepEqual(await replicaA.runDue(), [], 'not due again until the next slot');
    assert.equal((await scheduleTasks()).total_num, 1);

    const scans = new ScanStore(ts.server.ctx.store.db, ts.server.ctx.tasks);
    for (const host of await scans.hostsOfTask(info.id)) {
      if (host.scan_status === 'scanning') await scans.finishHost(info.id, host.host_id, 'success', [], []);
    }
    const finished = (await scheduleTasks()).data_list[0]!;
    assert.deepEqual([finished.status, finished.success_host_num], ['finished', 1]);
    const manual = ok(await hss<TaskList>(ts, 'GET', '/vulnerability/scan-tasks', { query: { scan_type: 'manual' } }), 'manual');
    assert.equal(manual.total_num, 0);
  });

  test('the registered periodic runs the same scheduler (specific hosts, a later tick)', async () => {
    const result = await change({
      scan_period: 'three_day', scan_range_type: 'specific_host', host_ids: [one.hostId], status: 'open',
      time: { hour_part: 1, minute_part: 15, next_scan_time: Date.now() - 5 },
    });
    assert.equal(result.status, 200, result.text);
    const periodic = scanSchedulerPeriodic(new ScanScheduler(scanTaskServices(ts.server.ctx)));
    assert.equal(periodic.name, 'vul-scan-scheduler');
    const runs = await periodic.run() as Array<{ hosts: number }>;
    assert.deepEqual(runs.map((r) => r.hosts), [1]);
    assert.equal((await scheduleTasks()).total_num, 2);
    const next = (await show()).time.next_scan_time ?? 0;
    assert.ok(next - Date.now() > 2 * 86_400_000, 'three_day: the next run is three days on');
  });

  test('a closed policy never runs, even with a stale due time', async () => {
    assert.equal((await change({ scan_period: 'one_day', scan_range_type: 'all_host', status: 'close' })).status, 200);
    const runs = await new ScanScheduler(scanTaskServices(ts.server.ctx)).runDue(Date.now() + 400 * 86_400_000);
    assert.deepEqual(runs, []);
    assert.equal((await scheduleTasks()).total_num, 2);
  });
});
