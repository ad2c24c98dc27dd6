import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { SUPPORTED_VUL_TYPES, type VulType } from './domain.js';
import type { VulScanDatabase, VulScanTables } from './tables.js';

/**
 * The scheduled-scan policy of a project (ShowVulScanPolicy / ChangeVulScanPolicy): one `vul_scan_policies` row
 * with the policy as JSON and `next_scan_time` (null while the policy is closed). The scheduler claims a due run
 * with a conditional UPDATE of `next_scan_time`, so with many replicas each run happens once.
 */

export const SCAN_PERIODS = ['one_day', 'three_day', 'one_week', 'one_month'] as const;
export type ScanPeriod = (typeof SCAN_PERIODS)[number];

export interface PolicyTime { day_part: number[]; hour_part: number; minute_part: number; timezone_offset: number }

export interface ScanPolicy {
  scan_period: ScanPeriod;
  scan_range_type: 'all_host' | 'specific_host';
  host_ids: string[];
  scan_vul_types: VulType[];
  status: 'open' | 'close';
  time: PolicyTime;
}

/** The policy of a project nobody configured: closed (Guardpost never scans on its own until asked), daily at 00:00 UTC. */
export const DEFAULT_POLICY: ScanPolicy = {
  scan_period: 'one_day', scan_range_type: 'all_host', host_ids: [], scan_vul_types: [...SUPPORTED_VUL_TYPES], status: 'close',
  time: { day_part: [], hour_part: 0, minute_part: 0, timezone_offset: 0 },
};

export interface StoredPolicy { policy: ScanPolicy; nextScanTime: number | null; updatedAt: number }

function parsePolicy(json: string): ScanPolicy {
  try {
    const value = JSON.parse(json) as Partial<ScanPolicy>;
    return { ...DEFAULT_POLICY, ...value, time: { ...DEFAULT_POLICY.time, ...value.time } };
  } catch {
    return DEFAULT_POLICY;
  }
}

export class PolicyStore {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VulScanTables>();
  }

  async get(projectId: string): Promise<StoredPolicy | undefined> {
    const row = await this.db.selectFrom('vul_scan_policies').selectAll().where('project_id', '=', projectId).executeTakeFirst();
    if (!row) return undefined;
    return { policy: parsePolicy(row.policy), nextScanTime: row.next_scan_time === null ? null : Number(row.next_scan_time), updatedAt: Number(row.updated_at) };
  }

  async put(projectId: string, policy: ScanPolicy, nextScanTime: number | null, now = Date.now()): Promise<void> {
    const values = { policy: JSON.stringify(policy), next_scan_time: nextScanTime, updated_at: now };
    await this.db.insertInto('vul_scan_policies').values({ project_id: projectId, ...values })
      .onConflict((oc) => oc.column('project_id').doUpdateSet(values)).execute();
  }

  /** Projects whose policy is due at `now` (bounded). */
  async due(now: number, limit = 100): Promise<Array<{ projectId: string; policy: ScanPolicy; nextScanTime: number }>> {
    const rows = await this.db.selectFrom('vul_scan_policies').selectAll().where('next_scan_time', 'is not', null)
      .where('next_scan_time', '<=', now).orderBy('next_scan_time').limit(limit).execute();
    return rows.map((r) => ({ projectId: r.project_id, policy: parsePolicy(r.policy), nextScanTime: Number(r.next_scan_time) }));
  }

  /** Moves a due run from `expected` to `next`; true only for the one caller that did (the run is then its to start). */
  async claim(projectId: string, expected: number, next: number | null): Promise<boolean> {
    const result = await this.db.updateTable('vul_scan_policies').set({ next_scan_time: next })
      .where('project_id', '=', projectId).where('next_scan_time', '=', expected).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
