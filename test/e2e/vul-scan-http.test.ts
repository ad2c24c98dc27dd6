// First: points HOME at a temporary directory before anything below can load an SDK module.
import { sdkHome } from '../interop/sdk-home.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore, type Store } from '../../src/store/database.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { TaskStore } from '../../src/store/task-store.js';
import { jobKinds } from '../../src/families/server.js';
import { freshDatabase, tempDir, type FreshDatabase } from '../helpers/db.js';
import { freePort, readCredentials, spawnGuardpost, type GuardpostProcess } from '../helpers/server.js';
import { put } from '../engines/inventory/inventory-helpers.js';
import { runCli } from '../cli/run-cli.js';
import {
  alpineLikeRoot, appOnlyRoot, debianLikeRoot, FIRST_IMPORT, NPM_LOCK, osv, PYPI_METADATA, SECOND_IMPORT, writeOsvDir,
} from './vul-http-fixtures.js';
import { rawZip, storedEntry } from '../engines/vuln/vuln-helpers.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue #9 end to end over HTTP with the official SDK core (HcClient, AK/SK): `guardpost start`, extra
 * `guardpost agent --host-root` processes on generated roots, advisories imported by the real
 * `guardpost vulndb import` while the server runs; a scan task runs → finishes and its hosts and
 * vulnerabilities read back exactly; an agent SIGKILLed mid-scan leaves its host failed with a reason; a second
 * import re-matches without a rescan; verify rescans on the live agent; the vul CLIs; bad input is a 400 HSS.*.
 */

assert.equal(process.env.HOME, sdkHome);
const { ClientBuilder } = await import('@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js');
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js');
const { Logger4jInstance } = await import('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js');
type HcClient = import('@huaweicloud/huaweicloud-sdk-core/HcClient.js').HcClient;
type ServiceResponseException = import('@huaweicloud/huaweicloud-sdk-core/exception/ServiceResponseException.js').ServiceResponseException;
Logger4jInstance.level = 'off';

const LEASE_SECONDS = 5;
const OFFLINE_SECONDS = 6;
const ALL_TYPES = 'linux_vul,app_vul,windows_vul';
const WINDOWS_UNSUPPORTED = { vul_type: 'windows_vul' };


interface Page<T> { total_num: number; data_list: T[] }
interface TaskInfo { id: string; status: string; scan_type: string; scan_vul_types: string[]; success_host_num: number; failed_host_num: number; scanning_host_num: number; end_time?: number }
interface TaskHost {
  host_id: string; host_name: string; agent_id: string; scan_status: string; failed_reasons: Array<{ vul_type: string; failed_reason: string }>;
  vul_scan_details: Array<{ vul_type: string; status: string; failed_reason: string }>;
}
interface App { app_name: string; app_version: string; upgrade_version: string; app_path: string; ecosystem: string }
interface HostVul { vul_id: string; type: string; status: string; app_list: App[]; cve_list: Array<{ cve_id: string; cvss: number }> }
interface Vul { vul_id: string; host_num: number; host_id_list: string[]; type: string; cve_list: Array<{ cve_id: string; cvss: number }> }
interface VulHost { host_id: string; host_name: string; app_path?: string; status: string }

describe('vulnerability scans over HTTP with the official SDK core, real agents and the real vulndb CLI', () => {
  let db: FreshDatabase;
  let work = '';
  let server: GuardpostProcess | undefined;
  let store: Store | undefined;
  let sdk: HcClient;
  let projectId = '';
  let serverEnv: Record<string, string> = {};
  let apiEnv: Record<string, string> = {};
  const procs: GuardpostProcess[] = [];
  const hostIds = new Map<string, string>();
  let firstTask = '';
  let restartDoomed: () => Promise<void> = async () => undefined;
  let startBigAgent: (name: string) => Promise<{ proc: GuardpostProcess; tmp: string; agentId: string }> = () => Promise.reject(new Error('not yet'));

  const call = <T>(method: string, url: string, query: Record<string, unknown> = {}, body?: Record<string, unknown>) => sdk.sendRequest({
    method, url, contentType: 'application/json', pathParams: { project_id: projectId }, queryParams: query, headers: {},
    ...(body === undefined ? {} : { data: body }),
  }) as Promise<T & { httpStatusCode: number }>;
  const sdkError = async (promise: Promise<unknown>): Promise<ServiceResponseException> => {
    try {
      await promise;
    } catch (error) {
      return error as ServiceResponseException;
    }
    assert.fail('the SDK call was expected to fail');
  };
  const listTasks = (query: Record<string, unknown> = {}) => call<Page<TaskInfo>>('GET', '/v5/{project_id}/vulnerability/scan-tasks', { limit: 200, ...query });
  const taskHosts = async (taskId: string) => new Map((await call<Page<TaskHost>>('GET', `/v5/{project_id}/vulnerability/scan-task/${taskId}/hosts`, { limit: 200 }))
    .data_list.map((h) => [h.host_name, h]));
  const hostVuls = async (host: string, type: string) => (await call<Page<HostVul>>('GET', `/v5/{project_id}/vulnerability/host/${hostIds.get(host)}`, { type, limit: 200 }))
    .data_list.sort((a, b) => a.vul_id.localeCompare(b.vul_id));
  const idsOf = (vuls: ReadonlyArray<{ vul_id: string }>) => vuls.map((v) => v.vul_id).sort();
  const finished = (taskId: string) => waitFor(`task ${taskId} to finish`, async () => {
    const [task] = (await listTasks({ task_id: taskId })).data_list;
    return task?.status === 'finished' ? task : undefined;
  }, 60_000);
  const vulndbImport = async (dir: string) => {
    const result = await runCli(['vulndb', 'import', dir, '--json'], serverEnv);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as { status: string; rematch_task_id: string | null };
  };

  before(async () => {
    db = await freshDatabase();
    work = tempDir('gp-vul-http-');
    const port = await freePort();
    serverEnv = { GUARDPOST_HOME: db.dir, ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}) };
    server = await spawnGuardpost(['start'], {
      env: {
        ...serverEnv, GUARDPOST_LISTEN: `127.0.0.1:${port}`, GUARDPOST_CAPTURE_INTERFACES: 'lo',
        GUARDPOST_JOB_LEASE_SECONDS: String(LEASE_SECONDS), GUARDPOST_AGENT_OFFLINE_SECONDS: String(OFFLINE_SECONDS),
        GUARDPOST_HOST_ROOT: path.join(work, 'local-root'),
      },
      endpoint: `http://127.0.0.1:${port}`,
      ready: async () => fs.existsSync(path.join(db.dir, 'credentials.json')) && (await fetch(`http://127.0.0.1:${port}/openapi.json`)).status === 200,
    });
    const creds = readCredentials(db.dir);
    projectId = creds.project_id;
    apiEnv = { GUARDPOST_ENDPOINT: server.endpoint, GUARDPOST_AK: creds.ak, GUARDPOST_SK: creds.sk, GUARDPOST_PROJECT_ID: projectId };
    sdk = new ClientBuilder<HcClient>((hc) => hc)
      .withCredential(new BasicCredentials().withAk(creds.ak).withSk(creds.sk).withProjectId(projectId)).withEndpoint(server.endpoint).build();
    store = openStore({ databaseUrl: db.databaseUrl, sqlitePath: db.sqlitePath });
  });

  after(async () => {
    for (const proc of procs) await proc.stop(5000);
    await server?.stop(10_000);
    await store?.close();
    await db.drop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(sdkHome, { recursive: true, force: true });
  });

  it('a scan of every host runs → finishes; a killed agent fails with a reason; hosts and vulnerabilities read back exactly', { timeout: 120_000 }, async () => {
    const s = store!;
    const agents = new AgentStore(s.db, new TaskStore(s.db, s.dialect, jobKinds));
    const { token } = await agents.createEnrollmentToken({ projectId });
    const dir = (name: string) => fs.mkdirSync(path.join(work, name), { recursive: true }) ?? path.join(work, name);
    const bigRoot = alpineLikeRoot(dir('big'));
    for (let d = 0; d < 200; d++) for (let f = 0; f < 250; f++) put(bigRoot, `usr/share/filler/d${d}/f${f}`, '');
    const startAgent = async (name: string, hostRoot: string) => {
      const stateDir = path.join(work, `state-${name}`);
      const tmp = dir(`tmp-${name}`);
      const proc = await spawnGuardpost(['agent', '--server', server!.endpoint, '--enroll-token', token, '--state-dir', stateDir,
        '--name', name, '--host-root', hostRoot], { env: { TMPDIR: tmp }, ready: () => fs.existsSync(path.join(stateDir, 'agent.json')) });
      procs.push(proc);
      return { proc, tmp, agentId: (JSON.parse(fs.readFileSync(path.join(stateDir, 'agent.json'), 'utf8')) as { agent_id: string }).agent_id };
    };
    const started = [
      await startAgent('alpine', alpineLikeRoot(dir('alpine'))), await startAgent('debian', debianLikeRoot(dir('debian'))),
      await startAgent('apps', appOnlyRoot(dir('apps'))),
    ];
    const doomed = await startAgent('doomed', bigRoot);
    startBigAgent = (name) => startAgent(name, bigRoot);
    restartDoomed = async () => {
      const stateDir = path.join(work, 'state-doomed');
      procs.push(await spawnGuardpost(['agent', '--server', server!.endpoint, '--state-dir', stateDir, '--name', 'doomed', '--host-root', bigRoot],
        { env: { TMPDIR: doomed.tmp }, ready: () => true }));
    };
    const ids = [...started, doomed].map((a) => a.agentId);
    await waitFor('the agents to advertise vulnerability scanning', async () => {
      const found = await s.db.selectFrom('agents').select(['capabilities']).where('id', 'in', ids).execute();
      return found.length === ids.length && found.every((a) => a.capabilities.includes('vul-inventory')) ? true : undefined;
    }, 30_000);

    const imported = await vulndbImport(writeOsvDir(path.join(work, 'osv-1'), FIRST_IMPORT));
    assert.equal(imported.status, 'ok');

    // "doomed" is SIGKILLed (by PID) the moment its inventory job starts (its job directory appears).
    const killed = new Promise<void>((resolve) => {
      const watcher = fs.watch(doomed.tmp, (_event, file) => {
        if (!String(file).startsWith('gp-job-')) return;
        process.kill(doomed.proc.child.pid!, 'SIGKILL');
        watcher.close();
        resolve();
      });
    });
    const created = await call<{ task_id: string }>('POST', '/v5/{project_id}/vulnerability/scan-task', {}, { manual_scan_type: ALL_TYPES.split(','), range_type: 'all_host' });
    assert.equal(created.httpStatusCode, 200);
    firstTask = created.task_id;
    const [running] = (await listTasks({ task_id: firstTask })).data_list;
    assert.equal(running?.status, 'running');
    assert.equal(running?.scan_type, 'manual');
    assert.ok(running!.scanning_host_num >= 1, 'the doomed host scans until its lease expires');
    assert.equal(running!.scanning_host_num + running!.success_host_num + running!.failed_host_num, 5);
    await killed;

    const done = await finished(firstTask);
    // The server's own local agent ("vm") has no host root to scan (GUARDPOST_HOST_ROOT does not exist): failed too.
    assert.deepEqual([done.success_host_num, done.failed_host_num, done.scanning_host_num], [3, 2, 0]);
    assert.deepEqual([...done.scan_vul_types].sort(), ['app_vul', 'linux_vul', 'windows_vul']);
    assert.equal(typeof done.end_time, 'number');

    const hosts = await taskHosts(firstTask);
    assert.deepEqual([...hosts.keys()].sort(), ['alpine', 'apps', 'debian', 'doomed', 'vm']);
    assert.match(hosts.get('vm')!.failed_reasons.find((r) => r.vul_type === 'linux_vul')?.failed_reason ?? '', /does not offer vulnerability scanning \(its --host-root is not a readable directory/);
    for (const [name, host] of hosts) hostIds.set(name, host.host_id);
    for (const name of ['alpine', 'debian', 'apps']) {
      const host = hosts.get(name)!;
      assert.equal(host.scan_status, 'success', JSON.stringify(host));
      assert.deepEqual(host.failed_reasons.map((r) => r.vul_type), [WINDOWS_UNSUPPORTED.vul_type], name);
      assert.match(host.failed_reasons[0]!.failed_reason, /not supported/);
    }
    const appsLinux = hosts.get('apps')!.vul_scan_details.find((d) => d.vul_type === 'linux_vul');
    assert.match(appsLinux?.failed_reason ?? '', /no recognisable OS.*etc\/os-release/);
    assert.equal(appsLinux?.status, 'success');
    const doomedHost = hosts.get('doomed')!;
    assert.equal(doomedHost.scan_status, 'failed');
    for (const type of ['linux_vul', 'app_vul']) {
      assert.match(doomedHost.failed_reasons.find((r) => r.vul_type === type)?.failed_reason ?? '', /agent lost: the job lease expired/, JSON.stringify(doomedHost));
    }

    // ListHostVuls: the exact findings per host and type, with package, version, ecosystem, path and CVEs.
    const alpineVuls = await hostVuls('alpine', 'linux_vul');
    assert.deepEqual(idsOf(alpineVuls), ['GP-ALPINE-1']);
    assert.deepEqual(alpineVuls[0]!.cve_list, [{ cve_id: 'CVE-2024-1001', cvss: 9.8 }]);
    assert.deepEqual(alpineVuls[0]!.app_list.map((a) => [a.app_name, a.app_version, a.upgrade_version, a.ecosystem, a.app_path]),
      [['libcrypto3', '3.1.2-r0', '3.1.4-r1', 'Alpine:v3.19', 'lib/apk/db/installed']]);
    const debianVuls = await hostVuls('debian', 'linux_vul');
    assert.deepEqual(idsOf(debianVuls), ['GP-DEBIAN-1'], 'matched by source name and version, not by the binary name libssl3');
    assert.deepEqual(debianVuls[0]!.app_list.map((a) => [a.app_name, a.app_version, a.upgrade_version, a.ecosystem, a.app_path]),
      [['libssl3', '3.0.11-1~deb12u1', '3.0.13-1~deb12u1', 'Debian:12', 'var/lib/dpkg/status']]);
    assert.deepEqual(idsOf(await hostVuls('alpine', 'app_vul')), []);
    assert.deepEqual(idsOf(await hostVuls('apps', 'linux_vul')), []);
    const appVuls = await hostVuls('apps', 'app_vul');
    assert.deepEqual(idsOf(appVuls), ['GP-NPM-1', 'GP-PYSEC-1']);
    const appOf = (vulId: string) => appVuls.find((v) => v.vul_id === vulId)!.app_list.map((a) => [a.app_name, a.app_version, a.ecosystem, a.app_path]);
    assert.deepEqual(appOf('GP-PYSEC-1'), [['requests', '2.19.0', 'PyPI', PYPI_METADATA]]);
    assert.deepEqual(appOf('GP-NPM-1'), [['lodash', '4.17.20', 'npm', NPM_LOCK]]);
    assert.deepEqual(idsOf(await hostVuls('doomed', 'linux_vul')), []);

    // ListVulnerabilities / ListVulHosts: project-wide views of the same findings.
    const vuls = (await call<Page<Vul>>('GET', '/v5/{project_id}/vulnerability/vulnerabilities', { limit: 200 })).data_list;
    assert.deepEqual(idsOf(vuls), ['GP-ALPINE-1', 'GP-DEBIAN-1', 'GP-NPM-1', 'GP-PYSEC-1']);
    const debianVul = vuls.find((v) => v.vul_id === 'GP-DEBIAN-1')!;
    assert.deepEqual([debianVul.host_num, debianVul.host_id_list, debianVul.type], [1, [hostIds.get('debian')], 'linux_vul']);
    assert.deepEqual(debianVul.cve_list, [{ cve_id: 'CVE-2024-2001', cvss: 9.8 }]);
    const vulHosts = (await call<Page<VulHost>>('GET', '/v5/{project_id}/vulnerability/hosts', { vul_id: 'GP-PYSEC-1', type: 'app_vul', limit: 10 })).data_list;
    assert.deepEqual(vulHosts.map((h) => [h.host_id, h.host_name, h.app_path, h.status]), [[hostIds.get('apps'), 'apps', PYPI_METADATA, 'vul_status_unfix']]);
  });

  it('a new import re-matches stored inventories without a rescan: a new advisory appears, a withdrawn one disappears', { timeout: 60_000 }, async () => {
    const before = (await listTasks()).total_num;
    const imported = await vulndbImport(writeOsvDir(path.join(work, 'osv-2'), SECOND_IMPORT));
    assert.notEqual(imported.rematch_task_id, null);
    const ids = await waitFor('the re-match to change the findings', async () => {
      const found = idsOf(await hostVuls('apps', 'app_vul'));
      return found.join() === 'GP-PYSEC-1,GP-PYSEC-2' ? found : undefined;
    }, 30_000);
    assert.deepEqual(ids, ['GP-PYSEC-1', 'GP-PYSEC-2']);
    assert.deepEqual(idsOf(await hostVuls('debian', 'linux_vul')), ['GP-DEBIAN-1'], 'other hosts are untouched');
    const vuls = (await call<Page<Vul>>('GET', '/v5/{project_id}/vulnerability/vulnerabilities', { limit: 200 })).data_list;
    assert.deepEqual(idsOf(vuls), ['GP-ALPINE-1', 'GP-DEBIAN-1', 'GP-PYSEC-1', 'GP-PYSEC-2']);
    const withdrawnHosts = await call<Page<VulHost>>('GET', '/v5/{project_id}/vulnerability/hosts', { vul_id: 'GP-NPM-1', type: 'app_vul', limit: 10 });
    assert.equal(withdrawnHosts.total_num, 0);
    assert.equal((await listTasks()).total_num, before, 'no scan task was created');
  });

  it('verify rescans the host on its live agent; ignore lists the vulnerability as handled', { timeout: 60_000 }, async () => {
    const before = new Set((await listTasks()).data_list.map((t) => t.id));
    await call('PUT', '/v5/{project_id}/vulnerability/status', {}, { operate_type: 'verify', data_list: [{ vul_id: 'GP-ALPINE-1', host_id_list: [hostIds.get('alpine')] }] });
    const fresh = (await listTasks()).data_list.filter((t) => !before.has(t.id));
    assert.equal(fresh.length, 1);
    const done = await finished(fresh[0]!.id);
    assert.deepEqual([done.scan_type, done.success_host_num, done.failed_host_num], ['manual', 1, 0]);
    assert.deepEqual([...(await taskHosts(done.id)).values()].map((h) => [h.host_name, h.scan_status]), [['alpine', 'success']]);
    const still = await hostVuls('alpine', 'linux_vul');
    assert.deepEqual(still.map((v) => [v.vul_id, v.status]), [['GP-ALPINE-1', 'vul_status_unfix']], 'still vulnerable after the verify scan');

    await call('PUT', '/v5/{project_id}/vulnerability/status', {}, { operate_type: 'ignore', data_list: [{ vul_id: 'GP-DEBIAN-1', host_id_list: [hostIds.get('debian')] }] });
    const handled = (await call<Page<Vul>>('GET', '/v5/{project_id}/vulnerability/vulnerabilities', { handle_status: 'handled', limit: 200 })).data_list;
    assert.deepEqual(idsOf(handled), ['GP-DEBIAN-1']);
    const unhandled = (await call<Page<Vul>>('GET', '/v5/{project_id}/vulnerability/vulnerabilities', { limit: 200 })).data_list;
    assert.ok(!idsOf(unhandled).includes('GP-DEBIAN-1'));
    const ignored = (await call<Page<HostVul>>('GET', `/v5/{project_id}/vulnerability/host/${hostIds.get('debian')}`, { type: 'linux_vul', handle_status: 'handled', limit: 200 })).data_list;
    assert.deepEqual(ignored.map((v) => [v.vul_id, v.status]), [['GP-DEBIAN-1', 'vul_status_ignored']]);
  });

  it('RecreateVulScanTask rescans the failed hosts of the first task in the same task: the killed agent now fails as offline', { timeout: 60_000 }, async () => {
    await waitFor('the killed agent to count as offline', async () => {
      const hosts = await call<Page<{ host_name: string; agent_status: string }>>('GET', '/v5/{project_id}/host-management/hosts', { limit: 200 });
      return hosts.data_list.find((h) => h.host_name === 'doomed')?.agent_status === 'offline' ? true : undefined;
    }, 30_000);
    const before = (await listTasks()).total_num;
    await call('PUT', `/v5/{project_id}/vulnerability/scan/task/${firstTask}/rescan`, {}, { range_type: 'all_failed_host' });
    const done = await finished(firstTask);
    assert.deepEqual([done.success_host_num, done.failed_host_num], [3, 2]);
    const doomed = (await taskHosts(firstTask)).get('doomed')!;
    assert.equal(doomed.scan_status, 'failed');
    assert.match(doomed.failed_reasons.find((r) => r.vul_type === 'linux_vul')?.failed_reason ?? '', /offline/, JSON.stringify(doomed));
    assert.equal((await listTasks()).total_num, before, 'the same task, no new one');

    // A new task for the agent already offline is accepted and its host fails with the reason.
    const offlineTask = await call<{ task_id: string }>('POST', '/v5/{project_id}/vulnerability/scan-task', {},
      { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: [doomed.agent_id] });
    const offlineDone = await finished(offlineTask.task_id);
    assert.deepEqual([offlineDone.success_host_num, offlineDone.failed_host_num], [0, 1]);
    assert.match((await taskHosts(offlineTask.task_id)).get('doomed')!.failed_reasons[0]?.failed_reason ?? '', /offline/);

    // The same agent back (same state directory): a rescan of that host succeeds on its big root.
    await restartDoomed();
    await waitFor('the restarted agent to be online', async () => {
      const hosts = await call<Page<{ host_name: string; agent_status: string }>>('GET', '/v5/{project_id}/host-management/hosts', { limit: 200 });
      return hosts.data_list.find((h) => h.host_name === 'doomed')?.agent_status === 'online' ? true : undefined;
    }, 30_000);
    await call('PUT', `/v5/{project_id}/vulnerability/scan/task/${firstTask}/rescan`, {}, { range_type: 'specific_host', host_ids: [hostIds.get('doomed')] });
    const again = await finished(firstTask);
    assert.deepEqual([again.success_host_num, again.failed_host_num], [4, 1], JSON.stringify((await taskHosts(firstTask)).get('doomed')));
    assert.deepEqual(idsOf(await hostVuls('doomed', 'linux_vul')), ['GP-ALPINE-1']);
  });

  it('an agent stopped (SIGTERM) mid-scan: its host ends failed with a reason, the task finished', { timeout: 60_000 }, async () => {
    const polite = await startBigAgent('polite');
    await waitFor('the new agent to advertise vulnerability scanning', async () => {
      const row = await store!.db.selectFrom('agents').select(['capabilities']).where('id', '=', polite.agentId).executeTakeFirst();
      return row?.capabilities.includes('vul-inventory') ? true : undefined;
    }, 30_000);
    const stopped = new Promise<void>((resolve) => {
      const watcher = fs.watch(polite.tmp, (_event, file) => {
        if (!String(file).startsWith('gp-job-')) return;
        process.kill(polite.proc.child.pid!, 'SIGTERM');
        watcher.close();
        resolve();
      });
    });
    const created = await call<{ task_id: string }>('POST', '/v5/{project_id}/vulnerability/scan-task', {},
      { manual_scan_type: ['linux_vul', 'app_vul'], range_type: 'specific_host', agent_id_list: [polite.agentId] });
    await stopped;
    const done = await finished(created.task_id);
    const host = (await taskHosts(created.task_id)).get('polite')!;
    assert.deepEqual([done.success_host_num, done.failed_host_num, host.scan_status], [0, 1, 'failed'], JSON.stringify(host));
    assert.deepEqual(host.failed_reasons.map((r) => [r.vul_type, r.failed_reason]),
      [['linux_vul', 'the agent shut down during the inventory'], ['app_vul', 'the agent shut down during the inventory']]);
  });

  it('guardpost vul scan --wait and guardpost vul list --json against the live setup', { timeout: 90_000 }, async () => {
    const scan = await runCli(['vul', 'scan', '--hosts', 'alpine,debian,apps', '--wait', '--json'], apiEnv);
    assert.equal(scan.code, 0, scan.stderr);
    const out = JSON.parse(scan.stdout) as { task: { status: string }; hosts: Array<{ host_name: string; scan_status: string }> };
    assert.equal(out.task.status, 'finished');
    assert.deepEqual(out.hosts.map((h) => [h.host_name, h.scan_status]).sort(), [['alpine', 'success'], ['apps', 'success'], ['debian', 'success']]);
    const list = await runCli(['vul', 'list', '--json'], apiEnv);
    assert.equal(list.code, 0, list.stderr);
    const handled = (await call<Page<Vul>>('GET', '/v5/{project_id}/vulnerability/vulnerabilities', { handle_status: 'handled', limit: 200 })).data_list;
    assert.deepEqual(idsOf(handled), ['GP-DEBIAN-1'], 'the ignored mark survives a rescan');
    const one = await runCli(['vul', 'list', '--host', 'apps', '--json'], apiEnv);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual([...new Set((JSON.parse(one.stdout) as Array<{ vul_id: string }>).map((r) => r.vul_id))].sort(), ['GP-PYSEC-1', 'GP-PYSEC-2']);
    const rows = JSON.parse(list.stdout) as Array<{ vul_id: string; package: string; version: string; ecosystem: string; hosts: Array<{ host_name: string }> }>;
    assert.deepEqual([...new Set(rows.map((r) => r.vul_id))].sort(), ['GP-ALPINE-1', 'GP-DEBIAN-1', 'GP-PYSEC-1', 'GP-PYSEC-2']);
    const pysec = rows.find((r) => r.vul_id === 'GP-PYSEC-2')!;
    assert.deepEqual([pysec.package, pysec.version, pysec.ecosystem, pysec.hosts.map((h) => h.host_name)], ['requests', '2.19.0', 'PyPI', ['apps']]);
  });

  it('bad input end to end is a 400 HSS.* and creates nothing', { timeout: 30_000 }, async () => {
    const before = (await listTasks()).total_num;
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['unknown manual_scan_type', () => call('POST', '/v5/{project_id}/vulnerability/scan-task', {}, { manual_scan_type: ['mac_vul'], range_type: 'all_host' })],
      ['limit=201', () => listTasks({ limit: 201 })],
      ['unknown task id', () => call('GET', '/v5/{project_id}/vulnerability/scan-task/00000000-0000-4000-8000-000000000000/hosts', { limit: 10 })],
      ['specific_host without agent_id_list', () => call('POST', '/v5/{project_id}/vulnerability/scan-task', {}, { manual_scan_type: ['linux_vul'], range_type: 'specific_host' })],
      ['non-numeric min_start_time', () => listTasks({ min_start_time: 'yesterday' })],
      ['201 agents', () => call('POST', '/v5/{project_id}/vulnerability/scan-task', {}, {
        manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: Array.from({ length: 201 }, (_, i) => `agent-${i}`),
      })],
      ['unknown agent id', () => call('POST', '/v5/{project_id}/vulnerability/scan-task', {}, { manual_scan_type: ['linux_vul'], range_type: 'specific_host', agent_id_list: ['no-such-agent'] })],
    ];
    for (const [label, send] of cases) {
      const error = await sdkError(send());
      assert.equal(error.httpStatusCode, 400, `${label}: ${JSON.stringify(error)}`);
      assert.match(String(error.errorCode), /^HSS\./, label);
      assert.ok(String(error.errorMsg).length > 0, label);
    }
    assert.equal((await listTasks()).total_num, before);

    // A hostile advisory zip (path traversal) through the real CLI beside the live server: refused, nothing stored.
    const stats = async () => JSON.parse((await runCli(['vulndb', 'stats', '--json'], serverEnv)).stdout) as { ecosystems: unknown[] };
    const statsBefore = await stats();
    const zip = path.join(work, 'traversal.zip');
    fs.writeFileSync(zip, rawZip([
      storedEntry('good.json', JSON.stringify(osv('GP-TRAV-1', 'CVE-2024-9001', 'PyPI', 'requests', '9.9'))),
      storedEntry('../../etc/evil.json', JSON.stringify(osv('GP-TRAV-2', 'CVE-2024-9002', 'PyPI', 'requests', '9.9'))),
    ]));
    const refused = await runCli(['vulndb', 'import', zip], serverEnv);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /path traversal/);
    assert.deepEqual((await stats()).ecosystems, statsBefore.ecosystems);
    assert.deepEqual(idsOf(await hostVuls('apps', 'app_vul')), ['GP-PYSEC-1', 'GP-PYSEC-2']);
  });
});
