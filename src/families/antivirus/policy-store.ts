import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import { newUuid } from '../../identity/secrets.js';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import type { Agent, Database } from '../../store/schema.js';
import type { PolicySpec } from './policy-rules.js';
import type { AvPoliciesTable, AvPolicyRow, PolicyDatabase, PolicyTables } from './policy-tables.js';
import { like, type Page } from './reads.js';
import { firstRunAt } from './schedule.js';

/**
 * Antivirus policies: their rows and hosts, the due runs, and the claim that makes each run happen once. A run is
 * claimed by moving `next_run_at` from the value read to the next one, conditional on that value and on the
 * policy's `version`, inside the transaction that creates the run's task: with any number of replicas exactly one
 * creates it, and a policy changed or deleted meanwhile is not run from its old settings.
 */

export type PolicyHostView = Pick<Agent, 'host_id' | 'host_name' | 'private_ips' | 'public_ips' | 'asset_value'>;
export type PolicyView = AvPolicyRow & { hosts: PolicyHostView[] };

/** ListAntiVirusHost's policy filters (start_type=period, policy_id, next_start_time). */
export interface PolicyHostFilter {
  projectId: string;
  scope: EnterpriseScope;
  scanType: string;
  periodOnly: boolean;
  policyId?: string | undefined;
  nextStartTime?: number | undefined;
}

const ID_CHUNK = 500;

function columns(spec: PolicySpec, now: number): Omit<AvPoliciesTable, 'policy_id' | 'project_id' | 'enterprise_project_id' | 'version' | 'last_run_at' | 'created_by' | 'created_at'> {
  const t = spec.timing;
  const rule = t.startType === 'period' ? t.rule : null;
  return {
    policy_name: spec.name, start_type: t.startType, scan_type: spec.scanType, action: spec.action, whether_paid_task: spec.paid ? 1 : 0,
    scan_dir: spec.scanDir, ignore_dir: spec.ignoreDir, file_types: JSON.stringify(spec.fileTypes),
    scan_time: t.startType === 'later' ? t.scanTime : null,
    scan_period: rule?.period ?? null, scan_period_date: rule?.date ?? null, scan_hour: rule?.hour ?? null, scan_minute: rule?.minute ?? null,
    timezone_offset: rule?.timezoneOffset ?? null, next_run_at: firstRunAt(t, now), updated_at: now,
  };
}

async function putHosts(db: Kysely<PolicyDatabase>, projectId: string, policyId: string, hostIds: readonly string[]): Promise<void> {
  await db.deleteFrom('av_policy_hosts').where('policy_id', '=', policyId).execute();
  for (let i = 0; i < hostIds.length; i += ID_CHUNK) {
    await db.insertInto('av_policy_hosts').values(hostIds.slice(i, i + ID_CHUNK)
      .map((hostId, j) => ({ policy_id: policyId, host_id: hostId, project_id: projectId, position: i + j }))).execute();
  }
}

export class AvPolicyStore {
  private readonly db: Kysely<PolicyDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<PolicyTables>();
  }

  /** Stores a new policy (in `trx` when given: a `now` policy is stored with its first task). Returns its id. */
  async insert(owner: { projectId: string; enterpriseProjectId: string; createdBy: string }, spec: PolicySpec, now: number,
    trx?: Kysely<Database>, policyId = newUuid()): Promise<string> {
    const write = async (w: Kysely<PolicyDatabase>) => {
      await w.insertInto('av_policies').values({
        policy_id: policyId, project_id: owner.projectId, enterprise_project_id: owner.enterpriseProjectId, ...columns(spec, now),
        version: 1, last_run_at: null, created_by: owner.createdBy, created_at: now,
      }).execute();
      await putHosts(w, owner.projectId, policyId, spec.hostIds);
    };
    if (trx) await write(trx.withTables<PolicyTables>());
    else await this.db.transaction().execute((t) => write(t));
    return policyId;
  }

  /** Replaces a policy's settings and hosts; false when it no longer exists. */
  async update(projectId: string, policyId: string, spec: PolicySpec, now: number, trx?: Kysely<Database>): Promise<boolean> {
    const write = async (w: Kysely<PolicyDatabase>) => {
      const result = await w.updateTable('av_policies').set((eb) => ({ ...columns(spec, now), version: eb('version', '+', 1) }))
        .where('project_id', '=', projectId).where('policy_id', '=', policyId).executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await putHosts(w, projectId, policyId, spec.hostIds);
      return true;
    };
    return trx ? write(trx.withTables<PolicyTables>()) : this.db.transaction().execute((t) => write(t));
  }

  async get(projectId: string, policyId: string, scope: EnterpriseScope): Promise<AvPolicyRow | undefined> {
    return this.db.selectFrom('av_policies').selectAll().where('project_id', '=', projectId).where('policy_id', '=', policyId)
      .where(inScope('enterprise_project_id', scope)).executeTakeFirst();
  }

  /** Deletes the listed policies, all or none: returns the ids that do not exist (then nothing is deleted). */
  async delete(projectId: string, scope: EnterpriseScope, policyIds: readonly string[]): Promise<string[]> {
    const ids = [...new Set(policyIds)];
    return this.db.transaction().execute(async (trx) => {
      const found = new Set((await trx.selectFrom('av_policies').select('policy_id').where('project_id', '=', projectId)
        .where(inScope('enterprise_project_id', scope)).where('policy_id', 'in', ids).execute()).map((r) => r.policy_id));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length === 0) await trx.deleteFrom('av_policies').where('project_id', '=', projectId).where('policy_id', 'in', ids).execute();
      return missing;
    });
  }

  async list(filter: { projectId: string; scope: EnterpriseScope; policyName?: string | undefined }, page: Page): Promise<{ total: number; rows: PolicyView[] }> {
    let q = this.db.selectFrom('av_policies').where('project_id', '=', filter.projectId).where(inScope('enterprise_project_id', filter.scope));
    if (filter.policyName) q = q.where(like('policy_name', filter.policyName));
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('created_at', 'desc').orderBy('policy_id').limit(page.limit).offset(page.offset).execute();
    const hosts = await this.hostsOf(rows.map((r) => r.policy_id));
    return { total: Number(total.n), rows: rows.map((row) => ({ ...row, hosts: hosts.get(row.policy_id) ?? [] })) };
  }

  /** The hosts of the listed policies in request order (at most MAX_HOSTS_PER_TASK each), with their agents' facts. */
  private async hostsOf(policyIds: readonly string[]): Promise<Map<string, PolicyHostView[]>> {
    const out = new Map<string, PolicyHostView[]>();
    if (policyIds.length === 0) return out;
    const rows = await this.db.selectFrom('av_policy_hosts').leftJoin('agents', 'agents.host_id', 'av_policy_hosts.host_id')
      .select(['av_policy_hosts.policy_id', 'av_policy_hosts.host_id', 'agents.host_name', 'agents.private_ips', 'agents.public_ips', 'agents.asset_value'])
      .where('av_policy_hosts.policy_id', 'in', [...policyIds]).orderBy('av_policy_hosts.policy_id').orderBy('av_policy_hosts.position').execute();
    for (const r of rows) {
      const list = out.get(r.policy_id) ?? [];
      list.push({
        host_id: r.host_id, host_name: r.host_name ?? r.host_id, private_ips: r.private_ips ?? '[]', public_ips: r.public_ips ?? '[]',
        asset_value: r.asset_value ?? 'common',
      });
      out.set(r.policy_id, list);
    }
    return out;
  }

  async hostIds(policyId: string): Promise<string[]> {
    return (await this.db.selectFrom('av_policy_hosts').select('host_id').where('policy_id', '=', policyId).orderBy('position').execute())
      .map((r) => r.host_id);
  }

  /** Policies due at `now`, oldest due first (bounded). */
  async due(now: number, limit: number): Promise<AvPolicyRow[]> {
    return this.db.selectFrom('av_policies').selectAll().where('next_run_at', 'is not', null).where('next_run_at', '<=', now)
      .orderBy('next_run_at').orderBy('policy_id').limit(limit).execute();
  }

  /**
   * Moves the due run of `policy` (as read) to `next`; true only for the one caller whose UPDATE matched. In `trx`
   * when given (the run's task is created in the same transaction).
   */
  async claim(policy: Pick<AvPolicyRow, 'policy_id' | 'version' | 'next_run_at'>, next: number | null, ranAt: number, trx?: Kysely<Database>): Promise<boolean> {
    if (policy.next_run_at === null) return false;
    const db = trx ? trx.withTables<PolicyTables>() : this.db;
    const result = await db.updateTable('av_policies').set({ next_run_at: next, last_run_at: ranAt })
      .where('policy_id', '=', policy.policy_id).where('version', '=', policy.version).where('next_run_at', '=', policy.next_run_at).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** A condition on `agents.host_id`: the host belongs to a policy matching the filter. */
  hostCondition(filter: PolicyHostFilter): Expression<SqlBool> {
    const parts: Array<Expression<SqlBool>> = [
      sql<SqlBool>`p.project_id = ${filter.projectId}`, sql<SqlBool>`p.scan_type = ${filter.scanType}`, inScope('p.enterprise_project_id', filter.scope),
    ];
    if (filter.periodOnly) parts.push(sql<SqlBool>`p.start_type = 'period'`, sql<SqlBool>`p.next_run_at is not null`);
    if (filter.policyId !== undefined) parts.push(sql<SqlBool>`p.policy_id = ${filter.policyId}`);
    if (filter.nextStartTime !== undefined) parts.push(sql<SqlBool>`p.next_run_at = ${filter.nextStartTime}`);
    return sql<SqlBool>`exists (select 1 from av_policy_hosts ph inner join av_policies p on p.policy_id = ph.policy_id
      where ph.host_id = agents.host_id and ${sql.join(parts, sql` and `)})`;
  }
}
