import type { AnyJobKind, CapabilityOf, PayloadOf, ResultOf } from '../../core/job-kind.js';

/**
 * A job handler runs one job kind on the agent's host. Families declare their handlers in their AgentFamily
 * (src/families/agent.ts lists them); payload, result and capability types all come from the job kind.
 */

export type JobOutcome<R = unknown> =
  | { outcome: 'succeeded'; result?: R }
  | { outcome: 'failed' | 'cancelled'; reason: string; result?: R };

/** Why a running job is being stopped early. */
export type AbortCause = 'user_stop' | 'agent_shutdown';

export interface JobContext<P = unknown> {
  jobId: string;
  taskId: string;
  /** Checked against the kind's payload schema before the handler runs. */
  payload: P;
  /** Aborted when the user cancels the task or the agent shuts down; `abortCause()` says which. */
  signal: AbortSignal;
  abortCause(): AbortCause | null;
  /** A private scratch directory, removed after the job. */
  workDir: string;
  /** Reports progress (0-100) and renews the lease; throttled by the runtime. */
  reportProgress(progress: number, detail?: unknown): void;
  /** Streams a file to the server's blob store as an artifact of this job. */
  uploadArtifact(name: string, file: string, contentType: string): Promise<{ size: number; sha256: string }>;
  log(message: string): void;
  /** Records an external process the job started, so a restarted agent can end it if this one dies. */
  trackProcess(pid: number, marker: string): void;
}

/** Values of the agent options the families declare (flag name → value, '' when not given). */
export type AgentOptionValues = Readonly<Record<string, string>>;

export interface AgentJobHandler<K extends AnyJobKind = AnyJobKind> {
  readonly kind: K;
  /** What this host offers for the kind (advertised in its facts), or null when it cannot run it here. */
  capability(options: AgentOptionValues): CapabilityOf<K> | null;
  run(ctx: JobContext<PayloadOf<K>>, capability: CapabilityOf<K>): Promise<JobOutcome<ResultOf<K>>>;
  /**
   * Releases what the handler keeps for the agent's whole life (e.g. the antivirus handler's clamd); called once
   * when the agent stops, after its running jobs have reported.
   */
  close?(): Promise<void>;
}

/** Keeps the handler's types tied to its kind while letting registries hold handlers of every kind. */
export function defineAgentHandler<K extends AnyJobKind>(handler: AgentJobHandler<K>): AgentJobHandler {
  return handler as unknown as AgentJobHandler;
}
