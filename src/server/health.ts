import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { safeEqual } from '../identity/secrets.js';
import type { AppContext } from './context.js';
import { authFailed, errorBody } from './errors.js';

/** Liveness, readiness and Prometheus metrics. Unauthenticated except /metrics with a token (GUARDPOST_METRICS). */

/** A failure whose message is safe to show unauthenticated callers. */
class ReadinessFailure extends Error {}

interface ReadinessCheck {
  name: string;
  /** What a failure means, for unauthenticated callers (details such as hosts and paths go to the log only). */
  failure: string;
  run(ctx: AppContext): Promise<void>;
}

const CHECKS: ReadinessCheck[] = [
  { name: 'database', failure: 'the database did not answer', run: (ctx) => ctx.ops.ping() },
  {
    name: 'migrations', failure: 'the database schema is not migrated to this version',
    run: async (ctx) => {
      const pending = await ctx.ops.pendingMigrations();
      if (pending.length > 0) throw new ReadinessFailure(`migrations not applied: ${pending.join(', ')}`);
    },
  },
  { name: 'blob_store', failure: 'the blob store cannot be written, read back and cleaned', run: (ctx) => ctx.blobs.probe() },
];

const CHECK_TIMEOUT_MS = 3000;

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const CheckResult = Type.Object({ status: Type.Union([Type.Literal('ok'), Type.Literal('fail')]), error: Type.Optional(Type.String()) });
const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  failed: Type.Optional(Type.Array(Type.String())),
  checks: Type.Record(Type.String(), CheckResult),
});

function publicReason(check: ReadinessCheck, error: unknown): string {
  if (error instanceof ReadinessFailure) return `${check.failure}: ${error.message}`;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `${check.failure} (${code})` : check.failure;
}

function bearerOf(request: FastifyRequest): string {
  const match = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '');
  return match?.[1] ?? '';
}

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const ctx = app.ctx;
  const open = { auth: 'none' as const, dialect: 'gateway' as const };
  // Concurrent /readyz requests share one run of each check, and a check that hangs (a database that never
  // answers) is not started again until it settles: probes cannot pile up, however often they are asked.
  const running = new Map<string, Promise<void>>();
  const probe = (check: ReadinessCheck): Promise<void> => {
    let run = running.get(check.name);
    if (!run) {
      run = check.run(ctx).finally(() => running.delete(check.name));
      running.set(check.name, run);
    }
    return withTimeout(run, CHECK_TIMEOUT_MS);
  };

  app.get('/healthz', {
    config: open,
    schema: {
      operationId: 'GetLiveness', tags: ['operations'], summary: 'Liveness: 200 while the process serves requests',
      response: { 200: Type.Object({ status: Type.Literal('ok') }) },
    },
  }, async () => ({ status: 'ok' as const }));

  app.get('/readyz', {
    config: open,
    schema: {
      operationId: 'GetReadiness', tags: ['operations'],
      summary: 'Readiness: the database answers, its schema is migrated, the blob store can write; 503 names the failing check',
      response: { 200: ReadyResponse, 503: ReadyResponse },
    },
  }, async (request, reply) => {
    const outcomes = await Promise.all(CHECKS.map(async (check) => {
      try {
        await probe(check);
        return [check.name, { status: 'ok' as const }] as const;
      } catch (error) {
        request.log.warn({ err: error, check: check.name }, 'readiness check failed');
        return [check.name, { status: 'fail' as const, error: publicReason(check, error) }] as const;
      }
    }));
    const failed = outcomes.filter(([, result]) => result.status === 'fail').map(([name]) => name);
    const checks = Object.fromEntries(outcomes);
    if (failed.length > 0) return reply.status(503).send({ status: 'unavailable' as const, failed, checks });
    return { status: 'ok' as const, checks };
  });

  const access = ctx.config.metrics;
  if (access.mode === 'off') return;
  app.get('/metrics', {
    config: open,
    schema: {
      operationId: 'GetMetrics', tags: ['operations'],
      summary: 'Prometheus metrics (text exposition format); enabled and protected by GUARDPOST_METRICS',
      ...(access.mode === 'token' ? { security: [{ metricsToken: [] }] } : { security: [] }),
    },
  }, async (request, reply) => {
    if (access.mode === 'token' && !safeEqual(bearerOf(request), access.token)) {
      return reply.status(401).header('WWW-Authenticate', 'Bearer realm="guardpost-metrics"')
        .send(errorBody(authFailed('/metrics needs Authorization: Bearer <GUARDPOST_METRICS token>'), 'gateway', request.id));
    }
    const text = await ctx.metrics.render();
    return reply.header('Content-Type', ctx.metrics.contentType).header('Cache-Control', 'no-store').send(text);
  });
};
