import { isTerminal, type JobState } from './job-states.js';

/** Pure task/job vocabulary shared by every family. No I/O here. */


export interface JobView {
  state: JobState;
  progress: number;
  failureReason: string | null;
  cancelRequested: boolean;
}

export interface JobCounts {
  total: number; queued: number; running: number; succeeded: number; failed: number; cancelled: number;
}

export function countJobs(jobs: readonly JobView[]): JobCounts {
  const counts: JobCounts = { total: jobs.length, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 };
  for (const job of jobs) counts[job.state] += 1;
  return counts;
}

/** Mean progress in percent, counting finished jobs as 100. */
export function overallProgress(jobs: readonly JobView[]): number {
  if (jobs.length === 0) return 100;
  const sum = jobs.reduce((acc, job) => acc + (isTerminal(job.state) ? 100 : job.progress), 0);
  return Math.floor(sum / jobs.length);
}

/** How the lease reaper treats a job whose agent stopped reporting. */
export function afterLeaseExpiry(job: { attempts: number; maxAttempts: number; cancelRequested: boolean }): JobState {
  if (job.cancelRequested) return 'cancelled';
  return job.attempts < job.maxAttempts ? 'queued' : 'failed';
}

export const LEASE_EXPIRED_REASON = 'agent lost: the job lease expired without progress from the agent';
/** The failure reason an agent reports for a job its dead predecessor left running, which it ended on start. */
export const AGENT_RESTARTED_REASON = 'agent restarted: the agent process running this job died, and its restart ended what the job left running';
