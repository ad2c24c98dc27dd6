/** A job handler runs one kind of job on the agent's host. Handlers register in `handlers/index.ts`. */

export type JobOutcome =
  | { outcome: 'succeeded'; result?: unknown }
  | { outcome: 'failed' | 'cancelled'; reason: string; result?: unknown };

/** Why a running job is being stopped early. */
export type AbortCause = 'user_stop' | 'agent_shutdown';

export interface JobContext {
  jobId: string;
  taskId: string;
  payload: unknown;
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

export interface AgentSettings {
  /** Interfaces this agent may capture on (the capture capability); empty means none. */
  captureInterfaces: string[];
}

export interface JobHandler {
  readonly kind: string;
  /** Whether this host can run the kind at all (e.g. a capture tool is installed). */
  available(settings: AgentSettings): boolean;
  run(ctx: JobContext, settings: AgentSettings): Promise<JobOutcome>;
}
