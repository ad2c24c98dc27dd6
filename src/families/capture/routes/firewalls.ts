import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CaptureServices } from '../services.js';
import { Type } from 'typebox';
import { cfwPaging } from '../../../api/common/paging.js';
import { agentStatus } from '../../../core/host-facts.js';
import { captureInterfacesOf } from '../store.js';
import { EnterpriseProjectId, enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { FwInstanceId } from './schemas.js';

/**
 * CFW ListFirewallDetail (`GET /v1/{project_id}/firewall/exist`): every enrolled agent with the capture
 * capability is a firewall instance; its fw_instance_id is the agent's stable host_id.
 */

const Query = Type.Object({
  ...cfwPaging(),
  service_type: Type.Integer({ enum: [0, 1], description: '0 north-south, 1 east-west (both list the same sensors)' }),
  enterprise_project_id: Type.Optional(EnterpriseProjectId),
  fw_instance_id: Type.Optional(FwInstanceId),
  name: Type.Optional(Type.String({ maxLength: 255, description: 'Firewall name: case-insensitive substring match; empty matches all' })),
});

/**
 * CFW Flavor, only what is true of a Guardpost sensor: version 1 (professional, the only edition CFW sells
 * pay-per-use, matching charge_mode 1) and no ACL rules. EIP/VPC counts, bandwidth and session figures
 * are not known to Guardpost and are left out.
 */
const FlavorSchema = Type.Object({ version: Type.Integer(), total_rule_count: Type.Integer(), used_rule_count: Type.Integer() });
const SENSOR_FLAVOR = { version: 1, total_rule_count: 0, used_rule_count: 0 };

const FirewallRecord = Type.Object({
  fw_instance_id: Type.String(), name: Type.String(), fw_instance_name: Type.String(), ha_type: Type.Integer(),
  charge_mode: Type.Integer(), service_type: Type.Integer(), engine_type: Type.Integer(), status: Type.Integer(),
  is_old_firewall_instance: Type.Boolean(), support_ipv6: Type.Boolean(), feature_toggle: Type.Record(Type.String(), Type.Boolean()),
  enterprise_project_id: Type.String(), resource_id: Type.String(), support_url_filtering: Type.Boolean(),
  protect_objects: Type.Array(Type.Unknown()), resources: Type.Array(Type.Unknown()),
  flavor: FlavorSchema, tags: Type.String({ description: 'JSON text of the tag list; sensors have none' }),
  agent_id: Type.String({ description: 'Guardpost extra' }), agent_status: Type.String({ description: 'Guardpost extra: online/offline' }),
  capture_interfaces: Type.Array(Type.String(), { description: 'Guardpost extra: the first one is used for captures' }),
});

export const firewallRoutes = ({ captures, config }: CaptureServices): FastifyPluginAsyncTypebox => async (app) => {

  app.get('/v1/:project_id/firewall/exist', {
    config: huaweiRoute('cfw'),
    schema: {
      operationId: 'ListFirewallDetail', tags: ['cfw'],
      summary: 'CFW ListFirewallDetail: the capture sensors (agents with the capture capability)',
      params: ProjectParams, querystring: Query,
      response: { 200: Type.Object({ data: Type.Object({ limit: Type.Integer(), offset: Type.Integer(), total: Type.Integer(), records: Type.Array(FirewallRecord) }) }) },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const query = request.query;
    let all = await captures.firewalls(projectId, enterpriseFilter(request, query.enterprise_project_id, 'cfw'));
    if (query.fw_instance_id) all = all.filter((a) => a.host_id === query.fw_instance_id);
    const name = query.name?.toLowerCase();
    if (name) all = all.filter((a) => a.host_name.toLowerCase().includes(name));
    const now = Date.now();
    const records = all.slice(query.offset, query.offset + query.limit).map((a) => ({
      fw_instance_id: a.host_id, name: a.host_name, fw_instance_name: a.host_name, ha_type: 0, charge_mode: 1,
      service_type: query.service_type, engine_type: 1, status: 2, is_old_firewall_instance: false, support_ipv6: true,
      feature_toggle: { capture: true }, enterprise_project_id: a.enterprise_project_id, resource_id: a.host_id,
      support_url_filtering: false, protect_objects: [], resources: [], flavor: SENSOR_FLAVOR, tags: '[]',
      agent_id: a.id, agent_status: agentStatus(a.last_seen_at, config.agentOfflineSeconds * 1000, now),
      capture_interfaces: captureInterfacesOf(a),
    }));
    return { data: { limit: query.limit, offset: query.offset, total: all.length, records } };
  });
};
