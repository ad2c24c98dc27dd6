import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { yarnLockExtractor } from '../../../../src/engines/inventory/apps/yarn-lock.js';
import { extractFixture, fileInfo, ids, inputFromBytes } from './helpers.js';

const GENERATED = ['@types/ms@0.7.34', 'debug@2.6.9', 'ms@2.0.0', 'ms@2.1.3'];

describe('yarn.lock extractor', () => {
  // generated-*: real `yarn install` output (yarn 1.22.22 and yarn 4.5.3) for fixtures/yarn/package.json.
  it('reads a real classic (v1) lockfile', async () => {
    const packages = await extractFixture(yarnLockExtractor, 'yarn/generated-v1/yarn.lock');
    assert.deepEqual(ids(packages), GENERATED);
    assert.ok(packages.every((p) => p.ecosystem === 'npm' && p.kind === 'app' && p.extractor === 'npm/yarn-lock' && p.location === 'yarn/generated-v1/yarn.lock'));
  });

  it('reads a real berry lockfile and skips the workspace itself', async () => {
    assert.deepEqual(ids(await extractFixture(yarnLockExtractor, 'yarn/generated-berry/yarn.lock')), GENERATED);
  });

  it('classic: multi-spec headers, scoped names, npm: aliases; file and git specs skipped', async () => {
    assert.deepEqual(ids(await extractFixture(yarnLockExtractor, 'yarn/classic/yarn.lock')), [
      '@babel/code-frame@7.22.13',
      'ansi-styles@3.2.1',
      'chalk@2.4.2',
      'string-width@4.2.3',
    ]);
  });

  it('berry: patch: wrappers report the patched package, workspace: and link: are skipped', async () => {
    assert.deepEqual(ids(await extractFixture(yarnLockExtractor, 'yarn/berry/yarn.lock')), [
      '@babel/code-frame@7.22.13',
      'chalk@2.4.2',
      'resolve@1.22.8',
      'semver@7.5.10',
      'string-width@4.2.3',
    ]);
  });

  it('wants only files named yarn.lock', () => {
    assert.equal(yarnLockExtractor.fileRequired(fileInfo('srv/web/yarn.lock')), true);
    assert.equal(yarnLockExtractor.fileRequired(fileInfo('srv/web/yarn.lock.bak')), false);
    assert.equal(yarnLockExtractor.fileRequired(fileInfo('srv/web/.yarnrc.yml')), false);
  });

  it('garbage: unparseable berry YAML is refused with the path; random text yields nothing', async () => {
    await assert.rejects(yarnLockExtractor.extract(inputFromBytes('w/yarn.lock', '__metadata:\n  version: 8\n"a@npm:1":\n  version: [unclosed\n')), /w\/yarn\.lock: not valid YAML/);
    assert.deepEqual(await yarnLockExtractor.extract(inputFromBytes('yarn.lock', Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a, 0x3a]))), []);
    const aliasBomb = `__metadata:\n  version: 8\na: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 60 }, (_, i) => `k${i}: [*a, *a, *a]`).join('\n')}\n`;
    await assert.rejects(yarnLockExtractor.extract(inputFromBytes('yarn.lock', aliasBomb)), /not valid YAML/);
  });
});
