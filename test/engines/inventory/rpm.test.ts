import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rpmExtractor, sourceRpmName } from '../../../src/engines/inventory/os/rpm.js';
import type { InventoryPackage } from '../../../src/engines/inventory/types.js';
import { collectInventory } from '../../../src/engines/inventory/walk.js';
import { put, run, tempRoot } from './inventory-helpers.js';

interface SpecPackage {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  license?: string;
}

const PACKAGES: SpecPackage[] = [
  { name: 'gp-alpha', version: '1.0', release: '1' },
  { name: 'gp-beta', version: '2.3.4', release: '5.el9', epoch: 2 },
  { name: 'gp-gamma', version: '0.9', release: '0.rc1', license: 'GPLv2+ and LGPLv2+' },
];

function spec(p: SpecPackage): string {
  return [
    `Name: ${p.name}`,
    `Version: ${p.version}`,
    `Release: ${p.release}`,
    ...(p.epoch ? [`Epoch: ${p.epoch}`] : []),
    'Summary: Guardpost inventory test package',
    `License: ${p.license ?? 'MIT'}`,
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

const QF = '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM}\n';

/** The extractor's package in the shape of an `rpm -qa --qf QF` line. */
function asQueryLine(p: InventoryPackage): string {
  const evr = p.version.includes(':') ? p.version : `0:${p.version}`;
  return `${p.name} ${evr} ${p.arch} ${p.sourceName}-${p.version.replace(/^\d+:/, '')}.src.rpm`;
}

/**
 * Copies the header blobs of the sqlite rpmdb into a BerkeleyDB hash `Packages` written by libdb's own db_load
 * (keys: the native-endian header number, as rpm's bdb backend stores them).
 */
function writeBerkeleyDbPackages(sqliteDir: string, targetDir: string, pageSize: number): void {
  const db = new Database(path.join(sqliteDir, 'rpmdb.sqlite'), { readonly: true });
  const lines = ['VERSION=3', 'format=bytevalue', 'type=hash', `db_pagesize=${pageSize}`, 'HEADER=END'];
  try {
    for (const row of db.prepare('SELECT hnum, blob FROM Packages').raw().all()) {
      const [hnum, blob] = row as [number, Buffer];
      const key = Buffer.alloc(4);
      key.writeUInt32LE(hnum);
      lines.push(` ${key.toString('hex')}`, ` ${blob.toString('hex')}`);
    }
  } finally {
    db.close();
  }
  lines.push('DATA=END', '');
  const dump = put(targetDir, '../dump.txt', lines.join('\n'));
  mkdirSync(targetDir, { recursive: true });
  run(['db5.3_load', '-f', dump, path.join(targetDir, 'Packages')]);
  rmSync(dump);
}

describe('rpm extractor (rpmdb built by rpm itself)', () => {
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
        const expected = run(['rpm', '-qa', '--dbpath', dbpath, '--qf', QF])
          .trim()
          .split('\n')
          .sort();
        assert.equal(expected.length, PACKAGES.length);
        const result = await collectInventory(root, { extractors: [rpmExtractor] });
        assert.deepEqual(result.packages.map(asQueryLine).sort(), expected);
        const beta = result.packages.find((p) => p.name === 'gp-beta');
        assert.equal(beta?.version, '2:2.3.4-5.el9');
        assert.equal(beta?.epoch, 2);
        assert.equal(result.packages.find((p) => p.name === 'gp-alpha')?.version, '1.0-1');
        assert.equal(result.packages.find((p) => p.name === 'gp-alpha')?.license, 'MIT');
        assert.equal(result.packages.find((p) => p.name === 'gp-gamma')?.license, 'GPL-2.0-or-later AND LGPL-2.0-or-later');
        assert.ok(result.packages.every((p) => p.ecosystem === 'AlmaLinux:9' && p.location === `${location}/rpmdb.sqlite`));
        assert.deepEqual(result.extractors[0]?.errors, []);
      } finally {
        cleanup();
      }
    });
  }

  for (const pageSize of [512, 4096, 16384]) {
    it(`lists what rpm -qa (bdb_ro backend) lists from a BerkeleyDB Packages file, ${pageSize}-byte pages`, async () => {
      const { root, cleanup } = tempRoot();
      try {
        const bdbDir = path.join(root, 'var/lib/rpm');
        writeBerkeleyDbPackages(dbpath, bdbDir, pageSize);
        const expected = run(['rpm', '--define', '_db_backend bdb_ro', '-qa', '--dbpath', bdbDir, '--qf', QF]).trim().split('\n').sort();
        assert.equal(expected.length, PACKAGES.length);
        const result = await collectInventory(root, { extractors: [rpmExtractor] });
        assert.deepEqual(result.packages.map(asQueryLine).sort(), expected);
        assert.ok(result.packages.every((p) => p.ecosystem === 'RPM' && p.location === 'var/lib/rpm/Packages'));
        assert.deepEqual(result.extractors[0]?.errors, []);
      } finally {
        cleanup();
      }
    });
  }

  it('reports an NDB Packages.db as unsupported instead of silently listing nothing', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'usr/lib/sysimage/rpm/Packages.db', Buffer.alloc(4096));
      const result = await collectInventory(root, { extractors: [rpmExtractor] });
      assert.equal(result.packages.length, 0);
      assert.match(result.extractors[0]?.errors[0]?.message ?? '', /NDB rpm databases \(SUSE\) are not supported/);
    } finally {
      cleanup();
    }
  });

  it('records a BerkeleyDB file that is not a hash database as an extractor error', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'var/lib/rpm/Packages', Buffer.alloc(4096));
      const result = await collectInventory(root, { extractors: [rpmExtractor] });
      assert.match(result.extractors[0]?.errors[0]?.message ?? '', /not a BerkeleyDB hash database/);
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
