import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, mkdirSync, openSync, symlinkSync, ftruncateSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ClamdSupervisor } from '../../../src/engines/antivirus/clamd-supervisor.js';
import { runTreeScan, type ScanProgress, type TreeScanResult } from '../../../src/engines/antivirus/tree-scan.js';
import { cleanBytes, cleanTree, eicar, guardpostMarker, HASH_TEST_FILE, put, run, SIG_EICAR, SIG_HASH, SIG_MARKER, tempRoot, writeTarGz, writeZip } from './av-helpers.js';

const MiB = 1024 * 1024;
const MAX_FILE = 64 * MiB;
const CLEAN_FILES = 3000;

/**
 * A real clamd (started by the supervisor on Guardpost's signatures only) over a generated tree:
 *   clean/            3000 clean files
 *   markers/          7 files that must be detected, each by a known signature
 *   special/          a 2 GiB sparse file, a FIFO, a unix socket, two symlinks out of the root
 *   ignored/          a detected file inside an ignored directory
 * Outside the root, `outside/` holds EICAR files the symlinks point at.
 */
describe('tree scan with a real clamd', () => {
  const { root: base, cleanup } = tempRoot('gp-avscan-');
  const root = path.join(base, 'root');
  const outside = path.join(base, 'outside');
  const supervisor = new ClamdSupervisor({ workDir: path.join(base, 'clamd'), officialDatabaseDir: null, limits: { maxFileSize: MAX_FILE, maxThreads: 2 } });
  const expected = new Map<string, string>();
  const server = net.createServer(); // its socket file stays in the tree while the tests run

  before(async () => {
    cleanTree(root, 'clean', 30, CLEAN_FILES / 30);
    const mark = (rel: string, signature: string, contents: Buffer | string): void => {
      put(root, rel, contents);
      expected.set(path.join(root, rel), signature);
    };
    mark('markers/eicar.com', SIG_EICAR, eicar());
    mark('markers/appended.bin', SIG_EICAR, Buffer.concat([cleanBytes(7, 100_000), eicar()]));
    mark('markers/marker.txt', SIG_MARKER, Buffer.concat([Buffer.from('notes\n'), guardpostMarker(), Buffer.from('\nmore notes\n')]));
    mark('markers/hash-test-file', SIG_HASH, HASH_TEST_FILE);
    await writeZip(path.join(root, 'markers/bundle.zip'), { 'readme.txt': cleanBytes(1, 500), 'deep/eicar.txt': eicar() });
    expected.set(path.join(root, 'markers/bundle.zip'), SIG_EICAR);
    const tarSrc = path.join(base, 'tar-src');
    put(tarSrc, 'docs/a.txt', cleanBytes(2, 300));
    put(tarSrc, 'docs/b/appended.txt', Buffer.concat([cleanBytes(3, 5000), eicar()]));
    writeTarGz(path.join(root, 'markers/layer.tar.gz'), tarSrc);
    expected.set(path.join(root, 'markers/layer.tar.gz'), SIG_EICAR);
    // Mode 000 hides nothing from root (the agent runs as root): it is read and detected.
    mark('markers/locked-000', SIG_MARKER, Buffer.concat([cleanBytes(4, 200), guardpostMarker()]));
    chmodSync(path.join(root, 'markers/locked-000'), 0o000);

    put(outside, 'evil.com', eicar());
    put(outside, 'dir/evil.com', eicar());
    mkdirSync(path.join(root, 'special'), { recursive: true });
    symlinkSync(path.join(outside, 'evil.com'), path.join(root, 'special/link-to-file'));
    symlinkSync(path.join(outside, 'dir'), path.join(root, 'special/link-to-dir'));
    const sparse = openSync(path.join(root, 'special/sparse-2g'), 'w');
    ftruncateSync(sparse, 2 * 1024 * MiB);
    closeSync(sparse);
    run(['mkfifo', path.join(root, 'special/fifo')]);
    await new Promise<void>((resolve) => server.listen(path.join(root, 'special/socket'), resolve));
    put(root, 'ignored/eicar.com', eicar());
    await supervisor.start();
  });

  after(async () => {
    await supervisor.stop();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    cleanup();
  });

  const assertDetections = (result: TreeScanResult, paths: string[]): void => {
    const got = result.detections.map((d) => [d.path, d.signature]).sort();
    assert.deepEqual(got, paths.map((p) => [p, expected.get(p)]).sort());
  };

  it('counts exactly, detects every marker by name and path, never follows links or opens FIFOs', async () => {
    const progress: ScanProgress[] = [];
    const result = await runTreeScan(supervisor, {
      roots: [root],
      ignoreDirs: [path.join(root, 'ignored')],
      maxFileSize: MAX_FILE,
      concurrency: 3,
      progressIntervalMs: 0,
      onProgress: (p) => progress.push(p),
    });
    assert.equal(result.status, 'completed', result.reason);
    const markers = expected.size;
    assert.equal(markers, 7);
    assert.deepEqual(result.counts, {
      totalFiles: CLEAN_FILES + markers + 1, // + the sparse file
      processedFiles: CLEAN_FILES + markers + 1,
      scannedFiles: CLEAN_FILES + markers,
      scannedBytes: result.counts.scannedBytes,
      detections: markers,
      skippedTooLarge: 1,
      filteredOut: 0,
      unreadableFiles: 0,
      unreadableDirs: 0,
      skippedSymlinks: 2,
      skippedSpecial: 2,
      missingRoots: 0,
      scanErrors: 0,
    });
    assertDetections(result, [...expected.keys()]);
    assert.equal(result.detectionsTruncated, false);
    const eicarFile = result.detections.find((d) => d.path.endsWith('eicar.com'));
    assert.equal(eicarFile?.sha256, '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f');
    assert.equal(eicarFile?.size, 68);
    // Progress moved from the pre-count to 100 %, never backwards.
    assert.equal(progress[0]?.percent, 0);
    assert.equal(progress[0]?.totalFiles, CLEAN_FILES + markers + 1);
    assert.equal(progress.at(-1)?.percent, 100);
    assert.ok(progress.some((p) => p.percent > 0 && p.percent < 100));
    for (let i = 1; i < progress.length; i++) assert.ok((progress[i] as ScanProgress).processedFiles >= (progress[i - 1] as ScanProgress).processedFiles);
    assert.ok(progress.slice(0, -1).every((p) => p.percent <= 99));
  });

  it('one connection per file (no IDSESSION pipelining) gives the same counts and detections', async () => {
    const unpipelined = new ClamdSupervisor({ workDir: path.join(base, 'unused'), existingSocket: supervisor.socketPath, sessions: 0 });
    await unpipelined.start();
    try {
      const result = await runTreeScan(unpipelined, { roots: [root], ignoreDirs: [path.join(root, 'ignored')], maxFileSize: MAX_FILE, concurrency: 3 });
      assert.equal(result.status, 'completed', result.reason);
      assert.equal(result.counts.scannedFiles, CLEAN_FILES + expected.size);
      assert.equal(result.counts.skippedTooLarge, 1);
      assert.equal(result.counts.skippedSymlinks + result.counts.skippedSpecial, 4);
      assertDetections(result, [...expected.keys()]);
    } finally {
      await unpipelined.stop();
    }
  });

  it('streaming every file (INSTREAM, no descriptor scans) gives the same counts, detections and hashes', async () => {
    assert.equal(supervisor.scanMode, 'descriptor');
    const streaming = new ClamdSupervisor({ workDir: path.join(base, 'unused'), existingSocket: supervisor.socketPath, descriptorScans: false });
    await streaming.start();
    try {
      assert.equal(streaming.scanMode, 'stream');
      const result = await runTreeScan(streaming, { roots: [root], ignoreDirs: [path.join(root, 'ignored')], maxFileSize: MAX_FILE });
      assert.equal(result.status, 'completed', result.reason);
      assert.equal(result.counts.scannedFiles, CLEAN_FILES + expected.size);
      assertDetections(result, [...expected.keys()]);
      assert.equal(result.detections.find((d) => d.path.endsWith('eicar.com'))?.sha256, '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f');
    } finally {
      await streaming.stop();
    }
  });

  it('custom roots, ignore dirs and the file-type filter (scripts and archives)', async () => {
    const result = await runTreeScan(supervisor, { roots: [path.join(root, 'markers'), path.join(root, 'ignored')], ignoreDirs: [path.join(root, 'ignored')], fileTypes: [2], maxFileSize: MAX_FILE });
    assert.equal(result.status, 'completed', result.reason);
    assert.equal(result.counts.scannedFiles, 2);
    assert.equal(result.counts.filteredOut, 5);
    assertDetections(result, [path.join(root, 'markers/bundle.zip'), path.join(root, 'markers/layer.tar.gz')]);
  });

  it('keeps at most maxDetectionsKept detections but counts and reports every one', async () => {
    const seen: string[] = [];
    const result = await runTreeScan(supervisor, { roots: [path.join(root, 'markers')], maxDetectionsKept: 2, onDetection: (d) => seen.push(d.path) });
    assert.equal(result.counts.detections, 7);
    assert.equal(result.detections.length, 2);
    assert.equal(result.detectionsTruncated, true);
    assert.deepEqual(seen.sort(), [...expected.keys()].sort());
  });

  it('a smaller size bound skips (and counts) the files over it unread', async () => {
    const result = await runTreeScan(supervisor, { roots: [path.join(root, 'markers')], maxFileSize: 50_000 });
    assert.equal(result.status, 'completed', result.reason);
    assert.equal(result.counts.skippedTooLarge, 1); // appended.bin (100,068 bytes)
    assert.equal(result.counts.scannedFiles, 6);
    assert.ok(!result.detections.some((d) => d.path.endsWith('appended.bin')));
  });

  it('aborting stops the scan with status aborted', async () => {
    const ac = new AbortController();
    const result = await runTreeScan(supervisor, {
      roots: [root],
      maxFileSize: MAX_FILE,
      signal: ac.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.processedFiles >= 200) ac.abort();
      },
    });
    assert.equal(result.status, 'aborted');
    assert.ok(result.counts.processedFiles < CLEAN_FILES);
  });

  it('without CAP_DAC_OVERRIDE a mode-000 file and a mode-000 directory are skipped and counted as unreadable', () => {
    const locked = path.join(root, 'special/locked-dir');
    put(root, 'special/locked-dir/inner.com', eicar());
    chmodSync(locked, 0o000);
    try {
      const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scan-child.js');
      const out = execFileSync(
        'setpriv',
        ['--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search', '--', process.execPath, child, supervisor.socketPath, path.join(base, 'child-work'), String(MAX_FILE), path.join(root, 'markers'), path.join(root, 'special')],
        { encoding: 'utf8', timeout: 120_000 },
      );
      const result = JSON.parse(out) as TreeScanResult;
      assert.equal(result.status, 'completed', result.reason);
      assert.equal(result.counts.unreadableFiles, 1);
      assert.equal(result.counts.unreadableDirs, 1);
      assert.equal(result.counts.scannedFiles, 6);
      assert.equal(result.counts.skippedTooLarge, 1);
      assertDetections(result, [...expected.keys()].filter((p) => !p.endsWith('locked-000')));
    } finally {
      chmodSync(locked, 0o755);
    }
  });
});
