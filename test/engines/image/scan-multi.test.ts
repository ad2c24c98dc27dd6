import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ImageReadError } from '../../../src/engines/image/errors.js';
import { scanImage } from '../../../src/engines/image/scan/scan-image.js';
import { buildImage, tarOf, type BuiltImage, type EntrySpec } from './image-builder.js';

const apk = (name: string): string => `P:${name}\nV:1.0-r0\nA:x86_64\no:${name}\n\n`;

/** `docker save a:1 b:2`: one archive, two images, manifest.json listing both. */
function members(images: Array<{ built: BuiltImage; tag: string }>): { entries: EntrySpec[]; manifest: unknown[] } {
  const entries: EntrySpec[] = [];
  const manifest = images.map(({ built, tag }) => {
    const layers = built.layers.map((layer) => {
      const id = createHash('sha256').update(layer.diffId).digest('hex');
      entries.push({ name: `${id}/layer.tar`, content: layer.tar });
      return `${id}/layer.tar`;
    });
    const config = `${built.configDigest.slice('sha256:'.length)}.json`;
    entries.push({ name: config, content: built.config });
    return { Config: config, RepoTags: [tag], Layers: layers };
  });
  return { entries, manifest };
}

describe('scanImage of a multi-image docker-archive', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gp-img-multi-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scans the first image by default and the one named by repoTag; an unknown tag is unsupported_format', async () => {
    const a = await buildImage([{ entries: [{ name: 'lib/apk/db/installed', content: apk('alpha') }] }]);
    const b = await buildImage([{ entries: [{ name: 'lib/apk/db/installed', content: apk('beta') }] }]);
    const { entries, manifest } = members([
      { built: a, tag: 'a:1' },
      { built: b, tag: 'b:2' },
    ]);
    const archive = path.join(dir, 'two.tar');
    writeFileSync(archive, await tarOf([...entries, { name: 'manifest.json', content: JSON.stringify(manifest) }]));
    const first = await scanImage(archive, { reportTypes: ['apps'] });
    assert.deepEqual([first.imageId, first.repoTags, first.rows.apps.map((r) => r.appName)], [a.configDigest, ['a:1'], ['alpha']]);
    const second = await scanImage(archive, { reportTypes: ['apps'], repoTag: 'b:2' });
    assert.deepEqual([second.imageId, second.repoTags, second.rows.apps.map((r) => r.appName)], [b.configDigest, ['b:2'], ['beta']]);
    await assert.rejects(scanImage(archive, { repoTag: 'c:3' }), (err: unknown) => err instanceof ImageReadError && err.code === 'unsupported_format');
  });
});
