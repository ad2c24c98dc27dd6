import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LEASE_EXPIRED_REASON } from '../../src/core/jobs.js';
import { AdvisoryStore } from '../../src/families/vul-scan/advisory-store.js';
import { REMATCH_TASK_KIND, VUL_SCAN_FAMILY } from '../../src/families/vul-scan/domain.js';
import { FindingsStore } from '../../src/families/vul-scan/findings-store.js';
import { ScanStore } from '../../src/families/vul-scan/scan-store.js';
import type { VulScanHost, VulScanTables } from '../../src/families/vul-scan/tables.js';
import { scanTargets } from '../../src/families/vul-scan/targets.js';
import { jobKinds } from '../../src/families/server.js';
import { openStore, type Store } from '../../src/store/database.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { TaskStore } from '../../src/store/task-store.js';
import { freshDatabase, tempDir, type FreshDatabase } from '../helpers/db.js';
import { freePort, readCredentials, spawnGuardpost, type GuardpostProcess } from '../helpers/server.js';
import { put } from '../engines/inventory/inventory-helpers.js';
import { advisory, alpineRoot, debianRoot, FIXTURE_ADVISORIES } from '../families/vul-scan/pipeline-helpers.js';
import { waitFor } from '../helpers/wait.js';

/**
 * `guardpost start` plus extra `guardpost agent --host-root` processes on generated roots: a scan created on the
 * server's database goes scanning → success with the exact findings on the live hosts; an agent killed (SIGKILL)
 * right after it claimed its job leaves its host failed with the lease reason, one killed before claiming fails
 * as offline; an import's re-match job, run by the server, changes the findings without a rescan.
 */

const LEASE_SECONDS = 5;
const OFFLINE_SECONDS = 6;


describe('vulnerability scans with real agent processes', () => {
  let db: FreshDatabase;
  let work = '';
  let server: GuardpostProcess | undefined;
  let store: Store | undefined;
  const procs: GuardpostProcess[] = [];

  before(async () => {
    db = await freshDatabase();
    work = tempDir('gp-vul-e2e-');
    const port = await freePort();
    server = await spawnGuardpost(['start'], {
      env: {
        GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: `127.0.0.1:${port}`, GUARDPOST_CAPTURE_INTERFACES: 'lo',
        GUARDPOST_JOB_LEASE_SECONDS: String(LEASE_SECONDS), GUARDPOST_AGENT_OFFLINE_SECONDS: String(OFFLINE_SECONDS),
        GUARDPOST_HOST_ROOT: path.join(work, 'local-root'),
        ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}),
      },
      endpoint: `http://127.0.0.1:${port}`,
      ready: async () => fs.existsSync(path.join(db.dir, 'credentials.json')) && (await fetch(`http://127.0.0.1:${port}/openapi.json`)).status === 200,
    });
    store = openStore({ databaseUrl: db.databaseUrl, sqlitePath: db.sqlitePath });
  });

  after(async () => {
    for (const proc of procs) await proc.stop(5000);
    await server?.stop(10_000);
    await store?.close();
    await db.drop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('scans live hosts, fails killed and vanished ones with a reason, and re-matches after an import', { timeout: 180_000 }, async () => {
    const s = store!;
    const tasks = new TaskStore(s.db, s.dialect, jobKinds);
    const agents = new AgentStore(s.db, tasks);
    const scans = new ScanStore(s.db, tasks);
    const findings = new FindingsStore(s.db);
    const advisories = new AdvisoryStore(s.db);
    await advisories.put(FIXTURE_ADVISORIES, 'e2e-fixtures');
    const { project_id: projectId } = readCredentials(db.dir);
    const { token } = await agents.createEnrollmentToken({ projectId });

    const root = (name: string, make: (dir: string) => string) => make(fs.mkdirSync(path.join(work, name), { recursive: true }) ?? path.join(work, name));
    const bigRoot = root('big', alpineRoot);
    for (let d = 0; d < 200; d++) for (let f = 0; f < 250; f++) put(bigRoot, `usr/share/filler/d${d}/f${f}`, '');
    const startAgent = async (name: string, hostRoot: string) => {
      const stateDir = path.join(work, `state-${name}`);
      const tmp = fs.mkdirSync(path.join(work, `tmp-${name}`), { recursive: true }) ?? path.join(work, `tmp-${name}`);
      const proc = await spawnGuardpost(['agent', '--server', server!.endpoint, '--enroll-token', token, '--state-dir', stateDir,
        '--name', name, '--host-root', hostRoot], { env: { TMPDIR: tmp }, ready: () => fs.existsSync(path.join(stateDir, 'agent.json')) });
      procs.push(proc);
      return { proc, tmp, agentId: (JSON.parse(fs.readFileSync(path.join(stateDir, 'agent.json'), 'utf8')) as { agent_id: string }).agent_id };
    };
    const alpine = await startAgent('alpine', root('alpine', alpineRoot));
    const debian = await startAgent('debian', root('debian', debianRoot));
    const doomed = await startAgent('doomed', bigRoot);
    const gone = await startAgent('gone', root('gone', alpineRoot));
    const ids = [alpine.agentId, debian.agentId, doomed.agentId, gone.agentId];

    // Every agent advertises the inventory kind with its host root.
    const rows = await waitFor('the agents to advertise vulnerability scanning', async () => {
      const found = await s.db.selectFrom('agents').selectAll().where('id', 'in', ids).execute();
      return found.length === 4 && found.every((a) => a.capabilities.includes('vul-inventory')) ? found : undefined;
    }, 30_000);
    assert.match(rows.find((a) => a.id === doomed.agentId)!.capabilities, new RegExp(`"host_root":"${bigRoot}"`));

    // "gone" dies before it can claim anything; "doomed" dies the moment it starts its job (its job dir appears).
    process.kill(gone.proc.child.pid!, 'SIGKILL');
    const claimed = new Promise<void>((resolve) => {
      const watcher = fs.watch(doomed.tmp, (_event, file) => {
        if (!String(file).startsWith('gp-job-')) return;
        process.kill(doomed.proc.child.pid!, 'SIGKILL');
        watcher.close();
        resolve();
      });
    });
    const fresh = await s.db.selectFrom('agents').selectAll().where('id', 'in', ids).execute();
    const task = await scans.createScan({
      projectId, enterpriseProjectId: '0', scanType: 'manual', vulTypes: ['linux_vul', 'app_vul'], createdBy: 'e2e',
      targets: scanTargets(fresh, OFFLINE_SECONDS * 1000),
    });
    await claimed;

    const hostOf = (agentId: string) => rows.find((a) => a.id === agentId)!.host_id;
    const settled = await waitFor('every host to leave scanning', async () => {
      const hosts = await scans.hostsOfTask(task.id);
      return hosts.every((h) => h.scan_status !== 'scanning') ? new Map(hosts.map((h) => [h.agent_id, h])) : undefined;
    }, 60_000);
    const reasons = (h: VulScanHost | undefined) => (JSON.parse(h!.failed_reasons) as Array<{ failed_reason: string }>).map((r) => r.failed_reason);
    assert.equal(settled.get(alpine.agentId)?.scan_status, 'success', settled.get(alpine.agentId)?.failed_reasons);
    assert.equal(settled.get(debian.agentId)?.scan_status, 'success');
    assert.equal(settled.get(doomed.agentId)?.scan_status, 'failed');
    assert.deepEqual(reasons(settled.get(doomed.agentId)), [LEASE_EXPIRED_REASON, LEASE_EXPIRED_REASON]);
    assert.equal(settled.get(gone.agentId)?.scan_status, 'failed');
    for (const reason of reasons(settled.get(gone.agentId))) assert.match(reason, /offline/);
    const ids2 = async (agentId: string) => (await findings.ofHost(projectId, hostOf(agentId))).map((f) => f.vul_id);
    assert.deepEqual(await ids2(alpine.agentId), ['ALPINE-1', 'PYSEC-1', 'PYSEC-3']);
    assert.deepEqual(await ids2(debian.agentId), ['DEBIAN-1', 'DEBIAN-2', 'DEBIAN-4']);
    assert.deepEqual(await ids2(doomed.agentId), []);
    const scanTask = await s.db.withTables<VulScanTables>().selectFrom('vul_scan_tasks').selectAll().where('task_id', '=', task.id).executeTakeFirstOrThrow();
    assert.notEqual(scanTask.end_time, null);

    // An import: the server's re-match job changes the live host's findings without a rescan.
    const importId = 'e2e-import-2';
    const changed = await advisories.put([
      advisory('PYSEC-9', 'PyPI', 'jinja2', '3.2'),
      { ...advisory('ALPINE-1', 'Alpine:v3.19', 'openssl', '3.1.4-r1'), modified: '2024-07-01T00:00:00Z', withdrawn: '2024-07-01T00:00:00Z' },
    ], importId);
    await s.db.withTables<VulScanTables>().insertInto('vul_imports').values({
      id: importId, started_at: Date.now(), finished_at: Date.now(), sources: '[]', summary: null,
      changed_ecosystems: JSON.stringify([...changed.changedEcosystems].sort()), rematch_task_id: null,
    }).execute();
    const { task: rematch } = await tasks.createTask({
      projectId, enterpriseProjectId: '0', family: VUL_SCAN_FAMILY, kind: REMATCH_TASK_KIND, name: 're-match', params: {}, createdBy: 'e2e',
      jobs: [{ agentId: null, kind: 'vul-rematch', payload: { import_id: importId } }],
    });
    const done = await waitFor('the re-match job', async () => {
      const [job] = await tasks.jobsOfTask(rematch.id);
      return job && (job.state === 'succeeded' || job.state === 'failed') ? job : undefined;
    }, 30_000);
    assert.equal(done.state, 'succeeded', done.failure_reason ?? '');
    assert.deepEqual(await ids2(alpine.agentId), ['PYSEC-1', 'PYSEC-3', 'PYSEC-9']);
    assert.deepEqual(await ids2(debian.agentId), ['DEBIAN-1', 'DEBIAN-2', 'DEBIAN-4'], 'hosts of other ecosystems are untouched');
  });
});
