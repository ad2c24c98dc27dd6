import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pep503Normalize } from '../../../../src/engines/inventory/apps/pep503.js';
import { pythonMetadataExtractor } from '../../../../src/engines/inventory/apps/python-metadata.js';
import { extractFixture, fileInfo, inputFromBytes, inputFromFile } from './helpers.js';

/** (metadata file, Name, Version) of every distribution the machine's python3 has installed, per importlib. */
function installedDistributions(): Array<{ file: string; name: string; version: string }> | null {
  const script = [
    'import importlib.metadata as m, json, os',
    'out = []',
    'for d in m.distributions():',
    '    p = getattr(d, "_path", None)',
    '    if p is None: continue',
    '    f = os.path.join(str(p), "METADATA" if str(p).endswith(".dist-info") else "PKG-INFO")',
    '    if os.path.isfile(f): out.append({"file": f, "name": d.metadata["Name"], "version": d.version})',
    'print(json.dumps(out[:400]))',
  ].join('\n');
  const run = spawnSync('python3', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  if (run.error || run.status !== 0) return null;
  return JSON.parse(run.stdout) as Array<{ file: string; name: string; version: string }>;
}

describe('Python installed-distribution metadata extractor', () => {
  it('reads a real wheel METADATA (pip 23.2.1) and a real setuptools egg-info PKG-INFO', async () => {
    const pip = await extractFixture(pythonMetadataExtractor, 'python/site-packages/pip-23.2.1.dist-info/METADATA');
    assert.deepEqual(pip, [{ name: 'pip', version: '23.2.1', ecosystem: 'PyPI', kind: 'app', location: 'python/site-packages/pip-23.2.1.dist-info/METADATA', extractor: 'python/metadata', license: 'MIT' }]);
    const egg = await extractFixture(pythonMetadataExtractor, 'python/site-packages/Legacy_Pkg.egg-info/PKG-INFO');
    assert.deepEqual(egg.map((p) => [p.name, p.version]), [['Legacy-Pkg', '0.9.post1']]);
  });

  const installed = installedDistributions();
  it('agrees with importlib.metadata on every distribution of the machine\'s python3', { skip: installed ? false : 'python3 not available' }, async () => {
    assert.ok(installed && installed.length > 0);
    for (const dist of installed) {
      const root = join(dist.file, '..', '..');
      const input = inputFromFile(root, dist.file);
      assert.equal(pythonMetadataExtractor.fileRequired(fileInfo(`usr/lib/python3/site-packages/${input.path}`)), true, input.path);
      const packages = await pythonMetadataExtractor.extract(input);
      assert.deepEqual(packages.map((p) => [p.name, p.version]), [[dist.name, dist.version]], dist.file);
    }
  });

  it('wants dist-info METADATA, egg-info PKG-INFO and bare egg-info files in site-packages', () => {
    assert.equal(pythonMetadataExtractor.fileRequired(fileInfo('usr/lib/python3/dist-packages/six-1.16.0.egg-info')), true);
    assert.equal(pythonMetadataExtractor.fileRequired(fileInfo('opt/x/EGG-INFO/PKG-INFO')), true);
    assert.equal(pythonMetadataExtractor.fileRequired(fileInfo('a.dist-info/RECORD')), false);
    assert.equal(pythonMetadataExtractor.fileRequired(fileInfo('docs/notes.egg-info')), false);
  });

  it('takes the licence from License-Expression, else a one-line License, else the License classifiers', async () => {
    const licence = async (header: string) =>
      (await pythonMetadataExtractor.extract(inputFromBytes('x.dist-info/METADATA', `Metadata-Version: 2.4\nName: x\nVersion: 1\n${header}\n`)))[0]?.license;
    assert.equal(await licence('License-Expression: MIT OR Apache-2.0\nLicense: BSD'), 'MIT OR Apache-2.0');
    assert.equal(await licence('License: Apache 2.0\nClassifier: License :: OSI Approved :: MIT License'), 'Apache-2.0');
    const classifiers = 'Classifier: License :: OSI Approved :: GNU General Public License v2 (GPLv2)\nClassifier: License :: OSI Approved :: MIT License';
    assert.equal(await licence(`License: Copyright (c) Someone\n        Permission is hereby granted…\n${classifiers}`), 'GPL-2.0-only OR MIT');
    assert.equal(await licence('License: UNKNOWN\nClassifier: License :: OSI Approved'), undefined);
  });

  it('reads only the header block; garbage yields nothing', async () => {
    const body = 'Metadata-Version: 2.1\nName: Foo_Bar.baz\nVersion: 1.0\n\nName: evil\nVersion: 9.9\n';
    assert.deepEqual((await pythonMetadataExtractor.extract(inputFromBytes('x.dist-info/METADATA', body))).map((p) => [p.name, p.version]), [['Foo_Bar.baz', '1.0']]);
    assert.deepEqual(await pythonMetadataExtractor.extract(inputFromBytes('x.dist-info/METADATA', Buffer.alloc(4096, 0xff))), []);
    assert.deepEqual(await pythonMetadataExtractor.extract(inputFromBytes('x.dist-info/METADATA', 'Name: only-name\n')), []);
  });

  it('normalizes names per PEP 503 for matching', () => {
    assert.equal(pep503Normalize('Foo_Bar.baz'), 'foo-bar-baz');
    assert.equal(pep503Normalize('zope.interface'), 'zope-interface');
    assert.equal(pep503Normalize('PyYAML'), 'pyyaml');
    assert.equal(pep503Normalize('a--_.b'), 'a-b');
  });

});
