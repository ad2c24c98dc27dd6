import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import type { AntivirusServices } from '../services.js';
import { ListResultsQuery, ListResultsResponse, RegionHeader } from './schemas.js';
import { resultInfo } from './views.js';

/** HSS ListAntiVirusResult: the detections of the project's scans, newest first, with the file and host they were found on. */
export const antivirusResultRoutes = (services: AntivirusServices): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/v5/:project_id/antivirus/result', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListAntiVirusResult', tags: ['hss'], summary: 'HSS ListAntiVirusResult: virus scan findings',
      params: ProjectParams, querystring: ListResultsQuery, headers: RegionHeader, response: { 200: ListResultsResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const { total, rows } = await services.reads.listResults({
      projectId, scope, handleStatus: q.handle_status || undefined, severities: q.severity_list, assetValue: q.asset_value || undefined,
      malwareName: q.malware_name, filePath: q.file_path, fileHash: q.file_hash, taskName: q.task_name,
      hostName: q.host_name, privateIp: q.private_ip, publicIp: q.public_ip, manualIsolate: q.manual_isolate,
    }, { offset: q.offset, limit: q.limit });
    const now = Date.now();
    return { total_num: total, data_list: rows.map((r) => resultInfo(r, services.config.agentOfflineSeconds * 1000, now)) };
  });
};
