/**
 * The BlobStore contract, run against every backend (test/blobs/*-contract.test.ts): what the rest of Guardpost
 * relies on, whatever stores the bytes.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { BlobKeyError, BlobTooLargeError, type BlobStore } from '../../src/blobs/blob-store.js';

export const sha = (data: Buffer | string): string => crypto.createHash('sha256').update(data).digest('hex');

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readBlob(blobs: BlobStore, key: string): Promise<Buffer | null> {
  const stream = await blobs.get(key);
  return stream ? readAll(stream) : null;
}

/** `count` chunks of `chunkBytes` generated on demand (constant memory), then the end or an error. */
export function generated(count: number, chunkBytes: number, failWith?: string): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent < count) {
        sent += 1;
        this.push(Buffer.alloc(chunkBytes, sent % 251));
      } else if (failWith) {
        this.destroy(new Error(failWith));
      } else {
        this.push(null);
      }
    },
  });
}

export function blobStoreContract(name: string, open: () => BlobStore, uniqueKey: (label: string) => string): void {
  describe(`BlobStore contract: ${name}`, () => {
    test('put → stat → get round trip of a multi-chunk blob, with size and SHA-256', async () => {
      const blobs = open();
      const key = uniqueKey('roundtrip');
      const data = crypto.randomBytes(11 * 1024 * 1024 + 17); // over one 8 MiB multipart part
      const chunks = Array.from({ length: Math.ceil(data.length / 65536) }, (_, i) => data.subarray(i * 65536, (i + 1) * 65536));
      const info = await blobs.put(key, Readable.from(chunks));
      assert.deepEqual(info, { key, size: data.length, sha256: sha(data) });
      assert.deepEqual(await blobs.stat(key), info);
      assert.ok((await readBlob(blobs, key))?.equals(data));
    });

    test('an empty blob is a blob', async () => {
      const blobs = open();
      const key = uniqueKey('empty');
      assert.deepEqual(await blobs.put(key, Readable.from([])), { key, size: 0, sha256: sha('') });
      assert.deepEqual(await readBlob(blobs, key), Buffer.alloc(0));
    });

    test('a missing key: get and stat give null, delete gives false', async () => {
      const blobs = open();
      const key = uniqueKey('missing');
      assert.equal(await blobs.get(key), null);
      assert.equal(await blobs.stat(key), null);
      assert.equal(await blobs.delete(key), false);
    });

    test('overwrite replaces the bytes whole; delete removes them', async () => {
      const blobs = open();
      const key = uniqueKey('overwrite');
      await blobs.put(key, Readable.from([Buffer.from('first version')]));
      const second = await blobs.put(key, Readable.from([Buffer.from('second')]));
      assert.equal(second.sha256, sha('second'));
      assert.equal((await readBlob(blobs, key))?.toString(), 'second');
      assert.equal(await blobs.delete(key), true);
      assert.equal(await blobs.get(key), null);
    });

    test('over maxBytes → BlobTooLargeError and nothing is stored (an older blob under the key stays whole)', async () => {
      const blobs = open();
      const key = uniqueKey('too-large');
      await blobs.put(key, Readable.from([Buffer.from('kept')]));
      await assert.rejects(blobs.put(key, generated(40, 64 * 1024), { maxBytes: 1024 * 1024 }), BlobTooLargeError);
      assert.equal((await readBlob(blobs, key))?.toString(), 'kept');
      const fresh = uniqueKey('too-large-fresh');
      await assert.rejects(blobs.put(fresh, generated(40, 64 * 1024), { maxBytes: 1024 * 1024 }), BlobTooLargeError);
      assert.equal(await blobs.stat(fresh), null);
    });

    test('a body that fails mid-stream stores nothing', async () => {
      const blobs = open();
      const key = uniqueKey('failing');
      await assert.rejects(blobs.put(key, generated(3, 64 * 1024, 'connection reset')), /connection reset/);
      assert.equal(await blobs.get(key), null);
    });

    test('invalid keys are refused before any I/O', async () => {
      const blobs = open();
      for (const key of ['', '../x', 'a/../b', '/abs', 'a//b', 'x.tmp', '.hidden']) {
        await assert.rejects(blobs.put(key, Readable.from([Buffer.from('x')])), BlobKeyError, key);
        await assert.rejects(blobs.get(key), BlobKeyError, key);
      }
    });

    test('concurrent puts of different keys and of one key end consistent', async () => {
      const blobs = open();
      const keys = Array.from({ length: 6 }, (_, i) => uniqueKey(`concurrent-${i}`));
      await Promise.all(keys.map((key, i) => blobs.put(key, Readable.from([Buffer.from(`value ${i}`)]))));
      for (const [i, key] of keys.entries()) assert.equal((await readBlob(blobs, key))?.toString(), `value ${i}`);
      const shared = uniqueKey('shared');
      const values = ['a'.repeat(1000), 'b'.repeat(2000), 'c'.repeat(3000)];
      await Promise.all(values.map((v) => blobs.put(shared, Readable.from([Buffer.from(v)]))));
      const final = (await readBlob(blobs, shared))?.toString() ?? '';
      assert.ok(values.includes(final), 'one of the writes wins whole');
      assert.equal((await blobs.stat(shared))?.sha256, sha(final));
    });

    test('probe succeeds on a usable store', async () => {
      await open().probe();
    });
  });
}
