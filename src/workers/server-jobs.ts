import crypto from 'node:crypto';
import type { TSchema } from 'typebox';
import { JobSchemaError, type AnyJobKind, type JobKind, type PayloadOf, type ResultOf } from '../core/job-kind.js';
import { createRegistry, type Registry } from '../core/registry.js';
import type { Job } from '../store/schema.js';
import { JobNotLeasedError, type TaskStore } from '../store/task-store.js';

/**
 * Server-side jobs (matchers, exporters, registry pulls): queued like agent jobs but with no agent, claimed by
 * any replica with SKIP LOCKED, run under a lease that the runner renews, finished with a checked result.
 */

export type ServerJobOutcome<R> =
  | { outcome: 'succeeded'; result: R }
  | { outcome: 'failed'; reason: string };

export interface ServerJobContext<P> {
  job: Job;
  payload: P;
  /** Aborted when the task is cancelled or the server shuts down. */
  signal: AbortSignal;
  /** Records progress (0-100); the lease is renewed on its own. */
  reportProgress(progress: number, detail?: unknown): void;
}

export interface ServerJobRunner<K extends AnyJobKind = AnyJobKind> {
  readonly kind: K;
  run(ctx: ServerJobContext<PayloadOf<K>>): Promise<ServerJobOutcome<ResultOf<K>>>;
}

export function defineServerJob<P extends TSchema, R extends TSchema, C extends TSchema>(
  kind: JobKind<P, R, C>,
  run: ServerJobRunner<JobKind<P, R, C>>['run'],
): ServerJobRunner {
  if (kind.runsOn !== 'server') throw new Error(`job kind ${kind.name} runs on agents, not on the server`);
  return { kind, run } as ServerJobRunner;
}

export interface ServerJobWorkerOptions {
  /** Prefix of the lease owners written to claimed jobs (each claim adds its own suffix): unique per replica. */
  owner: string;
  leaseMs: number;
  /** Jobs run at once on this replica. */
  concurrency: number;
  log: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
}

interface Running { controller: AbortController; done: Promise<void> }

export class ServerJobWorker {
  private readonly runners: Registry<ServerJobRunner>;
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly tasks: TaskStore, runners: readonly ServerJobRunner[], private readonly options: ServerJobWorkerOptions) {
    this.runners = createRegistry('server job runner', runners, (r) => r.kind.name);
  }

  get kinds(): string[] {
    return this.runners.all.map((r) => r.kind.name);
  }

  get busy(): number {
    return this.running.size;
  }

  /** Claims as many queued jobs as there are free slots and starts them; returns how many it started. */
  async tick(now = Date.now()): Promise<number> {
    let started = 0;
    while (!this.stopping && this.running.size < this.options.concurrency && this.kinds.length > 0) {
      // Every claim gets its own lease owner: a run whose lease was reaped and re-claimed (even by this replica)
      // can no longer renew or finish the job, so two attempts never both write their outcome.
      const owner = `${this.options.owner}:${crypto.randomBytes(6).toString('hex')}`;
      const job = await this.tasks.claimNextServerJob(this.kinds, owner, this.options.leaseMs, now);
      if (!job) break;
      this.running.get(job.id)?.controller.abort();
      this.start(job, owner);
      started += 1;
    }
    return started;
  }

  /** Asks running jobs to stop and waits for them (bounded). */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const entry of this.running.values()) entry.controller.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running.values()].map((r) => r.done)),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); }),
    ]);
    clearTimeout(timer);
  }

  /** Cancels the runs of jobs whose task the user cancelled (called with the ids the store reports). */
  abort(jobIds: Iterable<string>): void {
    for (const id of jobIds) this.running.get(id)?.controller.abort();
  }

  private start(job: Job, owner: string): void {
    const controller = new AbortController();
    const entry: Running = { controller, done: Promise.resolve() };
    this.running.set(job.id, entry);
    entry.done = this.execute(job, owner, controller).finally(() => {
      if (this.running.get(job.id) === entry) this.running.delete(job.id);
    });
  }

  private async execute(job: Job, owner: string, controller: AbortController): Promise<void> {
    const runner = this.runners.get(job.kind);
    const { leaseMs } = this.options;
    let progress = 0;
    let detail: unknown;
    const renew = async () => {
      try {
        const state = await this.tasks.progress(job.id, owner, progress, detail, leaseMs);
        if (state.cancelRequested) controller.abort();
      } catch (error) {
        if (error instanceof JobNotLeasedError) controller.abort();
        else this.options.log('warn', 'server job lease renewal failed', { job_id: job.id, err: String(error) });
      }
    };
    const timer = setInterval(() => void renew(), Math.max(200, Math.floor(leaseMs / 3)));
    timer.unref();
    let outcome: ServerJobOutcome<unknown>;
    try {
      if (!runner) throw new Error(`no server runner for job kind ${job.kind}`);
      const payload = runner.kind.checkPayload(parseJson(job.payload));
      outcome = await runner.run({
        job, payload, signal: controller.signal,
        reportProgress: (value, extra) => { progress = Math.max(0, Math.min(99, Math.floor(value))); detail = extra; },
      });
      if (outcome.outcome === 'succeeded') outcome = { outcome: 'succeeded', result: runner.kind.checkResult(outcome.result) };
    } catch (error) {
      const reason = error instanceof JobSchemaError ? error.message
        : controller.signal.aborted ? 'stopped: the task was cancelled or the server shut down'
          : `the ${job.kind} job failed: ${(error as Error).message}`;
      outcome = { outcome: 'failed', reason: reason.slice(0, 2000) };
    } finally {
      clearInterval(timer);
    }
    try {
      // Shutting down is not the job's failure: it goes back to the queue for another replica.
      if (this.stopping && outcome.outcome === 'failed' && await this.tasks.release(job.id, owner)) return;
      const cancelled = outcome.outcome === 'failed' && controller.signal.aborted && !this.stopping;
      if (outcome.outcome === 'succeeded') await this.tasks.finish(job.id, owner, 'succeeded', outcome.result, null);
      else await this.tasks.finish(job.id, owner, cancelled ? 'cancelled' : 'failed', undefined, outcome.reason);
    } catch (error) {
      // The lease was lost (reaped, or the task deleted): another replica owns the outcome now.
      if (!(error instanceof JobNotLeasedError)) this.options.log('error', 'server job could not be finished', { job_id: job.id, err: String(error) });
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
