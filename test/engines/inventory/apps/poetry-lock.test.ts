import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poetryLockExtractor } from '../../../../src/engines/inventory/apps/poetry-lock.js';
import { extractFixture, fileInfo, ids, inputFromBytes } from './helpers.js';

describe('poetry.lock extractor', () => {
  it('reads each [[package]] name and version; sub-tables, arrays and multi-line strings are stepped over', async () => {
    const packages = await extractFixture(poetryLockExtractor, 'python/poetry/poetry.lock');
    assert.deepEqual(ids(packages), ['Django@4.2.7', 'certifi@2023.7.22', 'mylib@0.3.0', 'requests@2.31.0']);
    assert.ok(packages.every((p) => p.ecosystem === 'PyPI' && p.extractor === 'python/poetry-lock' && p.location === 'python/poetry/poetry.lock'));
  });

  it('wants only poetry.lock', () => {
    assert.equal(poetryLockExtractor.fileRequired(fileInfo('srv/poetry.lock')), true);
    assert.equal(poetryLockExtractor.fileRequired(fileInfo('srv/pyproject.toml')), false);
  });

  it('keys of other tables never leak into a package; garbage yields nothing', async () => {
    const toml = '[tool.x]\nname = "outside"\nversion = "1"\n[[package]]\nname = "a"\n[package.source]\nversion = "9"\n[[package]]\nversion = "2"\n';
    assert.deepEqual(await poetryLockExtractor.extract(inputFromBytes('poetry.lock', toml)), []);
    assert.deepEqual(await poetryLockExtractor.extract(inputFromBytes('poetry.lock', Buffer.alloc(2048, 0x5b))), []);
    const unterminated = '[[package]]\nname = "a"\nversion = "1"\ndescription = """never closed\n[[package]]\nname = "b"\nversion = "2"\n';
    assert.deepEqual(ids(await poetryLockExtractor.extract(inputFromBytes('poetry.lock', unterminated))), ['a@1']);
  });
});
