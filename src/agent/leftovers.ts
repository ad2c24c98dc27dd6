import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { currentProcessIdentity, isProcessAlive, type ProcessIdentity } from './process-identity.js';

/**
 * What an agent must clean up if it dies mid-job: each running job's scratch directory and the external
 * tools it started (a capture tool keeps running after a SIGKILLed agent until its own limits). Kept in
 * `<stateDir>/inflight.json`; the next start of the agent ends those processes and removes the directories —
 * only for jobs whose owning agent process is dead (a live one, however it got there, keeps its captures).
 */

interface InflightJob { workDir: string; processes: Array<{ pid: number; marker: string }>; owner?: ProcessIdentity }

export class LeftoverTracker {
  private readonly jobs = new Map<string, InflightJob>();
  private readonly owner = currentProcessIdentity();

  constructor(private readonly file: string) {}

  begin(jobId: string, workDir: string): void {
    this.jobs.set(jobId, { workDir, processes: [], owner: this.owner });
    this.save();
  }

  /** `marker` must appear in the process's command line, so a recycled pid is never killed. */
  trackProcess(jobId: string, pid: number, marker: string): void {
    this.jobs.get(jobId)?.processes.push({ pid, marker });
    this.save();
  }

  end(jobId: string): void {
    if (this.jobs.delete(jobId)) this.save();
  }

  /**
   * Ends processes and removes scratch directories left by a previous, dead run of this agent; returns the
   * ids of the jobs it ended, which the caller reports as failed. Jobs of a live owner are kept as they are.
   */
  cleanPrevious(log: (message: string) => void): string[] {
    let previous: Record<string, InflightJob> = {};
    try {
      previous = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, InflightJob>;
    } catch {
      return [];
    }
    const ended: string[] = [];
    for (const [jobId, job] of Object.entries(previous)) {
      if (!job || typeof job !== 'object') continue;
      const owner = job.owner;
      if (owner && Number.isInteger(owner.pid) && owner.pid !== process.pid && isProcessAlive(owner)) {
        log(`job ${jobId} belongs to agent process ${owner.pid}, which still runs: left alone`);
        this.jobs.set(jobId, job); // keep it on record
        continue;
      }
      ended.push(jobId);
      for (const { pid, marker } of job.processes ?? []) {
        if (!Number.isInteger(pid) || pid <= 1 || typeof marker !== 'string' || marker === '') continue;
        let cmdline = '';
        try {
          cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
        } catch {
          continue; // already gone
        }
        if (!cmdline.includes(marker)) continue;
        try {
          process.kill(pid, 'SIGKILL');
          log(`ended process ${pid} left running by job ${jobId} before the agent restarted`);
        } catch {
          // exited meanwhile
        }
      }
      if (typeof job.workDir === 'string' && path.dirname(job.workDir) === os.tmpdir() && path.basename(job.workDir).startsWith('gp-job-')) {
        fs.rmSync(job.workDir, { recursive: true, force: true });
      }
    }
    this.save();
    return ended;
  }

  private save(): void {
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, JSON.stringify(Object.fromEntries(this.jobs)), { mode: 0o600 });
    fs.renameSync(temp, this.file);
  }
}
