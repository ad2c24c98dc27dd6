/**
 * Automatic isolate-and-kill on a real server (antivirus sweeps run by the test): results of an `action=auto` task
 * are stored pending isolation in the sweep's own transaction, so a replica that dies right after storing them
 * (staged: a progress sweep without the isolation step) leaves them to the next sweep, which queues each exactly
 * once; the auto-kill setting (StartAutoKillVirusStatus) makes `action=manual` tasks behave the same; and
 * ListAntiVirusResult shows the isolation (`isolate_tag`, `operate_accept_list`) and filters on `manual_isolate`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertHuaweiError, checkin, rowCounts, type EnrolledAgent } from '../../api/support.js';
import { hss, ok } from '../../api/vul-scan-tasks-support.js';
import type { TestServer } from '../../helpers/server.js';
import {
  agentCall, avTableCounts, isolatingAgent, listResults, operateItem, scanWith, startAvServer, sweeps, type WireResult,
} from './ops-support.js';

let ts: TestServer;
let agent: EnrolledAgent;
let run: ReturnType<typeof sweeps>;

const pendingRows = async (path: string) => ts.server.ctx.store.db.withTables<{ av_results: { file_path: string; auto_isolate_pending: number;
  isolate_state: string | null; isolate_job_id: string | null; isolate_origin: string | null } }>().selectFrom('av_results')
  .select(['auto_isolate_pending', 'isolate_state', 'isolate_job_id', 'isolate_origin']).where('file_path', '=', path).execute();

const isolateJobsFor = async (path: string) => (await ts.server.ctx.store.db.selectFrom('jobs').select(['payload']).where('kind', '=', 'av-isolate').execute())
  .filter((j) => (JSON.parse(j.payload) as { path?: string }).path === path).length;

const byPath = async (path: string): Promise<WireResult> => {
  const found = (await listResults(ts, { file_path: path })).data_list.find((r) => r.file_info.file_path === path);
  assert.ok(found, path);
  return found;
};

before(async () => {
  ts = await startAvServer();
  run = sweeps(ts);
  agent = await isolatingAgent(ts, 'av-auto-host');
});

after(async () => {
  await ts?.close();
});

describe('action=auto: queued from the stored results, crash-safe and once', () => {
  test('a sweep that stores the results and dies before queueing leaves them to the next sweep, which isolates each once', async () => {
    const worm = { path: '/usr/local/bin/worm-a', signature: 'Unix.Worm.Generic-1', sha256: '1'.repeat(64) };
    const trojan = { path: '/usr/local/bin/trojan-a', signature: 'Unix.Trojan.Mirai-1', sha256: '2'.repeat(64) };
    await scanWith(ts, agent, [worm, trojan], { action: 'auto' });
    assert.equal(await run.storeOnly.run(), 1, 'the host moved and the results were stored');
    for (const path of [worm.path, trojan.path]) {
      assert.deepEqual(await pendingRows(path), [{ auto_isolate_pending: 1, isolate_state: null, isolate_job_id: null, isolate_origin: null }]);
    }
    assert.equal((await byPath(worm.path)).isolate_tag, 'none');

    await run.progress.run();
    for (const path of [worm.path, trojan.path]) {
      const [row] = await pendingRows(path);
      assert.equal(row?.auto_isolate_pending, 0, path);
      assert.equal(row?.isolate_state, 'isolating', path);
      assert.equal(row?.isolate_origin, 'auto', path);
      assert.equal(await isolateJobsFor(path), 1, path);
    }
    await run.progress.run();
    await run.progress.run();
    assert.equal(await isolateJobsFor(worm.path), 1, 'later sweeps queue nothing more');

    const listed = await byPath(worm.path);
    assert.equal(listed.isolate_tag, 'auto_isolate');
    assert.equal(listed.handle_method, 'isolate_and_kill');
    assert.deepEqual(listed.operate_accept_list, [], 'nothing is offered while the file is being moved');
    assert.equal(listed.memo, 'isolated automatically (task action auto)');
  });

  test('a pending result handled meanwhile is left as it is (its flag cleared, no job)', async () => {
    const miner = { path: '/usr/local/bin/miner-b', signature: 'Unix.Coinminer.Generic-1', sha256: '3'.repeat(64) };
    await scanWith(ts, agent, [miner], { action: 'auto' });
    await run.storeOnly.run();
    ok(await hss(ts, 'POST', '/antivirus/result/operate', { body: { operate_type: 'ignore', operate_results: [operateItem(await byPath(miner.path))] } }), 'ignore');
    await run.progress.run();
    assert.deepEqual(await pendingRows(miner.path), [{ auto_isolate_pending: 0, isolate_state: null, isolate_job_id: null, isolate_origin: null }]);
    assert.equal(await isolateJobsFor(miner.path), 0);
  });
});

describe('the auto-kill setting (ListAutoKillVirusStatus / StartAutoKillVirusStatus)', () => {
  test('off by default; on, a manual task isolates its new detections like action=auto; off again, it does not', async () => {
    assert.deepEqual(ok(await hss(ts, 'GET', '/setting/virus-kill'), 'get'), { enabled: false });
    const manualOff = { path: '/srv/manual-off', signature: 'Unix.Trojan.Mirai-1', sha256: '4'.repeat(64) };
    await scanWith(ts, agent, [manualOff]);
    await run.progress.run();
    assert.equal((await byPath(manualOff.path)).isolate_tag, 'none');
    assert.equal(await isolateJobsFor(manualOff.path), 0);

    ok(await hss(ts, 'POST', '/setting/virus-kill', { body: { enabled: true } }), 'on');
    assert.deepEqual(ok(await hss(ts, 'GET', '/setting/virus-kill'), 'get'), { enabled: true });
    const manualOn = { path: '/srv/manual-on', signature: 'Unix.Trojan.Mirai-1', sha256: '5'.repeat(64) };
    await scanWith(ts, agent, [manualOn]);
    await run.progress.run();
    const isolated = await byPath(manualOn.path);
    assert.equal(isolated.isolate_tag, 'auto_isolate');
    assert.equal(isolated.memo, 'isolated automatically (automatic isolate-and-kill setting)');
    assert.equal(await isolateJobsFor(manualOn.path), 1);
    assert.equal((await byPath(manualOff.path)).isolate_tag, 'none', 'results stored before the setting are not touched');

    ok(await hss(ts, 'POST', '/setting/virus-kill', { body: {} }), 'enabled omitted = false');
    assert.deepEqual(ok(await hss(ts, 'GET', '/setting/virus-kill'), 'get'), { enabled: false });
    ok(await hss(ts, 'POST', '/setting/virus-kill', { body: { enabled: true } }), 'on again');
    ok(await hss(ts, 'POST', '/setting/virus-kill'), 'no body (the SDK with Body unset) = false');
    assert.deepEqual(ok(await hss(ts, 'GET', '/setting/virus-kill'), 'get'), { enabled: false });
    const manualOffAgain = { path: '/srv/manual-off-again', signature: 'Unix.Trojan.Mirai-1', sha256: '6'.repeat(64) };
    await scanWith(ts, agent, [manualOffAgain]);
    await run.progress.run();
    assert.equal(await isolateJobsFor(manualOffAgain.path), 0);
  });

  test('bad input → 400 HSS.*, nothing changes', async () => {
    const before = { core: await rowCounts(ts), av: await avTableCounts(ts), setting: ok(await hss(ts, 'GET', '/setting/virus-kill'), 'get') };
    for (const [label, body] of [['enabled not a boolean', { enabled: 'yes' }], ['unknown field', { enabled: true, mode: 'all' }],
      ['an array', [true]]] as const) {
      assertHuaweiError(await hss(ts, 'POST', '/setting/virus-kill', { body }), 400, /^HSS\.000[12]$/, label);
    }
    assertHuaweiError(await hss(ts, 'GET', '/setting/virus-kill', { query: { enterprise_project_id: 'e'.repeat(257) } }), 400, 'HSS.0001', 'enterprise project id too long');
    assert.deepEqual(await rowCounts(ts), before.core);
    assert.deepEqual(await avTableCounts(ts), before.av);
    assert.deepEqual(ok(await hss(ts, 'GET', '/setting/virus-kill'), 'get'), before.setting);
  });
});

describe('isolation on the wire', () => {
  test('isolate_tag manual / none, operate_accept_list per state, and the manual_isolate filter', async () => {
    const file = { path: '/opt/manual-iso', signature: 'Unix.Trojan.Mirai-1', sha256: '7'.repeat(64) };
    await scanWith(ts, agent, [file]);
    await run.progress.run();
    let r = await byPath(file.path);
    assert.equal(r.isolate_tag, 'none');
    const manualBefore = (await listResults(ts, { manual_isolate: true })).total_num;
    const total = (await listResults(ts)).total_num;
    ok(await hss(ts, 'POST', '/antivirus/result/operate', { body: { operate_type: 'manual_isolate_and_kill', operate_results: [operateItem(r)] } }), 'isolate');
    r = await byPath(file.path);
    assert.equal(r.isolate_tag, 'manual');
    assert.deepEqual(r.operate_accept_list, []);
    const manual = await listResults(ts, { manual_isolate: true });
    assert.equal(manual.total_num, manualBefore + 1);
    assert.ok(manual.data_list.every((x) => x.isolate_tag === 'manual'));
    const notManual = await listResults(ts, { manual_isolate: false });
    assert.equal(notManual.total_num, total - manual.total_num);
    assert.ok(notManual.data_list.every((x) => x.isolate_tag !== 'manual'), 'auto-isolated and unisolated results are "not manual"');
    assert.ok(notManual.data_list.some((x) => x.isolate_tag === 'auto_isolate'));

    // The agent isolates it: the restore is offered; then restored, the tag is none again.
    const offered = (await checkin(ts, agent)).body as { jobs: Array<{ id: string; kind: string; payload: { path: string } }> };
    for (const job of offered.jobs.filter((j) => j.kind === 'av-isolate')) {
      assert.equal((await agentCall(ts, agent, `/agent/v1/jobs/${job.id}/claim`)).status, 200);
      const outcome = job.payload.path === file.path ? { outcome: 'succeeded', result: { vault_ref: 'f'.repeat(32), killed_pids: [] } }
        : { outcome: 'failed', reason: 'left for another test' };
      assert.equal((await agentCall(ts, agent, `/agent/v1/jobs/${job.id}/finish`, outcome)).status, 200);
    }
    await run.isolate.run();
    r = await byPath(file.path);
    assert.equal(r.isolate_tag, 'manual');
    assert.deepEqual(r.operate_accept_list, ['do_not_isolate_or_kill']);
    ok(await hss(ts, 'POST', '/antivirus/result/operate', { body: { operate_type: 'do_not_isolate_or_kill', operate_results: [operateItem(r)] } }), 'restore');
    assert.deepEqual((await byPath(file.path)).operate_accept_list, [], 'restoring');
    const restore = ((await checkin(ts, agent)).body as { jobs: Array<{ id: string; kind: string }> }).jobs.find((j) => j.kind === 'av-isolate');
    assert.ok(restore);
    assert.equal((await agentCall(ts, agent, `/agent/v1/jobs/${restore.id}/claim`)).status, 200);
    assert.equal((await agentCall(ts, agent, `/agent/v1/jobs/${restore.id}/finish`, { outcome: 'succeeded', result: { vault_ref: 'f'.repeat(32), killed_pids: [] } })).status, 200);
    await run.isolate.run();
    r = await byPath(file.path);
    assert.equal(r.isolate_tag, 'none');
    assert.deepEqual(r.operate_accept_list, ['mark_as_handled', 'ignore', 'add_to_alarm_whitelist', 'manual_isolate_and_kill']);
    assert.equal((await listResults(ts, { manual_isolate: true })).total_num, manualBefore);
    assertHuaweiError(await hss(ts, 'GET', '/antivirus/result', { query: { offset: 0, limit: 10, manual_isolate: 'maybe' } }), 400, 'HSS.0001', 'bad manual_isolate');
  });
});
