import type { FastifyPluginAsync } from 'fastify';
import { Type, type Static } from 'typebox';
import { agentStatus } from '../../core/host-facts.js';
import { containsText } from '../../store/sql-helpers.js';
import { EnterpriseProjectId, enterpriseFilter, huaweiRoute, ProjectParams, StringEnum } from '../common.js';

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
  offset: Type.Integer({ minimum: 0, maximum: 2000000, default: 0 }),
  limit: Type.Integer({ minimum: 10, maximum: 200, default: 10 }),
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

export const hostRoutes: FastifyPluginAsync = async (app) => {
  const { store, config } = app.ctx;
  const offlineMs = config.agentOfflineSeconds * 1000;

  app.get('/v5/:project_id/host-management/hosts', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListHostStatus', tags: ['hss'],
      summary: 'HSS ListHostStatus: hosts with an enrolled Guardpost agent',
      params: ProjectParams,
      querystring: ListHostStatusQuery,
      response: { 200: Type.Object({ total_num: Type.Integer(), data_list: Type.Array(HostSchema) }) },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params as Static<typeof ProjectParams>;
    const query = request.query as Static<typeof ListHostStatusQuery>;
    const eps = enterpriseFilter(request, query.enterprise_project_id, 'hss');
    const now = Date.now();
    const onlineSince = now - offlineMs;

    let q = store.db.selectFrom('agents')
      .leftJoin('enterprise_projects', 'enterprise_projects.id', 'agents.enterprise_project_id')
      .where('agents.project_id', '=', projectId).where('agents.revoked_at', 'is', null);
    if (eps !== null) q = q.where('agents.enterprise_project_id', 'in', eps);
    if (query.host_name) q = q.where(containsText('agents.host_name', query.host_name));
    if (query.host_id) q = q.where('agents.host_id', '=', query.host_id);
    if (query.os_type) q = q.where('agents.os_type', '=', query.os_type);
    if (query.private_ip) q = q.where(containsText('agents.private_ips', query.private_ip));
    if (query.public_ip) q = q.where(containsText('agents.public_ips', query.public_ip));
    if (query.ip_addr) {
      const ip = query.ip_addr;
      q = q.where((eb) => eb.or([containsText('agents.private_ips', ip), containsText('agents.public_ips', ip)]));
    }
    if (query.protect_status) q = q.where('agents.protect_status', '=', query.protect_status);
    if (query.asset_value) q = q.where('agents.asset_value', '=', query.asset_value);
    if (query.version && query.version !== 'hss.version.enterprise') q = q.where('agents.id', '=', '');
    if (query.host_status === 'SHUTOFF') q = q.where('agents.last_seen_at', '<', onlineSince);
    else if (query.host_status === 'ACTIVE') q = q.where('agents.last_seen_at', '>=', onlineSince);
    else if (query.host_status) q = q.where('agents.id', '=', '');
    switch (query.agent_status) {
      case 'online': q = q.where('agents.last_seen_at', '>=', onlineSince); break;
      case 'offline': case 'not_online': q = q.where('agents.last_seen_at', '<', onlineSince); break;
      case 'not_installed': case 'install_failed': case 'installing': q = q.where('agents.id', '=', ''); break;
      default: break;
    }
    if (query.detect_result && query.detect_result !== 'undetected') q = q.where('agents.id', '=', '');

    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll('agents').select('enterprise_projects.name as ep_name')
      .orderBy('agents.host_name').orderBy('agents.id').limit(query.limit).offset(query.offset).execute();
    return {
      total_num: Number(total.n),
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
          protect_degradation: false, host_sources: 'outside', asset: 0, vulnerability: 0, baseline: 0, intrusion: 0,
          os_image: `${a.os_name} ${a.os_version}`.trim().slice(0, 128), group_id: '', group_name: '', install_progress: 100,
        };
      }),
    };
  });
};
