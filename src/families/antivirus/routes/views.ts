import { agentStatus } from '../../../core/host-facts.js';
import { acceptedOperations, isolateTag } from '../handling.js';
import { deriveTaskStatus, progressText, type AvTaskStatus } from '../domain.js';
import type { ResultView, TaskHostView, TaskView } from '../reads.js';

/** Rows → the HSS wire objects (AntiVirusTaskResponseInfo, AntiVirusTaskHostResponseInfo, AntiVirusResultResponseInfo). */

const INT32_MAX = 2_147_483_647;

export function firstIp(json: string | null): string {
  if (!json) return '';
  try {
    const list: unknown = JSON.parse(json);
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').join(',') : '';
  } catch {
    return '';
  }
}

function agentState(lastSeen: number | null, revoked: number | null, offlineAfterMs: number, now: number): string {
  if (lastSeen === null || revoked !== null) return 'not_installed';
  return agentStatus(Number(lastSeen), offlineAfterMs, now);
}

export function hostInfo(h: TaskHostView, offlineAfterMs: number, now: number) {
  const start = Number(h.start_time);
  const end = h.end_time === null ? now : Number(h.end_time);
  const agent = agentState(h.last_seen_at, h.revoked_at, offlineAfterMs, now);
  return {
    host_id: h.host_id, host_name: h.host_name ?? h.host_id, private_ip: firstIp(h.private_ips), public_ip: firstIp(h.public_ips),
    asset_value: h.asset_value ?? 'common', start_time: start, run_duration: Math.max(0, Math.floor((end - start) / 1000)),
    scan_progress: progressText(h.host_task_status === 'success' ? 100 : h.scan_progress), virus_num: Math.min(INT32_MAX, h.virus_num),
    scan_file_num: Number(h.scan_file_num), scanned_bytes: Number(h.scanned_bytes), host_task_status: h.host_task_status as 'scanning' | 'success' | 'fail' | 'cancel',
    fail_reason: h.fail_reason, deleted: h.host_name === null || h.revoked_at !== null, whether_using_quota: h.whether_using_quota,
    agent_id: h.agent_id, os_type: h.os_type ?? 'Linux', host_status: 'ACTIVE', agent_status: agent,
    protect_status: h.protect_status ?? 'opened', os_name: h.os_name ?? '', os_version: h.os_version ?? '',
  };
}

export function taskInfo(t: TaskView, offlineAfterMs: number, now: number) {
  const status: AvTaskStatus = deriveTaskStatus(t.counts);
  return {
    task_id: t.task_id, task_name: t.task_name, scan_type: t.scan_type as 'quick' | 'full' | 'custom',
    start_type: t.start_type as 'now' | 'later' | 'period', action: t.action, start_time: Number(t.start_time), task_status: status,
    host_num: Math.min(INT32_MAX, t.hosts.length), success_host_num: t.counts.success, fail_host_num: t.counts.fail,
    cancel_host_num: t.counts.cancel, host_info_list: t.hosts.map((h) => hostInfo(h, offlineAfterMs, now)),
    rescan: status !== 'scanning' && (t.counts.fail > 0 || t.counts.cancel > 0), whether_paid_task: t.whether_paid_task === 1,
    ...(t.policy_id ? { policy_id: t.policy_id } : {}),
  };
}


export function resultInfo(r: ResultView, offlineAfterMs: number, now: number) {
  return {
    result_id: r.result_id, malware_type: r.malware_type, malware_name: r.malware_name, severity: r.severity, task_id: r.task_id,
    task_name: r.task_name, event_type: r.event_type, occur_time: Number(r.occur_time),
    file_info: {
      file_path: r.file_path, file_hash: r.file_hash, file_size: Number(r.file_size), file_owner: r.file_owner, file_attr: r.file_attr,
      file_ctime: Number(r.file_ctime), file_mtime: Number(r.file_mtime),
    },
    resource_info: {
      host_id: r.host_id, host_name: r.host_name ?? r.host_id, private_ip: firstIp(r.private_ips), public_ip: firstIp(r.public_ips),
      asset_value: r.asset_value ?? 'common', os_type: r.os_type ?? 'Linux', os_name: r.os_name ?? '', os_version: r.os_version ?? '',
      agent_id: r.agent_id, agent_status: agentState(r.last_seen_at, r.revoked_at, offlineAfterMs, now), host_status: 'ACTIVE',
      protect_status: r.protect_status ?? 'opened',
    },
    handle_status: r.handle_status,
    ...(r.handle_method ? { handle_method: r.handle_method } : {}),
    ...(r.memo ? { memo: r.memo } : {}),
    operate_accept_list: acceptedOperations(r.handle_method, r.isolate_state),
    operate_detail_list: [{ hash: r.file_hash, keyword: r.file_path }],
    isolate_tag: isolateTag(r.isolate_state, r.isolate_origin),
    isolate_status: r.isolate_state ?? 'none',
    ...(r.isolate_reason ? { isolate_reason: r.isolate_reason } : {}),
  };
}
