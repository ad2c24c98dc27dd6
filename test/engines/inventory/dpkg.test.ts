import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dpkgExtractor } from '../../../src/engines/inventory/os/dpkg.js';
import { collectInventory } from '../../../src/engines/inventory/walk.js';
import { put, run, tempRoot } from './inventory-helpers.js';

describe('dpkg extractor', () => {
  it("lists exactly what dpkg-query lists from this machine's status file", async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'var/lib/dpkg/status', readFileSync('/var/lib/dpkg/status'));
      put(root, 'etc/os-release', readFileSync('/etc/os-release'));
      const expected = run(['dpkg-query', '--admindir', `${root}/var/lib/dpkg`, '-W', '-f', '${db:Status-Abbrev}|${Package} ${Version}\n'])
        .split('\n')
        .filter((line) => line.startsWith('ii') || line.startsWith('hi'))
        .map((line) => line.slice(line.indexOf('|') + 1))
        .sort();
      assert.ok(expected.length > 10, 'this machine has dpkg packages');
      const result = await collectInventory(root, { extractors: [dpkgExtractor] });
      const found = result.packages.map((p) => `${p.name} ${p.version}`).sort();
      assert.deepEqual(found, expected);
      const hostVersion = /^VERSION_ID="?(\d+)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
      if (result.os?.id === 'debian') assert.ok(result.packages.every((p) => p.ecosystem === `Debian:${hostVersion}` && p.kind === 'os'));
      const sources = run(['dpkg-query', '--admindir', `${root}/var/lib/dpkg`, '-W', '-f', '${Package} ${source:Package}\n']);
      const sourceOf = new Map(sources.trim().split('\n').map((l) => l.split(' ') as [string, string]));
      for (const p of result.packages) assert.equal(p.sourceName, sourceOf.get(p.name), p.name);
    } finally {
      cleanup();
    }
  });

  it('keeps Source name and version, keeps held packages, skips not-installed paragraphs, reads distroless status.d', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'etc/os-release', 'ID=debian\nVERSION_ID="11"\n');
      put(
        root,
        'var/lib/dpkg/status',
        [
          'Package: libssl3\nStatus: install ok installed\nSource: openssl (3.0.11-1~deb12u2)\nVersion: 3.0.11-1~deb12u2+b1\nArchitecture: amd64\nDescription: x\n more',
          'Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0',
          'Package: half\nStatus: install ok half-configured\nVersion: 1.0',
          'Package: bash\nStatus: install ok installed\nVersion: 5.2-1\n',
          'Package: held\nStatus: hold ok installed\nVersion: 0.1\n',
          'Package: broken\nStatus: install reinstreq installed\nVersion: 0.2\n',
        ].join('\n\n'),
      );
      put(root, 'var/lib/dpkg/status.d/tzdata', 'Package: tzdata\nVersion: 2024a-0+deb11u1\nArchitecture: all\n');
      put(root, 'var/lib/dpkg/status.d/tzdata.md5sums', 'd41d8cd98f00b204e9800998ecf8427e  usr/share/zoneinfo/UTC\n');
      const result = await collectInventory(root, { extractors: [dpkgExtractor] });
      assert.deepEqual(
        result.packages.map((p) => [p.name, p.version, p.sourceName, p.sourceVersion, p.ecosystem, p.location]),
        [
          ['bash', '5.2-1', 'bash', undefined, 'Debian:11', 'var/lib/dpkg/status'],
          ['held', '0.1', 'held', undefined, 'Debian:11', 'var/lib/dpkg/status'],
          ['libssl3', '3.0.11-1~deb12u2+b1', 'openssl', '3.0.11-1~deb12u2', 'Debian:11', 'var/lib/dpkg/status'],
          ['tzdata', '2024a-0+deb11u1', 'tzdata', undefined, 'Debian:11', 'var/lib/dpkg/status.d/tzdata'],
        ],
      );
    } finally {
      cleanup();
    }
  });

  it('without os-release reports the bare Debian ecosystem', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'var/lib/dpkg/status', 'Package: bash\nStatus: install ok installed\nVersion: 5.2-1\n');
      const result = await collectInventory(root, { extractors: [dpkgExtractor] });
      assert.equal(result.os, null);
      assert.deepEqual(result.packages.map((p) => p.ecosystem), ['Debian']);
    } finally {
      cleanup();
    }
  });
});
