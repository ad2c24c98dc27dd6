import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import type { VulType } from '../domain.js';
import { HostStillScanningError, rescanHosts } from '../rescan.js';
import type { ScanHostRow, ScanTaskWithCounts } from '../scan-reads.js';
import { estimateScan, launchScan, MAX_HOSTS_PER_SCAN, type ScanTaskServices } from '../task-services.js';
import { namedList, requestedTypes, resolveAgents } from './resolve-hosts.js';
import {
  CreateScanBody, CreateScanResponse, EmptyResponse, ListScanTasksQuery, ListScanTasksResponse, ListTaskHostsQuery, ListTaskHostsResponse,
  RegionHeader, RescanBody, ScopeQuery, TaskParams,
} from './task-schemas.js';

/**
 * HSS v5 vulnerability scan tasks (api-surface §3): create a manual scan over hosts, list tasks (only user
 * scans: `manual` and `schedule`), list a task's hosts, and rescan hosts of a task in the same task.
 */

const MINUTE = 60_000;
const INT32_MAX = 2_147_483_647;

function parseJsonList<T>(json: string): T[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value as T[] : [];
  } catch {
    return [];
  }
}

const firstOf = (json: string | null): string => (json ? parseJsonList<string>(json).find((x) => typeof x === 'string') ?? '' : '');

function taskInfo(row: ScanTaskWithCounts, runMinutes: number, now: number) {
  const running = row.counts.scanning > 0 || row.end_time === null;
  const left = Math.max(1, runMinutes - Math.floor((now - row.start_time) / MINUTE));
  return {
    id: row.task_id, scan_type: row.scan_type, start_time: row.start_time,
    ...(row.end_time === null || running ? {} : { end_time: row.end_time }),
    scan_vul_types: parseJsonList<string>(row.scan_vul_types), status: running ? 'running' as const : 'finished' as const,
    scanning_host_num: Math.min(INT32_MAX, row.counts.scanning), success_host_num: Math.min(INT32_MAX, row.counts.success),
    failed_host_num: Math.min(INT32_MAX, row.counts.failed), estimated_time: running ? left : 0,
  };
}

function hostInfo(row: ScanHostRow) {
  return {
    host_id: row.host_id, host_name: row.host_name ?? row.host_id, public_ip: firstOf(row.public_ips), private_ip: firstOf(row.private_ips),
    asset_value: row.asset_value ?? 'common', scan_status: row.scan_status as 'scanning' | 'success' | 'failed',
    failed_reasons: parseJsonList<{ vul_type: string; failed_reason: string }>(row.failed_reasons),
    vul_scan_details: parseJsonList<{ vul_type: string; status: string; failed_reason: string; scan_vul_list: Array<{ vul_id: string; vul_name: string; status: string; failed_reason: string }> }>(row.details)
      .map((d) => ({ ...d, scan_vul_list: Array.isArray(d.scan_vul_list) ? d.scan_vul_list : [] })),
    agent_id: row.agent_id,
  };
}

export const scanTaskRoutes = (services: ScanTaskServices): FastifyPluginAsyncTypebox => async (app) => {
  const { reads, tasks, notifier, config } = services;
  const taskNotFound = (taskId: string) => resourceNotFound('hss', `vulnerability scan task ${taskId} does not exist in this project (see ListVulScanTask)`);

  app.post('/v5/:project_id/vulnerability/scan-task', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'CreateVulnerabilityScanTask', tags: ['hss'],
      summary: 'HSS CreateVulnerabilityScanTask: scan hosts for vulnerable OS and application packages (a manual scan task)',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: CreateScanBody, response: { 200: CreateScanResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const agents = await resolveAgents(reads, { projectId, scope, rangeType: body.range_type, agentIds: body.agent_id_list, field: 'agent_id_list' });
    const task = await launchScan(services, {
      projectId, scope, scanType: 'manual', vulTypes: requestedTypes(body.manual_scan_type), agents, createdBy: request.principal?.userId ?? 'unknown',
    });
    return { task_id: task.id };
  });

  app.get('/v5/:project_id/vulnerability/scan-tasks', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListVulScanTask', tags: ['hss'], summary: 'HSS ListVulScanTask: manual and scheduled vulnerability scan tasks, newest first',
      params: ProjectParams, querystring: ListScanTasksQuery, headers: RegionHeader, response: { 200: ListScanTasksResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const query = request.query;
    const scope = enterpriseFilter(request, query.enterprise_project_id, 'hss');
    const { total, rows } = await reads.listTasks({
      projectId, scope, scanType: query.scan_type || undefined, taskId: query.task_id || undefined,
      minStartTime: query.min_start_time, maxStartTime: query.max_start_time,
    }, query);
    const runMinutes = rows.some((r) => r.end_time === null) ? (await estimateScan(reads, projectId, [])).run_time : 1;
    const now = Date.now();
    return { total_num: total, data_list: rows.map((r) => taskInfo(r, runMinutes, now)) };
  });

  app.get('/v5/:project_id/vulnerability/scan-task/:task_id/hosts', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListVulScanTaskHost', tags: ['hss'], summary: 'HSS ListVulScanTaskHost: the hosts of a scan task, their status and failure reasons',
      params: TaskParams, querystring: ListTaskHostsQuery, headers: RegionHeader, response: { 200: ListTaskHostsResponse },
    },
  }, async (request) => {
    const { project_id: projectId, task_id: taskId } = request.params;
    const query = request.query;
    const scope = enterpriseFilter(request, query.enterprise_project_id, 'hss');
    if (!(await reads.task(projectId, taskId, scope))) throw taskNotFound(taskId);
    const { total, rows } = await reads.taskHosts(taskId, query.scan_status || undefined, query);
    return { total_num: total, data_list: rows.map(hostInfo) };
  });

  app.put('/v5/:project_id/vulnerability/scan/task/:task_id/rescan', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'RecreateVulScanTask', tags: ['hss'],
      summary: 'HSS RecreateVulScanTask: scan the failed (or the given) hosts of a task again, in the same task',
      params: TaskParams, querystring: ScopeQuery, headers: RegionHeader, body: RescanBody, response: { 200: EmptyResponse },
    },
  }, async (request) => {
    const { project_id: projectId, task_id: taskId } = request.params;
    const body = request.body;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const task = await reads.task(projectId, taskId, scope);
    if (!task) throw taskNotFound(taskId);
    let hosts;
    if (body.range_type === 'specific_host') {
      if (!body.host_ids) throw invalidParameter('hss', 'range_type=specific_host needs host_ids (host IDs of this task)');
      const wanted = [...new Set(body.host_ids)];
      hosts = await reads.hostsByIds(taskId, wanted);
      const found = new Set(hosts.map((h) => h.host_id));
      const unknown = wanted.filter((id) => !found.has(id));
      if (unknown.length > 0) throw resourceNotFound('hss', `host id(s) not in task ${taskId}: ${namedList(unknown)}`);
      const busy = hosts.filter((h) => h.scan_status === 'scanning').map((h) => h.host_id);
      if (busy.length > 0) throw invalidParameter('hss', `host(s) still scanning in task ${taskId}: ${namedList(busy)}; wait for them to finish`);
    } else {
      if (body.host_ids) throw invalidParameter('hss', 'host_ids is only valid with range_type=specific_host');
      hosts = await reads.failedHosts(taskId, MAX_HOSTS_PER_SCAN);
      if (hosts.length === 0) throw invalidParameter('hss', `task ${taskId} has no failed hosts to rescan`);
    }
    try {
      const outcome = await rescanHosts(tasks, reads, {
        taskId, vulTypes: parseJsonList<VulType>(task.scan_vul_types), hosts, offlineAfterMs: config.agentOfflineSeconds * 1000,
      });
      for (const queued of outcome.queued) notifier.notify(queued.agentId);
    } catch (error) {
      if (error instanceof HostStillScanningError) throw invalidParameter('hss', error.message);
      throw error;
    }
    return {};
  });
};
