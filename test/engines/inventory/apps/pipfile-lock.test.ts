import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pipfileLockExtractor } from '../../../../src/engines/inventory/apps/pipfile-lock.js';
import { extractFixture, fileInfo, ids, inputFromBytes } from './helpers.js';

describe('Pipfile.lock extractor', () => {
  it('reads default and develop pins; path and git entries have no version and are skipped', async () => {
    const packages = await extractFixture(pipfileLockExtractor, 'python/pipenv/Pipfile.lock');
    assert.deepEqual(ids(packages), ['flask@3.0.0', 'pytest@7.4.3', 'werkzeug@3.0.1']);
    assert.ok(packages.every((p) => p.ecosystem === 'PyPI' && p.extractor === 'python/pipfile-lock'));
  });

  it('wants only Pipfile.lock', () => {
    assert.equal(pipfileLockExtractor.fileRequired(fileInfo('srv/Pipfile.lock')), true);
    assert.equal(pipfileLockExtractor.fileRequired(fileInfo('srv/Pipfile')), false);
  });

  it('garbage: invalid JSON refused with the path; odd shapes yield nothing', async () => {
    await assert.rejects(pipfileLockExtractor.extract(inputFromBytes('p/Pipfile.lock', '{')), /p\/Pipfile\.lock: not valid JSON/);
    await assert.rejects(pipfileLockExtractor.extract(inputFromBytes('Pipfile.lock', 'null')), /not a Pipfile\.lock/);
    const odd = { default: { a: { version: '>=1' }, b: 'x', c: { version: 3 } }, develop: [] };
    assert.deepEqual(await pipfileLockExtractor.extract(inputFromBytes('Pipfile.lock', JSON.stringify(odd))), []);
  });
});
