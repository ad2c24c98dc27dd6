import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The private clamd's PID file (`<workDir>/clamd.pid`: PID and the kernel's start time of the process) and the
 * cleanup of a clamd a previous agent of the same work directory left running when it was SIGKILLed (a job's
 * leftover tracking does not cover it: clamd belongs to the agent, not to a job). A recorded PID is ended only when
 * that process is still the same one: same start time, its executable is clamd, and its command line names this
 * work directory's config. Signals go to that PID only.
 */

export const CLAMD_PID_FILE = 'clamd.pid';

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), or null when the process is gone. */
async function startTimeOf(pid: number): Promise<string | null> {
  try {
    const stat = await fsp.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export async function recordClamdPid(workDir: string, pid: number): Promise<void> {
  const started = await startTimeOf(pid);
  if (started === null) return;
  await fsp.writeFile(path.join(workDir, CLAMD_PID_FILE), `${pid} ${started}\n`, { mode: 0o600 });
}

export async function forgetClamdPid(workDir: string, pid: number): Promise<void> {
  const file = path.join(workDir, CLAMD_PID_FILE);
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  if (text.split(' ')[0] === String(pid)) await fsp.rm(file, { force: true });
}

/** Whether `pid` (recorded with `started`) is still a clamd running on `workDir`'s config. */
async function isOurLeftover(pid: number, started: string, workDir: string, clamdPath: string): Promise<boolean> {
  if ((await startTimeOf(pid)) !== started) return false;
  const exe = (await fsp.readlink(`/proc/${pid}/exe`).catch(() => '')).replace(/ \(deleted\)$/, '');
  const realClamd = await fsp.realpath(clamdPath).catch(() => clamdPath);
  if (exe !== realClamd) return false;
  const argv = (await fsp.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
  return argv.includes(`--config-file=${path.join(workDir, 'clamd.conf')}`);
}

/**
 * Ends the clamd recorded in `workDir`'s PID file if it is still running there (SIGTERM, SIGKILL after `graceMs`),
 * removes the PID file, and returns the PID that was ended (null when there was none).
 */
export async function endLeftoverClamd(workDir: string, clamdPath: string, graceMs = 5000): Promise<number | null> {
  const file = path.join(workDir, CLAMD_PID_FILE);
  const text = (await fsp.readFile(file, 'utf8').catch(() => '')).slice(0, 100);
  const match = /^(\d{1,10}) (\d{1,20})\n?$/.exec(text);
  let ended: number | null = null;
  if (match && Number(match[1]) !== process.pid) {
    const pid = Number(match[1]);
    if (await isOurLeftover(pid, match[2] as string, workDir, clamdPath)) {
      ended = pid;
      signal(pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while ((await startTimeOf(pid)) === match[2] && Date.now() < deadline) await sleep(50);
      if ((await startTimeOf(pid)) === match[2]) signal(pid, 'SIGKILL');
      for (let i = 0; i < 100 && (await startTimeOf(pid)) === match[2]; i++) await sleep(20);
    }
  }
  await fsp.rm(file, { force: true });
  return ended;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}
