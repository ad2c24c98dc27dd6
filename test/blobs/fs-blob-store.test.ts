import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { assertValidBlobKey, BlobKeyError, BlobTooLargeError } from '../../src/blobs/blob-store.js';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.js';
import { tempDir } from '../helpers/db.js';

let root: string;
let blobs: FsBlobStore;
before(() => {
  root = path.join(tempDir('gp-blobs-'), 'blobs');
  blobs = new FsBlobStore(root);
});
after(() => {
  fs.rmSync(path.dirname(root), { recursive: true, force: true });
});

const sha = (data: Buffer | string) => crypto.createHash('sha256').update(data).digest('hex');

/** Every file under the store's root, relative, sorted. */
function filesUnder(dir = root): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(root, path.join(d.parentPath, d.name)))
    .sort();
}

/** A stream of `chunks` chunks of 64 KiB, then an error instead of the end. */
function failingStream(chunks: number, message = 'connection reset'): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent < chunks) {
        sent += 1;
        this.push(Buffer.alloc(64 * 1024, sent));
      } else {
        this.destroy(new Error(message));
      }
    },
  });
}

async function read(key: string): Promise<Buffer | null> {
  const stream = await blobs.get(key);
  if (!stream) return null;
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('FsBlobStore', () => {
  test('streaming put/get round trip of a multi-chunk blob, with size and SHA-256', async () => {
    const data = crypto.randomBytes(3 * 1024 * 1024 + 17);
    const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
    const info = await blobs.put('projects/p1/tasks/t1/capture.pcap', Readable.from(chunks));
    assert.deepEqual(info, { key: 'projects/p1/tasks/t1/capture.pcap', size: data.length, sha256: sha(data) });
    assert.ok((await read('projects/p1/tasks/t1/capture.pcap'))!.equals(data));
    assert.deepEqual(await blobs.stat('projects/p1/tasks/t1/capture.pcap'), info);
    assert.equal(fs.statSync(path.join(root, 'projects/p1/tasks/t1/capture.pcap')).mode & 0o777, 0o600);
  });

  test('empty blob', async () => {
    const info = await blobs.put('empty', Readable.from([]));
    assert.deepEqual(info, { key: 'empty', size: 0, sha256: sha('') });
    assert.equal((await read('empty'))!.length, 0);
    assert.deepEqual(await blobs.stat('empty'), info);
  });

  test('overwrite replaces content and digest', async () => {
    await blobs.put('over/write', Readable.from([Buffer.from('first version')]));
    const info = await blobs.put('over/write', Readable.from([Buffer.from('second')]));
    assert.equal(await text((await blobs.get('over/write'))!), 'second');
    assert.deepEqual(await blobs.stat('over/write'), { key: 'over/write', size: 6, sha256: sha('second') });
    assert.equal(info.sha256, sha('second'));
  });

  test('a stream that fails midway leaves no blob and no temporary file', async () => {
    const before = filesUnder();
    await assert.rejects(blobs.put('failed/upload.bin', failingStream(5)), /connection reset/);
    assert.equal(await blobs.get('failed/upload.bin'), null);
    assert.equal(await blobs.stat('failed/upload.bin'), null);
    assert.deepEqual(filesUnder(), before);
  });

  test('an aborted stream leaves an existing blob under the same key untouched', async () => {
    const original = await blobs.put('keep/me', Readable.from([Buffer.from('the good copy')]));
    const before = filesUnder();
    await assert.rejects(blobs.put('keep/me', failingStream(3, 'client aborted')), /client aborted/);
    assert.equal(await text((await blobs.get('keep/me'))!), 'the good copy');
    assert.deepEqual(await blobs.stat('keep/me'), original);
    assert.deepEqual(filesUnder(), before);
  });

  test('maxBytes: exactly the limit is fine, one byte more is refused and leaves nothing', async () => {
    const info = await blobs.put('limit/exact', Readable.from([Buffer.alloc(600), Buffer.alloc(424)]), { maxBytes: 1024 });
    assert.equal(info.size, 1024);
    const before = filesUnder();
    await assert.rejects(blobs.put('limit/over', Readable.from([Buffer.alloc(1000), Buffer.alloc(25)]), { maxBytes: 1024 }),
      (e: unknown) => e instanceof BlobTooLargeError && e.maxBytes === 1024);
    assert.equal(await blobs.stat('limit/over'), null);
    assert.deepEqual(filesUnder(), before);
    await assert.rejects(blobs.put('limit/huge', failingStream(1000), { maxBytes: 100_000 }), BlobTooLargeError);
    assert.deepEqual(filesUnder(), before);
  });

  test('invalid keys are refused before touching the disk', async () => {
    const before = filesUnder();
    const bad = ['', '/', '/etc/passwd', '../escape', 'a/../../escape', 'a/./b', '..', '.', 'a//b', 'a/', '/a',
      'upload.tmp', 'dir/x.1234.tmp', '.hidden', 'a/.hidden', 'a\\b', 'a b', 'é', 'a\0b', 'x'.repeat(201),
      Array.from({ length: 17 }, () => 's').join('/')];
    for (const key of bad) {
      assert.throws(() => assertValidBlobKey(key), BlobKeyError, JSON.stringify(key));
      await assert.rejects(blobs.put(key, Readable.from([Buffer.from('x')])), BlobKeyError, JSON.stringify(key));
      await assert.rejects(blobs.get(key), BlobKeyError);
      await assert.rejects(blobs.stat(key), BlobKeyError);
      await assert.rejects(blobs.delete(key), BlobKeyError);
    }
    assert.deepEqual(filesUnder(), before);
    assert.ok(!fs.existsSync(path.join(path.dirname(root), 'escape')));
    for (const key of ['a', 'A-b_c.d', 'x'.repeat(200), Array.from({ length: 16 }, () => 's').join('/'), 'v1.2.3/file.tar.gz']) {
      assertValidBlobKey(key);
    }
  });

  test('keys that look like the store\'s own bookkeeping files do not collide with it', async () => {
    const info = await blobs.put('side/data', Readable.from([Buffer.from('payload')]));
    await blobs.put('side/data.sha256', Readable.from([Buffer.from('an artifact named like a checksum file')]));
    assert.deepEqual(await blobs.stat('side/data'), info);
    assert.equal(await text((await blobs.get('side/data'))!), 'payload');
    assert.equal((await blobs.stat('side/data.sha256'))?.sha256, sha('an artifact named like a checksum file'));
  });

  test('get, stat and delete of a missing blob', async () => {
    assert.equal(await blobs.get('missing/blob'), null);
    assert.equal(await blobs.stat('missing/blob'), null);
    assert.equal(await blobs.delete('missing/blob'), false);
  });

  test('delete removes the blob and its digest', async () => {
    await blobs.put('del/one', Readable.from([Buffer.from('bye')]));
    const before = filesUnder().filter((f) => f.startsWith('del'));
    assert.ok(before.length >= 1);
    assert.equal(await blobs.delete('del/one'), true);
    assert.equal(await blobs.get('del/one'), null);
    assert.equal(await blobs.stat('del/one'), null);
    assert.deepEqual(filesUnder().filter((f) => f.startsWith('del')), []);
    assert.equal(await blobs.delete('del/one'), false);
  });

  test('concurrent puts to one key: the blob is one whole version, never a mix', async () => {
    const versions = Array.from({ length: 6 }, (_, i) => Buffer.alloc(200_000 + i, 65 + i));
    await Promise.all(versions.map((v) => blobs.put('race/key', Readable.from([v.subarray(0, 100_000), v.subarray(100_000)]))));
    const content = (await read('race/key'))!;
    assert.ok(versions.some((v) => v.equals(content)), 'one complete version');
    assert.deepEqual(filesUnder().filter((f) => f.endsWith('.tmp')), []);
  });
});
