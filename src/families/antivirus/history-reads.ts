import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import type { Database } from '../../store/schema.js';
import type { Page } from './reads.js';
import type { AntivirusDatabase, AntivirusTables } from './tables.js';

/** ListAntivirusHandleHistory: the project's handling rows with the result and host they concern, paged in SQL. */

export interface HistoryFilter {
  projectId: string;
  scope: EnterpriseScope;
  malwareName?: string | undefined;
  filePath?: string | undefined;
  severities?: readonly string[] | undefined;
  hostName?: string | undefined;
  privateIp?: string | undefined;
  publicIp?: string | undefined;
  assetValue?: string | undefined;
  handleMethod?: string | undefined;
  userName?: string | undefined;
  eventType?: number | undefined;
  sortDir: 'asc' | 'desc';
}

export interface HistoryView {
  id: string; result_id: string; operate_type: string; user_name: string; notes: string; handle_time: number;
  malware_type: string; malware_name: string; severity: string; file_path: string; occur_time: number; handle_status: string;
  host_name: string | null; private_ips: string | null; public_ips: string | null; asset_value: string | null;
}

const contains = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const like = (column: string, text: string): Expression<SqlBool> => sql<SqlBool>`${sql.ref(column)} like ${contains(text)} escape '\\'`;

export class AvHistoryReads {
  private readonly db: Kysely<AntivirusDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<AntivirusTables>();
  }

  async list(filter: HistoryFilter, page: Page): Promise<{ total: number; rows: HistoryView[] }> {
    let q = this.db.selectFrom('av_handle_history').innerJoin('av_results', 'av_results.result_id', 'av_handle_history.result_id')
      .innerJoin('tasks', 'tasks.id', 'av_results.task_id').leftJoin('agents', 'agents.id', 'av_results.agent_id')
      .where('av_handle_history.project_id', '=', filter.projectId).where(inScope('tasks.enterprise_project_id', filter.scope));
    if (filter.malwareName) q = q.where(like('av_results.malware_name', filter.malwareName));
    if (filter.filePath) q = q.where(like('av_results.file_path', filter.filePath));
    if (filter.severities && filter.severities.length > 0) q = q.where('av_results.severity', 'in', [...filter.severities]);
    if (filter.hostName) q = q.where(like('agents.host_name', filter.hostName));
    if (filter.privateIp) q = q.where(like('agents.private_ips', `"${filter.privateIp}"`));
    if (filter.publicIp) q = q.where(like('agents.public_ips', `"${filter.publicIp}"`));
    if (filter.assetValue) q = q.where('agents.asset_value', '=', filter.assetValue);
    if (filter.handleMethod) q = q.where('av_handle_history.operate_type', '=', filter.handleMethod);
    if (filter.userName) q = q.where(like('av_handle_history.user_name', filter.userName));
    if (filter.eventType !== undefined) q = q.where('av_results.event_type', '=', filter.eventType);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.select(['av_handle_history.id', 'av_handle_history.result_id', 'av_handle_history.operate_type', 'av_handle_history.user_name',
      'av_handle_history.notes', 'av_handle_history.handle_time', 'av_results.malware_type', 'av_results.malware_name', 'av_results.severity',
      'av_results.file_path', 'av_results.occur_time', 'av_results.handle_status', 'agents.host_name', 'agents.private_ips', 'agents.public_ips',
      'agents.asset_value'])
      .orderBy('av_handle_history.handle_time', filter.sortDir).orderBy('av_handle_history.id', filter.sortDir)
      .limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), rows };
  }
}
