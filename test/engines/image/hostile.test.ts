import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { ImageFailureCode } from '../../../src/engines/image/errors.js';
import { buildImage, dockerArchive, ociArchive, ociLayout, tarOf, zstd, type EntrySpec, type LayerSpec } from './image-builder.js';

const run = promisify(execFile);
const CHILD = new URL('./hostile-child.js', import.meta.url).pathname;
/** Generous: a bounded read of these archives stays far below; an unbounded one (buffered bomb) goes far over. */
const MAX_RSS_KB = 300 * 1024;
const MiB = 1024 * 1024;

interface Outcome {
  code?: ImageFailureCode;
  message?: string;
  ok?: boolean;
  crash?: string;
  maxRssKb: number;
}

let work: string;

/** Runs the reader in a child with its own empty TMPDIR; checks peak RSS and that nothing was written anywhere. */
async function readInChild(archive: string, limits: Record<string, number> = {}): Promise<Outcome> {
  const temp = mkdtempSync(path.join(work, 'tmp-'));
  const beside = readdirSync(path.dirname(archive)).sort();
  const { stdout } = await run(process.execPath, [CHILD, archive, JSON.stringify(limits)], { env: { ...process.env, TMPDIR: temp }, timeout: 120_000 });
  const outcome = JSON.parse(stdout.trim()) as Outcome;
  assert.equal(outcome.crash, undefined, `crashed: ${outcome.crash}`);
  assert.ok(outcome.maxRssKb < MAX_RSS_KB, `peak RSS ${outcome.maxRssKb} KiB`);
  assert.deepEqual(readdirSync(temp), [], 'the temp area stays empty (nothing is unpacked)');
  assert.deepEqual(readdirSync(path.dirname(archive)).sort(), beside, 'nothing written beside the archive');
  rmSync(temp, { recursive: true, force: true });
  return outcome;
}

let counter = 0;
async function image(layers: LayerSpec[], form: 'docker' | 'oci' = 'oci', compressLayers = false): Promise<string> {
  const dir = path.join(work, `case-${++counter}`);
  mkdirSync(dir);
  const built = await buildImage(layers);
  const file = path.join(dir, 'image.tar');
  if (form === 'docker') await dockerArchive(built, file, { compressLayers });
  else await ociArchive(built, file);
  return file;
}
const layer = (entries: EntrySpec[], extra: Partial<LayerSpec> = {}): LayerSpec => ({ entries, ...extra });

async function expectCode(file: string, code: ImageFailureCode, pattern: RegExp, limits: Record<string, number> = {}): Promise<void> {
  const outcome = await readInChild(file, limits);
  assert.equal(outcome.code, code, JSON.stringify(outcome));
  assert.match(outcome.message ?? '', pattern);
}

describe('hostile image archives end with a typed failure, bounded in memory, writing nothing', () => {
  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'gp-img-hostile-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a well-formed image reads fine in the same harness (the harness can pass)', async () => {
    const outcome = await readInChild(await image([layer([{ name: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.4-r2\no:musl\n\n' }])]));
    assert.deepEqual([outcome.ok, outcome.code], [true, undefined]);
  });

  it('unsafe_path: ../ traversal and absolute paths in a layer, and in the outer archive', async () => {
    await expectCode(await image([layer([{ name: 'etc/../../escape.txt', content: 'x' }])]), 'unsafe_path', /climbs out/);
    await expectCode(await image([layer([{ name: '/etc/abs.txt', content: 'x' }])]), 'unsafe_path', /absolute path/);
    const dir = path.join(work, 'outer-traversal');
    mkdirSync(dir);
    const file = path.join(dir, 'image.tar');
    writeFileSync(file, await tarOf([{ name: '../../outside.json', content: '{}' }, { name: 'manifest.json', content: '[]' }]));
    await expectCode(file, 'unsafe_path', /image archive: path/);
  });

  it('unsafe_link: symlink escaping the root, hard link outside or to a missing file, symlink loop at os-release', async () => {
    await expectCode(await image([layer([{ name: 'etc/evil', type: 'symlink', linkname: '../../../etc/passwd' }])]), 'unsafe_link', /escapes the image root/);
    await expectCode(await image([layer([{ name: 'bin/x', type: 'link', linkname: '../../etc/shadow' }])]), 'unsafe_link', /points outside the image/);
    await expectCode(await image([layer([{ name: 'bin/x', type: 'link', linkname: 'bin/not-there' }])]), 'unsafe_link', /no such file in the image/);
    const loop = [
      { name: 'etc/os-release', type: 'symlink' as const, linkname: 'os-release2' },
      { name: 'etc/os-release2', type: 'symlink' as const, linkname: '/etc/os-release' },
    ];
    await expectCode(await image([layer(loop)]), 'unsafe_link', /symlink loop resolving etc\/os-release/);
  });

  it('image_oversized: gzip and zstd decompression bombs stop at the byte bound', async () => {
    const zeros = Buffer.alloc(96 * MiB);
    const bombTar = await tarOf([{ name: 'bomb', content: zeros }]);
    const limits = { maxUncompressedBytes: 32 * MiB };
    const gz = await image([layer([{ name: 'a', content: 'a' }], { compression: 'none', tamper: () => gzipSync(bombTar, { level: 1 }) })], 'docker', true);
    await expectCode(gz, 'image_oversized', /more than 33554432 uncompressed bytes/, limits);
    const zs = await image([layer([{ name: 'a', content: 'a' }], { compression: 'none', tamper: () => zstd(bombTar) })], 'docker', true);
    await expectCode(zs, 'image_oversized', /more than 33554432 uncompressed bytes/, limits);
    const outer = path.join(path.dirname(zs), 'outer-bomb.tar.gz');
    writeFileSync(outer, gzipSync(await tarOf([{ name: 'padding', content: zeros }, { name: 'manifest.json', content: '[]' }]), { level: 1 }));
    await expectCode(outer, 'image_oversized', /more than 33554432 uncompressed bytes/, limits);
  });

  it('too_many_files: more entries than the bound', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ name: `f/${i}`, content: '' }));
    await expectCode(await image([layer(many)]), 'too_many_files', /over 1000 entries/, { maxEntries: 1000 });
  });

  it('header_too_large: a huge PAX path header and a huge link target', async () => {
    await expectCode(await image([layer([{ name: `a/${'n'.repeat(200_000)}`, content: 'x' }])]), 'header_too_large', /tar x header of \d+ bytes/);
    await expectCode(await image([layer([{ name: 'l', type: 'symlink', linkname: 'x'.repeat(8000) }])]), 'header_too_large', /tar x header of \d+ bytes \(limit 4096\)/, { maxHeaderBytes: 4096 });
  });

  it('corrupt_layer: truncated gzip, bad tar, diff_id mismatch, blob digest mismatch', async () => {
    const entries = [{ name: 'data.txt', content: 'some bytes '.repeat(5000) }];
    const truncated = await image([layer(entries, { tamper: (blob) => blob.subarray(0, blob.length >> 1) })], 'docker', true);
    await expectCode(truncated, 'corrupt_layer', /gzip/);
    const garbage = await image([layer(entries, { compression: 'none', tamper: (blob) => Buffer.alloc(blob.length, 0x41) })], 'docker', true);
    await expectCode(garbage, 'corrupt_layer', /tar/);
    const flipped = (blob: Buffer): Buffer => {
      const copy = Buffer.from(blob);
      copy[600] = (copy[600] ?? 0) ^ 1; // a data byte of the first file: still a valid tar
      return copy;
    };
    await expectCode(await image([layer(entries, { compression: 'none', tamper: flipped })], 'docker', true), 'corrupt_layer', /diff_id .* is not the config's/);
    const otherGzip = (): Buffer => gzipSync(Buffer.alloc(1024));
    await expectCode(await image([layer(entries, { tamper: otherGzip })]), 'corrupt_layer', /blob digest .* is not the manifest's/);
  });

  it('unsupported_format: not an archive, a tar without manifest, an unknown layer media type', async () => {
    const dir = path.join(work, 'formats');
    mkdirSync(dir);
    const random = path.join(dir, 'random.bin');
    writeFileSync(random, Buffer.from('PK\u0003\u0004 this is a zip, not an image archive'.repeat(40)));
    await expectCode(random, 'unsupported_format', /not a tar archive/);
    const plain = path.join(dir, 'plain.tar');
    writeFileSync(plain, await tarOf([{ name: 'README', content: 'hello' }]));
    await expectCode(plain, 'unsupported_format', /neither a docker-archive/);
    const built = await buildImage([layer([{ name: 'a', content: 'a' }])]);
    const manifest = JSON.parse(built.manifest.toString()) as { layers: Array<{ mediaType: string }> };
    (manifest.layers[0] as { mediaType: string }).mediaType = 'application/vnd.oci.image.layer.v1.tar+encrypted';
    const patched = Buffer.from(JSON.stringify(manifest));
    const { createHash } = await import('node:crypto');
    const digest = `sha256:${createHash('sha256').update(patched).digest('hex')}`;
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: patched.length }] }));
    const layout = path.join(dir, 'layout');
    ociLayout(built, layout, index, [patched]);
    await expectCode(layout, 'unsupported_format', /media type application\/vnd\.oci\.image\.layer\.v1\.tar\+encrypted/);
  });
});
