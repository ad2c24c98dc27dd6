import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import type { ImageServices } from '../services.js';
import { Ms, Page, Paging, RegionHeader, Scope, Text } from './schemas.js';
import { cicdImageInfo, localImageInfo } from './views.js';

/** HSS ListImageLocal (images found on agents' hosts) and ListCicdImages (images uploaded by pipelines). */

const Common = {
  ...Scope, ...Paging, image_name: Text(256), image_version: Text(256), scan_status: Text(32),
  image_size: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_547 })),
  start_latest_update_time: Ms, end_latest_update_time: Ms, start_latest_scan_time: Ms, end_latest_scan_time: Ms,
  has_vul: Type.Optional(Type.Boolean()),
};

const LocalQuery = Type.Object({
  ...Common, local_image_type: Text(64), host_name: Text(128), host_id: Text(128), host_ip: Text(128), container_id: Text(128),
  container_name: Text(128), pod_id: Text(128), pod_name: Text(128), app_name: Text(128), has_container: Type.Optional(Type.Boolean()),
});

const CicdQuery = Type.Object({
  ...Common, namespace: Text(256), sort_key: Text(64), sort_dir: Text(8), image_id: Text(128), cicd_name: Text(128),
  latest_version: Type.Optional(Type.Boolean()), has_malicious_file: Type.Optional(Type.Boolean()), has_unsafe_setting: Type.Optional(Type.Boolean()),
  severity_level: Text(256), risky: Type.Optional(Type.Boolean()), pipeline_type: Text(64),
});

const I64 = Type.Integer();
const LocalInfo = Type.Object({
  agent_id: Type.String(), component_num: I64, container_num: I64, host_id: Type.String(), host_name: Type.String(), host_num: I64,
  image_digest: Type.String(), image_id: Type.String(), image_name: Type.String(), image_size: I64, image_version: Type.String(),
  latest_scan_time: I64, latest_update_time: I64, local_image_type: Type.String(), malicious_file_num: I64, non_scan_reason: Type.String(),
  scan_failed_desc: Type.String(), scan_status: Type.String(), severity_level: Type.String(), unsafe_setting_num: I64, vul_num: I64,
});
const CicdInfo = Type.Object({
  image_id: Type.String(), cicd_name: Type.String(), namespace: Type.String(), image_name: Type.String(), image_digest: Type.String(),
  image_version: Type.String(), registry_name: Type.String(), image_type: Type.String(), registry_type: Type.String(), latest_version: Type.Boolean(),
  scan_status: Type.String(), scan_failed_desc: Type.String(), scan_failed_code: Type.String(), image_size: I64, latest_update_time: I64,
  latest_scan_time: I64, vul_num: I64, unsafe_setting_num: I64, malicious_file_num: I64, severity_level: Type.String(), pipeline_type: Type.String(),
  highest_risk_level: Type.String({ description: 'Guardpost extra: the highest risk of any finding (critical, high, medium, low; empty for none)' }),
});

const common = (q: { image_name?: string; image_version?: string; scan_status?: string; image_size?: number; has_vul?: boolean;
  start_latest_update_time?: number; end_latest_update_time?: number; start_latest_scan_time?: number; end_latest_scan_time?: number }) => ({
  imageName: q.image_name || undefined, imageVersion: q.image_version || undefined, scanStatus: q.scan_status || undefined,
  imageSize: q.image_size || undefined, hasVul: q.has_vul, startUpdate: q.start_latest_update_time || undefined,
  endUpdate: q.end_latest_update_time || undefined, startScan: q.start_latest_scan_time || undefined, endScan: q.end_latest_scan_time || undefined,
});

export const imageListRoutes = (services: ImageServices): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/v5/:project_id/image/local-repositories', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListImageLocal', tags: ['hss'], summary: 'HSS ListImageLocal: images found in agents\' image directories',
      params: ProjectParams, querystring: LocalQuery, headers: RegionHeader, response: { 200: Page(LocalInfo) },
    },
  }, async (request) => {
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    // Guardpost does not see containers or pods: filtering by one matches no image.
    const none = Boolean(q.container_id || q.container_name || q.pod_id || q.pod_name || q.has_container || q.local_image_type === 'swr_image');
    if (none) return { total_num: 0, data_list: [] };
    const { total, rows } = await services.reads.list({
      projectId: request.params.project_id, scope, source: 'local', ...common(q), hostId: q.host_id || undefined,
    }, { offset: q.offset, limit: q.limit });
    return { total_num: total, data_list: rows.map(localImageInfo) };
  });

  app.get('/v5/:project_id/image/cicd/images', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListCicdImages', tags: ['hss'], summary: 'HSS ListCicdImages: images uploaded by CI/CD pipelines',
      params: ProjectParams, querystring: CicdQuery, headers: RegionHeader, response: { 200: Page(CicdInfo) },
    },
  }, async (request) => {
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const { total, rows } = await services.reads.list({
      projectId: request.params.project_id, scope, source: 'cicd', ...common(q), namespace: q.namespace || undefined, imageId: q.image_id || undefined,
      cicdName: q.cicd_name || undefined, hasMaliciousFile: q.has_malicious_file, hasUnsafeSetting: q.has_unsafe_setting,
      severityLevel: q.severity_level || undefined, risky: q.risky,
    }, { offset: q.offset, limit: q.limit });
    return { total_num: total, data_list: rows.map(cicdImageInfo) };
  });
};
