import { promises as fsp } from 'node:fs';

/** Bound on /proc entries looked at (pid_max is at most 4M; hosts run far fewer processes). */
const MAX_PROCESSES = 100_000;

/**
 * Sends SIGKILL to every process whose executable (`/proc/<pid>/exe`) is `file`, by PID, and returns the PIDs.
 * The agent's own process is never among them.
 */
export async function killProcessesRunning(file: string): Promise<number[]> {
  const entries = (await fsp.readdir('/proc')).filter((name) => /^\d+$/.test(name)).slice(0, MAX_PROCESSES);
  const killed: number[] = [];
  for (const name of entries) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    const exe = await fsp.readlink(`/proc/${name}/exe`).catch(() => null);
    if (exe !== file) continue;
    try {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    } catch {
      // already gone
    }
  }
  return killed;
}
