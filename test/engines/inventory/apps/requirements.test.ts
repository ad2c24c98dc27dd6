import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { requirementsExtractor } from '../../../../src/engines/inventory/apps/requirements.js';
import { extractFixture, fileInfo, ids, inputFromBytes } from './helpers.js';

function pipFreeze(): string | null {
  const run = spawnSync('python3', ['-m', 'pip', 'freeze', '--all'], { encoding: 'utf8', timeout: 60_000 });
  return run.error || run.status !== 0 ? null : run.stdout;
}

describe('pinned requirements.txt extractor', () => {
  it('takes exact pins only; strips hashes, markers, extras and comments; ignores options, ranges and URLs', async () => {
    const packages = await extractFixture(requirementsExtractor, 'python/app/requirements.txt');
    assert.deepEqual(ids(packages), ['Django@4.2.7', 'PyYAML@6.0.1', 'requests@2.31.0', 'zope.interface@6.1']);
    assert.ok(packages.every((p) => p.ecosystem === 'PyPI' && p.kind === 'app' && p.extractor === 'python/requirements' && p.location === 'python/app/requirements.txt'));
  });

  const frozen = pipFreeze();
  it('reads real `pip freeze` output line for line', { skip: frozen === null ? 'python3 -m pip not available' : false }, async () => {
    const pins = (frozen ?? '').split('\n').filter((line) => /^[A-Za-z0-9._-]+==[^\s]+$/.test(line));
    assert.ok(pins.length > 0);
    const packages = await requirementsExtractor.extract(inputFromBytes('requirements.txt', frozen ?? ''));
    assert.deepEqual(ids(packages), pins.map((line) => line.replace('==', '@')).sort());
  });

  it('wants requirements files by their usual names', () => {
    for (const path of ['requirements.txt', 'app/requirements-dev.txt', 'app/dev-requirements.txt', 'app/requirements/prod.txt']) {
      assert.equal(requirementsExtractor.fileRequired(fileInfo(path)), true, path);
    }
    for (const path of ['app/requirements.in', 'app/notes.txt', 'app/requirements/README.md']) {
      assert.equal(requirementsExtractor.fileRequired(fileInfo(path)), false, path);
    }
  });

  it('garbage yields nothing, and an absurd line count is refused with the path', async () => {
    assert.deepEqual(await requirementsExtractor.extract(inputFromBytes('requirements.txt', '==1.0\nfoo==\n==\n\\\n\u0000\u0001==2\n')), []);
    await assert.rejects(requirementsExtractor.extract(inputFromBytes('r/requirements.txt', '\n'.repeat(2_000_001))), /r\/requirements\.txt: more than 2000000 lines/);
  });
});
