import { sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import { inScope, type EnterpriseScope } from '../../store/scope.js';
import { containsText } from '../../store/sql-helpers.js';
import type { Agent, Database } from '../../store/schema.js';
import type { VulScanDatabase, VulScanTables } from './tables.js';

/**
 * Reads of the stored findings as the HSS vulnerability lists see them: a finding row is one host × vulnerability
 * × package location; a (host, vulnerability) pair is what has a handling status. Only findings of the project's
 * enrolled, unrevoked hosts within the caller's enterprise-project scope are visible.
 *
 * The effective status of a pair: `vul_status_ignored` when ignored; `vul_status_verified` while the pair is
 * marked verifying and a scan of that host started at or after the mark is still running; else
 * `vul_status_unfix` (a verify whose rescan finished or failed reads as unfix again: a fixed vulnerability is
 * gone from the findings then, a present one is still to fix).
 */

export const EFFECTIVE_STATUSES = ['vul_status_unfix', 'vul_status_ignored', 'vul_status_verified'] as const;
export type EffectiveStatus = (typeof EFFECTIVE_STATUSES)[number];

const STATUS = sql<EffectiveStatus>`(case when s.status = 'vul_status_ignored' then 'vul_status_ignored'
  when s.status = 'vul_status_verified' and exists (select 1 from vul_scan_hosts sh where sh.host_id = f.host_id
    and sh.project_id = f.project_id and sh.scan_status = 'scanning' and sh.started_at >= s.updated_at) then 'vul_status_verified'
  else 'vul_status_unfix' end)`;

/** At most this many finding rows are read for one page of records (a page names at most 200 vulnerabilities). */
export const MAX_DETAIL_ROWS = 50_000;

export interface FindingFilter {
  projectId: string;
  scope: EnterpriseScope;
  /** Finding types (`linux_vul`, `app_vul`); an empty list matches nothing. */
  types?: readonly string[] | undefined;
  hostIds?: readonly string[] | undefined;
  vulIds?: readonly string[] | undefined;
  /** Case-insensitive substring of the vulnerability id. */
  vulIdContains?: string | undefined;
  /** Case-insensitive substring of the advisory summary or the id. */
  vulName?: string | undefined;
  /** A CVE id the advisory names (exact, case-insensitive). */
  cveId?: string | undefined;
  severities?: readonly string[] | undefined;
  statuses?: readonly EffectiveStatus[] | undefined;
  assetValue?: string | undefined;
  hostName?: string | undefined;
  hostIp?: string | undefined;
  minScanTime?: number | undefined;
  maxScanTime?: number | undefined;
  /** A filter value no Guardpost finding can have (server groups, labels, containers): nothing matches. */
  impossible?: boolean | undefined;
}

export interface Page { offset: number; limit: number }

export interface FindingDetail {
  vul_id: string; host_id: string; type: string; app_name: string; app_version: string; ecosystem: string; app_path: string;
  fixed_version: string | null; severity_level: string; cvss: number | null; first_scan_time: number; scan_time: number;
  status: EffectiveStatus; remark: string | null; asset_value: string;
}

export interface VulSummaryRow { vul_id: string; scan_time: number }
export interface Pair { host_id: string; vul_id: string; type: string; status: EffectiveStatus }

const nothing = sql<SqlBool>`1 = 0`;

function inList(column: string, values: readonly string[]): RawBuilder<SqlBool> {
  return values.length === 0 ? nothing : sql<SqlBool>`${sql.ref(column)} in (${sql.join([...values])})`;
}

export class FindingsReads {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<VulScanTables>();
  }

  private filtered(filter: FindingFilter) {
    let q = this.db.selectFrom('vul_findings as f')
      .innerJoin('agents as a', (j) => j.onRef('a.host_id', '=', 'f.host_id').onRef('a.project_id', '=', 'f.project_id'))
      .leftJoin('vul_host_status as s', (j) => j.onRef('s.host_id', '=', 'f.host_id').onRef('s.vul_id', '=', 'f.vul_id'))
      .leftJoin('vul_advisories as v', 'v.id', 'f.vul_id')
      .where('f.project_id', '=', filter.projectId).where('a.revoked_at', 'is', null)
      .where(inScope('a.enterprise_project_id', filter.scope));
    if (filter.impossible) q = q.where(nothing);
    if (filter.types) q = q.where(inList('f.type', filter.types));
    if (filter.hostIds) q = q.where(inList('f.host_id', filter.hostIds));
    if (filter.vulIds) q = q.where(inList('f.vul_id', filter.vulIds));
    if (filter.vulIdContains) q = q.where(containsText('f.vul_id', filter.vulIdContains));
    const name = filter.vulName;
    if (name) q = q.where((eb) => eb.or([containsText('v.summary', name), containsText('f.vul_id', name)]));
    if (filter.cveId) q = q.where(containsText('v.cves', `"${filter.cveId}"`));
    if (filter.severities) q = q.where(inList('f.severity_level', filter.severities));
    if (filter.statuses) q = q.where(filter.statuses.length === 0 ? nothing : sql<SqlBool>`${STATUS} in (${sql.join([...filter.statuses])})`);
    if (filter.assetValue) q = q.where('a.asset_value', '=', filter.assetValue);
    if (filter.hostName) q = q.where(containsText('a.host_name', filter.hostName));
    const ip = filter.hostIp;
    if (ip) q = q.where((eb) => eb.or([containsText('a.private_ips', ip), containsText('a.public_ips', ip)]));
    if (filter.minScanTime !== undefined) q = q.where('f.scan_time', '>=', filter.minScanTime);
    if (filter.maxScanTime !== undefined) q = q.where('f.scan_time', '<=', filter.maxScanTime);
    return q;
  }

  /** One page of the vulnerabilities with a matching finding, the most severe first. */
  async vulPage(filter: FindingFilter, page: Page): Promise<{ total: number; rows: VulSummaryRow[] }> {
    const q = this.filtered(filter);
    const total = await q.select(sql<number>`count(distinct f.vul_id)`.as('n')).executeTakeFirstOrThrow();
    if (page.limit === 0 || Number(total.n) === 0) return { total: Number(total.n), rows: [] };
    const rows = await q.select(['f.vul_id', sql<number>`max(f.scan_time)`.as('scan_time')]).groupBy('f.vul_id')
      .orderBy(sql`coalesce(max(f.cvss), -1)`, 'desc').orderBy('f.vul_id').limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), rows: rows.map((r) => ({ vul_id: r.vul_id, scan_time: Number(r.scan_time) })) };
  }

  /** One page of the hosts with a matching finding, by host name. */
  async hostPage(filter: FindingFilter, page: Page): Promise<{ total: number; hostIds: string[] }> {
    const q = this.filtered(filter);
    const total = await q.select(sql<number>`count(distinct f.host_id)`.as('n')).executeTakeFirstOrThrow();
    if (page.limit === 0 || Number(total.n) === 0) return { total: Number(total.n), hostIds: [] };
    const rows = await q.select('f.host_id').groupBy(['f.host_id', 'a.host_name']).orderBy('a.host_name').orderBy('f.host_id')
      .limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), hostIds: rows.map((r) => r.host_id) };
  }

  /** The finding rows (with the pair's effective status) of a filter, bounded by MAX_DETAIL_ROWS. */
  async details(filter: FindingFilter): Promise<FindingDetail[]> {
    const rows = await this.filtered(filter)
      .select([
        'f.vul_id', 'f.host_id', 'f.type', 'f.app_name', 'f.app_version', 'f.ecosystem', 'f.app_path', 'f.fixed_version', 'f.severity_level',
        'f.cvss', 'f.first_scan_time', 'f.scan_time', STATUS.as('status'), 's.remark', 'a.asset_value',
      ])
      .orderBy('f.vul_id').orderBy('f.host_id').orderBy('f.app_path').orderBy('f.app_name').limit(MAX_DETAIL_ROWS).execute();
    return rows.map((r) => ({
      ...r, cvss: r.cvss === null ? null : Number(r.cvss), first_scan_time: Number(r.first_scan_time), scan_time: Number(r.scan_time),
    }));
  }

  /** The distinct (host, vulnerability) pairs of a filter with their effective status, at most `max`. */
  async pairs(filter: FindingFilter, max: number): Promise<Pair[]> {
    return this.filtered(filter).select(['f.host_id', 'f.vul_id', 'f.type', STATUS.as('status')]).distinct()
      .orderBy('f.vul_id').orderBy('f.host_id').limit(max).execute();
  }

  async advisories(ids: readonly string[]): Promise<Map<string, { id: string; summary: string; cves: string; record: string }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('vul_advisories').select(['id', 'summary', 'cves', 'record']).where(inList('id', ids)).execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** The project's enrolled, unrevoked hosts among `hostIds` within the scope. */
  async hosts(projectId: string, scope: EnterpriseScope, hostIds: readonly string[]): Promise<Map<string, Agent>> {
    if (hostIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('agents').selectAll().where('project_id', '=', projectId).where('revoked_at', 'is', null)
      .where(inScope('enterprise_project_id', scope)).where(inList('host_id', hostIds)).execute();
    return new Map(rows.map((r) => [r.host_id, r]));
  }
}
