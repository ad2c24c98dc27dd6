/**
 * ShowAntivirusStatistic, the pay-per-scan switch (Show/ChangeAntivirusPayPerScanStatus) and ShowAntivirusFreeQuota
 * on a real server with real scans: true counters within the caller's enterprise-project scope; pay-per-scan off
 * refuses CreateAntiVirusPaidTask (new and rescan) with 400 HSS.0010 and nothing stored, free tasks unaffected;
 * the free quota counts this month's pay-per-scan host scans against GUARDPOST_AV_FREE_QUOTA.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { freeQuotaFromEnv } from '../../../src/families/antivirus/statistic.js';
import { assertHuaweiError, createUserWithRole, rowCounts, tokenFor, type EnrolledAgent } from '../../api/support.js';
import { hss, hssToken, ok } from '../../api/vul-scan-tasks-support.js';
import type { TestServer } from '../../helpers/server.js';
import { avTableCounts, finishScan, isolatingAgent, scanWith, startAvServer, sweeps } from './ops-support.js';

let ts: TestServer;
let run: ReturnType<typeof sweeps>;
let a: EnrolledAgent;
let b: EnrolledAgent;
let c: EnrolledAgent;
let epBToken: string;

const statistic = async (query: Record<string, string> = {}) => ok(await hss(ts, 'GET', '/antivirus/statistic', { query }), 'statistic');
const quota = async () => ok(await hss(ts, 'GET', '/antivirus/pay-per-scan/free-quotas'), 'free quota');
const paidBody = (hostIds: string[], taskId?: string) => ({ task_name: 'paid', scan_type: 'quick', action: 'manual', host_ids: hostIds, ...(taskId ? { task_id: taskId } : {}) });

before(async () => {
  ts = await startAvServer({ GUARDPOST_AV_FREE_QUOTA: '3' });
  run = sweeps(ts);
  a = await isolatingAgent(ts, 'stat-a');
  b = await isolatingAgent(ts, 'stat-b', { enterpriseProjectId: 'ep-b' });
  c = await isolatingAgent(ts, 'stat-c');
  const user = await createUserWithRole(ts, { name: 'ep-b-viewer', role: 'readonly', projectId: ts.credentials.project_id, enterpriseProjectIds: ['ep-b'] });
  epBToken = await tokenFor(ts, user.userId, { projectId: ts.credentials.project_id });
});

after(async () => {
  await ts?.close();
});

describe('ShowAntivirusStatistic', () => {
  test('no task yet: zero counters, no latest scan', async () => {
    assert.deepEqual(await statistic({ enterprise_project_id: 'all_granted_eps' }),
      { total_malware_num: 0, malware_host_num: 0, total_task_num: 0, scanning_task_num: 0 });
  });

  test('counts detections, affected hosts, tasks and scanning tasks within the scope; the newest task gives time and type', async () => {
    await scanWith(ts, a, [{ path: '/a/1', signature: 'Unix.Trojan.Mirai-1', sha256: '1'.repeat(64) }, { path: '/a/2', signature: 'Eicar-Signature', sha256: '2'.repeat(64) }]);
    const body = { task_name: 'full-b', scan_type: 'full', action: 'manual', host_ids: [b.hostId] };
    ok(await hss(ts, 'POST', '/antivirus/task', { body, query: { enterprise_project_id: 'ep-b' } }), 'create b');
    await finishScan(ts, b, [{ path: '/b/1', signature: 'Unix.Worm.Generic-1', sha256: '3'.repeat(64) }]);
    await run.progress.run();
    await new Promise((r) => setTimeout(r, 5));
    const scanning = ok(await hss<{ task_id: string }>(ts, 'POST', '/antivirus/task', { body: { task_name: 'still-running', scan_type: 'quick', action: 'manual', host_ids: [c.hostId] } }), 'create c');
    const rows = await ts.server.ctx.store.db.withTables<{ av_tasks: { task_id: string; start_time: number } }>().selectFrom('av_tasks')
      .select(['task_id', 'start_time']).where('task_id', '=', scanning.task_id).executeTakeFirstOrThrow();

    assert.deepEqual(await statistic({ enterprise_project_id: 'all_granted_eps' }), {
      total_malware_num: 3, malware_host_num: 2, total_task_num: 3, scanning_task_num: 1, latest_scan_time: Number(rows.start_time), scan_type: 'quick',
    });
    assert.deepEqual(await statistic(), {
      total_malware_num: 2, malware_host_num: 1, total_task_num: 2, scanning_task_num: 1, latest_scan_time: Number(rows.start_time), scan_type: 'quick',
    }, 'the default enterprise project only');
    const epB = ok(await hssToken(ts, epBToken, 'GET', '/antivirus/statistic', { query: 'enterprise_project_id=all_granted_eps' }), 'ep-b statistic');
    assert.equal(epB.total_malware_num, 1);
    assert.equal(epB.malware_host_num, 1);
    assert.equal(epB.total_task_num, 1);
    assert.equal(epB.scanning_task_num, 0);
    assert.equal(epB.scan_type, 'full');
    assertHuaweiError(await hssToken(ts, epBToken, 'GET', '/antivirus/statistic'), 403, 'HSS.0013', 'ep-b viewer on the default enterprise project');
    // c finishes: nothing is scanning any more.
    await finishScan(ts, c, []);
    await run.progress.run();
    assert.equal((await statistic({ enterprise_project_id: 'all_granted_eps' })).scanning_task_num, 0);
  });
});

describe('pay-per-scan switch and free quota', () => {
  test('the free quota counts this month\'s pay-per-scan host scans; occupied = those still scanning', async () => {
    assert.deepEqual(await quota(), {
      free_quota: 3, occupied_free_quota: 0, antivirus_already_given: true, antivirus_free_quota: 3, report_already_given: false, report_free_quota: 0,
    });
    ok(await hss(ts, 'POST', '/antivirus/pay-per-scan/tasks', { body: paidBody([a.hostId, c.hostId]) }), 'paid');
    let q = await quota();
    assert.equal(q.free_quota, 1);
    assert.equal(q.occupied_free_quota, 2);
    await finishScan(ts, a, []);
    await run.progress.run();
    q = await quota();
    assert.equal(q.free_quota, 1);
    assert.equal(q.occupied_free_quota, 1);
    // Free tasks use no quota.
    await scanWith(ts, b, [], { query: { enterprise_project_id: 'ep-b' } });
    assert.equal((await quota()).free_quota, 1);
    await finishScan(ts, c, []);
    await run.progress.run();
  });

  test('enabled=false refuses CreateAntiVirusPaidTask (new task and rescan) with nothing stored; enabled=true allows it again', async () => {
    assert.deepEqual(ok(await hss(ts, 'GET', '/antivirus/pay-per-scan'), 'status'), { enabled: true });
    const paid = ok(await hss<{ task_id: string }>(ts, 'POST', '/antivirus/pay-per-scan/tasks', { body: paidBody([a.hostId]) }), 'paid');
    await finishScan(ts, a, []);
    await run.progress.run();
    ok(await hss(ts, 'PUT', '/antivirus/pay-per-scan', { body: { enabled: false } }), 'off');
    assert.deepEqual(ok(await hss(ts, 'GET', '/antivirus/pay-per-scan'), 'status'), { enabled: false });
    const before = { core: await rowCounts(ts), av: await avTableCounts(ts) };
    const refused = assertHuaweiError(await hss(ts, 'POST', '/antivirus/pay-per-scan/tasks', { body: paidBody([a.hostId]) }), 400, 'HSS.0010', 'new paid');
    assert.match(String(refused.error_msg), /pay-per-scan antivirus is turned off.*enabled=true/);
    assertHuaweiError(await hss(ts, 'POST', '/antivirus/pay-per-scan/tasks', { body: paidBody([a.hostId], paid.task_id) }), 400, 'HSS.0010', 'paid rescan');
    assert.deepEqual({ core: await rowCounts(ts), av: await avTableCounts(ts) }, before);
    await scanWith(ts, a, [], { name: 'free while paid is off' });
    await run.progress.run();
    ok(await hss(ts, 'PUT', '/antivirus/pay-per-scan', { body: { enabled: true } }), 'on');
    ok(await hss(ts, 'POST', '/antivirus/pay-per-scan/tasks', { body: paidBody([a.hostId], paid.task_id) }), 'paid rescan allowed again');
  });

  test('bad input → 400 HSS.*, nothing changes', async () => {
    const before = { core: await rowCounts(ts), av: await avTableCounts(ts), status: ok(await hss(ts, 'GET', '/antivirus/pay-per-scan'), 'status') };
    const cases: Array<[string, unknown]> = [['no enabled', {}], ['enabled a string', { enabled: 'false' }], ['enabled null', { enabled: null }],
      ['unknown field', { enabled: false, force: true }]];
    for (const [label, body] of cases) assertHuaweiError(await hss(ts, 'PUT', '/antivirus/pay-per-scan', { body }), 400, /^HSS\.000[12]$/, label);
    for (const path of ['/antivirus/statistic', '/antivirus/pay-per-scan', '/antivirus/pay-per-scan/free-quotas']) {
      assertHuaweiError(await hss(ts, 'GET', path, { query: { enterprise_project_id: 'e'.repeat(257) } }), 400, 'HSS.0001', path);
    }
    assert.deepEqual({ core: await rowCounts(ts), av: await avTableCounts(ts), status: ok(await hss(ts, 'GET', '/antivirus/pay-per-scan'), 'status') }, before);
  });

  test('GUARDPOST_AV_FREE_QUOTA: a whole number ≥ 0, default 10', () => {
    assert.equal(freeQuotaFromEnv({}), 10);
    assert.equal(freeQuotaFromEnv({ GUARDPOST_AV_FREE_QUOTA: '0' }), 0);
    for (const bad of ['-1', '1.5', 'ten', '1e3', '9999999999']) assert.throws(() => freeQuotaFromEnv({ GUARDPOST_AV_FREE_QUOTA: bad }), /GUARDPOST_AV_FREE_QUOTA/, bad);
  });
});
