import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ClamdSupervisor } from '../../../src/engines/antivirus/clamd-supervisor.js';
import { ImageReadError } from '../../../src/engines/image/errors.js';
import type { ImageScanReport } from '../../../src/engines/image/report.js';
import { scanImage, type ImageScanOptions } from '../../../src/engines/image/scan/scan-image.js';
import { SIG_EICAR, SIG_MARKER } from '../antivirus/av-helpers.js';
import { buildImage, dockerArchive, ociArchive, type BuiltImage } from './image-builder.js';
import { LARGE, MiB, scanFixtureLayers } from './scan-fixture.js';

const sha = (report: ImageScanReport, i: number): string => report.layers[i]?.diffId ?? '';
const comparable = (r: ImageScanReport): unknown => ({ ...r, format: null, repoTags: null, stats: { ...r.stats, durationMs: 0 } });

describe('scanImage over a built image (dpkg + apk, unowned files, flags, markers) with a real clamd', () => {
  let dir: string;
  let built: BuiltImage;
  let docker: string;
  let oci: string;
  let supervisor: ClamdSupervisor;
  let options: ImageScanOptions;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gp-img-scan-'));
    built = await buildImage(await scanFixtureLayers(dir));
    docker = path.join(dir, 'image.docker.tar');
    oci = path.join(dir, 'image.oci.tar');
    await dockerArchive(built, docker);
    await ociArchive(built, oci);
    supervisor = new ClamdSupervisor({ workDir: path.join(dir, 'clamd'), officialDatabaseDir: null, limits: { maxFileSize: 64 * MiB, maxThreads: 2 } });
    await supervisor.start();
    options = { largeFileBytes: LARGE, clamd: () => Promise.resolve(supervisor.client), tempDir: dir };
  });
  after(async () => {
    await supervisor.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports the exact rows of apps, files and malwares, each on its layer', async () => {
    const report = await scanImage(oci, options);
    assert.equal(report.imageId, built.configDigest);
    assert.deepEqual(report.problems, []);
    assert.equal(report.os?.ecosystem, 'Debian:12');
    assert.deepEqual(
      report.rows.apps.map((a) => [a.appName, a.appType, a.appVersion, a.sourceName, a.appPath, a.layerIndex, a.layerDigest]).sort(),
      [
        ['base-files', 'dpkg', '12.4+deb12u5', 'base-files', '/var/lib/dpkg/status', 0, sha(report, 0)],
        ['busybox', 'apk', '1.36.1-r15', 'busybox', '/lib/apk/db/installed', 0, sha(report, 0)],
        ['libc6', 'dpkg', '2.36-9+deb12u4', 'glibc', '/var/lib/dpkg/status', 0, sha(report, 0)],
      ],
    );
    assert.deepEqual(
      report.rows.files.map((f) => [f.filePath, f.fileName, f.size, f.mode.toString(8).padStart(4, '0'), f.flags.join(';'), f.layerIndex]),
      [
        ['/etc/os-release', 'os-release', 71, '0644', '', 0],
        ['/opt/big-infected.bin', 'big-infected.bin', 2 * MiB + 68, '0644', 'large', 2],
        ['/opt/big.bin', 'big.bin', 2 * MiB, '0644', 'large', 0],
        ['/srv/bundle.zip', 'bundle.zip', report.rows.files.find((f) => f.fileName === 'bundle.zip')?.size, '0644', '', 1],
        ['/srv/shared.txt', 'shared.txt', 7, '0666', 'world_writable', 0],
        ['/usr/bin/sgid-tool', 'sgid-tool', 8, '2755', 'setgid', 0],
        ['/usr/bin/su-helper', 'su-helper', 6, '4755', 'setuid', 0],
        ['/usr/local/bin/tool', 'tool', 21, '0755', '', 1],
      ],
    );
    assert.ok(report.rows.files.every((f) => f.layerDigest === sha(report, f.layerIndex ?? -1) && f.createdBy === report.layers[f.layerIndex ?? -1]?.createdBy));
    assert.deepEqual(
      report.rows.malwares.map((m) => [m.filePath, m.description, m.removed, m.layerIndex, m.layerDigest]),
      [
        ['/opt/payload/eicar.com', SIG_EICAR, true, 0, sha(report, 0)],
        ['/usr/local/bin/tool', SIG_MARKER, true, 0, sha(report, 0)],
        ['/srv/bundle.zip', SIG_EICAR, false, 1, sha(report, 1)],
        ['/opt/big-infected.bin', SIG_EICAR, false, 2, sha(report, 2)],
      ],
    );
    const eicarRow = report.rows.malwares[0];
    assert.equal(eicarRow?.size, 68);
    assert.match(eicarRow?.sha256 ?? '', /^[0-9a-f]{64}$/);
    assert.match(eicarRow?.createdBy ?? '', /ADD file:base/);
  });

  it('gives the identical report for the docker-archive, the OCI archive and a gzipped docker-archive (temp copy removed)', async () => {
    const fromOci = await scanImage(oci, options);
    const fromDocker = await scanImage(docker, options);
    assert.equal(fromDocker.format, 'docker-archive');
    assert.deepEqual(fromDocker.repoTags, ['test/image:1']);
    assert.deepEqual(comparable(fromDocker), comparable(fromOci));
    const gz = path.join(dir, 'image.docker.tar.gz');
    writeFileSync(gz, gzipSync(readFileSync(docker)));
    const temp = path.join(dir, 'scanner-temp');
    mkdirSync(temp);
    const fromGz = await scanImage(gz, { ...options, tempDir: temp });
    assert.deepEqual(comparable(fromGz), comparable(fromDocker));
    assert.deepEqual(readdirSync(temp), [], 'the decompressed copy is removed after the scan');
  });

  it('without clamd, malwares is a problem (never clean) and the other report types stand', async () => {
    const none = await scanImage(oci, { largeFileBytes: LARGE });
    assert.deepEqual(none.rows.malwares, []);
    assert.deepEqual(none.problems.map((p) => p.type), ['malwares']);
    assert.match(none.problems[0]?.message ?? '', /no clamd/);
    assert.equal(none.rows.files.length, 8);
    const gone = await scanImage(oci, { largeFileBytes: LARGE, clamd: () => Promise.resolve(new ClamdSupervisor({ workDir: path.join(dir, 'nowhere') }).client) });
    assert.deepEqual(gone.problems.map((p) => p.type), ['malwares']);
    assert.match(gone.problems[0]?.message ?? '', /unavailable/);
  });

  it('a hung clamd ends the scan with scan_timeout at the wall-time bound, and an abort with scan_aborted', async () => {
    const pid = supervisor.pid as number;
    process.kill(pid, 'SIGSTOP');
    try {
      await assert.rejects(scanImage(oci, { ...options, wallTimeMs: 1500 }), (err: unknown) => err instanceof ImageReadError && err.code === 'scan_timeout');
      const controller = new AbortController();
      const scanning = scanImage(oci, { ...options, signal: controller.signal });
      setTimeout(() => controller.abort(), 300);
      await assert.rejects(scanning, (err: unknown) => err instanceof ImageReadError && err.code === 'scan_aborted');
      await assert.rejects(scanImage(oci, { ...options, signal: AbortSignal.abort() }), (err: unknown) => err instanceof ImageReadError && err.code === 'scan_aborted');
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const after = await scanImage(oci, options);
    assert.equal(after.rows.malwares.length, 4, 'clamd answers again once continued');
  });
});
