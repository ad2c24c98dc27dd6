/** Shared fixtures for the antivirus policy tests: signed policy calls, policy table snapshots, the policy's tasks. */
import assert from 'node:assert/strict';
import type { TestServer } from '../../helpers/server.js';
import { hss, ok } from '../../api/vul-scan-tasks-support.js';

export type PolicyInfo = Record<string, unknown> & {
  policy_id: string; policy_name: string; start_type: string; invalidate: boolean; host_num: number; next_start_time?: number;
  host_info_list: Array<Record<string, unknown>>;
};
export type AvTask = Record<string, unknown> & { task_id: string; start_type: string; policy_id?: string; host_info_list: Array<Record<string, unknown>> };

export const createPolicy = (ts: TestServer, body: Record<string, unknown>) =>
  hss<{ policy_id: string; task_id?: string }>(ts, 'POST', '/antivirus/policy', { body });
export const changePolicy = (ts: TestServer, body: Record<string, unknown>) => hss<{ policy_id: string; task_id?: string }>(ts, 'PUT', '/antivirus/policy', { body });
export const deletePolicies = (ts: TestServer, body: unknown) => hss(ts, 'POST', '/antivirus/policy/batch-delete', { body });

export async function listPolicies(ts: TestServer, query: Record<string, string | number> = {}): Promise<{ total_num: number; data_list: PolicyInfo[] }> {
  return ok(await hss<{ total_num: number; data_list: PolicyInfo[] }>(ts, 'GET', '/antivirus/policy', { query: { offset: 0, limit: 200, ...query } }), 'list policies');
}

export async function policyById(ts: TestServer, policyId: string): Promise<PolicyInfo | undefined> {
  return (await listPolicies(ts)).data_list.find((p) => p.policy_id === policyId);
}

/** The tasks a policy ran, through ListAntiVirusTask (free or paid list). */
export async function tasksOfPolicy(ts: TestServer, policyId: string, paid = false): Promise<AvTask[]> {
  const list = ok(await hss<{ data_list: AvTask[] }>(ts, 'GET', '/antivirus/task', { query: { offset: 0, limit: 200, whether_paid_task: String(paid) } }), 'list tasks');
  return list.data_list.filter((t) => t.policy_id === policyId);
}

export async function policyRowCounts(ts: TestServer): Promise<Record<string, number>> {
  const db = ts.server.ctx.store.db.withTables<Record<'av_policies' | 'av_policy_hosts', { policy_id: string }>>();
  const out: Record<string, number> = {};
  for (const table of ['av_policies', 'av_policy_hosts'] as const) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

/** Every key of an AntiVirusPolicyResponseInfo with the JSON type the Go SDK model decodes it as. */
export function assertPolicyInfoTypes(p: Record<string, unknown>): void {
  const where = JSON.stringify(p);
  for (const key of ['policy_id', 'policy_name', 'start_type', 'scan_dir', 'ignore_dir', 'action', 'scan_type']) assert.equal(typeof p[key], 'string', `${key}: ${where}`);
  for (const key of ['invalidate', 'whether_paid_task']) assert.equal(typeof p[key], 'boolean', `${key}: ${where}`);
  for (const key of ['host_num', 'scan_period_date', 'scan_hour', 'scan_minute']) {
    if (key in p) assert.ok(Number.isInteger(p[key]) && (p[key] as number) <= 2_147_483_647, `${key} is an int32: ${where}`);
  }
  for (const key of ['scan_time', 'next_start_time']) if (key in p) assert.ok(Number.isInteger(p[key]), `${key} is an int64: ${where}`);
  if ('scan_period' in p) assert.ok(['day', 'week', 'month'].includes(p.scan_period as string), where);
  assert.ok(Array.isArray(p.file_type_list) && p.file_type_list.every((t) => Number.isInteger(t)), `file_type_list: ${where}`);
  assert.ok(Array.isArray(p.host_info_list), where);
  for (const h of p.host_info_list as Array<Record<string, unknown>>) {
    for (const key of ['host_id', 'host_name', 'private_ip', 'public_ip', 'asset_value']) assert.equal(typeof h[key], 'string', `host ${key}: ${where}`);
  }
}
