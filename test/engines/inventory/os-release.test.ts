import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { describe, it } from 'node:test';
import { detectOs, osEcosystem, parseOsRelease } from '../../../src/engines/inventory/os-release.js';
import { put, tempRoot } from './inventory-helpers.js';

describe('os-release → OSV ecosystem', () => {
  const table: Array<[string, string | null]> = [
    ['ID=debian\nVERSION_ID="12"\nVERSION="12 (bookworm)"', 'Debian:12'],
    ['ID=debian\nVERSION_ID="11"', 'Debian:11'],
    ['ID=debian\nPRETTY_NAME="Debian GNU/Linux trixie/sid"', null],
    ['ID=ubuntu\nVERSION_ID="22.04"\nVERSION="22.04.4 LTS (Jammy Jellyfish)"', 'Ubuntu:22.04:LTS'],
    ['ID=ubuntu\nVERSION_ID="23.10"\nVERSION="23.10 (Mantic Minotaur)"', 'Ubuntu:23.10'],
    ['ID=alpine\nVERSION_ID=3.19.1', 'Alpine:v3.19'],
    ['ID=alpine\nVERSION_ID=3.10.9', 'Alpine:v3.10'],
    ['ID="almalinux"\nVERSION_ID="9.3"', 'AlmaLinux:9'],
    ['ID="rocky"\nVERSION_ID="8.9"', 'Rocky Linux:8'],
    ['ID="rhel"\nVERSION_ID="9.4"', 'Red Hat'],
    ['ID="opensuse-leap"\nVERSION_ID="15.5"', 'openSUSE:Leap 15.5'],
    ['ID=fedora\nVERSION_ID=40', null],
    ['ID=plan9\nVERSION_ID=4', null],
  ];
  for (const [text, expected] of table) {
    it(`${text.split('\n').slice(0, 2).join(' ')} → ${String(expected)}`, () => {
      assert.equal(osEcosystem(parseOsRelease(text)), expected);
    });
  }

  it('parses quotes, escapes and comments', () => {
    const fields = parseOsRelease('# comment\nNAME="Foo \\"Bar\\""\nID=foo\nBAD LINE\n');
    assert.deepEqual(fields, { NAME: 'Foo "Bar"', ID: 'foo' });
  });
});

describe('detectOs', () => {
  it('resolves an absolute etc/os-release symlink inside the root, never on the host', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'usr/lib/os-release', 'ID=alpine\nVERSION_ID=3.19.0\nPRETTY_NAME="Alpine Linux v3.19"\n');
      put(root, 'etc/.keep', '');
      symlinkSync('/usr/lib/os-release', `${root}/etc/os-release`);
      const os = await detectOs(root);
      assert.deepEqual(os, { id: 'alpine', versionId: '3.19.0', prettyName: 'Alpine Linux v3.19', ecosystem: 'Alpine:v3.19' });
    } finally {
      cleanup();
    }
  });

  it('clamps `..` at the root: a link climbing out lands inside the root, not on the host /etc', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'etc/.keep', '');
      // The host has /etc/os-release (Debian); inside the root ../../../../etc/os-release is the root's own
      // etc/os-release, the link itself, so resolution loops and gives up; usr/lib/os-release is then used.
      symlinkSync('../../../../../etc/os-release', `${root}/etc/os-release`);
      assert.equal(await detectOs(root), null);
      put(root, 'usr/lib/os-release', 'ID=rocky\nVERSION_ID="9.3"\n');
      assert.equal((await detectOs(root))?.ecosystem, 'Rocky Linux:9');
    } finally {
      cleanup();
    }
  });

  it('returns null without os-release', async () => {
    const { root, cleanup } = tempRoot();
    try {
      assert.equal(await detectOs(root), null);
    } finally {
      cleanup();
    }
  });
});
