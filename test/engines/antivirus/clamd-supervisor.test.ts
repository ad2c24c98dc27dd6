import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { getPriority } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { guardpostSignatureDir } from '../../../src/engines/antivirus/signatures.js';
import { ClamdClient, ClamdConnectionError } from '../../../src/engines/antivirus/clamd-client.js';
import { ClamdSignatureError, ClamdSupervisor, ClamdUnavailableError } from '../../../src/engines/antivirus/clamd-supervisor.js';
import { runTreeScan } from '../../../src/engines/antivirus/tree-scan.js';
import { cleanTree, eicar, put, run, SIG_EICAR, tempRoot } from './av-helpers.js';

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const { root, cleanup } = tempRoot('gp-avsup-');
  try {
    await fn(root);
  } finally {
    cleanup();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('clamd supervisor', () => {
  it('starts a private clamd on a 0700 directory, answers PING and VERSION, stops it by PID', () =>
    withRoot(async (root) => {
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), officialDatabaseDir: null });
      await supervisor.start();
      try {
        assert.equal(supervisor.state, 'ready');
        const pid = supervisor.pid as number;
        assert.ok(alive(pid));
        assert.equal(await supervisor.client.ping(), true);
        // Its own clamd reads the agent's open files by descriptor (probed at start); pid file recorded.
        assert.equal(supervisor.scanMode, 'descriptor');
        assert.equal(readFileSync(path.join(root, 'clamd', 'clamd.pid'), 'utf8').split(' ')[0], String(pid));
        assert.match(await supervisor.client.version(), /^ClamAV \d+\.\d+/);
        // Low CPU and I/O priority; the PID is clamd's own (ionice execs it).
        assert.equal(readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), 'clamd');
        assert.equal(getPriority(pid), 10);
        assert.match(run(['ionice', '-p', String(pid)]), /best-effort: prio 7/);
        assert.equal(statSync(path.join(root, 'clamd')).mode & 0o777, 0o700);
        assert.ok(statSync(supervisor.socketPath).isSocket());
        assert.equal(statSync(supervisor.socketPath).mode & 0o777, 0o600);
        assert.match(readFileSync(path.join(root, 'clamd', 'clamd.conf'), 'utf8'), /^LocalSocket .*\/clamd\/clamd\.sock$/m);
        // An existing socket is used as it is: nothing started, nothing stopped.
        const shared = new ClamdSupervisor({ workDir: path.join(root, 'unused'), existingSocket: supervisor.socketPath });
        await shared.start();
        assert.equal(shared.pid, null);
        put(root, 'one/eicar.com', eicar());
        const viaShared = await runTreeScan(shared, { roots: [path.join(root, 'one')] });
        assert.deepEqual(viaShared.detections.map((d) => d.signature), [SIG_EICAR]);
        await shared.stop();
        assert.ok(alive(pid));
        await supervisor.stop();
        assert.equal(alive(pid), false);
        assert.equal(supervisor.state, 'stopped');
        assert.equal(existsSync(supervisor.socketPath), false);
      } finally {
        await supervisor.stop();
      }
    }));

  it('clamd killed (by PID) mid-scan is restarted and the scan completes with exact counts', () =>
    withRoot(async (root) => {
      const files = cleanTree(root, 'tree', 20, 100);
      put(root, 'tree/zz/eicar.com', eicar());
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), officialDatabaseDir: null, restartDelayMs: 100, limits: { maxThreads: 2 } });
      await supervisor.start();
      try {
        const firstPid = supervisor.pid as number;
        const exits: unknown[] = [];
        supervisor.on('exit', (e) => exits.push(e));
        let killedAt = -1;
        const result = await runTreeScan(supervisor, {
          roots: [path.join(root, 'tree')],
          concurrency: 3,
          progressIntervalMs: 0,
          onProgress: (p) => {
            if (killedAt < 0 && p.processedFiles >= 300) {
              killedAt = p.processedFiles;
              process.kill(firstPid, 'SIGKILL');
            }
          },
        });
        assert.ok(killedAt > 0 && killedAt < files, `killed at ${killedAt}`);
        assert.equal(result.status, 'completed', result.reason);
        assert.equal(result.counts.scannedFiles, files + 1);
        assert.equal(result.counts.scanErrors, 0);
        assert.deepEqual(result.detections.map((d) => [d.path, d.signature]), [[path.join(root, 'tree/zz/eicar.com'), SIG_EICAR]]);
        assert.equal(exits.length, 1);
        assert.equal(supervisor.restarts, 1);
        assert.equal(supervisor.state, 'ready');
        assert.notEqual(supervisor.pid, firstPid);
        assert.equal(alive(firstPid), false);
      } finally {
        await supervisor.stop();
      }
    }));

  it('loads the official database through its staged symlinks next to Guardpost\'s signatures', () =>
    withRoot(async (root) => {
      // A stand-in official directory with one body signature ("official-test-sig" in hex).
      put(root, 'official/local.ndb', `Official.Stand.In:0:*:${Buffer.from('official-test-sig').toString('hex')}\n`);
      put(root, 'tree/a.txt', 'xx official-test-sig yy');
      put(root, 'tree/b.com', eicar());
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), officialDatabaseDir: path.join(root, 'official') });
      await supervisor.start();
      try {
        const result = await runTreeScan(supervisor, { roots: [path.join(root, 'tree')] });
        assert.deepEqual(result.detections.map((d) => [path.basename(d.path), d.signature]).sort(), [['a.txt', 'Official.Stand.In.UNOFFICIAL'], ['b.com', SIG_EICAR]]);
      } finally {
        await supervisor.stop();
      }
    }));

  it('a clamd that stops reading (SIGSTOP) makes the scan of a file fail with a timeout instead of hanging', () =>
    withRoot(async (root) => {
      const big = path.join(root, 'big.bin');
      writeFileSync(big, Buffer.alloc(16 * 1024 * 1024, 0x41));
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), officialDatabaseDir: null });
      await supervisor.start();
      const pid = supervisor.pid as number;
      const client = new ClamdClient({ socketPath: supervisor.socketPath, scanIdleTimeoutMs: 500, commandTimeoutMs: 500 });
      const handle = await open(big, 'r');
      try {
        process.kill(pid, 'SIGSTOP');
        await assert.rejects(client.scanFile(handle.fd, 16 * 1024 * 1024), (err: Error) => err instanceof ClamdConnectionError && /stopped reading|no answer/.test(err.message));
      } finally {
        process.kill(pid, 'SIGCONT');
        await handle.close();
        await supervisor.stop();
      }
    }));

  it('reloads validated signatures; refused ones leave the loaded database in place', () =>
    withRoot(async (root) => {
      const sigs = path.join(root, 'sigs');
      for (const f of readdirSync(guardpostSignatureDir())) copyFileSync(path.join(guardpostSignatureDir(), f), path.join((mkdirSync(sigs, { recursive: true }), sigs), f));
      put(root, 'tree/new.txt', 'aa reload-test-sig bb');
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), guardpostSignatureDir: sigs, officialDatabaseDir: null });
      await supervisor.start();
      try {
        const signatures = async (): Promise<string[]> => (await runTreeScan(supervisor, { roots: [path.join(root, 'tree')] })).detections.map((d) => d.signature);
        assert.deepEqual(await signatures(), []);
        put(sigs, 'added.ndb', `Reload.Test:0:*:${Buffer.from('reload-test-sig').toString('hex')}\n`);
        await supervisor.reloadSignatures();
        let found: string[] = [];
        for (let i = 0; i < 100 && found.length === 0; i++) {
          found = await signatures();
          if (found.length === 0) await sleep(100); // clamd swaps in the reloaded engine when it is built
        }
        assert.deepEqual(found, ['Reload.Test.UNOFFICIAL']);
        put(sigs, 'broken.ndb', 'Broken:0:*:xyz\n');
        await assert.rejects(supervisor.reloadSignatures(), (err: Error) => err instanceof ClamdSignatureError && /broken\.ndb.*Malformed database|Malformed database/.test(err.message));
        assert.equal(supervisor.state, 'ready');
        assert.deepEqual(await signatures(), ['Reload.Test.UNOFFICIAL']);
        assert.ok(!readdirSync(path.join(root, 'clamd', 'db')).includes('broken.ndb'));
      } finally {
        await supervisor.stop();
      }
    }));

  it('stop() while start() is still staging leaves no clamd running', () =>
    withRoot(async (root) => {
      const workDir = path.join(root, 'clamd');
      const supervisor = new ClamdSupervisor({ workDir, officialDatabaseDir: null });
      const starting = supervisor.start();
      await supervisor.stop();
      await assert.rejects(starting, /stopped while starting/);
      await sleep(300);
      const ours = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(workDir);
        } catch {
          return false;
        }
      });
      assert.deepEqual(ours, []);
      assert.equal(supervisor.pid, null);
    }));

  it('pipelined sessions stream multi-chunk files and match every verdict to its file; the size bound follows clamd\'s', () =>
    withRoot(async (root) => {
      put(root, 'tree/big-clean.bin', Buffer.alloc(3 * 1024 * 1024, 0x61));
      put(root, 'tree/big-infected.bin', Buffer.concat([Buffer.alloc(3 * 1024 * 1024, 0x62), eicar()]));
      put(root, 'tree/over-limit.bin', Buffer.concat([Buffer.alloc(5 * 1024 * 1024, 0x63), eicar()]));
      cleanTree(root, 'tree/small', 4, 50);
      for (let i = 0; i < 5; i++) put(root, `tree/small/e${i}.com`, eicar());
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), officialDatabaseDir: null, sessions: 2, descriptorScans: false, limits: { maxFileSize: 4 * 1024 * 1024 } });
      await supervisor.start();
      try {
        assert.equal(supervisor.maxFileSize, 4 * 1024 * 1024);
        assert.equal(supervisor.scanMode, 'stream');
        const result = await runTreeScan(supervisor, { roots: [path.join(root, 'tree')], concurrency: 8, maxFileSize: 64 * 1024 * 1024 });
        assert.equal(result.status, 'completed', result.reason);
        assert.equal(result.counts.scannedFiles, 2 + 200 + 5);
        assert.equal(result.counts.skippedTooLarge, 1); // over clamd's 4 MiB, whatever the scan asked for
        assert.deepEqual(result.detections.map((d) => path.relative(root, d.path)).sort(), ['tree/big-infected.bin', ...[0, 1, 2, 3, 4].map((i) => `tree/small/e${i}.com`)]);
        assert.equal(result.detections.find((d) => d.path.endsWith('big-infected.bin'))?.size, 3 * 1024 * 1024 + 68);
      } finally {
        await supervisor.stop();
      }
    }));

  it('a clamd that keeps dying makes the supervisor unavailable and the scan fails with the reason', () =>
    withRoot(async (root) => {
      cleanTree(root, 'tree', 10, 100);
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), officialDatabaseDir: null, restartDelayMs: 50, maxRestarts: 1 });
      await supervisor.start();
      try {
        const result = await runTreeScan(supervisor, {
          roots: [path.join(root, 'tree')],
          concurrency: 2,
          progressIntervalMs: 0,
          onProgress: () => {
            if (supervisor.state === 'ready' && supervisor.pid) process.kill(supervisor.pid, 'SIGKILL');
          },
        });
        assert.equal(result.status, 'failed');
        assert.match(result.reason ?? '', /^clamd became unavailable during the scan: clamd died 2 times within 60 s \(last: SIGKILL\)/);
        assert.equal(supervisor.state, 'unavailable');
        assert.match(supervisor.unavailableReason ?? '', /clamd died 2 times/);
      } finally {
        await supervisor.stop();
      }
    }));

  it('no database: start rejects with a clear reason, no clamd runs, and a scan fails with it (never "clean")', () =>
    withRoot(async (root) => {
      mkdirSync(path.join(root, 'no-sigs'));
      put(root, 'tree/eicar.com', eicar());
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), guardpostSignatureDir: path.join(root, 'no-sigs'), officialDatabaseDir: path.join(root, 'var-lib-clamav') });
      await assert.rejects(supervisor.start(), (err: Error) => err instanceof ClamdUnavailableError && /^no signature database: /.test(err.message));
      assert.equal(supervisor.state, 'unavailable');
      assert.equal(supervisor.pid, null);
      const result = await runTreeScan(supervisor, { roots: [path.join(root, 'tree')] });
      assert.equal(result.status, 'failed');
      assert.match(result.reason ?? '', /^no signature database: .*var-lib-clamav holds no ClamAV database/);
      assert.equal(result.counts.scannedFiles, 0);
      await supervisor.stop();
    }));

  it('refused signatures: start rejects with clamscan\'s error', () =>
    withRoot(async (root) => {
      put(root, 'sigs/bad.ndb', 'Broken:0:*:not-hex\n');
      const supervisor = new ClamdSupervisor({ workDir: path.join(root, 'clamd'), guardpostSignatureDir: path.join(root, 'sigs'), officialDatabaseDir: null });
      await assert.rejects(supervisor.start(), /refused by clamscan: .*Malformed database/);
      assert.equal(supervisor.pid, null);
    }));

  it('an existing socket that does not answer is unavailable with the socket named', () =>
    withRoot(async (root) => {
      const socket = path.join(root, 'nobody-here.sock');
      const supervisor = new ClamdSupervisor({ workDir: root, existingSocket: socket, startTimeoutMs: 300 });
      await assert.rejects(supervisor.start(), new RegExp(`configured clamd socket ${socket} does not answer PING`));
    }));
});
