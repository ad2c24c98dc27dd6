import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PackageCollector } from '../../../../src/engines/inventory/apps/common.js';
import { appExtractors } from '../../../../src/engines/inventory/apps/index.js';
import { npmLockExtractor } from '../../../../src/engines/inventory/apps/npm-lock.js';
import { extractors } from '../../../../src/engines/inventory/extractors.js';
import { fileInfo, inputFromBytes } from './helpers.js';

describe('application extractor list', () => {
  it('registers every application extractor once, with a version and a file size bound', () => {
    assert.equal(appExtractors.length, 11);
    for (const extractor of appExtractors) {
      assert.equal(extractors.get(extractor.name), extractor);
      assert.ok(extractor.version >= 1 && extractor.maxFileBytes > 0 && extractor.maxFileBytes <= 256 * 1024 * 1024, extractor.name);
    }
  });

  it('each file is wanted by at most one extractor (no package reported twice by two plugins)', () => {
    const paths = ['app/package-lock.json', 'app/yarn.lock', 'app/pnpm-lock.yaml', 'app/node_modules/a/package.json', 'x.dist-info/METADATA', 'app/requirements.txt', 'app/poetry.lock', 'app/Pipfile.lock', 'app/go.mod', 'usr/bin/tool', 'app/app.jar'];
    for (const path of paths) {
      const wanting = appExtractors.filter((e) => e.fileRequired(fileInfo(path, 1_000_000))).map((e) => e.name);
      assert.equal(wanting.length, 1, `${path}: ${wanting.join(', ')}`);
    }
  });

  it('dedupes within a file and bounds the packages taken from one file', async () => {
    const lock = { packages: { 'node_modules/a/node_modules/ms': { version: '2.0.0' }, 'node_modules/b/node_modules/ms': { version: '2.0.0' } } };
    assert.equal((await npmLockExtractor.extract(inputFromBytes('package-lock.json', JSON.stringify(lock)))).length, 1);
    const out = new PackageCollector('npm', 'test', 'huge/package-lock.json');
    for (let i = 0; i < 100_000; i++) out.add(`p${i}`, '1.0.0');
    assert.throws(() => out.add('one-more', '1.0.0'), /huge\/package-lock\.json: more than 100000 packages/);
  });
});
