/**
 * Shared fixtures for the antivirus operation tests: a real server whose antivirus sweeps do not run on their own
 * (the test runs them, so "the sweep stored it but died before queueing isolation" can be staged), agents that
 * finish real av-scan jobs with given detections, and a signed HSS caller.
 */
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config.js';
import { antivirusFamily } from '../../../src/families/antivirus/index.js';
import { AvAutoIsolation } from '../../../src/families/antivirus/auto-isolation.js';
import { AvIsolateStore } from '../../../src/families/antivirus/isolate-store.js';
import { AvIsolateSweep } from '../../../src/families/antivirus/isolate-sweep.js';
import { AvProgressSweep } from '../../../src/families/antivirus/progress-sweep.js';
import { shippedFamilies } from '../../../src/families/server.js';
import type { ServerFamily } from '../../../src/families/types.js';
import { startServer } from '../../../src/server/server.js';
import { checkin, enrollAgent, hostFacts, type EnrolledAgent } from '../../api/support.js';
import { hss, ok } from '../../api/vul-scan-tasks-support.js';
import { freshDatabase } from '../../helpers/db.js';
import { http } from '../../helpers/http.js';
import type { TestServer } from '../../helpers/server.js';

/** The antivirus family with its periodic sweeps left out (routes, job kinds, migrations, report types as shipped). */
const quietAntivirus: ServerFamily = {
  ...antivirusFamily,
  start: (core) => ({ ...antivirusFamily.start(core), periodics: [] }),
};

export async function startAvServer(env: Record<string, string> = {}): Promise<TestServer> {
  const db = await freshDatabase();
  const server = await startServer(loadConfig({
    GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: '127.0.0.1:0', ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}), ...env,
  }), { families: shippedFamilies.map((f) => (f.name === antivirusFamily.name ? quietAntivirus : f)) });
  if (!server.credentials) throw new Error('a fresh server must bootstrap credentials');
  return { server, endpoint: server.endpoint, credentials: server.credentials, db, async close() { await server.close(); await db.drop(); } };
}

/** The sweeps as the shipped family runs them (progress with automatic isolation, isolation), and the progress sweep alone. */
export function sweeps(ts: TestServer) {
  const db = ts.server.ctx.store.db;
  const autoIsolation = new AvAutoIsolation(db, new AvIsolateStore(db, ts.server.ctx.tasks), ts.server.ctx.notifier);
  return {
    progress: new AvProgressSweep(db, autoIsolation),
    /** A replica that stores results and stops before queueing any isolation (what a crash after the commit leaves). */
    storeOnly: new AvProgressSweep(db),
    isolate: new AvIsolateSweep(db),
  };
}

/** An online agent that can scan and isolate (root, vault), heartbeats flushed. */
export async function isolatingAgent(ts: TestServer, hostName: string, options: { projectId?: string; enterpriseProjectId?: string } = {}): Promise<EnrolledAgent> {
  const agent = await enrollAgent(ts, hostFacts({
    host_name: hostName, private_ips: ['10.2.0.20'], public_ips: [],
    capabilities: { job_kinds: ['av-scan', 'av-isolate'], kinds: { 'av-scan': { engine: 'clamd', available: true, reason: '' }, 'av-isolate': { vault: 'aes-256-gcm' } } },
  }), options);
  await checkin(ts, agent);
  await ts.server.ctx.agents.flushHeartbeats();
  return agent;
}

export interface Finding { path: string; signature: string; sha256: string }

export const agentCall = (ts: TestServer, agent: EnrolledAgent, path: string, body?: unknown) => http(ts.endpoint, {
  method: 'POST', path, headers: { authorization: agent.authorization }, ...(body === undefined ? {} : { body }),
});

/** Creates a scan task of `agent`'s host (free or paid), lets the agent claim and finish its job with `found`; returns the task id. */
export async function scanWith(ts: TestServer, agent: EnrolledAgent, found: readonly Finding[], options: { action?: string; name?: string; paid?: boolean; query?: Record<string, string> } = {}): Promise<string> {
  const body = { task_name: options.name ?? 'ops-test', scan_type: 'quick', action: options.action ?? 'manual', host_ids: [agent.hostId] };
  const created = ok(await hss<{ task_id: string }>(ts, 'POST', options.paid ? '/antivirus/pay-per-scan/tasks' : '/antivirus/task',
    { body, ...(options.query ? { query: options.query } : {}) }), 'create');
  await finishScan(ts, agent, found);
  return created.task_id;
}

/** The agent claims its offered av-scan job and finishes it with `found`. */
export async function finishScan(ts: TestServer, agent: EnrolledAgent, found: readonly Finding[]): Promise<void> {
  const offered = (await checkin(ts, agent)).body as { jobs: Array<{ id: string; kind: string }> };
  const job = offered.jobs.find((j) => j.kind === 'av-scan');
  assert.ok(job, JSON.stringify(offered));
  assert.equal((await agentCall(ts, agent, `/agent/v1/jobs/${job.id}/claim`)).status, 200);
  const at = Date.now();
  const result = {
    total_files: 10, scanned_files: 10, scanned_bytes: 1000, detections_count: found.length, skipped_too_large: 0, unreadable_files: 0,
    filtered_out: 0, scan_errors: 0, duration_ms: 100, detections_truncated: false,
    detections: found.map((d) => ({ ...d, size: 68, mode: '-rw-r--r--', owner: 'root', mtime_ms: at - 5000, ctime_ms: at - 5000, found_at: at })),
  };
  assert.equal((await agentCall(ts, agent, `/agent/v1/jobs/${job.id}/finish`, { outcome: 'succeeded', result })).status, 200);
}

export type WireResult = {
  result_id: string; handle_status: string; handle_method?: string; memo?: string; operate_accept_list: string[]; isolate_tag: string;
  event_type: number; occur_time: number; malware_name: string; task_name: string;
  file_info: { file_path: string; file_hash: string; file_attr: string }; resource_info: { agent_id: string; host_name: string };
};

export const listResults = async (ts: TestServer, q: Record<string, string | number | boolean | string[]> = {}) =>
  ok(await hss<{ total_num: number; data_list: WireResult[] }>(ts, 'GET', '/antivirus/result',
    { query: Object.fromEntries(Object.entries({ offset: 0, limit: 200, ...q }).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v])) }), 'results');

export const operateItem = (r: WireResult) => ({
  result_id: r.result_id, agent_id: r.resource_info.agent_id, event_type: r.event_type, occur_time: r.occur_time,
  file_hash: r.file_info.file_hash, file_path: r.file_info.file_path, file_attr: r.file_info.file_attr,
});

/** The av_* tables' row counts (the antivirus API tests' snapshots plus the tables of migration 0003). */
export async function avTableCounts(ts: TestServer): Promise<Record<string, number>> {
  const tables = ['av_tasks', 'av_task_hosts', 'av_results', 'av_handle_history', 'av_alarm_whitelist', 'av_settings', 'av_white_rules'] as const;
  const db = ts.server.ctx.store.db.withTables<Record<(typeof tables)[number], { project_id: string }>>();
  const out: Record<string, number> = {};
  for (const table of tables) out[table] = Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  return out;
}
