import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostFacts } from '../core/host-facts.js';
import { AGENT_RESTARTED_REASON } from '../core/jobs.js';
import { reconnectDelayMs } from './backoff.js';
import { AgentClient, AgentHttpError, type AgentIdentity, type OfferedJob } from './client.js';
import { collectFacts } from './facts.js';
import { agentHandlers } from '../families/agent.js';
import { JobSchemaError } from '../core/job-kind.js';
import type { AbortCause, AgentJobHandler, AgentOptionValues, JobContext, JobOutcome } from './handlers/handler.js';
import { LeftoverTracker } from './leftovers.js';
import { StateLock } from './state-lock.js';

export interface AgentOptions {
  server: string;
  /** Where the agent keeps its identity (`agent.json`, 0600) and job scratch space. */
  stateDir: string;
  enrollmentToken?: string | undefined;
  hostName?: string | undefined;
  /** Values of the families' agent options (e.g. `interfaces` for capture). */
  familyOptions: AgentOptionValues;
  /** Seconds a check-in may wait on the server for work (long-poll). */
  waitSeconds?: number;
  maxConcurrentJobs?: number;
  log?: (message: string) => void;
}

export class AgentRevokedError extends Error {}

interface RunningJob { controller: AbortController; cause: AbortCause | null; done: Promise<void> }

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

/** Enrolls once, then long-polls for jobs, runs them with their handlers and reports back. */
export class AgentRuntime {
  private readonly client: AgentClient;
  private readonly running = new Map<string, RunningJob>();
  private readonly stopController = new AbortController();
  private identity: AgentIdentity | null = null;
  private sentFactsDigest = '';
  private leaseSeconds = 60;
  private readonly log: (message: string) => void;
  private readonly leftovers: LeftoverTracker;
  private lock: StateLock | null = null;

  constructor(private readonly options: AgentOptions) {
    this.client = new AgentClient(options.server);
    this.log = options.log ?? ((m) => console.log(`guardpost-agent: ${m}`));
    this.leftovers = new LeftoverTracker(path.join(options.stateDir, 'inflight.json'));
  }

  get agentId(): string | undefined {
    return this.identity?.agent_id;
  }

  private get statePath(): string {
    return path.join(this.options.stateDir, 'agent.json');
  }

  /** The handlers this host can run, each with the capability it advertises. */
  private available(): Map<string, { handler: AgentJobHandler; capability: unknown }> {
    const found = new Map<string, { handler: AgentJobHandler; capability: unknown }>();
    for (const handler of agentHandlers.all) {
      const capability = handler.capability(this.options.familyOptions);
      if (capability !== null) found.set(handler.kind.name, { handler, capability });
    }
    return found;
  }

  facts(): HostFacts {
    const available = this.available();
    return collectFacts({
      hostName: this.options.hostName,
      kinds: Object.fromEntries([...available].map(([name, { capability }]) => [name, capability])),
    });
  }

  /** Loads the saved identity or enrolls with the enrollment token. */
  async ensureEnrolled(): Promise<AgentIdentity> {
    if (fs.existsSync(this.statePath)) {
      this.identity = JSON.parse(fs.readFileSync(this.statePath, 'utf8')) as AgentIdentity;
    } else {
      if (!this.options.enrollmentToken) throw new Error(`no agent identity in ${this.statePath} and no enrollment token given`);
      this.identity = await this.client.enroll(this.options.enrollmentToken, this.facts());
      fs.mkdirSync(this.options.stateDir, { recursive: true, mode: 0o700 });
      const temp = `${this.statePath}.${process.pid}.tmp`;
      fs.writeFileSync(temp, `${JSON.stringify(this.identity, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(temp, this.statePath);
      this.log(`enrolled as agent ${this.identity.agent_id} (host ${this.identity.host_id})`);
    }
    this.client.setIdentity(this.identity);
    return this.identity;
  }

  /** Runs until `stop()`; throws AgentRevokedError when the server no longer accepts this agent. */
  async run(): Promise<void> {
    // One process per identity: throws StateDirLockedError while another live agent holds this state dir.
    this.lock ??= StateLock.acquire(this.options.stateDir, this.options.server);
    try {
      await this.ensureEnrolled();
    } catch (error) {
      this.releaseLock();
      throw error;
    }
    const ended = this.leftovers.cleanPrevious(this.log);
    await Promise.all(ended.map((jobId) => this.finishWithRetry(jobId, { outcome: 'failed', reason: AGENT_RESTARTED_REASON })));
    try {
      await this.pollLoop();
    } catch (error) {
      this.releaseLock();
      throw error;
    }
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = null;
  }

  private async pollLoop(): Promise<void> {
    const stop = this.stopController.signal;
    let failures = 0;
    while (!stop.aborted) {
      const facts = this.facts();
      const digest = crypto.createHash('sha256').update(JSON.stringify(facts)).digest('hex');
      try {
        const free = (this.options.maxConcurrentJobs ?? 4) - this.running.size;
        const response = await this.client.checkin(digest === this.sentFactsDigest ? undefined : facts,
          free > 0 ? (this.options.waitSeconds ?? 20) : 0, stop);
        this.sentFactsDigest = digest;
        this.leaseSeconds = response.lease_seconds;
        failures = 0;
        for (const id of response.cancel_job_ids) this.abortJob(id, 'user_stop');
        for (const job of response.jobs.slice(0, Math.max(0, free))) await this.startJob(job);
        if (free <= 0) await sleep(1000, stop);
      } catch (error) {
        if (stop.aborted) break;
        if (error instanceof AgentHttpError && error.status === 401) {
          throw new AgentRevokedError(`the server refused this agent's credentials: ${error.message}`);
        }
        const delayMs = reconnectDelayMs(failures++);
        this.log(`check-in failed (${(error as Error).message}); retrying in ${(delayMs / 1000).toFixed(1)} s`);
        await sleep(delayMs, stop);
      }
    }
  }

  /** Stops polling, asks running jobs to wind down (cause `agent_shutdown`) and waits for them to report. */
  async stop(graceMs = 20_000): Promise<void> {
    this.stopController.abort();
    for (const id of this.running.keys()) this.abortJob(id, 'agent_shutdown');
    const all = Promise.allSettled([...this.running.values()].map((j) => j.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((resolve) => { timer = setTimeout(resolve, graceMs); })]);
    clearTimeout(timer);
    await Promise.allSettled(agentHandlers.all.map((handler) => handler.close?.()));
    this.releaseLock();
  }

  private abortJob(jobId: string, cause: AbortCause): void {
    const job = this.running.get(jobId);
    if (!job || job.controller.signal.aborted) return;
    job.cause = cause;
    job.controller.abort();
  }

  private async startJob(offered: OfferedJob): Promise<void> {
    let claimed: OfferedJob;
    try {
      claimed = (await this.client.claim(offered.id)).job;
    } catch (error) {
      if (error instanceof AgentHttpError && error.status === 409) return; // taken or cancelled meanwhile
      throw error;
    }
    const controller = new AbortController();
    const entry: RunningJob = { controller, cause: null, done: Promise.resolve() };
    this.running.set(claimed.id, entry);
    entry.done = this.execute(claimed, entry).finally(() => this.running.delete(claimed.id));
  }

  private async execute(job: OfferedJob, entry: RunningJob): Promise<void> {
    const runnable = this.available().get(job.kind);
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `gp-job-${job.id.slice(0, 8)}-`));
    this.leftovers.begin(job.id, workDir);
    let progress = 0;
    let detail: unknown;
    let lost = false;
    const heartbeat = async () => {
      try {
        const state = await this.client.progress(job.id, progress, detail);
        if (state.cancel_requested) this.abortJob(job.id, 'user_stop');
      } catch (error) {
        if (error instanceof AgentHttpError && error.status === 409) {
          lost = true; // the lease is gone (reaped or cancelled): stop working, nothing to report
          this.abortJob(job.id, 'user_stop');
        }
      }
    };
    const timer = setInterval(() => void heartbeat(), Math.max(1000, (this.leaseSeconds * 1000) / 3));
    let lastSent = 0;
    const ctx: JobContext = {
      jobId: job.id, taskId: job.task_id, payload: job.payload, signal: entry.controller.signal,
      abortCause: () => entry.cause, workDir,
      trackProcess: (pid, marker) => this.leftovers.trackProcess(job.id, pid, marker),
      reportProgress: (value, extra) => {
        progress = Math.max(0, Math.min(100, Math.floor(value)));
        detail = extra;
        if (Date.now() - lastSent >= 1000) {
          lastSent = Date.now();
          void heartbeat();
        }
      },
      uploadArtifact: (name, file, contentType) => this.client.uploadFile(job.id, name, file, contentType),
      log: (message) => this.log(`job ${job.id}: ${message}`),
    };
    let outcome: JobOutcome;
    try {
      if (!runnable) {
        outcome = { outcome: 'failed', reason: `this agent cannot run jobs of kind "${job.kind}"` };
      } else {
        ctx.payload = runnable.handler.kind.checkPayload(job.payload);
        outcome = await runnable.handler.run(ctx, runnable.capability);
      }
    } catch (error) {
      outcome = { outcome: 'failed', reason: error instanceof JobSchemaError ? error.message : `the ${job.kind} job failed: ${(error as Error).message}` };
    } finally {
      clearInterval(timer);
    }
    try {
      if (!lost) await this.finishWithRetry(job.id, outcome, runnable?.handler.kind.version);
    } finally {
      fs.rmSync(workDir, { recursive: true, force: true });
      this.leftovers.end(job.id);
    }
  }

  private async finishWithRetry(jobId: string, outcome: JobOutcome, kindVersion?: number): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.client.finish(jobId, outcome.outcome, outcome.result, outcome.outcome === 'succeeded' ? undefined : outcome.reason, kindVersion);
        return;
      } catch (error) {
        if (error instanceof AgentHttpError && error.status < 500) {
          this.log(`job ${jobId}: the server did not accept its result: ${error.message}`);
          return;
        }
        await sleep(500 * 2 ** attempt);
      }
    }
  }
}
