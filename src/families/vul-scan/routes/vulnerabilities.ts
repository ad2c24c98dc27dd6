import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { agentStatus } from '../../../core/host-facts.js';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { resourceNotFound } from '../../../server/errors.js';
import type { Agent } from '../../../store/schema.js';
import { MAX_DETAIL_ROWS, type FindingDetail, type FindingsReads } from '../findings-reads.js';
import { highestLevel, impossibleFilter, severitiesFor, statusesFor, textFilter, typesFor } from './vul-filters.js';
import {
  HostParams, HostVulListResponse, ListHostVulsQuery, ListVulHostsQuery, ListVulnerabilitiesQuery, VulHostListResponse, VulListResponse,
} from './vul-schemas.js';
import {
  advisoryView, disabledOperateTypes, hostRepairNecessity, repairCommand, repairPriorityOf, softwareVersion, solutionDetail, type AdvisoryView,
} from './vul-views.js';

/**
 * HSS ListVulnerabilities (one record per vulnerability across the hosts in scope), ListVulHosts (the hosts of
 * one vulnerability) and ListHostVuls (the vulnerabilities of one host), over the stored findings.
 */

const PRIORITIES = ['Critical', 'High', 'Medium', 'Low'] as const;
const EDITION = 'hss.version.enterprise';

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const list = out.get(key(row));
    if (list) list.push(row);
    else out.set(key(row), [row]);
  }
  return out;
}

const firstIp = (json: string): string => {
  try {
    const ips: unknown = JSON.parse(json);
    return Array.isArray(ips) && typeof ips[0] === 'string' ? ips[0] : '';
  } catch {
    return '';
  }
};

const maxOf = (rows: readonly FindingDetail[], pick: (r: FindingDetail) => number) => rows.reduce((m, r) => Math.max(m, pick(r)), 0);
const minOf = (rows: readonly FindingDetail[], pick: (r: FindingDetail) => number) => rows.reduce((m, r) => Math.min(m, pick(r)), Number.MAX_SAFE_INTEGER);

/** One VulInfo from every finding of the vulnerability in scope and the hosts the list's filters selected. */
function vulInfo(vulId: string, rows: readonly FindingDetail[], matchingHosts: readonly string[], advisory: AdvisoryView) {
  const hosts = new Map<string, FindingDetail>();
  for (const row of rows) if (!hosts.has(row.host_id)) hosts.set(row.host_id, row);
  const pairs = [...hosts.values()];
  const count = (status: string) => pairs.filter((p) => p.status === status).length;
  const level = highestLevel(rows.map((r) => r.severity_level));
  const priority = repairPriorityOf(level);
  const byAsset = (value: string) => pairs.filter((p) => p.asset_value === value).length;
  return {
    vul_name: advisory.vulName, vul_id: vulId, label_list: [], repair_necessity: level, severity_level: level,
    host_num: pairs.length, unhandle_host_num: pairs.length - count('vul_status_ignored'), scan_time: maxOf(rows, (r) => r.scan_time),
    solution_detail: solutionDetail(rows, advisory.url), url: advisory.url, description: advisory.description, type: rows[0]?.type ?? '',
    host_id_list: [...matchingHosts], cve_list: advisory.cves, ...(advisory.patchUrl ? { patch_url: advisory.patchUrl } : {}),
    repair_priority: priority, hosts_num: { important: byAsset('important'), common: byAsset('common'), test: byAsset('test') },
    repair_success_num: 0, fixed_num: 0, ignored_num: count('vul_status_ignored'), verify_num: count('vul_status_verified'),
    repair_priority_list: PRIORITIES.map((p) => ({ repair_priority: p, host_num: p === priority ? pairs.length : 0 })),
  };
}

function vulHostInfo(agent: Agent, rows: readonly FindingDetail[], advisory: AdvisoryView, offlineMs: number, now: number) {
  const first = rows[0] as FindingDetail;
  const level = highestLevel(rows.map((r) => r.severity_level));
  const repairCmd = first.type === 'linux_vul' ? repairCommand(rows) : undefined;
  const online = agentStatus(agent.last_seen_at, offlineMs, now) === 'online';
  const privateIp = firstIp(agent.private_ips);
  const publicIp = firstIp(agent.public_ips);
  return {
    host_id: agent.host_id, agent_id: agent.id, repair_necessity: level, severity_level: level, host_name: agent.host_name,
    host_ip: privateIp || publicIp, private_ip: privateIp, public_ip: publicIp, region_name: '',
    cve_num: advisory.cves.length, cve_id_list: advisory.cves.map((c) => c.cve_id), status: first.status, remark: first.remark ?? '',
    ...(repairCmd ? { repair_cmd: repairCmd } : {}), version: EDITION,
    ...(first.type === 'app_vul' ? { app_path: first.app_path.slice(0, 512) } : {}),
    is_affect_business: false, asset_value: agent.asset_value, group_name: '', group_id: '', os_type: agent.os_type,
    os_name: agent.os_name, os_version: agent.os_version, os_kernel: agent.kernel_version,
    host_status: online ? 'ACTIVE' : 'SHUTOFF', agent_status: online ? 'online' : 'offline',
    first_scan_time: minOf(rows, (r) => r.first_scan_time), scan_time: maxOf(rows, (r) => r.scan_time), support_restore: false,
    disabled_operate_types: disabledOperateTypes(first.status), repair_priority: repairPriorityOf(level),
  };
}

function hostVulInfo(vulId: string, rows: readonly FindingDetail[], advisory: AdvisoryView) {
  const first = rows[0] as FindingDetail;
  const level = highestLevel(rows.map((r) => r.severity_level));
  const linux = first.type === 'linux_vul';
  const repairCmd = linux ? repairCommand(rows) : undefined;
  return {
    vul_name: advisory.vulName, vul_id: vulId, label_list: [], repair_necessity: hostRepairNecessity(level),
    scan_time: maxOf(rows, (r) => r.scan_time), type: first.type,
    app_list: rows.map((r) => ({
      app_name: r.app_name, app_version: r.app_version, upgrade_version: r.fixed_version ?? '', app_path: r.app_path, ecosystem: r.ecosystem,
    })),
    severity_level: level, solution_detail: solutionDetail(rows, advisory.url), url: advisory.url, description: advisory.description,
    ...(repairCmd ? { repair_cmd: repairCmd } : {}), status: first.status, repair_success_num: 0, cve_list: advisory.cves,
    is_affect_business: false, first_scan_time: minOf(rows, (r) => r.first_scan_time),
    app_name: first.app_name, app_path: first.app_path.slice(0, 512), app_version: first.app_version, version: EDITION,
    support_restore: false, disabled_operate_types: disabledOperateTypes(first.status), repair_priority: repairPriorityOf(level),
    ...(linux ? { software_version: softwareVersion(rows) } : {}),
  };
}

export interface VulReadServices { reads: FindingsReads; offlineAfterMs: number }

export const vulnerabilityRoutes = ({ reads, offlineAfterMs }: VulReadServices): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/v5/:project_id/vulnerability/vulnerabilities', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListVulnerabilities', tags: ['hss'],
      summary: 'HSS ListVulnerabilities: one record per vulnerability (OSV id) found on the hosts in scope',
      params: ProjectParams, querystring: ListVulnerabilitiesQuery, response: { 200: VulListResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const types = typesFor(q.type);
    const filter = {
      projectId, scope, types, vulIdContains: textFilter(q.vul_id), vulName: textFilter(q.vul_name), cveId: textFilter(q.cve_id),
      severities: severitiesFor(undefined, q.repair_priority), statuses: statusesFor(q.handle_status ?? 'unhandled', q.status),
      assetValue: textFilter(q.asset_value), impossible: impossibleFilter([q.label_list, q.group_name]),
    };
    const { total, rows } = await reads.vulPage(filter, q);
    const vulIds = rows.map((r) => r.vul_id);
    if (vulIds.length === 0) return { total_num: total, data_list: [] };
    const [all, matching, advisories] = await Promise.all([
      reads.details({ projectId, scope, types, vulIds }), reads.pairs({ ...filter, vulIds }, MAX_DETAIL_ROWS), reads.advisories(vulIds),
    ]);
    const rowsByVul = groupBy(all, (r) => r.vul_id);
    const hostsByVul = groupBy(matching, (p) => p.vul_id);
    return {
      total_num: total,
      data_list: vulIds.map((id) => vulInfo(id, rowsByVul.get(id) ?? [], (hostsByVul.get(id) ?? []).map((p) => p.host_id),
        advisoryView(id, advisories.get(id)))),
    };
  });

  app.get('/v5/:project_id/vulnerability/hosts', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListVulHosts', tags: ['hss'], summary: 'HSS ListVulHosts: the hosts one vulnerability was found on',
      params: ProjectParams, querystring: ListVulHostsQuery, response: { 200: VulHostListResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const types = typesFor(q.type);
    const vulIds = [q.vul_id];
    const { total, hostIds } = await reads.hostPage({
      projectId, scope, types, vulIds, hostName: textFilter(q.host_name), hostIp: textFilter(q.host_ip),
      statuses: statusesFor(q.handle_status, q.status), assetValue: textFilter(q.asset_value),
      severities: severitiesFor(q.severity_level, q.repair_priority), minScanTime: q.min_scan_time, maxScanTime: q.max_scan_time,
      impossible: impossibleFilter([q.group_name, q.is_affect_business, q.is_container, q.cluster_name, q.cluster_id, q.container_name]),
    }, q);
    if (hostIds.length === 0) return { total_num: total, data_list: [] };
    const [rows, agents, advisories] = await Promise.all([
      reads.details({ projectId, scope, types, vulIds, hostIds }), reads.hosts(projectId, scope, hostIds), reads.advisories(vulIds),
    ]);
    const advisory = advisoryView(q.vul_id, advisories.get(q.vul_id));
    const byHost = groupBy(rows, (r) => r.host_id);
    const now = Date.now();
    return {
      total_num: total,
      data_list: hostIds.flatMap((hostId) => {
        const agent = agents.get(hostId);
        const hostRows = byHost.get(hostId);
        return agent && hostRows ? [vulHostInfo(agent, hostRows, advisory, offlineAfterMs, now)] : [];
      }),
    };
  });

  app.get('/v5/:project_id/vulnerability/host/:host_id', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListHostVuls', tags: ['hss'],
      summary: 'HSS ListHostVuls: the vulnerabilities of one host, each with the affected packages (app_list with ecosystem and app_path)',
      params: HostParams, querystring: ListHostVulsQuery, response: { 200: HostVulListResponse },
    },
  }, async (request) => {
    const { project_id: projectId, host_id: hostId } = request.params;
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    if (!(await reads.hosts(projectId, scope, [hostId])).has(hostId)) {
      throw resourceNotFound('hss', `host ${hostId} does not exist in this project (see ListHostStatus)`);
    }
    const types = typesFor(q.type || 'linux_vul');
    const hostIds = [hostId];
    const { total, rows } = await reads.vulPage({
      projectId, scope, types, hostIds, vulIdContains: textFilter(q.vul_id), vulName: textFilter(q.vul_name),
      statuses: statusesFor(q.handle_status, q.status), severities: severitiesFor(q.severity_level, q.repair_priority),
      impossible: impossibleFilter([q.label_list, q.is_affect_business]),
    }, q);
    const vulIds = rows.map((r) => r.vul_id);
    if (vulIds.length === 0) return { total_num: total, data_list: [] };
    const [details, advisories] = await Promise.all([reads.details({ projectId, scope, types, hostIds, vulIds }), reads.advisories(vulIds)]);
    const byVul = groupBy(details, (r) => r.vul_id);
    return {
      total_num: total,
      data_list: vulIds.flatMap((id) => {
        const vulRows = byVul.get(id);
        return vulRows ? [hostVulInfo(id, vulRows, advisoryView(id, advisories.get(id)))] : [];
      }),
    };
  });
};
