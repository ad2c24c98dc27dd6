import crypto from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { CaptureServices } from '../services.js';
import { formatCfwDate } from '../../../api/common/time.js';
import type { PayloadOf } from '../../../core/job-kind.js';
import { captureJobKind } from '../job-kind.js';
import { isActive, isTerminal } from '../../../core/job-states.js';
import type { Static } from 'typebox';
import {
  captureStopReason, deriveCaptureStatus, formatCaptureSize, MAX_ALLOWED_DOWNLOAD_IPS, MAX_LIVE_LINKS_PER_TASK, remainingDays,
  type CaptureJobResult,
} from '../domain.js';
import { agentStatus } from '../../../core/host-facts.js';
import { ensureWithinQuota } from '../../../core/quotas.js';
import { validateCaptureRule, type CaptureRule } from '../../../engines/capture/rule.js';
import { newHexId, sha256Hex } from '../../../identity/secrets.js';
import { ApiError, invalidParameter, resourceNotFound } from '../../../server/errors.js';
import { captureInterfacesOf, type CaptureRecord } from '../store.js';
import type { Agent } from '../../../store/schema.js';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { canonicalClientRange } from './download-clients.js';
import {
  CancelCaptureBody, CaptureResultQuery, CaptureResultResponse, CaptureTaskIdResponse, CreateCaptureBody, DeleteCaptureBody,
  FwQuery, ListCaptureQuery, ListCaptureResponse,
} from './schemas.js';

/** CFW v1 packet capture: the five operations of api-surface §2, answered by capture jobs on sensor agents. */

export const CAPTURE_FAMILY = 'cfw-capture';

export const captureCodes = {
  nameConflict: (name: string) => new ApiError(400, 'CFW.00200007', `a capture task named "${name}" already exists on this firewall`),
  quota: (message: string) => new ApiError(400, 'CFW.00200024', message),
  state: (message: string) => new ApiError(400, 'CFW.0020016', message),
};


function ruleOf(body: Static<typeof CreateCaptureBody>): CaptureRule {
  return {
    source: { address: body.source.address, address_type: body.source.address_type as 0 | 1 },
    destination: { address: body.destination.address, address_type: body.destination.address_type as 0 | 1 },
    protocol: body.service.protocol as CaptureRule['protocol'],
    source_port: body.service.source_port ?? '',
    dest_port: body.service.dest_port ?? '',
  };
}

function toRecord(r: CaptureRecord, now: number) {
  const params = JSON.parse(r.task.params) as { duration: number; max_packets: number; rule: CaptureRule };
  const result = r.jobView.result as Partial<CaptureJobResult> | null;
  const retentionExpired = r.capture.files_purged_at !== null || r.capture.retention_until <= now;
  const finished = isTerminal(r.job.state);
  const modified = Math.max(r.task.updated_at, r.job.updated_at);
  return {
    task_id: r.task.id, name: r.capture.name, status: deriveCaptureStatus(r.jobView, { retentionExpired }),
    duration: params.duration, max_packets: params.max_packets,
    capture_size: finished && !retentionExpired ? formatCaptureSize(r.storedBytes ?? result?.file_bytes) : '--',
    created_date: formatCfwDate(r.task.created_at), modified_date: formatCfwDate(modified),
    remaining_days: remainingDays(r.capture.retention_until, now), is_deleted: 0,
    source_address: params.rule.source.address, source_address_type: params.rule.source.address_type, source_port: params.rule.source_port,
    dest_address: params.rule.destination.address, dest_address_type: params.rule.destination.address_type, dest_port: params.rule.dest_port,
    protocol: params.rule.protocol,
    stop_reason: captureStopReason(r.jobView),
    ...(r.job.state === 'failed' || result?.detail ? { stop_detail: (result?.detail ?? r.job.failure_reason ?? '').slice(0, 500) } : {}),
    packets: typeof result?.packets === 'number' ? result.packets : null,
    progress: finished ? 100 : r.job.progress,
  };
}

export function publicBaseUrl(request: FastifyRequest, configured: string | undefined): string {
  return configured ?? `${request.protocol}://${request.host}`;
}

export const captureRoutes = (services: CaptureServices): FastifyPluginAsyncTypebox => async (app) => {
  const { captures, tasks, notifier, config, capture: settings } = services;
  const offlineMs = config.agentOfflineSeconds * 1000;

  /** The firewall named by the query's fw_instance_id (every capture operation carries it), within the caller's scope. */
  async function firewallOf(request: FastifyRequest, projectId: string, query: Static<typeof FwQuery>): Promise<Agent> {
    const { fw_instance_id: fwInstanceId, enterprise_project_id: enterpriseProjectId } = query;
    const firewall = await captures.firewall(projectId, fwInstanceId, enterpriseFilter(request, enterpriseProjectId, 'cfw'));
    if (!firewall) throw resourceNotFound('cfw', `firewall ${fwInstanceId} does not exist in this project (see ListFirewallDetail)`);
    return firewall;
  }

  async function captureOf(firewall: Agent, taskId: string): Promise<CaptureRecord> {
    const record = await captures.get(firewall.project_id, firewall.host_id, taskId);
    if (!record) throw resourceNotFound('cfw', `capture task ${taskId} does not exist on firewall ${firewall.host_id}`);
    return record;
  }

  const idResponse = (firewall: Agent, taskId?: string) => ({ data: { id: firewall.host_id, name: firewall.host_name, ...(taskId ? { task_id: taskId } : {}) } });

  app.post('/v1/:project_id/capture-task', {
    config: huaweiRoute('cfw'),
    schema: {
      operationId: 'CreateCaptureTask', tags: ['cfw'],
      summary: 'CFW CreateCaptureTask: capture packets on a firewall/sensor (runs once)',
      params: ProjectParams, querystring: FwQuery, body: CreateCaptureBody, response: { 200: CaptureTaskIdResponse },
    },
  }, async (request) => {
    const body = request.body;
    const rule = ruleOf(body);
    const problems = validateCaptureRule(rule);
    if (problems.length > 0) throw invalidParameter('cfw', `Invalid capture rule: ${problems.join('; ')}`);
    const firewall = await firewallOf(request, request.params.project_id, request.query);
    const now = Date.now();
    if (agentStatus(firewall.last_seen_at, offlineMs, now) !== 'online') {
      throw captureCodes.state(`firewall ${firewall.host_id} (${firewall.host_name}) is offline; its agent must be running to capture`);
    }
    const captureInterface = captureInterfacesOf(firewall)[0] as string;
    const [dailyLimit, runningLimit] = await Promise.all([
      tasks.quotaLimit(firewall.project_id, 'capture.tasks_per_firewall_per_day'),
      tasks.quotaLimit(firewall.project_id, 'capture.running_per_firewall'),
    ]);
    const payload: PayloadOf<typeof captureJobKind> = {
      interface: captureInterface, rule, max_packets: body.max_packets, duration_seconds: body.duration * 60, task_name: body.name,
    };
    const { task } = await tasks.createTask({
      projectId: firewall.project_id, enterpriseProjectId: firewall.enterprise_project_id, family: CAPTURE_FAMILY, kind: captureJobKind.name,
      name: body.name, createdBy: request.principal?.userId ?? 'unknown',
      params: { fw_instance_id: firewall.host_id, duration: body.duration, max_packets: body.max_packets, rule, interface: captureInterface },
      jobs: [{ agentId: firewall.id, kind: captureJobKind.name, payload }],
    }, now, {
      before: async (trx) => {
        await captures.lockFirewall(trx, firewall.id);
        if (await captures.nameTaken(trx, firewall.host_id, body.name)) throw captureCodes.nameConflict(body.name);
        try {
          ensureWithinQuota('capture.running_per_firewall', runningLimit, await captures.countActive(trx, firewall.host_id));
        } catch {
          throw captureCodes.quota(`only ${runningLimit} capture task(s) may run at a time on a firewall; stop the running one or wait for it to finish`);
        }
        try {
          ensureWithinQuota('capture.tasks_per_firewall_per_day', dailyLimit, await captures.countSince(trx, firewall.host_id, now - 86_400_000));
        } catch {
          throw captureCodes.quota(`at most ${dailyLimit} capture tasks may be created per firewall in 24 hours`);
        }
      },
      after: async (trx, created) => {
        await captures.insertCapture(trx, {
          task_id: created.id, project_id: firewall.project_id, fw_instance_id: firewall.host_id, agent_id: firewall.id, name: body.name,
          retention_until: now + settings.retentionDays * 86_400_000, deleted_at: null, files_purged_at: null,
        });
      },
    });
    notifier.notify(firewall.id);
    return idResponse(firewall, task.id);
  });

  app.get('/v1/:project_id/capture-task', {
    config: huaweiRoute('cfw'),
    schema: { operationId: 'ListCaptureTask', tags: ['cfw'], summary: 'CFW ListCaptureTask', params: ProjectParams, querystring: ListCaptureQuery, response: { 200: ListCaptureResponse } },
  }, async (request) => {
    const query = request.query;
    const firewall = await firewallOf(request, request.params.project_id, request.query);
    const { total, records } = await captures.list(firewall.project_id, firewall.host_id, query.limit, query.offset);
    const now = Date.now();
    return { data: { limit: query.limit, offset: query.offset, total, records: records.map((r) => toRecord(r, now)) } };
  });

  app.post('/v1/:project_id/capture-task/stop', {
    config: huaweiRoute('cfw'),
    schema: { operationId: 'CancelCaptureTask', tags: ['cfw'], summary: 'CFW CancelCaptureTask: stop a running capture', params: ProjectParams, querystring: FwQuery, body: CancelCaptureBody, response: { 200: CaptureTaskIdResponse } },
  }, async (request) => {
    const { task_id: taskId } = request.body;
    const firewall = await firewallOf(request, request.params.project_id, request.query);
    const record = await captureOf(firewall, taskId);
    if (isTerminal(record.job.state)) throw captureCodes.state(`capture task ${taskId} is not running`);
    await tasks.cancelTask(taskId, 'stopped by user');
    notifier.notify(firewall.id);
    return idResponse(firewall, taskId);
  });

  app.post('/v1/:project_id/capture-task/batch-delete', {
    config: huaweiRoute('cfw'),
    schema: { operationId: 'DeleteCaptureTask', tags: ['cfw'], summary: 'CFW DeleteCaptureTask: delete tasks and their pcaps (running ones are stopped first)', params: ProjectParams, querystring: FwQuery, body: DeleteCaptureBody, response: { 200: CaptureTaskIdResponse } },
  }, async (request) => {
    const { task_ids: taskIds } = request.body;
    const firewall = await firewallOf(request, request.params.project_id, request.query);
    const unique = [...new Set(taskIds)];
    const records = await Promise.all(unique.map((id) => captureOf(firewall, id))); // all or nothing
    for (const record of records) {
      if (isActive(record.job.state)) await tasks.cancelTask(record.task.id, 'stopped because the task was deleted');
    }
    await captures.markDeleted(unique);
    notifier.notify(firewall.id);
    return idResponse(firewall);
  });

  app.get('/v1/:project_id/capture-task/capture-result', {
    config: huaweiRoute('cfw'),
    schema: { operationId: 'ListCaptureResult', tags: ['cfw'], summary: 'CFW ListCaptureResult: an expiring, access-coded download link for the pcap', params: ProjectParams, querystring: CaptureResultQuery, response: { 200: CaptureResultResponse } },
  }, async (request) => {
    const query = request.query;
    const firewall = await firewallOf(request, request.params.project_id, request.query);
    const record = await captureOf(firewall, query.task_id);
    let ips = [...new Set(query.ip ?? [])];
    if (query.type === 1) {
      if (ips.length === 0) throw invalidParameter('cfw', 'type=1 restricts downloads to the addresses in ip; give 1 to 3 addresses or CIDR ranges');
      if (ips.length > MAX_ALLOWED_DOWNLOAD_IPS) throw invalidParameter('cfw', `at most ${MAX_ALLOWED_DOWNLOAD_IPS} ip values`);
      const bad = ips.filter((ip) => canonicalClientRange(ip) === null);
      if (bad.length > 0) throw invalidParameter('cfw', `not an IP address or CIDR range (such as 10.0.0.0/24 or fd00::/64): ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
      // Stored in the form the download compares client addresses in (FD00::1, fd00:0::1 and ::ffff:10.0.0.1 must match).
      ips = [...new Set(ips.map((ip) => canonicalClientRange(ip) as string))];
    }
    if (isActive(record.job.state)) throw captureCodes.state(`capture task ${query.task_id} has not finished yet`);
    const now = Date.now();
    if (record.capture.files_purged_at !== null || record.capture.retention_until <= now) {
      throw resourceNotFound('cfw', `the capture files of task ${query.task_id} have expired (retention ${settings.retentionDays} days)`);
    }
    const artifacts = await captures.pcapsOf(record.task.id);
    if (artifacts.length === 0) throw resourceNotFound('cfw', `capture task ${query.task_id} produced no capture file (${record.job.failure_reason ?? 'no data'})`);

    const linkId = newHexId(16);
    const fileListMode = settings.resultMode === 'file_list';
    // Link mode: a 6-digit code the user types. file_list mode has no code field, so the URL carries a long secret.
    const code = fileListMode ? crypto.randomBytes(24).toString('base64url') : String(crypto.randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = now + settings.linkMinutes * 60_000;
    await captures.createLink({
      id: linkId, task_id: record.task.id, project_id: record.task.project_id, code_hash: sha256Hex(`${linkId}:${code}`),
      allowed_ips: JSON.stringify(query.type === 1 ? ips : []), expires_at: expiresAt, failed_attempts: 0, locked_at: null, created_at: now,
    }, MAX_LIVE_LINKS_PER_TASK);
    const base = publicBaseUrl(request, config.publicUrl);
    const url = `${base}/capture-downloads/${linkId}`;
    if (fileListMode) {
      const fileName = downloadFileName(record.capture.name, 'pcap');
      return {
        data: {
          file_list: [{ file_name: fileName, file_path: `/${record.task.id}/${fileName}`, url: `${url}?code=${code}` }],
          request_header: { Host: new URL(base).host },
        },
      };
    }
    return { data: { url, captcha: code, expires: settings.linkMinutes, expires_at: expiresAt } };
  });
};

/** A safe download file name from a task name. */
export function downloadFileName(taskName: string, extension: string): string {
  const stem = taskName.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 100) || 'capture';
  return `${stem}.${extension}`;
}
