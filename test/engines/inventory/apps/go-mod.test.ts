import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goModExtractor } from '../../../../src/engines/inventory/apps/go-mod.js';
import { extractFixture, fileInfo, ids, inputFromBytes } from './helpers.js';

describe('go.mod extractor', () => {
  it('reads require lines and blocks, indirect ones too, applies replace, skips the main module', async () => {
    const packages = await extractFixture(goModExtractor, 'go/app/go.mod');
    assert.deepEqual(ids(packages), [
      'github.com/docker/docker@24.0.7+incompatible',
      'github.com/gin-gonic/gin@1.9.1',
      'github.com/new/thing@1.2.0',
      'github.com/pkg/errors@0.9.1',
      'golang.org/x/crypto@0.17.0',
      'gopkg.in/yaml.v3@3.0.1',
    ]);
    assert.ok(packages.every((p) => p.ecosystem === 'Go' && p.kind === 'app' && p.extractor === 'go/gomod' && p.location === 'go/app/go.mod'));
  });

  it('wants only go.mod', () => {
    assert.equal(goModExtractor.fileRequired(fileInfo('src/app/go.mod')), true);
    assert.equal(goModExtractor.fileRequired(fileInfo('src/app/go.sum')), false);
  });

  it('garbage and half-written directives yield nothing', async () => {
    const garbage = 'require (\nrequire\nreplace => x\nreplace a =>\n)\nrequire onlypath\n\u0000\u00ff\n';
    assert.deepEqual(await goModExtractor.extract(inputFromBytes('go.mod', garbage)), []);
    assert.deepEqual(await goModExtractor.extract(inputFromBytes('go.mod', 'require (\n\tgithub.com/a/b v1.0.0\n')), [
      { name: 'github.com/a/b', version: '1.0.0', ecosystem: 'Go', kind: 'app', location: 'go.mod', extractor: 'go/gomod' },
    ]);
  });
});
