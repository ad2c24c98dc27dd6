import type { HuaweiApiClient } from '../../cli/api-client.js';

/** The CFW capture calls the `guardpost capture` verbs make, and how their records read. */

export interface Firewall { fw_instance_id: string; name: string; agent_status: string; capture_interfaces: string[] }
export interface TaskRecord {
  task_id: string; name: string; status: number; progress: number; packets: number | null; capture_size: string;
  stop_reason: string | null; created_date: string; stop_detail?: string;
}

const STATUS_NAMES: Record<number, string> = { 0: 'abnormal', 1: 'success', 2: 'running', 4: 'stopped', 5: 'stopping' };
export const statusName = (status: number): string => STATUS_NAMES[status] ?? String(status);
export const isActive = (status: number): boolean => status === 2 || status === 5;

const PAGE = 1024;
/** Bounds the paging loops (1024 × 100 records). */
const MAX_PAGES = 100;

export async function listFirewalls(client: HuaweiApiClient): Promise<Firewall[]> {
  const res = await client.call<{ data: { records: Firewall[] } }>('GET', '/v1/{project_id}/firewall/exist', { offset: 0, limit: PAGE, service_type: 0 });
  return res.data.records;
}

export async function pickFirewall(client: HuaweiApiClient, requested: string | undefined): Promise<string> {
  if (requested) return requested;
  const all = await listFirewalls(client);
  if (all.length === 0) throw new Error('no capture sensor is enrolled in this project (start an agent with --interfaces)');
  return all[0]!.fw_instance_id;
}

export async function listTasks(client: HuaweiApiClient, fw: string): Promise<TaskRecord[]> {
  const records: TaskRecord[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await client.call<{ data: { total: number; records: TaskRecord[] } }>('GET', '/v1/{project_id}/capture-task',
      { fw_instance_id: fw, limit: PAGE, offset: page * PAGE });
    records.push(...res.data.records);
    if (res.data.records.length === 0 || records.length >= res.data.total) break;
  }
  return records;
}

export async function findTask(client: HuaweiApiClient, fw: string, taskId: string): Promise<TaskRecord | undefined> {
  return (await listTasks(client, fw)).find((r) => r.task_id === taskId);
}

/** A fresh download URL for the task's pcap (the access code is single-purpose and short-lived). */
export async function downloadUrl(client: HuaweiApiClient, fw: string, taskId: string): Promise<string> {
  const result = await client.call<{ data: { url?: string; captcha?: string; file_list?: Array<{ url: string }> } }>(
    'GET', '/v1/{project_id}/capture-task/capture-result', { fw_instance_id: fw, task_id: taskId });
  const url = result.data.url ? `${result.data.url}?code=${encodeURIComponent(result.data.captcha ?? '')}` : result.data.file_list?.[0]?.url;
  if (!url) throw new Error('the server returned no download URL');
  return url;
}
