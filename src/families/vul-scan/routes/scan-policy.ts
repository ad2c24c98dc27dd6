import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import { DEFAULT_POLICY, type ScanPolicy } from '../policy-store.js';
import { nextScanTime } from '../schedule-time.js';
import type { ScanTaskServices } from '../task-services.js';
import { namedList, requestedTypes } from './resolve-hosts.js';
import { ChangePolicyBody, EmptyResponse, PolicyResponse, RegionHeader, ScopeQuery } from './task-schemas.js';

/**
 * ShowVulScanPolicy / ChangeVulScanPolicy: the project's scheduled-scan policy (one per project, whatever the
 * enterprise project the request names). An open policy gets a `next_scan_time` (the one given in `time`, or
 * the next slot of its period); the scheduler (scheduler.ts) starts a `schedule` task when it is due.
 */

/** Latest time a client may set (year 9999; int64 values beyond it would not fit the database as ms). */
const MAX_NEXT_SCAN_TIME = 253_402_300_799_999;

export const scanPolicyRoutes = (services: ScanTaskServices): FastifyPluginAsyncTypebox => async (app) => {
  const { policies, reads } = services;

  app.get('/v5/:project_id/vulnerability/scan-policy', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ShowVulScanPolicy', tags: ['hss'], summary: 'HSS ShowVulScanPolicy: the scheduled vulnerability scan policy (closed until changed)',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, response: { 200: PolicyResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const stored = await policies.get(projectId);
    const policy = stored?.policy ?? DEFAULT_POLICY;
    const totalHosts = policy.scan_range_type === 'all_host'
      ? await reads.countAgents(projectId, null)
      : (await reads.agentsBy('host_id', projectId, null, policy.host_ids)).length;
    const next = stored?.nextScanTime ?? null;
    return {
      scan_period: policy.scan_period, scan_range_type: policy.scan_range_type, host_ids: policy.host_ids, scan_vul_types: policy.scan_vul_types,
      status: policy.status, total_host_num: totalHosts,
      time: { ...policy.time, ...(next === null ? {} : { next_scan_time: next }) },
    };
  });

  app.put('/v5/:project_id/vulnerability/scan-policy', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ChangeVulScanPolicy', tags: ['hss'], summary: 'HSS ChangeVulScanPolicy: set when and what scheduled scans run',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: ChangePolicyBody, response: { 200: EmptyResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const hostIds = [...new Set(body.host_ids ?? [])];
    if (body.scan_range_type === 'specific_host') {
      if (hostIds.length === 0) throw invalidParameter('hss', 'scan_range_type=specific_host needs host_ids (the hosts to scan)');
      const found = new Set((await reads.agentsBy('host_id', projectId, null, hostIds)).map((a) => a.host_id));
      const unknown = hostIds.filter((id) => !found.has(id));
      if (unknown.length > 0) throw resourceNotFound('hss', `unknown host id(s) in host_ids: ${namedList(unknown)} (no enrolled agent in this project)`);
    }
    const time = { ...DEFAULT_POLICY.time, ...body.time };
    if (body.scan_period === 'one_week' && time.day_part.some((d) => d > 7)) {
      throw invalidParameter('hss', 'with scan_period=one_week, day_part holds weekdays 0-7 (0 and 7 are Sunday)');
    }
    const policy: ScanPolicy = {
      scan_period: body.scan_period, scan_range_type: body.scan_range_type, host_ids: body.scan_range_type === 'specific_host' ? hostIds : [],
      scan_vul_types: requestedTypes(body.scan_vul_types), status: body.status,
      time: { day_part: [...new Set(time.day_part)].sort((a, b) => a - b), hour_part: time.hour_part, minute_part: time.minute_part, timezone_offset: time.timezone_offset },
    };
    const now = Date.now();
    const given = body.time?.next_scan_time;
    const next = policy.status === 'close' ? null
      : given !== undefined && given > 0 ? Math.min(given, MAX_NEXT_SCAN_TIME) : nextScanTime(policy.scan_period, policy.time, now);
    await policies.put(projectId, policy, next, now);
    return {};
  });
};
