/**
 * The HSS antivirus policy operations on a real server (AK/SK calls signed by the official SDK core's signer):
 * CreateAntiVirusPolicy for each start type (a `now` policy starts its task at once), ListAntiVirusPolicy with its
 * Go SDK types, paging and name filter, ChangeAntivirusPolicy (the next run computed again), DeleteAntivirusPolicy
 * (all or none), ListAntiVirusHost's policy filters, and the bad-input matrix (400 HSS.*, nothing stored changes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nextPeriodRun } from '../../../src/families/antivirus/schedule.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { avAgent, avRowCounts } from '../../api/antivirus-support.js';
import { assertHuaweiError, createUserWithRole, rowCounts, tokenFor, type EnrolledAgent } from '../../api/support.js';
import { hss, hssToken, makeOffline, ok } from '../../api/vul-scan-tasks-support.js';
import {
  assertPolicyInfoTypes, changePolicy, createPolicy, deletePolicies, listPolicies, policyById, policyRowCounts, tasksOfPolicy,
} from './policy-support.js';

const HOUR = 3_600_000;

let ts: TestServer;
let good: EnrolledAgent;
let offline: EnrolledAgent;
let foreign: EnrolledAgent;
let foreignPolicyId: string;

const base = (extra: Record<string, unknown> = {}) => ({
  policy_name: 'nightly', start_type: 'period', scan_type: 'quick', action: 'manual', file_types: [0], host_ids: [good.hostId],
  whether_paid_task: false, scan_period: 'day', scan_hour: 2, scan_minute: 30, ...extra,
});

before(async () => {
  ts = await startTestServer();
  good = await avAgent(ts, 'pol-good');
  offline = await avAgent(ts, 'pol-offline');
  await makeOffline(ts, offline);
  const other = await createUserWithRole(ts, { name: 'pol-other-admin', role: 'admin' });
  foreign = await avAgent(ts, 'pol-foreign', { projectId: other.projectId });
  const token = await tokenFor(ts, other.userId, { projectId: other.projectId });
  const created = await hssToken<{ policy_id: string }>(ts, token, 'POST', '/antivirus/policy', {
    projectId: other.projectId, body: { ...base(), host_ids: [foreign.hostId] },
  });
  foreignPolicyId = ok(created, 'foreign policy').policy_id;
});

after(async () => {
  await ts?.close();
});

describe('create and list', () => {
  test('a later policy: its scan_time is its next start; no period fields', async () => {
    const scanTime = Date.now() + 5 * HOUR;
    const id = ok(await createPolicy(ts, {
      policy_name: 'once-later', start_type: 'later', scan_type: 'full', action: 'auto', file_types: [1, 2, 2], host_ids: [good.hostId, offline.hostId],
      whether_paid_task: true, scan_time: scanTime, ignore_dir: '/srv/cache',
    }), 'create').policy_id;
    assert.match(id, /^[0-9a-f-]{36}$/);
    const p = await policyById(ts, id);
    assert.ok(p);
    assertPolicyInfoTypes(p);
    assert.deepEqual({ ...p, host_info_list: undefined }, {
      policy_id: id, policy_name: 'once-later', start_type: 'later', scan_time: scanTime, next_start_time: scanTime, scan_dir: '', ignore_dir: '/srv/cache',
      action: 'auto', invalidate: false, host_num: 2, host_info_list: undefined, whether_paid_task: true, file_type_list: [1, 2], scan_type: 'full',
    });
    assert.deepEqual(p.host_info_list, [
      { host_id: good.hostId, host_name: 'pol-good', private_ip: '10.2.0.9', public_ip: '203.0.113.9', asset_value: 'common' },
      { host_id: offline.hostId, host_name: 'pol-offline', private_ip: '10.2.0.9', public_ip: '203.0.113.9', asset_value: 'common' },
    ]);
    assert.equal((await tasksOfPolicy(ts, id, true)).length, 0, 'nothing runs before scan_time');
  });

  test('a weekly policy in GMT+8: next_start_time is its next local slot', async () => {
    const before = Date.now();
    const id = ok(await createPolicy(ts, base({ policy_name: 'weekly-sunday', scan_period: 'week', scan_period_date: 1, scan_hour: 3, scan_minute: 15, timezone_offset: -480 })), 'create').policy_id;
    const p = await policyById(ts, id);
    assert.ok(p);
    assertPolicyInfoTypes(p);
    assert.deepEqual([p.scan_period, p.scan_period_date, p.scan_hour, p.scan_minute, p.timezone_offset, p.invalidate], ['week', 1, 3, 15, -480, false]);
    assert.equal(p.scan_time, undefined);
    const next = p.next_start_time ?? 0;
    assert.ok(next > before && next - before <= 7 * 24 * HOUR);
    assert.equal(next, nextPeriodRun({ period: 'week', date: 1, hour: 3, minute: 15, timezoneOffset: -480 }, next - 1));
    const local = new Date(next + 480 * 60_000);
    assert.deepEqual([local.getUTCDay(), local.getUTCHours(), local.getUTCMinutes()], [0, 3, 15], 'Sunday 03:15 local');
  });

  test('a now policy (the console\'s custom scan: scan_dir, no scan_type) starts its task at once and is then invalid', async () => {
    const created = ok(await createPolicy(ts, {
      policy_name: '自定义查杀-20250416174356', start_type: 'now', action: 'manual', file_types: [1, 2, 3, 4], host_ids: [good.hostId, offline.hostId],
      whether_paid_task: false, scan_dir: '/root;/srv/www',
    }), 'create now');
    assert.ok(created.task_id);
    const p = await policyById(ts, created.policy_id);
    assert.ok(p);
    assert.deepEqual([p.start_type, p.scan_type, p.invalidate, p.next_start_time, p.scan_dir], ['now', 'custom', true, undefined, '/root;/srv/www']);
    const tasks = await tasksOfPolicy(ts, created.policy_id);
    assert.equal(tasks.length, 1);
    const task = tasks[0]!;
    assert.deepEqual([task.task_id, task.task_name, task.start_type, task.scan_type, task.task_status], [created.task_id, '自定义查杀-20250416174356', 'now', 'custom', 'scanning']);
    const hosts = new Map(task.host_info_list.map((h) => [h.host_id, h]));
    assert.equal(hosts.get(good.hostId)?.host_task_status, 'scanning');
    assert.equal(hosts.get(offline.hostId)?.host_task_status, 'fail');
    assert.match(String(hosts.get(offline.hostId)?.fail_reason), /offline/);
    const jobs = await ts.server.ctx.tasks.jobsOfTask(created.task_id ?? '');
    assert.deepEqual(jobs.map((j) => [j.agent_id, j.kind]), [[good.agentId, 'av-scan']]);
    assert.deepEqual(JSON.parse(jobs[0]!.payload), { scan_type: 'custom', roots: ['/root', '/srv/www'], ignore_dirs: [], file_types: [1, 2, 3, 4] });
  });

  test('policy_name filter (substring, wildcards literal), paging, newest first; other projects\' policies are not listed', async () => {
    for (let i = 0; i < 11; i++) ok(await createPolicy(ts, base({ policy_name: `page_${String(i).padStart(2, '0')}` })), `page ${i}`);
    const first = await listPolicies(ts, { policy_name: 'page_', limit: 10 });
    assert.equal(first.total_num, 11);
    assert.equal(first.data_list.length, 10);
    assert.equal(first.data_list[0]!.policy_name, 'page_10');
    const second = await listPolicies(ts, { policy_name: 'page_', limit: 10, offset: 10 });
    assert.deepEqual(second.data_list.map((p) => p.policy_name), ['page_00']);
    assert.equal((await listPolicies(ts, { policy_name: 'page%' })).total_num, 0);
    const all = await listPolicies(ts);
    assert.ok(all.data_list.every((p) => p.policy_id !== foreignPolicyId));
    for (const p of all.data_list) assertPolicyInfoTypes(p);
  });
});

describe('change and delete', () => {
  test('change: settings, hosts and timing replaced; the next start computed again; period → later → now', async () => {
    const id = ok(await createPolicy(ts, base({ policy_name: 'to-change' })), 'create').policy_id;
    const scanTime = Date.now() + 2 * HOUR;
    ok(await changePolicy(ts, {
      policy_id: id, policy_name: 'changed', start_type: 'later', scan_type: 'custom', scan_dir: '/opt', action: 'auto', file_types: [3],
      host_ids: [offline.hostId], whether_paid_task: false, scan_time: scanTime,
    }), 'change to later');
    let p = await policyById(ts, id);
    assert.ok(p);
    assert.deepEqual([p.policy_name, p.start_type, p.scan_type, p.scan_dir, p.next_start_time, p.scan_time, p.scan_period, p.host_num],
      ['changed', 'later', 'custom', '/opt', scanTime, scanTime, undefined, 1]);
    assert.deepEqual(p.host_info_list.map((h) => h.host_id), [offline.hostId]);

    const changed = ok(await changePolicy(ts, {
      policy_id: id, policy_name: 'changed-now', start_type: 'now', scan_type: 'quick', action: 'manual', file_types: [0], host_ids: [good.hostId],
      whether_paid_task: false,
    }), 'change to now');
    assert.ok(changed.task_id);
    p = await policyById(ts, id);
    assert.deepEqual([p?.start_type, p?.invalidate, p?.next_start_time], ['now', true, undefined]);
    const tasks = await tasksOfPolicy(ts, id);
    assert.deepEqual(tasks.map((t) => [t.task_id, t.task_name, t.scan_type]), [[changed.task_id, 'changed-now', 'quick']]);
  });

  test('delete: all or none; the tasks a policy ran stay listed', async () => {
    const keep = ok(await createPolicy(ts, base({ policy_name: 'del-keep', start_type: 'now', scan_period: undefined, scan_hour: undefined, scan_minute: undefined })), 'now');
    const other = ok(await createPolicy(ts, base({ policy_name: 'del-other' })), 'period').policy_id;
    const before = await policyRowCounts(ts);
    assertHuaweiError(await deletePolicies(ts, { policy_ids: [keep.policy_id, 'no-such-policy'] }), 400, 'HSS.0011', 'unknown id');
    assertHuaweiError(await deletePolicies(ts, { policy_ids: [keep.policy_id, foreignPolicyId] }), 400, 'HSS.0011', 'another project\'s policy');
    assert.deepEqual(await policyRowCounts(ts), before);
    ok(await deletePolicies(ts, { policy_ids: [keep.policy_id, other, keep.policy_id] }), 'delete');
    assert.equal(await policyById(ts, keep.policy_id), undefined);
    assert.equal(await policyById(ts, other), undefined);
    assert.deepEqual(await policyRowCounts(ts), { av_policies: before.av_policies! - 2, av_policy_hosts: before.av_policy_hosts! - 2 });
    assert.deepEqual((await tasksOfPolicy(ts, keep.policy_id)).map((t) => t.task_id), [keep.task_id]);
    assertHuaweiError(await changePolicy(ts, { ...base(), policy_id: other }), 400, 'HSS.0011', 'change a deleted policy');
  });
});

describe('ListAntiVirusHost policy filters', () => {
  const hosts = async (query: Record<string, string | number>) => {
    const list = ok(await hss<{ total_num: number; data_list: Array<{ host_id: string }> }>(ts, 'GET', '/antivirus/host-management/hosts', {
      query: { offset: 0, limit: 200, scan_type: 'full', start_type: 'now', ...query },
    }), 'hosts');
    assert.equal(list.total_num, list.data_list.length);
    return list.data_list.map((h) => h.host_id).sort();
  };

  test('start_type=period, policy_id and next_start_time select the hosts of matching policies', async () => {
    const monthly = ok(await createPolicy(ts, base({
      policy_name: 'hosts-monthly', scan_type: 'full', scan_period: 'month', scan_period_date: 28, host_ids: [offline.hostId],
    })), 'monthly').policy_id;
    const later = ok(await createPolicy(ts, base({
      policy_name: 'hosts-later', scan_type: 'full', start_type: 'later', scan_time: Date.now() + HOUR, scan_period: undefined, scan_hour: undefined,
      scan_minute: undefined, host_ids: [good.hostId],
    })), 'later').policy_id;
    const next = (await policyById(ts, monthly))?.next_start_time ?? 0;
    assert.deepEqual(await hosts({}), [good.hostId, offline.hostId].sort(), 'start_type=now without policy filters: every host');
    assert.deepEqual(await hosts({ start_type: 'period' }), [offline.hostId], 'hosts of period policies of this scan type');
    assert.deepEqual(await hosts({ start_type: 'period', scan_type: 'custom' }), [], 'no custom period policy');
    assert.deepEqual(await hosts({ policy_id: later }), [good.hostId]);
    assert.deepEqual(await hosts({ policy_id: later, start_type: 'period' }), [], 'a later policy is not periodic');
    assert.deepEqual(await hosts({ policy_id: monthly, start_type: 'period', next_start_time: next }), [offline.hostId]);
    assert.deepEqual(await hosts({ start_type: 'period', next_start_time: next + 1 }), []);
    assert.deepEqual(await hosts({ policy_id: foreignPolicyId }), [], 'another project\'s policy');
    const paid = ok(await hss<{ data_list: Array<{ host_id: string }> }>(ts, 'GET', '/antivirus/pay-per-scan/hosts', {
      query: { offset: 0, limit: 10, scan_type: 'full', start_type: 'period', policy_id: monthly },
    }), 'paid hosts');
    assert.deepEqual(paid.data_list.map((h) => h.host_id), [offline.hostId]);
  });
});

describe('bad input → 400 HSS.*, nothing stored changes', () => {
  test('the matrix', async () => {
    const existing = ok(await createPolicy(ts, base({ policy_name: 'matrix-target' })), 'target').policy_id;
    const now = Date.now();
    const noPeriod = { scan_period: undefined, scan_hour: undefined, scan_minute: undefined };
    const later = (extra: Record<string, unknown>) => base({ start_type: 'later', ...noPeriod, scan_time: now + HOUR, ...extra });
    const change = (extra: Record<string, unknown>) => ({ ...base(), policy_id: existing, ...extra });
    const { file_types: _f, ...noFileTypes } = base();
    const { host_ids: _h, ...noHosts } = base();
    const { whether_paid_task: _w, ...noPaid } = base();
    const { policy_name: _n, ...noName } = base();
    const cases: Array<[string, string, string, { body?: unknown; query?: Record<string, string | number> }, string]> = [
      ['no policy_name', 'POST', '/antivirus/policy', { body: noName }, 'HSS.0001'],
      ['empty policy_name', 'POST', '/antivirus/policy', { body: base({ policy_name: '' }) }, 'HSS.0001'],
      ['policy_name over 64', 'POST', '/antivirus/policy', { body: base({ policy_name: 'p'.repeat(65) }) }, 'HSS.0001'],
      ['unknown start_type', 'POST', '/antivirus/policy', { body: base({ start_type: 'soon' }) }, 'HSS.0001'],
      ['unknown action', 'POST', '/antivirus/policy', { body: base({ action: 'kill' }) }, 'HSS.0001'],
      ['unknown scan_type', 'POST', '/antivirus/policy', { body: base({ scan_type: 'deep' }) }, 'HSS.0001'],
      ['no file_types', 'POST', '/antivirus/policy', { body: noFileTypes }, 'HSS.0001'],
      ['empty file_types', 'POST', '/antivirus/policy', { body: base({ file_types: [] }) }, 'HSS.0001'],
      ['file type 7', 'POST', '/antivirus/policy', { body: base({ file_types: [7] }) }, 'HSS.0001'],
      ['seven file types', 'POST', '/antivirus/policy', { body: base({ file_types: [0, 1, 2, 3, 4, 5, 6] }) }, 'HSS.0001'],
      ['file type as text', 'POST', '/antivirus/policy', { body: base({ file_types: ['1'] }) }, 'HSS.0001'],
      ['no host_ids', 'POST', '/antivirus/policy', { body: noHosts }, 'HSS.0001'],
      ['empty host_ids', 'POST', '/antivirus/policy', { body: base({ host_ids: [] }) }, 'HSS.0001'],
      ['1001 host_ids', 'POST', '/antivirus/policy', { body: base({ host_ids: Array.from({ length: 1001 }, (_, i) => `h${i}`) }) }, 'HSS.0001'],
      ['unknown host id', 'POST', '/antivirus/policy', { body: base({ host_ids: [good.hostId, 'no-such-host'] }) }, 'HSS.0011'],
      ['host of another project', 'POST', '/antivirus/policy', { body: base({ host_ids: [foreign.hostId] }) }, 'HSS.0011'],
      ['no whether_paid_task', 'POST', '/antivirus/policy', { body: noPaid }, 'HSS.0001'],
      ['whether_paid_task as text', 'POST', '/antivirus/policy', { body: base({ whether_paid_task: 'false' }) }, 'HSS.0001'],
      ['no scan_type and no scan_dir', 'POST', '/antivirus/policy', { body: base({ scan_type: undefined }) }, 'HSS.0001'],
      ['custom without scan_dir', 'POST', '/antivirus/policy', { body: base({ scan_type: 'custom', scan_dir: ' ; ' }) }, 'HSS.0001'],
      ['scan_dir on a quick scan', 'POST', '/antivirus/policy', { body: base({ scan_dir: '/srv' }) }, 'HSS.0001'],
      ['relative scan_dir', 'POST', '/antivirus/policy', { body: base({ scan_type: 'custom', scan_dir: '/srv;tmp' }) }, 'HSS.0001'],
      ['scan_dir with ..', 'POST', '/antivirus/policy', { body: base({ scan_type: 'custom', scan_dir: '/srv/../etc' }) }, 'HSS.0001'],
      ['ignore_dir relative', 'POST', '/antivirus/policy', { body: base({ ignore_dir: 'cache' }) }, 'HSS.0001'],
      ['a non-empty task_id', 'POST', '/antivirus/policy', { body: base({ task_id: 'abc' }) }, 'HSS.0001'],
      ['an unknown field', 'POST', '/antivirus/policy', { body: base({ hosts: [] }) }, 'HSS.0001'],
      ['later without scan_time', 'POST', '/antivirus/policy', { body: later({ scan_time: undefined }) }, 'HSS.0001'],
      ['later in the past', 'POST', '/antivirus/policy', { body: later({ scan_time: now - 1000 }) }, 'HSS.0001'],
      ['scan_time after year 9999', 'POST', '/antivirus/policy', { body: later({ scan_time: 253_402_300_800_000 }) }, 'HSS.0001'],
      ['scan_time as text', 'POST', '/antivirus/policy', { body: later({ scan_time: String(now + HOUR) }) }, 'HSS.0001'],
      ['later with scan_period', 'POST', '/antivirus/policy', { body: later({ scan_period: 'day' }) }, 'HSS.0001'],
      ['now with timezone_offset', 'POST', '/antivirus/policy', { body: base({ start_type: 'now', ...noPeriod, timezone_offset: 0 }) }, 'HSS.0001'],
      ['period with scan_time', 'POST', '/antivirus/policy', { body: base({ scan_time: now + HOUR }) }, 'HSS.0001'],
      ['period without scan_period', 'POST', '/antivirus/policy', { body: base({ scan_period: undefined }) }, 'HSS.0001'],
      ['unknown scan_period', 'POST', '/antivirus/policy', { body: base({ scan_period: 'hourly' }) }, 'HSS.0001'],
      ['period without scan_hour', 'POST', '/antivirus/policy', { body: base({ scan_hour: undefined }) }, 'HSS.0001'],
      ['period without scan_minute', 'POST', '/antivirus/policy', { body: base({ scan_minute: undefined }) }, 'HSS.0001'],
      ['scan_hour 24', 'POST', '/antivirus/policy', { body: base({ scan_hour: 24 }) }, 'HSS.0001'],
      ['scan_minute 60', 'POST', '/antivirus/policy', { body: base({ scan_minute: 60 }) }, 'HSS.0001'],
      ['scan_minute -1', 'POST', '/antivirus/policy', { body: base({ scan_minute: -1 }) }, 'HSS.0001'],
      ['timezone_offset 721', 'POST', '/antivirus/policy', { body: base({ timezone_offset: 721 }) }, 'HSS.0001'],
      ['timezone_offset -721', 'POST', '/antivirus/policy', { body: base({ timezone_offset: -721 }) }, 'HSS.0001'],
      ['week without a day', 'POST', '/antivirus/policy', { body: base({ scan_period: 'week' }) }, 'HSS.0001'],
      ['week day 8', 'POST', '/antivirus/policy', { body: base({ scan_period: 'week', scan_period_date: 8 }) }, 'HSS.0001'],
      ['month day 29', 'POST', '/antivirus/policy', { body: base({ scan_period: 'month', scan_period_date: 29 }) }, 'HSS.0001'],
      ['month day 32', 'POST', '/antivirus/policy', { body: base({ scan_period: 'month', scan_period_date: 32 }) }, 'HSS.0001'],
      ['day with a scan_period_date', 'POST', '/antivirus/policy', { body: base({ scan_period_date: 3 }) }, 'HSS.0001'],
      ['change: no policy_id', 'PUT', '/antivirus/policy', { body: base() }, 'HSS.0001'],
      ['change: unknown policy', 'PUT', '/antivirus/policy', { body: change({ policy_id: 'no-such-policy' }) }, 'HSS.0011'],
      ['change: another project\'s policy', 'PUT', '/antivirus/policy', { body: change({ policy_id: foreignPolicyId }) }, 'HSS.0011'],
      ['change: month day 29', 'PUT', '/antivirus/policy', { body: change({ scan_period: 'month', scan_period_date: 29 }) }, 'HSS.0001'],
      ['change: unknown host', 'PUT', '/antivirus/policy', { body: change({ host_ids: ['no-such-host'] }) }, 'HSS.0011'],
      ['change: task_id is not a field', 'PUT', '/antivirus/policy', { body: change({ task_id: '' }) }, 'HSS.0001'],
      ['change: now with an unknown host', 'PUT', '/antivirus/policy', { body: change({ start_type: 'now', ...noPeriod, host_ids: ['no-such-host'] }) }, 'HSS.0011'],
      ['delete: no policy_ids', 'POST', '/antivirus/policy/batch-delete', { body: {} }, 'HSS.0001'],
      ['delete: empty policy_ids', 'POST', '/antivirus/policy/batch-delete', { body: { policy_ids: [] } }, 'HSS.0001'],
      ['delete: 51 ids', 'POST', '/antivirus/policy/batch-delete', { body: { policy_ids: Array.from({ length: 51 }, (_, i) => `p${i}`) } }, 'HSS.0001'],
      ['delete: an unknown id', 'POST', '/antivirus/policy/batch-delete', { body: { policy_ids: [existing, 'nope'] } }, 'HSS.0011'],
      ['delete: an id over 64', 'POST', '/antivirus/policy/batch-delete', { body: { policy_ids: ['x'.repeat(65)] } }, 'HSS.0001'],
      ['list: limit 9', 'GET', '/antivirus/policy', { query: { offset: 0, limit: 9 } }, 'HSS.0001'],
      ['list: limit 201', 'GET', '/antivirus/policy', { query: { offset: 0, limit: 201 } }, 'HSS.0001'],
      ['list: offset -1', 'GET', '/antivirus/policy', { query: { offset: -1, limit: 10 } }, 'HSS.0001'],
      ['list: policy_name over 64', 'GET', '/antivirus/policy', { query: { offset: 0, limit: 10, policy_name: 'n'.repeat(65) } }, 'HSS.0001'],
      ['hosts: empty policy_id', 'GET', '/antivirus/host-management/hosts', { query: { offset: 0, limit: 10, scan_type: 'quick', start_type: 'now', policy_id: '' } }, 'HSS.0001'],
      ['hosts: negative next_start_time', 'GET', '/antivirus/host-management/hosts', { query: { offset: 0, limit: 10, scan_type: 'quick', start_type: 'period', next_start_time: -1 } }, 'HSS.0001'],
      ['hosts: start_type later', 'GET', '/antivirus/host-management/hosts', { query: { offset: 0, limit: 10, scan_type: 'quick', start_type: 'later' } }, 'HSS.0001'],
    ];
    const snapshot = async () => ({ ...await rowCounts(ts), ...await avRowCounts(ts), ...await policyRowCounts(ts), policies: JSON.stringify(await listPolicies(ts)) });
    const initial = await snapshot();
    for (const [label, method, path, options, code] of cases) {
      const body = assertHuaweiError(await hss(ts, method, path, options), 400, code, label);
      assert.ok(String(body.error_msg).length > 10, `${label}: a clear message (${String(body.error_msg)})`);
      assert.deepEqual(await snapshot(), initial, `${label}: a rejected request stored something`);
    }
  });
});
