// First: points HOME at a temporary directory before anything below can load an SDK module.
import { sdkHome } from '../interop/sdk-home.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { liveLockOwner } from '../../src/agent/state-lock.js';
import { freshDatabase, tempDir, type FreshDatabase } from '../helpers/db.js';
import { freePort, readCredentials, spawnGuardpost, type GuardpostProcess } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { cleanTree } from '../engines/antivirus/av-helpers.js';
import { bigTree, clamdPidsUnder, killPid, markerTree, type Tree } from './antivirus-http-fixtures.js';

/**
 * Issue #10 end to end over HTTP with the official SDK core (HcClient, AK/SK) on `guardpost start`, whose local agent
 * (root, its own clamd on Guardpost's signatures) does the scanning: a custom task whose counters move and end exact,
 * every ListAntiVirusTask filter, a running host cancelled and rescanned by task_id, action=auto isolating, manual
 * isolate then restore (same bytes, mode, owner), an alarm whitelist suppressing a repeat, a quick scan over the
 * agent's configured quick roots with exact counts, and the agent SIGKILLed mid-scan failing its host with a reason within the lease.
 * (No signature database: the engine and API tests cover it; the repository's signatures are always there.)
 */

assert.equal(process.env.HOME, sdkHome);
const { ClientBuilder } = await import('@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js');
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js');
const { Logger4jInstance } = await import('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js');
type HcClient = import('@huaweicloud/huaweicloud-sdk-core/HcClient.js').HcClient;
Logger4jInstance.level = 'off';

const LEASE_SECONDS = 5;

interface Page<T> { total_num: number; data_list: T[] }
interface Host { host_id: string; host_name: string; private_ip: string; host_task_status: string; scan_file_num: number; virus_num: number; scan_progress: string; fail_reason: string }
interface Task { task_id: string; task_name: string; task_status: string; start_time: number; whether_paid_task: boolean; host_info_list: Host[] }
interface Result {
  result_id: string; task_id: string; malware_name: string; event_type: number; occur_time: number; isolate_status: string;
  file_info: { file_path: string; file_hash: string; file_attr: string }; resource_info: { agent_id: string };
}
interface Created { result: boolean; task_id: string; fail_reasons: Array<{ host_id: string; reason: string }> }

describe('antivirus over HTTP with the official SDK core on guardpost start', () => {
  let db: FreshDatabase;
  let work = '';
  let server: GuardpostProcess | undefined;
  let sdk: HcClient;
  let projectId = '';
  let hostId = '';
  let hostName = '';
  let big: Tree;
  let bigTask: Task;
  let cancelTask = '';
  const avWork = () => path.join(work, 'clamd');

  const call = <T>(method: string, url: string, query: Record<string, unknown> = {}, body?: Record<string, unknown>) => sdk.sendRequest({
    method, url: `/v5/{project_id}${url}`, contentType: 'application/json', pathParams: { project_id: projectId }, queryParams: query, headers: {},
    ...(body === undefined ? {} : { data: body }),
  }) as Promise<T>;
  const listTasks = (paid: boolean, query: Record<string, unknown> = {}) =>
    call<Page<Task>>('GET', '/antivirus/task', { offset: 0, limit: 200, whether_paid_task: paid, ...query });
  const taskOf = async (taskId: string, paid: boolean) => (await listTasks(paid)).data_list.find((t) => t.task_id === taskId);
  const create = (paid: boolean, body: Record<string, unknown>) => call<Created>('POST', paid ? '/antivirus/pay-per-scan/tasks' : '/antivirus/task', {}, {
    action: 'manual', host_ids: [hostId], ...body,
  });
  const ended = (taskId: string, paid: boolean, timeoutMs = 120_000) => waitFor(`task ${taskId} to end`, async () => {
    const task = await taskOf(taskId, paid);
    return task && task.task_status !== 'scanning' ? task : undefined;
  }, timeoutMs);
  const results = async (taskName: string) => (await call<Page<Result>>('GET', '/antivirus/result', { offset: 0, limit: 200, task_name: taskName })).data_list;
  const operate = (type: string, list: readonly Result[]) => call('POST', '/antivirus/result/operate', {}, {
    operate_type: type,
    operate_results: list.map((r) => ({
      result_id: r.result_id, agent_id: r.resource_info.agent_id, event_type: r.event_type, occur_time: r.occur_time,
      file_hash: r.file_info.file_hash, file_path: r.file_info.file_path, file_attr: r.file_info.file_attr,
    })),
  });
  const isolation = (taskName: string, paths: readonly string[], state: string) => waitFor(`${paths.join(', ')} to be ${state}`, async () => {
    const rows = (await results(taskName)).filter((r) => paths.includes(r.file_info.file_path));
    return rows.length === paths.length && rows.every((r) => r.isolate_status === state) ? rows : undefined;
  }, 60_000);

  before(async () => {
    db = await freshDatabase();
    work = tempDir('gp-av-http-');
    big = bigTree(path.join(work, 'big'));
    const port = await freePort();
    server = await spawnGuardpost(['start'], {
      env: {
        GUARDPOST_HOME: db.dir, ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}), GUARDPOST_LISTEN: `127.0.0.1:${port}`,
        GUARDPOST_CAPTURE_INTERFACES: 'lo', GUARDPOST_JOB_LEASE_SECONDS: String(LEASE_SECONDS), GUARDPOST_AGENT_OFFLINE_SECONDS: '6',
        GUARDPOST_AV_WORK_DIR: avWork(), GUARDPOST_AV_VAULT_DIR: path.join(work, 'vault'), GUARDPOST_AV_CONCURRENCY: '2',
        // This machine's real quick roots hold gigabytes (/root, /tmp): the quick scan covers two fixture dirs instead.
        GUARDPOST_AV_QUICK_ROOTS: `${path.join(work, 'quick', 'tmp')};${path.join(work, 'quick', 'home')}`,
      },
      endpoint: `http://127.0.0.1:${port}`,
      ready: () => fs.existsSync(path.join(db.dir, 'agent', 'agent.json')),
    });
    const creds = readCredentials(db.dir);
    projectId = creds.project_id;
    sdk = new ClientBuilder<HcClient>((hc) => hc)
      .withCredential(new BasicCredentials().withAk(creds.ak).withSk(creds.sk).withProjectId(projectId)).withEndpoint(server.endpoint).build();
    hostId = (JSON.parse(fs.readFileSync(path.join(db.dir, 'agent', 'agent.json'), 'utf8')) as { host_id: string }).host_id;
    await waitFor('the local agent to offer antivirus', async () => {
      const hosts = await call<Page<{ host_id: string; host_name: string }>>('GET', '/antivirus/host-management/hosts',
        { offset: 0, limit: 10, scan_type: 'custom', start_type: 'now' });
      const mine = hosts.data_list.find((h) => h.host_id === hostId);
      if (mine) hostName = mine.host_name;
      return mine;
    }, 30_000);
  });

  after(async () => {
    await server?.stop(20_000);
    for (const pid of clamdPidsUnder(avWork())) killPid(pid);
    await db?.drop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(sdkHome, { recursive: true, force: true });
  });

  it('a custom task: the counters move while scanning and end exact; the detections are listed', { timeout: 240_000 }, async () => {
    const created = await create(true, { task_name: 'e2e big', scan_type: 'custom', scan_dir: big.root });
    assert.deepEqual([created.result, created.fail_reasons], [true, []]);
    const seen: Host[] = [];
    const task = await waitFor('the big task to end', async () => {
      const t = await taskOf(created.task_id, true);
      if (t?.host_info_list[0]) seen.push(t.host_info_list[0]);
      return t && t.task_status !== 'scanning' ? t : undefined;
    }, 200_000, 100);
    const host = task.host_info_list[0]!;
    assert.deepEqual([task.task_status, host.host_task_status, host.scan_file_num, host.virus_num, host.scan_progress],
      ['finish', 'success', big.files, 2, '100%'], JSON.stringify(host));
    const scanning = seen.filter((h) => h.host_task_status === 'scanning');
    assert.ok(scanning.some((h) => h.scan_file_num > 0 && h.scan_file_num < big.files), `a partial count was seen: ${JSON.stringify(scanning.map((h) => h.scan_file_num))}`);
    assert.ok(new Set(scanning.map((h) => h.scan_progress)).size >= 2, `scan_progress moved: ${JSON.stringify(scanning.map((h) => h.scan_progress))}`);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.scan_file_num >= seen[i - 1]!.scan_file_num, 'scan_file_num never goes back');
    assert.deepEqual((await results('e2e big')).map((r) => [r.file_info.file_path, r.malware_name]).sort(), [...big.detections].sort());
    bigTask = task;
  });

  it('SwitchAntivirusTask cancels a running host', { timeout: 240_000 }, async () => {
    const created = await create(true, { task_name: 'e2e cancel', scan_type: 'custom', scan_dir: big.root });
    cancelTask = created.task_id;
    await waitFor('the scan to be under way', async () => {
      const host = (await taskOf(cancelTask, true))?.host_info_list[0];
      assert.equal(host?.host_task_status, 'scanning', 'the scan must still run when it is cancelled');
      return host.scan_file_num > 0 ? host : undefined;
    }, 60_000, 100);
    await call('PUT', '/antivirus/task', {}, { task_id: cancelTask, task_name: 'e2e cancel', host_ids: [hostId] });
    const task = await ended(cancelTask, true, 10_000);
    assert.deepEqual([task.task_status, task.host_info_list[0]!.host_task_status], ['cancel', 'cancel']);
    assert.ok(task.host_info_list[0]!.scan_file_num < big.files);
  });

  it('ListAntiVirusTask: every filter', { timeout: 60_000 }, async () => {
    const ids = async (paid: boolean, query: Record<string, unknown>) => (await listTasks(paid, query)).data_list.map((t) => t.task_id).sort();
    const both = [bigTask.task_id, cancelTask].sort();
    assert.deepEqual(await ids(true, {}), both);
    assert.deepEqual(await ids(false, {}), [], 'whether_paid_task=false: no pay-per-scan tasks');
    assert.deepEqual(await ids(true, { task_name: 'big' }), [bigTask.task_id]);
    assert.deepEqual(await ids(true, { task_status: 'finish' }), [bigTask.task_id]);
    assert.deepEqual(await ids(true, { task_status: 'cancel' }), [cancelTask]);
    assert.deepEqual(await ids(true, { task_status: 'scanning' }), []);
    assert.deepEqual(await ids(true, { task_status: 'fail' }), []);
    assert.deepEqual(await ids(true, { host_task_status: ['cancel'] }), [cancelTask]);
    assert.deepEqual(await ids(true, { host_task_status: ['success', 'cancel'] }), both);
    assert.deepEqual(await ids(true, { host_name: hostName }), both);
    assert.deepEqual(await ids(true, { host_name: 'no-such-host-name' }), []);
    const ip = bigTask.host_info_list[0]!.private_ip.split(',')[0]!;
    if (ip) assert.deepEqual(await ids(true, { private_ip: ip }), both);
    assert.deepEqual(await ids(true, { private_ip: '192.0.2.254' }), []);
    assert.deepEqual(await ids(true, { public_ip: '203.0.113.254' }), []);
    assert.deepEqual(await ids(true, { last_days: 1 }), both);
    const start = bigTask.start_time;
    assert.deepEqual(await ids(true, { begin_time: String(start - 1000), end_time: String(start) }), [bigTask.task_id]);
    assert.deepEqual(await ids(true, { begin_time: String(start - 200_000_000), end_time: String(start - 100_000_000) }), []);
    const paged = await listTasks(true, { offset: 1, limit: 10 });
    assert.deepEqual([paged.total_num, paged.data_list.length, paged.data_list[0]?.task_id], [2, 1, bigTask.task_id], 'newest first, offset 1');
  });

  it('CreateAntiVirusPaidTask with task_id rescans the cancelled host in the same task to the end', { timeout: 240_000 }, async () => {
    const again = await create(true, { task_name: 'e2e cancel', scan_type: 'custom', task_id: cancelTask });
    assert.deepEqual([again.result, again.task_id], [true, cancelTask]);
    const task = await ended(cancelTask, true, 200_000);
    const host = task.host_info_list[0]!;
    assert.deepEqual([task.task_status, host.host_task_status, host.scan_file_num, host.virus_num], ['finish', 'success', big.files, 2]);
  });

  it('action=auto isolates the detected files at once', { timeout: 120_000 }, async () => {
    const tree = markerTree(path.join(work, 'auto'), ['drop/a.com', 'drop/b.sh']);
    const created = await create(false, { task_name: 'e2e auto', scan_type: 'custom', action: 'auto', scan_dir: tree.root });
    const task = await ended(created.task_id, false);
    assert.deepEqual([task.task_status, task.host_info_list[0]!.virus_num], ['finish', 2]);
    await isolation('e2e auto', [...tree.detections.keys()], 'isolated');
    for (const file of tree.detections.keys()) assert.equal(fs.existsSync(file), false, `${file} is in the vault`);
    assert.equal(fs.existsSync(path.join(tree.root, 'clean.txt')), true);
  });

  it('manual isolate, then restore: the identical bytes, mode and owner come back', { timeout: 120_000 }, async () => {
    const tree = markerTree(path.join(work, 'manual'), ['bin/tool.sh']);
    const file = [...tree.detections.keys()][0]!;
    fs.chmodSync(file, 0o751);
    fs.chownSync(file, 65534, 65534);
    const before = { bytes: fs.readFileSync(file), stat: fs.statSync(file) };
    const task = await ended((await create(false, { task_name: 'e2e manual', scan_type: 'custom', scan_dir: tree.root })).task_id, false);
    assert.equal(task.host_info_list[0]!.virus_num, 1);
    const found = await results('e2e manual');
    assert.equal(fs.existsSync(file), true, 'manual: nothing is isolated until asked');
    await operate('manual_isolate_and_kill', found);
    await isolation('e2e manual', [file], 'isolated');
    assert.equal(fs.existsSync(file), false);
    await operate('do_not_isolate_or_kill', await results('e2e manual'));
    await isolation('e2e manual', [file], 'restored');
    const now = fs.statSync(file);
    assert.deepEqual(fs.readFileSync(file), before.bytes);
    assert.deepEqual([now.mode, now.uid, now.gid], [before.stat.mode, before.stat.uid, before.stat.gid]);
  });

  it('an alarm whitelist entry suppresses the repeat of that file on a rescan; the other file is reported again', { timeout: 120_000 }, async () => {
    const tree = markerTree(path.join(work, 'wl'), ['one.com', 'two.com']);
    const [one, two] = [...tree.detections.keys()];
    const created = await create(false, { task_name: 'e2e whitelist', scan_type: 'custom', scan_dir: tree.root });
    await ended(created.task_id, false);
    const first = await results('e2e whitelist');
    await operate('add_to_alarm_whitelist', first.filter((r) => r.file_info.file_path === one));
    await create(false, { task_name: 'e2e whitelist', scan_type: 'custom', task_id: created.task_id });
    await waitFor('the rescan to store its results', async () => ((await results('e2e whitelist')).length >= 3 ? true : undefined), 60_000);
    const task = await ended(created.task_id, false);
    assert.equal(task.task_status, 'finish');
    const paths = (await results('e2e whitelist')).map((r) => r.file_info.file_path);
    assert.deepEqual([paths.filter((p) => p === one).length, paths.filter((p) => p === two).length], [1, 2]);
  });

  it('a quick scan (over the agent\'s --av-quick-roots) finishes with exact counts', { timeout: 120_000 }, async () => {
    const tmp = markerTree(path.join(work, 'quick', 'tmp'), ['payload.elf']);
    const clean = cleanTree(path.join(work, 'quick'), 'home', 5, 40);
    const created = await create(false, { task_name: 'e2e quick', scan_type: 'quick' });
    assert.deepEqual(created.fail_reasons, []);
    const task = await ended(created.task_id, false);
    const host = task.host_info_list[0]!;
    assert.deepEqual([task.task_status, host.host_task_status, host.scan_file_num, host.virus_num, host.scan_progress],
      ['finish', 'success', tmp.files + clean, 1, '100%']);
    assert.deepEqual((await results('e2e quick')).map((r) => [r.file_info.file_path, r.malware_name]), [...tmp.detections]);
  });

  it('the agent SIGKILLed mid-scan: the host fails with a reason within the lease', { timeout: 240_000 }, async () => {
    const created = await create(true, { task_name: 'e2e killed', scan_type: 'custom', scan_dir: big.root });
    await waitFor('the scan to be under way', async () => {
      const host = (await taskOf(created.task_id, true))?.host_info_list[0];
      return host && host.scan_file_num > 0 ? host : undefined;
    }, 60_000, 100);
    const owner = liveLockOwner(path.join(db.dir, 'agent'));
    assert.ok(owner, 'the local agent holds its state lock');
    const clamds = clamdPidsUnder(avWork());
    process.kill(owner.pid, 'SIGKILL');
    const killedAt = Date.now();
    const task = await ended(created.task_id, true, LEASE_SECONDS * 1000 + 30_000);
    const host = task.host_info_list[0]!;
    assert.deepEqual([task.task_status, host.host_task_status], ['fail', 'fail']);
    assert.ok(host.fail_reason.length > 0, 'a reason is given');
    assert.ok(Date.now() - killedAt < LEASE_SECONDS * 1000 + 30_000);
    // The killed agent could not stop its clamd: end it by PID (it is this test's).
    for (const pid of clamds) killPid(pid);
  });
});
