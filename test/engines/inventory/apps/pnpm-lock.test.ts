import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pnpmLockExtractor } from '../../../../src/engines/inventory/apps/pnpm-lock.js';
import { extractFixture, fileInfo, ids, inputFromBytes } from './helpers.js';

const GENERATED = ['@types/ms@0.7.34', 'debug@2.6.9', 'ms@2.0.0', 'ms@2.1.3'];

describe('pnpm-lock.yaml extractor', () => {
  // generated-*: real `pnpm install --lockfile-only` output (pnpm 7.33.7, 8.15.9, 9.15.0) for fixtures/pnpm/package.json.
  for (const version of ['5.4', '6.0', '9.0']) {
    it(`reads a real lockfile v${version}`, async () => {
      const packages = await extractFixture(pnpmLockExtractor, `pnpm/generated-v${version}/pnpm-lock.yaml`);
      assert.deepEqual(ids(packages), GENERATED);
      assert.ok(packages.every((p) => p.ecosystem === 'npm' && p.kind === 'app' && p.extractor === 'npm/pnpm-lock'));
    });
  }

  it('v5: peer suffixes stripped, tarball entries by their own name and version', async () => {
    assert.deepEqual(ids(await extractFixture(pnpmLockExtractor, 'pnpm/v5/pnpm-lock.yaml')), [
      '@types/node@18.16.3',
      'private-pkg@1.0.0',
      'react-dom@18.2.0',
      'react@18.2.0',
      'ws@8.13.0',
    ]);
  });

  it('v6 and v9: `(peer@x)` suffixes stripped, scoped names, snapshots not double counted', async () => {
    assert.deepEqual(ids(await extractFixture(pnpmLockExtractor, 'pnpm/v6/pnpm-lock.yaml')), ['@babel/core@7.22.5', 'react-dom@18.2.0', 'react@18.2.0']);
    assert.deepEqual(ids(await extractFixture(pnpmLockExtractor, 'pnpm/v9/pnpm-lock.yaml')), [
      '@types/node@20.10.0',
      'react-dom@18.2.0',
      'react@18.2.0',
      'undici-types@5.26.5',
    ]);
  });

  it('wants only pnpm-lock.yaml', () => {
    assert.equal(pnpmLockExtractor.fileRequired(fileInfo('app/pnpm-lock.yaml')), true);
    assert.equal(pnpmLockExtractor.fileRequired(fileInfo('app/pnpm-workspace.yaml')), false);
  });

  it('garbage: invalid YAML refused with the path; odd shapes yield nothing', async () => {
    await assert.rejects(pnpmLockExtractor.extract(inputFromBytes('x/pnpm-lock.yaml', 'packages:\n  "unterminated: {\n')), /x\/pnpm-lock\.yaml: not valid YAML/);
    await assert.rejects(pnpmLockExtractor.extract(inputFromBytes('pnpm-lock.yaml', '- a\n- b\n')), /not a pnpm lockfile/);
    const odd = "lockfileVersion: '9.0'\npackages:\n  nover: {}\n  '@scope': {}\n  git@github.com+x/y: {}\n  /a/b/c: 7\n";
    assert.deepEqual(await pnpmLockExtractor.extract(inputFromBytes('pnpm-lock.yaml', odd)), []);
    assert.deepEqual(await pnpmLockExtractor.extract(inputFromBytes('pnpm-lock.yaml', 'lockfileVersion: 5.4\n')), []);
  });
});
