import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nodeModulesExtractor } from '../../../../src/engines/inventory/apps/node-modules.js';
import { fileInfo, inputFromBytes, inputFromFile } from './helpers.js';

/** The repository root (dist/test/engines/inventory/apps → ../../../../..): its real node_modules. */
const REPO = fileURLToPath(new URL('../../../../../', import.meta.url));

describe('installed node_modules extractor', () => {
  it('reads the installed package.json files of real packages, scoped ones included', async () => {
    for (const rel of ['node_modules/yaml/package.json', 'node_modules/@fastify/swagger/package.json']) {
      assert.equal(nodeModulesExtractor.fileRequired(fileInfo(rel)), true, rel);
      const manifest = JSON.parse(readFileSync(join(REPO, rel), 'utf8')) as { name: string; version: string; license: string };
      const packages = await nodeModulesExtractor.extract(inputFromFile(REPO, join(REPO, rel)));
      assert.deepEqual(packages, [{ name: manifest.name, version: manifest.version, ecosystem: 'npm', kind: 'app', location: rel, extractor: 'npm/node-modules', license: manifest.license }]);
    }
  });

  it('normalises the licence: SPDX string, legacy {type} object, licenses array as OR', async () => {
    const licence = async (fields: object) =>
      (await nodeModulesExtractor.extract(inputFromBytes('node_modules/x/package.json', JSON.stringify({ name: 'x', version: '1.0.0', ...fields }))))[0]?.license;
    assert.equal(await licence({ license: '(mit OR Apache-2.0)' }), 'MIT OR Apache-2.0');
    assert.equal(await licence({ license: { type: 'GPL-2.0+' } }), 'GPL-2.0-or-later');
    assert.equal(await licence({ licenses: [{ type: 'MIT' }, { type: 'Apache 2.0' }] }), 'MIT OR Apache-2.0');
    assert.equal(await licence({ license: 'UNKNOWN' }), undefined);
    assert.equal(await licence({}), undefined);
  });

  it('wants only package.json directly in a package directory', () => {
    const wanted = ['node_modules/a/package.json', 'srv/app/node_modules/@s/b/package.json', 'app/node_modules/a/node_modules/b/package.json', 'node_modules/.pnpm/a@1.0.0/node_modules/a/package.json'];
    const unwanted = [
      'package.json',
      'node_modules/a/lib/package.json',
      'node_modules/@s/package.json',
      'node_modules/.bin/package.json',
      'node_modules/a/test/fixtures/package.json',
      'node_modules/a/package.json.bak',
    ];
    for (const path of wanted) assert.equal(nodeModulesExtractor.fileRequired(fileInfo(path)), true, path);
    for (const path of unwanted) assert.equal(nodeModulesExtractor.fileRequired(fileInfo(path)), false, path);
  });

  it('garbage: invalid JSON refused with the path; manifests without name or version yield nothing', async () => {
    await assert.rejects(nodeModulesExtractor.extract(inputFromBytes('node_modules/x/package.json', '{"name":')), /node_modules\/x\/package\.json: not valid JSON/);
    await assert.rejects(nodeModulesExtractor.extract(inputFromBytes('node_modules/x/package.json', '"str"')), /not an object/);
    assert.deepEqual(await nodeModulesExtractor.extract(inputFromBytes('node_modules/x/package.json', '{"name":"x"}')), []);
    assert.deepEqual(await nodeModulesExtractor.extract(inputFromBytes('node_modules/x/package.json', '{"name":["x"],"version":{}}')), []);
  });
});
