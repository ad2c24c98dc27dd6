import type { Kysely } from 'kysely';
import type { Periodic } from '../../core/family.js';
import type { Database } from '../../store/schema.js';
import { avIsolateJobKind, type AvIsolateResult } from './isolate-job-kind.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/**
 * Moves results that are `isolating` / `restoring` on when their `av-isolate` job ends, on any replica (each write
 * is conditional on the result still being in that state with that job): isolating → `isolated` with the vault
 * reference, or `failed` with the job's reason (the result is unhandled again); restoring → `restored` (unhandled),
 * or back to `isolated` with the reason.
 */

const BATCH = 500;

export class AvIsolateSweep {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<AntivirusTables>();
  }

  async run(now = Date.now()): Promise<number> {
    const rows = await this.db.selectFrom('av_results').innerJoin('jobs', 'jobs.id', 'av_results.isolate_job_id')
      .select(['av_results.result_id', 'av_results.isolate_state', 'jobs.id as job_id', 'jobs.state', 'jobs.result', 'jobs.failure_reason'])
      .where('av_results.isolate_state', 'in', ['isolating', 'restoring']).where('jobs.kind', '=', avIsolateJobKind.name)
      .where('jobs.state', 'in', ['succeeded', 'failed', 'cancelled']).limit(BATCH).execute();
    let changed = 0;
    for (const row of rows) {
      const succeeded = row.state === 'succeeded';
      const reason = succeeded ? null : (row.failure_reason ?? `the isolation job ended ${row.state}`).slice(0, 1000);
      const vaultRef = succeeded ? parseVaultRef(row.result) : null;
      const next = row.isolate_state === 'isolating'
        ? (succeeded && vaultRef
          ? { isolate_state: 'isolated', vault_ref: vaultRef, isolate_reason: null }
          : { isolate_state: 'failed', isolate_reason: reason ?? 'the isolation job returned no vault reference', handle_status: 'unhandled', handle_method: null })
        : (succeeded
          ? { isolate_state: 'restored', vault_ref: null, isolate_reason: null, handle_status: 'unhandled', handle_method: null }
          : { isolate_state: 'isolated', isolate_reason: reason });
      const r = await this.db.updateTable('av_results').set({ ...next, updated_at: now }).where('result_id', '=', row.result_id)
        .where('isolate_state', '=', row.isolate_state).where('isolate_job_id', '=', row.job_id).executeTakeFirst();
      changed += Number(r.numUpdatedRows);
    }
    return changed;
  }
}

function parseVaultRef(text: string | null): string | null {
  if (!text) return null;
  try {
    const result = JSON.parse(text) as Partial<AvIsolateResult>;
    return typeof result.vault_ref === 'string' && result.vault_ref !== '' ? result.vault_ref : null;
  } catch {
    return null;
  }
}

export function avIsolatePeriodic(sweep: AvIsolateSweep, everyMs = 1000): Periodic {
  return { name: 'antivirus-isolation', everyMs, run: () => sweep.run() };
}
