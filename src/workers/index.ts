import crypto from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Periodic } from '../core/family.js';
import type { AppContext } from '../server/context.js';
import { ServerJobWorker, type ServerJobRunner } from './server-jobs.js';

/** The core's periodic work. Each one is idempotent, so any number of replicas may run it. */
function corePeriodics(ctx: AppContext): Periodic[] {
  return [
    { name: 'heartbeat-flush', everyMs: 1000, run: () => ctx.agents.flushHeartbeats() },
    { name: 'lease-reaper', everyMs: 5000, run: async () => ctx.metrics.leaseExpiries.inc(await ctx.tasks.reapExpiredLeases()) },
    { name: 'token-purge', everyMs: 3600_000, run: () => ctx.identity.purgeExpiredTokens() },
    { name: 'login-failure-purge', everyMs: 60_000, run: () => ctx.loginLimiter.purge() },
  ];
}

/** Server-side jobs run on every replica; each claim is atomic, so a job runs once. */
const SERVER_JOB_POLL_MS = 500;
const SERVER_JOB_CONCURRENCY = 2;

export function startWorkers(ctx: AppContext, log: FastifyBaseLogger,
  families: { periodics: readonly Periodic[]; serverJobs: readonly ServerJobRunner[] }): { stop(): Promise<void> } {
  const jobs = new ServerJobWorker(ctx.tasks, families.serverJobs, {
    owner: `server:${crypto.randomUUID()}`, leaseMs: ctx.config.jobLeaseSeconds * 1000, concurrency: SERVER_JOB_CONCURRENCY,
    log: (level, message, extra) => log[level](extra ?? {}, message),
  });
  const periodics: Periodic[] = [...corePeriodics(ctx), ...families.periodics];
  if (jobs.kinds.length > 0) periodics.push({ name: 'server-jobs', everyMs: SERVER_JOB_POLL_MS, run: () => jobs.tick() });
  const running = new Set<Promise<unknown>>();
  const timers = periodics.map((p) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const run = p.run().catch((error: unknown) => log.error({ err: error, worker: p.name }, 'worker run failed'))
        .finally(() => { busy = false; running.delete(run); });
      running.add(run);
    }, p.everyMs);
    timer.unref();
    return timer;
  });
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running]);
      await jobs.stop();
    },
  };
}
