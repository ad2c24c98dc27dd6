import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import type { Agent } from '../../../store/schema.js';
import type { AntivirusServices } from '../services.js';
import { ListHostsQuery, ListHostsResponse, RegionHeader } from './schemas.js';

/**
 * ListAntiVirusHost / ListAntiVirusPaidHosts: the hosts a scan may name (every unrevoked agent of the project in
 * scope; one that is offline or lacks the engine is still listed and becomes a `fail_reasons` entry on create).
 * With `start_type=period`, `policy_id` or `next_start_time` the list holds only the hosts of the policies that
 * match: of this `scan_type`; `period`: a period policy that will run again; `policy_id`: that policy;
 * `next_start_time`: whose next run is at exactly that time (ms, as ListAntiVirusPolicy shows it).
 */

function ips(json: string): string {
  try {
    const list: unknown = JSON.parse(json);
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').join(',') : '';
  } catch {
    return '';
  }
}

const hostView = (a: Agent) => ({
  agent_id: a.id, group_id: '', host_id: a.host_id, host_name: a.host_name, os_type: a.os_type || 'Linux',
  private_ip: ips(a.private_ips), public_ip: ips(a.public_ips),
});

export const antivirusHostRoutes = (services: AntivirusServices): FastifyPluginAsyncTypebox => async (app) => {
  const routes = [
    ['/v5/:project_id/antivirus/host-management/hosts', 'ListAntiVirusHost', 'HSS ListAntiVirusHost: hosts selectable for an antivirus scan'],
    ['/v5/:project_id/antivirus/pay-per-scan/hosts', 'ListAntiVirusPaidHosts', 'HSS ListAntiVirusPaidHosts: hosts selectable for a pay-per-scan antivirus scan'],
  ] as const;
  for (const [url, operationId, summary] of routes) {
    app.get(url, {
      config: huaweiRoute('hss'),
      schema: { operationId, tags: ['hss'], summary, params: ProjectParams, querystring: ListHostsQuery, headers: RegionHeader, response: { 200: ListHostsResponse } },
    }, async (request) => {
      const q = request.query;
      const projectId = request.params.project_id;
      const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
      const byPolicy = q.start_type === 'period' || q.policy_id !== undefined || q.next_start_time !== undefined;
      const extra = byPolicy ? services.policies.hostCondition({
        projectId, scope, scanType: q.scan_type, periodOnly: q.start_type === 'period', policyId: q.policy_id, nextStartTime: q.next_start_time,
      }) : undefined;
      const { total, rows } = await services.reads.listHosts({
        projectId, scope, hostId: q.host_id, hostName: q.host_name, privateIp: q.private_ip, publicIp: q.public_ip, extra,
      }, { offset: q.offset, limit: q.limit });
      return { total_num: total, data_list: rows.map(hostView) };
    });
  }
};
