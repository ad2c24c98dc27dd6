/**
 * A real server on the S3 blob store (radosgw on loopback): selected by GUARDPOST_BLOB_URL, ready when the bucket
 * is usable, and /readyz names what is wrong when it is not (missing bucket, wrong keys) without leaking details.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { S3BlobStore, s3ClientConfig } from '../../src/blobs/s3-blob-store.js';
import { startRadosgw, type Radosgw } from '../helpers/radosgw.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { readAll } from '../blobs/contract.js';

interface Ready { status: string; failed?: string[]; checks: Record<string, { status: string; error?: string }> }

let rgw: Radosgw;
const bucket = `gp-srv-${crypto.randomBytes(4).toString('hex')}`;

before(async () => {
  rgw = await startRadosgw();
  const client = new S3Client(s3ClientConfig(rgw.env(bucket)));
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
}, { timeout: 1_200_000 });
after(async () => {
  await rgw?.stop();
});

async function ready(ts: TestServer): Promise<{ status: number; body: Ready }> {
  const response = await fetch(`${ts.endpoint}/readyz`);
  return { status: response.status, body: await response.json() as Ready };
}

describe('server on the S3 blob store', () => {
  test('ready on a usable bucket; artifacts go to S3 and come back byte-exact', async () => {
    const ts = await startTestServer({ env: rgw.env(bucket, 'guardpost') });
    try {
      assert.ok(ts.server.ctx.blobs instanceof S3BlobStore);
      assert.deepEqual(await ready(ts), { status: 200, body: { status: 'ok', checks: { database: { status: 'ok' }, migrations: { status: 'ok' }, blob_store: { status: 'ok' } } } });
      const task = await ts.server.ctx.tasks.createTask({
        projectId: ts.credentials.project_id, enterpriseProjectId: '0', family: 'test', kind: 'test-s3', name: 's3', params: {}, createdBy: 'test',
        jobs: [{ agentId: null, kind: 'vul-rematch', payload: { import_id: 'none' } }],
      });
      const jobId = (task.jobs[0] as { id: string }).id;
      const bytes = crypto.randomBytes(3 * 1024 * 1024);
      const artifact = await ts.server.ctx.artifacts.put({ projectId: ts.credentials.project_id, taskId: task.task.id, jobId }, 'result.bin', 'application/octet-stream', Readable.from([bytes]));
      const opened = await ts.server.ctx.artifacts.open(artifact.id);
      assert.ok(opened && (await readAll(opened.body)).equals(bytes));
    } finally {
      await ts.close();
    }
  });

  test('/readyz is 503 naming blob_store with a code for a missing bucket and for wrong keys', async () => {
    for (const [env, code] of [
      [rgw.env(`${bucket}-absent`), 'bucket_missing'],
      [{ ...rgw.env(bucket), AWS_SECRET_ACCESS_KEY: 'wrong-secret' }, 'access_denied'],
    ] as const) {
      const ts = await startTestServer({ env });
      try {
        const { status, body } = await ready(ts);
        assert.equal(status, 503);
        assert.deepEqual(body.failed, ['blob_store']);
        assert.equal(body.checks.blob_store?.error, `the blob store cannot be written, read back and cleaned (${code})`);
        assert.ok(!JSON.stringify(body).includes(bucket), 'the bucket name is not shown to unauthenticated callers');
      } finally {
        await ts.close();
      }
    }
  });
});
