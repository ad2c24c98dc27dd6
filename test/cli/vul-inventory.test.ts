import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './run-cli.js';

let root: string;

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-vul-inv-'));
  fs.mkdirSync(path.join(root, 'etc'));
  fs.writeFileSync(path.join(root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  fs.mkdirSync(path.join(root, 'var/lib/dpkg'), { recursive: true });
  fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), [
    'Package: libssl3', 'Status: install ok installed', 'Source: openssl', 'Version: 3.0.11-1~deb12u2', 'Architecture: amd64', '',
    'Package: gone', 'Status: deinstall ok config-files', 'Version: 1.0', '',
  ].join('\n'));
  fs.symlinkSync('/var/lib', path.join(root, 'escape'));
});

after(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('guardpost vul inventory', () => {
  test('prints the packages as a table with headers and a summary line', async () => {
    const result = await runCli(['vul', 'inventory', '--root', root]);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^NAME\s+VERSION\s+ECOSYSTEM\s+SOURCE\s+LOCATION$/);
    assert.equal(lines.length, 2, result.stdout);
    assert.match(lines[1]!, /^libssl3\s+3\.0\.11-1~deb12u2\s+Debian:12\s+openssl\s+var\/lib\/dpkg\/status$/);
    assert.match(result.stderr, /1 package\(s\), os Debian:12/);
  });

  test('--json gives the whole result; the symlink out of the root is not followed', async () => {
    const result = await runCli(['vul', 'inventory', '--root', root, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const parsed = JSON.parse(result.stdout) as { os: { ecosystem: string }; packages: Array<{ name: string; location: string }> };
    assert.equal(parsed.os.ecosystem, 'Debian:12');
    assert.deepEqual(parsed.packages.map((p) => [p.name, p.location]), [['libssl3', 'var/lib/dpkg/status']]);
  });

  test('a missing root is a clear error; a missing --root is a usage error', async () => {
    const missing = await runCli(['vul', 'inventory', '--root', path.join(root, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^guardpost: /);
    const usage = await runCli(['vul', 'inventory']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--root/);
  });
});
