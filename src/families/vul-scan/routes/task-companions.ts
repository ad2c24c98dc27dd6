import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enterpriseFilter, huaweiReadRoute, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { estimateScan, type ScanTaskServices } from '../task-services.js';
import { resolveAgents } from './resolve-hosts.js';
import { EmptyResponse, EstimateBody, EstimateResponse, RegionHeader, ScopeQuery, StatisticsResponse, TaskTraceBody } from './task-schemas.js';

/**
 * The scan-task companions: ShowVulScanTaskEstimatedTime (from the project's own job history, see
 * `estimateScan`), ShowVulTaskStatistics (finished scan tasks that ended after the task page was last viewed)
 * and RecordUserViewVulTask (records that view). Views are per project and task type, not per user.
 */

const INT32_MAX = 2_147_483_647;

export const scanTaskCompanionRoutes = (services: ScanTaskServices): FastifyPluginAsyncTypebox => async (app) => {
  const { reads } = services;

  app.post('/v5/:project_id/vulnerability/scan/task/estimated-time', {
    config: huaweiReadRoute('hss'),
    schema: {
      operationId: 'ShowVulScanTaskEstimatedTime', tags: ['hss'],
      summary: 'HSS ShowVulScanTaskEstimatedTime: minutes a scan of these hosts would queue and run (from recent scans)',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: EstimateBody, response: { 200: EstimateResponse },
    },
    // The SDK sends no body when the request's body is unset (it is optional there): that means every host.
    preValidation: async (request) => {
      request.body ??= {};
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const agents = await resolveAgents(reads, {
      projectId, scope, rangeType: body.range_type, agentIds: body.agent_ids && body.agent_ids.length > 0 ? body.agent_ids : undefined, field: 'agent_ids',
    });
    const estimate = await estimateScan(reads, projectId, agents);
    return { ...estimate, total_time: Math.min(INT32_MAX, estimate.total_time) };
  });

  app.get('/v5/:project_id/vulnerability/task/statistics', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ShowVulTaskStatistics', tags: ['hss'],
      summary: 'HSS ShowVulTaskStatistics: scan tasks that finished since the task page was last viewed (RecordUserViewVulTask)',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, response: { 200: StatisticsResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const since = await reads.lastViewed(projectId, 'vul_scan');
    return { unread_task_num: Math.min(INT32_MAX, await reads.finishedSince(projectId, scope, since)) };
  });

  app.post('/v5/:project_id/vulnerability/task/user/trace', {
    config: huaweiReadRoute('hss'),
    schema: {
      operationId: 'RecordUserViewVulTask', tags: ['hss'],
      summary: 'HSS RecordUserViewVulTask: mark the scan (or repair) task page as viewed, which resets the unread count',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: TaskTraceBody, response: { 200: EmptyResponse },
    },
  }, async (request) => {
    enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    await reads.recordView(request.params.project_id, request.body.task_type, Date.now());
    return {};
  });
};
