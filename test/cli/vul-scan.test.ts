/**
 * `guardpost vul scan` (the built CLI as a child process) against a real server: it calls
 * CreateVulnerabilityScanTask over HTTP with AK/SK, resolves --hosts by name, id or agent id, and with --wait
 * shows hosts done / total and ends with one line per host. Host rows are finished here with
 * ScanStore.finishHost (the agent pipeline is tested elsewhere).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScanStore } from '../../src/families/vul-scan/scan-store.js';
import type { VulScanTables } from '../../src/families/vul-scan/tables.js';
import { makeOffline, scanAgent } from '../api/vul-scan-tasks-support.js';
import type { EnrolledAgent } from '../api/support.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { runCli, type CliResult } from './run-cli.js';

let ts: TestServer;
let env: Record<string, string>;
let scans: ScanStore;
let web: EnrolledAgent;
let db: EnrolledAgent;

before(async () => {
  ts = await startTestServer();
  env = { GUARDPOST_ENDPOINT: ts.endpoint, GUARDPOST_AK: ts.credentials.ak, GUARDPOST_SK: ts.credentials.sk, GUARDPOST_PROJECT_ID: ts.credentials.project_id };
  scans = new ScanStore(ts.server.ctx.store.db, ts.server.ctx.tasks);
  web = await scanAgent(ts, 'web-01');
  db = await scanAgent(ts, 'db-01');
});

after(async () => {
  await ts?.close();
});

const vul = (...args: string[]) => runCli(['vul', ...args], env);

/** Runs the CLI while "the pipeline" finishes every scanning host (success) until the CLI exits. */
async function whileFinishing(run: Promise<CliResult>): Promise<CliResult> {
  let done = false;
  const result = run.finally(() => { done = true; });
  const vulDb = ts.server.ctx.store.db.withTables<VulScanTables>();
  for (let i = 0; i < 600 && !done; i++) {
    const scanning = await vulDb.selectFrom('vul_scan_hosts').select(['task_id', 'host_id']).where('scan_status', '=', 'scanning').execute();
    for (const row of scanning) await scans.finishHost(row.task_id, row.host_id, 'success', [], []);
    await new Promise((r) => setTimeout(r, 100));
  }
  return result;
}

describe('guardpost vul scan', () => {
  test('no flags: scans every host and prints the task id; --json prints {task_id}', async () => {
    const plain = await vul('scan');
    assert.equal(plain.code, 0, plain.stderr);
    const taskId = plain.stdout.trim();
    assert.deepEqual((await scans.hostsOfTask(taskId)).map((h) => h.agent_id).sort(), [web.agentId, db.agentId].sort());
    const json = await vul('scan', '--json', '--types', 'linux_vul');
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(json.stdout) as { task_id: string };
    assert.equal(typeof parsed.task_id, 'string');
  });

  test('--hosts takes host names, host ids and agent ids', async () => {
    const byName = await vul('scan', '--hosts', 'web-01');
    assert.equal(byName.code, 0, byName.stderr);
    assert.deepEqual((await scans.hostsOfTask(byName.stdout.trim())).map((h) => h.agent_id), [web.agentId]);
    const mixed = await vul('scan', '--hosts', `${db.hostId},${web.agentId}`);
    assert.equal(mixed.code, 0, mixed.stderr);
    assert.equal((await scans.hostsOfTask(mixed.stdout.trim())).length, 2);
  });

  test('an unknown host is exit 1 naming it; a bad type is a usage error (exit 2)', async () => {
    const unknown = await vul('scan', '--hosts', 'web-01,ghost-99');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no such host.*ghost-99/);
    const badType = await vul('scan', '--types', 'linux_vul,mac_vul');
    assert.equal(badType.code, 2);
    assert.match(badType.stderr, /mac_vul/);
  });

  test('--wait --json: progress on stderr, then the task and every host; exit 0 when all succeeded', async () => {
    const result = await whileFinishing(vul('scan', '--wait', '--json'));
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { task_id: string; task: { status: string }; hosts: Array<{ host_name: string; scan_status: string }> };
    assert.equal(out.task.status, 'finished');
    assert.deepEqual(out.hosts.map((h) => [h.host_name, h.scan_status]).sort(), [['db-01', 'success'], ['web-01', 'success']]);
    assert.match(result.stderr, /2\/2 hosts done/);
  });

  test('--wait with an offline host: a per-host summary with the reason, exit 1', async () => {
    await makeOffline(ts, db);
    const result = await whileFinishing(vul('scan', '--hosts', 'web-01,db-01', '--wait'));
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^task [0-9a-f-]{36}$/m);
    assert.match(result.stderr, /2\/2 hosts done \(1 failed\)/);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^HOST\s+HOST ID\s+STATUS\s+REASONS$/);
    assert.match(lines.find((l) => l.startsWith('db-01')) ?? '', /failed.*linux_vul: the host's agent is offline/);
    assert.match(lines.find((l) => l.startsWith('web-01')) ?? '', /success/);
  });
});
