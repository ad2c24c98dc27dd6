/**
 * The `av-scan` agent handler with a REAL clamd (started lazily by the handler on Guardpost's signatures) over a
 * generated tree with EICAR and marker files assembled at run time: exact counts and detection paths in the job
 * result (checked against the job kind's result schema), progress details while scanning, ignore dirs, a cancel,
 * and a host whose configured clamd socket does not exist (capability unavailable, the scan fails with the reason).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { JobContext, AbortCause } from '../../../src/agent/handlers/handler.js';
import { antivirusHandler } from '../../../src/families/antivirus/agent-handler.js';
import { avScanJobKind, type AvScanPayload, type AvScanProgressDetail, type AvScanResult } from '../../../src/families/antivirus/job-kind.js';
import { cleanBytes, cleanTree, eicar, guardpostMarker, put, run, SIG_EICAR, SIG_MARKER, tempRoot, writeZip } from '../../engines/antivirus/av-helpers.js';

const CLEAN = 600;

/** clamd processes started with a config below `dir` (read from /proc). */
function clamdsUnder(dir: string): number {
  let n = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.endsWith('clamd') && argv.some((a) => a.includes(dir))) n++;
    } catch {
      // gone
    }
  }
  return n;
}

function context(payload: AvScanPayload, workDir: string, progress: AvScanProgressDetail[] = [], controller = new AbortController(), cause: AbortCause | null = null): JobContext<AvScanPayload> {
  return {
    jobId: 'job-1', taskId: 'task-1', payload, signal: controller.signal, abortCause: () => cause, workDir,
    reportProgress: (_p, detail) => progress.push(detail as AvScanProgressDetail),
    uploadArtifact: () => Promise.reject(new Error('no artifacts')), log: () => undefined, trackProcess: () => undefined,
  };
}

describe('av-scan handler with a real clamd', () => {
  const { root: base, cleanup } = tempRoot('gp-avhandler-');
  const root = path.join(base, 'tree');
  const options = { 'av-work-dir': path.join(base, 'clamd') };
  const expected = new Map<string, string>();

  before(async () => {
    cleanTree(root, 'clean', 20, CLEAN / 20);
    const mark = (rel: string, sig: string, contents: Buffer) => expected.set(put(root, rel, contents), sig);
    mark('www/upload/eicar.com', SIG_EICAR, eicar());
    mark('www/appended.jpg', SIG_EICAR, Buffer.concat([cleanBytes(9, 50_000), eicar()]));
    mark('home/notes.txt', SIG_MARKER, Buffer.concat([Buffer.from('todo\n'), guardpostMarker()]));
    await writeZip(path.join(root, 'home/bundle.zip'), { 'a.txt': cleanBytes(1, 100), 'x/eicar.txt': eicar() });
    expected.set(path.join(root, 'home/bundle.zip'), SIG_EICAR);
    put(root, 'cache/eicar.com', eicar()); // ignored
    put(base, 'outside/evil.com', eicar());
    mkdirSync(path.join(root, 'links'));
    symlinkSync(path.join(base, 'outside/evil.com'), path.join(root, 'links/evil'));
    run(['mkfifo', path.join(root, 'links/fifo')]);
  });

  after(async () => {
    await antivirusHandler.close?.();
    assert.equal(clamdsUnder(options['av-work-dir']), 0, 'close() stopped the clamd');
    cleanup();
  });

  test('the capability is available where clamd and signatures exist', () => {
    const capability = antivirusHandler.capability(options);
    assert.deepEqual(capability, { engine: 'clamd', available: true, reason: '' });
  });

  test('a custom scan: exact counts, detection paths and signatures, progress while scanning', async () => {
    const progress: AvScanProgressDetail[] = [];
    const payload: AvScanPayload = { scan_type: 'custom', roots: [root], ignore_dirs: [path.join(root, 'cache')], file_types: [] };
    const capability = antivirusHandler.capability(options) as never;
    const outcome = await antivirusHandler.run(context(payload, base, progress) as never, capability);
    assert.equal(outcome.outcome, 'succeeded', JSON.stringify(outcome));
    const result = avScanJobKind.checkResult(outcome.result) as AvScanResult;
    assert.equal(result.scanned_files, CLEAN + 4);
    assert.equal(result.total_files, CLEAN + 4);
    assert.equal(result.detections_count, 4);
    assert.equal(result.detections_truncated, false);
    assert.deepEqual(result.detections.map((d) => [d.path, d.signature]).sort(), [...expected].sort());
    const direct = result.detections.find((d) => d.path.endsWith('upload/eicar.com'))!;
    assert.equal(direct.size, 68);
    assert.equal(direct.sha256, '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f');
    assert.match(direct.mode, /^-rw/);
    assert.equal(direct.owner, 'root');
    assert.ok(direct.mtime_ms > 0 && direct.found_at >= direct.mtime_ms);
    assert.ok(progress.length > 0, 'progress was reported');
    assert.equal(progress[0]?.files_total, CLEAN + 4);
    const last = progress.at(-1)!;
    assert.equal(last.scanned_files, CLEAN + 4);
    assert.equal(last.detections, 4);
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.files_done >= progress[i - 1]!.files_done);
  });

  test('the same clamd serves the next scan (kept for the agent\'s life); file types filter', async () => {
    const payload: AvScanPayload = { scan_type: 'custom', roots: [path.join(root, 'home'), path.join(root, 'www')], ignore_dirs: [], file_types: [2] };
    const outcome = await antivirusHandler.run(context(payload, base) as never, antivirusHandler.capability(options) as never);
    assert.equal(outcome.outcome, 'succeeded', JSON.stringify(outcome));
    const result = outcome.result as AvScanResult;
    assert.equal(result.scanned_files, 1);
    assert.deepEqual(result.detections.map((d) => d.path), [path.join(root, 'home/bundle.zip')]);
    assert.equal(clamdsUnder(options['av-work-dir']), 1, 'one clamd for both scans');
  });

  test('a cancelled scan ends cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const payload: AvScanPayload = { scan_type: 'custom', roots: [root], ignore_dirs: [], file_types: [] };
    const outcome = await antivirusHandler.run(context(payload, base, [], controller, 'user_stop') as never, antivirusHandler.capability(options) as never);
    assert.equal(outcome.outcome, 'cancelled');
  });

  test('a configured clamd socket that does not exist: unavailable, and a scan fails with the reason', async () => {
    const missing = { 'av-socket': path.join(base, 'no-such.sock') };
    const capability = antivirusHandler.capability(missing) as { available: boolean; reason: string } | null;
    assert.equal(capability?.available, false);
    assert.match(String(capability?.reason), /no-such\.sock does not exist/);
    const payload: AvScanPayload = { scan_type: 'custom', roots: [root], ignore_dirs: [], file_types: [] };
    const outcome = await antivirusHandler.run(context(payload, base) as never, capability as never);
    assert.equal(outcome.outcome, 'failed');
    assert.match((outcome as { reason: string }).reason, /does not exist/);
  });
});
