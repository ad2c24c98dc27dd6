import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isProcessAlive } from '../../src/agent/process-identity.js';
import { AGENT_RESTARTED_REASON } from '../../src/core/jobs.js';
import { tempDir } from '../helpers/db.js';
import { projectToken } from '../helpers/http.js';
import { captureBody, CfwClient, sleep, startAgentProcess, teardown, type AgentProcess } from '../helpers/netns.js';
import { guardpostBin, startTestServer, type TestServer } from '../helpers/server.js';

/**
 * A `guardpost agent` killed with -9 mid-capture and started again: the new process ends the capture tool
 * its dead predecessor left and fails that job at once with a reason (not ~a lease later by the reaper).
 * While an agent lives, a second one for the same state directory refuses to start.
 */
describe('agent restarted after a crash', () => {
  let ts: TestServer | undefined;
  let work = '';
  const agents: AgentProcess[] = [];

  before(async () => {
    work = tempDir('gp-agent-restart-');
    ts = await startTestServer(); // default 60 s lease: the reaper cannot be what ends the job here
  });

  after(async () => {
    await teardown(...agents.map((a) => () => a.stop()), () => ts?.close(), () => work && fs.rmSync(work, { recursive: true, force: true }));
  });

  it('fails the predecessor\'s leftover job at once, and one process holds an identity at a time', { timeout: 90_000 }, async () => {
    const server = ts!;
    const token = await projectToken(server.endpoint, server.credentials);
    const cfw = new CfwClient(server.endpoint, server.credentials.project_id, token);
    const { token: enrollToken } = await server.server.ctx.agents.createEnrollmentToken({ projectId: server.credentials.project_id, maxUses: 1 });
    const start = () => startAgentProcess({ endpoint: server.endpoint, enrollToken, captureInterface: 'lo', name: 'restarted', workDir: work });
    const first = await start();
    agents.push(first);
    const fw = first.hostId;

    const created = await cfw.create(fw, captureBody({ name: 'left-over', src: '127.0.0.1', dst: '127.0.0.1', protocol: 17, destPort: '46999', maxPackets: 100 }));
    assert.equal(created.status, 200, created.text);
    const running = await cfw.waitCapturing(fw, 'left-over', 30_000);
    const inflight = JSON.parse(fs.readFileSync(path.join(first.stateDir, 'inflight.json'), 'utf8')) as Record<string, { processes: Array<{ pid: number }> }>;
    const toolPid = Object.values(inflight)[0]?.processes[0]?.pid;
    assert.ok(toolPid, 'the capture tool is on record');

    process.kill(first.pid, 'SIGKILL'); // the agent only: its capture tool lives on
    await new Promise((resolve) => first.child.once('exit', resolve));
    assert.ok(isProcessAlive({ pid: toolPid, start_time: null }), 'the tool outlived its agent');

    const second = await start();
    agents.push(second);
    const record = await cfw.waitRecord(fw, 'left-over', 'the leftover job to fail', (r) => r.status !== 2 && r.status !== 5, 30_000, 200);
    assert.equal(record.status, 0, JSON.stringify(record));
    assert.equal(record.stop_reason, 'agent_lost');
    const [job] = await server.server.ctx.tasks.jobsOfTask(running.task_id);
    assert.equal(job?.state, 'failed');
    assert.equal(job?.failure_reason, AGENT_RESTARTED_REASON, 'failed by the restarted agent, not by the lease reaper');
    for (let i = 0; i < 50 && isProcessAlive({ pid: toolPid, start_time: null }); i++) await sleep(100);
    assert.equal(isProcessAlive({ pid: toolPid, start_time: null }), false, 'the leftover tool was ended');
    assert.match(second.output(), new RegExp(`ended process ${toolPid} left running by job`));

    // A third process for the same identity refuses to start while the second one lives.
    const third = spawn(process.execPath, [guardpostBin, 'agent', '--server', server.endpoint, '--state-dir', second.stateDir, '--interfaces', 'lo'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    third.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const code = await new Promise<number | null>((resolve) => third.once('exit', (c) => resolve(c)));
    assert.equal(code, 4, stderr);
    assert.match(stderr, new RegExp(`another agent \\(pid ${second.pid}\\) already runs with the state directory`));
    assert.equal(second.child.exitCode, null, 'the running agent is untouched');
  });
});
