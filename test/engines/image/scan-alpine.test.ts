import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { scanImage } from '../../../src/engines/image/scan/scan-image.js';

const ARCHIVE = new URL('../../../../../shared/data/images/alpine-3.10.docker-archive.tar.gz', import.meta.url).pathname;
const tar = (args: string[], input?: Buffer): Buffer => execFileSync('tar', args, { input, maxBuffer: 64 * 1024 * 1024, timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] });

/** The apk db of the image read with GNU tar, parsed here: `name version origin` per package. */
function apkFromTar(): { rows: string[]; layerTar: string } {
  const manifest = JSON.parse(tar(['-xzOf', ARCHIVE, 'manifest.json']).toString()) as Array<{ Layers: string[] }>;
  const layer = tar(['-xzOf', ARCHIVE, manifest[0]?.Layers[0] as string]);
  const installed = tar(['-xO', 'lib/apk/db/installed'], layer).toString();
  const rows = installed
    .split('\n\n')
    .filter((block) => block.includes('P:'))
    .map((block) => {
      const field = (k: string): string => block.split('\n').find((l) => l.startsWith(`${k}:`))?.slice(2) ?? '';
      return `${field('P')} ${field('V')} ${field('o')}`;
    });
  return { rows: rows.sort(), layerTar: manifest[0]?.Layers[0] as string };
}

describe('scanImage: the real alpine 3.10 docker-archive (gzipped outer archive)', () => {
  it('produces exactly its apk packages as AppRows (name, version, origin) on layer 0', async () => {
    const expected = apkFromTar();
    const report = await scanImage(ARCHIVE, { reportTypes: ['apps'] });
    assert.equal(report.format, 'docker-archive');
    assert.deepEqual(report.repoTags, ['alpine:3.10']);
    assert.equal(report.os?.ecosystem, 'Alpine:v3.10');
    assert.equal(report.layers.length, 1);
    assert.deepEqual(report.problems, []);
    const apps = report.rows.apps;
    assert.deepEqual(apps.map((a) => `${a.appName} ${a.appVersion} ${a.sourceName}`).sort(), expected.rows);
    for (const app of apps) {
      assert.equal(app.appType, 'apk');
      assert.equal(app.appPath, '/lib/apk/db/installed');
      assert.equal(app.ecosystem, 'Alpine:v3.10');
      assert.equal(app.kind, 'os');
      assert.equal(app.layerIndex, 0);
      assert.equal(app.layerDigest, report.layers[0]?.diffId);
      assert.match(app.createdBy, /^\/bin\/sh -c #\(nop\) ADD file:d48cac34/);
    }
    assert.ok(report.stats.bytes > 5_000_000 && report.layers[0]?.size === report.stats.bytes);
  });

  it('has no secrets, no non-compliant package, and only the image-wide build risks (root, no HEALTHCHECK)', async () => {
    const report = await scanImage(ARCHIVE, { reportTypes: ['apps', 'sensitive-info', 'non-compliant-app', 'build-command-risks'] });
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.rows['sensitive-info'], []);
    assert.deepEqual(report.rows['non-compliant-app'], []);
    assert.deepEqual(
      report.rows['build-command-risks'].map((r) => [r.ruleId, r.riskLevel, r.historyIndex, r.buildInstruction, r.layerIndex, r.layerDigest, r.createdBy]),
      [
        ['GP-BUILD-003', 'high', null, '(no USER instruction)', null, '', ''],
        ['GP-BUILD-023', 'low', null, '(no HEALTHCHECK instruction)', null, '', ''],
      ],
    );
    const licences = new Map(report.rows.apps.map((a) => [a.appName, a.license]));
    assert.equal(licences.get('musl'), 'MIT');
    assert.equal(licences.get('busybox'), 'GPL-2.0-only');
    assert.ok(report.rows.apps.every((a) => a.license !== ''), 'every apk package names its licence (L:)');
  });
});
