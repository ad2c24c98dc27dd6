import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { openImage } from '../../../src/engines/image/image.js';
import { collectImageInventory } from '../../../src/engines/image/inventory.js';

const ARCHIVE = new URL('../../../../../shared/data/images/alpine-3.10.docker-archive.tar.gz', import.meta.url).pathname;
const tar = (args: string[], input?: Buffer): Buffer =>
  execFileSync('tar', args, { input, maxBuffer: 64 * 1024 * 1024, timeout: 60_000, stdio: ['pipe', 'pipe', 'pipe'] });

/** The apk db of the image, read with GNU tar and parsed here, independently of the reader and the extractor. */
function installedFromTar(): { packages: string[]; configDigest: string } {
  const manifest = JSON.parse(tar(['-xzOf', ARCHIVE, 'manifest.json']).toString()) as Array<{ Config: string; Layers: string[] }>;
  const config = tar(['-xzOf', ARCHIVE, manifest[0]?.Config as string]);
  const layer = tar(['-xzOf', ARCHIVE, manifest[0]?.Layers[0] as string]);
  const installed = tar(['-xO', 'lib/apk/db/installed'], layer).toString();
  const packages = installed
    .split('\n\n')
    .filter((block) => block.includes('P:'))
    .map((block) => {
      const field = (k: string): string => block.split('\n').find((l) => l.startsWith(`${k}:`))?.slice(2) ?? '';
      return `${field('P')} ${field('V')} ${field('o')}`;
    });
  return { packages: packages.sort(), configDigest: `sha256:${createHash('sha256').update(config).digest('hex')}` };
}

describe('the real alpine 3.10 docker-archive (old <id>/layer.tar layout, gzipped outer tar)', () => {
  it('lists its apk packages exactly (name, version, origin), on layer 0, and its image_id is the config digest', async () => {
    const expected = installedFromTar();
    const image = await openImage(ARCHIVE);
    assert.equal(image.format, 'docker-archive');
    assert.equal(image.imageId, expected.configDigest);
    assert.deepEqual(image.repoTags, ['alpine:3.10']);
    const result = await collectImageInventory(image);
    assert.equal(result.os?.ecosystem, 'Alpine:v3.10');
    const apk = result.packages.filter((p) => p.extractor === 'os/apk');
    assert.equal(apk.length, 14);
    assert.deepEqual(apk.map((p) => `${p.name} ${p.version} ${p.sourceName}`).sort(), expected.packages);
    assert.ok(apk.every((p) => p.layerIndex === 0 && p.layerDigest === image.layers[0]?.diffId && p.location === 'lib/apk/db/installed'));
    assert.match(apk[0]?.createdBy ?? '', /^\/bin\/sh -c #\(nop\) ADD file:d48cac34/);
    assert.equal(result.stats.truncated, false);
  });
});
