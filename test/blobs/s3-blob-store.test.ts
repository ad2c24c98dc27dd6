/**
 * The S3 blob store against a real S3 server (Ceph radosgw on loopback, test/helpers/radosgw.ts): the shared
 * contract, plus what only an object store can do wrong — missing bucket, wrong keys, a gateway that dies
 * mid-upload, bytes changed behind Guardpost's back.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { openBlobStore } from '../../src/blobs/open-blob-store.js';
import { BlobIntegrityError, parseS3Url, S3BlobStore, s3ClientConfig } from '../../src/blobs/s3-blob-store.js';
import { loadConfig } from '../../src/config.js';
import { startRadosgw, type Radosgw } from '../helpers/radosgw.js';
import { blobStoreContract, generated, readAll, readBlob } from './contract.js';

let rgw: Radosgw;
let client: S3Client;
const bucket = `gp-test-${crypto.randomBytes(4).toString('hex')}`;

const clientFor = (env: Record<string, string>): S3Client => new S3Client({ ...s3ClientConfig(env), maxAttempts: 2 });

before(async () => {
  rgw = await startRadosgw();
  client = clientFor(rgw.env(bucket));
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
}, { timeout: 1_200_000 });

after(async () => {
  client?.destroy();
  await rgw?.stop();
});

let n = 0;
blobStoreContract('S3 (radosgw)', () => new S3BlobStore({ bucket, prefix: 'contract/', client }), (label) => `k/${label}-${++n}`);

async function objectKeys(prefix: string): Promise<string[]> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
}

describe('S3BlobStore on radosgw', () => {
  test('GUARDPOST_BLOB_URL=s3://bucket/prefix + GUARDPOST_S3_ENDPOINT select it; objects land under the prefix', async () => {
    const config = loadConfig({ GUARDPOST_HOME: '/tmp/unused-home', ...rgw.env(bucket, 'tenant-a/blobs') });
    assert.deepEqual(config.blobBackend, { kind: 's3', url: `s3://${bucket}/tenant-a/blobs` });
    const opened = openBlobStore(config);
    try {
      await opened.blobs.put('projects/p1/x.bin', Readable.from([Buffer.from('hello')]));
      const keys = await objectKeys('tenant-a/blobs/');
      assert.ok(keys.includes('tenant-a/blobs/blobs/projects/p1/x.bin'), keys.join(', '));
      assert.ok(keys.some((k) => k.startsWith('tenant-a/blobs/data/projects/p1/x.bin.')), keys.join(', '));
      assert.equal((await readBlob(opened.blobs, 'projects/p1/x.bin'))?.toString(), 'hello');
      assert.match(opened.description, new RegExp(`bucket ${bucket} prefix tenant-a/blobs/ at http://127\\.0\\.0\\.1:\\d+`));
    } finally {
      opened.close();
    }
  });

  test('a delete or an overwrite leaves no data object behind', async () => {
    const blobs = new S3BlobStore({ bucket, prefix: 'gc/', client });
    await blobs.put('a', Readable.from([Buffer.from('1')]));
    await blobs.put('a', Readable.from([Buffer.from('2')]));
    assert.equal((await objectKeys('gc/data/')).length, 1);
    await blobs.delete('a');
    assert.deepEqual(await objectKeys('gc/'), []);
  });

  test('a failed or too-large upload leaves no object at all', async () => {
    const blobs = new S3BlobStore({ bucket, prefix: 'failed/', client });
    await assert.rejects(blobs.put('big', generated(200, 64 * 1024), { maxBytes: 5 * 1024 * 1024 }));
    await assert.rejects(blobs.put('broken', generated(200, 64 * 1024, 'upstream reset')), /upstream reset/);
    assert.deepEqual(await objectKeys('failed/'), []);
  });

  test('bytes changed in the bucket behind Guardpost are refused on read (size or SHA-256)', async () => {
    const blobs = new S3BlobStore({ bucket, prefix: 'tamper/', client });
    await blobs.put('doc', Readable.from([Buffer.from('original bytes')]));
    const dataKey = (await objectKeys('tamper/data/'))[0] as string;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: dataKey, Body: 'originaX bytes' }));
    await assert.rejects(readAll((await blobs.get('doc')) as Readable), (error: unknown) => error instanceof BlobIntegrityError && /SHA-256/.test(error.message));
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: dataKey, Body: 'short' }));
    await assert.rejects(readAll((await blobs.get('doc')) as Readable), /5 bytes instead of 14/);
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'tamper/blobs/doc', Body: '{"v":2}' }));
    await assert.rejects(blobs.stat('doc'), /pointer object has the wrong shape/);
  });

  test('a 192 MiB streamed upload and download keep memory bounded (well under the blob size)', async () => {
    const blobs = new S3BlobStore({ bucket, prefix: 'large/', client });
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      const info = await blobs.put('pcap', generated(3072, 64 * 1024));
      assert.equal(info.size, 192 * 1024 * 1024);
      let size = 0;
      for await (const chunk of (await blobs.get('pcap')) as Readable) size += (chunk as Buffer).length;
      assert.equal(size, info.size);
    } finally {
      clearInterval(sampler);
    }
    // Parts are 8 MiB with two in flight (plus garbage the GC has not returned yet); the whole blob would be 192 MiB.
    assert.ok(peak - before < 96 * 1024 * 1024, `RSS grew by ${Math.round((peak - before) / 1048576)} MiB`);
  });

  test('probe: a missing bucket and wrong keys are named (code for /readyz, details in the message)', async () => {
    const missing = new S3BlobStore({ bucket: `${bucket}-missing`, prefix: '', client });
    await assert.rejects(missing.probe(), (error: Error & { code?: string }) => error.code === 'bucket_missing' && /does not exist/.test(error.message));
    const wrong = clientFor({ ...rgw.env(bucket), AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    try {
      const denied = new S3BlobStore({ bucket, prefix: '', client: wrong });
      await assert.rejects(denied.probe(), (error: Error & { code?: string }) => error.code === 'access_denied' && /access denied/.test(error.message));
      await assert.rejects(denied.put('x', Readable.from([Buffer.from('x')])), /access denied/);
    } finally {
      wrong.destroy();
    }
  });

  test('the gateway dies mid-upload: the put fails with a clear reason; after a restart nothing partial is visible', async () => {
    const blobs = new S3BlobStore({ bucket, prefix: 'fault/', client });
    let sent = 0;
    const body = new Readable({
      read() {
        sent += 1;
        if (sent === 40) void rgw.stopGateway('SIGKILL');
        if (sent > 4000) this.push(null);
        else setTimeout(() => this.push(Buffer.alloc(64 * 1024, 7)), sent > 40 ? 5 : 0);
      },
    });
    await assert.rejects(blobs.put('interrupted', body), /S3 writing blob interrupted: |unreachable|failed/);
    await rgw.startGateway();
    assert.equal(await blobs.stat('interrupted'), null);
    assert.equal(await blobs.get('interrupted'), null);
    await blobs.probe();
  });
});

describe('parseS3Url', () => {
  test('bucket and prefix; bad URLs are refused', () => {
    assert.deepEqual(parseS3Url('s3://my-bucket'), { bucket: 'my-bucket', prefix: '' });
    assert.deepEqual(parseS3Url('s3://my-bucket/a/b/'), { bucket: 'my-bucket', prefix: 'a/b/' });
    for (const bad of ['s3://', 's3://UPPER', 'http://x', 's3://b/../x', 's3://a']) assert.throws(() => parseS3Url(bad), /GUARDPOST_BLOB_URL/, bad);
  });

  test('GUARDPOST_BLOB_URL with GUARDPOST_BLOB_DIR: file:// must agree, s3:// excludes it', () => {
    assert.equal(loadConfig({ GUARDPOST_HOME: '/h', GUARDPOST_BLOB_URL: 'file:///srv/blobs' }).blobDir, '/srv/blobs');
    assert.throws(() => loadConfig({ GUARDPOST_HOME: '/h', GUARDPOST_BLOB_URL: 'file:///srv/a', GUARDPOST_BLOB_DIR: '/srv/b' }), /different directories/);
    assert.throws(() => loadConfig({ GUARDPOST_HOME: '/h', GUARDPOST_BLOB_URL: 's3://bucket-x', GUARDPOST_BLOB_DIR: '/srv/b' }), /not both/);
    assert.throws(() => loadConfig({ GUARDPOST_HOME: '/h', GUARDPOST_BLOB_URL: 'ftp://x' }), /GUARDPOST_BLOB_URL must be/);
  });
});
