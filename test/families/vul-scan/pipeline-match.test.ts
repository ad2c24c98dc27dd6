import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { LEASE_EXPIRED_REASON } from '../../../src/core/jobs.js';
import { REMATCH_TASK_KIND, VUL_SCAN_FAMILY } from '../../../src/families/vul-scan/domain.js';
import { advanceScans } from '../../../src/families/vul-scan/scan-progress.js';
import type { ScanDetail } from '../../../src/families/vul-scan/scan-store.js';
import type { VulScanTables } from '../../../src/families/vul-scan/tables.js';
import { TaskStore } from '../../../src/store/task-store.js';
import { tempDir } from '../../helpers/db.js';
import { openFixture, type StoreFixture } from '../../store/fixture.js';
import {
  advisory, alpineRoot, appOnlyRoot, debianRoot, drainServerJobs, enrollAgents, FIXTURE_ADVISORIES, pipelineFixture, runInventoryJob,
  serverWorker, type PipelineFixture,
} from './pipeline-helpers.js';

let fx: StoreFixture;
let pf: PipelineFixture;
const roots: string[] = [];
const root = (make: (dir: string) => string) => { const dir = make(tempDir('gp-vul-root-')); roots.push(dir); return dir; };

before(async () => {
  fx = await openFixture();
  pf = pipelineFixture(fx);
  await pf.services.advisories.put(FIXTURE_ADVISORIES, 'fixture-import');
});
after(async () => {
  await fx.close();
  for (const dir of [...roots, pf.blobDir]) fs.rmSync(dir, { recursive: true, force: true });
});

async function newScan(names: string[], vulTypes: Array<'linux_vul' | 'app_vul' | 'windows_vul'> = ['linux_vul', 'app_vul']) {
  const projectId = await fx.newProject();
  const agents = await enrollAgents(fx, projectId, names);
  const task = await pf.services.scans.createScan({
    projectId, enterpriseProjectId: '0', scanType: 'manual', vulTypes, createdBy: 'tester',
    targets: agents.map((agent) => ({ agent, unavailable: null })),
  });
  const jobs = await fx.tasks.jobsOfTask(task.id);
  const jobOf = (agentIndex: number) => jobs.find((j) => j.agent_id === agents[agentIndex]!.id)!;
  return { projectId, agents, task, jobOf };
}

const findingRows = async (projectId: string, hostId: string) =>
  (await pf.services.findings.ofHost(projectId, hostId)).map((f) => [f.vul_id, f.type, f.app_name, f.app_version, f.ecosystem, f.fixed_version]);

describe('scan pipeline: inventory job → match job → findings', () => {
  it('matches every host exactly, lists unsupported types and explains an OS-less root', async () => {
    const scan = await newScan(['alpine', 'debian', 'apps'], ['linux_vul', 'app_vul', 'windows_vul']);
    assert.equal((await runInventoryJob(fx, pf, scan.jobOf(0), root(alpineRoot))).outcome, 'succeeded');
    assert.equal((await runInventoryJob(fx, pf, scan.jobOf(1), root(debianRoot))).outcome, 'succeeded');
    assert.equal((await runInventoryJob(fx, pf, scan.jobOf(2), root(appOnlyRoot))).outcome, 'succeeded');
    assert.equal(await advanceScans(pf.services), 3, 'one match job per host');
    assert.equal(await advanceScans(pf.services), 0, 'and not a second one');
    const jobs = await drainServerJobs(serverWorker(fx.tasks, pf.services), fx.tasks, scan.task.id);
    assert.deepEqual(jobs.map((j) => [j.kind, j.state]), [['vul-match', 'succeeded'], ['vul-match', 'succeeded'], ['vul-match', 'succeeded']]);

    const [alpine, debian, apps] = scan.agents.map((a) => a.host_id) as [string, string, string];
    assert.deepEqual(await findingRows(scan.projectId, alpine), [
      ['ALPINE-1', 'linux_vul', 'libcrypto3', '3.1.2-r0', 'Alpine:v3.19', '3.1.4-r1'],
      ['PYSEC-1', 'app_vul', 'requests', '2.19.0', 'PyPI', '2.20.0'],
      ['PYSEC-3', 'app_vul', 'Jinja2', '3.1.4', 'PyPI', '3.1.5'],
    ]);
    assert.deepEqual(await findingRows(scan.projectId, debian), [
      ['DEBIAN-1', 'linux_vul', 'libssl3', '3.0.11-1~deb12u1', 'Debian:12', '3.0.11-1'],
      ['DEBIAN-2', 'linux_vul', 'libssl3', '3.0.11-1~deb12u1', 'Debian:12', '3.0.13-1~deb12u1'],
      ['DEBIAN-4', 'linux_vul', 'bash', '5.2.15-2+b2', 'Debian:12', '5.2.15-2+b1'],
    ]);
    assert.deepEqual(await findingRows(scan.projectId, apps), [['PYSEC-1', 'app_vul', 'requests', '2.19.0', 'PyPI', '2.20.0']]);
    const withPath = (await pf.services.findings.ofHost(scan.projectId, alpine)).find((f) => f.vul_id === 'PYSEC-1');
    assert.equal(withPath?.app_path, 'opt/app/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA');
    assert.equal(withPath?.severity_level, 'Critical');
    assert.equal(withPath?.cvss, 9.8);

    const hosts = new Map((await pf.services.scans.hostsOfTask(scan.task.id)).map((h) => [h.host_id, h]));
    for (const host of hosts.values()) {
      assert.equal(host.scan_status, 'success');
      assert.deepEqual(JSON.parse(host.failed_reasons).map((r: { vul_type: string }) => r.vul_type), ['windows_vul']);
    }
    const details = (hostId: string) => JSON.parse(hosts.get(hostId)!.details) as ScanDetail[];
    const alpineDetails = details(alpine);
    assert.deepEqual(alpineDetails.map((d) => [d.vul_type, d.status]), [['linux_vul', 'success'], ['app_vul', 'success'], ['windows_vul', 'failed']]);
    assert.deepEqual(alpineDetails[0]!.scan_vul_list.map((v) => [v.vul_id, v.vul_name]), [['ALPINE-1', 'openssl problem ALPINE-1']]);
    assert.deepEqual(alpineDetails[1]!.scan_vul_list.map((v) => v.vul_id), ['PYSEC-1', 'PYSEC-3']);
    const appsLinux = details(apps)[0]!;
    assert.equal(appsLinux.status, 'success');
    assert.match(appsLinux.failed_reason, /no recognisable OS/);
    assert.deepEqual(appsLinux.scan_vul_list, []);

    const row = await fx.store.db.withTables<VulScanTables>().selectFrom('vul_scan_tasks').selectAll().where('task_id', '=', scan.task.id).executeTakeFirstOrThrow();
    assert.notEqual(row.end_time, null, 'the task finished with its last host');
    const ecosystems = await fx.store.db.withTables<VulScanTables>().selectFrom('vul_inventory_ecosystems').select(['host_id', 'ecosystem'])
      .where('host_id', 'in', [alpine, debian, apps]).orderBy('ecosystem').execute();
    assert.deepEqual(ecosystems.filter((e) => e.host_id === alpine).map((e) => e.ecosystem), ['Alpine', 'PyPI']);
    assert.deepEqual(ecosystems.filter((e) => e.host_id === debian).map((e) => e.ecosystem), ['Debian']);
    assert.deepEqual(ecosystems.filter((e) => e.host_id === apps).map((e) => e.ecosystem), ['PyPI']);
  });

  it('fails the host with a clear reason when the uploaded inventory is not one', async () => {
    const scan = await newScan(['liar']);
    const job = scan.jobOf(0);
    const owner = job.agent_id!;
    await fx.tasks.claimForAgent(job.id, owner, 60_000);
    await pf.artifacts.put({ projectId: scan.projectId, taskId: scan.task.id, jobId: job.id }, 'inventory.json.gz', 'application/gzip',
      Readable.from([Buffer.from('not gzip at all')]));
    await fx.tasks.finish(job.id, owner, 'succeeded', undefined, null);
    await advanceScans(pf.services);
    const [match] = await drainServerJobs(serverWorker(fx.tasks, pf.services), fx.tasks, scan.task.id);
    assert.equal(match?.state, 'failed');
    await advanceScans(pf.services);
    const [host] = await pf.services.scans.hostsOfTask(scan.task.id);
    assert.equal(host?.scan_status, 'failed');
    assert.match(host?.failed_reasons ?? '', /inventory was not usable: inventory is not readable gzip/);
    assert.deepEqual(await findingRows(scan.projectId, scan.agents[0]!.host_id), []);
  });
});

describe('scan progress: no host is left scanning', () => {
  it('a failed inventory job fails its host with the job\'s reason', async () => {
    const scan = await newScan(['broken'], ['linux_vul', 'windows_vul']);
    const job = scan.jobOf(0);
    await fx.tasks.claimForAgent(job.id, job.agent_id!, 60_000);
    await fx.tasks.finish(job.id, job.agent_id!, 'failed', undefined, 'the inventory of / failed: EACCES');
    assert.equal(await advanceScans(pf.services), 1);
    const [host] = await pf.services.scans.hostsOfTask(scan.task.id);
    assert.equal(host?.scan_status, 'failed');
    assert.deepEqual(JSON.parse(host!.failed_reasons), [
      { vul_type: 'windows_vul', failed_reason: 'Guardpost does not scan Windows hosts for vulnerabilities (windows_vul is not supported)' },
      { vul_type: 'linux_vul', failed_reason: 'the inventory of / failed: EACCES' },
    ]);
  });

  it('an agent lost mid-scan (lease expired) fails its host with the lease reason', async () => {
    const scan = await newScan(['vanished']);
    const job = scan.jobOf(0);
    const now = Date.now();
    await fx.tasks.claimForAgent(job.id, job.agent_id!, 1000, now);
    assert.equal(await advanceScans(pf.services, now), 0, 'still running: nothing to do');
    assert.equal(await fx.tasks.reapExpiredLeases(now + 2000), 1);
    await advanceScans(pf.services, now + 2000);
    const [host] = await pf.services.scans.hostsOfTask(scan.task.id);
    assert.equal(host?.scan_status, 'failed');
    assert.equal(JSON.parse(host!.failed_reasons)[0].failed_reason, LEASE_EXPIRED_REASON);
  });

  it('a job still queued for an agent that went offline fails, and so does its host', async () => {
    const scan = await newScan(['sleeper']);
    const offlineMs = pf.services.core.config.agentOfflineSeconds * 1000;
    assert.equal(await advanceScans(pf.services, Date.now() + 1000), 0, 'online agent: it may still claim it');
    assert.equal(await advanceScans(pf.services, Date.now() + offlineMs + 5000), 1);
    const [host] = await pf.services.scans.hostsOfTask(scan.task.id);
    assert.equal(host?.scan_status, 'failed');
    assert.match(host!.failed_reasons, /went offline before it started the scan/);
    const [job] = await fx.tasks.jobsOfTask(scan.task.id);
    assert.equal(job?.state, 'failed', 'the agent will not run it when it comes back');
  });

  it('two replicas advancing at once add exactly one match job per host', async () => {
    const scan = await newScan(['twice']);
    await runInventoryJob(fx, pf, scan.jobOf(0), root(alpineRoot));
    // A second pool on PostgreSQL; SQLite serves one process through one connection (a second one in the same
    // process would block the event loop on its lock), so there the two "replicas" interleave on it.
    const replica = fx.store.dialect === 'postgres' ? fx.openReplica() : fx.store;
    const other = pipelineFixture(fx, replica, new TaskStore(replica.db, replica.dialect), pf.blobDir);
    for (let round = 0; round < 5; round++) await Promise.all([advanceScans(pf.services), advanceScans(other.services)]);
    const matches = (await fx.tasks.jobsOfTask(scan.task.id)).filter((j) => j.kind === 'vul-match');
    assert.equal(matches.length, 1);
    const [host] = await pf.services.scans.hostsOfTask(scan.task.id);
    assert.equal(host?.match_job_id, matches[0]!.id);
  });
});

describe('re-match after an import', () => {
  it('a new advisory appears, a withdrawn and a replaced one disappear without a rescan', async () => {
    const scan = await newScan(['stored']);
    await runInventoryJob(fx, pf, scan.jobOf(0), root(alpineRoot));
    await advanceScans(pf.services);
    const worker = serverWorker(fx.tasks, pf.services);
    await drainServerJobs(worker, fx.tasks, scan.task.id);
    const hostId = scan.agents[0]!.host_id;
    const before = new Map((await pf.services.findings.ofHost(scan.projectId, hostId)).map((f) => [f.vul_id, f.first_scan_time]));
    assert.deepEqual([...before.keys()], ['ALPINE-1', 'PYSEC-1', 'PYSEC-3']);

    const importId = 'import-rematch-1';
    const put = await pf.services.advisories.put([
      advisory('PYSEC-4', 'PyPI', 'requests', '2.19.1'),
      { ...advisory('PYSEC-1', 'PyPI', 'requests', '2.20.0'), modified: '2024-06-01T00:00:00Z', withdrawn: '2024-06-01T00:00:00Z' },
      // Replaced: now fixed in the installed version (the cached, already prepared copy must not be used).
      { ...advisory('PYSEC-3', 'PyPI', 'jinja2', '3.1.4'), modified: '2024-06-01T00:00:00Z' },
    ], importId);
    assert.deepEqual([...put.changedEcosystems], ['PyPI']);
    const db = fx.store.db.withTables<VulScanTables>();
    await db.insertInto('vul_imports').values({
      id: importId, started_at: Date.now(), finished_at: Date.now(), sources: '[]', summary: null,
      changed_ecosystems: JSON.stringify([...put.changedEcosystems]), rematch_task_id: null,
    }).execute();
    const { task } = await fx.tasks.createTask({
      projectId: scan.projectId, enterpriseProjectId: '0', family: VUL_SCAN_FAMILY, kind: REMATCH_TASK_KIND, name: 're-match', params: {},
      createdBy: 'import', jobs: [{ agentId: null, kind: 'vul-rematch', payload: { import_id: importId } }],
    });
    const [job] = await drainServerJobs(worker, fx.tasks, task.id);
    assert.equal(job?.state, 'succeeded', job?.failure_reason ?? '');
    assert.equal(JSON.parse(job!.result!).failed_hosts, 0);
    const afterRows = await pf.services.findings.ofHost(scan.projectId, hostId);
    assert.deepEqual(afterRows.map((f) => f.vul_id), ['ALPINE-1', 'PYSEC-4']);
    assert.equal(afterRows.find((f) => f.vul_id === 'ALPINE-1')?.first_scan_time, before.get('ALPINE-1'), 'first seen is kept');
    assert.equal(afterRows.find((f) => f.vul_id === 'PYSEC-4')?.fixed_version, '2.19.1');
    const inventory = await pf.services.inventories.load({ blob_key: `vul-scan/inventories/${scan.projectId}/${hostId}.json.gz` });
    assert.equal(inventory?.packages.length, 4, 'the stored inventory is what was matched');
  });
});


describe('findings replacement by difference', () => {
  it('keeps unchanged rows (id and first seen), replaces changed ones, removes gone ones, touches no other host', async () => {
    const projectId = await fx.newProject();
    const base = { type: 'app_vul', app_name: 'requests', app_version: '1.0', ecosystem: 'PyPI', app_path: 'x/METADATA', fixed_version: '2.0', severity_level: 'High', cvss: 7.5 };
    await pf.services.findings.replaceHostFindings(projectId, 'host-a', [{ ...base, vul_id: 'A' }, { ...base, vul_id: 'B' }, { ...base, vul_id: 'C' }], 1000);
    await pf.services.findings.replaceHostFindings(projectId, 'host-b', [{ ...base, vul_id: 'A' }], 1000);
    const first = new Map((await pf.services.findings.ofHost(projectId, 'host-a')).map((f) => [f.vul_id, f]));
    await pf.services.findings.replaceHostFindings(projectId, 'host-a', [{ ...base, vul_id: 'A' }, { ...base, vul_id: 'B', fixed_version: '2.1' }, { ...base, vul_id: 'D' }], 2000);
    const rows = await pf.services.findings.ofHost(projectId, 'host-a');
    assert.deepEqual(rows.map((f) => [f.vul_id, f.fixed_version, f.first_scan_time, f.scan_time]), [['A', '2.0', 1000, 2000], ['B', '2.1', 1000, 2000], ['D', '2.0', 2000, 2000]]);
    assert.equal(rows[0]!.id, first.get('A')!.id, 'an unchanged finding keeps its row');
    assert.notEqual(rows[1]!.id, first.get('B')!.id);
    assert.deepEqual((await pf.services.findings.ofHost(projectId, 'host-b')).map((f) => [f.vul_id, f.scan_time]), [['A', 1000]]);
  });
});
