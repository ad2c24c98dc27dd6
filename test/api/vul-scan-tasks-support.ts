/** Shared fixtures for the HSS scan-task tests: scan-capable agents, signed HSS calls, vul table snapshots. */
import assert from 'node:assert/strict';
import { http, type HttpResult } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';
import { checkin, enrollAgent, hostFacts, sdkSign, sendSigned, type EnrolledAgent } from './support.js';

export const scanCapabilities = { job_kinds: ['vul-inventory'], kinds: { 'vul-inventory': { host_root: '/', app_roots: [] } } };

/** An agent that advertises vulnerability scanning and has checked in (online), heartbeats flushed. */
export async function scanAgent(ts: TestServer, hostName: string, options: { projectId?: string; enterpriseProjectId?: string; capable?: boolean } = {}): Promise<EnrolledAgent> {
  const agent = await enrollAgent(ts, hostFacts({
    host_name: hostName, private_ips: ['10.1.0.7'], public_ips: ['203.0.113.7'],
    ...(options.capable === false ? {} : { capabilities: scanCapabilities }),
  }), options);
  await checkin(ts, agent);
  await ts.server.ctx.agents.flushHeartbeats();
  return agent;
}

/** Makes an agent look offline: last seen ten minutes ago (past GUARDPOST_AGENT_OFFLINE_SECONDS). */
export async function makeOffline(ts: TestServer, agent: EnrolledAgent): Promise<void> {
  await ts.server.ctx.agents.flushHeartbeats();
  await ts.server.ctx.store.db.updateTable('agents').set({ last_seen_at: Date.now() - 600_000 }).where('id', '=', agent.agentId).execute();
}

/** An HSS call with the bootstrap admin's AK/SK, signed by the server-independent signer of the official SDK core. */
export function hss<T = Record<string, unknown>>(ts: TestServer, method: string, pathname: string,
  options: { query?: Record<string, string | number | string[]>; body?: unknown; projectId?: string } = {}): Promise<HttpResult<T>> {
  const projectId = options.projectId ?? ts.credentials.project_id;
  const call = sdkSign({
    endpoint: ts.endpoint, method, path: `/v5/${projectId}${pathname}`, query: options.query ?? {}, data: options.body,
    ak: ts.credentials.ak, sk: ts.credentials.sk, projectId,
  });
  return sendSigned(call) as Promise<HttpResult<T>>;
}

/** The same call with an X-Auth-Token (the console / curl path). */
export function hssToken<T = Record<string, unknown>>(ts: TestServer, token: string, method: string, pathname: string,
  options: { query?: string; body?: unknown; projectId?: string } = {}): Promise<HttpResult<T>> {
  const projectId = options.projectId ?? ts.credentials.project_id;
  return http<T>(ts.endpoint, {
    method, path: `/v5/${projectId}${pathname}${options.query ? `?${options.query}` : ''}`,
    headers: { 'x-auth-token': token, 'content-type': 'application/json' }, ...(options.body === undefined ? {} : { body: options.body }),
  });
}

export function ok<T>(result: HttpResult<T>, label: string): T {
  assert.equal(result.status, 200, `${label}: ${result.text}`);
  return result.body;
}

const VUL_TABLES = ['vul_scan_tasks', 'vul_scan_hosts', 'vul_scan_policies', 'vul_task_views'] as const;

/** Row counts of the family's task tables (with support.ts rowCounts: "nothing stored changed"). */
export async function vulRowCounts(ts: TestServer): Promise<Record<string, number>> {
  const db = ts.server.ctx.store.db.withTables<Record<(typeof VUL_TABLES)[number], { task_id: string }>>();
  const out: Record<string, number> = {};
  for (const table of VUL_TABLES) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

/** Every key of a VulScanTaskInfo with the JSON type the Go SDK model decodes it as. */
export function assertTaskInfoTypes(info: Record<string, unknown>): void {
  for (const key of ['id', 'scan_type', 'status']) assert.equal(typeof info[key], 'string', `${key}: ${JSON.stringify(info)}`);
  for (const key of ['start_time', 'scanning_host_num', 'success_host_num', 'failed_host_num', 'estimated_time']) {
    assert.ok(Number.isInteger(info[key]), `${key} must be an integer: ${JSON.stringify(info)}`);
  }
  for (const key of ['scanning_host_num', 'success_host_num', 'failed_host_num', 'estimated_time']) {
    assert.ok((info[key] as number) <= 2_147_483_647, `${key} fits int32`);
  }
  if ('end_time' in info) assert.ok(Number.isInteger(info.end_time), 'end_time is an int64');
  assert.ok(Array.isArray(info.scan_vul_types) && info.scan_vul_types.every((t) => typeof t === 'string'), 'scan_vul_types: []string');
}

export function assertHostInfoTypes(info: Record<string, unknown>): void {
  for (const key of ['host_id', 'host_name', 'public_ip', 'private_ip', 'asset_value', 'scan_status']) {
    assert.equal(typeof info[key], 'string', `${key}: ${JSON.stringify(info)}`);
  }
  assert.ok(Array.isArray(info.failed_reasons), 'failed_reasons is a list');
  for (const r of info.failed_reasons as Array<Record<string, unknown>>) {
    assert.equal(typeof r.vul_type, 'string');
    assert.equal(typeof r.failed_reason, 'string');
  }
  assert.ok(Array.isArray(info.vul_scan_details), 'vul_scan_details is a list');
  for (const d of info.vul_scan_details as Array<Record<string, unknown>>) {
    for (const key of ['vul_type', 'status', 'failed_reason']) assert.equal(typeof d[key], 'string');
    assert.ok(Array.isArray(d.scan_vul_list));
  }
}
