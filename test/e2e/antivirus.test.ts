import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanBytes, cleanTree, eicar, guardpostMarker, put, SIG_EICAR, SIG_MARKER, tempRoot, writeZip } from '../engines/antivirus/av-helpers.js';
import { hss, ok } from '../api/vul-scan-tasks-support.js';
import { guardpostBin, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * A real server and a real `guardpost agent` process (its own clamd on Guardpost's signatures): a custom scan
 * over a generated tree through CreateAntiVirusTask (signed with the official SDK core's signer), polled with
 * ListAntiVirusTask until `finish` with exact counts, then ListAntiVirusResult lists exactly the detections.
 * Stopping the agent stops its clamd.
 */

const CLEAN = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function clamdsUnder(dir: string): number {
  let n = 0;
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('clamd') && argv.some((a) => a.includes(dir))) n++;
    } catch {
      // gone
    }
  }
  return n;
}

describe('antivirus scan end to end', () => {
  let ts: TestServer | undefined;
  const { root: base, cleanup } = tempRoot('gp-av-e2e-');
  const tree = path.join(base, 'tree');
  const clamdDir = path.join(base, 'clamd');
  const expected = new Map<string, string>();
  let agent: ReturnType<typeof spawn> | undefined;
  let output = '';

  before(async () => {
    ts = await startTestServer();
    cleanTree(tree, 'clean', 40, CLEAN / 40);
    expected.set(put(tree, 'web/shell.php', Buffer.concat([Buffer.from('<?php\n'), eicar()])), SIG_EICAR);
    expected.set(put(tree, 'home/u/notes.txt', Buffer.concat([cleanBytes(3, 1000), guardpostMarker()])), SIG_MARKER);
    await writeZip(path.join(tree, 'home/u/pack.zip'), { 'in/eicar.com': eicar() });
    expected.set(path.join(tree, 'home/u/pack.zip'), SIG_EICAR);
    put(tree, 'skip/eicar.com', eicar());
  });

  after(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGKILL');
      try { process.kill(-(agent.pid as number), 'SIGKILL'); } catch { /* gone */ }
    }
    await ts?.close();
    cleanup();
  });

  it('custom scan: progress, finish with exact counts, detections listed; the agent stops its clamd', { timeout: 180_000 }, async () => {
    const server = ts!;
    const { token } = await server.server.ctx.agents.createEnrollmentToken({ projectId: server.credentials.project_id, maxUses: 1 });
    const stateDir = path.join(base, 'agent');
    agent = spawn(process.execPath, [guardpostBin, 'agent', '--server', server.endpoint, '--enroll-token', token, '--state-dir', stateDir,
      '--name', 'av-e2e', '--av-work-dir', clamdDir], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    agent.stdout?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-50_000); });
    agent.stderr?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-50_000); });
    const identity = path.join(stateDir, 'agent.json');
    for (let i = 0; !fs.existsSync(identity); i++) {
      assert.ok(i < 300 && agent.exitCode === null, `agent did not enroll:\n${output}`);
      await sleep(100);
    }
    const hostId = (JSON.parse(fs.readFileSync(identity, 'utf8')) as { host_id: string }).host_id;
    // The capability arrives with the facts of a check-in.
    for (let i = 0; ; i++) {
      const row = await server.server.ctx.store.db.selectFrom('agents').select('capabilities').where('host_id', '=', hostId).executeTakeFirstOrThrow();
      if (row.capabilities.includes('"av-scan"')) {
        assert.match(row.capabilities, /"available":true/);
        break;
      }
      assert.ok(i < 100, `no av-scan capability: ${row.capabilities}`);
      await sleep(100);
    }

    const created = ok(await hss<{ result: boolean; task_id: string; fail_reasons: unknown[] }>(server, 'POST', '/antivirus/task', {
      body: { task_name: 'e2e custom', scan_type: 'custom', action: 'manual', host_ids: [hostId], scan_dir: `${tree}/clean;${tree}/web;${tree}/home`, ignore_dir: `${tree}/skip` },
    }), 'create');
    assert.equal(created.result, true, JSON.stringify(created));
    assert.deepEqual(created.fail_reasons, []);

    type Host = { host_task_status: string; scan_file_num: number; virus_num: number; scan_progress: string; run_duration: number; fail_reason: string };
    const seen: Array<{ status: string; host: Host }> = [];
    for (let i = 0; ; i++) {
      const list = ok(await hss<{ data_list: Array<{ task_id: string; task_status: string; host_info_list: Host[] }> }>(server, 'GET', '/antivirus/task', {
        query: { offset: 0, limit: 10, whether_paid_task: 'false', host_task_status: ['scanning', 'success', 'fail'] },
      }), 'list');
      const task = list.data_list.find((t) => t.task_id === created.task_id);
      assert.ok(task, 'the task is listed');
      seen.push({ status: task.task_status, host: task.host_info_list[0] as Host });
      if (task.task_status !== 'scanning') break;
      assert.ok(i < 600, `still scanning: ${JSON.stringify(seen.at(-1))}\n${output}`);
      await sleep(200);
    }
    assert.equal(seen[0]?.status, 'scanning');
    assert.match(seen[0]!.host.scan_progress, /^\d+%$/);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.host.scan_file_num >= seen[i - 1]!.host.scan_file_num, 'scan_file_num never goes back');
    const last = seen.at(-1)!;
    assert.equal(last.status, 'finish', `${JSON.stringify(last)}\n${output}`);
    assert.equal(last.host.host_task_status, 'success');
    assert.equal(last.host.scan_file_num, CLEAN + 3, 'every file of the three roots, none of the ignored one');
    assert.equal(last.host.virus_num, 3);
    assert.equal(last.host.scan_progress, '100%');

    const results = ok(await hss<{ total_num: number; data_list: Array<{ malware_name: string; task_id: string; file_info: { file_path: string } }> }>(server, 'GET', '/antivirus/result', {
      query: { offset: 0, limit: 10, task_name: 'e2e custom' },
    }), 'results');
    assert.equal(results.total_num, 3);
    assert.deepEqual(results.data_list.map((r) => [r.file_info.file_path, r.malware_name]).sort(), [...expected].sort());
    assert.ok(results.data_list.every((r) => r.task_id === created.task_id));

    assert.equal(clamdsUnder(clamdDir), 1, 'the agent runs one clamd');
    agent.kill('SIGTERM');
    await new Promise((resolve) => agent!.once('exit', resolve));
    for (let i = 0; i < 50 && clamdsUnder(clamdDir) > 0; i++) await sleep(100);
    assert.equal(clamdsUnder(clamdDir), 0, 'stopping the agent stopped its clamd');
  });
});
