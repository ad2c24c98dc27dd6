import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { discoverImages } from '../../../src/engines/image/discover.js';
import { openImage } from '../../../src/engines/image/image.js';
import { buildImage, dockerArchive, ociArchive, ociLayout, tarOf, zstd, type BuiltImage } from './image-builder.js';

describe('local image discovery: archives and OCI layouts under configured directories', () => {
  let root: string;
  let outside: string;
  let image: BuiltImage;
  const rel = (p: string): string => path.relative(root, p);

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-discover-'));
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-discover-outside-'));
    image = await buildImage([{ entries: [{ name: 'etc/hostname', content: 'x' }] }]);
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    await dockerArchive(image, path.join(root, 'a', 'docker.tar'));
    const oci = path.join(root, 'a', 'b', 'plain-oci.tar');
    await ociArchive(image, oci);
    fs.writeFileSync(path.join(root, 'a', 'b', 'oci.tar.gz'), gzipSync(fs.readFileSync(oci)));
    fs.writeFileSync(path.join(root, 'a', 'b', 'oci.tar.zst'), zstd(fs.readFileSync(oci)));
    fs.rmSync(oci);
    ociLayout(image, path.join(root, 'layouts', 'app'));
    fs.writeFileSync(path.join(root, 'a', 'backup.tar'), await tarOf([{ name: 'notes.txt', content: 'not an image' }]));
    fs.writeFileSync(path.join(root, 'a', 'garbage.tgz'), Buffer.from('definitely not gzip or tar'.repeat(40)));
    fs.writeFileSync(path.join(root, 'a', 'readme.txt'), 'ignored');
    // Symlinks are never followed: not to an archive, not to a directory outside the roots.
    await dockerArchive(image, path.join(outside, 'secret.tar'));
    fs.symlinkSync(path.join(outside, 'secret.tar'), path.join(root, 'a', 'link.tar'));
    fs.symlinkSync(outside, path.join(root, 'outside-dir'));
    const deep = path.join(root, 'deep', '1', '2', '3');
    fs.mkdirSync(deep, { recursive: true });
    await dockerArchive(image, path.join(deep, 'deep.tar'));
  });
  after(() => {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('finds docker-archives, OCI archives (plain, gzip, zstd) and OCI layouts, with size and mtime', async () => {
    const result = await discoverImages([root], { maxDepth: 2 });
    const found = result.images.map((i) => [rel(i.path), i.kind, i.compression]).sort();
    assert.deepEqual(found, [
      ['a/b/oci.tar.gz', 'oci-archive', 'gzip'],
      ['a/b/oci.tar.zst', 'oci-archive', 'zstd'],
      ['a/docker.tar', 'docker-archive', 'none'],
      ['layouts/app', 'oci-layout', 'none'],
    ]);
    for (const found of result.images) {
      if (found.kind !== 'oci-layout') assert.equal(found.size, fs.statSync(found.path).size);
      else assert.ok(found.size > image.config.length, `layout size ${found.size}`);
      assert.ok(found.mtimeMs > 0);
      assert.equal((await openImage(found.path)).imageId, image.configDigest, found.path);
    }
    const skipped = result.skipped.map((s) => [rel(s.path), s.reason]).sort();
    assert.deepEqual(skipped, [['a/backup.tar', 'not_an_image'], ['a/garbage.tgz', 'not_an_image'], ['a/link.tar', 'symlink']]);
    assert.equal(result.truncated, false);
  });

  it('goes no deeper than maxDepth', async () => {
    const shallow = await discoverImages([root], { maxDepth: 2 });
    assert.ok(!shallow.images.some((i) => i.path.endsWith('deep.tar')));
    const deeper = await discoverImages([root], { maxDepth: 4 });
    assert.ok(deeper.images.some((i) => rel(i.path) === 'deep/1/2/3/deep.tar'));
  });

  it('stops at maxEntries and maxResults and says so', async () => {
    const few = await discoverImages([root], { maxEntries: 2 });
    assert.equal(few.truncated, true);
    const one = await discoverImages([root], { maxResults: 1, maxDepth: 4 });
    assert.equal(one.images.length, 1);
    assert.equal(one.truncated, true);
  });

  it('bounds the bytes and members read to sniff one archive', async () => {
    const archive = path.join(root, 'a', 'docker.tar');
    const result = await discoverImages([archive], { maxSniffMembers: 1 });
    assert.deepEqual(result.skipped.map((s) => s.reason), ['sniff_limit']);
    const bytes = await discoverImages([archive], { maxSniffBytes: 1024 });
    assert.deepEqual(bytes.skipped.map((s) => s.reason), ['sniff_limit']);
  });

  it('a root that is a symlink or missing is skipped, not followed', async () => {
    const result = await discoverImages([path.join(root, 'outside-dir'), path.join(root, 'missing')]);
    assert.deepEqual(result.images, []);
    assert.deepEqual(result.skipped.map((s) => s.reason), ['symlink', 'unreadable']);
  });
});
