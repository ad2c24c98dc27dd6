import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { agentStatus } from '../../core/host-facts.js';
import { hssList, hssPaging } from '../common/paging.js';
import { EnterpriseProjectId, enterpriseFilter, huaweiRoute, ProjectParams, StringEnum } from '../common/routes.js';

const ListHostStatusQuery = Type.Object({
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  version: Type.Optional(Type.String({ maxLength: 64 })),
  agent_status: Type.Optional(StringEnum(['installed', 'not_installed', 'online', 'offline', 'install_failed', 'installing', 'not_online'])),
  detect_result: Type.Optional(StringEnum(['undetected', 'clean', 'risk', 'scanning'])),
  host_name: Type.Optional(Type.String({ minLength: 0, maxLength: 256 })),
  host_id: Type.Optional(Type.String({ minLength: 0, maxLength: 64 })),
  host_status: Type.Optional(StringEnum(['ACTIVE', 'SHUTOFF', 'BUILDING', 'ERROR'])),
  os_type: Type.Optional(Type.Union([Type.Literal('Linux'), Type.Literal('Windows')])),
  private_ip: Type.Optional(Type.String({ minLength: 0, maxLength: 128 })),
  public_ip: Type.Optional(Type.String({ minLength: 0, maxLength: 128 })),
  ip_addr: Type.Optional(Type.String({ minLength: 0, maxLength: 128 })),
  protect_status: Type.Optional(StringEnum(['closed', 'opened', 'protection_exception'])),
  asset_value: Type.Optional(StringEnum(['important', 'common', 'test'])),
  region: Type.Optional(Type.String({ maxLength: 128 })),
  ...hssPaging({ minLimit: 10 }),
});

const HostSchema = Type.Object({
  host_name: Type.String(), host_id: Type.String(), agent_id: Type.String(), private_ip: Type.String(), public_ip: Type.String(),
  enterprise_project_id: Type.String(), enterprise_project_name: Type.String(), os_name: Type.String(), os_version: Type.String(),
  kernel_version: Type.String(), host_status: Type.String(), agent_status: Type.String(), install_result_code: Type.String(),
  version: Type.String(), protect_status: Type.String(), os_type: Type.String(), os_bit: Type.String(), detect_result: Type.String(),
  expire_time: Type.Integer(), charging_mode: Type.String(), outside_host: Type.Boolean(), asset_value: Type.String(),
  labels: Type.Array(Type.String()), agent_create_time: Type.Integer(), agent_update_time: Type.Integer(),
  agent_version: Type.String(), upgrade_status: Type.String(), upgradable: Type.Boolean(), open_time: Type.Integer(),
  protect_interrupt: Type.Boolean(), protect_degradation: Type.Boolean(), host_sources: Type.String(),
  asset: Type.Integer(), vulnerability: Type.Integer(), baseline: Type.Integer(), intrusion: Type.Integer(),
  os_image: Type.String({ description: 'The OS the agent reports (name and version): Guardpost hosts have no cloud image' }),
  group_id: Type.String({ description: 'Empty: Guardpost has no server groups' }), group_name: Type.String(),
  install_progress: Type.Integer({ minimum: 0, maximum: 100, description: '100: the agent is installed and enrolled' }),
});

export const hostRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { hosts, config, hostCounters } = app.ctx;
  const offlineMs = config.agentOfflineSeconds * 1000;

  app.get('/v5/:project_id/host-management/hosts', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListHostStatus', tags: ['hss'],
      summary: 'HSS ListHostStatus: hosts with an enrolled Guardpost agent',
      params: ProjectParams,
      querystring: ListHostStatusQuery,
      response: { 200: hssList(HostSchema) },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const query = request.query;
    const eps = enterpriseFilter(request, query.enterprise_project_id, 'hss');
    const now = Date.now();
    const onlineSince = now - offlineMs;

    const online = query.host_status === 'ACTIVE' || query.agent_status === 'online' ? true
      : query.host_status === 'SHUTOFF' || query.agent_status === 'offline' || query.agent_status === 'not_online' ? false : undefined;
    const impossible = (query.version !== undefined && query.version !== '' && query.version !== 'hss.version.enterprise')
      || (query.host_status !== undefined && query.host_status !== 'ACTIVE' && query.host_status !== 'SHUTOFF')
      || ['not_installed', 'install_failed', 'installing'].includes(query.agent_status ?? '')
      || (query.detect_result !== undefined && query.detect_result !== 'undetected')
      // host_status and agent_status asking for opposite states
      || (query.host_status === 'ACTIVE' && ['offline', 'not_online'].includes(query.agent_status ?? ''))
      || (query.host_status === 'SHUTOFF' && query.agent_status === 'online');
    const { total, rows } = await hosts.list(projectId, eps, {
      hostName: query.host_name, hostId: query.host_id, osType: query.os_type, privateIp: query.private_ip, publicIp: query.public_ip,
      anyIp: query.ip_addr, protectStatus: query.protect_status, assetValue: query.asset_value, online, impossible,
    }, onlineSince, query);
    const hostIds = rows.map((a) => a.host_id);
    const counters = { asset: 0, vulnerability: 0, baseline: 0, intrusion: 0 };
    const counted = await Promise.all(hostCounters.map(async (c) => ({ field: c.field, counts: hostIds.length > 0 ? await c.count(projectId, hostIds) : new Map<string, number>() })));
    const countersOf = (hostId: string) => ({ ...counters, ...Object.fromEntries(counted.map((c) => [c.field, c.counts.get(hostId) ?? 0])) });
    return {
      total_num: total,
      data_list: rows.map((a) => {
        const status = agentStatus(a.last_seen_at, offlineMs, now);
        return {
          host_name: a.host_name, host_id: a.host_id, agent_id: a.id,
          private_ip: (JSON.parse(a.private_ips) as string[])[0] ?? '', public_ip: (JSON.parse(a.public_ips) as string[])[0] ?? '',
          enterprise_project_id: a.enterprise_project_id, enterprise_project_name: a.ep_name ?? (a.enterprise_project_id === '0' ? 'default' : ''),
          os_name: a.os_name, os_version: a.os_version, kernel_version: a.kernel_version,
          host_status: status === 'online' ? 'ACTIVE' : 'SHUTOFF', agent_status: status, install_result_code: 'install_succeed',
          version: 'hss.version.enterprise', protect_status: a.protect_status, os_type: a.os_type, os_bit: a.os_bit,
          detect_result: 'undetected', expire_time: -1, charging_mode: 'on_demand', outside_host: true, asset_value: a.asset_value,
          labels: [], agent_create_time: a.enrolled_at, agent_update_time: a.facts_updated_at, agent_version: a.agent_version,
          upgrade_status: 'not_upgrade', upgradable: false, open_time: a.enrolled_at, protect_interrupt: false,
          protect_degradation: false, host_sources: 'outside', ...countersOf(a.host_id),
          os_image: `${a.os_name} ${a.os_version}`.trim().slice(0, 128), group_id: '', group_name: '', install_progress: 100,
        };
      }),
    };
  });
};
