import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { FastifyInstance } from 'fastify';

/** Where the scrape-time gauges come from: the shared database, so they read the same on every replica. */
export interface StoreGaugeSources {
  agentsOnline(): Promise<number>;
  jobsByState(): Promise<Record<string, number>>;
}

const PER_REPLICA = 'Counted by this server process only; sum over replicas.';
const GLOBAL = 'Read from the shared database at scrape time: the same on every replica (do not sum).';

/** One Prometheus registry per server (never the process-global one, so several servers can share a process). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'guardpost_http_requests_total', help: `HTTP requests by route pattern, method and status. ${PER_REPLICA}`,
    labelNames: ['route', 'method', 'status'] as const, registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'guardpost_http_request_duration_seconds',
    help: `HTTP request latency by route pattern and method (agent check-ins long-poll up to 60 s). ${PER_REPLICA}`,
    labelNames: ['route', 'method'] as const, buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly leaseExpiries = new Counter({
    name: 'guardpost_job_lease_expiries_total',
    help: `Job leases that ran out (agent lost) and were reaped by this replica; each expiry is counted by one replica only. ${PER_REPLICA}`,
    registers: [this.registry],
  });

  readonly loginFailures = new Counter({
    name: 'guardpost_login_failures_total', help: `POST /v3/auth/tokens answered 401 (wrong user, password or scope). ${PER_REPLICA}`,
    registers: [this.registry],
  });

  private readonly storeUp = new Gauge({
    name: 'guardpost_store_up', help: '1 when the database gauges below were read at this scrape, 0 when the database did not answer.',
    registers: [this.registry],
  });

  private readonly agentsOnline = new Gauge({
    name: 'guardpost_agents_online', help: `Enrolled agents seen within GUARDPOST_AGENT_OFFLINE_SECONDS. ${GLOBAL}`, registers: [this.registry],
  });

  private readonly jobs = new Gauge({
    name: 'guardpost_jobs', help: `Jobs by state. ${GLOBAL}`, labelNames: ['state'] as const, registers: [this.registry],
  });

  constructor(private readonly sources: StoreGaugeSources) {}

  /** The exposition text; database gauges are refreshed first, and a database outage is reported, not thrown. */
  async render(): Promise<string> {
    try {
      const [online, jobs] = await Promise.all([this.sources.agentsOnline(), this.sources.jobsByState()]);
      this.agentsOnline.set(online);
      for (const [state, count] of Object.entries(jobs)) this.jobs.set({ state }, count);
      this.storeUp.set(1);
    } catch {
      this.agentsOnline.reset();
      this.jobs.reset();
      this.storeUp.set(0);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const LOGIN_ROUTE = '/v3/auth/tokens';

/** Counts every response by its route pattern (never the raw URL: bounded label values). */
export function recordHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = String(reply.statusCode);
    metrics.httpRequests.inc({ route, method: request.method, status });
    metrics.httpDuration.observe({ route, method: request.method }, reply.elapsedTime / 1000);
    if (route === LOGIN_ROUTE && request.method === 'POST' && reply.statusCode === 401) metrics.loginFailures.inc();
  });
}
