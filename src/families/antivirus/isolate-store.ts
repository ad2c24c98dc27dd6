import type { Kysely } from 'kysely';
import { parseCapabilities } from '../../core/host-facts.js';
import { newUuid } from '../../identity/secrets.js';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import type { Database } from '../../store/schema.js';
import type { TaskStore } from '../../store/task-store.js';
import { avIsolateJobKind, type AvIsolatePayload } from './isolate-job-kind.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/**
 * HandleAntiVirusResult `manual_isolate_and_kill` / `do_not_isolate_or_kill`: one `av-isolate` job per result on
 * the agent that found it, added to the result's scan task; the result becomes `isolating` / `restoring` with
 * that job, in the same transaction (guarded on the state it was checked in, so a concurrent request adds nothing).
 * The isolate sweep moves the result on when the job ends.
 */

export type IsolateOperation = 'manual_isolate_and_kill' | 'do_not_isolate_or_kill';

export interface IsolateRequest {
  projectId: string; scope: EnterpriseScope; operation: IsolateOperation; resultIds: readonly string[]; memo: string;
  userId: string; userName: string;
  /** Who isolates (ListAntiVirusResult `isolate_tag`): `auto` for the automatic isolation, else `manual`. */
  origin?: 'auto' | 'manual';
}

export type IsolateOutcome = { ok: true; agentIds: string[] } | { ok: false; unknown: string[]; wrongState: string[]; incapable: string[] };

/** Which isolate_state each operation starts from. */
const FROM: Record<IsolateOperation, ReadonlyArray<string | null>> = {
  manual_isolate_and_kill: [null, 'failed', 'restored'],
  do_not_isolate_or_kill: ['isolated'],
};

class ConcurrentHandling extends Error {
  constructor(readonly resultId: string) {
    super(`result ${resultId} was handled concurrently`);
  }
}

interface ResultRow {
  result_id: string; task_id: string; agent_id: string; file_path: string; file_hash: string; isolate_state: string | null; vault_ref: string | null;
}

export class AvIsolateStore {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>, private readonly tasks: TaskStore) {
    this.db = db.withTables<AntivirusTables>();
  }

  async start(req: IsolateRequest, now = Date.now()): Promise<IsolateOutcome> {
    const ids = [...new Set(req.resultIds)];
    const rows = await this.db.selectFrom('av_results').innerJoin('tasks', 'tasks.id', 'av_results.task_id')
      .leftJoin('agents', 'agents.id', 'av_results.agent_id')
      .select(['av_results.result_id', 'av_results.task_id', 'av_results.agent_id', 'av_results.file_path', 'av_results.file_hash',
        'av_results.isolate_state', 'av_results.vault_ref', 'av_results.handle_method', 'agents.capabilities', 'agents.revoked_at'])
      .where('av_results.project_id', '=', req.projectId).where(inScope('tasks.enterprise_project_id', req.scope))
      .where('av_results.result_id', 'in', ids).execute();
    const found = new Set(rows.map((r) => r.result_id));
    const unknown = ids.filter((id) => !found.has(id));
    const from = FROM[req.operation];
    const wrongState = rows.filter((r) => !from.includes(r.isolate_state) || (req.operation === 'manual_isolate_and_kill'
      ? r.handle_method !== null : r.vault_ref === null)).map((r) => r.result_id);
    const incapable = rows.filter((r) => r.revoked_at !== null || !avIsolateJobKind.capabilityOf(parseCapabilities(r.capabilities ?? '').kinds))
      .map((r) => r.result_id);
    if (unknown.length > 0 || wrongState.length > 0 || incapable.length > 0) return { ok: false, unknown, wrongState, incapable };

    const isolate = req.operation === 'manual_isolate_and_kill';
    try {
      await this.addJobs(req, rows, isolate, now);
    } catch (error) {
      if (error instanceof ConcurrentHandling) return { ok: false, unknown: [], wrongState: [error.resultId], incapable: [] };
      throw error;
    }
    return { ok: true, agentIds: [...new Set(rows.map((r) => r.agent_id))] };
  }

  private async addJobs(req: IsolateRequest, rows: readonly ResultRow[], isolate: boolean, now: number): Promise<void> {
    for (const taskId of [...new Set(rows.map((r) => r.task_id))]) {
      const mine = rows.filter((r) => r.task_id === taskId);
      await this.tasks.addJobs(taskId, mine.map((r) => {
        const payload: AvIsolatePayload = {
          operation: isolate ? 'isolate' : 'restore', path: r.file_path, sha256: r.file_hash, ...(r.vault_ref ? { vault_ref: r.vault_ref } : {}),
        };
        return { agentId: r.agent_id, kind: avIsolateJobKind.name, payload };
      }), now, {
        after: async (trx, jobs) => {
          const db = trx.withTables<AntivirusTables>();
          for (const [i, r] of mine.entries()) {
            const updated = await db.updateTable('av_results').set({
              isolate_state: isolate ? 'isolating' : 'restoring', isolate_job_id: jobs[i]?.id ?? null, isolate_reason: null,
              handle_status: 'handled', handle_method: 'isolate_and_kill', memo: req.memo === '' ? null : req.memo, updated_at: now,
              auto_isolate_pending: 0, ...(isolate ? { isolate_origin: req.origin ?? 'manual' } : {}),
            }).where('result_id', '=', r.result_id)
              .where((eb) => (r.isolate_state === null ? eb('isolate_state', 'is', null) : eb('isolate_state', '=', r.isolate_state)))
              .executeTakeFirst();
            // Another request moved it first: roll back this task's jobs and rows.
            if (Number(updated.numUpdatedRows) !== 1) throw new ConcurrentHandling(r.result_id);
          }
          await db.insertInto('av_handle_history').values(mine.map((r) => ({
            id: newUuid(), project_id: req.projectId, result_id: r.result_id, operate_type: req.operation, user_id: req.userId,
            user_name: req.userName, notes: req.memo, handle_time: now,
          }))).execute();
        },
      });
    }
  }
}
