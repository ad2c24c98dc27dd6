import fs from 'node:fs';

/**
 * A process named by PID plus, on Linux, its start time (field 22 of /proc/PID/stat, in clock ticks since
 * boot), so a PID the kernel has handed to a new process is not mistaken for the one recorded.
 */
export interface ProcessIdentity { pid: number; start_time: string | null }

export function processStartTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may itself contain spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall: fields[0] is field 3
  } catch {
    return null;
  }
}

export function currentProcessIdentity(): ProcessIdentity {
  return { pid: process.pid, start_time: processStartTime(process.pid) };
}

/** Whether the recorded process still runs (same PID and, where known, the same start time). */
export function isProcessAlive(owner: ProcessIdentity): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (owner.start_time === null) return true;
  const now = processStartTime(owner.pid);
  return now === null || now === owner.start_time;
}
