import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../server/context.js';

interface Periodic { name: string; everyMs: number; run: (ctx: AppContext) => Promise<unknown> }

/** Server-side periodic work. Each one is idempotent, so any number of replicas may run it. */
const periodics: Periodic[] = [
  { name: 'heartbeat-flush', everyMs: 1000, run: (ctx) => ctx.agents.flushHeartbeats() },
  { name: 'lease-reaper', everyMs: 5000, run: async (ctx) => ctx.metrics.leaseExpiries.inc(await ctx.tasks.reapExpiredLeases()) },
  { name: 'capture-retention', everyMs: 10_000, run: (ctx) => ctx.captures.sweep() },
  { name: 'token-purge', everyMs: 3600_000, run: (ctx) => ctx.identity.purgeExpiredTokens() },
  { name: 'login-failure-purge', everyMs: 60_000, run: (ctx) => ctx.loginLimiter.purge() },
];

export function startWorkers(ctx: AppContext, log: FastifyBaseLogger): { stop(): Promise<void> } {
  const running = new Set<Promise<unknown>>();
  const timers = periodics.map((p) => {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      const run = p.run(ctx).catch((error: unknown) => log.error({ err: error, worker: p.name }, 'worker run failed'))
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
    },
  };
}
