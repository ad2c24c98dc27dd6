import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { LeftoverTracker } from '../../src/agent/leftovers.js';

const started: ChildProcess[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function longRunning(marker: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', marker], { stdio: 'ignore' });
  started.push(child);
  return child;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve();
  else child.once('exit', () => resolve());
});

test('a restarted agent ends the tools and removes the scratch dirs its dead predecessor left', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-state-'));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-job-test-'));
  const file = path.join(stateDir, 'inflight.json');
  const marker = path.join(workDir, 'capture.pcap');
  const orphan = longRunning(marker);
  const stranger = longRunning('/not/ours');
  try {
    const before = new LeftoverTracker(file);
    before.begin('job-1', workDir);
    before.trackProcess('job-1', orphan.pid!, marker);
    before.trackProcess('job-1', stranger.pid!, marker); // pid recorded, but its command line lacks the marker
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);

    const messages: string[] = [];
    new LeftoverTracker(file).cleanPrevious((m) => messages.push(m)); // the agent's next start
    await exited(orphan);
    assert.equal(orphan.signalCode, 'SIGKILL');
    assert.equal(stranger.exitCode, null, 'a process without the marker is never touched');
    assert.equal(fs.existsSync(workDir), false);
    assert.equal(messages.length, 1);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), {});
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  }
});

test('finished jobs are forgotten and a missing or corrupt file is harmless', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-state-'));
  try {
    const file = path.join(stateDir, 'inflight.json');
    new LeftoverTracker(file).cleanPrevious(() => assert.fail('nothing to clean'));
    const tracker = new LeftoverTracker(file);
    tracker.begin('job-2', path.join(os.tmpdir(), 'gp-job-gone'));
    tracker.end('job-2');
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), {});
    fs.writeFileSync(file, '{not json');
    new LeftoverTracker(file).cleanPrevious(() => assert.fail('nothing to clean'));
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
});

test('jobs whose owning agent process still runs are left alone, and kept on record', async () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-state-'));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-job-live-'));
  const file = path.join(stateDir, 'inflight.json');
  const marker = path.join(workDir, 'capture.pcap');
  const tool = longRunning(marker);
  const owner = longRunning('owner');
  try {
    const ownerStat = fs.readFileSync(`/proc/${owner.pid}/stat`, 'utf8');
    const startTime = ownerStat.slice(ownerStat.lastIndexOf(')') + 2).split(' ')[19];
    fs.writeFileSync(file, JSON.stringify({
      'job-live': { workDir, processes: [{ pid: tool.pid, marker }], owner: { pid: owner.pid, start_time: startTime } },
    }));
    const messages: string[] = [];
    const ended = new LeftoverTracker(file).cleanPrevious((m) => messages.push(m));
    assert.deepEqual(ended, []);
    assert.equal(tool.exitCode, null, 'a live agent\'s capture tool keeps running');
    assert.equal(fs.existsSync(workDir), true);
    assert.ok(Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')) as object).includes('job-live'));
    assert.match(messages.join('\n'), /still runs: left alone/);

    owner.kill('SIGKILL');
    await exited(owner);
    assert.deepEqual(new LeftoverTracker(file).cleanPrevious(() => undefined), ['job-live'], 'once the owner is dead, its job is ended');
    await exited(tool);
    assert.equal(fs.existsSync(workDir), false);
  } finally {
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(workDir, { recursive: true, force: true });
  }
});
