/** Shared fixtures for the antivirus API tests: agents advertising (or lacking) the engine, table snapshots. */
import type { TestServer } from '../helpers/server.js';
import { checkin, enrollAgent, hostFacts, type EnrolledAgent } from './support.js';

export function avCapabilities(available = true, reason = '') {
  return { job_kinds: ['av-scan'], kinds: { 'av-scan': { engine: 'clamd', available, reason } } };
}

/** An agent that advertises `av-scan` (or a broken engine) and has checked in (online), heartbeats flushed. */
export async function avAgent(ts: TestServer, hostName: string, options: { projectId?: string; available?: boolean; reason?: string } = {}): Promise<EnrolledAgent> {
  const agent = await enrollAgent(ts, hostFacts({
    host_name: hostName, private_ips: ['10.2.0.9'], public_ips: ['203.0.113.9'],
    capabilities: avCapabilities(options.available ?? true, options.reason ?? ''),
  }), options);
  await checkin(ts, agent);
  await ts.server.ctx.agents.flushHeartbeats();
  return agent;
}

const AV_TABLES = ['av_tasks', 'av_task_hosts', 'av_results', 'av_handle_history'] as const;

export async function avRowCounts(ts: TestServer): Promise<Record<string, number>> {
  const db = ts.server.ctx.store.db.withTables<Record<(typeof AV_TABLES)[number], { project_id: string }>>();
  const out: Record<string, number> = {};
  for (const table of AV_TABLES) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}
