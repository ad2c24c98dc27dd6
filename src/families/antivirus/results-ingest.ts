import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { newUuid } from '../../identity/secrets.js';
import type { ArtifactStore } from '../../store/artifact-store.js';
import { classifySignature } from './classify.js';
import { batchSeq, decodeBatch, MAX_BATCH_BYTES } from './detection-batches.js';
import { MAX_DETECTIONS_STORED } from './domain.js';
import { PENDING_AUTO_KILL, PENDING_TASK_ACTION } from './auto-isolation.js';
import { whitelistedPairs } from './handle-store.js';
import type { AvDetection } from './job-kind.js';
import { readSettings } from './settings-store.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';
import { projectWhiteRules, ruleMatches } from './white-rules.js';

/**
 * How a host's detections become result rows, both while the scan runs (streamed batches, see detection-batches.ts)
 * and when its job ends (the final result): whitelisted hash + path pairs and detections matched by a whitelist rule
 * are left out; rows of an `action=auto` task (or of any task while the project's auto-kill setting is on) are
 * stored pending automatic isolation (auto-isolation.ts drains them); rows are unique per job + path + signature,
 * so a batch stored twice, by two replicas or again with the final result, adds nothing.
 */

export interface HostJob { task_id: string; host_id: string; agent_id: string; project_id: string; job_id: string }

/** Stores `detections` of `host`'s job; returns the ids of the rows this call inserted. */
export async function storeDetections(db: Kysely<AntivirusDatabase>, host: HostJob, detections: readonly AvDetection[], now: number): Promise<string[]> {
  const found = detections.slice(0, MAX_DETECTIONS_STORED);
  if (found.length === 0) return [];
  const whitelisted = await whitelistedPairs(db, host.project_id, found.map((d) => d.sha256));
  const rules = await projectWhiteRules(db, host.project_id);
  const kept = found.map((d) => ({ d, kind: classifySignature(d.signature) }))
    .filter(({ d, kind }) => !whitelisted.has(`${d.sha256}\0${d.path}`) && !rules.some((r) => ruleMatches(r, kind.event_type, d.path)));
  if (kept.length === 0) return [];
  const task = await db.selectFrom('av_tasks').select('action').where('task_id', '=', host.task_id).executeTakeFirst();
  const pending = task?.action === 'auto' ? PENDING_TASK_ACTION : (await readSettings(db, host.project_id)).autoKill ? PENDING_AUTO_KILL : 0;
  const inserted: string[] = [];
  for (let i = 0; i < kept.length; i += 100) {
    const rows = await db.insertInto('av_results').values(kept.slice(i, i + 100).map(({ d, kind }) => {
      return {
        result_id: newUuid(), project_id: host.project_id, task_id: host.task_id, host_id: host.host_id, agent_id: host.agent_id, job_id: host.job_id,
        file_path: d.path, malware_name: d.signature, malware_type: kind.malware_type, event_type: kind.event_type, severity: kind.severity,
        file_hash: d.sha256, file_size: d.size, file_attr: d.mode, file_owner: d.owner, file_mtime: d.mtime_ms, file_ctime: d.ctime_ms,
        occur_time: d.found_at, handle_status: 'unhandled', handle_method: null, memo: null, isolate_state: null, vault_ref: null,
        isolate_job_id: null, isolate_reason: null, isolate_origin: null, auto_isolate_pending: pending, updated_at: now,
      };
    })).onConflict((oc) => oc.columns(['job_id', 'file_path', 'malware_name']).doNothing()).returning('result_id').execute();
    inserted.push(...rows.map((r) => r.result_id));
  }
  return inserted;
}

async function readBounded(body: Readable, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Another replica stored the batch first: this transaction's inserts are rolled back. */
class AlreadyStored extends Error {}

/** Reads the detection batches a host's agent uploaded and stores the new ones as result rows. */
export class StreamedDetections {
  constructor(private readonly artifacts: ArtifactStore) {}

  /**
   * Stores every batch of `host`'s job numbered above `after` (in order; a batch that is too large or malformed is
   * passed over) and advances the host row's `streamed_batches`. Returns the ids of the rows inserted here.
   */
  async ingest(db: Kysely<AntivirusDatabase>, host: HostJob, after: number, now: number): Promise<string[]> {
    const batches = (await this.artifacts.ofTasks([host.task_id]))
      .flatMap((a) => {
        const seq = a.job_id === host.job_id ? batchSeq(a.name) : null;
        return seq !== null && seq > after ? [{ seq, artifact: a }] : [];
      })
      .sort((a, b) => a.seq - b.seq);
    const inserted: string[] = [];
    for (const { seq, artifact } of batches) {
      const body = artifact.size <= MAX_BATCH_BYTES ? await this.artifacts.openBlob(artifact) : null;
      const bytes = body ? await readBounded(body, MAX_BATCH_BYTES) : null;
      const detections = (bytes && decodeBatch(bytes)) ?? [];
      try {
        inserted.push(...await db.transaction().execute(async (trx) => {
          const tdb = trx.withTables<AntivirusTables>();
          const ids = await storeDetections(tdb, host, detections, now);
          const moved = await tdb.updateTable('av_task_hosts').set({ streamed_batches: seq })
            .where('task_id', '=', host.task_id).where('host_id', '=', host.host_id).where('job_id', '=', host.job_id)
            .where('streamed_batches', '<', seq).executeTakeFirst();
          if (Number(moved.numUpdatedRows) === 0) throw new AlreadyStored();
          return ids;
        }));
      } catch (error) {
        if (!(error instanceof AlreadyStored)) throw error;
      }
    }
    return inserted;
  }
}
