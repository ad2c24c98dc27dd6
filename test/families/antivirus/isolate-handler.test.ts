/**
 * The `av-isolate` agent handler on real files (as root): isolate kills the process running the file (only that
 * one), keeps an encrypted copy in a 0700 vault and removes the file; restore writes back the identical bytes with
 * mode, owner and times; a file changed since the scan is refused; restore never overwrites a different file;
 * a tampered vault copy does not decrypt.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { JobContext } from '../../../src/agent/handlers/handler.js';
import { avIsolateHandler } from '../../../src/families/antivirus/isolate-handler.js';
import { avIsolateJobKind, type AvIsolatePayload, type AvIsolateResult } from '../../../src/families/antivirus/isolate-job-kind.js';
import { tempRoot } from '../../engines/antivirus/av-helpers.js';

const { root, cleanup } = tempRoot('gp-avisolate-');
const vaultDir = path.join(root, 'vault');
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cleanup();
});

function context(payload: AvIsolatePayload, logs: string[] = []): JobContext<AvIsolatePayload> {
  return {
    jobId: 'job-1', taskId: 'task-1', payload, signal: new AbortController().signal, abortCause: () => null, workDir: root,
    reportProgress: () => undefined, uploadArtifact: () => Promise.reject(new Error('no artifacts')), log: (m) => logs.push(m), trackProcess: () => undefined,
  };
}

async function run(payload: AvIsolatePayload) {
  const capability = avIsolateHandler.capability({ 'av-vault-dir': vaultDir });
  assert.deepEqual(capability, { vault: 'aes-256-gcm' });
  return avIsolateHandler.run(context(payload) as JobContext, capability as never);
}

const exited = (child: ChildProcess) => new Promise<string | null>((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode);
  else child.once('exit', (_code, signal) => resolve(signal));
});

describe('av-isolate handler on real files', () => {
  test('isolate kills only the process running the file and vaults it encrypted; restore gives it back exactly', async () => {
    const file = path.join(root, 'bin', 'miner');
    const other = path.join(root, 'bin', 'bystander');
    mkdirSync(path.dirname(file), { recursive: true });
    copyFileSync('/bin/sleep', file);
    copyFileSync('/bin/sleep', other);
    chownSync(file, 1234, 2345);
    chmodSync(file, 0o4751);
    chmodSync(other, 0o755);
    utimesSync(file, new Date('2024-01-02T03:04:05.678Z'), new Date('2023-06-07T08:09:10.123Z'));
    const bytes = readFileSync(file);
    const running = spawn(file, ['300'], { stdio: 'ignore' });
    const bystander = spawn(other, ['300'], { stdio: 'ignore' });
    children.push(running, bystander);
    // Wait until the kernel shows the child's exe (after exec).
    for (let i = 0; i < 200; i++) {
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${running.pid}/exe`);
      } catch {
        // not there yet
      }
      if (exe === file) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    // Taken after exec (which moves atime): what isolate records.
    const before = statSync(file);

    const out = await run({ operation: 'isolate', path: file, sha256: sha(bytes) });
    assert.equal(out.outcome, 'succeeded', JSON.stringify(out));
    const result = (out as { result: AvIsolateResult }).result;
    assert.deepEqual(avIsolateJobKind.checkResult(result), result, 'the result matches the job kind');
    assert.deepEqual(result.killed_pids, [running.pid]);
    assert.equal(await exited(running), 'SIGKILL');
    assert.equal(bystander.exitCode, null, 'the other process runs on');
    assert.equal(existsSync(file), false, 'the original is gone');
    assert.equal(statSync(vaultDir).mode & 0o777, 0o700);
    const blob = readFileSync(path.join(vaultDir, `${result.vault_ref}.bin`));
    assert.equal(statSync(path.join(vaultDir, `${result.vault_ref}.bin`)).mode & 0o777, 0o600);
    assert.equal(blob.includes(bytes.subarray(0, 4096)), false, 'the vault copy is not the plaintext');
    assert.notEqual(blob.subarray(0, 4).toString('hex'), '7f454c46', 'no ELF header');

    const back = await run({ operation: 'restore', path: file, sha256: sha(bytes), vault_ref: result.vault_ref });
    assert.equal(back.outcome, 'succeeded', JSON.stringify(back));
    const after = statSync(file);
    assert.equal(sha(readFileSync(file)), sha(bytes));
    assert.equal(after.mode & 0o7777, 0o4751);
    assert.equal(after.uid, 1234);
    assert.equal(after.gid, 2345);
    // Times go through utimes() as float seconds: equal to the millisecond.
    assert.equal(Math.round(after.mtimeMs), Math.round(before.mtimeMs));
    assert.equal(Math.round(after.atimeMs), Math.round(before.atimeMs));
    assert.equal(existsSync(path.join(vaultDir, `${result.vault_ref}.bin`)), false, 'the vault entry is removed');
  });

  test('a file changed since the scan is refused and left in place', async () => {
    const file = path.join(root, 'tampered.sh');
    writeFileSync(file, '#!/bin/sh\necho scanned\n');
    const scanned = sha(readFileSync(file));
    writeFileSync(file, '#!/bin/sh\necho changed\n');
    const out = await run({ operation: 'isolate', path: file, sha256: scanned });
    assert.equal(out.outcome, 'failed');
    assert.match((out as { reason: string }).reason, /changed since the scan/);
    assert.equal(readFileSync(file, 'utf8'), '#!/bin/sh\necho changed\n');
  });

  test('restore refuses to overwrite a different file, and a tampered vault copy', async () => {
    const file = path.join(root, 'again.bin');
    writeFileSync(file, 'malware bytes');
    const hash = sha(readFileSync(file));
    const isolated = await run({ operation: 'isolate', path: file, sha256: hash });
    assert.equal(isolated.outcome, 'succeeded');
    const ref = (isolated as { result: AvIsolateResult }).result.vault_ref;
    writeFileSync(file, 'a new file the user put here');
    const refused = await run({ operation: 'restore', path: file, sha256: hash, vault_ref: ref });
    assert.equal(refused.outcome, 'failed');
    assert.match((refused as { reason: string }).reason, /exists with other contents/);
    assert.equal(readFileSync(file, 'utf8'), 'a new file the user put here');

    unlinkSync(file);
    const bin = path.join(vaultDir, `${ref}.bin`);
    const blob = readFileSync(bin);
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
    writeFileSync(bin, blob);
    const broken = await run({ operation: 'restore', path: file, sha256: hash, vault_ref: ref });
    assert.equal(broken.outcome, 'failed');
    assert.match((broken as { reason: string }).reason, /does not decrypt/);
    assert.equal(existsSync(file), false);
  });
});
