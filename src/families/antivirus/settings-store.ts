import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/**
 * The project's antivirus switches (one `av_settings` row, written on first change): pay-per-scan (default on;
 * off refuses CreateAntiVirusPaidTask) and automatic isolate-and-kill (default off; on isolates the new detections
 * of `action=manual` tasks too, exactly like `action=auto`). Per project: the enterprise project query only scopes reads.
 */

export interface AvSettings { payPerScan: boolean; autoKill: boolean }

export const DEFAULT_SETTINGS: AvSettings = { payPerScan: true, autoKill: false };

export async function readSettings(db: Kysely<AntivirusDatabase>, projectId: string): Promise<AvSettings> {
  const row = await db.selectFrom('av_settings').select(['pay_per_scan_enabled', 'auto_kill_enabled']).where('project_id', '=', projectId)
    .executeTakeFirst();
  return row ? { payPerScan: row.pay_per_scan_enabled === 1, autoKill: row.auto_kill_enabled === 1 } : { ...DEFAULT_SETTINGS };
}

export class AvSettingsStore {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<AntivirusTables>();
  }

  get(projectId: string): Promise<AvSettings> {
    return readSettings(this.db, projectId);
  }

  /** Changes one switch, keeping the other (a single upsert, so concurrent changes of both switches both stick). */
  async set(projectId: string, change: Partial<AvSettings>, now = Date.now()): Promise<void> {
    const values = {
      project_id: projectId,
      pay_per_scan_enabled: (change.payPerScan ?? DEFAULT_SETTINGS.payPerScan) ? 1 : 0,
      auto_kill_enabled: (change.autoKill ?? DEFAULT_SETTINGS.autoKill) ? 1 : 0,
      updated_at: now,
    };
    await this.db.insertInto('av_settings').values(values).onConflict((oc) => oc.column('project_id').doUpdateSet({
      ...(change.payPerScan === undefined ? {} : { pay_per_scan_enabled: values.pay_per_scan_enabled }),
      ...(change.autoKill === undefined ? {} : { auto_kill_enabled: values.auto_kill_enabled }),
      updated_at: now,
    })).execute();
  }
}
