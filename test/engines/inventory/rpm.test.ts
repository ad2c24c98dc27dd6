import assert from 'node:assert/strict';
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rpmExtractor, sourceRpmName } from '../../../src/engines/inventory/os/rpm.js';
import { collectInventory } from '../../../src/engines/inventory/walk.js';
import { put, run, tempRoot } from './inventory-helpers.js';

interface SpecPackage {
  name: string;
  version: string;
  release: string;
  epoch?: number;
}

const PACKAGES: SpecPackage[] = [
  { name: 'gp-alpha', version: '1.0', release: '1' },
  { name: 'gp-beta', version: '2.3.4', release: '5.el9', epoch: 2 },
  { name: 'gp-gamma', version: '0.9', release: '0.rc1' },
];

function spec(p: SpecPackage): string {
  return [
    `Name: ${p.name}`,
    `Version: ${p.version}`,
    `Release: ${p.release}`,
    ...(p.epoch ? [`Epoch: ${p.epoch}`] : []),
    'Summary: Guardpost inventory test package',
    'License: MIT',
    'BuildArch: noarch',
    '%description',
    'A package with no files, built by the inventory tests.',
    '%files',
    '',
  ].join('\n');
}

/** Builds the packages with rpmbuild and installs them --justdb into a fresh sqlite rpmdb; returns the db dir. */
function buildDatabase(work: string): string {
  const topdir = path.join(work, 'rpmbuild');
  const dbpath = path.join(work, 'db');
  const common = ['--define', `_topdir ${topdir}`, '--define', '_db_backend sqlite'];
  for (const p of PACKAGES) {
    const file = put(work, `specs/${p.name}.spec`, spec(p));
    run(['rpmbuild', ...common, '--quiet', '-bb', file]);
  }
  const rpmsDir = path.join(topdir, 'RPMS', 'noarch');
  const rpms = readdirSync(rpmsDir).map((f) => path.join(rpmsDir, f));
  run(['rpm', '--define', '_db_backend sqlite', '--initdb', '--dbpath', dbpath]);
  run(['rpm', '--define', '_db_backend sqlite', '--dbpath', dbpath, '-i', '--justdb', '--nodeps', '--nosignature', ...rpms]);
  return dbpath;
}

describe('rpm extractor (sqlite rpmdb built by rpm itself)', () => {
  const work = tempRoot('gp-rpm-');
  let dbpath = '';
  before(() => {
    dbpath = buildDatabase(work.root);
  });
  after(() => work.cleanup());

  for (const location of ['var/lib/rpm', 'usr/lib/sysimage/rpm']) {
    it(`lists what rpm -qa lists, from ${location}/rpmdb.sqlite`, async () => {
      const { root, cleanup } = tempRoot();
      try {
        cpSync(dbpath, path.join(root, location), { recursive: true });
        put(root, 'etc/os-release', 'ID="almalinux"\nVERSION_ID="9.3"\n');
        const expected = run(['rpm', '-qa', '--dbpath', dbpath, '--qf', '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n'])
          .trim()
          .split('\n')
          .sort();
        assert.equal(expected.length, PACKAGES.length);
        const result = await collectInventory(root, { extractors: [rpmExtractor] });
        const found = result.packages.map((p) => {
          const evr = p.version.includes(':') ? p.version : `0:${p.version}`;
          return `${p.name} ${evr} ${p.arch} ${p.sourceName}-${p.version.replace(/^\d+:/, '')}.src.rpm`;
        });
        assert.deepEqual(found.sort(), expected);
        const beta = result.packages.find((p) => p.name === 'gp-beta');
        assert.equal(beta?.version, '2:2.3.4-5.el9');
        assert.equal(beta?.epoch, 2);
        assert.equal(result.packages.find((p) => p.name === 'gp-alpha')?.version, '1.0-1');
        assert.ok(result.packages.every((p) => p.ecosystem === 'AlmaLinux:9' && p.location === `${location}/rpmdb.sqlite`));
        assert.deepEqual(result.extractors[0]?.errors, []);
      } finally {
        cleanup();
      }
    });
  }

  it('reports a BerkeleyDB Packages file as unsupported instead of silently listing nothing', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'var/lib/rpm/Packages', Buffer.alloc(4096));
      const result = await collectInventory(root, { extractors: [rpmExtractor] });
      assert.equal(result.packages.length, 0);
      assert.match(result.extractors[0]?.errors[0]?.message ?? '', /BerkeleyDB rpm databases are not supported/);
    } finally {
      cleanup();
    }
  });

  it('records a corrupt rpmdb.sqlite as an extractor error', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'var/lib/rpm/rpmdb.sqlite', 'not a database at all');
      const result = await collectInventory(root, { extractors: [rpmExtractor] });
      assert.match(result.extractors[0]?.errors[0]?.message ?? '', /not an SQLite database/);
    } finally {
      cleanup();
    }
  });

  it('takes the name out of a source RPM file name', () => {
    assert.equal(sourceRpmName('openssl-libs-3.0.7-27.el9.src.rpm'), 'openssl-libs');
    assert.equal(sourceRpmName('foo-1-2.nosrc.rpm'), 'foo');
    assert.equal(sourceRpmName('garbage'), undefined);
  });
});
