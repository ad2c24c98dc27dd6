import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImageReadError } from '../../../src/engines/image/errors.js';
import { buildMergedView, openImage } from '../../../src/engines/image/image.js';
import { buildImage, ociArchive, ociLayout, sha256, type BuiltImage } from './image-builder.js';

const descriptor = (image: BuiltImage, architecture: string, variant?: string): object => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: image.manifestDigest,
  size: image.manifest.length,
  platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
});
const blobsOf = (image: BuiltImage): Buffer[] => [image.manifest, image.config, ...image.layers.map((l) => l.blob)];

describe('image index / manifest list: the configured platform is picked', () => {
  let dir: string;
  let amd: BuiltImage;
  let arm: BuiltImage;
  let flat: string;
  let nested: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gp-img-index-'));
    amd = await buildImage([{ entries: [{ name: 'arch', content: 'amd64' }] }]);
    arm = await buildImage([{ entries: [{ name: 'arch', content: 'arm64' }] }], { architecture: 'arm64' });
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [descriptor(arm, 'arm64', 'v8'), descriptor(amd, 'amd64')] }));
    flat = path.join(dir, 'flat');
    ociLayout(amd, flat, index, blobsOf(arm));
    // index.json → a Docker manifest list blob → the platform manifests (what skopeo copy --all writes).
    const list = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [descriptor(amd, 'amd64'), descriptor(arm, 'arm64', 'v8')] }),
    );
    const top = Buffer.from(
      JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', digest: sha256(list), size: list.length }] }),
    );
    nested = path.join(dir, 'nested.tar');
    await ociArchive(amd, nested, top, [...blobsOf(arm), list]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, source] of [
    ['flat OCI layout index', (): string => flat],
    ['nested manifest list in an OCI archive', (): string => nested],
  ] as const) {
    it(`${name}: linux/amd64 by default, linux/arm64 when configured, unknown platform is unsupported_format`, async () => {
      const byDefault = await openImage(source());
      assert.equal(byDefault.imageId, amd.configDigest);
      assert.equal((await buildMergedView(byDefault)).files.get('arch')?.size, 5);
      const armImage = await openImage(source(), { platform: { os: 'linux', architecture: 'arm64' } });
      assert.equal(armImage.imageId, arm.configDigest);
      assert.equal(armImage.layers[0]?.diffId, arm.layers[0]?.diffId);
      await assert.rejects(openImage(source(), { platform: { os: 'linux', architecture: 's390x' } }), (err: unknown) => {
        assert.ok(err instanceof ImageReadError);
        assert.equal(err.code, 'unsupported_format');
        assert.match(err.message, /no manifest for linux\/s390x/);
        return true;
      });
    });
  }
});
