/** The job lifecycle every family shares. Pure vocabulary; the store and the families import it from here. */

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Jobs that still hold work: counted by quotas and derived statuses as "not done". */
export const ACTIVE_JOB_STATES = ['queued', 'running'] as const satisfies readonly JobState[];
export type ActiveJobState = (typeof ACTIVE_JOB_STATES)[number];

export const TERMINAL_JOB_STATES = ['succeeded', 'failed', 'cancelled'] as const satisfies readonly JobState[];
export type TerminalJobState = (typeof TERMINAL_JOB_STATES)[number];

const terminal: ReadonlySet<JobState> = new Set(TERMINAL_JOB_STATES);

export function isTerminal(state: JobState): state is TerminalJobState {
  return terminal.has(state);
}

export function isActive(state: JobState): state is ActiveJobState {
  return !terminal.has(state);
}
