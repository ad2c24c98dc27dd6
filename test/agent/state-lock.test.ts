import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { processStartTime } from '../../src/agent/process-identity.js';
import { liveLockOwner, StateDirLockedError, StateLock } from '../../src/agent/state-lock.js';

const started: ChildProcess[] = [];
after(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  started.push(child);
  return child;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => child.once('exit', () => resolve()));
const lockFile = (dir: string) => path.join(dir, 'agent.lock');
const writeLock = (dir: string, owner: object) => fs.writeFileSync(lockFile(dir), JSON.stringify(owner));

test('a state dir held by a live process refuses a second holder; released, it can be taken again', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-lock-'));
  try {
    const other = sleeper();
    writeLock(dir, { pid: other.pid, start_time: processStartTime(other.pid!), server: 'http://127.0.0.1:1', acquired_at: 1 });
    assert.throws(() => StateLock.acquire(dir, 'http://127.0.0.1:2'),
      (e: unknown) => e instanceof StateDirLockedError && e.owner.pid === other.pid && /another agent \(pid \d+\) already runs/.test(e.message));
    assert.equal(liveLockOwner(dir)?.server, 'http://127.0.0.1:1');
    fs.rmSync(lockFile(dir));

    const lock = StateLock.acquire(dir, 'http://127.0.0.1:2');
    assert.equal(fs.statSync(lockFile(dir)).mode & 0o777, 0o600);
    assert.equal(liveLockOwner(dir)?.pid, process.pid);
    lock.release();
    assert.equal(fs.existsSync(lockFile(dir)), false);
    assert.equal(liveLockOwner(dir), null);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a lock whose owner died, or whose PID now names a different process, is stale and taken over', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-lock-'));
  try {
    const dead = sleeper();
    const deadPid = dead.pid!;
    dead.kill('SIGKILL');
    await exited(dead);
    writeLock(dir, { pid: deadPid, start_time: '1', server: 's', acquired_at: 1 });
    assert.equal(liveLockOwner(dir), null);
    StateLock.acquire(dir, 's').release();

    // A live PID with another start time: the recorded owner is gone and the PID was reused.
    const reused = sleeper();
    writeLock(dir, { pid: reused.pid, start_time: '1', server: 's', acquired_at: 1 });
    assert.equal(liveLockOwner(dir), null);
    const lock = StateLock.acquire(dir, 's');
    assert.equal(liveLockOwner(dir)?.pid, process.pid);
    assert.equal(reused.exitCode, null, 'the unrelated process is not touched');
    lock.release();

    // An unreadable lock that is not fresh is stale too.
    fs.writeFileSync(lockFile(dir), '{half');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockFile(dir), old, old);
    StateLock.acquire(dir, 's').release();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
