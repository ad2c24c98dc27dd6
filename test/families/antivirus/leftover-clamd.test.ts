import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanTree, eicar, put, tempRoot } from '../../engines/antivirus/av-helpers.js';
import { hss, ok } from '../../api/vul-scan-tasks-support.js';
import type { AntivirusTables } from '../../../src/families/antivirus/tables.js';
import { guardpostBin, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * A `guardpost agent` killed with SIGKILL leaves its clamd running (clamd belongs to the agent, not to a job). The
 * next agent of the same clamd work directory ends it (PID file + /proc checks) at its first check-in, before it
 * would start a clamd of its own.
 */

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('a killed agent\'s clamd', () => {
  const { root: base, cleanup } = tempRoot('gp-av-leftover-');
  const workDir = path.join(base, 'clamd');
  const agents: ChildProcess[] = [];
  let ts: TestServer | undefined;
  let leftover = 0;

  after(async () => {
    for (const a of agents) if (a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
    if (leftover && alive(leftover)) process.kill(leftover, 'SIGKILL');
    await ts?.close();
    cleanup();
  });

  async function startAgent(name: string): Promise<{ child: ChildProcess; hostId: string }> {
    const server = ts as TestServer;
    const { token } = await server.server.ctx.agents.createEnrollmentToken({ projectId: server.credentials.project_id, maxUses: 1 });
    const stateDir = path.join(base, name);
    const child = spawn(process.execPath, [guardpostBin, 'agent', '--server', server.endpoint, '--enroll-token', token, '--state-dir', stateDir,
      '--name', name, '--av-work-dir', workDir], { stdio: ['ignore', 'ignore', 'ignore'] });
    agents.push(child);
    const identity = path.join(stateDir, 'agent.json');
    await waitFor(`${name} enrolled`, async () => (fs.existsSync(identity) ? true : undefined), 30_000, 100);
    return { child, hostId: (JSON.parse(fs.readFileSync(identity, 'utf8')) as { host_id: string }).host_id };
  }

  it('is ended by the next agent of the same work directory', { timeout: 180_000 }, async () => {
    ts = await startTestServer();
    const server = ts;
    const tree = path.join(base, 'tree');
    cleanTree(tree, 'clean', 2, 10);
    put(tree, 'bad/eicar.com', eicar());
    const first = await startAgent('first');
    await waitFor('the av-scan capability', async () => {
      const row = await server.server.ctx.store.db.selectFrom('agents').select('capabilities').where('host_id', '=', first.hostId).executeTakeFirst();
      return row?.capabilities.includes('"available":true') ? true : undefined;
    }, 30_000);
    const created = ok(await hss<{ task_id: string }>(server, 'POST', '/antivirus/task', {
      body: { task_name: 'leftover', scan_type: 'custom', action: 'manual', host_ids: [first.hostId], scan_dir: tree },
    }), 'create');
    const db = server.server.ctx.store.db.withTables<AntivirusTables>();
    await waitFor('the scan done', async () => {
      const row = await db.selectFrom('av_task_hosts').select('host_task_status').where('task_id', '=', created.task_id).executeTakeFirst();
      return row?.host_task_status === 'success' ? true : undefined;
    }, 120_000);
    leftover = Number(fs.readFileSync(path.join(workDir, 'clamd.pid'), 'utf8').split(' ')[0]);
    assert.ok(leftover > 0 && alive(leftover), 'the agent\'s clamd runs');
    assert.equal(fs.readFileSync(`/proc/${leftover}/comm`, 'utf8').trim(), 'clamd');

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    assert.ok(alive(leftover), 'SIGKILL of the agent leaves its clamd running');

    const second = await startAgent('second');
    await waitFor('the leftover clamd ended', async () => (alive(leftover) ? undefined : true), 30_000, 100);
    await waitFor('the PID file removed', async () => (fs.existsSync(path.join(workDir, 'clamd.pid')) ? undefined : true), 10_000, 100);
    assert.equal(second.child.exitCode, null, 'the new agent keeps running');
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });
});
