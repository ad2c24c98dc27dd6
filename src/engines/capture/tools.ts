import { accessSync, constants as fsConstants, readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/** Which capture tool this host has, where it is, and which interfaces it can capture on. */

export type CaptureTool = 'dumpcap' | 'tcpdump';

export const INTERFACE_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,14}$/;
const TOOL_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/**
 * Absolute path of an executable, looked up in the system directories first (the agent runs as
 * root: a writable directory early on PATH must not shadow the capture tool), then on PATH.
 */
export function findExecutable(name: string): string | null {
  const dirs = [...TOOL_DIRS, ...(process.env.PATH ?? '').split(':').filter((d) => isAbsolute(d))];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return null;
}

/** 'dumpcap' when installed, else 'tcpdump', else null. */
export function detectCaptureTool(): CaptureTool | null {
  if (findExecutable('dumpcap')) return 'dumpcap';
  if (findExecutable('tcpdump')) return 'tcpdump';
  return null;
}

/** Interfaces of this host's network namespace (from /sys/class/net) plus the 'any' pseudo-interface. */
export function listCaptureInterfaces(): string[] {
  let names: string[] = [];
  try {
    names = readdirSync('/sys/class/net').filter((n) => INTERFACE_RE.test(n));
  } catch {
    names = [];
  }
  return [...names.sort(), 'any'];
}
