import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { osExtractors } from '../../../src/engines/inventory/os/index.js';
import { collectInventory } from '../../../src/engines/inventory/walk.js';
import { put, run, tempRoot } from './inventory-helpers.js';

const IMAGE = '/work/shared/data/images/alpine-3.10.docker-archive.tar.gz';

/** Unpacks the docker-archive's single layer into `root` with Debian's tar (argv only, no shell). */
function unpackImage(work: string, root: string): void {
  run(['tar', '-xzf', IMAGE, '-C', work, 'manifest.json']);
  const manifest: unknown = JSON.parse(readFileSync(path.join(work, 'manifest.json'), 'utf8'));
  assert.ok(Array.isArray(manifest));
  const layers: unknown = (manifest[0] as { Layers?: unknown }).Layers;
  assert.ok(Array.isArray(layers) && layers.length === 1);
  const layer = String(layers[0]);
  run(['tar', '-xzf', IMAGE, '-C', work, layer]);
  run(['tar', '-xf', path.join(work, layer), '-C', root, '--no-same-owner']);
}

describe('apk extractor', { skip: existsSync(IMAGE) ? false : `${IMAGE} is not on this machine` }, () => {
  it('lists the 14 packages of the alpine 3.10 image with their origins, under Alpine:v3.10', async () => {
    const work = tempRoot('gp-apk-work-');
    const image = tempRoot('gp-apk-root-');
    try {
      unpackImage(work.root, image.root);
      const result = await collectInventory(image.root, { extractors: osExtractors });
      assert.equal(result.os?.ecosystem, 'Alpine:v3.10');
      assert.equal(result.packages.length, 14);
      assert.ok(result.packages.every((p) => p.extractor === 'os/apk' && p.ecosystem === 'Alpine:v3.10' && p.location === 'lib/apk/db/installed'));
      const byName = new Map(result.packages.map((p) => [p.name, p]));
      assert.deepEqual(
        ['musl', 'busybox', 'alpine-baselayout', 'libcrypto1.1', 'ssl_client', 'scanelf'].map((n) => [n, byName.get(n)?.version, byName.get(n)?.sourceName]),
        [
          ['musl', '1.1.22-r3', 'musl'],
          ['busybox', '1.30.1-r3', 'busybox'],
          ['alpine-baselayout', '3.1.2-r0', 'alpine-baselayout'],
          ['libcrypto1.1', '1.1.1d-r2', 'openssl'],
          ['ssl_client', '1.30.1-r3', 'busybox'],
          ['scanelf', '1.2.3-r0', 'pax-utils'],
        ],
      );
      assert.equal(byName.get('musl')?.arch, 'x86_64');
      assert.deepEqual(
        ['musl', 'busybox', 'libcrypto1.1', 'ca-certificates-cacert', 'zlib', 'apk-tools', 'musl-utils', 'libc-utils'].map((n) => [n, byName.get(n)?.license]),
        [
          ['musl', 'MIT'],
          ['busybox', 'GPL-2.0-only'],
          ['libcrypto1.1', 'OpenSSL'],
          ['ca-certificates-cacert', 'MPL-2.0 AND GPL-2.0-or-later'],
          ['zlib', 'Zlib'],
          ['apk-tools', 'GPL-2.0-only'],
          ['musl-utils', 'MIT AND LicenseRef-BSD AND GPL-2.0-or-later'],
          ['libc-utils', 'LicenseRef-BSD'],
        ],
      );
      assert.equal(result.stats.truncated, false);
    } finally {
      work.cleanup();
      image.cleanup();
    }
  });

  it('reads blocks without trailing blank line and without origin, falling back to bare Alpine without os-release', async () => {
    const { root, cleanup } = tempRoot();
    try {
      put(root, 'lib/apk/db/installed', 'C:Q1abc=\nP:foo\nV:1.0-r0\nA:aarch64\nF:usr/bin\nR:foo\n\nP:bar\nV:2.0-r1\no:barsrc');
      const result = await collectInventory(root, { extractors: osExtractors });
      assert.deepEqual(
        result.packages.map((p) => [p.name, p.version, p.sourceName, p.arch, p.ecosystem]),
        [
          ['bar', '2.0-r1', 'barsrc', undefined, 'Alpine'],
          ['foo', '1.0-r0', undefined, 'aarch64', 'Alpine'],
        ],
      );
    } finally {
      cleanup();
    }
  });
});
