import type { Kysely } from 'kysely';
import type { WorkNotifier } from '../../server/work-notifier.js';
import type { Database } from '../../store/schema.js';
import type { AvIsolateStore, IsolateOutcome } from './isolate-store.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/**
 * Automatic isolate-and-kill. The progress sweep stores a result with `auto_isolate_pending` set (1: its task's
 * action is `auto`; 2: the project's auto-kill setting was on) in the transaction that stores it, so a crash
 * before its isolation is queued loses nothing: every pass drains the pending results. Queuing the `av-isolate`
 * job clears the flag in that job's transaction (isolate-store); a result the isolation refuses (its host cannot
 * isolate, or it was handled meanwhile) has the flag cleared and stays as it is. The isolation's state guard makes
 * two replicas draining at once queue each job once.
 */

const BATCH = 100;
const MEMO: Record<number, string> = {
  1: 'isolated automatically (task action auto)',
  2: 'isolated automatically (automatic isolate-and-kill setting)',
};

export const PENDING_TASK_ACTION = 1;
export const PENDING_AUTO_KILL = 2;

export class AvAutoIsolation {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>, private readonly isolation: AvIsolateStore, private readonly notifier?: WorkNotifier) {
    this.db = db.withTables<AntivirusTables>();
  }

  /** Queues isolation for at most BATCH pending results; returns how many left the pending state. */
  async drain(): Promise<number> {
    const rows = await this.db.selectFrom('av_results').select(['result_id', 'project_id', 'auto_isolate_pending'])
      .where('auto_isolate_pending', '>', 0).orderBy('occur_time').limit(BATCH).execute();
    const groups = new Map<string, { projectId: string; pending: number; ids: string[] }>();
    for (const r of rows) {
      const key = `${r.project_id}\0${r.auto_isolate_pending}`;
      const group = groups.get(key) ?? { projectId: r.project_id, pending: r.auto_isolate_pending, ids: [] };
      group.ids.push(r.result_id);
      groups.set(key, group);
    }
    for (const group of groups.values()) await this.isolate(group.projectId, group.ids, MEMO[group.pending] ?? MEMO[1] as string);
    return rows.length;
  }

  private async isolate(projectId: string, ids: readonly string[], memo: string): Promise<void> {
    const start = (resultIds: readonly string[]) => this.isolation.start({
      projectId, scope: null, operation: 'manual_isolate_and_kill', resultIds, memo, userId: 'system', userName: 'system', origin: 'auto',
    });
    const whole = await start(ids);
    const outcomes: IsolateOutcome[] = whole.ok ? [whole] : [];
    // The batch is refused as a whole when one result cannot be isolated: the others go one at a time.
    if (!whole.ok) for (const id of ids) outcomes.push(await start([id]));
    for (const outcome of outcomes) for (const agentId of outcome.ok ? outcome.agentIds : []) this.notifier?.notify(agentId);
    // Whatever is still pending was refused: it stays unhandled (or as it was handled) and is not retried.
    await this.db.updateTable('av_results').set({ auto_isolate_pending: 0 }).where('result_id', 'in', [...ids]).where('auto_isolate_pending', '>', 0).execute();
  }
}
