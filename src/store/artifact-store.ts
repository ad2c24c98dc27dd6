import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../blobs/blob-store.js';
import { newHexId } from '../identity/secrets.js';
import type { Database } from './schema.js';

/** Who an artifact belongs to: every artifact is the output of one job of one task. */
export interface ArtifactOwner { projectId: string; taskId: string; jobId: string }

export type Artifact = Database['artifacts'];

/**
 * Artifacts (pcaps, inventories, findings, export files) are blobs with a row: the row says whose it is,
 * what it is called and what it contains; the blob store holds the bytes. Rows are written only after the
 * blob is complete and removed before the blob, so a row never points at a partial or missing blob.
 */
export class ArtifactStore {
  constructor(private readonly db: Kysely<Database>, private readonly blobs: BlobStore) {}

  /** Streams `body` in as `name` of the owner's job, replacing an earlier artifact of that name. */
  async put(owner: ArtifactOwner, name: string, contentType: string, body: Readable, options: { maxBytes?: number } = {}): Promise<Artifact> {
    const key = `projects/${owner.projectId}/tasks/${owner.taskId}/${owner.jobId}/${newHexId(4)}-${name}`;
    const info = await this.blobs.put(key, body, options);
    const artifact: Artifact = {
      id: newHexId(), job_id: owner.jobId, task_id: owner.taskId, project_id: owner.projectId, name, blob_key: key,
      size: info.size, sha256: info.sha256, content_type: contentType, created_at: Date.now(),
    };
    const previous = await this.db.transaction().execute(async (trx) => {
      const old = await trx.selectFrom('artifacts').select(['id', 'blob_key'])
        .where('job_id', '=', owner.jobId).where('name', '=', name).execute();
      if (old.length > 0) await trx.deleteFrom('artifacts').where('id', 'in', old.map((a) => a.id)).execute();
      await trx.insertInto('artifacts').values(artifact).execute();
      return old;
    });
    for (const old of previous) await this.blobs.delete(old.blob_key);
    return artifact;
  }

  get(id: string): Promise<Artifact | undefined> {
    return this.db.selectFrom('artifacts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The artifact and a stream of its bytes, or null when either is gone. */
  async open(id: string): Promise<{ artifact: Artifact; body: Readable } | null> {
    const artifact = await this.get(id);
    if (!artifact) return null;
    const body = await this.blobs.get(artifact.blob_key);
    return body ? { artifact, body } : null;
  }

  openBlob(artifact: Pick<Artifact, 'blob_key'>): Promise<Readable | null> {
    return this.blobs.get(artifact.blob_key);
  }

  ofTasks(taskIds: readonly string[]): Promise<Artifact[]> {
    if (taskIds.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('artifacts').selectAll().where('task_id', 'in', [...taskIds]).orderBy('name').orderBy('id').execute();
  }

  /** Removes every artifact of these tasks; returns how many went. */
  async purgeTasks(taskIds: readonly string[]): Promise<number> {
    return this.purge(await this.ofTasks(taskIds));
  }

  /** Removes the artifacts of `family`'s tasks created before `cutoff` (bounded per call; run it again for more). */
  async purgeOlderThan(family: string, cutoff: number, limit = 500): Promise<number> {
    const old = await this.db.selectFrom('artifacts').innerJoin('tasks', 'tasks.id', 'artifacts.task_id')
      .selectAll('artifacts').where('tasks.family', '=', family).where('tasks.created_at', '<', cutoff).limit(limit).execute();
    return this.purge(old);
  }

  private async purge(artifacts: readonly Artifact[]): Promise<number> {
    if (artifacts.length === 0) return 0;
    await this.db.deleteFrom('artifacts').where('id', 'in', artifacts.map((a) => a.id)).execute();
    for (const artifact of artifacts) await this.blobs.delete(artifact.blob_key);
    return artifacts.length;
  }
}
