import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { scanImage } from '../../../src/engines/image/scan/scan-image.js';
import { put, run, tempRoot } from '../inventory/inventory-helpers.js';
import { buildImage, ociArchive } from './image-builder.js';

const SPEC = [
  'Name: gp-owned',
  'Version: 1.0',
  'Release: 1',
  'Summary: Guardpost image files test package',
  'License: MIT',
  'BuildArch: noarch',
  '%description',
  'Owns two files.',
  '%install',
  'mkdir -p %{buildroot}/usr/bin %{buildroot}/etc',
  'echo tool > %{buildroot}/usr/bin/gp-tool',
  'echo conf > %{buildroot}/etc/gp.conf',
  '%files',
  '/usr/bin/gp-tool',
  '/etc/gp.conf',
  '',
].join('\n');

/** A real sqlite rpmdb (rpmbuild + rpm --justdb) holding one package that owns two files. */
function rpmdb(work: string): Buffer {
  const topdir = path.join(work, 'rpmbuild');
  const dbpath = path.join(work, 'db');
  const common = ['--define', `_topdir ${topdir}`, '--define', '_db_backend sqlite'];
  run(['rpmbuild', ...common, '--quiet', '-bb', put(work, 'gp-owned.spec', SPEC)], 120_000);
  const rpms = path.join(topdir, 'RPMS', 'noarch');
  run(['rpm', '--define', '_db_backend sqlite', '--initdb', '--dbpath', dbpath]);
  run(['rpm', '--define', '_db_backend sqlite', '--dbpath', dbpath, '-i', '--justdb', '--nodeps', '--nosignature', ...readdirSync(rpms).map((f) => path.join(rpms, f))]);
  return readFileSync(path.join(dbpath, 'rpmdb.sqlite'));
}

describe('scanImage files: rpm file lists', () => {
  const { root, cleanup } = tempRoot('gp-img-rpm-');
  after(cleanup);

  it('lists only the files no rpm package owns (file names read from the rpmdb headers)', async () => {
    const built = await buildImage([
      {
        entries: [
          { name: 'etc/os-release', content: 'ID=rocky\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3"\n' },
          { name: 'var/lib/rpm/rpmdb.sqlite', content: rpmdb(root) },
          { name: 'usr/bin/gp-tool', content: 'tool\n', mode: 0o755 },
          { name: 'etc/gp.conf', content: 'conf\n' },
          { name: 'usr/bin/unowned', content: 'mine\n', mode: 0o755 },
        ],
      },
    ]);
    const archive = path.join(root, 'image.tar');
    await ociArchive(built, archive);
    const report = await scanImage(archive, { reportTypes: ['apps', 'files'] });
    assert.deepEqual(report.problems, []);
    assert.deepEqual(report.rows.apps.map((a) => `${a.appType} ${a.appName} ${a.appVersion} ${a.appPath}`), ['rpm gp-owned 1.0-1 /var/lib/rpm/rpmdb.sqlite']);
    assert.deepEqual(report.rows.files.map((f) => f.filePath), ['/etc/os-release', '/usr/bin/unowned']);
    rmSync(archive);
  });
});
