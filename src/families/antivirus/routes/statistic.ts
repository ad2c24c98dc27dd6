import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import type { AntivirusServices } from '../services.js';
import { RegionHeader, ScopeQuery } from './schemas.js';

/**
 * HSS ShowAntivirusStatistic (Go SDK ShowAntivirusStatisticResponse): detections and the hosts they were found on,
 * tasks and those still scanning, and the newest task's start time and scan type (left out before the first task),
 * all within the caller's enterprise-project scope.
 */

const Int32 = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });

const StatisticResponse = Type.Object({
  total_malware_num: Int32, malware_host_num: Int32, total_task_num: Int32, scanning_task_num: Int32,
  latest_scan_time: Type.Optional(Type.Integer({ minimum: 0 })), scan_type: Type.Optional(Type.String()),
});

export const antivirusStatisticRoutes = (services: AntivirusServices): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/v5/:project_id/antivirus/statistic', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ShowAntivirusStatistic', tags: ['hss'], summary: 'HSS ShowAntivirusStatistic: antivirus dashboard counters',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, response: { 200: StatisticResponse },
    },
  }, async (request) => {
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const s = await services.statistics.statistic(request.params.project_id, scope);
    return {
      total_malware_num: s.totalMalware, malware_host_num: s.malwareHosts, total_task_num: s.totalTasks, scanning_task_num: s.scanningTasks,
      ...(s.latest ? { latest_scan_time: s.latest.startTime, scan_type: s.latest.scanType } : {}),
    };
  });
};
