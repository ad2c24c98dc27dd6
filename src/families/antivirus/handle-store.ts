import type { Kysely } from 'kysely';
import { newUuid } from '../../identity/secrets.js';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import type { Database } from '../../store/schema.js';
import { TRANSITIONS, type StateOperation } from './handling.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';
import { addWhiteRules, removeWhiteRules, WhiteRuleProblem, type WhiteRule } from './white-rules.js';

/**
 * HandleAntiVirusResult's state-only operations: in one transaction every named result changes its handling,
 * the project's alarm whitelist gains or loses the result's hash + path, and one `av_handle_history` row per result
 * records who did it; `add_to_alarm_whitelist` / `remove_from_alarm_whitelist` also store / delete the request's
 * path rules (white-rules.ts). Results that are unknown, of another project / enterprise scope, or not in the state
 * the operation undoes, and rules past the limit or not stored, are returned instead and nothing changes.
 */

export interface HandleRequest {
  projectId: string;
  scope: EnterpriseScope;
  operation: StateOperation;
  resultIds: readonly string[];
  memo: string;
  userId: string;
  userName: string;
  /** `event_white_rules` (only with the two alarm whitelist operations). */
  rules?: readonly WhiteRule[];
}

export type HandleOutcome = { ok: true } | { ok: false; unknown: string[]; wrongState: string[]; rule?: WhiteRuleProblem };

export class AvHandleStore {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<AntivirusTables>();
  }

  async handle(req: HandleRequest, now = Date.now()): Promise<HandleOutcome> {
    const ids = [...new Set(req.resultIds)];
    try {
      return await this.db.transaction().execute((trx) => this.apply(trx.withTables<AntivirusTables>(), req, ids, now));
    } catch (error) {
      if (error instanceof WhiteRuleProblem) return { ok: false, unknown: [], wrongState: [], rule: error };
      if (error instanceof RefusedHandling) return { ok: false, unknown: error.unknown, wrongState: error.wrongState };
      throw error;
    }
  }

  private async apply(db: Kysely<AntivirusDatabase>, req: HandleRequest, ids: string[], now: number): Promise<HandleOutcome> {
    const transition = TRANSITIONS[req.operation];
    const rules = req.rules ?? [];
    if (transition.whitelist === 'add' && rules.length > 0) await addWhiteRules(db, req.projectId, rules, req.userName, now);
    if (transition.whitelist === 'remove' && rules.length > 0) await removeWhiteRules(db, req.projectId, rules);
    if (ids.length === 0) return { ok: true };
    const rows = await db.selectFrom('av_results').innerJoin('tasks', 'tasks.id', 'av_results.task_id')
      .select(['av_results.result_id', 'av_results.handle_method', 'av_results.file_hash', 'av_results.file_path'])
      .where('av_results.project_id', '=', req.projectId).where(inScope('tasks.enterprise_project_id', req.scope))
      .where('av_results.result_id', 'in', ids).execute();
    const found = new Map(rows.map((r) => [r.result_id, r]));
    const unknown = ids.filter((id) => !found.has(id));
    const wrongState = rows.filter((r) => r.handle_method !== transition.requires).map((r) => r.result_id);
    // Thrown, not returned: rules stored above roll back with the rest.
    if (unknown.length > 0 || wrongState.length > 0) throw new RefusedHandling(unknown, wrongState);

    await db.updateTable('av_results').set({
      handle_status: transition.handleStatus, handle_method: transition.handleMethod, memo: req.memo === '' ? null : req.memo, updated_at: now,
    }).where('project_id', '=', req.projectId).where('result_id', 'in', ids).execute();
    const pairs = [...new Map(rows.map((r) => [`${r.file_hash}\0${r.file_path}`, r])).values()];
    for (const pair of pairs) {
      if (transition.whitelist === 'add') {
        await db.insertInto('av_alarm_whitelist').values({
          project_id: req.projectId, file_hash: pair.file_hash, file_path: pair.file_path, created_by: req.userName, created_at: now,
        }).onConflict((oc) => oc.columns(['project_id', 'file_hash', 'file_path']).doNothing()).execute();
      } else if (transition.whitelist === 'remove') {
        await db.deleteFrom('av_alarm_whitelist').where('project_id', '=', req.projectId).where('file_hash', '=', pair.file_hash)
          .where('file_path', '=', pair.file_path).execute();
      }
    }
    await db.insertInto('av_handle_history').values(ids.map((id) => ({
      id: newUuid(), project_id: req.projectId, result_id: id, operate_type: req.operation, user_id: req.userId, user_name: req.userName,
      notes: req.memo, handle_time: now,
    }))).execute();
    return { ok: true };
  }
}

class RefusedHandling extends Error {
  constructor(readonly unknown: string[], readonly wrongState: string[]) {
    super('refused');
  }
}

/** The whitelisted hash + path pairs of a project among `candidates` (the sweep drops those detections). */
export async function whitelistedPairs(db: Kysely<AntivirusDatabase>, projectId: string, hashes: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  const unique = [...new Set(hashes)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db.selectFrom('av_alarm_whitelist').select(['file_hash', 'file_path']).where('project_id', '=', projectId)
      .where('file_hash', 'in', unique.slice(i, i + 500)).execute();
    for (const r of rows) out.add(`${r.file_hash}\0${r.file_path}`);
  }
  return out;
}
