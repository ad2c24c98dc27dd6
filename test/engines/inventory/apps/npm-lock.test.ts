import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { npmLockExtractor } from '../../../../src/engines/inventory/apps/npm-lock.js';
import { extractFixture, fileInfo, ids, inputFromBytes, inputFromFile } from './helpers.js';

/** Runs the real npm client offline (only `file:` dependencies), bounded in time. */
function npm(cwd: string, ...args: string[]): void {
  const run = spawnSync('npm', [...args, '--offline', '--no-audit', '--no-fund'], { cwd, encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `npm ${args.join(' ')} failed: ${run.stderr}`);
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2));
}

describe('npm package-lock extractor', () => {
  const work = mkdtempSync(join(tmpdir(), 'gp-npm-lock-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  // The fixtures were written by `npm install --package-lock-only [--lockfile-version N]` (npm 11.19.1) for
  // fixtures/npm/package.json: debug@^2.6.9 (needs ms@2.0.0, nested) and ms@^2.1.3.
  for (const version of [1, 2, 3]) {
    it(`reads a real lockfile v${version}, nested node_modules included`, async () => {
      const packages = await extractFixture(npmLockExtractor, `npm/v${version}/package-lock.json`);
      assert.deepEqual(ids(packages), ['debug@2.6.9', 'ms@2.0.0', 'ms@2.1.3']);
      for (const p of packages) {
        assert.equal(p.ecosystem, 'npm');
        assert.equal(p.kind, 'app');
        assert.equal(p.location, `npm/v${version}/package-lock.json`);
        assert.equal(p.extractor, 'npm/package-lock');
      }
    });
  }

  it('reads a lockfile npm generates now from local packages (scoped, installed, not linked)', async () => {
    for (const [dir, manifest] of [
      ['a', { name: '@demo/a', version: '1.2.3' }],
      ['b', { name: 'demo-b', version: '0.4.0' }],
      ['app', { name: 'app', version: '1.0.0' }],
    ] as const) {
      mkdirSync(join(work, dir));
      writeJson(join(work, dir, 'package.json'), manifest);
    }
    npm(join(work, 'app'), 'install', '--package-lock-only', '--install-links', '../a', '../b');
    const lock = join(work, 'app', 'package-lock.json');
    assert.equal(npmLockExtractor.fileRequired(fileInfo('app/package-lock.json')), true);
    assert.deepEqual(ids(await npmLockExtractor.extract(inputFromFile(work, lock))), ['@demo/a@1.2.3', 'demo-b@0.4.0']);
  });

  it('skips links and workspace folders: they are the project itself, not registry releases', async () => {
    const dir = join(work, 'linked');
    mkdirSync(dir);
    writeJson(join(dir, 'package.json'), { name: 'linked', version: '1.0.0' });
    npm(dir, 'install', '--package-lock-only', '../a');
    assert.deepEqual(await npmLockExtractor.extract(inputFromFile(work, join(dir, 'package-lock.json'))), []);
  });

  it('takes the real name of an alias and the name from the path when `name` is absent', async () => {
    const lock = {
      lockfileVersion: 3,
      packages: {
        '': { name: 'x', version: '1.0.0' },
        'node_modules/old-name': { name: 'real-name', version: '2.0.0' },
        'node_modules/@s/a/node_modules/@s/b': { version: '3.0.0' },
        'node_modules/gitdep': { version: '1.0.0', resolved: 'git+ssh://git@example.invalid/x.git#abc' },
      },
    };
    const packages = await npmLockExtractor.extract(inputFromBytes('package-lock.json', JSON.stringify(lock)));
    assert.deepEqual(ids(packages), ['@s/b@3.0.0', 'gitdep@1.0.0', 'real-name@2.0.0']);
    const v1 = { lockfileVersion: 1, dependencies: { alias: { version: 'npm:real@4.5.6' }, tar: { version: 'https://example.invalid/t.tgz' } } };
    assert.deepEqual(ids(await npmLockExtractor.extract(inputFromBytes('npm-shrinkwrap.json', JSON.stringify(v1)))), ['real@4.5.6']);
  });

  it('wants lockfiles but not the ones npm ignores inside node_modules', () => {
    assert.equal(npmLockExtractor.fileRequired(fileInfo('srv/app/package-lock.json')), true);
    assert.equal(npmLockExtractor.fileRequired(fileInfo('npm-shrinkwrap.json')), true);
    assert.equal(npmLockExtractor.fileRequired(fileInfo('srv/app/node_modules/x/package-lock.json')), false);
    assert.equal(npmLockExtractor.fileRequired(fileInfo('srv/app/node_modules/.package-lock.json')), false);
    assert.equal(npmLockExtractor.fileRequired(fileInfo('srv/app/package.json')), false);
  });

  it('refuses garbage with a message naming the file, and survives hostile shapes', async () => {
    await assert.rejects(npmLockExtractor.extract(inputFromBytes('a/package-lock.json', '{"lockfileVersion": 3, "packages": ')), /a\/package-lock\.json: not valid JSON/);
    await assert.rejects(npmLockExtractor.extract(inputFromBytes('package-lock.json', '[1,2]')), /not an npm lockfile/);
    await assert.rejects(npmLockExtractor.extract(inputFromBytes('package-lock.json', '{"name":"x"}')), /no "packages" or "dependencies"/);
    let deep: Record<string, unknown> = { version: '1.0.0' };
    for (let i = 0; i < 200; i++) deep = { version: '1.0.0', dependencies: { [`p${i}`]: deep } };
    await assert.rejects(npmLockExtractor.extract(inputFromBytes('package-lock.json', JSON.stringify({ dependencies: { top: deep } }))), /deeper than 64/);
    const odd = { packages: { 'node_modules/a': 'string', 'node_modules/b': { version: 42 }, 'node_modules/c': { version: 'has space' }, 'node_modules/d': null } };
    assert.deepEqual(await npmLockExtractor.extract(inputFromBytes('package-lock.json', JSON.stringify(odd))), []);
  });
});
