import type { Kysely } from 'kysely';
import { containsText } from './sql-helpers.js';
import { inScope, type EnterpriseScope } from './scope.js';
import type { Agent, Database } from './schema.js';

/** What HSS host lists filter on; text filters are case-insensitive substrings. */
export interface HostFilter {
  hostName?: string | undefined;
  hostId?: string | undefined;
  osType?: string | undefined;
  privateIp?: string | undefined;
  publicIp?: string | undefined;
  /** Either a private or a public address contains it. */
  anyIp?: string | undefined;
  protectStatus?: string | undefined;
  assetValue?: string | undefined;
  /** true: seen since `onlineSince`; false: not seen since. */
  online?: boolean | undefined;
  /** A filter value no Guardpost host can have (e.g. an agent status it never reports): the list is empty. */
  impossible?: boolean;
}

export interface HostPage { offset: number; limit: number }

export type HostRow = Agent & { ep_name: string | null };

/** Hosts (enrolled, unrevoked agents) of a project as HSS lists them. */
export class HostStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(projectId: string, scope: EnterpriseScope, filter: HostFilter, onlineSince: number, page: HostPage): Promise<{ total: number; rows: HostRow[] }> {
    let q = this.db.selectFrom('agents')
      .leftJoin('enterprise_projects', 'enterprise_projects.id', 'agents.enterprise_project_id')
      .where('agents.project_id', '=', projectId).where('agents.revoked_at', 'is', null)
      .where(inScope('agents.enterprise_project_id', scope));
    if (filter.impossible) q = q.where(inScope('agents.id', []));
    if (filter.hostName) q = q.where(containsText('agents.host_name', filter.hostName));
    if (filter.hostId) q = q.where('agents.host_id', '=', filter.hostId);
    if (filter.osType) q = q.where('agents.os_type', '=', filter.osType);
    if (filter.privateIp) q = q.where(containsText('agents.private_ips', filter.privateIp));
    if (filter.publicIp) q = q.where(containsText('agents.public_ips', filter.publicIp));
    const anyIp = filter.anyIp;
    if (anyIp) q = q.where((eb) => eb.or([containsText('agents.private_ips', anyIp), containsText('agents.public_ips', anyIp)]));
    if (filter.protectStatus) q = q.where('agents.protect_status', '=', filter.protectStatus);
    if (filter.assetValue) q = q.where('agents.asset_value', '=', filter.assetValue);
    if (filter.online === true) q = q.where('agents.last_seen_at', '>=', onlineSince);
    if (filter.online === false) q = q.where('agents.last_seen_at', '<', onlineSince);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll('agents').select('enterprise_projects.name as ep_name')
      .orderBy('agents.host_name').orderBy('agents.id').limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), rows };
  }
}
