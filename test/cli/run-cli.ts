import { execFile } from 'node:child_process';
import { guardpostBin } from '../helpers/server.js';

export interface CliResult { code: number; stdout: string; stderr: string }

/** Runs the built CLI as a child process (stdout/stderr are pipes, not a terminal); never rejects on a non-zero exit. */
export function runCli(args: readonly string[], env: Record<string, string> = {}, bin = guardpostBin): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 8 << 20 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error);
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}
