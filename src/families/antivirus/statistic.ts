import { sql, type Kysely, type SqlBool } from 'kysely';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import type { Database } from '../../store/schema.js';
import { ANTIVIRUS_FAMILY } from './domain.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/**
 * ShowAntivirusStatistic's counters, counted in SQL from the stored tasks and results within the caller's
 * enterprise-project scope, and ShowAntivirusFreeQuota's monthly count of pay-per-scan host scans (project-wide).
 */

export interface AvStatistic {
  totalMalware: number; malwareHosts: number; totalTasks: number; scanningTasks: number;
  latest: { startTime: number; scanType: string } | null;
}

export interface AvQuotaUse { used: number; scanning: number }

/** Free pay-per-scan host scans per calendar month (UTC): GUARDPOST_AV_FREE_QUOTA, a whole number ≥ 0, default 10. */
export function freeQuotaFromEnv(env: Readonly<NodeJS.ProcessEnv>): number {
  const raw = env.GUARDPOST_AV_FREE_QUOTA;
  if (raw === undefined || raw === '') return 10;
  const value = Number(raw);
  if (!/^[0-9]{1,9}$/.test(raw) || !Number.isSafeInteger(value)) throw new Error(`GUARDPOST_AV_FREE_QUOTA must be a whole number from 0 to 999999999, got "${raw}"`);
  return value;
}

export const monthStartUtc = (now: number): number => {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
};

const INT32_MAX = 2_147_483_647;
const int32 = (n: unknown) => Math.min(INT32_MAX, Number(n));

export class AvStatistics {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<AntivirusTables>();
  }

  async statistic(projectId: string, scope: EnterpriseScope): Promise<AvStatistic> {
    const results = await this.db.selectFrom('av_results').innerJoin('tasks', 'tasks.id', 'av_results.task_id')
      .where('av_results.project_id', '=', projectId).where(inScope('tasks.enterprise_project_id', scope))
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('av_results.host_id').distinct().as('hosts')])
      .executeTakeFirstOrThrow();
    const tasks = this.db.selectFrom('av_tasks').innerJoin('tasks', 'tasks.id', 'av_tasks.task_id')
      .where('av_tasks.project_id', '=', projectId).where('tasks.family', '=', ANTIVIRUS_FAMILY).where(inScope('tasks.enterprise_project_id', scope));
    const scanning = sql<SqlBool>`exists (select 1 from av_task_hosts h where h.task_id = av_tasks.task_id and h.host_task_status = 'scanning')`;
    const total = await tasks.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const running = await tasks.where(scanning).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const latest = await tasks.select(['av_tasks.start_time', 'av_tasks.scan_type']).orderBy('av_tasks.start_time', 'desc')
      .orderBy('av_tasks.task_id').limit(1).executeTakeFirst();
    return {
      totalMalware: int32(results.n), malwareHosts: int32(results.hosts), totalTasks: int32(total.n), scanningTasks: int32(running.n),
      latest: latest ? { startTime: Number(latest.start_time), scanType: latest.scan_type } : null,
    };
  }

  /** Host scans of the project's pay-per-scan tasks started since the month began (a rescan reuses the host's row, so it counts once), and those still scanning. */
  async quotaUse(projectId: string, now = Date.now()): Promise<AvQuotaUse> {
    const row = await this.db.selectFrom('av_task_hosts').where('project_id', '=', projectId).where('whether_using_quota', '=', 1)
      .where('start_time', '>=', monthStartUtc(now))
      .select((eb) => [eb.fn.countAll<number>().as('n'),
        eb.fn.sum<number>(eb.case().when('host_task_status', '=', 'scanning').then(1).else(0).end()).as('scanning')])
      .executeTakeFirstOrThrow();
    return { used: Number(row.n), scanning: Number(row.scanning ?? 0) };
  }
}
