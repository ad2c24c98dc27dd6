import { promises as fsp } from 'node:fs';
import { fullScanRoots, quickScanRoots } from './scan-roots.js';

/** Reads what this host shows (/etc/passwd, /proc/PID/exe, /proc/mounts) into quick and full scan roots. */

const MAX_PROCESSES = 100_000;

async function readText(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch {
    return '';
  }
}

/** Targets of /proc/PID/exe for every process this agent may inspect (kernel threads have none). */
export async function runningExecutables(proc = '/proc'): Promise<string[]> {
  let names: string[];
  try {
    names = (await fsp.readdir(proc)).filter((n) => /^\d+$/.test(n)).slice(0, MAX_PROCESSES);
  } catch {
    return [];
  }
  const targets = await Promise.all(names.map((pid) => fsp.readlink(`${proc}/${pid}/exe`).catch(() => null)));
  return [...new Set(targets.filter((t): t is string => t !== null))];
}

export async function hostQuickScanRoots(): Promise<string[]> {
  return quickScanRoots({ passwd: await readText('/etc/passwd'), exeTargets: await runningExecutables() });
}

export async function hostFullScanRoots(): Promise<string[]> {
  return fullScanRoots(await readText('/proc/mounts'));
}
