/**
 * HandleAntiVirusResult (state-only operations) and ListAntivirusHandleHistory on a real server, with detections
 * stored by real scans (agent finishes its av-scan job, the progress sweep stores the results): bad input and
 * foreign / unknown result ids → 400 HSS.* naming them with nothing changed; mark / ignore / whitelist and their
 * undo; the alarm whitelist keeping a later scan's same hash + path out of the results; the history with its user.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AvIsolateSweep } from '../../src/families/antivirus/isolate-sweep.js';
import { AvProgressSweep } from '../../src/families/antivirus/progress-sweep.js';
import { http } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { avAgent, avRowCounts } from './antivirus-support.js';
import { assertHuaweiError, checkin, createUserWithRole, enrollAgent, hostFacts, rowCounts, tokenFor, type EnrolledAgent } from './support.js';
import { hss, hssToken, ok } from './vul-scan-tasks-support.js';

let ts: TestServer;
let good: EnrolledAgent;
let foreign: EnrolledAgent;
let foreignToken: string;
let sweep: AvProgressSweep;

const EICAR = { path: '/srv/www/eicar.com', signature: 'Guardpost.Test.EICAR.UNOFFICIAL', sha256: 'a'.repeat(64) };
const MIRAI = { path: '/opt/app/Trojan.bin', signature: 'Unix.Trojan.Mirai-1', sha256: 'b'.repeat(64) };

type Result = { result_id: string; handle_status: string; handle_method?: string; memo?: string; operate_accept_list: string[];
  event_type: number; occur_time: number; file_info: { file_path: string; file_hash: string; file_attr: string }; resource_info: { agent_id: string } };
type History = { result_id: string; handle_method: string; user_name: string; notes: string; handle_time: number; file_path: string;
  host_name: string; handle_status: string; malware_name: string };

const agentCall = (agent: EnrolledAgent, path: string, body?: unknown) => http(ts.endpoint, {
  method: 'POST', path, headers: { authorization: agent.authorization }, ...(body === undefined ? {} : { body }),
});

/** A real scan of `agent`'s host that finds `found`: the task is created, the agent claims and finishes the job, the sweep stores. */
async function scanFinding(agent: EnrolledAgent, found: ReadonlyArray<typeof EICAR>, token?: string, action = 'manual'): Promise<string> {
  const body = { task_name: 'handle-test', scan_type: 'quick', action, host_ids: [agent.hostId] };
  const created = token
    ? ok(await hssToken<{ task_id: string }>(ts, token, 'POST', '/antivirus/task', { body, projectId: agent.projectId }), 'create')
    : ok(await hss<{ task_id: string }>(ts, 'POST', '/antivirus/task', { body }), 'create');
  const offered = (await checkin(ts, agent)).body as { jobs: Array<{ id: string; kind: string }> };
  const job = offered.jobs.find((j) => j.kind === 'av-scan');
  assert.ok(job, JSON.stringify(offered));
  assert.equal((await agentCall(agent, `/agent/v1/jobs/${job.id}/claim`)).status, 200);
  const at = Date.now();
  const result = {
    total_files: 10, scanned_files: 10, scanned_bytes: 1000, detections_count: found.length, skipped_too_large: 0, unreadable_files: 0,
    filtered_out: 0, scan_errors: 0, duration_ms: 100, detections_truncated: false,
    detections: found.map((d) => ({ ...d, size: 68, mode: '-rw-r--r--', owner: 'root', mtime_ms: at - 5000, ctime_ms: at - 5000, found_at: at })),
  };
  assert.equal((await agentCall(agent, `/agent/v1/jobs/${job.id}/finish`, { outcome: 'succeeded', result })).status, 200);
  // An auto task is left to the server's own sweep, the one that isolates.
  if (action === 'manual') await sweep.run();
  return created.task_id;
}

const results = async (q: Record<string, string | number | string[]> = {}) =>
  ok(await hss<{ total_num: number; data_list: Result[] }>(ts, 'GET', '/antivirus/result', { query: { offset: 0, limit: 200, ...q } }), 'results');
const history = async (q: Record<string, string | number | string[]> = {}) =>
  ok(await hss<{ total_num: number; data_list: History[] }>(ts, 'GET', '/antivirus/handle-history', { query: { offset: 0, limit: 200, ...q } }), 'history');
const operateItem = (r: Result) => ({
  result_id: r.result_id, agent_id: r.resource_info.agent_id, event_type: r.event_type, occur_time: r.occur_time,
  file_hash: r.file_info.file_hash, file_path: r.file_info.file_path, file_attr: r.file_info.file_attr,
});
const operate = (operateType: string, items: unknown[], memo?: string) =>
  hss(ts, 'POST', '/antivirus/result/operate', { body: { operate_type: operateType, operate_results: items, ...(memo === undefined ? {} : { memo }) } });

let eicar: Result;
let mirai: Result;
let foreignResult: Result;

before(async () => {
  ts = await startTestServer();
  sweep = new AvProgressSweep(ts.server.ctx.store.db);
  good = await avAgent(ts, 'avh-good');
  const other = await createUserWithRole(ts, { name: 'avh-other-admin', role: 'admin' });
  foreign = await avAgent(ts, 'avh-foreign', { projectId: other.projectId });
  foreignToken = await tokenFor(ts, other.userId, { projectId: other.projectId });
  await scanFinding(good, [EICAR, MIRAI]);
  await scanFinding(foreign, [EICAR], foreignToken);
  const all = await results();
  eicar = all.data_list.find((r) => r.file_info.file_path === EICAR.path)!;
  mirai = all.data_list.find((r) => r.file_info.file_path === MIRAI.path)!;
  const theirs = await hssToken<{ data_list: Result[] }>(ts, foreignToken, 'GET', '/antivirus/result', { query: 'offset=0&limit=10', projectId: foreign.projectId });
  foreignResult = ok(theirs, 'foreign results').data_list[0]!;
  assert.ok(eicar && mirai && foreignResult);
});

after(async () => {
  await ts?.close();
});

describe('bad input → 400 HSS.*, nothing changes', () => {
  test('the matrix', async () => {
    const before = { core: await rowCounts(ts), av: await avRowCounts(ts), results: await results() };
    const item = operateItem(eicar);
    const cases: Array<[string, unknown, string, RegExp?]> = [
      ['unknown operate_type', { operate_type: 'delete', operate_results: [item] }, 'HSS.0001'],
      ['no operate_type', { operate_results: [item] }, 'HSS.0001'],
      ['101 results', { operate_type: 'ignore', operate_results: Array.from({ length: 101 }, () => item) }, 'HSS.0001'],
      ['a result without result_id', { operate_type: 'ignore', operate_results: [{ ...item, result_id: undefined }] }, 'HSS.0001'],
      ['event_type out of range', { operate_type: 'ignore', operate_results: [{ ...item, event_type: 7000 }] }, 'HSS.0001'],
      ['no results', { operate_type: 'ignore', operate_results: [] }, 'HSS.0001'],
      ['memo over 512', { operate_type: 'ignore', operate_results: [item], memo: 'm'.repeat(513) }, 'HSS.0001'],
      ['an unknown id with a good one', { operate_type: 'ignore', operate_results: [item, { ...item, result_id: 'no-such-result' }] }, 'HSS.0011', /no-such-result/],
      ["another project's result", { operate_type: 'ignore', operate_results: [item, operateItem(foreignResult)] }, 'HSS.0011', new RegExp(foreignResult.result_id)],
      ['undo of a handling it does not have', { operate_type: 'do_not_ignore', operate_results: [item] }, 'HSS.0001', new RegExp(eicar.result_id)],
      ['isolation on a host whose agent cannot isolate', { operate_type: 'manual_isolate_and_kill', operate_results: [item] }, 'HSS.1001', new RegExp(eicar.result_id)],
      ['restore of a result never isolated', { operate_type: 'do_not_isolate_or_kill', operate_results: [item] }, 'HSS.0001', new RegExp(eicar.result_id)],
    ];
    for (const [label, body, code, message] of cases) {
      const r = await hss(ts, 'POST', '/antivirus/result/operate', { body });
      const err = assertHuaweiError(r, 400, code, label);
      if (message) assert.match(String(err.error_msg), message, label);
    }
    const badHistory: Array<[string, Record<string, string | number>]> = [
      ['limit below 10', { offset: 0, limit: 5 }], ['unknown sort_key', { offset: 0, limit: 10, sort_key: 'user_name' }],
      ['unknown sort_dir', { offset: 0, limit: 10, sort_dir: 'up' }], ['unknown handle_method', { offset: 0, limit: 10, handle_method: 'delete' }],
    ];
    for (const [label, query] of badHistory) assertHuaweiError(await hss(ts, 'GET', '/antivirus/handle-history', { query }), 400, 'HSS.0001', label);
    assert.deepEqual(await rowCounts(ts), before.core);
    assert.deepEqual(await avRowCounts(ts), before.av);
    assert.deepEqual(await results(), before.results);
  });
});

describe('handling and its undo, with the history', () => {
  test('mark_as_handled then unhandle; ignore then do_not_ignore', async () => {
    ok(await operate('mark_as_handled', [operateItem(eicar)], 'checked by hand'), 'mark');
    let r = (await results()).data_list.find((x) => x.result_id === eicar.result_id)!;
    assert.equal(r.handle_status, 'handled');
    assert.equal(r.handle_method, 'mark_as_handled');
    assert.equal(r.memo, 'checked by hand');
    assert.deepEqual(r.operate_accept_list, ['unhandle']);
    assert.equal((await results({ handle_status: 'handled' })).total_num, 1);
    // Handled by mark, so do_not_ignore does not apply.
    assertHuaweiError(await operate('do_not_ignore', [operateItem(eicar)]), 400, 'HSS.0001', 'wrong undo');
    ok(await operate('unhandle', [operateItem(eicar)]), 'unhandle');
    r = (await results()).data_list.find((x) => x.result_id === eicar.result_id)!;
    assert.equal(r.handle_status, 'unhandled');
    assert.equal(r.handle_method, undefined);
    assert.deepEqual(r.operate_accept_list, ['mark_as_handled', 'ignore', 'add_to_alarm_whitelist', 'manual_isolate_and_kill']);

    ok(await operate('ignore', [operateItem(eicar), operateItem(mirai)]), 'ignore both');
    assert.equal((await results({ handle_status: 'handled' })).total_num, 2);
    ok(await operate('do_not_ignore', [operateItem(mirai)]), 'do_not_ignore');
    assert.equal((await results({ handle_status: 'unhandled' })).data_list[0]?.result_id, mirai.result_id);

    const h = await history();
    assert.equal(h.total_num, 5);
    assert.deepEqual(h.data_list.map((x) => x.handle_method).sort(),
      ['do_not_ignore', 'ignore', 'ignore', 'mark_as_handled', 'unhandle']);
    for (const row of h.data_list) assert.equal(row.user_name, ts.credentials.user_name);
    const marked = h.data_list.find((x) => x.handle_method === 'mark_as_handled')!;
    assert.equal(marked.notes, 'checked by hand');
    assert.equal(marked.file_path, EICAR.path);
    assert.equal(marked.host_name, 'avh-good');
    assert.equal(marked.malware_name, EICAR.signature);
    const asc = (await history({ sort_key: 'handle_time', sort_dir: 'asc' })).data_list.map((x) => x.handle_time);
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    const desc = (await history({ sort_dir: 'desc' })).data_list.map((x) => x.handle_time);
    assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
    assert.equal((await history({ handle_method: 'ignore' })).total_num, 2);
    assert.equal((await history({ file_path: '/opt/app' })).total_num, 2);
    assert.equal((await history({ user_name: 'nobody-here' })).total_num, 0);
    assert.equal((await history({ event_type: 1004 })).total_num, 2, 'the Mirai rows');
    assert.equal((await history({ offset: 0, limit: 10 })).data_list.length, 5);
    // The other project sees none of it.
    const theirs = await hssToken<{ total_num: number }>(ts, foreignToken, 'GET', '/antivirus/handle-history', { query: 'offset=0&limit=10', projectId: foreign.projectId });
    assert.equal(ok(theirs, 'foreign history').total_num, 0);
  });

  test('add_to_alarm_whitelist keeps later scans of the same hash + path out; removing it lets them back', async () => {
    ok(await operate('do_not_ignore', [operateItem(eicar)]), 'reset eicar');
    ok(await operate('add_to_alarm_whitelist', [operateItem(eicar)]), 'whitelist');
    const moved = { ...EICAR, path: '/srv/other/eicar.com' };
    const second = await scanFinding(good, [EICAR, MIRAI, moved]);
    const fromSecond = (await results({ task_name: 'handle-test' })).data_list.filter((r) => r.result_id !== eicar.result_id && r.result_id !== mirai.result_id);
    assert.deepEqual(fromSecond.map((r) => r.file_info.file_path).sort(), [MIRAI.path, moved.path].sort(), `task ${second}: same hash elsewhere is still reported`);
    // The whitelist is per project: the foreign project's next scan of the same file is still reported.
    await scanFinding(foreign, [EICAR], foreignToken);
    const theirs = await hssToken<{ total_num: number }>(ts, foreignToken, 'GET', '/antivirus/result', { query: 'offset=0&limit=10', projectId: foreign.projectId });
    assert.equal(ok(theirs, 'foreign results').total_num, 2);

    ok(await operate('remove_from_alarm_whitelist', [operateItem(eicar)]), 'unwhitelist');
    const before = (await results()).total_num;
    await scanFinding(good, [EICAR]);
    assert.equal((await results()).total_num, before + 1);
    assert.equal((await history({ handle_method: 'add_to_alarm_whitelist' })).total_num, 1);
  });
});

describe('isolation and restore follow the av-isolate job', () => {
  let isolator: EnrolledAgent;
  let found: Result;
  const isolateSweep = () => new AvIsolateSweep(ts.server.ctx.store.db).run();
  const row = async () => ts.server.ctx.store.db.withTables<{ av_results: { result_id: string; isolate_state: string | null; vault_ref: string | null;
    isolate_reason: string | null; handle_status: string; handle_method: string | null } }>().selectFrom('av_results')
    .select(['isolate_state', 'vault_ref', 'isolate_reason', 'handle_status', 'handle_method']).where('result_id', '=', found.result_id).executeTakeFirstOrThrow();
  async function runIsolateJob(expected: Record<string, unknown>, outcome: Record<string, unknown>) {
    const offered = (await checkin(ts, isolator)).body as { jobs: Array<{ id: string; kind: string; payload: Record<string, unknown> }> };
    const job = offered.jobs.find((j) => j.kind === 'av-isolate');
    assert.ok(job, JSON.stringify(offered));
    assert.deepEqual(job.payload, expected);
    assert.equal((await agentCall(isolator, `/agent/v1/jobs/${job.id}/claim`)).status, 200);
    assert.equal((await agentCall(isolator, `/agent/v1/jobs/${job.id}/finish`, outcome)).status, 200);
    // The server's own 1 s isolate sweep may get there first: together they move the result exactly once.
    assert.ok((await isolateSweep()) <= 1);
    assert.equal(await isolateSweep(), 0, 'a second sweep changes nothing');
  }

  before(async () => {
    isolator = await enrollAgent(ts, hostFacts({
      host_name: 'avh-isolator', private_ips: ['10.2.0.10'], public_ips: [],
      capabilities: { job_kinds: ['av-scan', 'av-isolate'], kinds: { 'av-scan': { engine: 'clamd', available: true, reason: '' }, 'av-isolate': { vault: 'aes-256-gcm' } } },
    }));
    await checkin(ts, isolator);
    await ts.server.ctx.agents.flushHeartbeats();
    const miner = { path: '/usr/local/bin/miner', signature: 'Unix.Coinminer.Generic-1', sha256: 'c'.repeat(64) };
    await scanFinding(isolator, [miner]);
    found = (await results({ file_path: miner.path })).data_list[0]!;
    assert.ok(found);
  });

  test('isolate → isolated with the vault ref, restore → restored; a failed isolation says why', async () => {
    ok(await operate('manual_isolate_and_kill', [operateItem(found)], 'contain it'), 'isolate');
    assert.deepEqual(await row(), { isolate_state: 'isolating', vault_ref: null, isolate_reason: null, handle_status: 'handled', handle_method: 'isolate_and_kill' });
    assertHuaweiError(await operate('manual_isolate_and_kill', [operateItem(found)]), 400, 'HSS.0001', 'twice');
    const ref = 'd'.repeat(32);
    await runIsolateJob({ operation: 'isolate', path: found.file_info.file_path, sha256: 'c'.repeat(64) },
      { outcome: 'succeeded', result: { vault_ref: ref, killed_pids: [4242] } });
    assert.deepEqual(await row(), { isolate_state: 'isolated', vault_ref: ref, isolate_reason: null, handle_status: 'handled', handle_method: 'isolate_and_kill' });
    const listed = (await results({ file_path: found.file_info.file_path })).data_list[0]!;
    assert.equal(listed.handle_method, 'isolate_and_kill');
    assert.deepEqual(listed.operate_accept_list, ['do_not_isolate_or_kill']);

    ok(await operate('do_not_isolate_or_kill', [operateItem(found)]), 'restore');
    assert.equal((await row()).isolate_state, 'restoring');
    await runIsolateJob({ operation: 'restore', path: found.file_info.file_path, sha256: 'c'.repeat(64), vault_ref: ref },
      { outcome: 'succeeded', result: { vault_ref: ref, killed_pids: [] } });
    assert.deepEqual(await row(), { isolate_state: 'restored', vault_ref: null, isolate_reason: null, handle_status: 'unhandled', handle_method: null });

    ok(await operate('manual_isolate_and_kill', [operateItem(found)]), 'isolate again');
    await runIsolateJob({ operation: 'isolate', path: found.file_info.file_path, sha256: 'c'.repeat(64) },
      { outcome: 'failed', reason: '/usr/local/bin/miner changed since the scan' });
    const failed = await row();
    assert.equal(failed.isolate_state, 'failed');
    assert.match(String(failed.isolate_reason), /changed since the scan/);
    assert.equal(failed.handle_status, 'unhandled');
    const ops = (await history({ file_path: found.file_info.file_path, sort_dir: 'asc' })).data_list.map((h) => h.handle_method);
    assert.deepEqual(ops, ['manual_isolate_and_kill', 'do_not_isolate_or_kill', 'manual_isolate_and_kill']);
  });

  test('a task with action=auto isolates its new results at once', async () => {
    const worm = { path: '/usr/local/bin/worm', signature: 'Unix.Worm.Generic-1', sha256: 'e'.repeat(64) };
    await scanFinding(isolator, [worm], undefined, 'auto');
    const db = ts.server.ctx.store.db.withTables<{ av_results: { file_path: string; isolate_state: string | null; handle_method: string | null } }>();
    // The server's periodic sweep stores the result and hands it to isolation; bounded wait.
    let state: { isolate_state: string | null; handle_method: string | null } | undefined;
    for (let i = 0; i < 100; i++) {
      state = await db.selectFrom('av_results').select(['isolate_state', 'handle_method']).where('file_path', '=', worm.path).executeTakeFirst();
      if (state?.isolate_state) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual(state, { isolate_state: 'isolating', handle_method: 'isolate_and_kill' });
    const offered = (await checkin(ts, isolator)).body as { jobs: Array<{ kind: string; payload: Record<string, unknown> }> };
    assert.ok(offered.jobs.some((j) => j.kind === 'av-isolate' && j.payload.path === worm.path), JSON.stringify(offered));
    const h = (await history({ file_path: worm.path })).data_list;
    assert.deepEqual(h.map((x) => [x.handle_method, x.user_name]), [['manual_isolate_and_kill', 'system']]);
  });
});
