import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * What an agent must clean up if it dies mid-job: each running job's scratch directory and the external
 * tools it started (a capture tool keeps running after a SIGKILLed agent until its own limits). Kept in
 * `<stateDir>/inflight.json`; the next start of the agent ends those processes and removes the directories.
 */

interface InflightJob { workDir: string; processes: Array<{ pid: number; marker: string }> }

export class LeftoverTracker {
  private readonly jobs = new Map<string, InflightJob>();

  constructor(private readonly file: string) {}

  begin(jobId: string, workDir: string): void {
    this.jobs.set(jobId, { workDir, processes: [] });
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

  /** Ends processes and removes scratch directories left by a previous run of this agent. */
  cleanPrevious(log: (message: string) => void): void {
    let previous: Record<string, InflightJob> = {};
    try {
      previous = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, InflightJob>;
    } catch {
      return;
    }
    for (const [jobId, job] of Object.entries(previous)) {
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
  }

  private save(): void {
    const temp = `${this.file}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(temp, JSON.stringify(Object.fromEntries(this.jobs)), { mode: 0o600 });
    fs.renameSync(temp, this.file);
  }
}
