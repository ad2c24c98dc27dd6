import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import { scanDirectories } from '../domain.js';
import { payPerScanOff } from './settings.js';
import type { AntivirusServices } from '../services.js';
import { HostStillScanningError, rescanHosts } from '../rescan.js';
import type { AvTarget } from '../scan-store.js';
import { agentsOf, failReasonsOf, launchScan, namedIds } from '../scan-launch.js';
import { avTargets } from '../targets.js';
import {
  CreateTaskBody, CreateTaskResponse, EmptyResponse, ListTasksQuery, ListTasksResponse, RegionHeader, ScopeQuery, SwitchTaskBody,
} from './schemas.js';
import { taskInfo } from './views.js';

/**
 * HSS v5 antivirus tasks (api-surface §4): CreateAntiVirusTask / CreateAntiVirusPaidTask (one `av-scan` job per
 * host that can scan; the others are `fail_reasons` entries), ListAntiVirusTask (the seed's filters, status derived
 * from the hosts) and SwitchAntivirusTask (cancel the listed hosts).
 */

const DAY_MS = 86_400_000;
/** The time window of a ListAntiVirusTask query: `last_days` or `begin_time`/`end_time` (≤ 2 days), never both. */
export function timeWindow(query: Static<typeof ListTasksQuery>, now: number): { minStart?: number; maxStart?: number } {
  const hasRange = query.begin_time !== undefined || query.end_time !== undefined;
  if (query.last_days !== undefined && hasRange) throw invalidParameter('hss', 'last_days and begin_time/end_time are mutually exclusive');
  if (query.last_days !== undefined) return { minStart: now - query.last_days * DAY_MS };
  if (!hasRange) return {};
  if (query.begin_time === undefined || query.end_time === undefined) throw invalidParameter('hss', 'begin_time and end_time must be given together');
  const begin = Number(query.begin_time);
  const end = Number(query.end_time);
  if (end < begin) throw invalidParameter('hss', 'end_time is before begin_time');
  if (end - begin > 2 * DAY_MS) throw invalidParameter('hss', 'end_time - begin_time must be at most 2 days');
  return { minStart: begin, maxStart: end };
}

interface CreateInput { projectId: string; enterpriseProjectId: string | undefined; body: Static<typeof CreateTaskBody> }

const createInput = (request: { params: Static<typeof ProjectParams>; query: Static<typeof ScopeQuery>; body: Static<typeof CreateTaskBody> }): CreateInput =>
  ({ projectId: request.params.project_id, enterpriseProjectId: request.query.enterprise_project_id, body: request.body });

export const antivirusTaskRoutes = (services: AntivirusServices): FastifyPluginAsyncTypebox => async (app) => {
  const { reads, scans, notifier, config } = services;
  const offlineAfterMs = () => config.agentOfflineSeconds * 1000;

  /** The hosts of `taskId` named in the body scan again in that task (its own scan type and directories). */
  const rescan = async (taskId: string, projectId: string, scope: readonly string[] | null, body: Static<typeof CreateTaskBody>, paid: boolean, targets: AvTarget[]) => {
    const task = await reads.task(projectId, taskId, scope);
    if (!task || (task.whether_paid_task === 1) !== paid) throw resourceNotFound('hss', `antivirus task ${taskId} does not exist in this project (see ListAntiVirusTask)`);
    if (task.scan_type !== body.scan_type) throw invalidParameter('hss', `scan_type ${body.scan_type} does not match task ${taskId} (${task.scan_type})`);
    const inTask = new Set((await reads.hostRows(taskId)).map((h) => h.host_id));
    const outside = targets.map((t) => t.agent.host_id).filter((id) => !inTask.has(id));
    if (outside.length > 0) throw resourceNotFound('hss', `host id(s) not in task ${taskId}: ${namedIds(outside)}`);
    try {
      await rescanHosts(services.store, services.tasks, task, targets);
    } catch (error) {
      if (error instanceof HostStillScanningError) throw invalidParameter('hss', error.message);
      throw error;
    }
    for (const t of targets) if (t.unavailable === null) notifier.notify(t.agent.id);
  };

  const create = async (request: FastifyRequest, input: CreateInput, paid: boolean) => {
    const { projectId, body } = input;
    const scope = enterpriseFilter(request, input.enterpriseProjectId, 'hss');
    if (paid && !(await services.settings.get(projectId)).payPerScan) throw payPerScanOff();
    const dirs = scanDirectories(body.scan_type, body.scan_dir, body.ignore_dir, Boolean(body.task_id));
    if ('problem' in dirs) throw invalidParameter('hss', dirs.problem);
    const { agents, unknown } = await agentsOf(reads, projectId, scope, body.host_ids);
    if (unknown.length > 0) throw resourceNotFound('hss', `unknown host id(s) in host_ids: ${namedIds(unknown)} (no agent in this project or enterprise project)`);
    if (body.task_id) {
      const targets = avTargets(agents, offlineAfterMs());
      await rescan(body.task_id, projectId, scope, body, paid, targets);
      const failReasons = failReasonsOf(targets);
      return { result: failReasons.length === 0, task_id: body.task_id, fail_reasons: failReasons };
    }
    const { task, failReasons } = await launchScan(services, {
      projectId, scope, taskName: body.task_name, scanType: body.scan_type, action: body.action, paid,
      scanDir: body.scan_dir ?? '', ignoreDir: body.ignore_dir ?? '', roots: dirs.roots, ignoreDirs: dirs.ignoreDirs, fileTypes: body.file_types ?? [],
      createdBy: request.principal?.userId ?? 'unknown',
    }, agents);
    return { result: failReasons.length === 0, task_id: task.id, fail_reasons: failReasons };
  };

  const createSchema = (operationId: string, summary: string) => ({
    config: huaweiRoute('hss'),
    schema: { operationId, tags: ['hss'], summary, params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: CreateTaskBody, response: { 200: CreateTaskResponse } },
  });

  app.post('/v5/:project_id/antivirus/task', createSchema('CreateAntiVirusTask',
    'HSS CreateAntiVirusTask: scan hosts for malware (quick, full or custom) with their agents\' clamd'), (request) => create(request, createInput(request), false));

  app.post('/v5/:project_id/antivirus/pay-per-scan/tasks', createSchema('CreateAntiVirusPaidTask',
    'HSS CreateAntiVirusPaidTask: the same scan marked as pay-per-scan (a flag; no billing)'), (request) => create(request, createInput(request), true));

  app.get('/v5/:project_id/antivirus/task', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListAntiVirusTask', tags: ['hss'], summary: 'HSS ListAntiVirusTask: antivirus tasks, newest first, each with its hosts and their counters',
      params: ProjectParams, querystring: ListTasksQuery, headers: RegionHeader, response: { 200: ListTasksResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const query = request.query;
    const now = Date.now();
    const window = timeWindow(query, now);
    const scope = enterpriseFilter(request, query.enterprise_project_id, 'hss');
    const { total, rows } = await reads.listTasks({
      projectId, scope, paid: query.whether_paid_task, taskName: query.task_name, ...window, taskStatus: query.task_status || undefined,
      hostName: query.host_name, privateIp: query.private_ip, publicIp: query.public_ip, hostTaskStatuses: query.host_task_status,
    }, { offset: query.offset, limit: query.limit });
    return { total_num: total, data_list: rows.map((r) => taskInfo(r, offlineAfterMs(), now)) };
  });

  app.put('/v5/:project_id/antivirus/task', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'SwitchAntivirusTask', tags: ['hss'], summary: 'HSS SwitchAntivirusTask: cancel the scan on the listed hosts of a task',
      params: ProjectParams, querystring: ScopeQuery, headers: RegionHeader, body: SwitchTaskBody, response: { 200: EmptyResponse },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const task = await reads.task(projectId, body.task_id, scope);
    if (!task) throw resourceNotFound('hss', `antivirus task ${body.task_id} does not exist in this project (see ListAntiVirusTask)`);
    if (task.task_name !== body.task_name) throw invalidParameter('hss', `task_name does not match task ${body.task_id}`);
    const hostIds = [...new Set(body.host_ids)];
    const inTask = new Set((await reads.hostRows(body.task_id)).map((h) => h.host_id));
    const unknown = hostIds.filter((id) => !inTask.has(id));
    if (unknown.length > 0) throw resourceNotFound('hss', `host id(s) not in task ${body.task_id}: ${namedIds(unknown)}`);
    await scans.cancelHosts(body.task_id, hostIds);
    return {};
  });
};
