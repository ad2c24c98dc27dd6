import { allHssPages, type HssPage, type HuaweiApiClient } from '../../../cli/api-client.js';

/**
 * The HSS calls the `guardpost av` verbs make (host list, CreateAntiVirusTask / CreateAntiVirusPaidTask,
 * ListAntiVirusTask, ListAntiVirusResult, HandleAntiVirusResult) and the wire records they read.
 */

export interface HostRecord { host_id: string; agent_id: string; host_name: string }

export interface TaskHost {
  host_id: string; host_name: string; host_task_status: string; scan_progress: string; scan_file_num: number; virus_num: number;
  run_duration: number; fail_reason: string; scanned_bytes?: number;
}

export interface TaskRecord {
  task_id: string; task_name: string; scan_type: string; action: string; task_status: string; whether_paid_task: boolean;
  host_info_list: TaskHost[];
}

export interface ResultRecord {
  result_id: string; malware_name: string; malware_type: string; severity: string; task_id: string; task_name: string; event_type: number;
  occur_time: number; handle_status: string; handle_method?: string; isolate_status?: string; isolate_reason?: string;
  file_info: { file_path: string; file_hash: string; file_size: number; file_attr: string };
  resource_info: { host_id: string; host_name: string; agent_id: string };
}

export interface CreatedTask { result: boolean; task_id: string; fail_reasons: Array<{ host_id: string; reason: string }> }

const BOUND_PAGES = 100;

export const listHosts = (api: HuaweiApiClient) => allHssPages((offset, limit) =>
  api.call<HssPage<HostRecord>>('GET', '/v5/{project_id}/host-management/hosts', { limit, offset }), 200, BOUND_PAGES);

/** Host ids of the named hosts: each name is a host id, an agent id or a host name of the project (every host when none). */
export async function hostIdsOf(api: HuaweiApiClient, names: readonly string[]): Promise<string[]> {
  const hosts = await listHosts(api);
  if (names.length === 0) {
    if (hosts.length === 0) throw new Error(`project ${api.projectId} has no hosts (enroll an agent first)`);
    return hosts.map((h) => h.host_id);
  }
  const unknown: string[] = [];
  const ids = names.map((name) => {
    const byId = hosts.find((h) => h.host_id === name || h.agent_id === name);
    const byName = hosts.filter((h) => h.host_name === name);
    if (!byId && byName.length > 1) throw new Error(`${byName.length} hosts are named ${name}; give the host id (${byName.map((h) => h.host_id).join(', ')})`);
    const host = byId ?? byName[0];
    if (!host) unknown.push(name);
    return host?.host_id ?? '';
  });
  if (unknown.length > 0) throw new Error(`no such host in project ${api.projectId}: ${unknown.join(', ')} (see "guardpost admin agents list")`);
  return [...new Set(ids)];
}

export interface CreateSpec {
  name: string; type: string; action: string; hostIds: string[]; dirs: string[]; ignoreDirs: string[]; fileTypes: number[];
}

/** Custom scans (and any scan with ignored directories or file types) go through CreateAntiVirusPaidTask, the SDK's operation with those fields. */
export const isPaidSpec = (spec: Pick<CreateSpec, 'type' | 'ignoreDirs' | 'fileTypes'>) =>
  spec.type === 'custom' || spec.ignoreDirs.length > 0 || spec.fileTypes.length > 0;

export function createTask(api: HuaweiApiClient, spec: CreateSpec): Promise<CreatedTask> {
  const base = { task_name: spec.name, scan_type: spec.type, action: spec.action, host_ids: spec.hostIds };
  if (!isPaidSpec(spec)) return api.call<CreatedTask>('POST', '/v5/{project_id}/antivirus/task', {}, base);
  return api.call<CreatedTask>('POST', '/v5/{project_id}/antivirus/pay-per-scan/tasks', {}, {
    ...base, ...(spec.dirs.length > 0 ? { scan_dir: spec.dirs.join(';') } : {}),
    ...(spec.ignoreDirs.length > 0 ? { ignore_dir: spec.ignoreDirs.join(';') } : {}),
    ...(spec.fileTypes.length > 0 ? { file_types: spec.fileTypes } : {}),
  });
}

/** The task, found by name (ListAntiVirusTask filters by name, not id) and then by id. */
export async function findTask(api: HuaweiApiClient, taskId: string, taskName: string, paid: boolean): Promise<TaskRecord> {
  const tasks = await allHssPages((offset, limit) => api.call<HssPage<TaskRecord>>('GET', '/v5/{project_id}/antivirus/task',
    { offset, limit, whether_paid_task: String(paid), task_name: taskName }), 200, BOUND_PAGES);
  const task = tasks.find((t) => t.task_id === taskId);
  if (!task) throw new Error(`antivirus task ${taskId} is not listed any more`);
  return task;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every result of the project; with `task`, only that task's (a task id, or an exact task name). */
export async function listResults(api: HuaweiApiClient, task?: string, query: Record<string, string> = {}): Promise<ResultRecord[]> {
  const byId = task !== undefined && UUID_RE.test(task);
  const rows = await allHssPages((offset, limit) => api.call<HssPage<ResultRecord>>('GET', '/v5/{project_id}/antivirus/result',
    { offset, limit, ...query, ...(task !== undefined && !byId ? { task_name: task } : {}) }), 200, BOUND_PAGES);
  if (task === undefined) return rows;
  return rows.filter((r) => (byId ? r.task_id.toLowerCase() === task.toLowerCase() : r.task_name === task));
}

/** One result by id (narrowed by its file hash once known). */
export async function findResult(api: HuaweiApiClient, resultId: string, fileHash?: string): Promise<ResultRecord> {
  const rows = await listResults(api, undefined, fileHash ? { file_hash: fileHash } : {});
  const found = rows.find((r) => r.result_id === resultId);
  if (!found) throw new Error(`no antivirus result ${resultId} in project ${api.projectId} (see "guardpost av results")`);
  return found;
}

export function handleResult(api: HuaweiApiClient, result: ResultRecord, operateType: string): Promise<unknown> {
  return api.call('POST', '/v5/{project_id}/antivirus/result/operate', {}, {
    operate_type: operateType,
    operate_results: [{
      result_id: result.result_id, agent_id: result.resource_info.agent_id, event_type: result.event_type, occur_time: result.occur_time,
      file_hash: result.file_info.file_hash, file_path: result.file_info.file_path, file_attr: result.file_info.file_attr,
    }],
  });
}
