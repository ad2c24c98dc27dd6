import assert from 'node:assert/strict';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.js';
import { ArtifactStore, type ArtifactOwner } from '../../src/store/artifact-store.js';
import { openFixture, type StoreFixture } from './fixture.js';

let fx: StoreFixture;
let artifacts: ArtifactStore;
let blobs: FsBlobStore;
before(async () => {
  fx = await openFixture();
  blobs = new FsBlobStore(path.join(fx.fresh.dir, 'blobs'));
  artifacts = new ArtifactStore(fx.store.db, blobs);
});
after(async () => {
  await fx.close();
});

async function ownerOf(family: string): Promise<ArtifactOwner> {
  const projectId = await fx.newProject();
  const { task, jobs } = await fx.tasks.createTask({
    projectId, enterpriseProjectId: '0', family, kind: 'k', name: 'n', params: {}, createdBy: 'u',
    jobs: [{ agentId: null, kind: 'k', payload: {} }],
  });
  return { projectId, taskId: task.id, jobId: jobs[0]!.id };
}

describe('ArtifactStore', () => {
  test('put stores bytes and a row; open streams them back', async () => {
    const owner = await ownerOf('fam-a');
    const artifact = await artifacts.put(owner, 'report.zip', 'application/zip', Readable.from([Buffer.from('hello ')]));
    assert.equal(artifact.size, 6);
    assert.equal(artifact.task_id, owner.taskId);
    const opened = await artifacts.open(artifact.id);
    assert.ok(opened);
    assert.equal(await text(opened.body), 'hello ');
    assert.equal(opened.artifact.content_type, 'application/zip');
  });

  test('a second put of the same name replaces the first and deletes its blob', async () => {
    const owner = await ownerOf('fam-a');
    const first = await artifacts.put(owner, 'capture.pcap', 'application/vnd.tcpdump.pcap', Readable.from([Buffer.from('v1')]));
    const second = await artifacts.put(owner, 'capture.pcap', 'application/vnd.tcpdump.pcap', Readable.from([Buffer.from('v2-longer')]));
    const rows = await artifacts.ofTasks([owner.taskId]);
    assert.deepEqual(rows.map((r) => r.id), [second.id]);
    assert.equal(await blobs.stat(first.blob_key), null);
    assert.equal(await artifacts.open(first.id), null);
  });

  test('a failed upload leaves no row and keeps the previous artifact', async () => {
    const owner = await ownerOf('fam-a');
    const kept = await artifacts.put(owner, 'a.bin', 'application/octet-stream', Readable.from([Buffer.from('keep')]));
    await assert.rejects(artifacts.put(owner, 'a.bin', 'application/octet-stream', Readable.from([Buffer.alloc(64)]), { maxBytes: 10 }));
    const rows = await artifacts.ofTasks([owner.taskId]);
    assert.deepEqual(rows.map((r) => r.id), [kept.id]);
  });

  test('purgeTasks and purgeOlderThan remove rows and blobs, only of the named tasks / family', async () => {
    const a = await ownerOf('fam-purge');
    const b = await ownerOf('fam-other');
    const x = await artifacts.put(a, 'x', 'text/plain', Readable.from([Buffer.from('x')]));
    const y = await artifacts.put(b, 'y', 'text/plain', Readable.from([Buffer.from('y')]));
    assert.equal(await artifacts.purgeOlderThan('fam-purge', Date.now() - 60_000), 0);
    assert.equal(await artifacts.purgeOlderThan('fam-purge', Date.now() + 1), 1);
    assert.equal(await blobs.stat(x.blob_key), null);
    assert.ok(await blobs.stat(y.blob_key));
    assert.equal(await artifacts.purgeTasks([b.taskId]), 1);
    assert.equal(await blobs.stat(y.blob_key), null);
    assert.equal(await artifacts.purgeTasks([]), 0);
  });
});
