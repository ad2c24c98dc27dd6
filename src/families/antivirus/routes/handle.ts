import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { ApiError, invalidParameter, resourceNotFound } from '../../../server/errors.js';
import { isStateOperation } from '../handling.js';
import type { AntivirusServices } from '../services.js';
import { HandleBody, HistoryQuery, HistoryResponse } from './handle-schemas.js';
import { EmptyResponse, RegionHeader, ScopeQuery } from './schemas.js';
import { firstIp } from './views.js';

/**
 * HSS HandleAntiVirusResult and ListAntivirusHandleHistory. The state-only operations apply at once; isolation and
 * restore queue an `av-isolate` job on the host (the result is `isolating` / `restoring` until it ends).
 */

const named = (ids: readonly string[]) => ids.slice(0, 20).join(', ') + (ids.length > 20 ? `, … (${ids.length} in all)` : '');

export const antivirusHandleRoutes = (services: AntivirusServices): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/v5/:project_id/antivirus/result/operate', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'HandleAntiVirusResult', tags: ['hss'], summary: 'HSS HandleAntiVirusResult: handle virus scan findings',
      params: ProjectParams, querystring: ScopeQuery, body: HandleBody, headers: RegionHeader, response: { 200: EmptyResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const results = body.operate_results ?? [];
    const rules = body.event_white_rules ?? [];
    const ruleOperation = body.operate_type === 'add_to_alarm_whitelist' || body.operate_type === 'remove_from_alarm_whitelist';
    if (rules.length > 0 && !ruleOperation) {
      throw invalidParameter('hss', 'event_white_rules apply only with operate_type add_to_alarm_whitelist or remove_from_alarm_whitelist');
    }
    if (results.length === 0 && rules.length === 0) throw invalidParameter('hss', 'operate_results must name at least one result');
    const principal = request.principal;
    if (!isStateOperation(body.operate_type)) {
      const started = await services.isolation.start({
        projectId, scope, operation: body.operate_type, resultIds: results.map((r) => r.result_id), memo: body.memo ?? '',
        userId: principal?.userId ?? 'unknown', userName: principal?.userName ?? 'unknown',
      });
      if (!started.ok) {
        if (started.unknown.length > 0) throw resourceNotFound('hss', `unknown result id(s) in operate_results: ${named(started.unknown)}`);
        if (started.wrongState.length > 0) {
          throw invalidParameter('hss', `operate_type ${body.operate_type} does not apply to result(s) ${named(started.wrongState)} in their current state`);
        }
        throw new ApiError(400, 'HSS.1001', `the agent of result(s) ${named(started.incapable)} cannot isolate files (revoked, or not running as root)`);
      }
      for (const agentId of started.agentIds) services.notifier.notify(agentId);
      return {};
    }
    const outcome = await services.handling.handle({
      projectId, scope, operation: body.operate_type, resultIds: results.map((r) => r.result_id), memo: body.memo ?? '',
      userId: principal?.userId ?? 'unknown', userName: principal?.userName ?? 'unknown', rules,
    });
    if (!outcome.ok) {
      if (outcome.rule) throw outcome.rule.code === 'unknown' ? resourceNotFound('hss', outcome.rule.message) : invalidParameter('hss', outcome.rule.message);
      if (outcome.unknown.length > 0) throw resourceNotFound('hss', `unknown result id(s) in operate_results: ${named(outcome.unknown)}`);
      throw invalidParameter('hss', `operate_type ${body.operate_type} does not apply to result(s) ${named(outcome.wrongState)} in their current handling`);
    }
    return {};
  });

  app.get('/v5/:project_id/antivirus/handle-history', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListAntivirusHandleHistory', tags: ['hss'], summary: 'HSS ListAntivirusHandleHistory: the handling audit log',
      params: ProjectParams, querystring: HistoryQuery, headers: RegionHeader, response: { 200: HistoryResponse },
    },
  }, async (request) => {
    const q = request.query;
    const { total, rows } = await services.history.list({
      projectId: request.params.project_id, scope: enterpriseFilter(request, q.enterprise_project_id, 'hss'),
      malwareName: q.malware_name, filePath: q.file_path, severities: q.severity_list, hostName: q.host_name, privateIp: q.private_ip,
      publicIp: q.public_ip, assetValue: q.asset_value || undefined, handleMethod: q.handle_method || undefined, userName: q.user_name,
      eventType: q.event_type, sortDir: q.sort_dir ?? 'desc',
    }, { offset: q.offset, limit: q.limit });
    return {
      total_num: total,
      data_list: rows.map((r) => ({
        result_id: r.result_id, malware_type: r.malware_type, malware_name: r.malware_name, severity: r.severity, file_path: r.file_path,
        host_name: r.host_name ?? '', private_ip: firstIp(r.private_ips), public_ip: firstIp(r.public_ips), asset_value: r.asset_value ?? 'common',
        occur_time: Number(r.occur_time), handle_status: r.handle_status, handle_method: r.operate_type, notes: r.notes,
        handle_time: Number(r.handle_time), user_name: r.user_name,
      })),
    };
  });
};
